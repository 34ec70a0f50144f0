/* notify-server.c: what the desktop's notification server can do
 *
 * The server's capabilities ("actions", "body-markup", ...) are asked once
 * (notify_get_server_caps) and kept until the server's bus name changes
 * hands, so a server that is replaced (another desktop's, or a restart) is
 * asked again.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <libnotify/notify.h>

#include "notify-server.h"

#define NOTIFICATIONS_NAME "org.freedesktop.Notifications"

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

void
asd_notify_server_free (AsdNotifyServer *self)
{
  if (self == NULL)
    return;
  g_clear_handle_id (&self->watch_id, g_bus_unwatch_name);
  forget_caps (self);
  g_free (self);
}
