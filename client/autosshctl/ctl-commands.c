/* ctl-commands.c: the subcommands that are one or two D-Bus calls
 *
 * list, status, add, remove, start, stop, restart, enable, disable,
 * version.  Each parses its own options (ctl_command_context()),
 * checks the tunnel name before anything goes on the bus, and leaves the
 * rest of the checking to the service, whose message is what the user
 * sees.  add, start and restart can --wait for the tunnel to connect
 * (ctl-wait.c); list and status show the forwards a tunnel gets from
 * ssh's configuration (ctl-forwards.c).
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "asd-tunnel-settings.h"
#include "ctl.h"
#include "ctl-output.h"


gboolean
ctl_cmd_list (Ctl *ctl, int argc, char **argv, GError **error)
{
  gboolean names = FALSE, no_legend = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &ctl->json, N_("Print a JSON array of tunnels"), NULL },
    { "no-legend", 0, 0, G_OPTION_ARG_NONE, &no_legend, N_("Print the rows without the column titles"), NULL },
    { "names", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_NONE, &names,
      "Print the names only, one a line (for shell completion)", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = ctl_command_context ("list", entries);
  g_autoptr(GDBusObjectManager) objects = NULL;
  g_autolist(AsdDbusTunnel) tunnels = NULL;
  g_autofree char *text = NULL;

  if (!ctl_parse_command (context, &argc, &argv, 0, 0, error))
    return FALSE;
  objects = ctl_object_manager (ctl, error);
  if (objects == NULL)
    return FALSE;
  tunnels = ctl_sorted_tunnels (objects);
  if (names)
    {
      for (GList *l = tunnels; l != NULL; l = l->next)
        g_print ("%s\n", asd_dbus_tunnel_get_name (l->data));
      return TRUE;
    }
  ctl_resolve_ssh_config_forwards (tunnels);
  text = ctl_format_tunnel_list (tunnels, ctl->json, ctl_terminal_width (), !no_legend);
  g_print ("%s", text);
  return TRUE;
}

gboolean
ctl_cmd_status (Ctl *ctl, int argc, char **argv, GError **error)
{
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &ctl->json, N_("Print a JSON object"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = ctl_command_context ("status", entries);
  g_autoptr(AsdDbusTunnel) tunnel = NULL;
  g_autofree char *text = NULL;

  if (!ctl_parse_command (context, &argc, &argv, 1, 1, error))
    return FALSE;
  tunnel = ctl_tunnel (ctl, argv[1], error);
  if (tunnel == NULL)
    return FALSE;
  ctl_resolve_ssh_config_forwards (&(GList) { tunnel, NULL, NULL });
  text = ctl_format_status (tunnel, ctl->json);
  g_print ("%s", text);
  return TRUE;
}

/* Properties.Set of AutoStart: the proxy's own setter would not report
 * an error. */
static gboolean
set_auto_start (Ctl *ctl, const char *path, gboolean value, GError **error)
{
  g_autoptr(GVariant) reply = NULL;

  reply = g_dbus_connection_call_sync (ctl->bus, ASD_BUS_NAME, path, "org.freedesktop.DBus.Properties",
                                       "Set", g_variant_new ("(ssv)", ASD_TUNNEL_INTERFACE, "AutoStart",
                                                             g_variant_new_boolean (value)),
                                       NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, error);
  return reply != NULL;
}

static const char *
add_usage (void)
{
  return _("add: give the autossh arguments after “--”, "
           "e.g. autosshctl add web -- -M 0 -L 8080:localhost:80 user@host");
}

/* With --transient or --no-autostart: the same parser as the service's
 * AddTunnelFromCommandLine (linked in) makes the settings, which go to
 * AddTunnel with Transient and AutoStart added. */
static gboolean
add_with_settings (Ctl *ctl, const char *name, const char * const *autossh_args,
                   gboolean start, gboolean transient, gboolean auto_start, GError **error)
{
  g_autoptr(GError) parse_error = NULL;
  g_autoptr(GVariant) parsed = asd_tunnel_settings_command_line_to_variant (autossh_args, &parse_error);
  g_autoptr(GVariantDict) settings = NULL;
  g_autofree char *path = NULL;

  if (parsed == NULL)
    {
      /* What the service would have said, as invalid input. */
      g_set_error_literal (error, CTL_ERROR, CTL_ERROR_USAGE, parse_error->message);
      return FALSE;
    }
  settings = g_variant_dict_new (parsed);
  g_variant_dict_insert (settings, "Transient", "b", transient);
  g_variant_dict_insert (settings, "AutoStart", "b", auto_start);
  return asd_dbus_manager_call_add_tunnel_sync (ctl->manager, name, g_variant_dict_end (settings),
                                                start, G_DBUS_CALL_FLAGS_NONE, -1, &path, NULL, error);
}

/* The new tunnel's proxy loads its properties after it subscribes to
 * their changes: a state it reached since the call is seen either way. */
static gboolean
wait_added (Ctl *ctl, const char *name, guint seconds, GError **error)
{
  g_autoptr(AsdDbusTunnel) tunnel = ctl_tunnel (ctl, name, error);

  return tunnel != NULL && ctl_wait_for_state (ctl, tunnel, ASD_TUNNEL_STATE_CONNECTED, seconds, error);
}

/* argv[0] is "add"; the autossh arguments follow the first "--". */
gboolean
ctl_cmd_add (Ctl *ctl, int argc, char **argv, GError **error)
{
  gboolean no_start = FALSE, transient = FALSE, no_autostart = FALSE;
  CtlWait wait = CTL_WAIT_INIT;
  const GOptionEntry entries[] = {
    { "no-start", 0, 0, G_OPTION_ARG_NONE, &no_start, N_("Add the tunnel without starting it"), NULL },
    { "no-autostart", 0, 0, G_OPTION_ARG_NONE, &no_autostart,
      N_("Do not start the tunnel when the service starts (as “disable”)"), NULL },
    { "transient", 0, 0, G_OPTION_ARG_NONE, &transient,
      N_("Keep the tunnel in memory only: never saved, gone when removed or when the service exits"), NULL },
    CTL_WAIT_OPTION_ENTRY,
    { NULL }
  };
  g_autoptr(GOptionContext) context = ctl_command_context_full ("add", entries, &wait);
  g_autofree char *path = NULL;
  const char * const *autossh_args = NULL;
  int split = argc;

  for (int i = 1; i < argc; i++)
    if (strcmp (argv[i], "--") == 0)
      {
        split = i;
        break;
      }
  if (split < argc)
    {
      autossh_args = (const char * const *) argv + split + 1;
      argv[split] = NULL;
    }
  if (!ctl_parse_command (context, &split, &argv, 1, 1, error))
    {
      /* `add web -M 0 host`: the autossh options read as ours */
      if (autossh_args == NULL)
        {
          g_clear_error (error);
          g_set_error_literal (error, CTL_ERROR, CTL_ERROR_USAGE, add_usage ());
        }
      return FALSE;
    }
  if (autossh_args == NULL || autossh_args[0] == NULL)
    {
      g_set_error_literal (error, CTL_ERROR, CTL_ERROR_USAGE, add_usage ());
      return FALSE;
    }
  if (wait.enabled && no_start)
    {
      g_set_error_literal (error, CTL_ERROR, CTL_ERROR_USAGE,
                           _("add: --wait waits for the tunnel to connect, and --no-start does not start it: give one of them"));
      return FALSE;
    }
  if (!asd_tunnel_name_check (argv[1], error) || ctl_manager (ctl, error) == NULL)
    return FALSE;
  if (!transient && !no_autostart)
    {
      if (!asd_dbus_manager_call_add_tunnel_from_command_line_sync (ctl->manager, argv[1], autossh_args,
                                                                    !no_start, G_DBUS_CALL_FLAGS_NONE, -1,
                                                                    &path, NULL, error))
        return FALSE;
    }
  else if (!add_with_settings (ctl, argv[1], autossh_args, !no_start, transient, !no_autostart, error))
    return FALSE;
  return !wait.enabled || wait_added (ctl, argv[1], wait.seconds, error);
}

gboolean
ctl_cmd_remove (Ctl *ctl, int argc, char **argv, GError **error)
{
  g_autoptr(GOptionContext) context = ctl_command_context ("remove", NULL);

  if (!ctl_parse_command (context, &argc, &argv, 1, 1, error) ||
      !asd_tunnel_name_check (argv[1], error) || ctl_manager (ctl, error) == NULL)
    return FALSE;
  return asd_dbus_manager_call_remove_tunnel_sync (ctl->manager, argv[1], G_DBUS_CALL_FLAGS_NONE, -1,
                                                   NULL, error);
}

typedef enum {
  ACTION_START,
  ACTION_STOP,
  ACTION_RESTART,
  ACTION_ENABLE,
  ACTION_DISABLE,
} Action;

static gboolean
do_action (Ctl *ctl, AsdDbusTunnel *tunnel, Action action, GError **error)
{
  switch (action)
    {
    case ACTION_START:
      return asd_dbus_tunnel_call_start_sync (tunnel, G_DBUS_CALL_FLAGS_NONE, -1, NULL, error);
    case ACTION_STOP:
      return asd_dbus_tunnel_call_stop_sync (tunnel, G_DBUS_CALL_FLAGS_NONE, -1, NULL, error);
    case ACTION_RESTART:
      return asd_dbus_tunnel_call_restart_sync (tunnel, G_DBUS_CALL_FLAGS_NONE, -1, NULL, error);
    case ACTION_ENABLE:
    case ACTION_DISABLE:
      return set_auto_start (ctl, g_dbus_proxy_get_object_path (G_DBUS_PROXY (tunnel)),
                             action == ACTION_ENABLE, error);
    default:
      g_assert_not_reached ();
    }
}

/* A subcommand that takes NAME and does one thing to the tunnel; start
 * and restart can --wait for it to connect. */
static gboolean
tunnel_action (Ctl *ctl, int argc, char **argv, Action action, GError **error)
{
  CtlWait wait = CTL_WAIT_INIT;
  const GOptionEntry wait_entries[] = { CTL_WAIT_OPTION_ENTRY, { NULL } };
  gboolean can_wait = action == ACTION_START || action == ACTION_RESTART;
  g_autoptr(GOptionContext) context = ctl_command_context_full (argv[0], can_wait ? wait_entries : NULL,
                                                                can_wait ? &wait : NULL);
  g_autoptr(AsdDbusTunnel) tunnel = NULL;

  if (!ctl_parse_command (context, &argc, &argv, 1, 1, error))
    return FALSE;
  /* the proxy follows the tunnel's properties from here on */
  tunnel = ctl_tunnel (ctl, argv[1], error);
  if (tunnel == NULL || !do_action (ctl, tunnel, action, error))
    return FALSE;
  return !wait.enabled ||
         ctl_wait_for_state (ctl, tunnel, ASD_TUNNEL_STATE_CONNECTED, wait.seconds, error);
}

gboolean
ctl_cmd_start (Ctl *ctl, int argc, char **argv, GError **error)
{
  return tunnel_action (ctl, argc, argv, ACTION_START, error);
}

gboolean
ctl_cmd_stop (Ctl *ctl, int argc, char **argv, GError **error)
{
  return tunnel_action (ctl, argc, argv, ACTION_STOP, error);
}

gboolean
ctl_cmd_restart (Ctl *ctl, int argc, char **argv, GError **error)
{
  return tunnel_action (ctl, argc, argv, ACTION_RESTART, error);
}

gboolean
ctl_cmd_enable (Ctl *ctl, int argc, char **argv, GError **error)
{
  return tunnel_action (ctl, argc, argv, ACTION_ENABLE, error);
}

gboolean
ctl_cmd_disable (Ctl *ctl, int argc, char **argv, GError **error)
{
  return tunnel_action (ctl, argc, argv, ACTION_DISABLE, error);
}

gboolean
ctl_cmd_version (Ctl *ctl, int argc, char **argv, GError **error)
{
  g_autoptr(GOptionContext) context = ctl_command_context ("version", NULL);
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) version = NULL;

  if (!ctl_parse_command (context, &argc, &argv, 0, 0, error))
    return FALSE;
  g_print ("autosshctl %s\n", VERSION);
  if (ctl_manager (ctl, error) == NULL)
    return FALSE;
  reply = g_dbus_connection_call_sync (ctl->bus, ASD_BUS_NAME, ASD_MANAGER_PATH,
                                       "org.freedesktop.DBus.Properties", "Get",
                                       g_variant_new ("(ss)", ASD_MANAGER_INTERFACE, "Version"),
                                       G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, error);
  if (reply == NULL)
    return FALSE;
  g_variant_get (reply, "(v)", &version);
  g_print ("autosshd %s\n", g_variant_is_of_type (version, G_VARIANT_TYPE_STRING) ?
           g_variant_get_string (version, NULL) : "?");
  return TRUE;
}
