/* test-monitor.c: AsdMonitor's tests against local servers standing in
 * for ssh's forwards (echo mode and loop mode)
 *
 * The monitor is what finds a stalled connection that never exits.  Its
 * test passes only when the string it sent comes back intact: a server
 * that answers something else, or nothing, must fail it (a monitor that
 * did not compare the echo once passed every other test).  The servers
 * here listen on 127.0.0.1, port 0, each connection in a thread.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>

#include "asd-monitor.h"

typedef enum {
  ECHO,          /* sends back what it read */
  WRONG,         /* sends back as many bytes, one of them changed */
  SILENT,        /* reads, never answers */
  CLOSE,         /* reads, then closes without answering */
  LOOP,          /* loop mode: sends what it read to port + 1, as ssh's
                    remote forward back to the monitor would */
} Mode;

typedef struct {
  GSocketService *service;
  guint16 port;
  gint connections;
} Server;

static gboolean
on_run (GThreadedSocketService *service, GSocketConnection *connection,
        GObject *source_object, gpointer user_data)
{
  Mode mode = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (service), "mode"));
  Server *server = user_data;
  GInputStream *input = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  GOutputStream *output = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  char buffer[1024];
  gsize len = 0;
  gssize n;

  g_atomic_int_inc (&server->connections);
  while (len < sizeof buffer &&
         (n = g_input_stream_read (input, buffer + len, sizeof buffer - len, NULL, NULL)) > 0)
    {
      len += n;
      if (memchr (buffer, '\n', len) != NULL)
        break;
    }
  if (mode == WRONG && len > 0)
    buffer[0] = buffer[0] == 'x' ? 'y' : 'x';
  if (mode == CLOSE)
    return TRUE;
  if (mode == LOOP)
    {
      g_autoptr(GSocketClient) client = g_socket_client_new ();
      g_autoptr(GSocketConnection) back =
        g_socket_client_connect_to_host (client, "127.0.0.1", server->port + 1, NULL, NULL);

      if (back != NULL)
        g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (back)),
                                   buffer, len, NULL, NULL, NULL);
      return TRUE;
    }
  if (mode == SILENT)
    while (g_input_stream_read (input, buffer, sizeof buffer, NULL, NULL) > 0)
      ;   /* until the monitor gives up and closes */
  else
    g_output_stream_write_all (output, buffer, len, NULL, NULL, NULL);
  return TRUE;
}

static void
server_start (Server *server, Mode mode)
{
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new_from_string ("127.0.0.1", 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;

  server->service = g_threaded_socket_service_new (4);
  g_object_set_data (G_OBJECT (server->service), "mode", GINT_TO_POINTER (mode));
  g_socket_listener_add_address (G_SOCKET_LISTENER (server->service), address,
                                 G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                 NULL, &bound, &error);
  g_assert_no_error (error);
  server->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_signal_connect (server->service, "run", G_CALLBACK (on_run), server);
  g_socket_service_start (server->service);
}

static void
server_stop (Server *server)
{
  g_socket_service_stop (server->service);
  g_socket_listener_close (G_SOCKET_LISTENER (server->service));
  g_clear_object (&server->service);
}

typedef struct {
  gboolean done;
  gboolean ok;
  guint64 latency;
} Result;

static void
on_tested (AsdMonitor *monitor, gboolean ok, guint64 latency, gpointer user_data)
{
  Result *result = user_data;

  result->done = TRUE;
  result->ok = ok;
  result->latency = latency;
}

static gboolean
on_too_long (gpointer user_data)
{
  g_assert_not_reached ();
  return G_SOURCE_REMOVE;
}

/* A monitor for @server: echo mode, or loop mode for a LOOP server (then
 * listening on port + 1; NULL when that port is taken). */
static AsdMonitor *
monitor_for (Server *server, Mode mode)
{
  AsdMonitorSpec spec = { server->port, mode == LOOP ? 0 : 7 };
  g_autoptr(AsdMonitor) monitor = asd_monitor_new (&spec, "unit test");

  if (!asd_monitor_listen (monitor, NULL))   /* nothing to do in echo mode */
    return NULL;
  return g_steal_pointer (&monitor);
}

/* One test of a monitor against a server in @mode; the network timeout
 * is 1 s per step. */
static Result
run_test (Mode mode, gint *connections)
{
  Server server = { 0 };
  g_autoptr(AsdMonitor) monitor = NULL;
  Result result = { FALSE, FALSE, 0 };
  guint guard;

  for (guint i = 0; monitor == NULL; i++)
    {
      g_assert_cmpuint (i, <, 20);   /* port + 1 taken every time */
      if (server.service != NULL)
        server_stop (&server);
      server_start (&server, mode);
      monitor = monitor_for (&server, mode);
    }
  asd_monitor_set_timing (monitor, 60, 60, 1);
  g_signal_connect (monitor, "tested", G_CALLBACK (on_tested), &result);
  asd_monitor_start (monitor);
  asd_monitor_test_now (monitor);
  guard = g_timeout_add_seconds (10, on_too_long, NULL);
  while (!result.done)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (guard);
  asd_monitor_stop (monitor);
  g_clear_object (&monitor);
  *connections = g_atomic_int_get (&server.connections);
  server_stop (&server);
  return result;
}

static void
test_echo_ok (void)
{
  gint connections;
  Result result = run_test (ECHO, &connections);

  g_assert_true (result.ok);
  g_assert_cmpuint (result.latency, >, 0);
  g_assert_cmpint (connections, ==, 1);
}

/* The echo must be the string sent, not just as many bytes. */
static void
test_echo_wrong (void)
{
  gint connections;
  Result result = run_test (WRONG, &connections);

  g_assert_false (result.ok);
  g_assert_cmpuint (result.latency, ==, 0);
  g_assert_cmpint (connections, ==, ASD_MONITOR_ATTEMPTS);
}

/* No answer: each attempt times out, then the test fails. */
static void
test_echo_silent (void)
{
  gint64 started = g_get_monotonic_time ();
  gint connections;
  Result result = run_test (SILENT, &connections);

  g_assert_false (result.ok);
  g_assert_cmpint (connections, ==, ASD_MONITOR_ATTEMPTS);
  g_assert_cmpint (g_get_monotonic_time () - started, >=, (ASD_MONITOR_ATTEMPTS - 1) * G_USEC_PER_SEC);
}

/* A server that closes without answering fails the test at once, not
 * after the network timeout. */
static void
test_echo_closed (void)
{
  gint64 started = g_get_monotonic_time ();
  gint connections;
  Result result = run_test (CLOSE, &connections);

  g_assert_false (result.ok);
  g_assert_cmpint (connections, ==, ASD_MONITOR_ATTEMPTS);
  g_assert_cmpint (g_get_monotonic_time () - started, <, G_USEC_PER_SEC);
}

/* Loop mode: the string comes back through port + 1. */
static void
test_loop_ok (void)
{
  gint connections;
  Result result = run_test (LOOP, &connections);

  g_assert_true (result.ok);
  g_assert_cmpuint (result.latency, >, 0);
  g_assert_cmpint (connections, ==, 1);
}

/* A TCP socket on 127.0.0.1, a port of the kernel's choice (@port). */
static GSocket *
bound_socket (gboolean listening, guint16 *port)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new_from_string ("127.0.0.1", 0);
  g_autoptr(GSocketAddress) address = NULL;

  g_assert_true (g_socket_bind (socket, any, FALSE, NULL));
  if (listening)
    g_assert_true (g_socket_listen (socket, NULL));
  address = g_socket_get_local_address (socket, NULL);
  *port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address));
  return g_steal_pointer (&socket);
}

/* Nobody listens on the port: a failed test, each attempt refused. */
static void
test_echo_refused (void)
{
  AsdMonitorSpec spec = { 0, 7 };
  /* bound, never listening: connections to it are refused */
  g_autoptr(GSocket) bound = bound_socket (FALSE, &spec.port);
  g_autoptr(AsdMonitor) monitor = asd_monitor_new (&spec, "unit test");
  Result result = { FALSE, FALSE, 0 };

  g_assert_nonnull (bound);
  asd_monitor_set_timing (monitor, 60, 60, 1);
  g_signal_connect (monitor, "tested", G_CALLBACK (on_tested), &result);
  asd_monitor_start (monitor);
  asd_monitor_test_now (monitor);
  while (!result.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (result.ok);
}

/* Loop mode's port + 1 taken: asd_monitor_listen() says so. */
static void
test_loop_port_taken (void)
{
  guint16 taken;
  g_autoptr(GSocket) bound = bound_socket (TRUE, &taken);
  AsdMonitorSpec spec = { taken - 1, 0 };
  g_autoptr(AsdMonitor) monitor = asd_monitor_new (&spec, "unit test");
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (bound);
  g_assert_false (asd_monitor_listen (monitor, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/monitor/echo/ok", test_echo_ok);
  g_test_add_func ("/monitor/echo/wrong-answer", test_echo_wrong);
  g_test_add_func ("/monitor/echo/no-answer", test_echo_silent);
  g_test_add_func ("/monitor/echo/closed", test_echo_closed);
  g_test_add_func ("/monitor/echo/refused", test_echo_refused);
  g_test_add_func ("/monitor/loop/ok", test_loop_ok);
  g_test_add_func ("/monitor/loop/port-taken", test_loop_port_taken);

  return g_test_run ();
}
