/* asd-server-probe.c: is the server's ssh port reachable? (no login)
 *
 * The tunnel's destination may be a ~/.ssh/config alias, so `ssh -G` (which
 * only reads the configuration) says which host and port ssh would use
 * (asked once and kept: asd-server-address); then a plain TCP connect
 * tells whether anything listens there.  No login is attempted, so a
 * server that is away is not hammered with logins.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include "asd-server-probe.h"

typedef struct {
  guint timeout_s;
  gint64 started;
} ProbeData;

static void
on_connected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  ProbeData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketConnection) connection =
    g_socket_client_connect_finish (G_SOCKET_CLIENT (source), result, &error);

  if (connection == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_int (task, g_get_monotonic_time () - data->started);
}

static void
on_address (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  ProbeData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autofree char *host = NULL;
  guint16 port = 0;
  g_autoptr(GSocketConnectable) address = NULL;
  g_autoptr(GSocketClient) client = NULL;
  GCancellable *cancellable = g_task_get_cancellable (task);

  if (!asd_server_address_lookup_finish (ASD_SERVER_ADDRESS (source), result, &host, &port, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  address = g_network_address_new (host, port);
  client = g_socket_client_new ();
  /* where ssh connects: ssh takes no proxy from the desktop's settings */
  g_socket_client_set_enable_proxy (client, FALSE);
  g_socket_client_set_timeout (client, data->timeout_s);
  data->started = g_get_monotonic_time ();
  g_socket_client_connect_async (client, address, cancellable, on_connected, g_steal_pointer (&task));
}

/**
 * asd_server_probe_async:
 * @address: where the tunnel's ssh connects (asked of `ssh -G` once)
 * @timeout_s: how long the TCP connect may take
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the probe is over
 * @user_data: for @callback
 *
 * Connects to the server's ssh port, without logging in.  Fails with
 * %G_IO_ERROR_NOT_SUPPORTED when a proxy hides the server.
 */
void
asd_server_probe_async (AsdServerAddress    *address,
                        guint                timeout_s,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  ProbeData *data = g_new0 (ProbeData, 1);

  data->timeout_s = timeout_s;
  g_task_set_task_data (task, data, g_free);
  g_task_set_source_tag (task, asd_server_probe_async);
  asd_server_address_lookup_async (address, cancellable, on_address, g_steal_pointer (&task));
}

/**
 * asd_server_probe_finish:
 * @result: the result given to the callback
 * @latency_us: (out) (optional): how long the TCP connect took
 * @error: return location for why the server was not reached
 *
 * Returns: whether the server's ssh port accepted a connection
 */
gboolean
asd_server_probe_finish (GAsyncResult *result, gint64 *latency_us, GError **error)
{
  gssize latency = g_task_propagate_int (G_TASK (result), error);

  if (latency < 0)
    return FALSE;
  if (latency_us != NULL)
    *latency_us = latency;
  return TRUE;
}
