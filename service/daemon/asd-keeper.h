/* asd-keeper.h: keeps one tunnel's ssh up, and says what happens to it
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include "asd-askpass-server.h"
#include "asd-login-pacer.h"
#include "asd-reason.h"
#include "asd-tunnel-settings.h"

G_BEGIN_DECLS

#define ASD_TYPE_KEEPER (asd_keeper_get_type ())
G_DECLARE_FINAL_TYPE (AsdKeeper, asd_keeper, ASD, KEEPER, GObject)

/* The name of another tunnel whose running ssh listens on local @port, or
 * %NULL (asd-manager.c asks its tunnels). */
typedef char *(*AsdPortOwnerFunc) (guint port, const char *asking, gpointer user_data);

AsdKeeper *asd_keeper_new             (const char              *name);
void       asd_keeper_set_port_owner  (AsdKeeper               *self,
                                       AsdPortOwnerFunc         func,
                                       gpointer                 user_data);
struct _AsdConnections;

const char *asd_keeper_get_name       (AsdKeeper               *self);
void       asd_keeper_set_connections (AsdKeeper               *self,
                                       struct _AsdConnections  *connections);
void       asd_keeper_set_pacer       (AsdKeeper               *self,
                                       AsdLoginPacer           *pacer);
void       asd_keeper_set_askpass     (AsdKeeper               *self,
                                       AsdAskpassServer        *server,
                                       const char              *helper);
void       asd_keeper_reconfigure     (AsdKeeper               *self,
                                       const AsdTunnelSettings *settings,
                                       const char * const      *argv);
void       asd_keeper_fail            (AsdKeeper               *self,
                                       const AsdReason         *reason);
gboolean   asd_keeper_has_ssh         (AsdKeeper               *self);

void       asd_keeper_start           (AsdKeeper               *self);
void       asd_keeper_stop            (AsdKeeper               *self);
void       asd_keeper_restart         (AsdKeeper               *self);
void       asd_keeper_probe_async     (AsdKeeper               *self,
                                       GCancellable            *cancellable,
                                       GAsyncReadyCallback      callback,
                                       gpointer                 user_data);
gboolean   asd_keeper_probe_finish    (AsdKeeper               *self,
                                       GAsyncResult            *result,
                                       guint64                 *latency_usec,
                                       GError                 **error);
void       asd_keeper_sleep           (AsdKeeper               *self);
void       asd_keeper_wake            (AsdKeeper               *self);
void       asd_keeper_network_changed (AsdKeeper               *self);
void       asd_keeper_forget_server_address (AsdKeeper         *self);
void       asd_keeper_change_forwards_async  (AsdKeeper               *self,
                                              const AsdTunnelSettings *settings,
                                              const char * const      *argv,
                                              GAsyncReadyCallback      callback,
                                              gpointer                 user_data);
gboolean   asd_keeper_change_forwards_finish (AsdKeeper               *self,
                                              GAsyncResult            *result,
                                              GError                 **error);

G_END_DECLS
