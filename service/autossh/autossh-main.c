/* autossh-main.c: `autossh`, the drop-in for autossh 1.4g
 *
 * Reads the command line and the AUTOSSH_* variables, reports every
 * problem on stderr before anything starts (and before -f forks), then
 * hands over to AsdAutossh, the supervision loop.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <syslog.h>
#include <unistd.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <glib-unix.h>

#include "asd-autossh.h"
#include "asd-ssh-args.h"
#include "asd-program.h"
#include "asd-autossh-env.h"
#include "asd-autossh-log.h"

typedef struct {
  GMainLoop *loop;
  AsdAutossh *autossh;
  gint exit_code;
  gboolean finished;
} Context;

static void
print_usage (void)
{
  g_printerr (_("usage: %s [-V] [-M monitor_port[:echo_port]] [-f] [SSH_OPTIONS]\n"),
              g_get_prgname ());
  g_printerr ("%s", _("\n"
    "    -M specifies monitor port. Overrides the environment\n"
    "       variable AUTOSSH_PORT. 0 turns monitoring loop off.\n"
    "       Alternatively, a port for an echo service on the remote\n"
    "       machine may be specified. (Normally port 7.)\n"
    "       Without -M and AUTOSSH_PORT, monitoring is off and ssh's\n"
    "       own keep-alives are used (ServerAliveInterval=30,\n"
    "       ServerAliveCountMax=3) unless you set ServerAlive options.\n"
    "    -f run in background (autossh handles this, and does not\n"
    "       pass it to ssh.)\n"
    "    -V print autossh version and exit.\n"
    "\n"
    "Environment variables are:\n"
    "    AUTOSSH_GATETIME    - how long must an ssh session be established\n"
    "                          (in seconds). Default is 30 seconds; use of -f\n"
    "                          sets it to 0.\n"
    "    AUTOSSH_LOGFILE     - file to log to (default is to use the syslog\n"
    "                          facility)\n"
    "    AUTOSSH_LOGLEVEL    - level of log verbosity (0 to 7, default 6)\n"
    "    AUTOSSH_MAXLIFETIME - set the maximum time to live (seconds)\n"
    "    AUTOSSH_MAXSTART    - max times to restart (default is no limit)\n"
    "    AUTOSSH_MESSAGE     - message to append to echo string (max 64 bytes)\n"
    "    AUTOSSH_PATH        - path to ssh if not default\n"
    "    AUTOSSH_PIDFILE     - write pid to this file\n"
    "    AUTOSSH_POLL        - how often to check the connection (seconds)\n"
    "    AUTOSSH_FIRST_POLL  - time before first connection check (seconds)\n"
    "    AUTOSSH_PORT        - port to use for monitor connection\n"
    "    AUTOSSH_DEBUG       - turn logging to maximum verbosity and log to\n"
    "                          stderr\n"
    "\n"));
}

static int
fail (const GError *error, gboolean usage)
{
  g_printerr ("%s: %s\n", g_get_prgname (), error->message);
  if (usage)
    print_usage ();
  return EXIT_FAILURE;
}

/* Into the background as autossh -f does: the parent exits 0, the child
 * leads a new session in / with stdio on /dev/null. */
static gboolean
daemonize (GError **error)
{
  pid_t pid = fork ();
  int null_fd;

  if (pid < 0)
    {
      int saved_errno = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   "fork: %s", g_strerror (saved_errno));
      return FALSE;
    }
  if (pid > 0)
    _exit (EXIT_SUCCESS);

  setsid ();
  if (chdir ("/") != 0)
    return TRUE;   /* "/" always exists; nothing else depends on it */
  null_fd = open ("/dev/null", O_RDWR | O_CLOEXEC);
  if (null_fd >= 0)
    {
      dup2 (null_fd, STDIN_FILENO);
      dup2 (null_fd, STDOUT_FILENO);
      dup2 (null_fd, STDERR_FILENO);
      if (null_fd > STDERR_FILENO)
        close (null_fd);
    }
  return TRUE;
}

static gboolean
on_restart_signal (gpointer user_data)
{
  Context *ctx = user_data;

  asd_autossh_restart (ctx->autossh);
  return G_SOURCE_CONTINUE;
}

/* autossh 1.4g survives SIGUSR2: so does the drop-in (a handler, not
 * SIG_IGN, which ssh would inherit). */
static gboolean
on_ignored_signal (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

static gboolean
on_sigterm (gpointer user_data)
{
  asd_autossh_shutdown (((Context *) user_data)->autossh, SIGTERM);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_sigint (gpointer user_data)
{
  asd_autossh_shutdown (((Context *) user_data)->autossh, SIGINT);
  return G_SOURCE_CONTINUE;
}

static void
on_finished (AsdAutossh *autossh, gint exit_code, gpointer user_data)
{
  Context *ctx = user_data;

  ctx->exit_code = exit_code;
  ctx->finished = TRUE;
  g_main_loop_quit (ctx->loop);
}

/* The monitor ports: -M, else AUTOSSH_PORT, else none (*defaulted). */
static gboolean
choose_monitor (const AsdAutosshArgs *args,
                const AsdAutosshEnv  *env,
                AsdMonitorSpec       *spec,
                gboolean             *defaulted,
                GError              **error)
{
  const char *text = args->monitor_spec != NULL ? args->monitor_spec : env->port;

  *defaulted = text == NULL;
  *spec = (AsdMonitorSpec) { 0, 0 };
  if (text == NULL || asd_monitor_spec_parse (text, spec, error))
    return TRUE;
  if (args->monitor_spec == NULL)
    g_prefix_error (error, "AUTOSSH_PORT: ");
  return FALSE;
}

/* ssh must be there before anything starts (and before -f forks). */
static gboolean
check_ssh_program (const char *path, GError **error)
{
  g_autofree char *found = g_find_program_in_path (path);

  if (found != NULL)
    return TRUE;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
               _("cannot run ssh program “%s”: not found or not executable (check AUTOSSH_PATH and PATH)"),
               path);
  return FALSE;
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AsdAutosshArgs) args = NULL;
  g_autoptr(AsdAutosshEnv) env = NULL;
  g_auto(GStrv) envp = g_get_environ ();
  g_auto(GStrv) ssh_argv = NULL;
  g_autofree char *pidfile = NULL;
  AsdMonitorSpec monitor;
  gboolean monitor_defaulted;
  Context ctx = { NULL, NULL, EXIT_FAILURE, FALSE };

  asd_program_init ("autossh", G_LOG_DOMAIN);

  args = asd_autossh_args_parse ((const char * const *) argv + 1, &error);
  if (args == NULL)
    return fail (error, TRUE);
  if (args->version)
    {
      g_print ("%s %s (%s)\n", g_get_prgname (), VERSION, PACKAGE_NAME);
      return EXIT_SUCCESS;
    }
  if (args->ssh_args[0] == NULL)
    {
      print_usage ();
      return EXIT_FAILURE;
    }

  env = asd_autossh_env_load ((const char * const *) envp, &error);
  if (env == NULL || !choose_monitor (args, env, &monitor, &monitor_defaulted, &error))
    return fail (error, FALSE);
  if (args->background)
    env->gatetime = 0;
  if (!check_ssh_program (env->path, &error))
    return fail (error, FALSE);

  ssh_argv = asd_ssh_argv_build (env->path, &monitor,
                                 monitor_defaulted &&
                                 !asd_ssh_args_have_server_alive ((const char * const *) args->ssh_args),
                                 (const char * const *) args->ssh_args);
  ctx.autossh = asd_autossh_new ((const char * const *) ssh_argv, &monitor, env,
                                 isatty (STDIN_FILENO) ? ASD_SSH_PROCESS_NONE
                                                       : ASD_SSH_PROCESS_NEW_SESSION);
  if (env->pidfile != NULL)
    pidfile = g_canonicalize_filename (env->pidfile, NULL);
  if (!asd_autossh_prepare (ctx.autossh, &error) ||
      !asd_autossh_log_open (env->logfile, env->loglevel, env->debug, &error) ||
      (args->background && !daemonize (&error)))
    {
      g_object_unref (ctx.autossh);
      return fail (error, FALSE);
    }

  if (pidfile != NULL)
    {
      g_autofree char *contents = g_strdup_printf ("%d\n", (int) getpid ());
      if (!g_file_set_contents (pidfile, contents, -1, &error))
        {
          asd_autossh_log (LOG_ERR, "write failed to pid file \"%s\": %s", pidfile, error->message);
          g_printerr ("%s: %s\n", g_get_prgname (), error->message);
          g_object_unref (ctx.autossh);
          return EXIT_FAILURE;
        }
    }

  ctx.loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGUSR1, on_restart_signal, &ctx);
  g_unix_signal_add (SIGHUP, on_restart_signal, &ctx);
  g_unix_signal_add (SIGUSR2, on_ignored_signal, &ctx);
  g_unix_signal_add (SIGTERM, on_sigterm, &ctx);
  g_unix_signal_add (SIGINT, on_sigint, &ctx);
  g_signal_connect (ctx.autossh, "finished", G_CALLBACK (on_finished), &ctx);

  asd_autossh_run (ctx.autossh);
  if (!ctx.finished)
    g_main_loop_run (ctx.loop);

  if (pidfile != NULL)
    g_unlink (pidfile);
  g_object_unref (ctx.autossh);
  g_main_loop_unref (ctx.loop);
  return ctx.exit_code;
}
