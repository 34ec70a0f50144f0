/* notify-server.h: what the desktop's notification server can do
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _AsdNotifyServer AsdNotifyServer;

AsdNotifyServer *asd_notify_server_new  (GDBusConnection *connection);
gboolean         asd_notify_server_has  (AsdNotifyServer *self,
                                         const char      *capability);
void             asd_notify_server_free (AsdNotifyServer *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AsdNotifyServer, asd_notify_server_free)

G_END_DECLS
