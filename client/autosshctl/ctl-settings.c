/* ctl-settings.c: `autosshctl set`, `forward` and `reload`, and a tunnel's settings
 * as the client reads them
 *
 * set reads each KEY=VALUE with the tunnel file's own rules (the service's
 * parser, linked in: asd_tunnel_settings_parse_file_value()), so a value
 * is written as in the file, and sends only the keys given to Configure;
 * the service checks the settings as a whole, saves them, and changes
 * nothing on error.  forward is AddForward or RemoveForward (live while
 * connected).  reload is Manager.Reload, and then names the tunnels
 * whose file cannot be used.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "asd-error.h"
#include "ctl.h"
#include "ctl-format.h"

/**
 * ctl_tunnel_settings:
 * @tunnel: a tunnel proxy
 * @error: return location for an error (BrokenConfig while its file
 *   cannot be used)
 *
 * Returns: (transfer full): the tunnel's Settings, or %NULL
 */
AsdTunnelSettings *
ctl_tunnel_settings (AsdDbusTunnel *tunnel, GError **error)
{
  g_autoptr(AsdTunnelSettings) settings = asd_tunnel_settings_new ();
  GVariant *asv = asd_dbus_tunnel_get_settings (tunnel);

  if (g_strcmp0 (asd_dbus_tunnel_get_config_state (tunnel), "broken") == 0)
    {
      g_autofree char *where = ctl_format_config_error (asd_dbus_tunnel_get_config_error (tunnel));

      g_set_error (error, ASD_ERROR, ASD_ERROR_BROKEN_CONFIG,
                   _("%s: its file cannot be used (%s); fix the file, then run “autosshctl reload”"),
                   asd_dbus_tunnel_get_name (tunnel), where);
      return NULL;
    }
  if (asv == NULL)
    {
      g_set_error (error, CTL_ERROR, CTL_ERROR_FAILED, _("the service did not send the settings of %s"),
                   asd_dbus_tunnel_get_name (tunnel));
      return NULL;
    }
  if (!asd_tunnel_settings_apply_variant (settings, asv, error))
    {
      g_prefix_error (error, _("the service sent settings this autosshctl cannot read: "));
      return NULL;
    }
  return g_steal_pointer (&settings);
}

/* KEY=VALUE… as an a{sv} of typed, checked values; each key once. */
static GVariant *
parse_assignments (char **args, GError **error)
{
  g_auto(GVariantDict) changes = G_VARIANT_DICT_INIT (NULL);

  for (guint i = 0; args[i] != NULL; i++)
    {
      const char *equals = strchr (args[i], '=');
      g_autofree char *key = equals != NULL ? g_strndup (args[i], equals - args[i]) : NULL;
      GVariant *value;

      if (key == NULL || key[0] == '\0')
        {
          g_set_error (error, CTL_ERROR, CTL_ERROR_USAGE,
                       _("set: “%s” is not KEY=VALUE, e.g. Port=2222 or LocalForward=8080:localhost:80"), args[i]);
          return NULL;
        }
      g_strstrip (key);
      if (g_variant_dict_contains (&changes, key))
        {
          g_set_error (error, CTL_ERROR, CTL_ERROR_USAGE,
                       _("set: %s is given twice; a list is one value with “;” between its entries"), key);
          return NULL;
        }
      value = asd_tunnel_settings_parse_file_value (key, equals + 1, error);
      if (value == NULL)
        return NULL;
      g_variant_dict_insert_value (&changes, key, value);
      g_variant_unref (value);
    }
  return g_variant_dict_end (&changes);
}

gboolean
ctl_cmd_set (Ctl *ctl, int argc, char **argv, GError **error)
{
  g_autoptr(GOptionContext) context = ctl_command_context ("set", NULL);
  g_autoptr(AsdDbusTunnel) tunnel = NULL;
  g_autoptr(GVariant) changes = NULL;

  g_option_context_set_description (context,
    _("KEY is a key of the tunnel’s file: Destination, User, Port, IdentityFile,\n"
      "LocalForward, RemoteForward, DynamicForward, SshOptions, MonitorPort,\n"
      "EchoPort, PollInterval, FirstPoll, TrustedHostKey, AutoStart,\n"
      "ShareConnection.  VALUE is\n"
      "written as in the file: lists with “;” between entries, true or false,\n"
      "and an empty value unsets an optional key.  Keys not given keep their\n"
      "values; a running tunnel whose ssh command changes reconnects."));
  if (!ctl_parse_command (context, &argc, &argv, 2, -1, error) ||
      !asd_tunnel_name_check (argv[1], error))
    return FALSE;
  changes = parse_assignments (argv + 2, error);
  if (changes == NULL)
    return FALSE;
  g_variant_ref_sink (changes);
  tunnel = ctl_tunnel (ctl, argv[1], error);
  return tunnel != NULL &&
         asd_dbus_tunnel_call_configure_sync (tunnel, changes, G_DBUS_CALL_FLAGS_NONE, -1, NULL, error);
}

/* One warning line per tunnel whose file cannot be used. */
static void
warn_broken (GList *tunnels)
{
  for (GList *l = tunnels; l != NULL; l = l->next)
    {
      AsdDbusTunnel *tunnel = l->data;
      g_autofree char *where = NULL;

      if (g_strcmp0 (asd_dbus_tunnel_get_config_state (tunnel), "broken") != 0)
        continue;
      where = ctl_format_config_error (asd_dbus_tunnel_get_config_error (tunnel));
      /* TRANSLATORS: after reload: a tunnel, and FILE:LINE: what is wrong */
      g_printerr (_("%s: warning: %s: its file cannot be used: %s\n"), g_get_prgname (),
                  asd_dbus_tunnel_get_name (tunnel), where);
    }
}

gboolean
ctl_cmd_reload (Ctl *ctl, int argc, char **argv, GError **error)
{
  g_autoptr(GOptionContext) context = ctl_command_context ("reload", NULL);
  g_autoptr(GDBusObjectManager) objects = NULL;
  g_autolist(AsdDbusTunnel) tunnels = NULL;

  g_option_context_set_description (context,
    _("New files become tunnels, changed files reconfigure theirs (restarting only\n"
      "those that run), removed files remove theirs; a file that cannot be used is\n"
      "named with its line and what is wrong (the exit status stays 0)."));
  if (!ctl_parse_command (context, &argc, &argv, 0, 0, error) || ctl_manager (ctl, error) == NULL ||
      !asd_dbus_manager_call_reload_sync (ctl->manager, G_DBUS_CALL_FLAGS_NONE, -1, NULL, error))
    return FALSE;
  objects = ctl_object_manager (ctl, error);
  if (objects == NULL)
    return FALSE;
  tunnels = ctl_sorted_tunnels (objects);
  warn_broken (tunnels);
  return TRUE;
}

/* `forward add|remove NAME -L|-R|-D SPEC`: AddForward or RemoveForward. */
gboolean
ctl_cmd_forward (Ctl *ctl, int argc, char **argv, GError **error)
{
  g_autofree char *local = NULL;
  g_autofree char *remote = NULL;
  g_autofree char *dynamic = NULL;
  const GOptionEntry entries[] = {
    { "local", 'L', 0, G_OPTION_ARG_STRING, &local, N_("A local forward (ssh -L)"), N_("SPEC") },
    { "remote", 'R', 0, G_OPTION_ARG_STRING, &remote, N_("A remote forward (ssh -R)"), N_("SPEC") },
    { "dynamic", 'D', 0, G_OPTION_ARG_STRING, &dynamic, N_("A dynamic forward (ssh -D)"), N_("SPEC") },
    { NULL }
  };
  g_autoptr(GOptionContext) context = ctl_command_context ("forward", entries);
  g_autoptr(AsdDbusTunnel) tunnel = NULL;
  const char *kind, *spec;
  gboolean add;

  g_option_context_set_description (context,
    _("SPEC is written as for ssh.  While the tunnel is connected, the forward is\n"
      "opened or closed without restarting ssh, and connections through its other\n"
      "forwards stay open; a forward that cannot be set up changes nothing."));
  if (!ctl_parse_command (context, &argc, &argv, 2, 2, error))
    return FALSE;
  add = g_str_equal (argv[1], "add");
  if ((!add && !g_str_equal (argv[1], "remove")) ||
      (local != NULL) + (remote != NULL) + (dynamic != NULL) != 1)
    {
      g_set_error (error, CTL_ERROR, CTL_ERROR_USAGE,
                   _("usage: forward add|remove NAME -L|-R|-D SPEC (one forward)"));
      return FALSE;
    }
  kind = local != NULL ? "local" : remote != NULL ? "remote" : "dynamic";
  spec = local != NULL ? local : remote != NULL ? remote : dynamic;
  tunnel = ctl_tunnel (ctl, argv[2], error);
  if (tunnel == NULL)
    return FALSE;
  if (add)
    return asd_dbus_tunnel_call_add_forward_sync (tunnel, kind, spec, G_DBUS_CALL_FLAGS_NONE, -1,
                                                  NULL, error);
  return asd_dbus_tunnel_call_remove_forward_sync (tunnel, kind, spec, G_DBUS_CALL_FLAGS_NONE, -1,
                                                   NULL, error);
}
