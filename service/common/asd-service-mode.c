/* asd-service-mode.c: the bus and the directories of each mode
 *
 * The session service keeps its files under the XDG directories; the
 * system service under the directories systemd made for its unit
 * (ConfigurationDirectory=, RuntimeDirectory=: $CONFIGURATION_DIRECTORY,
 * $RUNTIME_DIRECTORY) and, started without them, under the installed
 * sysconfdir and /run.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include "asd-service-mode.h"

/**
 * asd_service_mode_bus_type:
 * @mode: the mode
 *
 * Returns: the bus the service of @mode is on
 */
GBusType
asd_service_mode_bus_type (AsdServiceMode mode)
{
  return mode == ASD_SERVICE_MODE_SYSTEM ? G_BUS_TYPE_SYSTEM : G_BUS_TYPE_SESSION;
}

/* systemd's directory variable may list several directories (separated
 * by ':'); ours is the first. */
static char *
systemd_dir (const char *variable, const char *fallback)
{
  const char *value = g_getenv (variable);
  g_auto(GStrv) dirs = NULL;

  if (value == NULL || value[0] == '\0')
    return g_strdup (fallback);
  dirs = g_strsplit (value, ":", 2);
  return g_strdup (dirs[0]);
}

/**
 * asd_tunnels_dir:
 * @mode: the mode
 *
 * Where the service keeps the tunnels' files: the one place that says it
 * for autosshd, autosshctl edit and the notifier's activation check.
 *
 * Returns: (transfer full): $XDG_CONFIG_HOME/autosshd/tunnels, or for the
 *   system service $CONFIGURATION_DIRECTORY/tunnels (default
 *   SYSCONFDIR/autosshd/tunnels)
 */
char *
asd_tunnels_dir (AsdServiceMode mode)
{
  g_autofree char *config = NULL;

  if (mode == ASD_SERVICE_MODE_SESSION)
    return g_build_filename (g_get_user_config_dir (), "autosshd", "tunnels", NULL);
  config = systemd_dir ("CONFIGURATION_DIRECTORY", SYSCONFDIR "/autosshd");
  return g_build_filename (config, "tunnels", NULL);
}

/**
 * asd_runtime_dir:
 * @mode: the mode
 *
 * Where the service keeps what lives as long as it runs (the askpass
 * socket): only the service's user may enter it.
 *
 * Returns: (transfer full): $XDG_RUNTIME_DIR/autosshd, or for the system
 *   service $RUNTIME_DIRECTORY (default RUNSTATEDIR/autosshd)
 */
char *
asd_runtime_dir (AsdServiceMode mode)
{
  if (mode == ASD_SERVICE_MODE_SESSION)
    return g_build_filename (g_get_user_runtime_dir (), "autosshd", NULL);
  return systemd_dir ("RUNTIME_DIRECTORY", RUNSTATEDIR "/autosshd");
}

/* Sets the flag on every method call @bus sends (a copy of the message:
 * GDBus locks the one it was given). */
static GDBusMessage *
allow_interactive (GDBusConnection *bus, GDBusMessage *message, gboolean incoming, gpointer user_data)
{
  GDBusMessage *copy;

  if (incoming || g_dbus_message_get_message_type (message) != G_DBUS_MESSAGE_TYPE_METHOD_CALL)
    return message;
  copy = g_dbus_message_copy (message, NULL);
  g_object_unref (message);
  if (copy == NULL)
    return NULL;
  g_dbus_message_set_flags (copy, g_dbus_message_get_flags (copy) |
                                  G_DBUS_MESSAGE_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION);
  return copy;
}

/**
 * asd_bus_allow_interactive_authorization:
 * @bus: a client's connection to the system bus
 *
 * From now on every method call on @bus tells the system service that
 * polkit may ask the caller for a password (an authentication agent of the
 * caller's session shows the prompt): for a person at a terminal or a
 * desktop, never for a script.
 */
void
asd_bus_allow_interactive_authorization (GDBusConnection *bus)
{
  g_dbus_connection_add_filter (bus, allow_interactive, NULL, NULL);
}
