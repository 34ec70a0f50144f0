/* notify-tunnel.h: one tunnel's notification
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include "asd-dbus-generated.h"
#include "notify-server.h"

G_BEGIN_DECLS

/**
 * AsdNotifyContext:
 * @server: the notification server
 * @threshold_s: how long a drop may last before it is announced
 * @mute: (array zero-terminated=1): names of the tunnels that say nothing
 *
 * What every tunnel's notification shares; owned by the tracker, which
 * outlives the tunnels.
 */
typedef struct {
  AsdNotifyServer *server;
  guint threshold_s;
  char **mute;
} AsdNotifyContext;

typedef struct _AsdNotifyTunnel AsdNotifyTunnel;

AsdNotifyTunnel *asd_notify_tunnel_new           (AsdDbusTunnel          *proxy,
                                                  const AsdNotifyContext *context);
const char      *asd_notify_tunnel_get_name      (AsdNotifyTunnel        *self);
void             asd_notify_tunnel_context_changed (AsdNotifyTunnel      *self);
void             asd_notify_tunnel_free          (AsdNotifyTunnel        *self);

G_END_DECLS
