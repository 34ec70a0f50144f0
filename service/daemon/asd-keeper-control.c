/* asd-keeper-control.c: what a tunnel asks of its keeper
 *
 * Start, Stop, Restart and Probe; the system's sleep and the network's
 * changes; new settings, a broken file, the pacer and the askpass server.
 * How the keeper runs ssh and waits between tries is asd-keeper.c.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "asd-error.h"
#include "asd-keeper-private.h"

/* Wants ssh up from now on: starts it, with fresh counts, unless it runs. */
void
asd_keeper_start (AsdKeeper *self)
{
  g_return_if_fail (ASD_IS_KEEPER (self));
  g_return_if_fail (self->settings != NULL);

  self->want_up = TRUE;
  if (self->run != NULL)
    return;
  asd_server_address_forget (self->server);
  asd_retry_wait_reset_backoff (self->wait);
  self->attempts = 0;
  self->down_since = 0;
  asd_keeper_set_restarts (self, 0);
  asd_keeper_spawn_ssh (self);
}

/* Wants ssh down: stops it (ssh_ended tells when it is gone) and every wait. */
void
asd_keeper_stop (AsdKeeper *self)
{
  self->want_up = FALSE;
  self->restart_pending = FALSE;
  self->asleep = FALSE;
  self->down_since = 0;
  asd_keeper_leave_connection (self, FALSE);
  asd_retry_wait_cancel (self->wait);
  asd_keeper_cancel_slot (self);
  if (self->run != NULL)
    asd_ssh_run_stop (self->run, NULL);
  else if (self->settings != NULL)
    asd_keeper_tell_state (self, ASD_TUNNEL_STATE_STOPPED, asd_reason_new (ASD_REASON_STOPPED, NULL));
}

/* A running ssh starts again once gone; a waiting one tries now, keeping
 * its counts; else as asd_keeper_start(). */
void
asd_keeper_restart (AsdKeeper *self)
{
  g_return_if_fail (ASD_IS_KEEPER (self));
  g_return_if_fail (self->settings != NULL);

  if (self->connection != NULL && self->want_up)
    asd_keeper_ride_again (self);
  else if (self->run != NULL)
    {
      self->want_up = TRUE;
      self->restart_pending = TRUE;
      asd_ssh_run_stop (self->run, NULL);
      /* connecting from now on, not once the old ssh is gone */
      asd_keeper_tell_state (self, ASD_TUNNEL_STATE_CONNECTING, asd_keeper_about_destination (self, ASD_REASON_CONNECTING));
    }
  else if (self->want_up)
    {
      asd_server_address_forget (self->server);
      asd_keeper_spawn_ssh (self);
    }
  else
    asd_keeper_start (self);
}

/* ---- Probe: one test at a time, its answer shared by every caller ---- */

static void
on_probe_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  guint64 latency = 0;

  if (!asd_probe_run_finish (ASD_PROBE (source), result, &latency, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_pointer (task, g_memdup2 (&latency, sizeof latency), g_free);
}

static void
on_shared_probe_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  guint64 latency = 0;

  if (!asd_keeper_probe_finish (ASD_KEEPER (source), result, &latency, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_pointer (task, g_memdup2 (&latency, sizeof latency), g_free);
}

/**
 * asd_keeper_probe_async:
 * @self: a keeper
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the probe has ended
 * @user_data: for @callback
 *
 * Tests the connection now (#AsdProbe): the monitor test while ssh is
 * connected with one (a success is #AsdKeeper::probed through the run),
 * else a check of the connected ssh's session through its control
 * connection (a session that does not answer is replaced, see
 * asd-keeper-liveness.c), else a connect to the server's ssh port (while
 * retrying, a success tries at once).  A call made while a probe runs shares its answer.
 */
void
asd_keeper_probe_async (AsdKeeper *self, GCancellable *cancellable,
                        GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  gboolean monitored;

  g_return_if_fail (ASD_IS_KEEPER (self));

  g_task_set_source_tag (task, asd_keeper_probe_async);
  if (self->settings == NULL)
    {
      g_autofree char *why = asd_reason_to_text (self->reason);

      g_task_return_new_error (task, ASD_ERROR, ASD_ERROR_BROKEN_CONFIG, "%s", why);
      return;
    }
  if (self->state == ASD_TUNNEL_STATE_STOPPED)
    {
      g_task_return_new_error (task, ASD_ERROR, ASD_ERROR_NOT_RUNNING,
                               _("the tunnel is stopped: start it first"));
      return;
    }
  if (self->connection != NULL)
    {
      /* the master's session is the tunnel's */
      asd_keeper_probe_async (asd_connection_get_master (self->connection), cancellable,
                              on_shared_probe_done, g_steal_pointer (&task));
      return;
    }
  monitored = self->monitor != NULL && self->run != NULL && self->state == ASD_TUNNEL_STATE_CONNECTED;
  asd_probe_run_async (self->probe, monitored ? self->monitor : NULL,
                       monitored ? NULL : asd_keeper_session_to_check (self), self->server,
                       cancellable, on_probe_done, g_steal_pointer (&task));
}

/**
 * asd_keeper_probe_finish:
 * @self: a keeper
 * @result: the result given to the callback
 * @latency_usec: (out) (optional): how long the probe took, in µs
 * @error: return location for an %ASD_ERROR error: %ASD_ERROR_NOT_RUNNING,
 *   %ASD_ERROR_PROBE_FAILED, %ASD_ERROR_BROKEN_CONFIG
 *
 * Returns: whether the probe got its answer
 */
gboolean
asd_keeper_probe_finish (AsdKeeper *self, GAsyncResult *result, guint64 *latency_usec, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return asd_probe_propagate_latency (G_TASK (result), latency_usec, error);
}

/* See asd_tunnel_sleep(). */
void
asd_keeper_sleep (AsdKeeper *self)
{
  /* a shared master sleeps once, for all its tunnels (asd-connections.c) */
  if (!self->want_up || self->settings == NULL || self->connection != NULL)
    return;
  self->asleep = TRUE;
  self->restart_pending = FALSE;
  asd_retry_wait_cancel (self->wait);
  asd_keeper_cancel_slot (self);
  if (self->run != NULL)
    asd_ssh_run_stop (self->run, NULL);
  else
    asd_keeper_tell_state (self, ASD_TUNNEL_STATE_RETRYING, asd_reason_new (ASD_REASON_SYSTEM_ASLEEP, NULL));
}

/* See asd_tunnel_wake(). */
void
asd_keeper_wake (AsdKeeper *self)
{
  if (self->connection != NULL)
    return;
  if (!self->asleep)
    {
      asd_keeper_check_session (self);   /* ssh survived the sleep: is its session alive? */
      return;
    }
  self->asleep = FALSE;
  asd_retry_wait_reset_backoff (self->wait);
  if (self->want_up && self->run == NULL)
    asd_keeper_spawn_ssh (self);
}

/* See asd_tunnel_forget_server_address(). */
void
asd_keeper_forget_server_address (AsdKeeper *self)
{
  asd_server_address_forget (self->server);
}

/* See asd_tunnel_network_changed(). */
void
asd_keeper_network_changed (AsdKeeper *self)
{
  asd_server_address_forget (self->server);
  if (self->connection != NULL)
    return;   /* its master is checked, once for all its tunnels */
  asd_keeper_check_session (self);   /* connected: does the session still answer? */
  /* asleep: ssh was closed for the sleep, and waits for the wake */
  if (self->settings == NULL || self->run != NULL || !self->want_up || self->asleep ||
      self->state != ASD_TUNNEL_STATE_RETRYING)
    return;
  asd_keeper_spawn_ssh (self);
}


/* Whether ssh would run the same with @settings and @argv: the same
 * command, monitor, approved host key and sharing. */
static gboolean
runs_alike (AsdKeeper *self, const AsdTunnelSettings *settings, const char * const *argv)
{
  const AsdTunnelSettings *old = self->settings;

  return g_strv_equal ((const char * const *) self->argv, argv) &&
         old->monitor_port == settings->monitor_port && old->echo_port == settings->echo_port &&
         old->poll_interval == settings->poll_interval && old->first_poll == settings->first_poll &&
         g_strcmp0 (old->trusted_host_key, settings->trusted_host_key) == 0 &&
         old->share_connection == settings->share_connection;
}

/* New @settings and the ssh @argv built from them (both copied; %NULL
 * while the tunnel's file is broken): a running ssh starts again. */
void
asd_keeper_reconfigure (AsdKeeper *self, const AsdTunnelSettings *settings,
                        const char * const *argv)
{
  gboolean was_broken = self->settings == NULL;
  gboolean was_riding = self->connection != NULL || self->keying != NULL;

  /* Settings that do not change how ssh runs (AutoStart) restart nothing. */
  if (!was_broken && settings != NULL && runs_alike (self, settings, argv))
    {
      asd_tunnel_settings_free (self->settings);
      self->settings = asd_tunnel_settings_copy (settings);
      return;
    }
  /* off its connection with the old forwards; the new settings may ride
   * another one (or none) */
  asd_keeper_leave_connection (self, FALSE);
  self->cannot_share = FALSE;
  g_clear_pointer (&self->settings, asd_tunnel_settings_free);
  g_clear_pointer (&self->argv, g_strfreev);
  if (settings != NULL)
    {
      self->settings = asd_tunnel_settings_copy (settings);
      self->argv = g_strdupv ((char **) argv);
      asd_server_address_set_argv (self->server, argv);
      g_free (self->destination);
      self->destination = asd_tunnel_settings_display_destination (settings);
    }
  g_clear_object (&self->monitor);
  /* a ssh that is ending after Stop stays stopped (issue 9, finding 8) */
  if (self->run != NULL && self->settings != NULL && self->want_up)
    {
      self->restart_pending = TRUE;
      asd_ssh_run_stop (self->run, NULL);
      /* connecting from now on: a Configure replies in this state */
      asd_keeper_tell_state (self, ASD_TUNNEL_STATE_CONNECTING,
                             asd_keeper_about_destination (self, ASD_REASON_CONNECTING));
    }
  else if (was_riding && self->settings != NULL && self->want_up)
    asd_keeper_spawn_ssh (self);
  else if (was_broken && self->settings != NULL)
    asd_keeper_tell_state (self, ASD_TUNNEL_STATE_STOPPED, asd_reason_new (ASD_REASON_STOPPED, NULL));
}

/* Fails with @reason until started again: the tunnel's file is broken. */
void
asd_keeper_fail (AsdKeeper *self, const AsdReason *reason)
{
  asd_keeper_give_up (self, asd_reason_copy (reason));
}

gboolean
asd_keeper_has_ssh (AsdKeeper *self)
{
  return self->run != NULL;
}

/* See asd_tunnel_set_pacer(). */
void
asd_keeper_set_pacer (AsdKeeper *self, AsdLoginPacer *pacer)
{
  g_set_object (&self->pacer, pacer);
}

/* See asd_tunnel_set_port_owner(). */
void
asd_keeper_set_port_owner (AsdKeeper *self, AsdPortOwnerFunc func, gpointer user_data)
{
  self->port_owner = func;
  self->port_owner_data = user_data;
}

/* A local port in use: by another of our tunnels, named in the reason?
 * @reason: transfer full; returns: transfer full */
AsdReason *
asd_keeper_name_port_owner (AsdKeeper *self, AsdReason *reason)
{
  g_autoptr(AsdReason) owned = reason;
  g_autofree char *owner = NULL;
  guint32 port = 0;

  if (owned->code != ASD_REASON_LOCAL_PORT_IN_USE || self->port_owner == NULL ||
      !g_variant_lookup (owned->details, ASD_DETAIL_PORT, "u", &port))
    return g_steal_pointer (&owned);
  owner = self->port_owner (port, self->name, self->port_owner_data);
  if (owner == NULL)
    return g_steal_pointer (&owned);
  return asd_reason_with (owned, ASD_DETAIL_HELD_BY, g_variant_new_string (owner));
}

/* See asd_tunnel_set_askpass(). */
void
asd_keeper_set_askpass (AsdKeeper *self, AsdAskpassServer *server, const char *helper)
{
  g_set_object (&self->askpass_server, server);
  g_free (self->askpass_helper);
  self->askpass_helper = g_strdup (helper);
}
