/* asd-server-probe.h: is the server's ssh port reachable? (no login)
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "asd-server-address.h"

G_BEGIN_DECLS

void     asd_server_probe_async  (AsdServerAddress    *address,
                                  guint                timeout_s,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data);
gboolean asd_server_probe_finish (GAsyncResult        *result,
                                  gint64              *latency_us,
                                  GError             **error);

G_END_DECLS
