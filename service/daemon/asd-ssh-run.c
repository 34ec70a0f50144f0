/* asd-ssh-run.c: one start of a tunnel's ssh, watched and explained
 *
 * Runs ssh (AsdSshProcess) in a session of its own, reads its messages
 * (asd-ssh-messages) to tell when it is connected — authenticated, and
 * every forward set up — and keeps the most telling failure line; answers
 * ssh's questions through the askpass helper with a token for this start
 * only (asd-tunnel-askpass); gives up a login that never finishes, and
 * one that stalls once connected when the monitor test fails.  When
 * ssh has gone, asd_ssh_run_explain() says why (a reason code and details), and
 * what the tunnel should do next.
 *
 * ssh's messages are read from its own log (ssh -E, through a FIFO in the
 * service's private directory), never from its stderr: ssh prints the
 * server's pre-authentication banner there, and a banner may say
 * "Authenticated to x" or "REMOTE HOST IDENTIFICATION HAS CHANGED".
 * OpenSSH 9.2 writes everything the table knows to the log: its log()
 * family (debug1, verbose, error, fatal) — the changed host key box,
 * "Host key verification failed.", "Permission denied", "Timeout, server
 * not responding", connect errors.  Two kinds of ssh's own lines still go
 * to stderr:
 * - errors in the command line, found before ssh opens its log:
 *   AsdSshProcess hands them on as log lines when ssh ends without a word
 *   in its log (it never reached a server then, so no banner was shown);
 * - "Connection to HOST closed by remote host.", printed at the end of a
 *   session.  It is the one stderr line read, and only once ssh's log
 *   said it was authenticated: the banner comes before that, and after
 *   it the server has no way to ssh's stderr.
 * Other stderr lines are only logged, as debug messages.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "asd-askpass-protocol.h"
#include "asd-control-socket.h"
#include "asd-log.h"
#include "asd-ssh-process.h"
#include "asd-ssh-run.h"
#include "asd-tunnel-askpass.h"

#define CONNECT_WATCHDOG_S 45   /* a login that never finishes */

struct _AsdSshRun
{
  GObject parent_instance;

  char *name;
  gboolean remote_forwards;
  AsdSshProcess *ssh;
  gboolean authenticated;
  gboolean session_ready;
  gboolean remote_ready;
  gboolean connected;
  AsdSshMessage failure;         /* the most telling failure line */
  AsdReason *stop_reason;        /* we stopped ssh because of this */
  gboolean signalled;
  gint code;
  guint watchdog_id;
  AsdMonitor *monitor;           /* tests the connection, or NULL */

  AsdAskpassServer *askpass;
  char *askpass_helper;
  char *token;
  AsdTunnelAskpass *answers;
};

enum {
  SIGNAL_CONNECTED,
  SIGNAL_ENDED,
  SIGNAL_PROBED,
  SIGNAL_SSH_LINE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_TYPE (AsdSshRun, asd_ssh_run, G_TYPE_OBJECT)

static void
on_ssh_exited (AsdSshProcess *ssh, gboolean signalled, gint code, gpointer user_data)
{
  AsdSshRun *self = user_data;

  self->signalled = signalled;
  self->code = code;
  g_clear_handle_id (&self->watchdog_id, g_source_remove);
  if (self->monitor != NULL)
    asd_monitor_stop (self->monitor);
  if (self->token != NULL)
    asd_askpass_server_unregister (self->askpass, self->token);
  g_signal_emit (self, signals[SIGNAL_ENDED], 0);
}

/* Keeps the most telling line: a graver failure, or the same one with the
 * details (host, port) the first line lacked. */
static void
keep_failure (AsdSshRun *self, AsdSshMessage *message)
{
  if (asd_ssh_failure_outranks (message->failure, self->failure.failure) ||
      (message->failure == self->failure.failure &&
       self->failure.detail == NULL && message->detail != NULL))
    {
      asd_ssh_message_clear (&self->failure);
      self->failure = *message;
      *message = (AsdSshMessage) { 0, };
    }
}

/* What others wrote to ssh's stderr (the server's banner, a
 * ProxyCommand): shown to whoever debugs, never acted on; except ssh's
 * own "closed by remote host" once authenticated (see the top). */
static void
on_ssh_stderr (AsdSshProcess *ssh, const char *line, gpointer user_data)
{
  AsdSshRun *self = user_data;
  g_auto(AsdSshMessage) message = { 0, };

  asd_log_tunnel (self->name, G_LOG_LEVEL_DEBUG, "%s: ssh stderr: %s", self->name, line);
  if (!self->authenticated)
    return;
  asd_ssh_message_classify (line, &message);
  if (message.failure == ASD_SSH_FAILURE_CLOSED)
    keep_failure (self, &message);
}

/* Once connected (ExitOnForwardFailure: every forward of the command line
 * is set up), a forward that fails is one asked for through the control
 * connection, and the asker has its answer: it says nothing of why ssh
 * may end later. */
static gboolean
answers_live_request (AsdSshRun *self, const AsdSshMessage *message)
{
  return self->connected && (message->failure == ASD_SSH_FAILURE_LOCAL_PORT_IN_USE ||
                             message->failure == ASD_SSH_FAILURE_REMOTE_PORT_IN_USE);
}

/* A line of ssh's own log. */
static void
on_ssh_line (AsdSshProcess *ssh, const char *line, gpointer user_data)
{
  AsdSshRun *self = user_data;
  g_auto(AsdSshMessage) message = { 0, };

  asd_ssh_message_classify (line, &message);
  if (message.event != ASD_SSH_EVENT_NONE)
    g_signal_emit (self, signals[SIGNAL_SSH_LINE], 0, line);
  if (message.event == ASD_SSH_EVENT_AUTHENTICATED)
    self->authenticated = TRUE;
  else if (message.event == ASD_SSH_EVENT_SESSION_READY)
    self->session_ready = TRUE;
  else if (message.event == ASD_SSH_EVENT_REMOTE_FORWARDS_READY)
    self->remote_ready = TRUE;
  else if (message.event == ASD_SSH_EVENT_FAILURE && !answers_live_request (self, &message))
    keep_failure (self, &message);

  if (!self->connected && self->authenticated && self->session_ready &&
      (self->remote_ready || !self->remote_forwards))
    {
      self->connected = TRUE;
      g_clear_handle_id (&self->watchdog_id, g_source_remove);
      g_signal_emit (self, signals[SIGNAL_CONNECTED], 0);
      if (self->monitor != NULL)
        asd_monitor_start (self->monitor);
    }
}

static gboolean
on_connect_watchdog (gpointer user_data)
{
  AsdSshRun *self = user_data;
  g_autoptr(AsdReason) reason = asd_reason_new (ASD_REASON_CONNECT_TIMEOUT, ASD_DETAIL_SECONDS,
                                                g_variant_new_uint32 (CONNECT_WATCHDOG_S), NULL);

  self->watchdog_id = 0;
  asd_ssh_run_stop (self, reason);
  return G_SOURCE_REMOVE;
}

static void
on_askpass_request (AsdAskpassRequest *request, const char *prompt, gpointer user_data)
{
  AsdSshRun *self = user_data;

  asd_tunnel_askpass_answer (self->answers, request, prompt);
}

/* ssh's questions (passphrase, password, unknown host key) go to our
 * helper, with a token for this start only; its log goes to a FIFO in
 * the same private directory, and so does its control socket. */
static void
use_askpass (AsdSshRun *self)
{
  g_autofree char *dir = asd_askpass_server_get_dir (self->askpass);
  g_autofree char *control = asd_control_socket_new_path (dir);
  static gboolean told;

  asd_ssh_process_set_log_dir (self->ssh, dir);
  if (control == NULL && !told)
    {
      told = TRUE;
      g_message ("%s is too long for a control socket: tunnels run without a control "
                 "connection (no liveness check, forwards change with a restart)", dir);
    }
  asd_ssh_process_set_control_path (self->ssh, control);
  self->token = asd_askpass_server_register (self->askpass, on_askpass_request, self);
  asd_ssh_process_setenv (self->ssh, "SSH_ASKPASS", self->askpass_helper);
  asd_ssh_process_setenv (self->ssh, "SSH_ASKPASS_REQUIRE", "force");
  asd_ssh_process_setenv (self->ssh, ASD_ASKPASS_SOCKET_ENV, asd_askpass_server_get_path (self->askpass));
  asd_ssh_process_setenv (self->ssh, ASD_ASKPASS_TOKEN_ENV, self->token);
}

static void
on_monitor_tested (AsdMonitor *monitor, gboolean ok, guint64 latency, gpointer user_data)
{
  AsdSshRun *self = user_data;

  g_autoptr(AsdReason) stall = NULL;

  if (ok)
    {
      g_signal_emit (self, signals[SIGNAL_PROBED], 0, latency);
      return;
    }
  stall = asd_reason_new (ASD_REASON_MONITOR_FAILED, NULL);
  asd_ssh_run_stop (self, stall);
}

/**
 * asd_ssh_run_watch_with:
 * @self: a run not started yet
 * @monitor: the tunnel's monitor test (listening)
 *
 * Runs the monitor test while this start is connected: a success is
 * #AsdSshRun::probed, a failure stops ssh (a stall).
 */
void
asd_ssh_run_watch_with (AsdSshRun *self, AsdMonitor *monitor)
{
  g_return_if_fail (self->monitor == NULL);

  self->monitor = g_object_ref (monitor);
  g_signal_connect (monitor, "tested", G_CALLBACK (on_monitor_tested), self);
}

/**
 * asd_ssh_run_start:
 * @self: a run not started yet
 * @error: return location for an error (ssh cannot be run)
 *
 * #AsdSshRun::connected and #AsdSshRun::ended follow.
 */
gboolean
asd_ssh_run_start (AsdSshRun *self, GError **error)
{
  g_return_val_if_fail (self->askpass != NULL, FALSE);

  use_askpass (self);
  if (!asd_ssh_process_start (self->ssh, error))
    return FALSE;
  self->watchdog_id = g_timeout_add_seconds (CONNECT_WATCHDOG_S, on_connect_watchdog, self);
  return TRUE;
}

/**
 * asd_ssh_run_stop:
 * @self: a run
 * @reason: (nullable): why, when the run failed (a stall, a watchdog);
 *   %NULL when the user asked
 *
 * SIGTERM, then SIGKILL after a grace period; #AsdSshRun::ended follows.
 */
void
asd_ssh_run_stop (AsdSshRun *self, const AsdReason *reason)
{
  if (reason != NULL && self->stop_reason == NULL)
    self->stop_reason = asd_reason_copy (reason);
  asd_ssh_process_stop (self->ssh);
}

/**
 * asd_ssh_run_get_control_path:
 * @self: a run
 *
 * Returns: (nullable): where this start's ssh listens as control master
 *   (once connected), or %NULL when it has no control socket
 */
const char *
asd_ssh_run_get_control_path (AsdSshRun *self)
{
  return asd_ssh_process_get_control_path (self->ssh);
}

gint
asd_ssh_run_get_pid (AsdSshRun *self)
{
  return asd_ssh_process_get_pid (self->ssh);
}

/**
 * asd_ssh_run_explain:
 * @self: a run that has ended
 * @retry: (out): what to do next
 *
 * What ssh asked and got explains a failed login best; then our own reason
 * to stop it; then ssh's most telling line; then how it exited.
 *
 * Returns: (transfer full): why the run ended
 */
AsdReason *
asd_ssh_run_explain (AsdSshRun *self, AsdRetry *retry)
{
  AsdSshFailure failure = self->failure.failure;
  AsdReason *reason = NULL;

  if (!self->authenticated)
    reason = asd_tunnel_askpass_outcome (self->answers, failure, retry);
  if (reason != NULL)
    return reason;

  if (self->stop_reason != NULL && failure == ASD_SSH_FAILURE_NONE)
    failure = ASD_SSH_FAILURE_TIMEOUT;
  *retry = failure == ASD_SSH_FAILURE_NONE ? ASD_RETRY_BACKOFF : asd_ssh_failure_retry (failure);
  if (self->stop_reason != NULL)
    return asd_reason_copy (self->stop_reason);
  if (self->failure.failure != ASD_SSH_FAILURE_NONE)
    return asd_ssh_failure_to_reason (self->failure.failure, self->failure.detail);
  return asd_reason_new_with_details (ASD_REASON_SSH_EXITED, asd_ssh_run_exit_details (self));
}

/**
 * asd_ssh_run_exit_details:
 * @self: a run that has ended
 *
 * Returns: (transfer floating): how ssh ended, an a{sv} with
 *   "exit-status" or "signal" (the details of reason ssh-exited)
 */
GVariant *
asd_ssh_run_exit_details (AsdSshRun *self)
{
  GVariantDict dict;

  g_variant_dict_init (&dict, NULL);
  g_variant_dict_insert_value (&dict, self->signalled ? ASD_DETAIL_SIGNAL : ASD_DETAIL_EXIT_STATUS,
                               g_variant_new_int32 (self->code));
  return g_variant_dict_end (&dict);
}

static void
asd_ssh_run_dispose (GObject *object)
{
  AsdSshRun *self = ASD_SSH_RUN (object);

  g_clear_handle_id (&self->watchdog_id, g_source_remove);
  if (self->ssh != NULL)
    g_signal_handlers_disconnect_by_data (self->ssh, self);
  g_clear_object (&self->ssh);   /* a live ssh is killed */
  if (self->monitor != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->monitor, self);
      asd_monitor_stop (self->monitor);
    }
  g_clear_object (&self->monitor);
  if (self->token != NULL && self->askpass != NULL)
    asd_askpass_server_unregister (self->askpass, self->token);
  g_clear_object (&self->askpass);

  G_OBJECT_CLASS (asd_ssh_run_parent_class)->dispose (object);
}

static void
asd_ssh_run_finalize (GObject *object)
{
  AsdSshRun *self = ASD_SSH_RUN (object);

  g_free (self->name);
  asd_ssh_message_clear (&self->failure);
  g_clear_pointer (&self->stop_reason, asd_reason_free);
  g_free (self->askpass_helper);
  g_free (self->token);
  asd_tunnel_askpass_free (self->answers);

  G_OBJECT_CLASS (asd_ssh_run_parent_class)->finalize (object);
}

static void
asd_ssh_run_class_init (AsdSshRunClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = asd_ssh_run_dispose;
  object_class->finalize = asd_ssh_run_finalize;

  /**
   * AsdSshRun::connected:
   *
   * ssh is authenticated and every forward is set up.
   */
  signals[SIGNAL_CONNECTED] =
    g_signal_new ("connected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  /**
   * AsdSshRun::ended:
   *
   * ssh has exited and its last words are read; see asd_ssh_run_explain().
   */
  signals[SIGNAL_ENDED] =
    g_signal_new ("ended", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  /**
   * AsdSshRun::probed:
   * @latency: the monitor test's round trip in µs
   *
   * A monitor test succeeded.
   */
  signals[SIGNAL_PROBED] =
    g_signal_new ("probed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT64);

  /**
   * AsdSshRun::ssh-line:
   * @line: the line
   *
   * A line of ssh's own log that the message table knows (see
   * asd_ssh_message_classify()): for the tunnel's log.
   */
  signals[SIGNAL_SSH_LINE] =
    g_signal_new ("ssh-line", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
asd_ssh_run_init (AsdSshRun *self)
{
}

/**
 * asd_ssh_run_new:
 * @tunnel_name: for logs and reasons
 * @argv: ssh's argv
 * @remote_forwards: the tunnel has remote forwards (connected waits for them)
 * @trusted_host_key: (nullable): the fingerprint the user approved
 * @passphrase_credential: (nullable): the systemd credential with the
 *   key's passphrase
 * @askpass: the service's askpass server (needed to start: its directory
 *   holds ssh's log FIFO too)
 * @askpass_helper: the helper program ssh runs as SSH_ASKPASS
 *
 * Returns: (transfer full): a run, not started
 */
AsdSshRun *
asd_ssh_run_new (const char         *tunnel_name,
                 const char * const *argv,
                 gboolean            remote_forwards,
                 const char         *trusted_host_key,
                 const char         *passphrase_credential,
                 AsdAskpassServer   *askpass,
                 const char         *askpass_helper)
{
  AsdSshRun *self = g_object_new (ASD_TYPE_SSH_RUN, NULL);

  self->name = g_strdup (tunnel_name);
  self->remote_forwards = remote_forwards;
  self->askpass = askpass != NULL ? g_object_ref (askpass) : NULL;
  self->askpass_helper = g_strdup (askpass_helper);
  self->answers = asd_tunnel_askpass_new (tunnel_name, trusted_host_key, passphrase_credential,
                                          askpass == NULL || asd_askpass_server_get_keyring (askpass));
  self->ssh = asd_ssh_process_new (argv, ASD_SSH_PROCESS_NEW_SESSION | ASD_SSH_PROCESS_READ_STDERR);
  asd_ssh_process_set_tunnel_name (self->ssh, tunnel_name);
  g_signal_connect (self->ssh, "log-line", G_CALLBACK (on_ssh_line), self);
  g_signal_connect (self->ssh, "stderr-line", G_CALLBACK (on_ssh_stderr), self);
  g_signal_connect (self->ssh, "exited", G_CALLBACK (on_ssh_exited), self);
  return self;
}
