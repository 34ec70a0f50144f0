/* asd-connection.h: one ssh control master that tunnels to the same server share
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include "asd-keeper.h"
#include "asd-mux-client.h"

G_BEGIN_DECLS

/* How long a master with no tunnel left lives on (a Restart costs no login). */
#define ASD_CONNECTION_GRACE_MS 3000

/* How many forward requests go to a master at once (its control socket's
 * listen backlog is 64). */
#define ASD_CONNECTION_REQUESTS_AT_ONCE 16

#define ASD_TYPE_CONNECTION (asd_connection_get_type ())
G_DECLARE_FINAL_TYPE (AsdConnection, asd_connection, ASD, CONNECTION, GObject)

AsdConnection *asd_connection_new          (const char              *key,
                                            const char              *name,
                                            const AsdTunnelSettings *settings,
                                            const char * const      *argv,
                                            AsdLoginPacer           *pacer,
                                            AsdAskpassServer        *askpass,
                                            const char              *askpass_helper);
const char    *asd_connection_get_key      (AsdConnection           *self);
AsdKeeper     *asd_connection_get_master   (AsdConnection           *self);
void           asd_connection_attach       (AsdConnection           *self,
                                            AsdKeeper               *tunnel);
void           asd_connection_detach       (AsdConnection           *self,
                                            AsdKeeper               *tunnel);
char         **asd_connection_shared_with  (AsdConnection           *self,
                                            AsdKeeper               *tunnel);
void           asd_connection_forward_async (AsdConnection       *self,
                                            AsdMuxClient            *session,
                                            gboolean                 open,
                                            const AsdMuxForward     *forward,
                                            GAsyncReadyCallback      callback,
                                            gpointer                 user_data);
void           asd_connection_end          (AsdConnection           *self);
GPtrArray     *asd_connection_get_tunnels  (AsdConnection           *self);
gboolean       asd_connection_has_ssh      (AsdConnection           *self);
gboolean       asd_connection_is_idle      (AsdConnection           *self);

G_END_DECLS
