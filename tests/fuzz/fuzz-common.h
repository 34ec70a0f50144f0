/* fuzz-common.h: what the fuzz targets share
 *
 * Each fuzz-NAME.c defines LLVMFuzzerTestOneInput().  It is linked either
 * with libFuzzer (-Dfuzzing=true, clang) or with fuzz-main.c, which runs
 * the committed seed corpus through it in every normal test run.
 *
 * GLib's criticals (a g_return_if_fail() that failed) and warnings are bugs
 * here: none of the code under test logs a warning for bad input, so both
 * abort the run and the fuzzer reports the input.  Debug and info messages
 * are dropped.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>

/* The most arguments or variables made from one input. */
#define FUZZ_MAX_ITEMS 64

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* A failed check of the harness: the input breaks an invariant. */
#define FUZZ_CHECK(expr) \
  G_STMT_START { \
    if (G_UNLIKELY (!(expr))) \
      { \
        fprintf (stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #expr); \
        abort (); \
      } \
  } G_STMT_END

void         fuzz_init     (void);
char       **fuzz_split    (const uint8_t *data,
                            size_t         size,
                            gboolean       at_newlines);
const char  *fuzz_tmp_file (const char    *name);
