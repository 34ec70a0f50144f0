/* asd-ssh-process.c: one run of ssh, supervised
 *
 * ssh is spawned with GSubprocess; it dies with its supervisor
 * (PR_SET_PDEATHSIG), its end is an event (g_subprocess_wait_async), and
 * stopping it is SIGTERM, then SIGKILL if it has not gone after a grace
 * period.  Nothing here blocks.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>

#include "asd-line-splitter.h"
#include "asd-log.h"
#include "asd-ssh-process.h"

/* How long stderr may stay open once ssh has exited. */
#define STDERR_AFTER_EXIT_S 1

struct _AsdSshProcess
{
  GObject parent_instance;

  char *tunnel;                  /* for the log's TUNNEL field, or NULL */

  char **argv;
  char **env;                    /* variables set for ssh, NAME=VALUE */
  AsdSshProcessFlags flags;
  GSubprocess *subprocess;
  GCancellable *cancellable;
  guint kill_id;
  gint pid;
  gboolean running;
  GInputStream *stderr_pipe;
  AsdLineSplitter *stderr_lines;
  char stderr_buffer[4096];
  gboolean stderr_open;
  gboolean exit_pending;
  guint stderr_wait_id;          /* after the exit, how long stderr may stay open */
  gboolean exit_signalled;
  gint exit_code;
};

enum {
  SIGNAL_EXITED,
  SIGNAL_STDERR_LINE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_TYPE (AsdSshProcess, asd_ssh_process, G_TYPE_OBJECT)

typedef struct {
  pid_t supervisor;
  gboolean new_session;
} ChildSetup;

/* Runs in the child between fork and exec: async-signal-safe calls only. */
static void
child_setup (gpointer user_data)
{
  const ChildSetup *setup = user_data;

  if (setup->new_session)
    setsid ();
  prctl (PR_SET_PDEATHSIG, SIGTERM);
  /* The supervisor may have died before prctl() took effect. */
  if (getppid () != setup->supervisor)
    _exit (255);
}

static void
asd_ssh_process_dispose (GObject *object)
{
  AsdSshProcess *self = ASD_SSH_PROCESS (object);

  /* A supervisor dropping a live ssh still ends it. */
  if (self->running && self->subprocess != NULL)
    g_subprocess_force_exit (self->subprocess);
  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->kill_id, g_source_remove);
  g_clear_handle_id (&self->stderr_wait_id, g_source_remove);
  g_clear_object (&self->stderr_pipe);
  g_clear_object (&self->subprocess);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (asd_ssh_process_parent_class)->dispose (object);
}

static void
asd_ssh_process_finalize (GObject *object)
{
  AsdSshProcess *self = ASD_SSH_PROCESS (object);

  g_clear_pointer (&self->stderr_lines, asd_line_splitter_free);
  g_free (self->tunnel);
  g_strfreev (self->argv);
  g_strfreev (self->env);

  G_OBJECT_CLASS (asd_ssh_process_parent_class)->finalize (object);
}

static void
asd_ssh_process_class_init (AsdSshProcessClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = asd_ssh_process_dispose;
  object_class->finalize = asd_ssh_process_finalize;

  /**
   * AsdSshProcess::exited:
   * @signalled: ssh was killed by a signal
   * @code: the signal number, or the exit status
   *
   * ssh has ended; emitted once per start.
   */
  signals[SIGNAL_EXITED] =
    g_signal_new ("exited", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_BOOLEAN, G_TYPE_INT);

  /**
   * AsdSshProcess::stderr-line:
   * @line: one line ssh wrote to stderr, without its newline
   *
   * Only with %ASD_SSH_PROCESS_READ_STDERR.
   */
  signals[SIGNAL_STDERR_LINE] =
    g_signal_new ("stderr-line", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
asd_ssh_process_init (AsdSshProcess *self)
{
  self->cancellable = g_cancellable_new ();
}

/**
 * asd_ssh_process_new:
 * @argv: ssh's argv; argv[0] is a path or a name looked up in PATH
 * @flags: how to run it
 *
 * Returns: (transfer full): a process that is not started yet
 */
AsdSshProcess *
asd_ssh_process_new (const char * const *argv, AsdSshProcessFlags flags)
{
  AsdSshProcess *self = g_object_new (ASD_TYPE_SSH_PROCESS, NULL);

  self->argv = g_strdupv ((char **) argv);
  self->flags = flags;
  return self;
}

/* "exited" waits for both the exit and the end of stderr, so that every
 * line is seen before the exit is acted on. */
static void
emit_exited_when_done (AsdSshProcess *self)
{
  if (!self->exit_pending || self->stderr_open)
    return;
  self->exit_pending = FALSE;
  g_clear_handle_id (&self->stderr_wait_id, g_source_remove);
  g_signal_emit (self, signals[SIGNAL_EXITED], 0, self->exit_signalled, self->exit_code);
}

/* A child of ssh (its askpass helper, a ProxyCommand) may keep stderr
 * open after ssh is gone: the exit counts all the same. */
static gboolean
on_stderr_wait_over (gpointer user_data)
{
  AsdSshProcess *self = user_data;

  self->stderr_wait_id = 0;
  self->stderr_open = FALSE;
  emit_exited_when_done (self);
  return G_SOURCE_REMOVE;
}

static void
on_wait_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GSubprocess *subprocess = G_SUBPROCESS (source);
  AsdSshProcess *self = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_subprocess_wait_finish (subprocess, result, &error))
    return;   /* cancelled: @self is being disposed */

  self->running = FALSE;
  g_clear_handle_id (&self->kill_id, g_source_remove);
  self->exit_signalled = g_subprocess_get_if_signaled (subprocess);
  self->exit_code = self->exit_signalled ? g_subprocess_get_term_sig (subprocess)
                                         : g_subprocess_get_exit_status (subprocess);
  self->exit_pending = TRUE;
  asd_log_tunnel (self->tunnel, G_LOG_LEVEL_DEBUG, "ssh %d ended (%s %d)", self->pid,
           self->exit_signalled ? "signal" : "status", self->exit_code);
  if (self->stderr_open)
    self->stderr_wait_id = g_timeout_add_seconds (STDERR_AFTER_EXIT_S, on_stderr_wait_over, self);
  emit_exited_when_done (self);
}

static void read_stderr (AsdSshProcess *self);

static gboolean
disposed (AsdSshProcess *self)
{
  return self->cancellable == NULL || g_cancellable_is_cancelled (self->cancellable);
}

static void
emit_stderr_line (const char *line, gpointer user_data)
{
  AsdSshProcess *self = user_data;
  g_autofree char *chomped = g_strchomp (g_strdup (line));

  /* a handler of an earlier line may have dropped the process */
  if (!disposed (self))
    g_signal_emit (self, signals[SIGNAL_STDERR_LINE], 0, chomped);
}

/* stderr is read in bounded pieces and cut into bounded lines: the
 * server's banner arrives there too, and it can be anything. */
static void
on_stderr_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  AsdSshProcess *self = user_data;
  g_autoptr(GError) error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);

  g_autoptr(AsdSshProcess) hold = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;   /* @self is being disposed */
  hold = g_object_ref (self);   /* line handlers may drop it */
  if (n <= 0)
    {
      /* End of stderr, or a read error: the same for us. */
      asd_line_splitter_finish (self->stderr_lines);
      self->stderr_open = FALSE;
      if (!disposed (self))
        emit_exited_when_done (self);
      return;
    }
  asd_line_splitter_feed (self->stderr_lines, self->stderr_buffer, n);
  if (!disposed (self))
    read_stderr (self);
}

static void
read_stderr (AsdSshProcess *self)
{
  g_input_stream_read_async (self->stderr_pipe, self->stderr_buffer, sizeof self->stderr_buffer,
                             G_PRIORITY_DEFAULT, self->cancellable, on_stderr_read, self);
}

/**
 * asd_ssh_process_start:
 * @self: a process not started yet
 * @error: return location for an error (ssh could not be executed)
 *
 * Starts ssh; #AsdSshProcess::exited tells when it ends.
 */
gboolean
asd_ssh_process_start (AsdSshProcess *self, GError **error)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  ChildSetup *setup;
  const char *identifier;

  g_return_val_if_fail (ASD_IS_SSH_PROCESS (self), FALSE);
  g_return_val_if_fail (self->subprocess == NULL, FALSE);

  launcher = g_subprocess_launcher_new ((self->flags & ASD_SSH_PROCESS_READ_STDERR)
                                       ? G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_PIPE
                                       : G_SUBPROCESS_FLAGS_STDIN_INHERIT);
  setup = g_new0 (ChildSetup, 1);
  setup->supervisor = getpid ();
  setup->new_session = (self->flags & ASD_SSH_PROCESS_NEW_SESSION) != 0;
  g_subprocess_launcher_set_child_setup (launcher, child_setup, setup, g_free);
  for (guint i = 0; self->env != NULL && self->env[i] != NULL; i++)
    {
      const char *equals = strchr (self->env[i], '=');
      g_autofree char *name = g_strndup (self->env[i], equals - self->env[i]);

      g_subprocess_launcher_setenv (launcher, name, equals + 1, TRUE);
    }

  self->subprocess = g_subprocess_launcher_spawnv (launcher,
                                                   (const char * const *) self->argv,
                                                   error);
  if (self->subprocess == NULL)
    return FALSE;

  identifier = g_subprocess_get_identifier (self->subprocess);
  self->pid = identifier != NULL ? atoi (identifier) : 0;
  self->running = TRUE;
  if (self->flags & ASD_SSH_PROCESS_READ_STDERR)
    {
      self->stderr_pipe = g_object_ref (g_subprocess_get_stderr_pipe (self->subprocess));
      self->stderr_lines = asd_line_splitter_new (ASD_LINE_MAX, emit_stderr_line, self);
      self->stderr_open = TRUE;
      read_stderr (self);
    }
  g_subprocess_wait_async (self->subprocess, self->cancellable,
                           on_wait_done, self);
  return TRUE;
}

/**
 * asd_ssh_process_setenv:
 * @self: a process not started yet
 * @name: a variable's name
 * @value: its value
 *
 * Sets a variable in ssh's environment (the rest is inherited).
 */
void
asd_ssh_process_setenv (AsdSshProcess *self, const char *name, const char *value)
{
  g_return_if_fail (ASD_IS_SSH_PROCESS (self));

  self->env = g_environ_setenv (self->env, name, value, TRUE);
}

static gboolean
on_grace_expired (gpointer user_data)
{
  AsdSshProcess *self = user_data;

  self->kill_id = 0;
  asd_log_tunnel (self->tunnel, G_LOG_LEVEL_DEBUG, "ssh %d still running %d s after SIGTERM: SIGKILL",
           self->pid, ASD_SSH_PROCESS_STOP_GRACE_S);
  g_subprocess_force_exit (self->subprocess);
  return G_SOURCE_REMOVE;
}

/**
 * asd_ssh_process_stop:
 * @self: a process
 *
 * Sends SIGTERM, and SIGKILL if ssh is still there after
 * %ASD_SSH_PROCESS_STOP_GRACE_S seconds.  #AsdSshProcess::exited follows.
 */
void
asd_ssh_process_stop (AsdSshProcess *self)
{
  g_return_if_fail (ASD_IS_SSH_PROCESS (self));

  if (!self->running || self->kill_id != 0)
    return;
  g_subprocess_send_signal (self->subprocess, SIGTERM);
  self->kill_id = g_timeout_add_seconds (ASD_SSH_PROCESS_STOP_GRACE_S,
                                         on_grace_expired, self);
}

gint
asd_ssh_process_get_pid (AsdSshProcess *self)
{
  g_return_val_if_fail (ASD_IS_SSH_PROCESS (self), 0);
  return self->pid;
}

gboolean
asd_ssh_process_is_running (AsdSshProcess *self)
{
  g_return_val_if_fail (ASD_IS_SSH_PROCESS (self), FALSE);
  return self->running;
}

/**
 * asd_ssh_process_set_tunnel_name:
 * @self: a AsdSshProcess
 * @tunnel: (nullable): the tunnel it works for, named in its log lines
 */
void
asd_ssh_process_set_tunnel_name (AsdSshProcess *self, const char *tunnel)
{
  g_return_if_fail (ASD_IS_SSH_PROCESS (self));

  g_free (self->tunnel);
  self->tunnel = g_strdup (tunnel);
}
