/* asd-keeper-shared.c: a tunnel that rides a shared connection
 *
 * A keeper whose tunnel may share (ShareConnection, no monitor port, no
 * remote command, every forward one a control master can open) runs no
 * ssh of its own.  It works out its connection key (asd-connections.c),
 * attaches to that connection and follows its master's state: while the
 * master logs in or waits to retry, the tunnel says the same with the
 * same reason (and the same NextRetry); when the master is connected,
 * the tunnel's forwards are opened through its control connection, all
 * at once, and the tunnel is connected when the last one is.  So a
 * tunnel whose master is up connects in one round trip.
 *
 * A forward that cannot be opened (a local port in use, a remote port
 * the server refuses) concerns this tunnel alone: the forwards it did
 * open are closed again, it goes retrying with its own reason and tries
 * again on its own schedule (its own AsdRetryWait), while the master and
 * the other tunnels go on.  A master that goes down takes every tunnel
 * on it down with it (each says Dropped); when it is back, each opens its
 * forwards again (and says Reconnected).  Stop closes the tunnel's
 * forwards and leaves the connection; the master ends when its last
 * tunnel has left (asd-connection.c).
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <string.h>

#include "asd-connections.h"
#include "asd-keeper-private.h"
#include "asd-log.h"

/* One open or close of a forward; answers of an old round are late. */
typedef struct {
  AsdKeeper *keeper;             /* a reference; NULL: nobody waits */
  guint round;
  gboolean open;
  AsdMuxForward forward;
  AsdMuxClient *session;
} Request;

static void
request_free (Request *request)
{
  g_clear_object (&request->keeper);
  g_clear_object (&request->session);
  asd_mux_forward_clear (&request->forward);
  g_free (request);
}

/* The tunnel's forwards as the mux client takes them; %NULL if one
 * cannot be opened through a master (a remote dynamic forward). */
static void
forwards_free (GPtrArray *forwards)
{
  for (guint j = 0; j < forwards->len; j++)
    {
      asd_mux_forward_clear (g_ptr_array_index (forwards, j));
      g_free (g_ptr_array_index (forwards, j));
    }
  g_ptr_array_unref (forwards);
}

static GPtrArray *
forwards_of (const AsdTunnelSettings *settings)
{
  GPtrArray *all = g_ptr_array_new ();
  struct { AsdMuxForwardKind kind; char **specs; } lists[] = {
    { ASD_MUX_FORWARD_LOCAL, settings->local_forwards },
    { ASD_MUX_FORWARD_REMOTE, settings->remote_forwards },
    { ASD_MUX_FORWARD_DYNAMIC, settings->dynamic_forwards },
  };

  for (guint l = 0; l < G_N_ELEMENTS (lists); l++)
    for (guint i = 0; lists[l].specs != NULL && lists[l].specs[i] != NULL; i++)
      {
        AsdMuxForward *forward = g_new0 (AsdMuxForward, 1);

        g_ptr_array_add (all, forward);
        if (!asd_mux_forward_parse (lists[l].kind, lists[l].specs[i], forward, NULL))
          {
            forwards_free (all);
            return NULL;
          }
      }
  return all;
}

static gboolean
has_remote_command (const AsdTunnelSettings *settings)
{
  for (guint i = 0; settings->ssh_options[i] != NULL; i++)
    if (g_ascii_strncasecmp (settings->ssh_options[i], "RemoteCommand", strlen ("RemoteCommand")) == 0)
      return TRUE;
  return FALSE;
}

/* Whether this keeper's tunnel rides a shared connection (see the top). */
gboolean
asd_keeper_rides (AsdKeeper *self)
{
  GPtrArray *forwards;

  if (self->connections == NULL || self->cannot_share || self->settings == NULL ||
      !self->settings->share_connection ||
      self->settings->monitor_port != 0 || has_remote_command (self->settings))
    return FALSE;
  forwards = forwards_of (self->settings);
  if (forwards == NULL)
    return FALSE;
  forwards_free (forwards);
  return TRUE;
}

/* The master's settings and command: the tunnel's, without forwards. */
static AsdTunnelSettings *
master_settings (AsdKeeper *self, char ***argv)
{
  AsdTunnelSettings *settings = asd_connections_settings_of (self->settings);

  *argv = asd_tunnel_settings_ssh_argv (settings, self->argv[0]);
  return settings;
}

static AsdKeeper *
master_of (AsdKeeper *self)
{
  return asd_connection_get_master (self->connection);
}

/* ---- opening and closing the tunnel's forwards ---- */

static void follow_master (AsdKeeper *self);

static void
on_closed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Request *request = user_data;
  AsdKeeper *self = request->keeper;
  g_autoptr(GError) error = NULL;

  if (!asd_mux_client_forward_finish (ASD_MUX_CLIENT (source), result, &error))
    g_debug ("closing a shared forward failed: %s", error->message);
  if (self != NULL && --self->closing == 0 && self->connection != NULL)
    follow_master (self);
  request_free (request);
}

static void
send_close (AsdKeeper *self, AsdMuxClient *session, AsdMuxForward *forward, gboolean answer)
{
  Request *request = g_new0 (Request, 1);

  request->session = g_object_ref (session);
  request->forward = *forward;
  *forward = (AsdMuxForward) { 0, };
  if (answer)
    {
      request->keeper = g_object_ref (self);
      self->closing++;
    }
  if (self->connection != NULL)
    asd_connection_forward_async (self->connection, session, FALSE, &request->forward,
                                  on_closed, request);
  else
    asd_mux_client_forward_async (session, FALSE, &request->forward, NULL, on_closed, request);
}

/* Closes every forward of the tunnel that the master has open. */
static void
close_forwards (AsdKeeper *self, gboolean answer)
{
  GPtrArray *forwards;

  self->round++;
  if (!self->forwards_open || self->forwards_via == NULL)
    {
      self->forwards_open = FALSE;
      g_clear_object (&self->forwards_via);
      return;
    }
  self->forwards_open = FALSE;
  forwards = forwards_of (self->settings);
  for (guint i = 0; forwards != NULL && i < forwards->len; i++)
    send_close (self, self->forwards_via, g_ptr_array_index (forwards, i), answer);
  if (forwards != NULL)
    forwards_free (forwards);
  g_clear_object (&self->forwards_via);
}

/* Why the tunnel cannot have @forward (transfer full). */
static AsdReason *
refused (const AsdMuxForward *forward, AsdRetry *retry)
{
  AsdReasonCode code = forward->kind == ASD_MUX_FORWARD_REMOTE ? ASD_REASON_REMOTE_PORT_IN_USE
                                                              : ASD_REASON_LOCAL_PORT_IN_USE;

  *retry = forward->kind == ASD_MUX_FORWARD_REMOTE ? ASD_RETRY_SHORT : ASD_RETRY_BACKOFF;
  return asd_reason_new (code, ASD_DETAIL_PORT, g_variant_new_uint32 (forward->listen_port), NULL);
}

/* Every answer of a round is in: connected, or retrying on its own. */
static void
round_done (AsdKeeper *self)
{
  AsdRetry retry = ASD_RETRY_BACKOFF;
  AsdReason *why;

  if (self->failed_forward == NULL)
    {
      self->forwards_open = TRUE;
      asd_keeper_become_connected (self);
      return;
    }
  /* a local port in use: by another of our tunnels, named */
  why = asd_keeper_name_port_owner (self, refused (self->failed_forward, &retry));
  asd_mux_forward_clear (self->failed_forward);
  g_clear_pointer (&self->failed_forward, g_free);
  self->forwards_open = TRUE;    /* the ones that did open */
  close_forwards (self, TRUE);
  self->own_retry = TRUE;
  asd_keeper_after_failed_run (self, FALSE, why, retry);
}

static void
on_opened (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Request *request = user_data;
  AsdKeeper *self = request->keeper;
  g_autoptr(GError) error = NULL;
  gboolean ok = asd_mux_client_forward_finish (ASD_MUX_CLIENT (source), result, &error);

  if (request->round != self->round)
    {
      /* given up meanwhile (Stop, the master dropped): nobody wants it */
      if (ok)
        send_close (self, request->session, &request->forward, FALSE);
      request_free (request);
      return;
    }
  if (!ok)
    {
      asd_log_tunnel (self->name, G_LOG_LEVEL_MESSAGE, "%s: the shared connection could not "
                      "open a forward: %s", self->name, error->message);
      if (self->failed_forward == NULL)
        {
          self->failed_forward = g_new0 (AsdMuxForward, 1);
          *self->failed_forward = request->forward;
          request->forward = (AsdMuxForward) { 0, };
        }
    }
  if (--self->requests == 0)
    round_done (self);
  request_free (request);
}

static gboolean
is_remote (AsdMuxForwardKind kind)
{
  return kind == ASD_MUX_FORWARD_REMOTE;
}

/* Another tunnel on the connection with a forward that listens where
 * @forward would: OpenSSH's master answers "done" to a forward it has
 * already (it does not open it twice), and the two tunnels would then
 * lose it together when one of them leaves.  NULL when there is none. */
static AsdKeeper *
holder_on_connection (AsdKeeper *self, const AsdMuxForward *forward)
{
  GPtrArray *tunnels = asd_connection_get_tunnels (self->connection);

  for (guint i = 0; i < tunnels->len; i++)
    {
      AsdKeeper *other = g_ptr_array_index (tunnels, i);
      g_autoptr(GPtrArray) theirs = NULL;
      gboolean same = FALSE;

      if (other == self || !other->forwards_open || other->settings == NULL)
        continue;
      theirs = forwards_of (other->settings);
      for (guint j = 0; theirs != NULL && j < theirs->len && !same; j++)
        {
          const AsdMuxForward *f = g_ptr_array_index (theirs, j);

          same = is_remote (f->kind) == is_remote (forward->kind) &&
                 f->listen_port == forward->listen_port &&
                 g_strcmp0 (f->listen_host, forward->listen_host) == 0;
        }
      if (theirs != NULL)
        forwards_free (g_steal_pointer (&theirs));
      if (same)
        return other;
    }
  return NULL;
}

/* Gives up this round before asking anything when another tunnel on the
 * connection holds where one of @forwards listens.  Returns: whether it
 * did (@forwards is then freed). */
static gboolean
refuse_held (AsdKeeper *self, GPtrArray *forwards)
{
  for (guint i = 0; i < forwards->len; i++)
    {
      const AsdMuxForward *forward = g_ptr_array_index (forwards, i);
      AsdKeeper *holder = holder_on_connection (self, forward);
      AsdRetry retry = ASD_RETRY_BACKOFF;
      g_autoptr(AsdReason) port = NULL;

      if (holder == NULL)
        continue;
      port = refused (forward, &retry);
      forwards_free (forwards);
      self->own_retry = TRUE;
      asd_keeper_after_failed_run (self, FALSE,
                                   asd_reason_with (port, ASD_DETAIL_HELD_BY,
                                                    g_variant_new_string (holder->name)),
                                   retry);
      return TRUE;
    }
  return FALSE;
}

/* The master is connected: every forward of the tunnel, at once. */
static void
open_forwards (AsdKeeper *self)
{
  AsdMuxClient *session = asd_keeper_session_to_check (master_of (self));
  GPtrArray *forwards = forwards_of (self->settings);

  if (self->attempts++ > 0 || self->down_since > 0)
    asd_keeper_set_restarts (self, self->restarts + 1);
  if (session == NULL || forwards == NULL)
    {
      /* the master has no usable control connection (asd-keeper-liveness.c
       * says why): nothing can ride it, the tunnel runs an ssh of its own */
      g_clear_pointer (&forwards, forwards_free);
      asd_log_tunnel (self->name, G_LOG_LEVEL_MESSAGE, "%s: cannot share the connection of "
                      "%s without its control connection: running an ssh of its own",
                      self->name, master_of (self)->name);
      self->cannot_share = TRUE;
      asd_keeper_leave_connection (self, FALSE);
      asd_keeper_spawn_ssh (self);
      return;
    }
  self->round++;
  g_set_object (&self->forwards_via, session);
  asd_keeper_tell_state (self, ASD_TUNNEL_STATE_CONNECTING,
                         asd_keeper_about_destination (self, ASD_REASON_CONNECTING));
  if (refuse_held (self, forwards))
    return;
  if (forwards->len == 0)
    {
      forwards_free (forwards);
      round_done (self);
      return;
    }
  self->requests = forwards->len;
  for (guint i = 0; i < forwards->len; i++)
    {
      Request *request = g_new0 (Request, 1);
      AsdMuxForward *forward = g_ptr_array_index (forwards, i);

      request->keeper = g_object_ref (self);
      request->round = self->round;
      request->open = TRUE;
      request->session = g_object_ref (session);
      request->forward = *forward;
      *forward = (AsdMuxForward) { 0, };
      asd_connection_forward_async (self->connection, session, TRUE, &request->forward,
                                    on_opened, request);
    }
  forwards_free (forwards);
}

/* ---- following the master ---- */

/* The master's reason, as this tunnel's: one that names a tunnel (what
 * to run to fix it) names this one (transfer full). */
static AsdReason *
reason_of_master (AsdKeeper *self, AsdKeeper *master)
{
  if (!g_variant_lookup (master->reason->details, ASD_DETAIL_TUNNEL, "&s", NULL))
    return asd_reason_copy (master->reason);
  return asd_reason_with (master->reason, ASD_DETAIL_TUNNEL, g_variant_new_string (self->name));
}

/* The master is not connected: neither is the tunnel, for the same reason. */
static void
follow_down (AsdKeeper *self, AsdKeeper *master)
{
  g_autofree char *text = asd_reason_to_text (master->reason);

  self->forwards_open = FALSE;
  g_clear_object (&self->forwards_via);
  self->round++;
  self->requests = 0;
  self->own_retry = FALSE;
  asd_retry_wait_cancel (self->wait);
  g_clear_handle_id (&self->stable_id, g_source_remove);
  if (self->state == ASD_TUNNEL_STATE_CONNECTED)
    {
      self->down_since = g_get_monotonic_time ();
      self->attempts = 0;
      asd_keeper_emit_dropped (self, text);
    }
  if (master->state == ASD_TUNNEL_STATE_FAILED)
    {
      asd_keeper_give_up (self, reason_of_master (self, master));
      asd_keeper_leave_connection (self, FALSE);
      return;
    }
  if (master->state == ASD_TUNNEL_STATE_STOPPED)
    return;
  asd_keeper_set_next_retry (self, (gint64) master->next_retry);
  asd_keeper_tell_state (self, master->state, reason_of_master (self, master));
}

static void
follow_master (AsdKeeper *self)
{
  AsdKeeper *master = master_of (self);

  if (!self->want_up)
    return;
  if (master->state != ASD_TUNNEL_STATE_CONNECTED)
    {
      follow_down (self, master);
      return;
    }
  if (!self->forwards_open && self->requests == 0 && self->closing == 0 && !self->own_retry)
    open_forwards (self);
}

static void
on_master_pid (AsdKeeper *self)
{
  asd_keeper_set_pid (self, master_of (self)->pid);
}

static void
on_master_next_retry (AsdKeeper *self)
{
  if (self->state == ASD_TUNNEL_STATE_RETRYING && !self->own_retry)
    asd_keeper_set_next_retry (self, (gint64) master_of (self)->next_retry);
}

static void
on_tunnels_changed (AsdKeeper *self)
{
  g_auto(GStrv) names = asd_connection_shared_with (self->connection, self);

  asd_keeper_set_shared_with (self, (const char * const *) names);
}

static void
on_master_event (AsdKeeper *self, const char *kind, GVariant *details)
{
  asd_keeper_emit_event (self, kind, details);
}

static void
join (AsdKeeper *self, AsdConnection *connection)
{
  AsdKeeper *master = asd_connection_get_master (connection);

  self->connection = g_object_ref (connection);
  g_signal_connect_swapped (master, "notify::state", G_CALLBACK (follow_master), self);
  g_signal_connect_swapped (master, "notify::pid", G_CALLBACK (on_master_pid), self);
  g_signal_connect_swapped (master, "notify::next-retry", G_CALLBACK (on_master_next_retry), self);
  g_signal_connect_swapped (master, "probed", G_CALLBACK (asd_keeper_tell_probed), self);
  g_signal_connect_swapped (master, "event", G_CALLBACK (on_master_event), self);
  g_signal_connect_swapped (connection, "tunnels-changed", G_CALLBACK (on_tunnels_changed), self);
  asd_log_tunnel (self->name, G_LOG_LEVEL_DEBUG, "%s: rides the connection of %s",
                  self->name, master->name);
  asd_connection_attach (connection, self);
  on_master_pid (self);
  follow_master (self);
}

static void
on_keyed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autofree char *key = asd_connections_key_finish (result);
  AsdKeeper *self = user_data;
  g_autoptr(AsdTunnelSettings) settings = NULL;
  g_auto(GStrv) argv = NULL;

  if (key == NULL)
    return;   /* cancelled: the keeper may be gone */
  g_clear_object (&self->keying);
  settings = master_settings (self, &argv);
  join (self, asd_connections_get (self->connections, key, self->name, settings,
                                   (const char * const *) argv));
}

/* Up through the shared connection: attached, or first its key. */
void
asd_keeper_ride (AsdKeeper *self)
{
  g_autoptr(AsdTunnelSettings) settings = NULL;
  g_auto(GStrv) argv = NULL;

  self->own_retry = FALSE;
  if (self->connection != NULL)
    {
      asd_connection_attach (self->connection, self);
      follow_master (self);
      return;
    }
  if (self->keying != NULL)
    return;
  settings = master_settings (self, &argv);
  self->keying = g_cancellable_new ();
  asd_keeper_tell_state (self, ASD_TUNNEL_STATE_CONNECTING,
                         asd_keeper_about_destination (self, ASD_REASON_CONNECTING));
  asd_connections_key_async (self->connections, self->name, settings, (const char * const *) argv, self->keying,
                             on_keyed, self);
}

/* Restart: the forwards are closed and opened again; a master waiting to
 * retry tries now. */
void
asd_keeper_ride_again (AsdKeeper *self)
{
  AsdKeeper *master = master_of (self);

  close_forwards (self, TRUE);
  self->own_retry = FALSE;
  asd_retry_wait_cancel (self->wait);
  /* connecting from now on, as a Restart of an ssh of its own */
  asd_keeper_tell_state (self, ASD_TUNNEL_STATE_CONNECTING,
                         asd_keeper_about_destination (self, ASD_REASON_CONNECTING));
  if (master->state == ASD_TUNNEL_STATE_RETRYING)
    asd_keeper_restart (master);
  else
    follow_master (self);
}

/* Off the connection: forwards closed, detached, no key on its way. */
void
asd_keeper_leave_connection (AsdKeeper *self, gboolean disposing)
{

  g_cancellable_cancel (self->keying);
  g_clear_object (&self->keying);
  close_forwards (self, !disposing);
  self->own_retry = FALSE;
  self->requests = 0;
  g_clear_handle_id (&self->stable_id, g_source_remove);
  if (self->connection == NULL)
    return;
  g_signal_handlers_disconnect_by_data (master_of (self), self);
  g_signal_handlers_disconnect_by_data (self->connection, self);
  asd_connection_detach (self->connection, self);
  g_clear_object (&self->connection);
  if (!disposing)
    {
      asd_keeper_set_shared_with (self, NULL);
      asd_keeper_set_pid (self, 0);
    }
}

/* The master's ssh, for a change of forwards: the tunnel's own or its
 * connection's. */
AsdSshRun *
asd_keeper_master_run (AsdKeeper *self)
{
  return self->connection != NULL ? master_of (self)->run : self->run;
}
