/* asd-autossh-log.h: the drop-in's log, as autossh 1.4g writes it
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean asd_autossh_log_open (const char *logfile,
                               gint        level,
                               gboolean    debug,
                               GError    **error);

void     asd_autossh_log      (gint        priority,
                               const char *format,
                               ...) G_GNUC_PRINTF (2, 3);

G_END_DECLS
