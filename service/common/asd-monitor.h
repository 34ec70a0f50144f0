/* asd-monitor.h: autossh's monitor test through ssh's extra forwards
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "asd-ssh-args.h"

G_BEGIN_DECLS

/* How many connections one test may try before it has failed. */
#define ASD_MONITOR_ATTEMPTS 2

#define ASD_TYPE_MONITOR (asd_monitor_get_type ())
G_DECLARE_FINAL_TYPE (AsdMonitor, asd_monitor, ASD, MONITOR, GObject)

AsdMonitor *asd_monitor_new        (const AsdMonitorSpec *spec,
                                    const char           *message);
gboolean    asd_monitor_listen     (AsdMonitor           *self,
                                    GError              **error);
void        asd_monitor_set_timing (AsdMonitor           *self,
                                    guint                 first_poll,
                                    guint                 poll,
                                    guint                 net_timeout);
void        asd_monitor_start      (AsdMonitor           *self);
void        asd_monitor_stop       (AsdMonitor           *self);
void        asd_monitor_test_now   (AsdMonitor           *self);

guint asd_monitor_net_timeout (guint poll);

void asd_monitor_set_tunnel_name (AsdMonitor *self,
                                   const char *tunnel);

G_END_DECLS
