/* notify-outage.h: one notification per server for tunnels that drop
 * together
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include "notify-server.h"
#include "notify-tunnel.h"

G_BEGIN_DECLS

/* Other tunnels to the server that are still within their threshold are
 * waited for at most this long before an outage is shown. */
#define ASD_NOTIFY_OUTAGE_COLLECT_MS 2000

AsdNotifyOutages *asd_notify_outages_new     (AsdNotifyServer  *server,
                                              GHashTable       *tunnels);
void              asd_notify_outages_dropped (AsdNotifyOutages *self,
                                              AsdNotifyTunnel  *tunnel,
                                              const char       *reason);
void              asd_notify_outages_back    (AsdNotifyOutages *self,
                                              AsdNotifyTunnel  *tunnel,
                                              gint64            downtime_us,
                                              const char       *reason);
void              asd_notify_outages_leave   (AsdNotifyOutages *self,
                                              AsdNotifyTunnel  *tunnel);
void              asd_notify_outages_recheck (AsdNotifyOutages *self,
                                              const char       *server);
void              asd_notify_outages_free    (AsdNotifyOutages *self);

G_END_DECLS
