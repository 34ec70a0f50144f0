/* asd-tunnel-settings-cmdline.c: a tunnel's settings from an autossh
 * command line
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "asd-error.h"
#include "asd-ssh-args.h"
#include "asd-tunnel-settings-private.h"

typedef struct {
  GVariantDict *dict;
  GPtrArray *lists[4];          /* LocalForward, RemoteForward, DynamicForward, SshOptions */
} CommandLine;

static void
command_line_clear (CommandLine *line)
{
  g_clear_pointer (&line->dict, g_variant_dict_unref);
  for (guint i = 0; i < G_N_ELEMENTS (line->lists); i++)
    g_clear_pointer (&line->lists[i], g_ptr_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CommandLine, command_line_clear)

static const char *list_keys[] = { "LocalForward", "RemoteForward", "DynamicForward", "SshOptions" };

static void
add_option (CommandLine *line, const char *name, const char *value)
{
  g_ptr_array_add (line->lists[3], g_strconcat (name, value, NULL));
}

static gboolean
set_once (CommandLine *line, char letter, const char *name, GVariant *value, GError **error)
{
  g_autoptr(GVariant) owned = g_variant_ref_sink (value);

  if (g_variant_dict_contains (line->dict, name))
    return asd_settings_invalid (error, _("-%c is given twice: the service takes one %s"), letter, name);
  g_variant_dict_insert_value (line->dict, name, owned);
  return TRUE;
}

static gboolean
read_letter (char letter, const char *value, gboolean attached, gpointer user_data, GError **error)
{
  CommandLine *line = user_data;
  const char *forward = strchr (asd_settings_forward_letters, letter);
  guint port;

  if (strchr ("NTnqv", letter) != NULL)
    return TRUE;        /* the service always runs ssh -N, quietly */
  if (forward != NULL)
    g_ptr_array_add (line->lists[forward - asd_settings_forward_letters], g_strdup (value));
  else if (letter == 'o')
    add_option (line, "", value);
  else if (letter == 'J')
    add_option (line, "ProxyJump=", value);
  else if (letter == 'C')
    add_option (line, "Compression=yes", "");
  else if (letter == '4' || letter == '6')
    add_option (line, "AddressFamily=", letter == '4' ? "inet" : "inet6");
  else if (letter == 'p')
    return asd_settings_parse_number (asd_settings_lookup_key ("Port", NULL), value, &port, error) &&
           set_once (line, letter, "Port", g_variant_new_uint16 (port), error);
  else if (letter == 'l' || letter == 'i')
    return set_once (line, letter, letter == 'l' ? "User" : "IdentityFile",
                     g_variant_new_string (value), error);
  else
    return asd_settings_invalid (error, _("option -%c is not supported by the service: it maps -L, -R, -D, -p, -l, -i, -o, -J, -C, -4, -6 and -M to settings (other ssh options go in as -o Key=Value)"),
                                 letter);
  return TRUE;
}

/* "user@host" (split at the last "@", as ssh does) or "host"; a User from
 * -l wins, as in ssh. */
static void
read_destination (CommandLine *line, const char *arg)
{
  const char *at = strrchr (arg, '@');

  if (at == NULL || at == arg || at[1] == '\0')
    {
      g_variant_dict_insert (line->dict, "Destination", "s", arg);
      return;
    }
  g_variant_dict_insert (line->dict, "Destination", "s", at + 1);
  if (!g_variant_dict_contains (line->dict, "User"))
    {
      g_autofree char *user = g_strndup (arg, at - arg);
      g_variant_dict_insert (line->dict, "User", "s", user);
    }
}

/* Reads ssh's arguments as ssh does: options, the destination, options
 * again; "--" ends options; a further argument is a remote command. */
static gboolean
read_ssh_args (CommandLine *line, const char * const *argv, GError **error)
{
  gboolean options_open = TRUE, have_destination = FALSE;

  for (guint i = 0; argv[i] != NULL; i++)
    {
      const char *arg = argv[i];

      if (options_open && strcmp (arg, "--") == 0)
        options_open = FALSE;
      else if (options_open && arg[0] == '-' && arg[1] != '\0')
        {
          g_autoptr(GError) local_error = NULL;

          if (!asd_ssh_args_read_cluster (argv, &i, ASD_SSH_CLUSTER_NONE, read_letter, line, &local_error))
            {
              /* unknown letters and missing values are InvalidSettings here */
              if (g_error_matches (local_error, ASD_ERROR, ASD_ERROR_INVALID_ARGS))
                return asd_settings_invalid (error, "%s", local_error->message);
              g_propagate_error (error, g_steal_pointer (&local_error));
              return FALSE;
            }
        }
      else if (!have_destination)
        {
          read_destination (line, arg);
          have_destination = options_open = TRUE;
        }
      else
        {
          g_autofree char *command = g_strjoinv (" ", (char **) argv + i);
          g_autofree char *command_shown = asd_settings_shown (command);
          return asd_settings_invalid (error, _("the service runs ssh -N: a remote command (“%s”) is not supported"),
                                       command_shown);
        }
    }
  if (!have_destination)
    return asd_settings_invalid (error, _("the command line has no destination: give user@host or a ~/.ssh/config alias"));
  return TRUE;
}

static gboolean
read_monitor (CommandLine *line, const char *spec_text, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  AsdMonitorSpec spec;

  if (!asd_monitor_spec_parse (spec_text, &spec, &local_error))
    return asd_settings_invalid (error, "%s", local_error->message);
  g_variant_dict_insert (line->dict, "MonitorPort", "q", spec.port);
  g_variant_dict_insert (line->dict, "EchoPort", "q", spec.echo_port);
  return TRUE;
}

/**
 * asd_tunnel_settings_command_line_to_variant:
 * @autossh_args: an autossh command line without the program name
 * @error: return location for an %ASD_ERROR_INVALID_SETTINGS error
 *
 * Maps the command line to settings keys (see AddTunnelFromCommandLine in
 * data/io.github.autosshd1.xml): the a{sv} AddTunnel would take.  -N,
 * -T, -n, -f, -q and -v have no effect; -V, any other option and a remote
 * command are errors.  The values are checked when applied.
 *
 * Returns: (transfer full): the settings, or %NULL
 */
GVariant *
asd_tunnel_settings_command_line_to_variant (const char * const *autossh_args,
                                             GError            **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(AsdAutosshArgs) args = NULL;
  g_auto(CommandLine) line = { g_variant_dict_new (NULL), { NULL } };

  /* Settings are D-Bus strings, which must be UTF-8 (found by fuzzing:
   * such an argument gave criticals, and a forward list a NULL child). */
  for (guint i = 0; autossh_args[i] != NULL; i++)
    if (!g_utf8_validate (autossh_args[i], -1, NULL))
      {
        g_autofree char *shown = g_utf8_make_valid (autossh_args[i], -1);

        asd_settings_invalid (error, _("argument %u (“%s”) is not valid UTF-8"), i + 1, shown);
        return NULL;
      }
  args = asd_autossh_args_parse (autossh_args, &local_error);
  if (args == NULL)
    {
      asd_settings_invalid (error, "%s", local_error->message);
      return NULL;
    }
  if (args->version)
    {
      asd_settings_invalid (error, _("-V prints autossh's version and starts no tunnel"));
      return NULL;
    }
  for (guint i = 0; i < G_N_ELEMENTS (line.lists); i++)
    line.lists[i] = g_ptr_array_new_with_free_func (g_free);
  if ((args->monitor_spec != NULL && !read_monitor (&line, args->monitor_spec, error)) ||
      !read_ssh_args (&line, (const char * const *) args->ssh_args, error))
    return NULL;
  for (guint i = 0; i < G_N_ELEMENTS (line.lists); i++)
    if (line.lists[i]->len > 0)
      g_variant_dict_insert_value (line.dict, list_keys[i],
                                   g_variant_new_strv ((const char * const *) line.lists[i]->pdata,
                                                       line.lists[i]->len));
  return g_variant_ref_sink (g_variant_dict_end (line.dict));
}

/**
 * asd_tunnel_settings_apply_command_line:
 * @settings: settings to change
 * @autossh_args: an autossh command line without the program name
 * @error: return location for an %ASD_ERROR_INVALID_SETTINGS error
 *
 * Applies asd_tunnel_settings_command_line_to_variant(); keys the
 * command line does not give keep their values; on error @settings is
 * unchanged.
 *
 * Returns: whether the command line was applied
 */
gboolean
asd_tunnel_settings_apply_command_line (AsdTunnelSettings  *settings,
                                        const char * const *autossh_args,
                                        GError            **error)
{
  g_autoptr(GVariant) values = asd_tunnel_settings_command_line_to_variant (autossh_args, error);

  return values != NULL && asd_tunnel_settings_apply_variant (settings, values, error);
}
