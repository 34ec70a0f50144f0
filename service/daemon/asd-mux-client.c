/* asd-mux-client.c: talks to a ssh control master (OpenSSH's PROTOCOL.mux)
 *
 * Every ssh the daemon starts is the control master of a socket of its
 * own (asd-control-socket.c).  This client asks it two things, each on a
 * connection of its own (a master serves one stdio forward per
 * connection, and nothing is kept open between questions):
 *
 * - Is the session alive?  A stdio forward (MUX_C_NEW_STDIO_FWD) to a
 *   closed port on the server's loopback, 127.0.0.1:1.  The master opens
 *   a channel and answers only when the server has: MUX_S_SESSION_OPENED,
 *   or MUX_S_FAILURE "Session open refused by peer" (mux.c,
 *   mux_stdio_confirm).  Either proves the server's side of the session
 *   answers, in one round trip; no answer by the deadline means it does
 *   not.  (MUX_C_ALIVE_CHECK would only say that the ssh process lives.)
 *   The master wants the forward's stdin and stdout: one end of a
 *   socketpair, passed twice with SCM_RIGHTS, one fd and one byte per
 *   message as ssh's mm_send_fd() does; the pair is closed with the
 *   connection, which ends the channel.
 * - Open or close a forward (MUX_C_OPEN_FWD, MUX_C_CLOSE_FWD): MUX_S_OK
 *   (or MUX_S_REMOTE_PORT for a port the server chose), else
 *   MUX_S_FAILURE with the master's reason ("Port forwarding failed",
 *   "remote port forwarding failed for listen port N", "port not
 *   forwarded").
 *
 * Each question: connect, HELLO both ways (version 4), the request, its
 * reply.  Reads are asynchronous and bounded (ASD_MUX_PACKET_MAX, and a
 * deadline for the whole question); the few bytes we write go out at
 * once on a fresh local socket (it is non-blocking: a full buffer is an
 * error, never a wait).  The client holds nothing of a tunnel's, only
 * the socket's path and the round trips it measured, so one master can
 * serve several tunnels.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <glib/gi18n.h>
#include <gio/gunixfdmessage.h>
#include <gio/gunixsocketaddress.h>

#include "asd-mux-client.h"

/* the answer of a live server to a stdio forward to a closed port */
#define REFUSED_BY_PEER "Session open refused by peer"
#define CLOSED_HOST "127.0.0.1"
#define CLOSED_PORT 1

G_DEFINE_QUARK (asd-mux-error-quark, asd_mux_error)

struct _AsdMuxClient
{
  GObject parent_instance;

  char *path;
  guint32 next_id;
  guint64 round_trip;            /* µs, smoothed, of the checks answered; 0 none yet */
};

G_DEFINE_TYPE (AsdMuxClient, asd_mux_client, G_TYPE_OBJECT)

typedef enum {
  STAGE_HELLO,
  STAGE_REPLY,
} Stage;

typedef struct {
  GBytes *request;
  guint32 request_id;
  gboolean stdio;                /* send the fds of a stdio forward */
  Stage stage;
  GSocketConnection *connection;
  GCancellable *cancel;          /* the deadline's, and the caller's */
  GCancellable *caller;
  gulong caller_handler;
  guint deadline_id;
  gboolean timed_out;
  gint64 sent;                   /* monotonic µs the request went */
  guint8 header[4];
  guint8 body[ASD_MUX_PACKET_MAX];
  gsize body_length;
  int peer[2];                   /* the stdio forward's socketpair */
} Op;

static void
op_free (Op *op)
{
  g_clear_handle_id (&op->deadline_id, g_source_remove);
  if (op->caller_handler != 0)
    g_cancellable_disconnect (op->caller, op->caller_handler);
  g_clear_object (&op->caller);
  g_clear_object (&op->cancel);
  g_clear_object (&op->connection);
  g_clear_pointer (&op->request, g_bytes_unref);
  for (guint i = 0; i < 2; i++)
    if (op->peer[i] >= 0)
      close (op->peer[i]);
  g_free (op);
}

static void
reply_free (AsdMuxReply *reply)
{
  asd_mux_reply_clear (reply);
  g_free (reply);
}

static void
fail (GTask *task, AsdMuxError code, const char *message)
{
  g_task_return_new_error (task, ASD_MUX_ERROR, code, "%s", message);
}

/* An error of GIO's while talking: the deadline, the caller, or the rest. */
static void
fail_io (GTask *task, GError *error, AsdMuxError code)
{
  Op *op = g_task_get_task_data (task);

  if (op->timed_out)
    fail (task, ASD_MUX_ERROR_TIMEOUT, _("the control connection did not answer in time"));
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_task_return_error (task, g_error_copy (error));
  else
    fail (task, code, error->message);
}

static gboolean
on_deadline (gpointer user_data)
{
  Op *op = user_data;

  op->deadline_id = 0;
  op->timed_out = TRUE;
  g_cancellable_cancel (op->cancel);
  return G_SOURCE_REMOVE;
}

static void
on_caller_cancelled (GCancellable *caller, gpointer user_data)
{
  g_cancellable_cancel (user_data);
}

/* Writes @data and, if @fd >= 0, passes it along (one byte, one fd). */
static gboolean
send_now (Op *op, const void *data, gsize length, int fd, GError **error)
{
  GSocket *socket = g_socket_connection_get_socket (op->connection);
  GOutputVector vector = { data, length };
  g_autoptr(GSocketControlMessage) message = NULL;
  gssize sent;

  if (fd >= 0)
    {
      message = g_unix_fd_message_new ();
      if (!g_unix_fd_message_append_fd (G_UNIX_FD_MESSAGE (message), fd, error))
        return FALSE;
    }
  sent = g_socket_send_message (socket, NULL, &vector, 1,
                                message != NULL ? &message : NULL, message != NULL ? 1 : 0,
                                G_SOCKET_MSG_NONE, op->cancel, error);
  if (sent < 0)
    return FALSE;
  if ((gsize) sent != length)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK, "short write");
      return FALSE;
    }
  return TRUE;
}

static void read_packet (GTask *task);

static void
send_request (GTask *task)
{
  Op *op = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  gsize length;
  const void *data = g_bytes_get_data (op->request, &length);
  static const guint8 zero = 0;

  op->sent = g_get_monotonic_time ();
  if (!send_now (op, data, length, -1, &error) ||
      (op->stdio && (!send_now (op, &zero, 1, op->peer[1], &error) ||    /* stdin */
                     !send_now (op, &zero, 1, op->peer[1], &error))))  /* stdout */
    {
      fail_io (task, error, ASD_MUX_ERROR_PROTOCOL);
      g_object_unref (task);
      return;
    }
  op->stage = STAGE_REPLY;
  read_packet (task);
}

static gboolean
reply_fits (Op *op, const AsdMuxReply *reply, GError **error)
{
  if (op->stage == STAGE_HELLO)
    {
      if (reply->type == ASD_MUX_MSG_HELLO && reply->id == ASD_MUX_VERSION)
        return TRUE;
      g_set_error (error, ASD_MUX_ERROR, ASD_MUX_ERROR_NO_MASTER,
                   "control socket: no master's hello (type 0x%08x, version %u)",
                   reply->type, reply->id);
      return FALSE;
    }
  if (reply->type != ASD_MUX_MSG_HELLO && reply->type != ASD_MUX_S_EXIT_MESSAGE &&
      reply->type != ASD_MUX_S_TTY_ALLOC_FAIL && reply->id == op->request_id)
    return TRUE;
  g_set_error (error, ASD_MUX_ERROR, ASD_MUX_ERROR_PROTOCOL,
               "control socket: an answer of type 0x%08x to request %u, not %u",
               reply->type, reply->id, op->request_id);
  return FALSE;
}

static void
on_body (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Op *op = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_auto(AsdMuxReply) reply = { 0, };
  gsize got = 0;

  if (!g_input_stream_read_all_finish (G_INPUT_STREAM (source), result, &got, &error))
    {
      fail_io (task, error, ASD_MUX_ERROR_PROTOCOL);
      g_object_unref (task);
      return;
    }
  if (got != op->body_length)
    fail (task, ASD_MUX_ERROR_PROTOCOL, "control socket: closed in the middle of a packet");
  else if (!asd_mux_reply_parse (op->body, got, &reply, &error))
    fail (task, ASD_MUX_ERROR_PROTOCOL, error->message);
  else if (!reply_fits (op, &reply, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else if (op->stage == STAGE_HELLO)
    {
      send_request (task);
      return;
    }
  else
    {
      AsdMuxReply *answer = g_new (AsdMuxReply, 1);

      *answer = reply;
      reply.reason = NULL;   /* moved */
      g_task_return_pointer (task, answer, (GDestroyNotify) reply_free);
    }
  g_object_unref (task);
}

static void
on_header (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Op *op = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  gsize got = 0;

  if (!g_input_stream_read_all_finish (G_INPUT_STREAM (source), result, &got, &error))
    {
      /* reset before its hello: not a master (or one that is going) */
      fail_io (task, error, op->stage == STAGE_HELLO ? ASD_MUX_ERROR_NO_MASTER
                                                     : ASD_MUX_ERROR_PROTOCOL);
      g_object_unref (task);
      return;
    }
  if (got != sizeof op->header)
    {
      fail (task, op->stage == STAGE_HELLO ? ASD_MUX_ERROR_NO_MASTER : ASD_MUX_ERROR_PROTOCOL,
            "control socket: closed by the master");
      g_object_unref (task);
      return;
    }
  if (!asd_mux_packet_length (op->header, &op->body_length, &error))
    {
      fail (task, ASD_MUX_ERROR_PROTOCOL, error->message);
      g_object_unref (task);
      return;
    }
  g_input_stream_read_all_async (g_io_stream_get_input_stream (G_IO_STREAM (op->connection)),
                                 op->body, op->body_length, G_PRIORITY_DEFAULT, op->cancel,
                                 on_body, task);
}

static void
read_packet (GTask *task)
{
  Op *op = g_task_get_task_data (task);

  g_input_stream_read_all_async (g_io_stream_get_input_stream (G_IO_STREAM (op->connection)),
                                 op->header, sizeof op->header, G_PRIORITY_DEFAULT, op->cancel,
                                 on_header, task);
}

static void
on_connected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Op *op = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) hello = asd_mux_encode_hello ();
  gsize length;
  const void *data = g_bytes_get_data (hello, &length);

  op->connection = g_socket_client_connect_finish (G_SOCKET_CLIENT (source), result, &error);
  if (op->connection == NULL)
    {
      fail_io (task, error, ASD_MUX_ERROR_NO_MASTER);
      g_object_unref (task);
      return;
    }
  g_socket_set_blocking (g_socket_connection_get_socket (op->connection), FALSE);
  if (!send_now (op, data, length, -1, &error))
    {
      fail_io (task, error, ASD_MUX_ERROR_NO_MASTER);
      g_object_unref (task);
      return;
    }
  read_packet (task);
}

/* Asks the master @request; the task returns its AsdMuxReply (g_free()d,
 * its reason too) or an ASD_MUX_ERROR. */
static void
ask (AsdMuxClient *self, GTask *task, GBytes *request, guint32 request_id, gboolean stdio,
     guint deadline_ms)
{
  Op *op = g_new0 (Op, 1);
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketAddress) address = g_unix_socket_address_new (self->path);
  GCancellable *caller = g_task_get_cancellable (task);

  op->peer[0] = op->peer[1] = -1;
  op->request = g_bytes_ref (request);
  op->request_id = request_id;
  op->stdio = stdio;
  op->cancel = g_cancellable_new ();
  g_task_set_task_data (task, op, (GDestroyNotify) op_free);
  if (caller != NULL)
    {
      op->caller = g_object_ref (caller);
      op->caller_handler = g_cancellable_connect (caller, G_CALLBACK (on_caller_cancelled),
                                                  g_object_ref (op->cancel), g_object_unref);
    }
  op->deadline_id = g_timeout_add (deadline_ms, on_deadline, op);
  if (stdio && socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, op->peer) < 0)
    {
      g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (errno),
                               "socketpair: %s", g_strerror (errno));
      g_object_unref (task);
      return;
    }
  g_socket_client_connect_async (client, G_SOCKET_CONNECTABLE (address), op->cancel,
                                 on_connected, task);
}

static guint32
next_id (AsdMuxClient *self)
{
  return self->next_id++;
}

/* ---- is the session alive ---- */

static void
on_alive_answer (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  AsdMuxClient *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autofree AsdMuxReply *reply = g_task_propagate_pointer (G_TASK (result), &error);
  g_autofree char *reason = reply != NULL ? reply->reason : NULL;
  Op *op = g_task_get_task_data (G_TASK (result));
  guint64 latency;

  if (reply == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (reply->type != ASD_MUX_S_SESSION_OPENED &&
      !(reply->type == ASD_MUX_S_FAILURE && g_strcmp0 (reason, REFUSED_BY_PEER) == 0))
    {
      g_task_return_new_error (task, ASD_MUX_ERROR, ASD_MUX_ERROR_REFUSED,
                               "%s", reason != NULL ? reason : "unexpected answer");
      return;
    }
  latency = (guint64) MAX (g_get_monotonic_time () - op->sent, 1);
  self->round_trip = self->round_trip == 0 ? latency : (3 * self->round_trip + latency) / 4;
  g_task_return_pointer (task, g_memdup2 (&latency, sizeof latency), g_free);
}

/**
 * asd_mux_client_check_alive_async:
 * @self: a client
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the answer
 * @user_data: for @callback
 *
 * Asks for a channel to a closed port on the server's loopback, and waits
 * for the server's answer until asd_mux_client_get_alive_deadline().
 */
void
asd_mux_client_check_alive_async (AsdMuxClient *self, GCancellable *cancellable,
                                  GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *outer = g_task_new (self, cancellable, callback, user_data);
  GTask *inner = g_task_new (self, cancellable, on_alive_answer, outer);
  guint32 id = next_id (self);
  g_autoptr(GBytes) request = asd_mux_encode_stdio_fwd (id, CLOSED_HOST, CLOSED_PORT);

  g_task_set_source_tag (outer, asd_mux_client_check_alive_async);
  ask (self, inner, request, id, TRUE, asd_mux_client_get_alive_deadline (self));
}

/**
 * asd_mux_client_check_alive_finish:
 * @self: a client
 * @result: the result given to the callback
 * @latency_usec: (out) (optional): the round trip, in µs
 * @error: return location for an %ASD_MUX_ERROR (%ASD_MUX_ERROR_TIMEOUT:
 *   the session does not answer) or %G_IO_ERROR_CANCELLED
 *
 * Returns: whether the server's side of the session answered
 */
gboolean
asd_mux_client_check_alive_finish (AsdMuxClient *self, GAsyncResult *result,
                                   guint64 *latency_usec, GError **error)
{
  g_autofree guint64 *latency = NULL;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  latency = g_task_propagate_pointer (G_TASK (result), error);
  if (latency == NULL)
    return FALSE;
  if (latency_usec != NULL)
    *latency_usec = *latency;
  return TRUE;
}

/**
 * asd_mux_client_get_alive_deadline:
 * @self: a client
 *
 * Returns: how long a liveness check waits, in ms:
 *   %ASD_MUX_ALIVE_DEADLINE_MS, or 3 round trips when they are longer
 */
guint
asd_mux_client_get_alive_deadline (AsdMuxClient *self)
{
  return (guint) MAX ((guint64) ASD_MUX_ALIVE_DEADLINE_MS, 3 * self->round_trip / 1000);
}

/* ---- forwards ---- */

static void
on_forward_answer (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree AsdMuxReply *reply = g_task_propagate_pointer (G_TASK (result), &error);
  g_autofree char *reason = reply != NULL ? reply->reason : NULL;

  if (reply == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else if (reply->type == ASD_MUX_S_OK || reply->type == ASD_MUX_S_REMOTE_PORT)
    g_task_return_boolean (task, TRUE);
  else if (reply->type == ASD_MUX_S_FAILURE || reply->type == ASD_MUX_S_PERMISSION_DENIED)
    g_task_return_new_error (task, ASD_MUX_ERROR, ASD_MUX_ERROR_REFUSED, "%s", reason);
  else
    g_task_return_new_error (task, ASD_MUX_ERROR, ASD_MUX_ERROR_PROTOCOL,
                             "control socket: an answer of type 0x%08x to a forward",
                             reply->type);
}

/**
 * asd_mux_client_forward_async:
 * @self: a client
 * @open: open the forward (else close it)
 * @forward: the forward
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the answer
 * @user_data: for @callback
 *
 * Asks the master to open or close @forward (as ssh -O forward and
 * -O cancel do), waiting %ASD_MUX_FORWARD_DEADLINE_MS at most.
 */
void
asd_mux_client_forward_async (AsdMuxClient *self, gboolean open, const AsdMuxForward *forward,
                              GCancellable *cancellable, GAsyncReadyCallback callback,
                              gpointer user_data)
{
  GTask *outer = g_task_new (self, cancellable, callback, user_data);
  GTask *inner = g_task_new (self, cancellable, on_forward_answer, outer);
  guint32 id = next_id (self);
  g_autoptr(GBytes) request = asd_mux_encode_forward (open, id, forward);

  g_task_set_source_tag (outer, asd_mux_client_forward_async);
  ask (self, inner, request, id, FALSE, ASD_MUX_FORWARD_DEADLINE_MS);
}

/**
 * asd_mux_client_forward_finish:
 * @self: a client
 * @result: the result given to the callback
 * @error: return location for an %ASD_MUX_ERROR (%ASD_MUX_ERROR_REFUSED
 *   with the master's reason) or %G_IO_ERROR_CANCELLED
 *
 * Returns: whether the master did it
 */
gboolean
asd_mux_client_forward_finish (AsdMuxClient *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

const char *
asd_mux_client_get_path (AsdMuxClient *self)
{
  return self->path;
}

static void
asd_mux_client_finalize (GObject *object)
{
  AsdMuxClient *self = ASD_MUX_CLIENT (object);

  g_free (self->path);

  G_OBJECT_CLASS (asd_mux_client_parent_class)->finalize (object);
}

static void
asd_mux_client_class_init (AsdMuxClientClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = asd_mux_client_finalize;
}

static void
asd_mux_client_init (AsdMuxClient *self)
{
  self->next_id = 1;
}

/**
 * asd_mux_client_new:
 * @path: a master's control socket
 *
 * Returns: (transfer full): a client; it connects for each question
 */
AsdMuxClient *
asd_mux_client_new (const char *path)
{
  AsdMuxClient *self = g_object_new (ASD_TYPE_MUX_CLIENT, NULL);

  self->path = g_strdup (path);
  return self;
}
