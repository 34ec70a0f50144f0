/* asd-autossh-env.c: the AUTOSSH_* variables, read and checked
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "asd-autossh-env.h"
#include "asd-error.h"

/* Reads the variable @name as a number in [@min, @max] into @out; an unset
 * or empty variable leaves @out as it is. */
static gboolean
load_number (const char * const *envp,
             const char         *name,
             gint64              min,
             gint64              max,
             gint64             *out,
             GError            **error)
{
  const char *text = g_environ_getenv ((char **) envp, name);

  if (text == NULL || *text == '\0')
    return TRUE;
  if (!g_ascii_string_to_signed (text, 10, min, max, out, NULL))
    {
      g_set_error (error, ASD_ERROR, ASD_ERROR_INVALID_SETTINGS,
                   _("invalid %s “%s”: expected a whole number from %d to %d"),
                   name, text, (int) min, (int) max);
      return FALSE;
    }
  return TRUE;
}

static char *
load_string (const char * const *envp, const char *name)
{
  const char *text = g_environ_getenv ((char **) envp, name);

  return text != NULL && *text != '\0' ? g_strdup (text) : NULL;
}

/**
 * asd_autossh_env_load:
 * @envp: the environment to read, as from g_get_environ()
 * @error: return location for an %ASD_ERROR_INVALID_SETTINGS error
 *
 * Reads every AUTOSSH_* variable with autossh 1.4g's defaults; a value out
 * of range is an error that names the variable.
 *
 * Returns: (transfer full): the settings, or %NULL
 */
AsdAutosshEnv *
asd_autossh_env_load (const char * const *envp, GError **error)
{
  g_autoptr(AsdAutosshEnv) env = g_new0 (AsdAutosshEnv, 1);
  gint64 gatetime = 30, poll = 600, first_poll = -1, maxstart = -1;
  gint64 maxlifetime = 0, loglevel = 6;
  const char *message;

  if (!load_number (envp, "AUTOSSH_GATETIME", 0, G_MAXINT, &gatetime, error) ||
      !load_number (envp, "AUTOSSH_POLL", 1, G_MAXINT, &poll, error) ||
      !load_number (envp, "AUTOSSH_FIRST_POLL", 1, G_MAXINT, &first_poll, error) ||
      !load_number (envp, "AUTOSSH_MAXSTART", -1, G_MAXINT, &maxstart, error) ||
      !load_number (envp, "AUTOSSH_MAXLIFETIME", 0, G_MAXINT, &maxlifetime, error) ||
      !load_number (envp, "AUTOSSH_LOGLEVEL", 0, 7, &loglevel, error))
    return NULL;

  /* AUTOSSH_DEBUG, with any value, means the highest level. */
  env->debug = g_environ_getenv ((char **) envp, "AUTOSSH_DEBUG") != NULL;
  if (env->debug)
    loglevel = 7;

  message = g_environ_getenv ((char **) envp, "AUTOSSH_MESSAGE");
  if (message != NULL && strlen (message) > ASD_AUTOSSH_MESSAGE_MAX)
    {
      g_set_error (error, ASD_ERROR, ASD_ERROR_INVALID_SETTINGS,
                   _("AUTOSSH_MESSAGE is %zu bytes long; it may be at most %d bytes"),
                   strlen (message), ASD_AUTOSSH_MESSAGE_MAX);
      return NULL;
    }

  env->gatetime = gatetime;
  env->poll = poll;
  env->first_poll = first_poll > 0 ? first_poll : poll;
  env->maxstart = maxstart;
  env->maxlifetime = maxlifetime;
  env->loglevel = loglevel;
  env->message = g_strdup (message != NULL ? message : "");
  env->path = load_string (envp, "AUTOSSH_PATH");
  if (env->path == NULL)
    env->path = g_strdup ("ssh");
  env->pidfile = load_string (envp, "AUTOSSH_PIDFILE");
  env->port = load_string (envp, "AUTOSSH_PORT");
  env->logfile = load_string (envp, "AUTOSSH_LOGFILE");
  return g_steal_pointer (&env);
}

void
asd_autossh_env_free (AsdAutosshEnv *env)
{
  if (env == NULL)
    return;
  g_free (env->message);
  g_free (env->path);
  g_free (env->pidfile);
  g_free (env->port);
  g_free (env->logfile);
  g_free (env);
}

