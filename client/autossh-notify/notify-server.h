/* notify-server.h: what the desktop's notification server can do
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <libnotify/notify.h>

#include "notify-messages.h"

G_BEGIN_DECLS

typedef struct _AsdNotifyServer AsdNotifyServer;

/**
 * AsdNotifyKind:
 * @ASD_NOTIFY_KIND_NONE: nothing shown, or what was shown is withdrawn
 * @ASD_NOTIFY_KIND_DROPPED: "dropped — reconnecting", with actions
 * @ASD_NOTIFY_KIND_FAILED: "failed", critical, with actions
 * @ASD_NOTIFY_KIND_BACK: "is back", low urgency, gone after a few seconds
 *
 * What a notification shows; each kind has its own icon, urgency,
 * category and timeout.
 */
typedef enum {
  ASD_NOTIFY_KIND_NONE,
  ASD_NOTIFY_KIND_DROPPED,
  ASD_NOTIFY_KIND_FAILED,
  ASD_NOTIFY_KIND_BACK,
} AsdNotifyKind;

AsdNotifyServer *asd_notify_server_new  (GDBusConnection *connection);
gboolean         asd_notify_server_has  (AsdNotifyServer *self,
                                         const char      *capability);
gboolean         asd_notify_server_show (AsdNotifyServer      *self,
                                         NotifyNotification   *notification,
                                         AsdNotifyKind         kind,
                                         const AsdNotifyText  *text,
                                         NotifyActionCallback  on_action,
                                         gpointer              user_data,
                                         GError              **error);
void             asd_notify_server_free (AsdNotifyServer *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AsdNotifyServer, asd_notify_server_free)

G_END_DECLS
