/* asd-tunnel-log.h: a tunnel's recent history, a bounded ring of entries
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>

#include "asd-log-entry.h"

G_BEGIN_DECLS

#define ASD_TUNNEL_LOG_MAX_ENTRIES  200          /* per tunnel */
#define ASD_TUNNEL_LOG_MAX_BYTES    (64 * 1024)  /* per tunnel, as sent on the bus */
#define ASD_TUNNEL_LOG_MAX_MESSAGE  4096         /* bytes of one message */

/* One entry: sequence, realtime µs, monotonic µs, kind, message, details */
#define ASD_TUNNEL_LOG_ENTRY_TYPE   "(tttssa{sv})"

typedef struct _AsdTunnelLog AsdTunnelLog;

AsdTunnelLog *asd_tunnel_log_new        (guint               max_entries,
                                         gsize               max_bytes);
void          asd_tunnel_log_free       (AsdTunnelLog       *self);
GVariant     *asd_tunnel_log_append     (AsdTunnelLog       *self,
                                         const char         *kind,
                                         const char         *message,
                                         GVariant           *details);
GVariant     *asd_tunnel_log_get        (AsdTunnelLog       *self,
                                         guint32             max);
guint         asd_tunnel_log_get_length (AsdTunnelLog       *self);
gsize         asd_tunnel_log_get_bytes  (AsdTunnelLog       *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AsdTunnelLog, asd_tunnel_log_free)

G_END_DECLS
