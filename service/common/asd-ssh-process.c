/* asd-ssh-process.c: one run of ssh, supervised
 *
 * ssh is spawned with GSubprocess; it dies with its supervisor
 * (PR_SET_PDEATHSIG), its end is an event (g_subprocess_wait_async), and
 * stopping it is SIGTERM, then SIGKILL if it has not gone after a grace
 * period.  Nothing here blocks.
 *
 * Two channels may be read, line by line: ssh's stderr, and its own log,
 * which ssh writes to a FIFO (-E, see asd-log-fifo.c) when a log
 * directory is set.  Only the log is ssh's own words: stderr also carries
 * the server's banner and whatever ssh's children write.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <glib/gstdio.h>

#include "asd-control-socket.h"
#include "asd-line-splitter.h"
#include "asd-log.h"
#include "asd-log-fifo.h"
#include "asd-ssh-process.h"

/* How long the channels may stay open once ssh has exited. */
#define CHANNELS_AFTER_EXIT_S 1
/* How many stderr lines are kept while ssh's log is silent. */
#define EARLY_STDERR_MAX 16

/* ssh's stderr, or its own log: read in bounded pieces (the banner can be
 * anything), cut into bounded lines, each handed on as one signal. */
typedef struct {
  AsdSshProcess *owner;
  guint signal;                  /* SIGNAL_STDERR_LINE or SIGNAL_LOG_LINE */
  GInputStream *stream;
  AsdLineSplitter *lines;
  char buffer[4096];
  gboolean open;                 /* lines may still come */
  gboolean heard;                /* some bytes have come */
} Channel;

struct _AsdSshProcess
{
  GObject parent_instance;

  char *tunnel;                  /* for the log's TUNNEL field, or NULL */

  char **argv;
  char **env;                    /* variables set for ssh, NAME=VALUE */
  char *log_dir;                 /* where ssh's log FIFO is made, or NULL */
  char *control_path;            /* ssh's control socket (it is master), or NULL */
  AsdSshProcessFlags flags;
  GSubprocess *subprocess;
  GCancellable *cancellable;
  guint kill_id;
  gint pid;
  gboolean running;
  Channel stderr_channel;
  Channel log_channel;
  AsdLogFifo *log_fifo;
  GPtrArray *early_stderr;       /* stderr lines while ssh's log is silent */
  gboolean exit_pending;
  guint channels_wait_id;        /* after the exit, how long the channels may stay open */
  gboolean exit_signalled;
  gint exit_code;
};

enum {
  SIGNAL_EXITED,
  SIGNAL_STDERR_LINE,
  SIGNAL_LOG_LINE,
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

/* In a session of its own, ssh leads a process group, and its children (a
 * ProxyCommand and whatever that starts) are in it: the group gets the
 * signal, or they would outlive the tunnel.  Otherwise (the drop-in) ssh
 * shares the terminal's group and only ssh is signalled.
 *
 * Only while GSubprocess has not seen ssh's end: until ssh is reaped its
 * pid, and so the group's id, can be nobody else's.  (GLib reaps in its
 * worker thread a moment before it says so; in that moment the group id
 * is still taken as long as a member of the group lives, and a recycled
 * pid would have to have made itself a group leader, too.) */
static void
send_signal (AsdSshProcess *self, int signum)
{
  if (!self->running || self->pid <= 0 ||   /* kill (0, ...) would be our own group */
      g_subprocess_get_identifier (self->subprocess) == NULL)
    return;
  if (self->flags & ASD_SSH_PROCESS_NEW_SESSION)
    kill (-self->pid, signum);
  else
    g_subprocess_send_signal (self->subprocess, signum);
}

static void
channel_clear (Channel *channel)
{
  g_clear_object (&channel->stream);
  g_clear_pointer (&channel->lines, asd_line_splitter_free);
}

static void
asd_ssh_process_dispose (GObject *object)
{
  AsdSshProcess *self = ASD_SSH_PROCESS (object);

  /* A supervisor dropping a live ssh still ends it. */
  if (self->subprocess != NULL)
    send_signal (self, SIGKILL);
  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->kill_id, g_source_remove);
  g_clear_handle_id (&self->channels_wait_id, g_source_remove);
  g_clear_object (&self->stderr_channel.stream);
  g_clear_object (&self->log_channel.stream);
  g_clear_pointer (&self->log_fifo, asd_log_fifo_free);
  g_clear_object (&self->subprocess);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (asd_ssh_process_parent_class)->dispose (object);
}

static void
asd_ssh_process_finalize (GObject *object)
{
  AsdSshProcess *self = ASD_SSH_PROCESS (object);

  channel_clear (&self->stderr_channel);
  channel_clear (&self->log_channel);
  g_clear_pointer (&self->early_stderr, g_ptr_array_unref);
  g_free (self->tunnel);
  g_free (self->log_dir);
  g_free (self->control_path);
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
   * ssh has ended; emitted once per start, after the last line.
   */
  signals[SIGNAL_EXITED] =
    g_signal_new ("exited", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_BOOLEAN, G_TYPE_INT);

  /**
   * AsdSshProcess::stderr-line:
   * @line: one line ssh wrote to stderr, without its newline
   *
   * Only with %ASD_SSH_PROCESS_READ_STDERR.  With a log directory, this is
   * not ssh's own log: it holds the server's banner, which can say
   * anything; show it, never act on it.
   */
  signals[SIGNAL_STDERR_LINE] =
    g_signal_new ("stderr-line", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  /**
   * AsdSshProcess::log-line:
   * @line: one line of ssh's own log, without its newline
   *
   * Only with a log directory, see asd_ssh_process_set_log_dir().
   */
  signals[SIGNAL_LOG_LINE] =
    g_signal_new ("log-line", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
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

static gboolean
disposed (AsdSshProcess *self)
{
  return self->cancellable == NULL || g_cancellable_is_cancelled (self->cancellable);
}

/* Before ssh opens its log (-E), it writes its errors with the command
 * line ("Bad port 'x'", "command-line: line 0: Bad configuration option")
 * to stderr.  It opens the log long before it connects, and at once writes
 * to it (LogLevel=DEBUG1): if ssh ended and its log never said a word, it
 * never reached a server, and its stderr was its own.  Those lines are
 * handed on as ssh's log, before "exited". */
static void
emit_early_stderr (AsdSshProcess *self)
{
  g_autoptr(GPtrArray) early = g_steal_pointer (&self->early_stderr);

  if (self->log_fifo == NULL || self->log_channel.heard || early == NULL)
    return;
  for (guint i = 0; i < early->len && !disposed (self); i++)
    g_signal_emit (self, signals[SIGNAL_LOG_LINE], 0, g_ptr_array_index (early, i));
}

/* "exited" waits for both the exit and the end of both channels, so that
 * every line is seen before the exit is acted on. */
static void
emit_exited_when_done (AsdSshProcess *self)
{
  g_autoptr(AsdSshProcess) hold = NULL;

  if (!self->exit_pending || self->stderr_channel.open || self->log_channel.open)
    return;
  self->exit_pending = FALSE;
  g_clear_handle_id (&self->channels_wait_id, g_source_remove);
  if (self->log_fifo != NULL)
    asd_log_fifo_unlink (self->log_fifo);
  /* ssh removes it when it exits cleanly, not when it is killed */
  if (self->control_path != NULL)
    g_unlink (self->control_path);
  hold = g_object_ref (self);   /* line handlers may drop it */
  emit_early_stderr (self);
  if (!disposed (self))
    g_signal_emit (self, signals[SIGNAL_EXITED], 0, self->exit_signalled, self->exit_code);
}

/* A child of ssh (its askpass helper, a ProxyCommand) may keep stderr or
 * the log open after ssh is gone: the exit counts all the same, and what
 * they write later is not heard. */
static gboolean
on_channels_wait_over (gpointer user_data)
{
  AsdSshProcess *self = user_data;

  self->channels_wait_id = 0;
  self->stderr_channel.open = FALSE;
  self->log_channel.open = FALSE;
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
  /* ssh will write no more: its log ends when its copies are closed */
  if (self->log_fifo != NULL)
    asd_log_fifo_close_writer (self->log_fifo);
  if (self->stderr_channel.open || self->log_channel.open)
    self->channels_wait_id = g_timeout_add_seconds (CHANNELS_AFTER_EXIT_S,
                                                    on_channels_wait_over, self);
  emit_exited_when_done (self);
}

static void
emit_line (const char *line, gpointer user_data)
{
  Channel *channel = user_data;
  AsdSshProcess *self = channel->owner;
  g_autofree char *chomped = g_strchomp (g_strdup (line));

  /* a handler of an earlier line may have dropped the process */
  if (disposed (self) || !channel->open)
    return;
  if (channel == &self->stderr_channel && self->early_stderr != NULL &&
      self->early_stderr->len < EARLY_STDERR_MAX)
    g_ptr_array_add (self->early_stderr, g_strdup (chomped));
  g_signal_emit (self, signals[channel->signal], 0, chomped);
}

/* The first bytes of the log: ssh has opened the FIFO, its name can go,
 * and stderr is no longer ssh's alone. */
static void
on_log_heard (AsdSshProcess *self)
{
  asd_log_fifo_unlink (self->log_fifo);
  g_clear_pointer (&self->early_stderr, g_ptr_array_unref);
}

static void read_channel (Channel *channel);

static void
on_channel_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Channel *channel = user_data;
  g_autoptr(GError) error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);

  g_autoptr(AsdSshProcess) hold = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;   /* the process is being disposed */
  hold = g_object_ref (channel->owner);   /* line handlers may drop it */
  if (n <= 0)
    {
      /* The end, or a read error: the same for us. */
      asd_line_splitter_finish (channel->lines);
      channel->open = FALSE;
      if (!disposed (hold))
        emit_exited_when_done (hold);
      return;
    }
  if (!channel->heard && channel == &hold->log_channel)
    on_log_heard (hold);
  channel->heard = TRUE;
  asd_line_splitter_feed (channel->lines, channel->buffer, n);
  if (!disposed (hold))
    read_channel (channel);
}

static void
read_channel (Channel *channel)
{
  g_input_stream_read_async (channel->stream, channel->buffer, sizeof channel->buffer,
                             G_PRIORITY_DEFAULT, channel->owner->cancellable,
                             on_channel_read, channel);
}

static void
open_channel (AsdSshProcess *self, Channel *channel, guint signal, GInputStream *stream)
{
  channel->owner = self;
  channel->signal = signal;
  channel->stream = g_object_ref (stream);
  channel->lines = asd_line_splitter_new (ASD_LINE_MAX, emit_line, channel);
  channel->open = TRUE;
  read_channel (channel);
}

/* ssh's argv with "-E FIFO" and the control master's options right after
 * the program: -E takes the last value given, and the tunnel's own
 * arguments never hold -E (the settings refuse it, and ssh_config has no
 * keyword for it); of -o options ssh takes the first, so ours win. */
static char **
argv_with_ours (AsdSshProcess *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_strv_builder_add (builder, self->argv[0]);
  if (self->log_fifo != NULL)
    g_strv_builder_addv (builder, (const char *[]) { "-E", asd_log_fifo_get_path (self->log_fifo), NULL });
  if (self->control_path != NULL)
    {
      g_auto(GStrv) control = asd_control_socket_ssh_options (self->control_path);

      g_strv_builder_addv (builder, (const char **) control);
    }
  g_strv_builder_addv (builder, (const char **) self->argv + 1);
  return g_strv_builder_end (builder);
}

static GSubprocessLauncher *
new_launcher (AsdSshProcess *self)
{
  GSubprocessLauncher *launcher;
  ChildSetup *setup;

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
  return launcher;
}

/**
 * asd_ssh_process_start:
 * @self: a process not started yet
 * @error: return location for an error (ssh could not be executed, or
 *   its log FIFO could not be made)
 *
 * Starts ssh; #AsdSshProcess::exited tells when it ends.
 */
/* File descriptors one start takes at its busiest: the log FIFO's two
 * ends, ssh's stdin and stderr pipe, GSubprocess's own pipe, and the
 * one GUnixInputStream opens for a moment per stream it makes. */
#define FDS_NEEDED 12

/* Whether FDS_NEEDED descriptors can be opened now.  GLib aborts when a
 * GUnixInputStream cannot get its one (g_error, "epoll_create1 () failed"):
 * a start with too few is refused here instead, EMFILE, for a retry. */
static gboolean
have_fds (GError **error)
{
  int fds[FDS_NEEDED];
  int n, saved_errno = 0;

  for (n = 0; n < FDS_NEEDED; n++)
    if ((fds[n] = open ("/dev/null", O_RDONLY | O_CLOEXEC)) < 0)
      {
        saved_errno = errno;
        break;
      }
  for (int i = 0; i < n; i++)
    close (fds[i]);
  if (n == FDS_NEEDED)
    return TRUE;
  g_set_error_literal (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                       g_strerror (saved_errno));
  return FALSE;
}

gboolean
asd_ssh_process_start (AsdSshProcess *self, GError **error)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_auto(GStrv) argv = NULL;
  const char *identifier;

  g_return_val_if_fail (ASD_IS_SSH_PROCESS (self), FALSE);
  g_return_val_if_fail (self->subprocess == NULL, FALSE);

  if (!have_fds (error))
    return FALSE;
  if (self->log_dir != NULL)
    {
      self->log_fifo = asd_log_fifo_new (self->log_dir, self->tunnel != NULL ? self->tunnel : "ssh",
                                         error);
      if (self->log_fifo == NULL)
        return FALSE;
    }
  if (self->log_fifo != NULL || self->control_path != NULL)
    argv = argv_with_ours (self);
  launcher = new_launcher (self);
  self->subprocess = g_subprocess_launcher_spawnv (launcher,
                                                   (const char * const *) (argv != NULL ? argv : self->argv),
                                                   error);
  if (self->subprocess == NULL)
    {
      g_clear_pointer (&self->log_fifo, asd_log_fifo_free);
      return FALSE;
    }

  identifier = g_subprocess_get_identifier (self->subprocess);
  self->pid = identifier != NULL ? atoi (identifier) : 0;
  self->running = TRUE;
  if (self->flags & ASD_SSH_PROCESS_READ_STDERR)
    open_channel (self, &self->stderr_channel, SIGNAL_STDERR_LINE,
                  g_subprocess_get_stderr_pipe (self->subprocess));
  if (self->log_fifo != NULL)
    {
      self->early_stderr = g_ptr_array_new_with_free_func (g_free);
      open_channel (self, &self->log_channel, SIGNAL_LOG_LINE,
                    asd_log_fifo_get_stream (self->log_fifo));
    }
  g_subprocess_wait_async (self->subprocess, self->cancellable,
                           on_wait_done, self);
  return TRUE;
}

/**
 * asd_ssh_process_error_is_lasting:
 * @error: from asd_ssh_process_start()
 *
 * Whether ssh cannot be run until someone changes something: the program
 * is missing, not executable, not a program, or its arguments are not
 * acceptable.  Anything else is the system short of something for now
 * (file descriptors: EMFILE, ENFILE, which GLib may report only as a
 * failed pipe; memory or processes: ENOMEM, EAGAIN), and trying again
 * later may work.
 *
 * Returns: %TRUE when trying again without a change is pointless
 */
gboolean
asd_ssh_process_error_is_lasting (const GError *error)
{
  static const GSpawnError lasting[] = {
    G_SPAWN_ERROR_CHDIR, G_SPAWN_ERROR_ACCES, G_SPAWN_ERROR_PERM,
    G_SPAWN_ERROR_TOO_BIG, G_SPAWN_ERROR_NOEXEC, G_SPAWN_ERROR_NAMETOOLONG,
    G_SPAWN_ERROR_NOENT, G_SPAWN_ERROR_NOTDIR, G_SPAWN_ERROR_LOOP,
    G_SPAWN_ERROR_INVAL, G_SPAWN_ERROR_ISDIR, G_SPAWN_ERROR_LIBBAD,
  };

  if (error->domain != G_SPAWN_ERROR)
    return FALSE;
  for (gsize i = 0; i < G_N_ELEMENTS (lasting); i++)
    if (error->code == (gint) lasting[i])
      return TRUE;
  return FALSE;
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

/**
 * asd_ssh_process_set_log_dir:
 * @self: a process not started yet, with %ASD_SSH_PROCESS_READ_STDERR
 * @dir: a private directory (0700, ours)
 *
 * ssh writes its own log (-E) to a FIFO made in @dir for this start, and
 * each line of it is an #AsdSshProcess::log-line signal; stderr then holds
 * only what others write (the server's banner).  The FIFO's name is gone
 * once ssh has opened it, and at the end of the run at the latest.
 */
void
asd_ssh_process_set_log_dir (AsdSshProcess *self, const char *dir)
{
  g_return_if_fail (ASD_IS_SSH_PROCESS (self));
  g_return_if_fail (self->flags & ASD_SSH_PROCESS_READ_STDERR);

  g_free (self->log_dir);
  self->log_dir = g_strdup (dir);
}

/**
 * asd_ssh_process_set_control_path:
 * @self: a process not started yet
 * @path: (nullable): from asd_control_socket_new_path(), or %NULL for none
 *
 * ssh becomes the control master of @path (asd-control-socket.c); the
 * socket is removed when ssh has ended, even when it was killed.
 */
void
asd_ssh_process_set_control_path (AsdSshProcess *self, const char *path)
{
  g_return_if_fail (ASD_IS_SSH_PROCESS (self));
  g_return_if_fail (self->subprocess == NULL);

  g_free (self->control_path);
  self->control_path = g_strdup (path);
}

const char *
asd_ssh_process_get_control_path (AsdSshProcess *self)
{
  g_return_val_if_fail (ASD_IS_SSH_PROCESS (self), NULL);
  return self->control_path;
}

static gboolean
on_grace_expired (gpointer user_data)
{
  AsdSshProcess *self = user_data;

  self->kill_id = 0;
  asd_log_tunnel (self->tunnel, G_LOG_LEVEL_DEBUG, "ssh %d still running %d s after SIGTERM: SIGKILL",
           self->pid, ASD_SSH_PROCESS_STOP_GRACE_S);
  send_signal (self, SIGKILL);
  return G_SOURCE_REMOVE;
}

/**
 * asd_ssh_process_stop:
 * @self: a process
 *
 * Sends SIGTERM, and SIGKILL if ssh is still there after
 * %ASD_SSH_PROCESS_STOP_GRACE_S seconds; with
 * %ASD_SSH_PROCESS_NEW_SESSION, to ssh's whole process group (its
 * ProxyCommand too).  #AsdSshProcess::exited follows.
 */
void
asd_ssh_process_stop (AsdSshProcess *self)
{
  g_return_if_fail (ASD_IS_SSH_PROCESS (self));

  if (!self->running || self->kill_id != 0)
    return;
  send_signal (self, SIGTERM);
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
 *   (and in its log FIFO's name)
 */
void
asd_ssh_process_set_tunnel_name (AsdSshProcess *self, const char *tunnel)
{
  g_return_if_fail (ASD_IS_SSH_PROCESS (self));

  g_free (self->tunnel);
  self->tunnel = g_strdup (tunnel);
}
