/* asd-connections.h: the service's shared ssh connections, by what makes them equal
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include "asd-connection.h"

G_BEGIN_DECLS

#define ASD_TYPE_CONNECTIONS (asd_connections_get_type ())
G_DECLARE_FINAL_TYPE (AsdConnections, asd_connections, ASD, CONNECTIONS, GObject)

AsdConnections *asd_connections_new          (AsdLoginPacer           *pacer,
                                              AsdAskpassServer        *askpass,
                                              const char              *askpass_helper);
AsdTunnelSettings *asd_connections_settings_of (const AsdTunnelSettings *settings);
void            asd_connections_key_async    (AsdConnections          *self,
                                              const char              *name,
                                              const AsdTunnelSettings *settings,
                                              const char * const      *argv,
                                              GCancellable            *cancellable,
                                              GAsyncReadyCallback      callback,
                                              gpointer                 user_data);
char           *asd_connections_key_finish   (GAsyncResult            *result);
void            asd_connections_forget_keys  (AsdConnections          *self);
AsdConnection  *asd_connections_get          (AsdConnections          *self,
                                              const char              *key,
                                              const char              *name,
                                              const AsdTunnelSettings *settings,
                                              const char * const      *argv);
gboolean        asd_connections_any_ssh      (AsdConnections          *self);
void            asd_connections_end_idle     (AsdConnections          *self);
void            asd_connections_sleep        (AsdConnections          *self);
void            asd_connections_wake         (AsdConnections          *self);
void            asd_connections_network_changed (AsdConnections       *self);

G_END_DECLS
