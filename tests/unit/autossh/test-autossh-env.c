/* test-autossh-env.c: the AUTOSSH_* variables, defaults and validation
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "asd-autossh-env.h"
#include "asd-error.h"
#include "asd-monitor.h"

static AsdAutosshEnv *
load (const char * const *envp, GError **error)
{
  return asd_autossh_env_load (envp, error);
}

static void
test_defaults (void)
{
  const char *envp[] = { "HOME=/root", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(AsdAutosshEnv) env = load (envp, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (env->gatetime, ==, 30);
  g_assert_cmpuint (env->poll, ==, 600);
  g_assert_cmpuint (env->first_poll, ==, 600);
  g_assert_cmpint (env->maxstart, ==, -1);
  g_assert_cmpuint (env->maxlifetime, ==, 0);
  g_assert_cmpstr (env->message, ==, "");
  g_assert_cmpstr (env->path, ==, "ssh");
  g_assert_null (env->pidfile);
  g_assert_null (env->port);
  g_assert_null (env->logfile);
  g_assert_cmpint (env->loglevel, ==, 6);
  g_assert_false (env->debug);
  g_assert_cmpuint (asd_monitor_net_timeout (env->poll), ==, 15);
}

static void
test_values (void)
{
  const char *envp[] = {
    "AUTOSSH_GATETIME=0", "AUTOSSH_POLL=30", "AUTOSSH_MAXSTART=5",
    "AUTOSSH_MAXLIFETIME=3600", "AUTOSSH_MESSAGE=hello", "AUTOSSH_PATH=/opt/ssh",
    "AUTOSSH_PIDFILE=/run/a.pid", "AUTOSSH_PORT=20000:7", "AUTOSSH_LOGFILE=/tmp/a.log",
    "AUTOSSH_LOGLEVEL=3", "AUTOSSH_FIRST_POLL=", NULL
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(AsdAutosshEnv) env = load (envp, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (env->gatetime, ==, 0);
  g_assert_cmpuint (env->poll, ==, 30);
  g_assert_cmpuint (env->first_poll, ==, 30);   /* empty: defaults to POLL */
  g_assert_cmpint (env->maxstart, ==, 5);
  g_assert_cmpuint (env->maxlifetime, ==, 3600);
  g_assert_cmpstr (env->message, ==, "hello");
  g_assert_cmpstr (env->path, ==, "/opt/ssh");
  g_assert_cmpstr (env->pidfile, ==, "/run/a.pid");
  g_assert_cmpstr (env->port, ==, "20000:7");
  g_assert_cmpstr (env->logfile, ==, "/tmp/a.log");
  g_assert_cmpint (env->loglevel, ==, 3);
  g_assert_cmpuint (asd_monitor_net_timeout (env->poll), ==, 15);
}

static void
test_debug_and_timeouts (void)
{
  const char *envp[] = { "AUTOSSH_DEBUG=", "AUTOSSH_POLL=10", "AUTOSSH_FIRST_POLL=2", NULL };
  const char *envp_short[] = { "AUTOSSH_POLL=1", NULL };
  g_autoptr(AsdAutosshEnv) env = load (envp, NULL);
  g_autoptr(AsdAutosshEnv) env_short = load (envp_short, NULL);

  g_assert_true (env->debug);
  g_assert_cmpint (env->loglevel, ==, 7);
  g_assert_cmpuint (env->first_poll, ==, 2);
  g_assert_cmpuint (asd_monitor_net_timeout (env->poll), ==, 5);
  g_assert_cmpuint (asd_monitor_net_timeout (env_short->poll), ==, 1);
}

static void
test_invalid (void)
{
  const char *bad[] = {
    "AUTOSSH_POLL=0", "AUTOSSH_POLL=abc", "AUTOSSH_POLL=-5", "AUTOSSH_POLL=10s",
    "AUTOSSH_FIRST_POLL=0", "AUTOSSH_GATETIME=-1", "AUTOSSH_GATETIME=1.5",
    "AUTOSSH_MAXSTART=x", "AUTOSSH_MAXSTART=-2", "AUTOSSH_MAXLIFETIME=-5",
    "AUTOSSH_LOGLEVEL=9", "AUTOSSH_LOGLEVEL=-1", "AUTOSSH_POLL=99999999999",
    "AUTOSSH_MESSAGE=0123456789012345678901234567890123456789012345678901234567890123X",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      const char *envp[] = { bad[i], NULL };
      g_autofree char *name = g_strndup (bad[i], strchr (bad[i], '=') - bad[i]);
      g_autoptr(GError) error = NULL;
      g_autoptr(AsdAutosshEnv) env = load (envp, &error);

      g_assert_null (env);
      g_assert_error (error, ASD_ERROR, ASD_ERROR_INVALID_SETTINGS);
      g_assert_nonnull (strstr (error->message, name));
    }
}

static void
test_message_limit (void)
{
  const char *envp[] = {
    "AUTOSSH_MESSAGE=0123456789012345678901234567890123456789012345678901234567890123", NULL
  };
  g_autoptr(AsdAutosshEnv) env = load (envp, NULL);

  g_assert_nonnull (env);
  g_assert_cmpuint (strlen (env->message), ==, 64);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/autossh-env/defaults", test_defaults);
  g_test_add_func ("/autossh-env/values", test_values);
  g_test_add_func ("/autossh-env/debug-and-timeouts", test_debug_and_timeouts);
  g_test_add_func ("/autossh-env/invalid", test_invalid);
  g_test_add_func ("/autossh-env/message-limit", test_message_limit);
  return g_test_run ();
}
