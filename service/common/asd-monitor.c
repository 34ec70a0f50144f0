/* asd-monitor.c: autossh's monitor test through ssh's extra forwards
 *
 * Loop mode (`-M N`): ssh forwards local N to the server's N, and the
 * server's N back to our N+1.  A test connects to 127.0.0.1:N, writes the
 * test string, accepts the connection that comes back on N+1 and reads the
 * string from it.  Echo mode (`-M N:E`): ssh forwards N to an echo service
 * on the server's E, and the string is read back on the same connection.
 *
 * Every step is bounded by the network timeout; a test that fails
 * ASD_MONITOR_ATTEMPTS times in a row reports failure.  All I/O is async
 * and all waits are GLib timers.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include "asd-log.h"
#include "asd-monitor.h"

struct _AsdMonitor
{
  GObject parent_instance;

  char *tunnel;                  /* for the log's TUNNEL field, or NULL */

  AsdMonitorSpec spec;
  char *message;
  guint first_poll;
  guint poll;
  guint net_timeout;

  GSocketListener *listener;     /* loop mode: 127.0.0.1:N+1 */
  GSocketClient *client;

  gboolean started;
  guint poll_id;                 /* the next test */
  guint step_id;                 /* the current step's timeout */
  guint serial;                  /* bumped by every new attempt and stop */
  guint attempt;
  gint64 attempt_started;
  GCancellable *cancellable;     /* the current attempt's I/O */
  char *sent;
  gsize sent_len;
  char *received;
  gsize received_len;
  GSocketConnection *out;        /* to 127.0.0.1:N */
  GSocketConnection *in;         /* where the string comes back */
};

enum {
  SIGNAL_TESTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_TYPE (AsdMonitor, asd_monitor, G_TYPE_OBJECT)

static void attempt_begin (AsdMonitor *self);

/* What an async call carries: a reference, and the attempt it was for, so
 * that a late answer to an attempt already given up is dropped. */
typedef struct {
  AsdMonitor *self;
  guint serial;
} Op;

static Op *
op_new (AsdMonitor *self)
{
  Op *op = g_new (Op, 1);

  op->self = g_object_ref (self);
  op->serial = self->serial;
  return op;
}

static gboolean
op_is_current (Op *op)
{
  return op->serial == op->self->serial;
}

static void
op_free (Op *op)
{
  g_object_unref (op->self);
  g_free (op);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Op, op_free)

static void
attempt_clear (AsdMonitor *self)
{
  self->serial++;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_handle_id (&self->step_id, g_source_remove);
  g_clear_object (&self->out);
  g_clear_object (&self->in);
  g_clear_pointer (&self->sent, g_free);
  g_clear_pointer (&self->received, g_free);
}

static gboolean
on_poll_due (gpointer user_data)
{
  AsdMonitor *self = user_data;

  self->poll_id = 0;
  self->attempt = 0;
  attempt_begin (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_test (AsdMonitor *self, guint seconds)
{
  g_clear_handle_id (&self->poll_id, g_source_remove);
  self->poll_id = g_timeout_add_seconds (seconds, on_poll_due, self);
}

static void
test_done (AsdMonitor *self, gboolean ok)
{
  guint64 latency = g_get_monotonic_time () - self->attempt_started;

  attempt_clear (self);
  if (self->started)
    schedule_test (self, self->poll);
  g_signal_emit (self, signals[SIGNAL_TESTED], 0, ok, ok ? latency : 0);
}

static void
attempt_failed (AsdMonitor *self, const char *what, const GError *error)
{
  asd_log_tunnel (self->tunnel, G_LOG_LEVEL_DEBUG, "monitor test on port %u, attempt %u: %s%s%s", self->spec.port,
           self->attempt, what, error ? ": " : "", error ? error->message : "");
  attempt_clear (self);
  if (self->attempt < ASD_MONITOR_ATTEMPTS)
    attempt_begin (self);
  else
    {
      asd_log_tunnel (self->tunnel, G_LOG_LEVEL_DEBUG, "tried connection %u times and failed", self->attempt);
      test_done (self, FALSE);
    }
}

static gboolean
on_step_timeout (gpointer user_data)
{
  AsdMonitor *self = user_data;

  self->step_id = 0;
  attempt_failed (self, "timed out", NULL);
  return G_SOURCE_REMOVE;
}

static void
step_begin (AsdMonitor *self)
{
  g_clear_handle_id (&self->step_id, g_source_remove);
  self->step_id = g_timeout_add_seconds (self->net_timeout, on_step_timeout, self);
}

static void read_more (AsdMonitor *self);

static void
on_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(Op) op = user_data;
  AsdMonitor *self = op->self;
  g_autoptr(GError) error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);

  if (!op_is_current (op))
    return;
  if (n <= 0)
    {
      attempt_failed (self, n == 0 ? "connection closed" : "read failed", error);
      return;
    }
  self->received_len += n;
  if (self->received_len < self->sent_len)
    {
      read_more (self);
      return;
    }
  if (memcmp (self->received, self->sent, self->sent_len) != 0)
    {
      attempt_failed (self, "not what I sent", NULL);
      return;
    }
  test_done (self, TRUE);
}

static void
read_more (AsdMonitor *self)
{
  GInputStream *input = g_io_stream_get_input_stream (G_IO_STREAM (self->in));

  step_begin (self);
  g_input_stream_read_async (input, self->received + self->received_len,
                             self->sent_len - self->received_len,
                             G_PRIORITY_DEFAULT, self->cancellable,
                             on_read, op_new (self));
}

static void
on_accepted (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(Op) op = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketConnection) connection =
    g_socket_listener_accept_finish (G_SOCKET_LISTENER (source), result, NULL, &error);

  if (!op_is_current (op))
    return;
  if (connection == NULL)
    {
      attempt_failed (op->self, "accept failed", error);
      return;
    }
  op->self->in = g_steal_pointer (&connection);
  read_more (op->self);
}

static void
on_written (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(Op) op = user_data;
  AsdMonitor *self = op->self;
  g_autoptr(GError) error = NULL;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error))
    {
      if (op_is_current (op))
        attempt_failed (self, "write failed", error);
      return;
    }
  if (!op_is_current (op))
    return;

  self->received = g_malloc (self->sent_len);
  self->received_len = 0;
  if (self->spec.echo_port != 0)
    {
      self->in = g_object_ref (self->out);
      read_more (self);
      return;
    }
  step_begin (self);
  g_socket_listener_accept_async (self->listener, self->cancellable,
                                  on_accepted, op_new (self));
}

static void
on_connected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(Op) op = user_data;
  AsdMonitor *self = op->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketConnection) connection =
    g_socket_client_connect_finish (G_SOCKET_CLIENT (source), result, &error);
  GOutputStream *output;

  if (!op_is_current (op))
    return;
  if (connection == NULL)
    {
      attempt_failed (self, "connect failed", error);
      return;
    }
  self->out = g_steal_pointer (&connection);
  output = g_io_stream_get_output_stream (G_IO_STREAM (self->out));
  step_begin (self);
  g_output_stream_write_all_async (output, self->sent, self->sent_len,
                                   G_PRIORITY_DEFAULT, self->cancellable,
                                   on_written, op_new (self));
}

/* autossh's test string: nodename, program, pid, a random number and
 * AUTOSSH_MESSAGE, ending in CR LF. */
static char *
make_test_string (AsdMonitor *self)
{
  return g_strdup_printf ("%s %s %d %d %s\r\n", g_get_host_name (),
                          g_get_prgname () ? g_get_prgname () : "autossh",
                          (int) getpid (), g_random_int_range (0, G_MAXINT32),
                          self->message);
}

static void
attempt_begin (AsdMonitor *self)
{
  g_autoptr(GSocketAddress) address =
    g_inet_socket_address_new_from_string ("127.0.0.1", self->spec.port);

  attempt_clear (self);
  self->attempt++;
  self->attempt_started = g_get_monotonic_time ();
  self->cancellable = g_cancellable_new ();
  self->sent = make_test_string (self);
  self->sent_len = strlen (self->sent);
  step_begin (self);
  g_socket_client_connect_async (self->client, G_SOCKET_CONNECTABLE (address),
                                 self->cancellable, on_connected, op_new (self));
}

static void
asd_monitor_dispose (GObject *object)
{
  AsdMonitor *self = ASD_MONITOR (object);

  asd_monitor_stop (self);
  if (self->listener != NULL)
    g_socket_listener_close (self->listener);
  g_clear_object (&self->listener);
  g_clear_object (&self->client);

  G_OBJECT_CLASS (asd_monitor_parent_class)->dispose (object);
}

static void
asd_monitor_finalize (GObject *object)
{
  AsdMonitor *self = ASD_MONITOR (object);

  g_free (self->tunnel);
  g_free (self->message);

  G_OBJECT_CLASS (asd_monitor_parent_class)->finalize (object);
}

static void
asd_monitor_class_init (AsdMonitorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = asd_monitor_dispose;
  object_class->finalize = asd_monitor_finalize;

  /**
   * AsdMonitor::tested:
   * @ok: the test string came back intact
   * @latency: how long the successful attempt took, in µs (0 on failure)
   *
   * A test has ended; the next is due a poll interval later.
   */
  signals[SIGNAL_TESTED] =
    g_signal_new ("tested", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_BOOLEAN, G_TYPE_UINT64);
}

static void
asd_monitor_init (AsdMonitor *self)
{
  self->client = g_socket_client_new ();
  /* the test goes to ssh's forward on this host: never through a proxy
   * (which would also load GIO's proxy modules into the drop-in) */
  g_socket_client_set_enable_proxy (self->client, FALSE);
  self->first_poll = self->poll = 600;
  self->net_timeout = 15;
}

/**
 * asd_monitor_new:
 * @spec: the monitor ports (port must not be 0)
 * @message: AUTOSSH_MESSAGE, appended to the test string
 *
 * Returns: (transfer full): a monitor; loop mode needs asd_monitor_listen()
 */
AsdMonitor *
asd_monitor_new (const AsdMonitorSpec *spec, const char *message)
{
  AsdMonitor *self;

  g_return_val_if_fail (spec != NULL && spec->port != 0, NULL);

  self = g_object_new (ASD_TYPE_MONITOR, NULL);
  self->spec = *spec;
  self->message = g_strdup (message != NULL ? message : "");
  return self;
}

/**
 * asd_monitor_listen:
 * @self: a monitor
 * @error: return location for an error (the port is taken)
 *
 * In loop mode, listens on 127.0.0.1:N+1 for the connections that come
 * back through ssh's remote forward; does nothing in echo mode.
 */
gboolean
asd_monitor_listen (AsdMonitor *self, GError **error)
{
  g_autoptr(GSocketAddress) address = NULL;

  g_return_val_if_fail (ASD_IS_MONITOR (self), FALSE);

  if (self->spec.echo_port != 0 || self->listener != NULL)
    return TRUE;
  address = g_inet_socket_address_new_from_string ("127.0.0.1", self->spec.port + 1);
  self->listener = g_socket_listener_new ();
  if (!g_socket_listener_add_address (self->listener, address, G_SOCKET_TYPE_STREAM,
                                      G_SOCKET_PROTOCOL_TCP, NULL, NULL, error))
    {
      g_clear_object (&self->listener);
      return FALSE;
    }
  return TRUE;
}

/**
 * asd_monitor_net_timeout:
 * @poll: the seconds between two tests
 *
 * autossh's rule for how long one step of a test may take.
 *
 * Returns: min(15, @poll / 2) seconds, at least 1
 */
guint
asd_monitor_net_timeout (guint poll)
{
  return CLAMP (poll / 2, 1, 15);
}

/**
 * asd_monitor_set_timing:
 * @self: a monitor
 * @first_poll: seconds from asd_monitor_start() to the first test
 * @poll: seconds from one test to the next
 * @net_timeout: seconds one step of a test may take
 */
void
asd_monitor_set_timing (AsdMonitor *self, guint first_poll, guint poll, guint net_timeout)
{
  g_return_if_fail (ASD_IS_MONITOR (self));
  g_return_if_fail (first_poll > 0 && poll > 0 && net_timeout > 0);

  self->first_poll = first_poll;
  self->poll = poll;
  self->net_timeout = net_timeout;
}

/**
 * asd_monitor_start:
 * @self: a monitor
 *
 * Tests the connection first after the first-poll time, then every poll
 * interval, until asd_monitor_stop(); call it after each start of ssh.
 */
void
asd_monitor_start (AsdMonitor *self)
{
  g_return_if_fail (ASD_IS_MONITOR (self));
  g_return_if_fail (self->spec.echo_port != 0 || self->listener != NULL);

  asd_monitor_stop (self);
  self->started = TRUE;
  schedule_test (self, self->first_poll);
}

/**
 * asd_monitor_stop:
 * @self: a monitor
 *
 * Cancels the test under way, if any, and the next one.
 */
void
asd_monitor_stop (AsdMonitor *self)
{
  g_return_if_fail (ASD_IS_MONITOR (self));

  self->started = FALSE;
  g_clear_handle_id (&self->poll_id, g_source_remove);
  attempt_clear (self);
}

/**
 * asd_monitor_test_now:
 * @self: a started monitor
 *
 * Runs a test now, unless one is under way; the next follows a poll
 * interval after it.
 */
void
asd_monitor_test_now (AsdMonitor *self)
{
  g_return_if_fail (ASD_IS_MONITOR (self));

  if (!self->started || self->cancellable != NULL)
    return;
  g_clear_handle_id (&self->poll_id, g_source_remove);
  on_poll_due (self);
}

/**
 * asd_monitor_set_tunnel_name:
 * @self: a AsdMonitor
 * @tunnel: (nullable): the tunnel it works for, named in its log lines
 */
void
asd_monitor_set_tunnel_name (AsdMonitor *self, const char *tunnel)
{
  g_return_if_fail (ASD_IS_MONITOR (self));

  g_free (self->tunnel);
  self->tunnel = g_strdup (tunnel);
}
