/* asd-error.h: the project's one error domain
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define ASD_ERROR (asd_error_quark ())

/**
 * AsdError:
 * @ASD_ERROR_FAILED: something went wrong that has no better code
 * @ASD_ERROR_INVALID_ARGS: a command line that cannot be used
 * @ASD_ERROR_INVALID_SETTINGS: a setting (variable, key, value) out of range
 *
 * Every fallible call of the core reports one of these, with a message a
 * person can act on.
 */
typedef enum {
  ASD_ERROR_FAILED,
  ASD_ERROR_INVALID_ARGS,
  ASD_ERROR_INVALID_SETTINGS,
} AsdError;

GQuark asd_error_quark (void);

G_END_DECLS
