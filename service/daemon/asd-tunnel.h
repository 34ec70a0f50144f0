/* asd-tunnel.h: one tunnel, a D-Bus object that keeps an ssh running
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include "asd-dbus-generated.h"
#include "asd-error.h"
#include "asd-askpass-server.h"
#include "asd-keeper.h"
#include "asd-connections.h"
#include "asd-login-pacer.h"
#include "asd-tunnel-settings.h"
#include "asd-tunnel-store.h"

G_BEGIN_DECLS

#define ASD_TYPE_TUNNEL (asd_tunnel_get_type ())
G_DECLARE_FINAL_TYPE (AsdTunnel, asd_tunnel, ASD, TUNNEL, AsdDbusTunnelSkeleton)

AsdTunnel               *asd_tunnel_new             (const char        *name,
                                                     AsdTunnelSettings *settings,
                                                     AsdTunnelStore    *store);
const char              *asd_tunnel_get_name        (AsdTunnel         *self);
AsdTunnelStore          *asd_tunnel_get_store       (AsdTunnel         *self);
const AsdTunnelSettings *asd_tunnel_get_settings    (AsdTunnel         *self);
gboolean                 asd_tunnel_is_broken       (AsdTunnel         *self);
gboolean                 asd_tunnel_has_ssh         (AsdTunnel         *self);

void                     asd_tunnel_refuse_calls    (AsdTunnel         *self,
                                                     AsdError           code);
void                     asd_tunnel_set_broken      (AsdTunnel         *self,
                                                     const char        *reason);
void                     asd_tunnel_reconfigure     (AsdTunnel         *self,
                                                     AsdTunnelSettings *settings);
gboolean                 asd_tunnel_start           (AsdTunnel         *self,
                                                     GError           **error);
void                     asd_tunnel_stop            (AsdTunnel         *self);
void                     asd_tunnel_network_changed (AsdTunnel         *self);
void                     asd_tunnel_forget_server_address (AsdTunnel   *self);
void                     asd_tunnel_set_port_owner  (AsdTunnel         *self,
                                                     AsdPortOwnerFunc   func,
                                                     gpointer           user_data);
void                     asd_tunnel_set_pacer       (AsdTunnel         *self,
                                                     AsdLoginPacer     *pacer);
void                     asd_tunnel_set_connections (AsdTunnel         *self,
                                                     AsdConnections    *connections);
void                     asd_tunnel_sleep           (AsdTunnel         *self);
void                     asd_tunnel_wake            (AsdTunnel         *self);
void                     asd_tunnel_set_askpass     (AsdTunnel         *self,
                                                     AsdAskpassServer  *server,
                                                     const char        *helper);

G_END_DECLS
