/* notify-tracker.c: follows autosshd's tunnels on the session bus, or the
 * system service's on the system bus
 *
 * A GDBusObjectManagerClient on io.github.autosshd1 with
 * DO_NOT_AUTO_START: following never starts the service (only
 * notify-activation.c does, for AutoStart tunnels).  The
 * client follows the name's owner, so a service that appears later, or
 * restarts, is picked up: its tunnels arrive as object-added (GLib asks
 * the new owner for its managed objects), and leave as object-removed
 * when it goes.  Each tunnel gets an AsdNotifyTunnel, keyed by object path.
 * The system service's tunnels are followed by a tracker of their own
 * (reading them needs no authorization); its notifications still go to
 * the session's notification server.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include "asd-dbus-generated.h"
#include "asd-names.h"
#include "notify-outage.h"
#include "notify-server.h"
#include "notify-tracker.h"
#include "notify-tunnel.h"


struct _AsdNotifyTracker
{
  GObject parent_instance;

  GDBusConnection *connection;
  GCancellable *cancellable;
  GDBusObjectManager *manager;     /* NULL until created */
  GHashTable *tunnels;             /* object path → AsdNotifyTunnel */
  AsdNotifyContext context;
};

G_DEFINE_TYPE (AsdNotifyTracker, asd_notify_tracker, G_TYPE_OBJECT)

static void
add_object (AsdNotifyTracker *self, GDBusObject *object)
{
  g_autoptr(AsdDbusTunnel) proxy = asd_dbus_object_get_tunnel (ASD_DBUS_OBJECT (object));
  const char *path = g_dbus_object_get_object_path (object);
  AsdNotifyTunnel *tunnel;

  if (proxy == NULL || g_hash_table_contains (self->tunnels, path))
    return;
  tunnel = asd_notify_tunnel_new (proxy, &self->context);
  g_debug ("following tunnel %s (%s)", asd_notify_tunnel_get_name (tunnel), path);
  g_hash_table_insert (self->tunnels, g_strdup (path), tunnel);
}

static void
on_object_added (GDBusObjectManager *manager, GDBusObject *object, gpointer user_data)
{
  add_object (user_data, object);
}

static void
on_object_removed (GDBusObjectManager *manager, GDBusObject *object, gpointer user_data)
{
  AsdNotifyTracker *self = user_data;
  const char *path = g_dbus_object_get_object_path (object);

  if (g_hash_table_remove (self->tunnels, path))
    g_debug ("no longer following %s", path);
}

static void
on_name_owner (GObject *manager, GParamSpec *pspec, gpointer user_data)
{
  AsdNotifyTracker *self = user_data;
  const char *bus = self->context.system ? " on the system bus" : "";
  g_autofree char *owner = g_dbus_object_manager_client_get_name_owner (
      G_DBUS_OBJECT_MANAGER_CLIENT (manager));

  if (owner != NULL)
    g_message ("%s%s is running (%s)", ASD_BUS_NAME, bus, owner);
  else
    g_message ("%s%s is not running; waiting for it", ASD_BUS_NAME, bus);
}

static void
on_manager_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(AsdNotifyTracker) self = user_data;
  g_autoptr(GError) error = NULL;
  GDBusObjectManager *manager = asd_dbus_object_manager_client_new_finish (result, &error);
  GList *objects;

  if (manager == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("cannot follow %s: %s", ASD_BUS_NAME, error->message);
      return;
    }
  self->manager = manager;
  g_signal_connect (manager, "object-added", G_CALLBACK (on_object_added), self);
  g_signal_connect (manager, "object-removed", G_CALLBACK (on_object_removed), self);
  g_signal_connect (manager, "notify::name-owner", G_CALLBACK (on_name_owner), self);
  on_name_owner (G_OBJECT (manager), NULL, self);
  objects = g_dbus_object_manager_get_objects (manager);
  for (GList *l = objects; l != NULL; l = l->next)
    add_object (self, l->data);
  g_list_free_full (objects, g_object_unref);
}

static AsdNotifyTracker *
tracker_new (GDBusConnection *session, GDBusConnection *connection, const AsdNotifyConfig *config,
             gboolean system)
{
  AsdNotifyTracker *self = g_object_new (ASD_TYPE_NOTIFY_TRACKER, NULL);

  self->connection = g_object_ref (connection);
  self->context.system = system;
  self->context.server = asd_notify_server_new (session);
  self->context.outages = asd_notify_outages_new (self->context.server, self->tunnels);
  asd_notify_tracker_set_config (self, config);
  asd_dbus_object_manager_client_new (connection,
                                      G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_DO_NOT_AUTO_START,
                                      ASD_BUS_NAME, ASD_MANAGER_PATH, self->cancellable,
                                      on_manager_ready, g_object_ref (self));
  return self;
}

/**
 * asd_notify_tracker_new:
 * @connection: the session bus
 * @config: the settings (copied)
 *
 * Returns: (transfer full): a tracker of the session service's tunnels;
 *   it follows the service from the main loop on
 */
AsdNotifyTracker *
asd_notify_tracker_new (GDBusConnection *connection, const AsdNotifyConfig *config)
{
  return tracker_new (connection, connection, config, FALSE);
}

/**
 * asd_notify_tracker_new_system:
 * @session: the session bus, where the notifications go
 * @system: the system bus
 * @config: the settings (copied)
 *
 * Returns: (transfer full): a tracker of the system service's tunnels
 *   (autosshd --system), whenever it runs
 */
AsdNotifyTracker *
asd_notify_tracker_new_system (GDBusConnection *session, GDBusConnection *system,
                               const AsdNotifyConfig *config)
{
  return tracker_new (session, system, config, TRUE);
}

/**
 * asd_notify_tracker_set_config:
 * @self: the tracker
 * @config: the new settings (copied)
 *
 * Applies new settings: newly muted tunnels (by name or server) withdraw
 * what they showed; a new threshold applies to the next drop.
 */
void
asd_notify_tracker_set_config (AsdNotifyTracker *self, const AsdNotifyConfig *config)
{
  GHashTableIter iter;
  gpointer value;

  g_strfreev (self->context.mute);
  self->context.mute = g_strdupv (config->mute);
  g_strfreev (self->context.mute_servers);
  self->context.mute_servers = g_strdupv (config->mute_servers);
  self->context.threshold_s = config->threshold_s;
  g_hash_table_iter_init (&iter, self->tunnels);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    asd_notify_tunnel_context_changed (value);
}

static void
asd_notify_tracker_dispose (GObject *object)
{
  AsdNotifyTracker *self = ASD_NOTIFY_TRACKER (object);

  g_cancellable_cancel (self->cancellable);
  if (self->manager != NULL)
    g_signal_handlers_disconnect_by_data (self->manager, self);
  g_hash_table_remove_all (self->tunnels);
  g_clear_pointer (&self->context.outages, asd_notify_outages_free);
  g_clear_object (&self->manager);
  g_clear_pointer (&self->context.server, asd_notify_server_free);
  g_clear_object (&self->connection);
  G_OBJECT_CLASS (asd_notify_tracker_parent_class)->dispose (object);
}

static void
asd_notify_tracker_finalize (GObject *object)
{
  AsdNotifyTracker *self = ASD_NOTIFY_TRACKER (object);

  g_hash_table_unref (self->tunnels);
  g_clear_object (&self->cancellable);
  g_strfreev (self->context.mute);
  g_strfreev (self->context.mute_servers);
  G_OBJECT_CLASS (asd_notify_tracker_parent_class)->finalize (object);
}

static void
asd_notify_tracker_init (AsdNotifyTracker *self)
{
  self->cancellable = g_cancellable_new ();
  self->tunnels = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) asd_notify_tunnel_free);
  self->context.mute = g_new0 (char *, 1);
  self->context.mute_servers = g_new0 (char *, 1);
}

static void
asd_notify_tracker_class_init (AsdNotifyTrackerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = asd_notify_tracker_dispose;
  object_class->finalize = asd_notify_tracker_finalize;
}
