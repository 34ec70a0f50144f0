/* asd-tunnel-store.h: the tunnels' files
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "asd-tunnel-settings.h"

G_BEGIN_DECLS

#define ASD_TYPE_TUNNEL_STORE (asd_tunnel_store_get_type ())
G_DECLARE_FINAL_TYPE (AsdTunnelStore, asd_tunnel_store, ASD, TUNNEL_STORE, GObject)

AsdTunnelStore    *asd_tunnel_store_new      (const char               *dir);
const char        *asd_tunnel_store_get_dir  (AsdTunnelStore           *self);
char              *asd_tunnel_store_path     (AsdTunnelStore           *self,
                                              const char               *name);
GPtrArray         *asd_tunnel_store_list     (AsdTunnelStore           *self);
AsdTunnelSettings *asd_tunnel_store_load     (AsdTunnelStore           *self,
                                              const char               *name,
                                              GError                  **error);
gboolean           asd_tunnel_store_save     (AsdTunnelStore           *self,
                                              const char               *name,
                                              const AsdTunnelSettings  *settings,
                                              GError                  **error);
gboolean           asd_tunnel_store_delete   (AsdTunnelStore           *self,
                                              const char               *name,
                                              GError                  **error);

G_END_DECLS
