/* asd-log-fifo.h: a private FIFO for ssh's own log (ssh -E)
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _AsdLogFifo AsdLogFifo;

AsdLogFifo   *asd_log_fifo_new          (const char *dir,
                                         const char *tag,
                                         GError    **error);
const char   *asd_log_fifo_get_path     (AsdLogFifo *self);
GInputStream *asd_log_fifo_get_stream   (AsdLogFifo *self);
void          asd_log_fifo_unlink       (AsdLogFifo *self);
void          asd_log_fifo_close_writer (AsdLogFifo *self);
void          asd_log_fifo_free         (AsdLogFifo *self);
void          asd_log_fifo_remove_stale (const char *dir);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AsdLogFifo, asd_log_fifo_free)

G_END_DECLS
