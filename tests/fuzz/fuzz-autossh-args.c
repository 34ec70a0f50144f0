/* fuzz-autossh-args.c: an autossh command line, as autossh reads it
 *
 * The input is argv without the program name, the arguments separated by
 * NUL bytes (at most FUZZ_MAX_ITEMS of them).  Checks that
 * asd_autossh_args_parse(), asd_monitor_spec_parse() (on every argument,
 * as on -M's value and AUTOSSH_PORT) and asd_ssh_args_have_server_alive()
 * (on the ssh arguments made) neither crash, leak nor log a critical, and
 * that what the parser made is well formed.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "fuzz-common.h"

#include "asd-ssh-args.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_auto(GStrv) argv = NULL;
  g_autoptr(AsdAutosshArgs) args = NULL;
  g_autoptr(GError) error = NULL;

  fuzz_init ();
  argv = fuzz_split (data, size, FALSE);

  for (guint i = 0; argv[i] != NULL; i++)
    {
      g_autoptr(GError) spec_error = NULL;
      AsdMonitorSpec spec = { 0, };

      if (asd_monitor_spec_parse (argv[i], &spec, &spec_error))
        {
          FUZZ_CHECK (spec_error == NULL);
          FUZZ_CHECK (spec.port != 0 || spec.echo_port == 0);
          FUZZ_CHECK (spec.echo_port != 0 || spec.port < 65535);
        }
      else
        FUZZ_CHECK (spec_error != NULL);
    }

  args = asd_autossh_args_parse ((const char * const *) argv, &error);
  if (args == NULL)
    {
      FUZZ_CHECK (error != NULL);
      return 0;
    }
  FUZZ_CHECK (error == NULL);
  FUZZ_CHECK (args->ssh_args != NULL);
  /* ssh gets at most what it was given, with autossh's own options out */
  FUZZ_CHECK (g_strv_length (args->ssh_args) <= g_strv_length (argv));
  (void) asd_ssh_args_have_server_alive ((const char * const *) args->ssh_args);

  if (args->monitor_spec != NULL)
    {
      g_autoptr(GError) spec_error = NULL;
      AsdMonitorSpec spec = { 0, };

      if (asd_monitor_spec_parse (args->monitor_spec, &spec, &spec_error))
        {
          g_auto(GStrv) ssh_argv = asd_ssh_argv_build ("ssh", &spec, TRUE,
                                                       (const char * const *) args->ssh_args);
          FUZZ_CHECK (ssh_argv != NULL && g_strcmp0 (ssh_argv[0], "ssh") == 0);
        }
    }
  return 0;
}
