/* autosshctl.c: `autosshctl`, the command line of autosshd
 *
 * Global options, then one subcommand with its own options; this file
 * holds the table of subcommands, the help and the exit codes, and runs
 * one.  The subcommands talk to the service over D-Bus through the
 * generated proxies (ctl-bus.c); a failure is the service's message and
 * an exit code that tells invalid input, an unknown tunnel and an
 * unreachable service apart.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <glib/gi18n.h>

#include "asd-program.h"
#include "ctl.h"

typedef struct {
  const char *name;
  const char *synopsis;
  const char *summary;
  CtlCommandFunc run;
} CtlCommand;

static const CtlCommand commands[] = {
  { "list", "", N_("List the tunnels and their states"), ctl_cmd_list },
  { "status", N_("NAME"), N_("Show every detail of a tunnel"), ctl_cmd_status },
  { "add", N_("NAME [--no-start] [--no-autostart] [--wait[=SECONDS]] -- AUTOSSH-ARGUMENTS…"),
    N_("Add a tunnel from an autossh command line"), ctl_cmd_add },
  { "remove", N_("NAME"), N_("Stop a tunnel and delete it"), ctl_cmd_remove },
  { "start", N_("NAME"), N_("Connect a tunnel and keep it up"), ctl_cmd_start },
  { "stop", N_("NAME"), N_("Close a tunnel and keep it down"), ctl_cmd_stop },
  { "restart", N_("NAME"), N_("Close a tunnel and connect it again"), ctl_cmd_restart },
  { "wait", N_("NAME [STATE] [--timeout=SECONDS]"),
    N_("Wait until a tunnel is in a state (default: connected)"), ctl_cmd_wait },
  { "set", N_("NAME KEY=VALUE…"), N_("Change a tunnel’s settings (the keys of its file)"), ctl_cmd_set },
  { "forward", N_("add|remove NAME -L|-R|-D SPEC"),
    N_("Add or remove a forward, without a restart while connected"), ctl_cmd_forward },
  { "edit", N_("NAME"), N_("Edit a tunnel’s settings in a text editor"), ctl_cmd_edit },
  { "reload", "", N_("Read the tunnels’ files again"), ctl_cmd_reload },
  { "enable", N_("NAME"), N_("Start a tunnel whenever the service starts"), ctl_cmd_enable },
  { "disable", N_("NAME"), N_("Do not start a tunnel when the service starts"), ctl_cmd_disable },
  { "passphrase", N_("NAME [--password]"),
    N_("Store a tunnel’s key passphrase or password in the keyring"), ctl_cmd_passphrase },
  { "trust", N_("NAME FINGERPRINT | NAME --show | NAME --forget"),
    N_("Approve, list or forget a server’s host key for a tunnel"), ctl_cmd_trust },
  { "monitor", "", N_("Print the tunnels’ events as they happen"), ctl_cmd_monitor },
  { "logs", N_("NAME [-n N] [-f] [--json]"), N_("Show a tunnel’s recent events, and follow them"), ctl_cmd_logs },
  { "version", "", N_("Print the versions of autosshctl and of the service"), ctl_cmd_version },
};

static const CtlCommand *
find_command (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_strcmp0 (commands[i].name, name) == 0)
      return &commands[i];
  return NULL;
}

static const char *
exit_codes_help (void)
{
  return _("Exit status:\n"
           "  0  success\n"
           "  1  failure\n"
           "  2  invalid input: usage, a bad tunnel name, settings or arguments, or a\n"
           "     tunnel of that name exists already\n"
           "  3  no tunnel of that name\n"
           "  4  the service cannot be reached or started (no session bus, activation\n"
           "     failed, no reply)\n"
           "  5  wait, --wait: the time ran out before the tunnel got there (a tunnel\n"
           "     that failed instead is 1)\n");
}

static char *
global_description (void)
{
  GString *out = g_string_new (_("Commands:\n"));

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_autofree char *head = g_strdup_printf ("%s %s", commands[i].name,
                                               commands[i].synopsis[0] != '\0' ?
                                               _(commands[i].synopsis) : "");

      glong width = g_utf8_strlen (g_strchomp (head), -1);

      g_string_append_printf (out, "  %s", head);
      if (width > 21)
        {
          g_string_append_c (out, '\n');
          width = -2;
        }
      for (; width < 23; width++)
        g_string_append_c (out, ' ');
      g_string_append_printf (out, "%s\n", _(commands[i].summary));
    }
  g_string_append_c (out, '\n');
  g_string_append (out, exit_codes_help ());
  g_string_append_c (out, '\n');
  g_string_append (out, _("Run “autosshctl COMMAND --help” for a command’s arguments and options."));
  return g_string_free (out, FALSE);
}

/**
 * ctl_command_context:
 * @command: a subcommand's name
 * @entries: (nullable): its options
 *
 * Returns: (transfer full): an option context for @command, its help
 *   naming it with its arguments, its summary and the exit codes
 */
GOptionContext *
ctl_command_context (const char *command, const GOptionEntry *entries)
{
  return ctl_command_context_full (command, entries, NULL);
}

/**
 * ctl_command_context_full:
 * @command: a subcommand's name
 * @entries: (nullable): its options
 * @user_data: (nullable): what the options' callbacks get (a #CtlWait
 *   for CTL_WAIT_OPTION_ENTRY)
 *
 * Returns: (transfer full): as ctl_command_context()
 */
GOptionContext *
ctl_command_context_full (const char *command, const GOptionEntry *entries, gpointer user_data)
{
  const CtlCommand *cmd = find_command (command);
  g_autofree char *parameters = NULL;
  GOptionContext *context;

  g_return_val_if_fail (cmd != NULL, NULL);
  parameters = g_strdup_printf ("%s %s", cmd->name, cmd->synopsis[0] != '\0' ? _(cmd->synopsis) : "");
  g_strchomp (parameters);
  context = g_option_context_new (parameters);
  g_option_context_set_summary (context, _(cmd->summary));
  g_option_context_set_description (context, exit_codes_help ());
  if (user_data != NULL)
    {
      GOptionGroup *group = g_option_group_new (NULL, NULL, NULL, user_data, NULL);

      g_option_group_add_entries (group, entries);
      g_option_group_set_translation_domain (group, GETTEXT_PACKAGE);
      g_option_context_set_main_group (context, group);
    }
  else if (entries != NULL)
    g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  return context;
}

/**
 * ctl_parse_command:
 * @context: from ctl_command_context()
 * @argc: (inout): the subcommand's arguments, argv[0] its name
 * @argv: (inout): they
 * @min_args: how many arguments it needs
 * @max_args: how many it takes at most, -1 for any number
 * @error: return location for an error (%G_OPTION_ERROR or
 *   %CTL_ERROR_USAGE: exit 2)
 *
 * Parses the options (exits 0 after printing `--help`) and counts the
 * arguments that are left in (*argv)[1…].
 */
gboolean
ctl_parse_command (GOptionContext *context, int *argc, char ***argv, int min_args, int max_args,
                   GError **error)
{
  g_autofree char *command = g_strdup ((*argv)[0]);
  const CtlCommand *cmd = find_command (command);
  int n;

  if (!g_option_context_parse (context, argc, argv, error))
    {
      g_prefix_error (error, "%s: ", command);
      return FALSE;
    }
  n = *argc - 1;
  if (n >= min_args && (max_args < 0 || n <= max_args))
    return TRUE;
  g_set_error (error, CTL_ERROR, CTL_ERROR_USAGE,
               n < min_args ? _("%s: missing arguments; usage: autosshctl %s %s") :
                              _("%s: too many arguments; usage: autosshctl %s %s"),
               command, command, cmd != NULL ? _(cmd->synopsis) : "");
  return FALSE;
}

static int
fail (const GError *error)
{
  g_autofree char *message = ctl_error_message (error);

  g_printerr ("%s: %s\n", g_get_prgname (), message);
  return ctl_exit_code (error);
}

static int
usage_error (const char *message)
{
  g_printerr ("%s: %s\n", g_get_prgname (), message);
  g_printerr (_("Run “%s --help” for the commands.\n"), g_get_prgname ());
  return CTL_EXIT_INVALID;
}

int
main (int argc, char **argv)
{
  gboolean version = FALSE;
  Ctl ctl = { FALSE, NULL, NULL, FALSE };
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &ctl.json,
      N_("Print JSON (list, status, monitor, logs)"), NULL },
    { "system", 0, 0, G_OPTION_ARG_NONE, &ctl.system,
      N_("Talk to the system service (boot-time tunnels; changes need polkit’s permission)"), NULL },
    { "user", 0, G_OPTION_FLAG_REVERSE, G_OPTION_ARG_NONE, &ctl.system,
      N_("Talk to your own service on the session bus (the default)"), NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, N_("Print the version and exit"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) options = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *description = NULL;
  const CtlCommand *cmd;
  int status = CTL_EXIT_OK;

  asd_program_init ("autosshctl", G_LOG_DOMAIN);

  /* Everything goes on the bus as D-Bus strings, which must be UTF-8:
   * say so here instead of failing deep inside with a misleading error. */
  for (int i = 1; i < argc; i++)
    if (!g_utf8_validate (argv[i], -1, NULL))
      {
        g_autofree char *shown = g_utf8_make_valid (argv[i], -1);
        g_autofree char *message =
          g_strdup_printf (_("argument %d (“%s”) is not valid UTF-8: names, hosts, paths and forwards must be UTF-8"),
                           i, shown);

        return usage_error (message);
      }

  description = global_description ();
  options = g_option_context_new (_("COMMAND [ARGUMENTS…]"));
  g_option_context_set_summary (options, _("Controls the tunnels of autosshd, the SSH tunnel service."));
  g_option_context_set_description (options, description);
  g_option_context_add_main_entries (options, entries, GETTEXT_PACKAGE);
  /* Options up to the command are ours; the rest are the command's. */
  g_option_context_set_strict_posix (options, TRUE);
  if (!g_option_context_parse (options, &argc, &argv, &error))
    return usage_error (error->message);
  if (version)
    {
      g_print ("autosshctl %s\n", VERSION);
      return CTL_EXIT_OK;
    }
  if (argc < 2)
    {
      g_autofree char *help = g_option_context_get_help (options, TRUE, NULL);

      g_printerr ("%s", help);
      return CTL_EXIT_INVALID;
    }
  if (g_strcmp0 (argv[1], "help") == 0)
    {
      g_autofree char *help = g_option_context_get_help (options, TRUE, NULL);

      /* `autosshctl help COMMAND` is `autosshctl COMMAND --help` */
      if (argc > 2 && find_command (argv[2]) != NULL)
        {
          char *help_argv[] = { argv[2], (char *) "--help", NULL };

          return find_command (argv[2])->run (&ctl, 2, help_argv, &error) ? CTL_EXIT_OK : fail (error);
        }
      g_print ("%s", help);
      return CTL_EXIT_OK;
    }

  cmd = find_command (argv[1]);
  if (cmd == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("unknown command “%s”"), argv[1]);

      return usage_error (message);
    }
  if (!cmd->run (&ctl, argc - 1, argv + 1, &error))
    status = fail (error);
  ctl_clear (&ctl);
  return status;
}
