/* notify-tunnel.h: one tunnel's notification
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include "asd-dbus-generated.h"
#include "notify-server.h"

G_BEGIN_DECLS

typedef struct _AsdNotifyOutages AsdNotifyOutages;

/**
 * AsdNotifyContext:
 * @server: the notification server
 * @threshold_s: how long a drop may last before it is announced
 * @mute: (array zero-terminated=1): names of the tunnels that say nothing
 * @mute_servers: (array zero-terminated=1): servers (as Destination
 *   writes them) whose tunnels say nothing
 * @outages: the drops being told, per server
 * @system: the tunnels are the system service's (their texts say "system
 *   tunnel"; acting on one may need polkit's permission)
 *
 * What every tunnel's notification shares; owned by the tracker, which
 * outlives the tunnels.
 */
typedef struct {
  AsdNotifyServer *server;
  guint threshold_s;
  char **mute;
  char **mute_servers;
  AsdNotifyOutages *outages;
  gboolean system;
} AsdNotifyContext;

typedef struct _AsdNotifyTunnel AsdNotifyTunnel;

AsdNotifyTunnel *asd_notify_tunnel_new           (AsdDbusTunnel          *proxy,
                                                  const AsdNotifyContext *context);
const char      *asd_notify_tunnel_get_name      (AsdNotifyTunnel        *self);
const char      *asd_notify_tunnel_get_title     (AsdNotifyTunnel        *self);
const char      *asd_notify_tunnel_get_server    (AsdNotifyTunnel        *self);
char            *asd_notify_tunnel_make_label    (AsdNotifyTunnel        *self);
gboolean         asd_notify_tunnel_drop_waiting  (AsdNotifyTunnel        *self);
gint64           asd_notify_tunnel_get_down_since (AsdNotifyTunnel       *self);
void             asd_notify_tunnel_act           (AsdNotifyTunnel        *self,
                                                  const char             *action);
NotifyNotification *asd_notify_tunnel_lend_notification   (AsdNotifyTunnel    *self);
void             asd_notify_tunnel_return_notification (AsdNotifyTunnel      *self,
                                                        NotifyNotification   *notification,
                                                        AsdNotifyKind         shown);
void             asd_notify_tunnel_context_changed (AsdNotifyTunnel      *self);
void             asd_notify_tunnel_free          (AsdNotifyTunnel        *self);

G_END_DECLS
