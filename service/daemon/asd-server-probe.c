/* asd-server-probe.c: is the server's ssh port reachable? (no login)
 *
 * The tunnel's destination may be a ~/.ssh/config alias, so `ssh -G` (which
 * only reads the configuration) says which host and port ssh would use;
 * then a plain TCP connect tells whether anything listens there.  No login
 * is attempted, so a server that is away is not hammered with logins.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <string.h>

#include "asd-server-probe.h"
#include "asd-ssh-config.h"

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
    g_socket_client_connect_to_host_finish (G_SOCKET_CLIENT (source), result, &error);

  if (connection == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_int (task, g_get_monotonic_time () - data->started);
}

static void
on_config (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  ProbeData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autofree char *output = NULL;
  g_autofree char *host = NULL;
  g_autofree char *port = NULL;
  g_autofree char *jump = NULL;
  g_autofree char *proxy = NULL;
  g_autoptr(GSocketClient) client = NULL;
  GCancellable *cancellable;
  guint64 port_number = 22;

  if (!g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), result, &output, NULL, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  host = asd_ssh_config_value (output, "hostname");
  port = asd_ssh_config_value (output, "port");
  jump = asd_ssh_config_value (output, "proxyjump");
  proxy = asd_ssh_config_value (output, "proxycommand");
  if ((jump != NULL && strcmp (jump, "none") != 0) || (proxy != NULL && strcmp (proxy, "none") != 0))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               "the server is reached through a proxy");
      return;
    }
  if (host == NULL || (port != NULL && !g_ascii_string_to_unsigned (port, 10, 1, 65535, &port_number, NULL)))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED,
                               "ssh -G gave no host name or port");
      return;
    }

  client = g_socket_client_new ();
  g_socket_client_set_timeout (client, data->timeout_s);
  data->started = g_get_monotonic_time ();
  cancellable = g_task_get_cancellable (task);
  g_socket_client_connect_to_host_async (client, host, port_number, cancellable,
                                         on_connected, g_steal_pointer (&task));
}

/**
 * asd_server_probe_async:
 * @ssh_argv: the tunnel's ssh argv (its options decide host and port)
 * @timeout_s: how long the TCP connect may take
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the probe is over
 * @user_data: for @callback
 *
 * Connects to the server's ssh port, without logging in.
 */
void
asd_server_probe_async (const char * const  *ssh_argv,
                        guint                timeout_s,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_auto(GStrv) argv = asd_ssh_config_argv (ssh_argv);
  g_autoptr(GSubprocess) ssh = NULL;
  g_autoptr(GError) error = NULL;
  ProbeData *data = g_new0 (ProbeData, 1);

  data->timeout_s = timeout_s;
  g_task_set_task_data (task, data, g_free);
  g_task_set_source_tag (task, asd_server_probe_async);

  ssh = g_subprocess_newv ((const char * const *) argv,
                           G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                           &error);
  if (ssh == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_subprocess_communicate_utf8_async (ssh, NULL, cancellable, on_config, g_steal_pointer (&task));
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
