/* fuzz-autossh-env.c: the AUTOSSH_* variables, as the drop-in reads them
 *
 * The input is an environment: NAME=VALUE strings separated by NUL bytes
 * or newlines (at most FUZZ_MAX_ITEMS).  Checks that asd_autossh_env_load()
 * neither crashes, leaks nor logs a critical, and that what it loads keeps
 * the ranges asd-autossh-env.h promises.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "fuzz-common.h"

#include "asd-autossh-env.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_auto(GStrv) envp = NULL;
  g_autoptr(AsdAutosshEnv) env = NULL;
  g_autoptr(GError) error = NULL;

  fuzz_init ();
  envp = fuzz_split (data, size, TRUE);

  env = asd_autossh_env_load ((const char * const *) envp, &error);
  if (env == NULL)
    {
      FUZZ_CHECK (error != NULL);
      return 0;
    }
  FUZZ_CHECK (error == NULL);
  FUZZ_CHECK (env->gatetime <= G_MAXINT);
  FUZZ_CHECK (env->poll >= 1 && env->poll <= G_MAXINT);
  FUZZ_CHECK (env->first_poll >= 1 && env->first_poll <= G_MAXINT);
  FUZZ_CHECK (env->maxstart >= -1);
  FUZZ_CHECK (env->maxlifetime <= G_MAXINT);
  FUZZ_CHECK (env->loglevel >= 0 && env->loglevel <= 7);
  FUZZ_CHECK (!env->debug || env->loglevel == 7);
  FUZZ_CHECK (env->message != NULL && strlen (env->message) <= ASD_AUTOSSH_MESSAGE_MAX);
  FUZZ_CHECK (env->path != NULL && env->path[0] != '\0');
  FUZZ_CHECK (env->pidfile == NULL || env->pidfile[0] != '\0');
  FUZZ_CHECK (env->port == NULL || env->port[0] != '\0');
  FUZZ_CHECK (env->logfile == NULL || env->logfile[0] != '\0');
  return 0;
}
