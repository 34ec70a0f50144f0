/* notify-activation.c: starting the service when tunnels want to come up
 *
 * The notifier is what the desktop starts at login (its XDG autostart
 * file); the service itself is started by D-Bus activation, on the first
 * call.  Without a systemd user unit nothing would make that call, and
 * tunnels with AutoStart would stay down until the user ran autosshctl.
 * So at start the notifier reads the user's tunnels directory the way the
 * service does (NAME.conf, with the service's own bounded loader) and, if
 * one tunnel would start by itself, asks the bus to start the service
 * (StartServiceByName, once; a running service is left as it is).
 * Otherwise it only waits for the service, as before.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <string.h>

#include "asd-names.h"
#include "asd-tunnel-settings.h"
#include "notify-activation.h"

#define SUFFIX ".conf"

/* org.freedesktop.DBus.StartServiceByName's answers */
#define START_REPLY_SUCCESS         1
#define START_REPLY_ALREADY_RUNNING 2

/* Whether @file in @dir is a tunnel's file that starts by itself: a valid
 * NAME.conf that loads, with AutoStart not false.  A broken file does not
 * count: the service would not start it either. */
static gboolean
starts_by_itself (const char *dir, const char *file)
{
  g_autofree char *name = NULL;
  g_autofree char *path = NULL;
  g_autoptr(AsdTunnelSettings) settings = NULL;
  g_autoptr(GError) error = NULL;

  if (!g_str_has_suffix (file, SUFFIX))
    return FALSE;
  name = g_strndup (file, strlen (file) - strlen (SUFFIX));
  if (!asd_tunnel_name_is_valid (name))
    return FALSE;
  path = g_build_filename (dir, file, NULL);
  settings = asd_tunnel_settings_load (path, &error);
  if (settings == NULL)
    {
      g_debug ("not counting %s: %s", path, error->message);
      return FALSE;
    }
  return settings->auto_start;
}

/**
 * asd_notify_activation_wanted:
 * @tunnels_dir: the service's tunnels directory
 *
 * Returns: whether a tunnel there starts by itself (a NAME.conf the
 *   service loads, with AutoStart not false); at most
 *   %ASD_NOTIFY_ACTIVATION_MAX_FILES entries are looked at
 */
gboolean
asd_notify_activation_wanted (const char *tunnels_dir)
{
  g_autoptr(GDir) dir = g_dir_open (tunnels_dir, 0, NULL);
  const char *file;

  for (guint n = 0; dir != NULL && n < ASD_NOTIFY_ACTIVATION_MAX_FILES &&
       (file = g_dir_read_name (dir)) != NULL; n++)
    if (starts_by_itself (tunnels_dir, file))
      {
        g_debug ("%s/%s starts by itself", tunnels_dir, file);
        return TRUE;
      }
  return FALSE;
}

static void
on_started (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source),
                                                             result, &error);
  guint32 answer = 0;

  if (reply == NULL)
    {
      g_warning ("cannot start %s for its AutoStart tunnels: %s", ASD_BUS_NAME,
                 error->message);
      return;
    }
  g_variant_get (reply, "(u)", &answer);
  if (answer == START_REPLY_SUCCESS)
    g_message ("started %s for its AutoStart tunnels", ASD_BUS_NAME);
  else if (answer == START_REPLY_ALREADY_RUNNING)
    g_debug ("%s was running already", ASD_BUS_NAME);
}

/**
 * asd_notify_activation_start:
 * @connection: the session bus
 *
 * Asks the bus to start the service by D-Bus activation (its activation
 * file, through systemd where the session has it); the answer is logged.
 */
void
asd_notify_activation_start (GDBusConnection *connection)
{
  g_dbus_connection_call (connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                          "org.freedesktop.DBus", "StartServiceByName",
                          g_variant_new ("(su)", ASD_BUS_NAME, 0), G_VARIANT_TYPE ("(u)"),
                          G_DBUS_CALL_FLAGS_NONE, -1, NULL, on_started, NULL);
}
