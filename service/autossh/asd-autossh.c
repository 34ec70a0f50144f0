/* asd-autossh.c: the drop-in's supervision loop
 *
 * Starts ssh, watches it (its exit, and the monitor test where one is
 * set), and starts it again by autossh 1.4g's rules (asd-restart-policy):
 * gate time, exit-status table, quick-restart backoff, MAXSTART,
 * MAXLIFETIME.  SIGUSR1/SIGHUP restart ssh now, also during a backoff
 * wait; SIGTERM/SIGINT end it.  Everything is a GLib event: no call
 * blocks, so the loop answers signals at any time.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <syslog.h>

#include "asd-autossh.h"
#include "asd-autossh-log.h"
#include "asd-error.h"
#include "asd-monitor.h"
#include "asd-restart-policy.h"

typedef enum {
  STATE_IDLE,
  STATE_WAITING,      /* backoff before the next start */
  STATE_RUNNING,      /* ssh runs */
  STATE_RESTARTING,   /* ssh was told to stop; start it again after */
  STATE_RESTARTING_NOW, /* the same, skipping the backoff (SIGUSR1) */
  STATE_EXITING,      /* ssh was told to stop; finish after */
  STATE_DONE,
} State;

struct _AsdAutossh
{
  GObject parent_instance;

  char **ssh_argv;
  AsdMonitorSpec monitor_spec;
  AsdSshProcessFlags flags;
  guint gatetime;
  guint poll;
  guint first_poll;
  guint net_timeout;
  gint maxstart;
  guint maxlifetime;
  gboolean poll_capped;
  gboolean first_poll_capped;
  char *message;

  State state;
  gint exit_code;
  AsdMonitor *monitor;
  AsdSshProcess *ssh;
  AsdBackoff backoff;
  guint start_count;
  gint64 ssh_started;
  guint wait_id;
  guint lifetime_id;
};

enum {
  SIGNAL_FINISHED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_TYPE (AsdAutossh, asd_autossh, G_TYPE_OBJECT)

static void start_next (AsdAutossh *self);
static void start_ssh (AsdAutossh *self);

static void
finish (AsdAutossh *self, gint exit_code)
{
  self->state = STATE_DONE;
  g_clear_handle_id (&self->wait_id, g_source_remove);
  g_clear_handle_id (&self->lifetime_id, g_source_remove);
  if (self->monitor != NULL)
    asd_monitor_stop (self->monitor);
  g_signal_emit (self, signals[SIGNAL_FINISHED], 0, exit_code);
}

/* Tells ssh to stop; what follows its exit depends on @next. */
static void
stop_ssh (AsdAutossh *self, State next)
{
  self->state = next;
  if (self->monitor != NULL)
    asd_monitor_stop (self->monitor);
  asd_ssh_process_stop (self->ssh);
}

static void
judge_exit (AsdAutossh *self, gboolean signalled, gint code)
{
  AsdSshExit exit = {
    .signalled = signalled,
    .code = code,
    .start_count = self->start_count,
    .ran_for = (g_get_monotonic_time () - self->ssh_started) / (gdouble) G_USEC_PER_SEC,
  };

  switch (asd_restart_policy_judge (&exit, self->gatetime))
    {
    case ASD_RESTART_AGAIN:
      if (signalled)
        asd_autossh_log (LOG_INFO, "ssh exited on signal %d, restarting ssh", code);
      else
        asd_autossh_log (LOG_ERR, "ssh exited with error status %d; restarting ssh", code);
      start_next (self);
      break;
    case ASD_RESTART_EXIT_OK:
      asd_autossh_log (LOG_INFO, "ssh exited with status %d; autossh exiting", code);
      finish (self, 0);
      break;
    case ASD_RESTART_EXIT_PREMATURE:
      asd_autossh_log (LOG_ERR, "ssh exited prematurely with status %d; autossh exiting", code);
      finish (self, 1);
      break;
    case ASD_RESTART_EXIT_ERROR:
    default:
      asd_autossh_log (LOG_ERR, "ssh exited with status %d; autossh exiting", code);
      finish (self, 1);
      break;
    }
}

static void
on_ssh_exited (AsdSshProcess *ssh, gboolean signalled, gint code, gpointer user_data)
{
  AsdAutossh *self = user_data;

  g_signal_handlers_disconnect_by_data (ssh, self);
  g_clear_object (&self->ssh);
  if (self->monitor != NULL)
    asd_monitor_stop (self->monitor);

  switch (self->state)
    {
    case STATE_RESTARTING:
      start_next (self);
      break;
    case STATE_RESTARTING_NOW:
      start_ssh (self);
      break;
    case STATE_EXITING:
      finish (self, self->exit_code);
      break;
    case STATE_RUNNING:
      judge_exit (self, signalled, code);
      break;
    case STATE_IDLE:
    case STATE_WAITING:
    case STATE_DONE:
    default:
      break;
    }
}

static void
on_monitor_tested (AsdMonitor *monitor, gboolean ok, guint64 latency, gpointer user_data)
{
  AsdAutossh *self = user_data;

  if (self->state != STATE_RUNNING)
    return;
  if (ok)
    {
      asd_autossh_log (LOG_DEBUG, "connection ok (%" G_GUINT64_FORMAT " µs)", latency);
      return;
    }
  asd_autossh_log (LOG_INFO, "port down, restarting ssh");
  stop_ssh (self, STATE_RESTARTING);
}

static void
start_ssh (AsdAutossh *self)
{
  g_autoptr(GError) error = NULL;
  gint64 now = g_get_monotonic_time ();

  self->start_count++;
  if (self->maxstart >= 0)
    asd_autossh_log (LOG_INFO, "starting ssh (count %u of %d)", self->start_count, self->maxstart);
  else
    asd_autossh_log (LOG_INFO, "starting ssh (count %u)", self->start_count);

  self->ssh = asd_ssh_process_new ((const char * const *) self->ssh_argv, self->flags);
  g_signal_connect (self->ssh, "exited", G_CALLBACK (on_ssh_exited), self);
  if (!asd_ssh_process_start (self->ssh, &error))
    {
      asd_autossh_log (LOG_ERR, "failed to execute %s: %s", self->ssh_argv[0], error->message);
      g_clear_object (&self->ssh);
      finish (self, 1);
      return;
    }
  asd_backoff_started (&self->backoff, now);
  self->ssh_started = now;
  self->state = STATE_RUNNING;
  asd_autossh_log (LOG_INFO, "ssh child pid is %d", asd_ssh_process_get_pid (self->ssh));
  if (self->monitor != NULL)
    asd_monitor_start (self->monitor);
}

static gboolean
on_wait_over (gpointer user_data)
{
  AsdAutossh *self = user_data;

  self->wait_id = 0;
  start_ssh (self);
  return G_SOURCE_REMOVE;
}

static void
start_next (AsdAutossh *self)
{
  guint delay;

  if (self->maxstart >= 0 && self->start_count >= (guint) self->maxstart)
    {
      asd_autossh_log (LOG_INFO, "max start count reached; exiting");
      finish (self, 0);
      return;
    }

  delay = asd_backoff_next_delay (&self->backoff, self->poll, g_get_monotonic_time ());
  asd_autossh_log (LOG_DEBUG, "checking for grace period, tries = %u", self->backoff.tries);
  if (delay == 0)
    {
      start_ssh (self);
      return;
    }
  asd_autossh_log (LOG_DEBUG, "sleeping for grace time %u secs", delay);
  self->state = STATE_WAITING;
  self->wait_id = g_timeout_add_seconds (delay, on_wait_over, self);
}

/* Ends the loop with @exit_code, stopping ssh first if it runs. */
static void
terminate (AsdAutossh *self, gint exit_code)
{
  g_clear_handle_id (&self->lifetime_id, g_source_remove);
  g_clear_handle_id (&self->wait_id, g_source_remove);

  switch (self->state)
    {
    case STATE_RUNNING:
    case STATE_RESTARTING:
    case STATE_RESTARTING_NOW:
      self->exit_code = exit_code;
      stop_ssh (self, STATE_EXITING);
      break;
    case STATE_IDLE:
    case STATE_WAITING:
      finish (self, exit_code);
      break;
    case STATE_EXITING:
    case STATE_DONE:
    default:
      break;
    }
}

static gboolean
on_lifetime_over (gpointer user_data)
{
  AsdAutossh *self = user_data;

  self->lifetime_id = 0;
  asd_autossh_log (LOG_INFO, "exceeded maximum time to live, shutting down");
  terminate (self, 0);
  return G_SOURCE_REMOVE;
}

static void
asd_autossh_dispose (GObject *object)
{
  AsdAutossh *self = ASD_AUTOSSH (object);

  g_clear_handle_id (&self->wait_id, g_source_remove);
  g_clear_handle_id (&self->lifetime_id, g_source_remove);
  if (self->ssh != NULL)
    g_signal_handlers_disconnect_by_data (self->ssh, self);
  g_clear_object (&self->ssh);
  if (self->monitor != NULL)
    g_signal_handlers_disconnect_by_data (self->monitor, self);
  g_clear_object (&self->monitor);

  G_OBJECT_CLASS (asd_autossh_parent_class)->dispose (object);
}

static void
asd_autossh_finalize (GObject *object)
{
  AsdAutossh *self = ASD_AUTOSSH (object);

  g_strfreev (self->ssh_argv);
  g_free (self->message);

  G_OBJECT_CLASS (asd_autossh_parent_class)->finalize (object);
}

static void
asd_autossh_class_init (AsdAutosshClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = asd_autossh_dispose;
  object_class->finalize = asd_autossh_finalize;

  /**
   * AsdAutossh::finished:
   * @exit_code: autossh's exit status
   *
   * The loop is over: ssh is not running and will not be started again.
   */
  signals[SIGNAL_FINISHED] =
    g_signal_new ("finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT);
}

static void
asd_autossh_init (AsdAutossh *self)
{
  self->backoff = (AsdBackoff) ASD_BACKOFF_INIT;
}

/**
 * asd_autossh_new:
 * @ssh_argv: ssh's full argv (asd_ssh_argv_build())
 * @monitor: the monitor ports; port 0 for none
 * @env: the AUTOSSH_* settings
 * @flags: how to run ssh
 *
 * MAXLIFETIME caps POLL and FIRST_POLL, as in autossh 1.4g.
 *
 * Returns: (transfer full): the loop, not running yet
 */
AsdAutossh *
asd_autossh_new (const char * const   *ssh_argv,
                 const AsdMonitorSpec *monitor,
                 const AsdAutosshEnv  *env,
                 AsdSshProcessFlags    flags)
{
  AsdAutossh *self = g_object_new (ASD_TYPE_AUTOSSH, NULL);

  self->ssh_argv = g_strdupv ((char **) ssh_argv);
  self->monitor_spec = *monitor;
  self->flags = flags;
  self->gatetime = env->gatetime;
  self->poll = env->poll;
  self->first_poll = env->first_poll;
  self->maxstart = env->maxstart;
  self->maxlifetime = env->maxlifetime;
  self->message = g_strdup (env->message);
  if (self->maxlifetime > 0 && self->poll > self->maxlifetime)
    {
      self->poll = self->maxlifetime;
      self->poll_capped = TRUE;
    }
  if (self->maxlifetime > 0 && self->first_poll > self->maxlifetime)
    {
      self->first_poll = self->maxlifetime;
      self->first_poll_capped = TRUE;
    }
  self->net_timeout = asd_monitor_net_timeout (self->poll);
  return self;
}

/**
 * asd_autossh_prepare:
 * @self: the loop
 * @error: return location for an error (the monitor port is taken)
 *
 * Sets up the monitor; in loop mode this binds 127.0.0.1:N+1.  Call it
 * before forking into the background, so that a failure is seen.
 */
gboolean
asd_autossh_prepare (AsdAutossh *self, GError **error)
{
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (ASD_IS_AUTOSSH (self), FALSE);

  if (self->monitor_spec.port == 0 || self->monitor != NULL)
    return TRUE;
  self->monitor = asd_monitor_new (&self->monitor_spec, self->message);
  if (!asd_monitor_listen (self->monitor, &local_error))
    {
      g_set_error (error, ASD_ERROR, ASD_ERROR_FAILED, "bind on 127.0.0.1:%u: %s",
                   self->monitor_spec.port + 1, local_error->message);
      g_clear_object (&self->monitor);
      return FALSE;
    }
  asd_monitor_set_timing (self->monitor, self->first_poll, self->poll, self->net_timeout);
  g_signal_connect (self->monitor, "tested", G_CALLBACK (on_monitor_tested), self);
  return TRUE;
}

/**
 * asd_autossh_run:
 * @self: the prepared loop
 *
 * Starts ssh; #AsdAutossh::finished says when it is all over.
 */
void
asd_autossh_run (AsdAutossh *self)
{
  g_return_if_fail (ASD_IS_AUTOSSH (self));
  g_return_if_fail (self->state == STATE_IDLE);

  if (self->poll_capped)
    asd_autossh_log (LOG_INFO, "poll time is greater than lifetime, dropping poll time to %u", self->poll);
  if (self->first_poll_capped)
    asd_autossh_log (LOG_INFO, "first poll time is greater than lifetime, dropping first poll time to %u", self->first_poll);
  if (self->monitor_spec.port == 0)
    asd_autossh_log (LOG_INFO, "port set to 0, monitoring disabled");
  if (self->poll / 2 < 15)
    asd_autossh_log (LOG_DEBUG, "short poll time: adjusting net timeouts to %u", self->net_timeout);
  if (self->maxlifetime > 0)
    self->lifetime_id = g_timeout_add_seconds (self->maxlifetime, on_lifetime_over, self);
  start_next (self);
}

/**
 * asd_autossh_restart:
 * @self: the loop
 *
 * Kills ssh and starts it again at once, without a backoff wait (SIGUSR1,
 * SIGHUP); during a backoff wait, ends the wait.
 */
void
asd_autossh_restart (AsdAutossh *self)
{
  g_return_if_fail (ASD_IS_AUTOSSH (self));

  asd_autossh_log (LOG_INFO, "signalled to kill and restart ssh");
  if (self->state == STATE_WAITING)
    {
      g_clear_handle_id (&self->wait_id, g_source_remove);
      start_ssh (self);
    }
  else if (self->state == STATE_RUNNING || self->state == STATE_RESTARTING)
    stop_ssh (self, STATE_RESTARTING_NOW);
}

/**
 * asd_autossh_shutdown:
 * @self: the loop
 * @signum: the signal that asks for it (SIGTERM, SIGINT)
 *
 * Stops ssh and finishes with exit status 1, as autossh 1.4g does.
 */
void
asd_autossh_shutdown (AsdAutossh *self, gint signum)
{
  g_return_if_fail (ASD_IS_AUTOSSH (self));

  asd_autossh_log (LOG_INFO, "received signal to exit (%d)", signum);
  terminate (self, 1);
}
