/* asd-keeper.c: keeps one tunnel's ssh up, and says what happens to it
 *
 * While its tunnel is wanted up, a keeper runs `ssh -N` (an AsdSshRun per
 * start, which reads ssh's messages to know when it is connected and why
 * it went down).  Why decides what comes next (asd_ssh_failure_retry()):
 * a permanent failure waits in "failed" for the user; a remote port still
 * held by an old session is retried shortly; an unreachable server is
 * probed with plain TCP connects (asd-retry-wait) and retried the moment
 * it answers; the rest backs off exponentially with jitter.  Stalls are
 * found by ssh's ServerAlive defaults, or by the monitor test when
 * MonitorPort is set.  Logins wait for a slot of the login pacer; the
 * system's sleep closes ssh until it wakes.  The keeper knows nothing of
 * D-Bus: what happens shows in its properties (state, pid, restarts, ...)
 * and signals (dropped, reconnected, probed, ssh-ended, and event for the
 * tunnel's log), which its tunnel (asd-tunnel) mirrors onto the bus.  What the tunnel asks of it (Start,
 * Stop, Probe, sleep, ...) is asd-keeper-control.c.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "asd-enums.h"
#include "asd-error.h"
#include "asd-keeper.h"
#include "asd-keeper-private.h"
#include "asd-log-entry.h"
#include "asd-monitor.h"
#include "asd-probe.h"
#include "asd-retry-wait.h"
#include "asd-ssh-process.h"
#include "asd-ssh-run.h"

#define STABLE_AFTER_S      10   /* connected this long resets the backoff */


enum {
  PROP_0,
  PROP_STATE,
  PROP_REASON,
  PROP_STATE_REASON,
  PROP_PID,
  PROP_RESTARTS,
  PROP_NEXT_RETRY,
  PROP_NEXT_RETRY_MONOTONIC,
  PROP_CONNECTED_SINCE,
  PROP_CONNECTED_SINCE_MONOTONIC,
  PROP_SHARED_WITH,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

enum {
  SIGNAL_DROPPED,
  SIGNAL_RECONNECTED,
  SIGNAL_PROBED,
  SIGNAL_SSH_ENDED,
  SIGNAL_EVENT,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_TYPE (AsdKeeper, asd_keeper, G_TYPE_OBJECT)

static void start_run (AsdKeeper *self);

static void
set_uint (AsdKeeper *self, guint *field, guint value, guint prop)
{
  if (*field == value)
    return;
  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), props[prop]);
}

static void
set_time (AsdKeeper *self, guint64 *field, guint64 value, guint prop)
{
  if (*field == value)
    return;
  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), props[prop]);
}

/* A point in time on both clocks: @real in real time, the monotonic
 * twin from the same distance to now. */
static void
set_times (AsdKeeper *self, guint64 *field, guint64 *monotonic, gint64 real,
           guint prop, guint prop_monotonic)
{
  guint64 twin = real > 0 ? (guint64) (g_get_monotonic_time () + (real - g_get_real_time ())) : 0;

  set_time (self, monotonic, twin, prop_monotonic);
  set_time (self, field, real, prop);
}

/* A reason about this tunnel's server. */
AsdReason *
asd_keeper_about_destination (AsdKeeper *self, AsdReasonCode code)
{
  return asd_reason_new (code, ASD_DETAIL_DESTINATION,
                         self->destination != NULL ? g_variant_new_string (self->destination) : NULL,
                         NULL);
}

/* A new state or reason (@reason: transfer full).  Every property that
 * goes with it is set first (the timestamps, the reason), state last: a
 * handler of notify::state sees the whole change (see #AsdKeeper:state). */
void
asd_keeper_tell_state (AsdKeeper *self, AsdTunnelState state, AsdReason *reason)
{
  g_autoptr(AsdReason) owned = reason;
  gboolean was_connected = self->state == ASD_TUNNEL_STATE_CONNECTED;

  if (state == self->state && asd_reason_equal (owned, self->reason))
    return;
  self->state = state;
  asd_reason_free (self->reason);
  self->reason = g_steal_pointer (&owned);
  if (state != ASD_TUNNEL_STATE_RETRYING)
    set_times (self, &self->next_retry, &self->next_retry_monotonic, 0,
               PROP_NEXT_RETRY, PROP_NEXT_RETRY_MONOTONIC);
  if (state != ASD_TUNNEL_STATE_CONNECTED)
    set_times (self, &self->connected_since, &self->connected_since_monotonic, 0,
               PROP_CONNECTED_SINCE, PROP_CONNECTED_SINCE_MONOTONIC);
  else if (!was_connected)
    set_times (self, &self->connected_since, &self->connected_since_monotonic,
               g_get_real_time (), PROP_CONNECTED_SINCE, PROP_CONNECTED_SINCE_MONOTONIC);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_REASON]);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_STATE_REASON]);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_STATE]);
}

static const char *
retry_nick (AsdRetry retry)
{
  static const char * const nicks[] = {
    [ASD_RETRY_NEVER] = "never",
    [ASD_RETRY_SHORT] = "short",
    [ASD_RETRY_WHEN_REACHABLE] = "when-reachable",
    [ASD_RETRY_BACKOFF] = "backoff",
    [ASD_RETRY_WHEN_UNLOCKED] = "when-unlocked",
  };

  return nicks[retry];
}

/* @why with what happens next, as its "retry" detail (transfer full). */
static AsdReason *
with_retry (AsdReason *why, AsdRetry retry)
{
  g_autoptr(AsdReason) owned = why;

  return asd_reason_with (owned, ASD_DETAIL_RETRY, g_variant_new_string (retry_nick (retry)));
}

/* Fails until Start: the user has something to fix (@why: transfer full). */
void
asd_keeper_give_up (AsdKeeper *self, AsdReason *why)
{
  self->want_up = FALSE;
  asd_keeper_tell_state (self, ASD_TUNNEL_STATE_FAILED, with_retry (why, ASD_RETRY_NEVER));
}

/* ---- the monitor test (MonitorPort set), run by each AsdSshRun ---- */

static gboolean
setup_monitor (AsdKeeper *self, GError **error)
{
  const AsdTunnelSettings *s = self->settings;
  AsdMonitorSpec spec = { s->monitor_port, s->echo_port };
  guint first_poll = s->first_poll > 0 ? s->first_poll : s->poll_interval;

  g_clear_object (&self->monitor);
  if (s->monitor_port == 0)
    return TRUE;
  self->monitor = asd_monitor_new (&spec, NULL);
  asd_monitor_set_tunnel_name (self->monitor, self->name);
  if (!asd_monitor_listen (self->monitor, error))
    {
      g_clear_object (&self->monitor);
      return FALSE;
    }
  asd_monitor_set_timing (self->monitor, first_poll, s->poll_interval,
                          asd_monitor_net_timeout (s->poll_interval));
  return TRUE;
}

/* ---- what follows a failed run ---- */

/* @reason: transfer full */
void
asd_keeper_after_failed_run (AsdKeeper *self, gboolean was_connected, AsdReason *reason, AsdRetry retry)
{
  if (was_connected)
    {
      g_autofree char *text = asd_reason_to_text (reason);

      self->down_since = g_get_monotonic_time ();
      self->attempts = 0;
      asd_keeper_emit_dropped (self, text);
    }

  if (retry == ASD_RETRY_NEVER)
    {
      asd_keeper_give_up (self, reason);
      return;
    }
  /* the wait first: NextRetry is set when the state is announced */
  asd_retry_wait_after_failure (self->wait, retry, self->server);
  asd_keeper_tell_state (self, ASD_TUNNEL_STATE_RETRYING, with_retry (reason, retry));
}

static void
on_wait_due (AsdRetryWait *wait, gpointer user_data)
{
  AsdKeeper *self = user_data;

  if (self->want_up && self->run == NULL)
    asd_keeper_spawn_ssh (self);
}

static void
on_wait_scheduled (AsdRetryWait *wait, gint64 when, gpointer user_data)
{
  AsdKeeper *self = user_data;

  set_times (self, &self->next_retry, &self->next_retry_monotonic, when,
             PROP_NEXT_RETRY, PROP_NEXT_RETRY_MONOTONIC);
}

static void
on_wait_probed (AsdRetryWait *wait, gint64 latency, gpointer user_data)
{
  g_signal_emit (user_data, signals[SIGNAL_PROBED], 0, (guint64) latency);
}

/* ---- ssh's run ---- */

void
asd_keeper_clear_run (AsdKeeper *self)
{
  if (self->probe != NULL && asd_probe_is_testing_monitor (self->probe))
    asd_probe_fail (self->probe, _("ssh ended before the monitor test did"));
  asd_keeper_session_ended (self);
  g_clear_pointer (&self->slot, asd_login_slot_release);
  if (self->run != NULL)
    g_signal_handlers_disconnect_by_data (self->run, self);
  g_clear_object (&self->run);
  g_clear_handle_id (&self->stable_id, g_source_remove);
  set_uint (self, &self->pid, 0, PROP_PID);
}

/* Waits no more for a login slot (and gives back one held). */
void
asd_keeper_cancel_slot (AsdKeeper *self)
{
  g_cancellable_cancel (self->slot_wait);
  g_clear_object (&self->slot_wait);
  g_clear_pointer (&self->slot, asd_login_slot_release);
}

static void
on_slot_acquired (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(AsdLoginSlot) slot = asd_login_pacer_acquire_finish (ASD_LOGIN_PACER (source), result, NULL);
  AsdKeeper *self;

  if (slot == NULL)
    return;   /* cancelled: the keeper may be gone */
  self = user_data;
  g_clear_object (&self->slot_wait);
  if (self->want_up && !self->asleep && self->run == NULL)
    {
      self->slot = g_steal_pointer (&slot);
      start_run (self);
    }
}

/* Starts ssh, once a login slot is free: a mass reconnect is paced; a
 * tunnel that shares rides its connection instead. */
void
asd_keeper_spawn_ssh (AsdKeeper *self)
{
  asd_retry_wait_cancel (self->wait);
  if (asd_keeper_rides (self))
    {
      asd_keeper_ride (self);
      return;
    }
  if (self->run != NULL || self->slot_wait != NULL)
    return;
  if (self->pacer == NULL || (self->slot = asd_login_pacer_try_acquire (self->pacer)) != NULL)
    {
      start_run (self);
      return;
    }
  self->slot_wait = g_cancellable_new ();
  asd_keeper_tell_state (self, ASD_TUNNEL_STATE_CONNECTING, asd_keeper_about_destination (self, ASD_REASON_LOGIN_QUEUED));
  asd_login_pacer_acquire_async (self->pacer, self->slot_wait, on_slot_acquired, self);
}

static void
on_run_ended (AsdSshRun *run, gpointer user_data)
{
  AsdKeeper *self = user_data;
  gboolean was_connected = self->state == ASD_TUNNEL_STATE_CONNECTED;
  AsdRetry retry = ASD_RETRY_BACKOFF;
  AsdReason *reason = asd_keeper_name_port_owner (self, asd_ssh_run_explain (run, &retry));
  g_autoptr(GVariant) how = g_variant_ref_sink (asd_ssh_run_exit_details (run));
  gboolean restart;
  gboolean replace = self->replace_pending;   /* its session was dead */

  self->replace_pending = FALSE;
  g_signal_emit (self, signals[SIGNAL_EVENT], 0, ASD_LOG_KIND_SSH_EXITED, how);
  asd_keeper_clear_run (self);
  restart = self->restart_pending && self->want_up;   /* never after a Stop */
  self->restart_pending = FALSE;
  if (restart)
    asd_keeper_spawn_ssh (self);
  else if (self->asleep)
    asd_keeper_tell_state (self, ASD_TUNNEL_STATE_RETRYING, asd_reason_new (ASD_REASON_SYSTEM_ASLEEP, NULL));
  else if (!self->want_up)
    {
      if (self->settings != NULL)   /* a broken file keeps its "failed" */
        asd_keeper_tell_state (self, ASD_TUNNEL_STATE_STOPPED, asd_reason_new (ASD_REASON_STOPPED, NULL));
    }
  else
    {
      asd_keeper_after_failed_run (self, was_connected, reason, retry);
      reason = NULL;
      if (replace && self->want_up)
        asd_keeper_spawn_ssh (self);   /* at once: the network has changed */
    }
  g_clear_pointer (&reason, asd_reason_free);
  g_signal_emit (self, signals[SIGNAL_SSH_ENDED], 0);
}

static gboolean
on_stable (gpointer user_data)
{
  AsdKeeper *self = user_data;

  self->stable_id = 0;
  asd_retry_wait_reset_backoff (self->wait);
  return G_SOURCE_REMOVE;
}

void
asd_keeper_become_connected (AsdKeeper *self)
{
  /* Reconnected comes before the state: a client that reacts to the
   * state knows by then that it was a reconnection. */
  if (self->down_since > 0)
    {
      g_signal_emit (self, signals[SIGNAL_RECONNECTED], 0,
                     (guint64) (g_get_monotonic_time () - self->down_since), self->attempts);
      self->down_since = 0;
    }
  asd_keeper_tell_state (self, ASD_TUNNEL_STATE_CONNECTED, asd_keeper_about_destination (self, ASD_REASON_CONNECTED));
  /* a tunnel on a shared connection connects again without a new run */
  g_clear_handle_id (&self->stable_id, g_source_remove);
  self->stable_id = g_timeout_add_seconds (STABLE_AFTER_S, on_stable, self);
}

static void
on_run_connected (AsdSshRun *run, gpointer user_data)
{
  AsdKeeper *self = user_data;

  g_clear_pointer (&self->slot, asd_login_slot_release);
  asd_keeper_session_up (self);
  asd_keeper_become_connected (self);
}

void
asd_keeper_emit_dropped (AsdKeeper *self, const char *text)
{
  g_signal_emit (self, signals[SIGNAL_DROPPED], 0, text);
}

void
asd_keeper_emit_event (AsdKeeper *self, const char *kind, GVariant *details)
{
  g_signal_emit (self, signals[SIGNAL_EVENT], 0, kind, details);
}

void
asd_keeper_set_pid (AsdKeeper *self, guint pid)
{
  set_uint (self, &self->pid, pid, PROP_PID);
}

void
asd_keeper_set_next_retry (AsdKeeper *self, gint64 real)
{
  set_times (self, &self->next_retry, &self->next_retry_monotonic, real,
             PROP_NEXT_RETRY, PROP_NEXT_RETRY_MONOTONIC);
}

void
asd_keeper_set_shared_with (AsdKeeper *self, const char * const *names)
{
  const char * const none[] = { NULL };

  if (names == NULL)
    names = none;
  if (g_strv_equal ((const char * const *) self->shared_with, names))
    return;
  g_strfreev (self->shared_with);
  self->shared_with = g_strdupv ((char **) names);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_SHARED_WITH]);
}

/* A test succeeded: LastProbe and ProbeLatency. */
void
asd_keeper_tell_probed (AsdKeeper *self, guint64 latency)
{
  g_signal_emit (self, signals[SIGNAL_PROBED], 0, latency);
}

static void
on_run_ssh_line (AsdKeeper *self, const char *line)
{
  g_autoptr(GVariant) details = g_variant_ref_sink (g_variant_new_parsed ("{%s: <%s>}", ASD_DETAIL_SSH_LINE, line));

  g_signal_emit (self, signals[SIGNAL_EVENT], 0, ASD_LOG_KIND_SSH, details);
}

static void
start_run (AsdKeeper *self)
{
  g_autoptr(GError) error = NULL;
  gboolean remote;

  if (self->monitor == NULL && !setup_monitor (self, &error))
    {
      asd_keeper_give_up (self, asd_reason_new (ASD_REASON_MONITOR_PORT_UNAVAILABLE,
                                     ASD_DETAIL_PORT, g_variant_new_uint32 (self->settings->monitor_port),
                                     ASD_DETAIL_MESSAGE, g_variant_new_string (error->message),
                                     NULL));
      return;
    }

  /* loop mode's -R N:127.0.0.1:N+1 is a remote forward too: not connected
   * before the server has taken it (an old session may still hold N) */
  remote = self->settings->remote_forwards[0] != NULL ||
           (self->settings->monitor_port != 0 && self->settings->echo_port == 0);
  self->run = asd_ssh_run_new (self->name, (const char * const *) self->argv, remote,
                               self->settings->trusted_host_key,
                               self->settings->passphrase_credential,
                               self->askpass_server, self->askpass_helper);
  g_signal_connect (self->run, "connected", G_CALLBACK (on_run_connected), self);
  g_signal_connect (self->run, "ended", G_CALLBACK (on_run_ended), self);
  g_signal_connect_swapped (self->run, "probed", G_CALLBACK (asd_keeper_tell_probed), self);
  g_signal_connect_swapped (self->run, "ssh-line", G_CALLBACK (on_run_ssh_line), self);
  if (self->monitor != NULL)
    asd_ssh_run_watch_with (self->run, self->monitor);
  if (!asd_ssh_run_start (self->run, &error))
    {
      AsdReason *why = asd_reason_new (ASD_REASON_SSH_SPAWN_FAILED,
                                       ASD_DETAIL_MESSAGE, g_variant_new_string (error->message), NULL);

      asd_keeper_clear_run (self);
      /* out of file descriptors, memory or processes: for now (issue 9, finding 2) */
      if (asd_ssh_process_error_is_lasting (error))
        asd_keeper_give_up (self, why);
      else
        asd_keeper_after_failed_run (self, FALSE, why, ASD_RETRY_BACKOFF);
      return;
    }
  if (self->attempts++ > 0 || self->down_since > 0)
    set_uint (self, &self->restarts, self->restarts + 1, PROP_RESTARTS);
  set_uint (self, &self->pid, asd_ssh_run_get_pid (self->run), PROP_PID);
  asd_keeper_tell_state (self, ASD_TUNNEL_STATE_CONNECTING, asd_keeper_about_destination (self, ASD_REASON_CONNECTING));
}


/* See asd-keeper-private.h. */
void
asd_keeper_set_restarts (AsdKeeper *self, guint restarts)
{
  set_uint (self, &self->restarts, restarts, PROP_RESTARTS);
}

/* The server answered a Probe's connect (also #AsdKeeper::probed); a
 * keeper waiting to try again tries now. */
static void
on_server_answered (AsdProbe *probe, guint64 latency, gpointer user_data)
{
  AsdKeeper *self = user_data;

  g_signal_emit (self, signals[SIGNAL_PROBED], 0, latency);
  if (self->want_up && self->run == NULL && self->slot_wait == NULL && !self->asleep)
    asd_keeper_spawn_ssh (self);
}

static void
asd_keeper_dispose (GObject *object)
{
  AsdKeeper *self = ASD_KEEPER (object);

  asd_keeper_leave_connection (self, TRUE);
  g_clear_object (&self->connections);
  if (self->wait != NULL)
    {
      asd_retry_wait_cancel (self->wait);
      g_signal_handlers_disconnect_by_data (self->wait, self);
    }
  asd_keeper_clear_run (self);
  if (self->probe != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->probe, self);
      asd_probe_fail (self->probe, _("the tunnel is gone"));
    }
  g_clear_object (&self->probe);
  g_clear_object (&self->monitor);
  asd_keeper_cancel_slot (self);
  g_clear_object (&self->pacer);
  g_clear_object (&self->askpass_server);
  g_clear_object (&self->wait);
  g_clear_object (&self->server);

  G_OBJECT_CLASS (asd_keeper_parent_class)->dispose (object);
}

static void
asd_keeper_finalize (GObject *object)
{
  AsdKeeper *self = ASD_KEEPER (object);

  g_free (self->name);
  asd_tunnel_settings_free (self->settings);
  g_strfreev (self->argv);
  g_free (self->destination);
  g_free (self->askpass_helper);
  g_strfreev (self->shared_with);
  asd_reason_free (self->reason);

  G_OBJECT_CLASS (asd_keeper_parent_class)->finalize (object);
}

static void
asd_keeper_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  AsdKeeper *self = ASD_KEEPER (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_REASON:
      g_value_set_boxed (value, self->reason);
      break;
    case PROP_STATE_REASON:
      g_value_take_string (value, asd_reason_to_text (self->reason));
      break;
    case PROP_PID:
      g_value_set_uint (value, self->pid);
      break;
    case PROP_RESTARTS:
      g_value_set_uint (value, self->restarts);
      break;
    case PROP_NEXT_RETRY:
      g_value_set_uint64 (value, self->next_retry);
      break;
    case PROP_NEXT_RETRY_MONOTONIC:
      g_value_set_uint64 (value, self->next_retry_monotonic);
      break;
    case PROP_CONNECTED_SINCE:
      g_value_set_uint64 (value, self->connected_since);
      break;
    case PROP_CONNECTED_SINCE_MONOTONIC:
      g_value_set_uint64 (value, self->connected_since_monotonic);
      break;
    case PROP_SHARED_WITH:
      g_value_set_boxed (value, self->shared_with);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
install_properties (GObjectClass *object_class)
{
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  /**
   * AsdKeeper:state:
   *
   * The tunnel's state.  Notified whenever the state or its reason
   * changes, after #AsdKeeper:reason, #AsdKeeper:state-reason and the
   * timestamps: a handler sees the whole change.
   */
  props[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, ASD_TYPE_TUNNEL_STATE, ASD_TUNNEL_STATE_STOPPED, flags);
  /* AsdKeeper:reason: why, as a code and details (an #AsdReason). */
  props[PROP_REASON] = g_param_spec_boxed ("reason", NULL, NULL, ASD_TYPE_REASON, flags);
  /* AsdKeeper:state-reason: the same, in words for people (translated). */
  props[PROP_STATE_REASON] = g_param_spec_string ("state-reason", NULL, NULL, NULL, flags);
  /* AsdKeeper:pid: ssh's pid, 0 when none runs. */
  props[PROP_PID] = g_param_spec_uint ("pid", NULL, NULL, 0, G_MAXUINT, 0, flags);
  /* AsdKeeper:restarts: how many times ssh started again since the last Start. */
  props[PROP_RESTARTS] = g_param_spec_uint ("restarts", NULL, NULL, 0, G_MAXUINT, 0, flags);
  /* AsdKeeper:next-retry: real time in µs of the next try, probe or check; 0 none. */
  props[PROP_NEXT_RETRY] = g_param_spec_uint64 ("next-retry", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  /* AsdKeeper:next-retry-monotonic: the same on the monotonic clock. */
  props[PROP_NEXT_RETRY_MONOTONIC] =
    g_param_spec_uint64 ("next-retry-monotonic", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  /* AsdKeeper:connected-since: real time in µs it connected; 0 when not connected. */
  props[PROP_CONNECTED_SINCE] =
    g_param_spec_uint64 ("connected-since", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  /* AsdKeeper:connected-since-monotonic: the same on the monotonic clock. */
  props[PROP_CONNECTED_SINCE_MONOTONIC] =
    g_param_spec_uint64 ("connected-since-monotonic", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  /* AsdKeeper:shared-with: the other tunnels on its shared connection. */
  props[PROP_SHARED_WITH] = g_param_spec_boxed ("shared-with", NULL, NULL, G_TYPE_STRV, flags);
  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
asd_keeper_class_init (AsdKeeperClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GType type = G_TYPE_FROM_CLASS (klass);

  object_class->dispose = asd_keeper_dispose;
  object_class->finalize = asd_keeper_finalize;
  object_class->get_property = asd_keeper_get_property;
  install_properties (object_class);

  /* AsdKeeper::dropped: a connection went down, and why. */
  signals[SIGNAL_DROPPED] = g_signal_new ("dropped", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                          NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /* AsdKeeper::reconnected: up again after downtime_us (monotonic) and attempts
   * starts of ssh; emitted before the state is connected. */
  signals[SIGNAL_RECONNECTED] = g_signal_new ("reconnected", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                              NULL, G_TYPE_NONE, 2, G_TYPE_UINT64, G_TYPE_UINT);
  /* AsdKeeper::probed: a probe or monitor test succeeded; its latency in µs. */
  signals[SIGNAL_PROBED] = g_signal_new ("probed", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                         NULL, G_TYPE_NONE, 1, G_TYPE_UINT64);
  /* AsdKeeper::ssh-ended: ssh is gone (a new one may already be starting). */
  signals[SIGNAL_SSH_ENDED] = g_signal_new ("ssh-ended", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                            NULL, G_TYPE_NONE, 0);
  /* AsdKeeper::event: for the tunnel's log, an entry of kind (ASD_LOG_KIND_SSH,
   * ASD_LOG_KIND_SSH_EXITED) with its details (an a{sv}; asd-log-entry.h). */
  signals[SIGNAL_EVENT] = g_signal_new ("event", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                        NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_VARIANT);
}

static void
asd_keeper_init (AsdKeeper *self)
{
  self->state = ASD_TUNNEL_STATE_STOPPED;
  self->reason = asd_reason_new (ASD_REASON_STOPPED, NULL);
  self->shared_with = g_new0 (char *, 1);
  self->probe = asd_probe_new ();
  g_signal_connect (self->probe, "server-answered", G_CALLBACK (on_server_answered), self);
  asd_keeper_liveness_init (self);
  self->wait = asd_retry_wait_new ();
  self->server = asd_server_address_new ();
  g_signal_connect (self->wait, "due", G_CALLBACK (on_wait_due), self);
  g_signal_connect (self->wait, "scheduled", G_CALLBACK (on_wait_scheduled), self);
  g_signal_connect (self->wait, "probed", G_CALLBACK (on_wait_probed), self);
}

/* A stopped keeper for the tunnel @name, with no settings yet (call
 * asd_keeper_reconfigure()). */
AsdKeeper *
asd_keeper_new (const char *name)
{
  AsdKeeper *self = g_object_new (ASD_TYPE_KEEPER, NULL);

  self->name = g_strdup (name);
  return self;
}

const char *
asd_keeper_get_name (AsdKeeper *self)
{
  return self->name;
}

/* The service's shared connections: the keeper's tunnel rides one when it
 * may (asd-keeper-shared.c); without, it always runs an ssh of its own. */
void
asd_keeper_set_connections (AsdKeeper *self, AsdConnections *connections)
{
  g_set_object (&self->connections, connections);
}
