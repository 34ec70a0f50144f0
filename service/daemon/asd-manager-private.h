/* asd-manager-private.h: what asd-manager.c shares with asd-manager-dbus.c
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include "asd-authorizer.h"
#include "asd-manager.h"
#include "asd-sleep-monitor.h"
#include "asd-tunnel.h"
#include "asd-tunnel-store.h"

G_BEGIN_DECLS

struct _AsdManager
{
  AsdDbusManagerSkeleton parent_instance;

  AsdServiceMode mode;
  AsdAuthorizer *authorizer;            /* the system service's; NULL: everyone may */
  AsdTunnelStore *store;
  gboolean replace;                     /* --replace: take over the askpass socket */
  GHashTable *tunnels;                  /* name → AsdTunnel */
  GPtrArray *leaving;                   /* removed AsdTunnels whose ssh still runs */
  guint reap_id;                        /* drops the leaving whose ssh ended */
  GDBusObjectManagerServer *objects;
  GNetworkMonitor *network;
  AsdSleepMonitor *sleep;
  AsdLoginPacer *pacer;
  AsdConnections *connections;          /* the shared ssh connections */
  gboolean going_to_sleep;
  AsdAskpassServer *askpass;
  char *askpass_helper;
  gboolean shutting_down;               /* shut-down not sent yet */
  gboolean exiting;                     /* asd_manager_shutdown() was called */
  GPtrArray *stop_all_invocations;      /* StopAll calls answered when no ssh runs */
};

typedef void (*AsdTunnelFunc) (AsdTunnel *tunnel);

void       asd_manager_iface_init           (AsdDbusManagerIface *iface);
void       asd_manager_for_each_tunnel      (AsdManager          *self,
                                             AsdTunnelFunc        func);
void       asd_manager_start_unless_broken  (AsdTunnel           *tunnel);
void       asd_manager_add_tunnel_object    (AsdManager          *self,
                                             AsdTunnel           *tunnel);
void       asd_manager_remove_tunnel_object (AsdManager          *self,
                                             AsdTunnel           *tunnel);
AsdTunnel *asd_manager_load_tunnel          (AsdManager          *self,
                                             const char          *name);
void       asd_manager_reload               (AsdManager          *self,
                                             gboolean             start_new);
gboolean   asd_manager_any_ssh              (AsdManager          *self);
void       asd_manager_complete_stop_alls   (AsdManager          *self);

G_END_DECLS
