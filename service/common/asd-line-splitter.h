/* asd-line-splitter.h: bounded lines out of a byte stream from outside
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The longest line handed on, in bytes; ssh's own lines are far shorter. */
#define ASD_LINE_MAX 2048
/* What a cut line ends with. */
#define ASD_LINE_CUT_MARK " […]"

typedef void (*AsdLineFunc) (const char *line, gpointer user_data);

typedef struct _AsdLineSplitter AsdLineSplitter;

AsdLineSplitter *asd_line_splitter_new    (gsize            max_line,
                                           AsdLineFunc      func,
                                           gpointer         user_data);
void             asd_line_splitter_feed   (AsdLineSplitter *self,
                                           const char      *data,
                                           gsize            length);
void             asd_line_splitter_finish (AsdLineSplitter *self);
void             asd_line_splitter_free   (AsdLineSplitter *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AsdLineSplitter, asd_line_splitter_free)

G_END_DECLS
