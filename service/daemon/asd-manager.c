/* asd-manager.c: the set of tunnels, on D-Bus
 *
 * Holds one AsdTunnel per name, exported through a
 * GDBusObjectManagerServer; asks the AsdTunnelStore which tunnels have a
 * file and what is in them; answers the Manager interface; tells tunnels
 * when the network changes.
 *
 * A file that cannot be read makes its tunnel "failed" with the file, line
 * and reason, and is never written by the service: only Reload, after the
 * user fixed it, brings the tunnel back.
 *
 * A tunnel removed (RemoveTunnel, or Reload after its file went) leaves
 * the bus and the table at once, but the manager keeps it until its ssh
 * has ended: dropping it would kill ssh (SIGKILL) right after its SIGTERM,
 * and the server would never see a clean close.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <unistd.h>
#include <glib/gi18n.h>

#include "asd-authorized-skeleton.h"
#include "asd-error.h"
#include "asd-manager.h"
#include "asd-manager-private.h"
#include "asd-message-guard.h"
#include "asd-sleep-monitor.h"
#include "asd-tunnel.h"
#include "asd-tunnel-store.h"

enum {
  SIGNAL_SHUT_DOWN,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

enum {
  PROP_0,
  PROP_MODE,
  PROP_TUNNELS_DIR,
  PROP_REPLACE,
};

static void asd_manager_initable_iface_init (GInitableIface *iface);

G_DEFINE_TYPE_WITH_CODE (AsdManager, asd_manager, ASD_DBUS_TYPE_MANAGER_SKELETON,
                         G_IMPLEMENT_INTERFACE (ASD_DBUS_TYPE_MANAGER, asd_manager_iface_init)
                         G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE, asd_manager_initable_iface_init))

static void on_ssh_ended (AsdManager *self);

void
asd_manager_for_each_tunnel (AsdManager *self, AsdTunnelFunc func)
{
  GHashTableIter iter;
  AsdTunnel *tunnel;

  g_hash_table_iter_init (&iter, self->tunnels);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &tunnel))
    func (tunnel);
}

void
asd_manager_start_unless_broken (AsdTunnel *tunnel)
{
  if (!asd_tunnel_is_broken (tunnel))
    asd_tunnel_start (tunnel, NULL);
}

static void
start_if_auto (AsdTunnel *tunnel)
{
  const AsdTunnelSettings *settings = asd_tunnel_get_settings (tunnel);

  if (settings != NULL && settings->auto_start)
    asd_tunnel_start (tunnel, NULL);
}

/* AsdPortOwnerFunc: another tunnel whose ssh runs with a local forward on
 * @port (a local port "in use" is then ours, and named). */
static char *
port_owner (guint port, const char *asking, gpointer user_data)
{
  AsdManager *self = user_data;
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->tunnels);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      AsdTunnel *other = value;
      const AsdTunnelSettings *settings = asd_tunnel_get_settings (other);

      if (g_strcmp0 (asd_tunnel_get_name (other), asking) != 0 && settings != NULL &&
          asd_dbus_tunnel_get_pid (ASD_DBUS_TUNNEL (other)) != 0 &&
          asd_tunnel_settings_listens_on (settings, port))
        return g_strdup (asd_tunnel_get_name (other));
    }
  return NULL;
}

void
asd_manager_add_tunnel_object (AsdManager *self, AsdTunnel *tunnel)
{
  g_autofree char *path = asd_tunnel_object_path (asd_tunnel_get_name (tunnel));
  g_autoptr(AsdDbusObjectSkeleton) object = asd_dbus_object_skeleton_new (path);

  asd_dbus_object_skeleton_set_tunnel (object, ASD_DBUS_TUNNEL (tunnel));
  asd_tunnel_set_askpass (tunnel, self->askpass, self->askpass_helper);
  asd_tunnel_set_pacer (tunnel, self->pacer);
  asd_tunnel_set_port_owner (tunnel, port_owner, self);
  asd_authorized_skeleton_set_authorizer (G_DBUS_INTERFACE_SKELETON (tunnel), self->authorizer);
  asd_tunnel_set_connections (tunnel, self->connections);
  g_hash_table_insert (self->tunnels, g_strdup (asd_tunnel_get_name (tunnel)), g_object_ref (tunnel));
  g_signal_connect_swapped (tunnel, "ssh-ended", G_CALLBACK (on_ssh_ended), self);
  g_dbus_object_manager_server_export (self->objects, G_DBUS_OBJECT_SKELETON (object));
}

/* Off the bus and out of the table; kept in self->leaving while its ssh
 * ends (on_ssh_ended drops it then).  A call already on its way to it is
 * answered Busy. */
void
asd_manager_remove_tunnel_object (AsdManager *self, AsdTunnel *tunnel)
{
  g_autoptr(AsdTunnel) keep = g_object_ref (tunnel);
  g_autofree char *path = asd_tunnel_object_path (asd_tunnel_get_name (tunnel));

  asd_tunnel_refuse_calls (tunnel, ASD_ERROR_BUSY);
  asd_tunnel_stop (tunnel);
  g_dbus_object_manager_server_unexport (self->objects, path);
  g_hash_table_remove (self->tunnels, asd_tunnel_get_name (tunnel));
  if (asd_tunnel_has_ssh (tunnel))
    g_ptr_array_add (self->leaving, g_steal_pointer (&keep));
  else
    g_signal_handlers_disconnect_by_data (tunnel, self);
}

/* A tunnel from its file; a file that cannot be read gives a broken one. */
AsdTunnel *
asd_manager_load_tunnel (AsdManager *self, const char *name)
{
  g_autoptr(GError) error = NULL;
  AsdTunnelSettings *settings = asd_tunnel_store_load (self->store, name, &error);
  AsdTunnel *tunnel = asd_tunnel_new (name, settings, self->store);

  if (settings == NULL)
    {
      g_warning ("%s", error->message);
      asd_tunnel_set_broken (tunnel, error->message);
    }
  return tunnel;
}

/* Makes the tunnels match the files; new ones start (if AutoStart) only
 * with @start_new. */
void
asd_manager_reload (AsdManager *self, gboolean start_new)
{
  g_autoptr(GPtrArray) names = asd_tunnel_store_list (self->store);
  g_autoptr(GPtrArray) gone = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter iter;
  AsdTunnel *tunnel;

  g_hash_table_iter_init (&iter, self->tunnels);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &tunnel))
    if (asd_tunnel_get_store (tunnel) != NULL &&
        !g_ptr_array_find_with_equal_func (names, asd_tunnel_get_name (tunnel), g_str_equal, NULL))
      g_ptr_array_add (gone, g_object_ref (tunnel));
  for (guint i = 0; i < gone->len; i++)
    asd_manager_remove_tunnel_object (self, g_ptr_array_index (gone, i));

  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      g_autoptr(AsdTunnel) loaded = asd_manager_load_tunnel (self, name);
      AsdTunnel *existing = g_hash_table_lookup (self->tunnels, name);
      const AsdTunnelSettings *settings = asd_tunnel_get_settings (loaded);

      if (existing != NULL && asd_tunnel_get_store (existing) == NULL)
        g_warning (_("%s: a transient tunnel has this name: its file is not loaded until the tunnel is removed"),
                   name);
      else if (existing == NULL)
        {
          asd_manager_add_tunnel_object (self, loaded);
          if (start_new && settings != NULL && settings->auto_start)
            asd_tunnel_start (loaded, NULL);
        }
      else if (settings == NULL)
        asd_tunnel_set_broken (existing, asd_dbus_tunnel_get_state_reason (ASD_DBUS_TUNNEL (loaded)));
      else if (asd_tunnel_is_broken (existing) ||
               !asd_tunnel_settings_equal (asd_tunnel_get_settings (existing), settings))
        {
          gboolean was_broken = asd_tunnel_is_broken (existing);

          asd_tunnel_reconfigure (existing, asd_tunnel_settings_copy (settings));
          if (was_broken && settings->auto_start)
            asd_tunnel_start (existing, NULL);
        }
    }
}

/* ---- lifecycle ---- */

static void
on_network_changed (GNetworkMonitor *monitor, gboolean available, gpointer user_data)
{
  AsdManager *self = user_data;

  g_debug ("network changed (available: %d)", available);
  if (available)
    {
      asd_connections_network_changed (self->connections);
      asd_manager_for_each_tunnel (self, asd_tunnel_network_changed);
    }
}

gboolean
asd_manager_any_ssh (AsdManager *self)
{
  GHashTableIter iter;
  AsdTunnel *tunnel;

  g_hash_table_iter_init (&iter, self->tunnels);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &tunnel))
    if (asd_tunnel_has_ssh (tunnel))
      return TRUE;
  for (guint i = 0; i < self->leaving->len; i++)
    if (asd_tunnel_has_ssh (g_ptr_array_index (self->leaving, i)))
      return TRUE;
  return asd_connections_any_ssh (self->connections);
}

/* Drops the removed tunnels whose ssh has ended. */
static gboolean
reap_leaving (gpointer user_data)
{
  AsdManager *self = user_data;

  self->reap_id = 0;
  for (guint i = self->leaving->len; i-- > 0;)
    {
      AsdTunnel *tunnel = g_ptr_array_index (self->leaving, i);

      if (asd_tunnel_has_ssh (tunnel))
        continue;
      g_debug ("%s: ssh has ended; the removed tunnel is gone", asd_tunnel_get_name (tunnel));
      g_signal_handlers_disconnect_by_data (tunnel, self);
      g_ptr_array_remove_index_fast (self->leaving, i);
    }
  return G_SOURCE_REMOVE;
}

/* Called whenever an ssh ends: finishes a shutdown or a going to sleep. */
static void
check_shut_down (AsdManager *self)
{
  if ((!self->shutting_down && !self->going_to_sleep) || asd_manager_any_ssh (self))
    return;
  if (self->going_to_sleep)
    {
      self->going_to_sleep = FALSE;
      asd_sleep_monitor_ready_to_sleep (self->sleep);
    }
  if (self->shutting_down)
    {
      self->shutting_down = FALSE;
      g_signal_emit (self, signals[SIGNAL_SHUT_DOWN], 0);
    }
}

/* A tunnel's ssh ended.  A removed tunnel is dropped from an
 * idle: now its keeper is still telling what happened. */
static void
on_ssh_ended (AsdManager *self)
{
  if (self->leaving->len > 0 && self->reap_id == 0)
    self->reap_id = g_idle_add (reap_leaving, self);
  if (self->stop_all_invocations->len > 0 && !asd_manager_any_ssh (self))
    asd_manager_complete_stop_alls (self);
  check_shut_down (self);
}

static void
on_prepare_for_sleep (AsdSleepMonitor *monitor, gboolean start, gpointer user_data)
{
  AsdManager *self = user_data;

  self->going_to_sleep = start;
  asd_manager_for_each_tunnel (self, start ? asd_tunnel_sleep : asd_tunnel_wake);
  if (start)
    asd_connections_sleep (self->connections);
  else
    asd_connections_wake (self->connections);
  check_shut_down (self);
}

/**
 * asd_manager_shutdown:
 * @self: the manager
 *
 * Stops every tunnel; #AsdManager::shut-down follows when no ssh is left.
 * From now on every method call is refused with ShuttingDown.
 */
static void
refuse_shutting_down (AsdTunnel *tunnel)
{
  asd_tunnel_refuse_calls (tunnel, ASD_ERROR_SHUTTING_DOWN);
}

void
asd_manager_shutdown (AsdManager *self)
{
  self->shutting_down = TRUE;
  self->exiting = TRUE;
  if (self->authorizer != NULL)
    asd_authorizer_cancel (self->authorizer);
  asd_manager_for_each_tunnel (self, refuse_shutting_down);
  asd_manager_for_each_tunnel (self, asd_tunnel_stop);
  asd_connections_end_idle (self->connections);
  check_shut_down (self);
}

/**
 * asd_manager_start_auto:
 * @self: the manager
 *
 * Starts the tunnels marked AutoStart.
 */
void
asd_manager_start_auto (AsdManager *self)
{
  asd_manager_for_each_tunnel (self, start_if_auto);
}

/**
 * asd_manager_export:
 * @self: the manager
 * @connection: the session bus
 * @error: return location for an error
 *
 * Puts the manager and every tunnel on the bus.
 */
gboolean
asd_manager_export (AsdManager *self, GDBusConnection *connection, GError **error)
{
  if (!g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (self), connection,
                                         ASD_MANAGER_PATH, error))
    return FALSE;
  g_dbus_object_manager_server_set_connection (self->objects, connection);
  asd_message_guard_install (connection);
  return TRUE;
}

static void
asd_manager_dispose (GObject *object)
{
  AsdManager *self = ASD_MANAGER (object);

  if (self->network != NULL)
    g_signal_handlers_disconnect_by_data (self->network, self);
  g_clear_object (&self->network);
  if (self->sleep != NULL)
    g_signal_handlers_disconnect_by_data (self->sleep, self);
  g_clear_object (&self->sleep);
  if (self->tunnels != NULL)
    {
      GHashTableIter iter;
      AsdTunnel *tunnel;

      g_hash_table_iter_init (&iter, self->tunnels);
      while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &tunnel))
        g_signal_handlers_disconnect_by_data (tunnel, self);
    }
  g_clear_pointer (&self->tunnels, g_hash_table_unref);
  g_clear_handle_id (&self->reap_id, g_source_remove);
  for (guint i = 0; self->leaving != NULL && i < self->leaving->len; i++)
    g_signal_handlers_disconnect_by_data (g_ptr_array_index (self->leaving, i), self);
  g_clear_pointer (&self->leaving, g_ptr_array_unref);
  if (self->stop_all_invocations != NULL)
    asd_manager_complete_stop_alls (self);
  g_clear_pointer (&self->stop_all_invocations, g_ptr_array_unref);
  g_clear_object (&self->objects);
  g_clear_object (&self->askpass);
  if (self->connections != NULL)
    g_signal_handlers_disconnect_by_data (self->connections, self);
  g_clear_object (&self->connections);
  g_clear_object (&self->pacer);
  g_clear_object (&self->store);
  g_clear_object (&self->authorizer);

  G_OBJECT_CLASS (asd_manager_parent_class)->dispose (object);
}

static void
asd_manager_finalize (GObject *object)
{
  g_free (ASD_MANAGER (object)->askpass_helper);

  G_OBJECT_CLASS (asd_manager_parent_class)->finalize (object);
}

/* "mode": construct-only, session or system service; "tunnels-dir":
 * construct-only, the store's directory; "replace": take over from a
 * running instance (autosshd --replace). */
static void
asd_manager_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  AsdManager *self = ASD_MANAGER (object);

  switch (prop_id)
    {
    case PROP_MODE:
      self->mode = g_value_get_int (value);
      break;
    case PROP_TUNNELS_DIR:
      if (g_value_get_string (value) != NULL)
        self->store = asd_tunnel_store_new (g_value_get_string (value));
      break;
    case PROP_REPLACE:
      self->replace = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/* Every call waits for its authorization (asd-authorized-skeleton). */
static GDBusInterfaceVTable *
asd_manager_get_vtable (GDBusInterfaceSkeleton *skeleton)
{
  GDBusInterfaceSkeletonClass *parent = G_DBUS_INTERFACE_SKELETON_CLASS (asd_manager_parent_class);

  return asd_authorized_vtable (skeleton, parent->get_vtable (skeleton));
}

static void
asd_manager_class_init (AsdManagerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = asd_manager_dispose;
  object_class->finalize = asd_manager_finalize;
  object_class->set_property = asd_manager_set_property;
  G_DBUS_INTERFACE_SKELETON_CLASS (klass)->get_vtable = asd_manager_get_vtable;

  g_object_class_install_property (object_class, PROP_MODE,
    g_param_spec_int ("mode", NULL, NULL, ASD_SERVICE_MODE_SESSION, ASD_SERVICE_MODE_SYSTEM,
                      ASD_SERVICE_MODE_SESSION,
                      G_PARAM_WRITABLE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (object_class, PROP_TUNNELS_DIR,
    g_param_spec_string ("tunnels-dir", NULL, NULL, NULL,
                         G_PARAM_WRITABLE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (object_class, PROP_REPLACE,
    g_param_spec_boolean ("replace", NULL, NULL, FALSE,
                          G_PARAM_WRITABLE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  /**
   * AsdManager::shut-down:
   *
   * After asd_manager_shutdown(): every ssh has exited.
   */
  signals[SIGNAL_SHUT_DOWN] =
    g_signal_new ("shut-down", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
asd_manager_init (AsdManager *self)
{
  self->tunnels = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->leaving = g_ptr_array_new_with_free_func (g_object_unref);
  self->stop_all_invocations = g_ptr_array_new_with_free_func (g_object_unref);
  self->objects = g_dbus_object_manager_server_new (ASD_MANAGER_PATH);
}

/* The private channel of ssh's askpass helper; AUTOSSHD_ASKPASS names
 * the helper when the service runs from a build tree.  Without it ssh's
 * questions (passphrases, host keys) would go unanswered: the service
 * does not start. */
static gboolean
start_askpass (AsdManager *self, GError **error)
{
  g_autofree char *runtime_dir = asd_runtime_dir (self->mode);
  g_autofree char *socket = g_build_filename (runtime_dir, "askpass", NULL);
  const char *helper = g_getenv ("AUTOSSHD_ASKPASS");

  self->askpass_helper = g_strdup (helper != NULL ? helper : LIBEXECDIR "/autosshd-askpass");
  self->askpass = asd_askpass_server_new (socket, self->replace, error);
  if (self->askpass == NULL)
    {
      g_prefix_error (error, _("ssh's questions (passphrases, host keys) cannot be answered: "));
      return FALSE;
    }
  /* the system service has no keyring: credentials only */
  asd_askpass_server_set_keyring (self->askpass, self->mode == ASD_SERVICE_MODE_SESSION);
  return TRUE;
}

/* Reads every tunnel file (none is started yet); fails if the askpass
 * server cannot listen. */
/* The Features property: what this service can do beyond the base API;
 * the system service says "system-mode" too. */
#define FEATURES "reason-codes", "monotonic-timestamps", "tunnel-log", "control-master", \
                 "passphrase-credential", "shared-connections"
static const char * const session_features[] = { FEATURES, NULL };
static const char * const system_features[] = { FEATURES, "system-mode", NULL };

static gboolean
asd_manager_initable_init (GInitable *initable, GCancellable *cancellable, GError **error)
{
  AsdManager *self = ASD_MANAGER (initable);

  g_return_val_if_fail (self->store != NULL, FALSE);

  /* ssh of the system service never runs as root (a tunnel's settings
   * may run commands): the unit runs it as the user autosshd */
  if (self->mode == ASD_SERVICE_MODE_SYSTEM && geteuid () == 0)
    {
      g_set_error (error, ASD_ERROR, ASD_ERROR_FAILED,
                   _("the system service does not run as root: start it as the user autosshd (systemctl start autosshd)"));
      return FALSE;
    }
  if (!start_askpass (self, error))
    return FALSE;
  if (self->mode == ASD_SERVICE_MODE_SYSTEM)
    {
      self->authorizer = asd_authorizer_new ();
      asd_authorized_skeleton_set_authorizer (G_DBUS_INTERFACE_SKELETON (self), self->authorizer);
    }
  self->pacer = asd_login_pacer_new (ASD_LOGIN_PACER_DEFAULT_SLOTS);
  self->connections = asd_connections_new (self->pacer, self->askpass, self->askpass_helper);
  g_signal_connect_swapped (self->connections, "ssh-ended", G_CALLBACK (on_ssh_ended), self);
  asd_dbus_manager_set_version (ASD_DBUS_MANAGER (self), VERSION);
  asd_dbus_manager_set_features (ASD_DBUS_MANAGER (self), self->mode == ASD_SERVICE_MODE_SYSTEM
                                 ? system_features : session_features);
  asd_manager_reload (self, FALSE);
  self->network = g_object_ref (g_network_monitor_get_default ());
  g_signal_connect (self->network, "network-changed", G_CALLBACK (on_network_changed), self);
  self->sleep = asd_sleep_monitor_new ();
  g_signal_connect (self->sleep, "prepare-for-sleep", G_CALLBACK (on_prepare_for_sleep), self);
  return TRUE;
}

static void
asd_manager_initable_iface_init (GInitableIface *iface)
{
  iface->init = asd_manager_initable_init;
}

/**
 * asd_manager_new:
 * @mode: the session or the system service (which asks polkit who may
 *   change what, and has no keyring)
 * @tunnels_dir: the directory of the tunnels' files
 * @replace: take over from a running instance (its askpass socket)
 * @error: return location for an error
 *
 * Reads every tunnel file (none is started yet).
 *
 * Returns: (transfer full): the manager, or %NULL if a part of the service
 *   cannot work (the askpass server cannot listen, or another instance
 *   runs and @replace is not set)
 */
AsdManager *
asd_manager_new (AsdServiceMode mode, const char *tunnels_dir, gboolean replace, GError **error)
{
  return g_initable_new (ASD_TYPE_MANAGER, NULL, error, "mode", mode, "tunnels-dir", tunnels_dir,
                         "replace", replace, NULL);
}
