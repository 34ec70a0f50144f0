/* asd-program.c: how every program of the project starts
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <locale.h>
#include <stdlib.h>
#include <glib/gi18n.h>

#include "asd-log.h"
#include "asd-program.h"

/**
 * asd_program_init:
 * @prgname: the program's name, for messages
 * @log_domain: the program's log domain (its G_LOG_DOMAIN), which the
 *   common code logs in too
 *
 * The user's locale, the project's message catalogue (UTF-8), the log.
 */
void
asd_program_init (const char *prgname, const char *log_domain)
{
  asd_log_set_domain (log_domain);
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_set_prgname (prgname);
}

/**
 * asd_program_start:
 * @context: the program's options; -v/--verbose and --version are added
 * @argc: (inout): from main()
 * @argv: (inout): from main()
 * @system: (nullable): where one of @context's options stores whether
 *   the system bus is wanted (autosshd --system), read once the options
 *   are parsed; %NULL: the session bus
 * @exit_code: (out): with %NULL returned, what main() returns
 *
 * The common start of the session programs (autosshd, autossh-notify):
 * parses the options, answers --version, turns on debug messages with -v,
 * and connects to the mode's bus; problems are reported on stderr.
 *
 * Returns: (transfer full) (nullable): the bus, or %NULL when the
 *   program is to exit with *@exit_code
 */
GDBusConnection *
asd_program_start (GOptionContext *context, int *argc, char ***argv,
                   const gboolean *system, int *exit_code)
{
  gboolean verbose = FALSE, version = FALSE;
  const GOptionEntry entries[] = {
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, N_("Log debug messages"), NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, N_("Print the version and exit"), NULL },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  GDBusConnection *bus;

  *exit_code = EXIT_FAILURE;
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, argc, argv, &error))
    {
      g_printerr ("%s: %s\n", g_get_prgname (), error->message);
      return NULL;
    }
  if (version)
    {
      g_print ("%s %s\n", g_get_prgname (), VERSION);
      *exit_code = EXIT_SUCCESS;
      return NULL;
    }
  if (verbose)
    g_log_set_debug_enabled (TRUE);

  bus = g_bus_get_sync (system != NULL && *system ? G_BUS_TYPE_SYSTEM : G_BUS_TYPE_SESSION,
                        NULL, &error);
  if (bus == NULL)
    g_printerr ("%s: %s\n", g_get_prgname (), error->message);
  else
    *exit_code = EXIT_SUCCESS;   /* unless the program fails later */
  return bus;
}

/**
 * asd_program_start_session:
 * @context: the program's options
 * @argc: (inout): from main()
 * @argv: (inout): from main()
 * @exit_code: (out): with %NULL returned, what main() returns
 *
 * asd_program_start() for a program of the session bus.
 *
 * Returns: (transfer full) (nullable): the session bus, or %NULL
 */
GDBusConnection *
asd_program_start_session (GOptionContext *context, int *argc, char ***argv, int *exit_code)
{
  return asd_program_start (context, argc, argv, NULL, exit_code);
}
