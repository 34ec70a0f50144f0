/* ctl-bus.c: the session bus, the service's proxies, and errors
 *
 * Proxies are made without DO_NOT_AUTO_START, so the first one starts the
 * service through D-Bus activation.  Every error a command can end with is
 * sorted into an exit code here (ctl_exit_code()): the service's own
 * io.github.autosshd1.Error.* names arrive as AsdError codes because
 * asd_error_quark() registers them.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <unistd.h>

#include <string.h>
#include <glib/gi18n.h>

#include "asd-error.h"
#include "asd-tunnel-settings.h"
#include "ctl.h"

G_DEFINE_QUARK (autosshctl-error-quark, ctl_error)

static gboolean
is_unavailable_dbus_error (const GError *error)
{
  static const GDBusError codes[] = {
    G_DBUS_ERROR_SERVICE_UNKNOWN, G_DBUS_ERROR_NAME_HAS_NO_OWNER, G_DBUS_ERROR_NO_REPLY,
    G_DBUS_ERROR_TIMEOUT, G_DBUS_ERROR_TIMED_OUT, G_DBUS_ERROR_NO_SERVER,
    G_DBUS_ERROR_DISCONNECTED, G_DBUS_ERROR_LIMITS_EXCEEDED, G_DBUS_ERROR_SPAWN_EXEC_FAILED,
    G_DBUS_ERROR_SPAWN_FORK_FAILED, G_DBUS_ERROR_SPAWN_CHILD_EXITED,
    G_DBUS_ERROR_SPAWN_CHILD_SIGNALED, G_DBUS_ERROR_SPAWN_FAILED,
    G_DBUS_ERROR_SPAWN_SETUP_FAILED, G_DBUS_ERROR_SPAWN_CONFIG_INVALID,
    G_DBUS_ERROR_SPAWN_SERVICE_INVALID, G_DBUS_ERROR_SPAWN_SERVICE_NOT_FOUND,
    G_DBUS_ERROR_SPAWN_PERMISSIONS_INVALID, G_DBUS_ERROR_SPAWN_FILE_INVALID,
    G_DBUS_ERROR_SPAWN_NO_MEMORY,
  };

  for (guint i = 0; i < G_N_ELEMENTS (codes); i++)
    if (error->code == (gint) codes[i])
      return TRUE;
  return FALSE;
}

/* A remote error GLib has no code for: activation through systemd, say. */
static gboolean
is_unavailable_remote_error (const GError *error)
{
  g_autofree char *name = g_dbus_error_get_remote_error (error);

  return name != NULL && (g_str_has_prefix (name, "org.freedesktop.DBus.Error.Spawn.") ||
                          g_str_has_prefix (name, "org.freedesktop.systemd1."));
}

/**
 * ctl_exit_code:
 * @error: why a command failed
 *
 * Returns: the exit code for @error (see #CtlExit)
 */
CtlExit
ctl_exit_code (const GError *error)
{
  if (error->domain == CTL_ERROR)
    switch ((CtlError) error->code)
      {
      case CTL_ERROR_USAGE:
        return CTL_EXIT_INVALID;
      case CTL_ERROR_UNAVAILABLE:
        return CTL_EXIT_UNAVAILABLE;
      case CTL_ERROR_TIMED_OUT:
        return CTL_EXIT_TIMED_OUT;
      case CTL_ERROR_FAILED:
      default:
        return CTL_EXIT_FAILURE;
      }
  if (error->domain == G_OPTION_ERROR)
    return CTL_EXIT_INVALID;
  if (error->domain == ASD_ERROR)
    switch ((AsdError) error->code)
      {
      case ASD_ERROR_INVALID_ARGS:
      case ASD_ERROR_INVALID_SETTINGS:
      case ASD_ERROR_INVALID_NAME:
      case ASD_ERROR_EXISTS:
        return CTL_EXIT_INVALID;
      case ASD_ERROR_NOT_FOUND:
        return CTL_EXIT_NOT_FOUND;
      case ASD_ERROR_FAILED:
      case ASD_ERROR_BROKEN_CONFIG:
      default:
        return CTL_EXIT_FAILURE;
      }
  if (error->domain == G_DBUS_ERROR && is_unavailable_dbus_error (error))
    return CTL_EXIT_UNAVAILABLE;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CLOSED) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED) ||
      is_unavailable_remote_error (error))
    return CTL_EXIT_UNAVAILABLE;
  return CTL_EXIT_FAILURE;
}

/**
 * ctl_error_message:
 * @error: why a command failed
 *
 * Returns: (transfer full): the message to show, without GDBus's
 *   "GDBus.Error:NAME: " prefix, with a hint when the service is
 *   unreachable
 */
char *
ctl_error_message (const GError *error)
{
  g_autoptr(GError) copy = g_error_copy (error);

  g_dbus_error_strip_remote_error (copy);
  if (ctl_exit_code (error) == CTL_EXIT_UNAVAILABLE && error->domain != CTL_ERROR)
    return g_strdup_printf (_("cannot reach the autosshd service: %s"), copy->message);
  return g_strdup (copy->message);
}

/* What to do without a session bus: GLib's message alone ("Cannot
 * autolaunch D-Bus without X11 $DISPLAY") does not say. */
static const char *
no_bus_advice (void)
{
  return _("autosshctl talks to autosshd on the D-Bus session bus, and there is none here.  Either:\n"
           "  - log in to a desktop session, which has one;\n"
           "  - run the command under a bus of its own: dbus-run-session -- autosshctl …\n"
           "    (tunnels then live as long as that bus);\n"
           "  - on a server, use systemd’s user bus: loginctl enable-linger $USER, then log in\n"
           "    again (systemctl --user status dbus.socket shows it);\n"
           "  - or use the drop-in “autossh”, which needs no bus.");
}

/**
 * ctl_bus:
 * @ctl: the context
 * @error: return location for an error (%CTL_ERROR_UNAVAILABLE)
 *
 * With --system, a person at a terminal may be asked by polkit for a
 * password: the calls then allow interactive authorization.
 *
 * Returns: (transfer none): the session bus (or with --system the system
 *   bus), connected on first use
 */
GDBusConnection *
ctl_bus (Ctl *ctl, GError **error)
{
  g_autoptr(GError) local_error = NULL;

  if (ctl->bus != NULL)
    return ctl->bus;
  asd_error_quark ();   /* registers the service's error names */
  ctl->bus = g_bus_get_sync (asd_service_mode_bus_type (ctl_mode (ctl)), NULL, &local_error);
  if (ctl->bus == NULL && ctl->system)
    {
      g_set_error (error, CTL_ERROR, CTL_ERROR_UNAVAILABLE, _("cannot connect to the system bus: %s"),
                   local_error->message);
      return NULL;
    }
  if (ctl->bus == NULL)
    {
      g_autofree char *why = g_strdup_printf (_("cannot connect to the session bus: %s"), local_error->message);

      g_set_error (error, CTL_ERROR, CTL_ERROR_UNAVAILABLE, "%s\n%s", why, no_bus_advice ());
      return NULL;
    }
  /* A closed bus ends a command with an error, not with SIGTERM. */
  g_dbus_connection_set_exit_on_close (ctl->bus, FALSE);
  if (ctl->system && isatty (STDIN_FILENO))
    asd_bus_allow_interactive_authorization (ctl->bus);
  return ctl->bus;
}

/* A proxy is made even when its name has no owner and cannot be
 * activated (no activation file): that is an error of its own. */
static gboolean
check_owner (GDBusProxy *proxy, GError **error)
{
  g_autofree char *owner = g_dbus_proxy_get_name_owner (proxy);

  if (owner != NULL)
    return TRUE;
  g_set_error (error, CTL_ERROR, CTL_ERROR_UNAVAILABLE,
               _("the autosshd service (%s) is not running and could not be started; "
                 "is its D-Bus activation file installed?"), ASD_BUS_NAME);
  return FALSE;
}

/**
 * ctl_manager:
 * @ctl: the context
 * @error: return location for an error
 *
 * Returns: (transfer none): the Manager proxy; the service runs (it was
 *   started if needed)
 */
AsdDbusManager *
ctl_manager (Ctl *ctl, GError **error)
{
  GDBusConnection *bus;

  if (ctl->manager != NULL)
    return ctl->manager;
  bus = ctl_bus (ctl, error);
  if (bus == NULL)
    return NULL;
  ctl->manager = asd_dbus_manager_proxy_new_sync (bus, G_DBUS_PROXY_FLAGS_NONE, ASD_BUS_NAME,
                                                  ASD_MANAGER_PATH, NULL, error);
  if (ctl->manager == NULL)
    return NULL;
  if (!check_owner (G_DBUS_PROXY (ctl->manager), error))
    {
      g_clear_object (&ctl->manager);
      return NULL;
    }
  return ctl->manager;
}

/**
 * ctl_object_manager:
 * @ctl: the context
 * @error: return location for an error
 *
 * Returns: (transfer full): an object manager client of the service
 *   (which runs: it was started if needed), holding every tunnel
 */
GDBusObjectManager *
ctl_object_manager (Ctl *ctl, GError **error)
{
  GDBusConnection *bus = ctl_bus (ctl, error);
  g_autoptr(GDBusObjectManager) objects = NULL;
  g_autofree char *owner = NULL;

  if (bus == NULL)
    return NULL;
  objects = asd_dbus_object_manager_client_new_sync (bus, G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_NONE,
                                                     ASD_BUS_NAME, ASD_MANAGER_PATH, NULL, error);
  if (objects == NULL)
    return NULL;
  owner = g_dbus_object_manager_client_get_name_owner (G_DBUS_OBJECT_MANAGER_CLIENT (objects));
  if (owner == NULL)
    {
      /* The client does not report a failed start: ask once more, with
       * a call that does. */
      if (ctl_manager (ctl, error) == NULL)
        return NULL;
    }
  return g_steal_pointer (&objects);
}

/**
 * ctl_tunnel:
 * @ctl: the context
 * @name: a tunnel name
 * @error: return location for an error (NotFound when there is none)
 *
 * Finds the tunnel's object with Manager.GetTunnel.
 *
 * Returns: (transfer full): its proxy, properties loaded
 */
AsdDbusTunnel *
ctl_tunnel (Ctl *ctl, const char *name, GError **error)
{
  AsdDbusManager *manager;
  g_autofree char *path = NULL;

  if (!asd_tunnel_name_check (name, error))
    return NULL;
  manager = ctl_manager (ctl, error);
  if (manager == NULL)
    return NULL;
  if (!asd_dbus_manager_call_get_tunnel_sync (manager, name, G_DBUS_CALL_FLAGS_NONE, -1, &path, NULL, error))
    return NULL;
  return asd_dbus_tunnel_proxy_new_sync (ctl->bus, G_DBUS_PROXY_FLAGS_NONE, ASD_BUS_NAME, path,
                                         NULL, error);
}

typedef struct {
  char *path;
  CtlRemovedFunc removed;
  gpointer user_data;
} RemovalWatch;

static void
removal_watch_free (gpointer data)
{
  RemovalWatch *watch = data;

  g_free (watch->path);
  g_free (watch);
}

static void
on_interfaces_removed (GDBusConnection *bus, const char *sender, const char *path, const char *iface,
                       const char *signal, GVariant *parameters, gpointer user_data)
{
  RemovalWatch *watch = user_data;
  const char *removed = NULL;
  g_autofree const char **ifaces = NULL;

  if (!g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(oas)")))
    return;
  g_variant_get (parameters, "(&o^a&s)", &removed, &ifaces);
  if (g_str_equal (removed, watch->path) && g_strv_contains (ifaces, ASD_TUNNEL_INTERFACE))
    watch->removed (watch->user_data);
}

/**
 * ctl_watch_removal:
 * @ctl: the context (connected)
 * @tunnel: a tunnel's proxy
 * @removed: called when the tunnel is removed (the service's
 *   InterfacesRemoved for its path)
 * @user_data: for @removed
 *
 * The path is compared here: a match rule's arg0 matches strings only,
 * never the object path InterfacesRemoved carries.
 *
 * Returns: the subscription, for g_dbus_connection_signal_unsubscribe()
 */
guint
ctl_watch_removal (Ctl *ctl, AsdDbusTunnel *tunnel, CtlRemovedFunc removed, gpointer user_data)
{
  RemovalWatch *watch = g_new0 (RemovalWatch, 1);

  watch->path = g_strdup (g_dbus_proxy_get_object_path (G_DBUS_PROXY (tunnel)));
  watch->removed = removed;
  watch->user_data = user_data;
  return g_dbus_connection_signal_subscribe (ctl->bus, ASD_BUS_NAME, "org.freedesktop.DBus.ObjectManager",
                                             "InterfacesRemoved", ASD_MANAGER_PATH, NULL,
                                             G_DBUS_SIGNAL_FLAGS_NONE, on_interfaces_removed, watch,
                                             removal_watch_free);
}

static gint
compare_by_name (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (asd_dbus_tunnel_get_name ((AsdDbusTunnel *) a),
                    asd_dbus_tunnel_get_name ((AsdDbusTunnel *) b));
}

/**
 * ctl_sorted_tunnels:
 * @objects: the service's objects
 *
 * Returns: (transfer full) (element-type AsdDbusTunnel): every tunnel,
 *   by name
 */
GList *
ctl_sorted_tunnels (GDBusObjectManager *objects)
{
  GList *all = g_dbus_object_manager_get_objects (objects);
  GList *tunnels = NULL;

  for (GList *l = all; l != NULL; l = l->next)
    {
      AsdDbusTunnel *tunnel = asd_dbus_object_get_tunnel (ASD_DBUS_OBJECT (l->data));

      if (tunnel != NULL)
        tunnels = g_list_prepend (tunnels, tunnel);
    }
  g_list_free_full (all, g_object_unref);
  return g_list_sort (tunnels, compare_by_name);
}

/**
 * ctl_clear:
 * @ctl: the context
 *
 * Drops the proxies and the bus.
 */
void
ctl_clear (Ctl *ctl)
{
  g_clear_object (&ctl->manager);
  g_clear_object (&ctl->bus);
}
