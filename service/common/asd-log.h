/* asd-log.h: the log of whichever program links the common library
 *
 * The common code logs under the program's own domain ("autossh",
 * "autosshd", ...), set once by asd_program_init(); meson compiles the
 * common library with G_LOG_DOMAIN=asd_log_domain.  Lines about one
 * tunnel carry its name in a TUNNEL field (journalctl TUNNEL=web).
 * An AsdLogLimit keeps a fault that repeats (a flood of bad connections,
 * a process out of file descriptors) to one line per interval.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>

#include "asd-log-domain.h"

G_BEGIN_DECLS

/* One kind of repeated fault; zero-initialise it. */
typedef struct {
  gint64 next;        /* monotonic µs before which lines are dropped */
  guint dropped;      /* lines dropped since the last one let through */
} AsdLogLimit;

void asd_log_set_domain (const char     *domain);
void asd_log_tunnel     (const char     *tunnel,
                         GLogLevelFlags  level,
                         const char     *format,
                         ...) G_GNUC_PRINTF (3, 4);
void asd_log_limited    (AsdLogLimit    *limit,
                         guint           interval_s,
                         GLogLevelFlags  level,
                         const char     *format,
                         ...) G_GNUC_PRINTF (4, 5);

G_END_DECLS
