/* notify-server.c: what the desktop's notification server can do
 *
 * The server's capabilities ("actions", "body-markup", ...) are asked once
 * (notify_get_server_caps) and kept until the server's bus name changes
 * hands, so a server that is replaced (another desktop's, or a restart) is
 * asked again.  What a notification looks like for each AsdNotifyKind
 * (icon, urgency, category, timeout, actions) is set here too, for the
 * tunnels' notifications and the servers' outage notifications alike.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <libnotify/notify.h>

#include "notify-server.h"

#define NOTIFICATIONS_NAME "org.freedesktop.Notifications"
#define BACK_TIMEOUT_MS    5000   /* "web is back" stays this long */
#define DESKTOP_ENTRY      "autossh-notify"

struct _AsdNotifyServer
{
  guint watch_id;
  GHashTable *caps;      /* capability → itself; NULL: not asked yet */
};

static void
forget_caps (AsdNotifyServer *self)
{
  g_clear_pointer (&self->caps, g_hash_table_unref);
}

static void
on_name_appeared (GDBusConnection *connection, const char *name, const char *owner,
                  gpointer user_data)
{
  g_debug ("notification server %s is %s", name, owner);
  forget_caps (user_data);
}

static void
on_name_vanished (GDBusConnection *connection, const char *name, gpointer user_data)
{
  g_debug ("no notification server owns %s", name);
  forget_caps (user_data);
}

AsdNotifyServer *
asd_notify_server_new (GDBusConnection *connection)
{
  AsdNotifyServer *self = g_new0 (AsdNotifyServer, 1);

  self->watch_id = g_bus_watch_name_on_connection (connection, NOTIFICATIONS_NAME,
                                                   G_BUS_NAME_WATCHER_FLAGS_NONE,
                                                   on_name_appeared, on_name_vanished,
                                                   self, NULL);
  return self;
}

static void
ask_caps (AsdNotifyServer *self)
{
  GList *caps = notify_get_server_caps ();
  g_autoptr(GString) list = g_string_new (NULL);

  self->caps = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (GList *l = caps; l != NULL; l = l->next)
    {
      g_hash_table_add (self->caps, l->data);
      g_string_append_printf (list, " %s", (const char *) l->data);
    }
  g_list_free (caps);
  g_debug ("notification server capabilities:%s", list->str);
}

/**
 * asd_notify_server_has:
 * @self: the server
 * @capability: e.g. "actions" or "body-markup"
 *
 * Returns: whether the current notification server has @capability
 */
gboolean
asd_notify_server_has (AsdNotifyServer *self, const char *capability)
{
  if (self->caps == NULL)
    ask_caps (self);
  return g_hash_table_contains (self->caps, capability);
}

static const char *
kind_icon (AsdNotifyKind kind)
{
  switch (kind)
    {
    case ASD_NOTIFY_KIND_DROPPED:
      return "network-error";
    case ASD_NOTIFY_KIND_FAILED:
      return "dialog-warning";
    case ASD_NOTIFY_KIND_BACK:
    case ASD_NOTIFY_KIND_NONE:
    default:
      return "network-idle";
    }
}

static void
set_look (AsdNotifyServer *self, NotifyNotification *n, AsdNotifyKind kind,
          const AsdNotifyText *text, NotifyActionCallback on_action, gpointer user_data)
{
  notify_notification_clear_hints (n);
  notify_notification_clear_actions (n);
  notify_notification_set_hint_string (n, "desktop-entry", DESKTOP_ENTRY);
  switch (kind)
    {
    case ASD_NOTIFY_KIND_DROPPED:
      notify_notification_set_urgency (n, NOTIFY_URGENCY_NORMAL);
      notify_notification_set_category (n, "network.disconnected");
      notify_notification_set_timeout (n, NOTIFY_EXPIRES_DEFAULT);
      break;
    case ASD_NOTIFY_KIND_FAILED:
      notify_notification_set_urgency (n, NOTIFY_URGENCY_CRITICAL);
      notify_notification_set_category (n, "network.error");
      notify_notification_set_timeout (n, NOTIFY_EXPIRES_NEVER);
      break;
    case ASD_NOTIFY_KIND_BACK:
    case ASD_NOTIFY_KIND_NONE:
    default:
      notify_notification_set_urgency (n, NOTIFY_URGENCY_LOW);
      notify_notification_set_category (n, "network.connected");
      notify_notification_set_timeout (n, BACK_TIMEOUT_MS);
      notify_notification_set_hint (n, "transient", g_variant_new_boolean (TRUE));
      return;
    }
  if (on_action != NULL && asd_notify_server_has (self, "actions"))
    {
      if (kind == ASD_NOTIFY_KIND_FAILED && text->prompt_label != NULL)
        notify_notification_add_action (n, "prompt", text->prompt_label, on_action, user_data, NULL);
      notify_notification_add_action (n, "reconnect", _("Reconnect now"), on_action, user_data, NULL);
      notify_notification_add_action (n, "stop", _("Stop"), on_action, user_data, NULL);
    }
}

/**
 * asd_notify_server_show:
 * @self: the server
 * @notification: the notification to show @text in, in place of what it
 *   showed (its id is kept, so nothing stacks)
 * @kind: what it says: its look follows
 * @text: the words, plain text (escaped here for a server with markup)
 * @on_action: (nullable): called for "reconnect" and "stop", offered with
 *   a drop or a failure where the server has actions, and for "prompt"
 *   with a failure whose @text has a prompt_label
 * @user_data: for @on_action
 * @error: why the server would not show it
 *
 * Returns: whether the server took it
 */
gboolean
asd_notify_server_show (AsdNotifyServer *self, NotifyNotification *notification,
                        AsdNotifyKind kind, const AsdNotifyText *text,
                        NotifyActionCallback on_action, gpointer user_data, GError **error)
{
  g_autofree char *body = NULL;

  if (asd_notify_server_has (self, "body-markup"))
    body = asd_notify_escape_markup (text->body);
  else
    body = g_strdup (text->body);
  notify_notification_update (notification, text->summary, body, kind_icon (kind));
  set_look (self, notification, kind, text, on_action, user_data);
  return notify_notification_show (notification, error);
}

void
asd_notify_server_free (AsdNotifyServer *self)
{
  if (self == NULL)
    return;
  g_clear_handle_id (&self->watch_id, g_bus_unwatch_name);
  forget_caps (self);
  g_free (self);
}
