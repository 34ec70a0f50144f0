/* asd-tunnel.c: one tunnel, a D-Bus object that keeps an ssh running
 *
 * A tunnel runs `ssh -N` (asd-tunnel-settings builds its argv) and reads
 * ssh's own messages (asd-ssh-messages) to know when it is connected —
 * authenticated, and every forward set up — and why it went down.  Why
 * decides what comes next (asd_ssh_failure_retry()): a permanent failure
 * waits in "failed" for the user; a remote port still held by an old
 * session is retried shortly; an unreachable server is probed with plain
 * TCP connects (asd-server-probe) and retried the moment it answers; the
 * rest backs off exponentially with jitter.  Stalls are found by ssh's
 * ServerAlive defaults, or by the monitor test when MonitorPort is set.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "asd-error.h"
#include "asd-monitor.h"
#include "asd-retry-wait.h"
#include "asd-ssh-messages.h"
#include "asd-ssh-run.h"
#include "asd-tunnel.h"
#include "asd-tunnel-askpass.h"

#define STATE_STOPPED    "stopped"
#define STATE_CONNECTING "connecting"
#define STATE_CONNECTED  "connected"
#define STATE_RETRYING   "retrying"
#define STATE_FAILED     "failed"

#define BACKOFF_MAX_S       60   /* the longest wait between two tries */
#define STABLE_AFTER_S      10   /* connected this long resets the backoff */
#define SHORT_RETRY_S        3   /* remote port still held */

#define tunnel_log(self, level, ...) \
  g_log_structured (G_LOG_DOMAIN, level, "TUNNEL", (self)->name, "MESSAGE", __VA_ARGS__)

struct _AsdTunnel
{
  AsdDbusTunnelSkeleton parent_instance;

  char *name;
  char *config_path;             /* NULL: transient */
  AsdTunnelSettings *settings;   /* NULL: the file is broken */
  char **argv;

  gboolean want_up;              /* Start was called, Stop was not */
  gboolean restart_pending;      /* start again as soon as ssh is gone */
  gboolean asleep;               /* closed for the system's sleep */
  AsdSshRun *run;                /* the ssh running now */
  AsdMonitor *monitor;

  guint backoff_step;
  guint attempts;                /* ssh starts since the last drop */
  gint64 down_since;             /* real time the connection dropped, or 0 */
  AsdRetryWait *wait;            /* before the next try */
  guint stable_id;
  GPtrArray *stop_invocations;   /* Stop calls answered when ssh is gone */

  AsdAskpassServer *askpass_server;
  char *askpass_helper;
  AsdLoginPacer *pacer;          /* NULL: no limit on logins at once */
  gboolean waiting_slot;
};

static void asd_tunnel_iface_init (AsdDbusTunnelIface *iface);

G_DEFINE_TYPE_WITH_CODE (AsdTunnel, asd_tunnel, ASD_DBUS_TYPE_TUNNEL_SKELETON,
                         G_IMPLEMENT_INTERFACE (ASD_DBUS_TYPE_TUNNEL, asd_tunnel_iface_init))

static void spawn_ssh (AsdTunnel *self);

static AsdDbusTunnel *
iface (AsdTunnel *self)
{
  return ASD_DBUS_TUNNEL (self);
}

static void
set_state (AsdTunnel *self, const char *state, const char *reason)
{
  g_autofree char *old = g_strdup (asd_dbus_tunnel_get_state (iface (self)));

  if (g_strcmp0 (old, state) == 0 &&
      g_strcmp0 (asd_dbus_tunnel_get_state_reason (iface (self)), reason) == 0)
    return;
  asd_dbus_tunnel_set_state (iface (self), state);
  asd_dbus_tunnel_set_state_reason (iface (self), reason);
  if (g_strcmp0 (state, STATE_RETRYING) != 0)
    asd_dbus_tunnel_set_next_retry (iface (self), 0);
  if (g_strcmp0 (state, STATE_CONNECTED) != 0)
    asd_dbus_tunnel_set_connected_since (iface (self), 0);
  g_dbus_interface_skeleton_flush (G_DBUS_INTERFACE_SKELETON (self));
  tunnel_log (self, G_LOG_LEVEL_MESSAGE, "%s: %s → %s: %s", self->name, old, state, reason);
  asd_dbus_tunnel_emit_state_changed (iface (self), old, state, reason);
}

static void
clear_timers (AsdTunnel *self)
{
  asd_retry_wait_cancel (self->wait);
}

static void
clear_monitor (AsdTunnel *self)
{
  if (self->monitor != NULL)
    g_signal_handlers_disconnect_by_data (self->monitor, self);
  g_clear_object (&self->monitor);
}

/* The properties that follow from the settings. */
static void
publish_settings (AsdTunnel *self)
{
  g_auto(GStrv) forwards = NULL;
  g_autofree char *destination = NULL;
  const AsdTunnelSettings *s = self->settings;

  g_clear_pointer (&self->argv, g_strfreev);
  if (s == NULL)
    return;
  self->argv = asd_tunnel_settings_ssh_argv (s, "ssh");
  forwards = asd_tunnel_settings_forwards (s);
  destination = asd_tunnel_settings_display_destination (s);
  asd_dbus_tunnel_set_destination (iface (self), destination);
  asd_dbus_tunnel_set_forwards (iface (self), (const char * const *) forwards);
  asd_dbus_tunnel_set_monitor_port (iface (self), s->monitor_port);
  asd_dbus_tunnel_set_poll_interval (iface (self), s->poll_interval);
  asd_dbus_tunnel_set_command (iface (self), (const char * const *) self->argv);
  asd_dbus_tunnel_set_auto_start (iface (self), s->auto_start);
  asd_dbus_tunnel_set_identity_file (iface (self), s->identity_file != NULL ? s->identity_file : "");
}

/* ---- the monitor test (MonitorPort set) ---- */

static void
on_monitor_tested (AsdMonitor *monitor, gboolean ok, guint64 latency, gpointer user_data)
{
  AsdTunnel *self = user_data;

  if (ok)
    {
      asd_dbus_tunnel_set_last_probe (iface (self), g_get_real_time ());
      asd_dbus_tunnel_set_probe_latency (iface (self), latency);
      return;
    }
  if (self->run != NULL)
    asd_ssh_run_stop (self->run, _("the monitor test failed: the connection stalled"));
}

static gboolean
setup_monitor (AsdTunnel *self, GError **error)
{
  const AsdTunnelSettings *s = self->settings;
  AsdMonitorSpec spec = { s->monitor_port, s->echo_port };
  guint first_poll = s->first_poll > 0 ? s->first_poll : s->poll_interval;

  clear_monitor (self);
  if (s->monitor_port == 0)
    return TRUE;
  self->monitor = asd_monitor_new (&spec, NULL);
  if (!asd_monitor_listen (self->monitor, error))
    {
      g_clear_object (&self->monitor);
      return FALSE;
    }
  asd_monitor_set_timing (self->monitor, first_poll, s->poll_interval,
                          CLAMP (s->poll_interval / 2, 1, 15));
  g_signal_connect (self->monitor, "tested", G_CALLBACK (on_monitor_tested), self);
  return TRUE;
}

/* ---- what follows a failed run ---- */

/* 0 for the first try after a stable connection, then 1, 2, 4 … 60 s, ±25 %. */
static guint
backoff_delay_ms (AsdTunnel *self)
{
  guint step = self->backoff_step++;
  gdouble seconds;

  if (step == 0)
    return 0;
  seconds = MIN (BACKOFF_MAX_S, 1u << MIN (step - 1, 6u));
  return seconds * g_random_double_range (0.75, 1.25) * 1000;
}

static void
after_failed_run (AsdTunnel *self, gboolean was_connected, const char *reason,
                  AsdRetry retry, gboolean keyring_locked)
{
  if (was_connected)
    {
      self->down_since = g_get_real_time ();
      self->attempts = 0;
      asd_dbus_tunnel_emit_dropped (iface (self), reason);
    }

  if (retry == ASD_RETRY_NEVER && !keyring_locked)
    {
      self->want_up = FALSE;
      set_state (self, STATE_FAILED, reason);
      return;
    }
  set_state (self, STATE_RETRYING, reason);
  if (keyring_locked)
    asd_retry_wait_for_keyring (self->wait);
  else if (retry == ASD_RETRY_SHORT)
    asd_retry_wait_after (self->wait, SHORT_RETRY_S * 1000);
  else if (retry == ASD_RETRY_WHEN_REACHABLE)
    asd_retry_wait_for_server (self->wait, (const char * const *) self->argv, backoff_delay_ms (self));
  else
    asd_retry_wait_after (self->wait, backoff_delay_ms (self));
}

static void
on_wait_due (AsdRetryWait *wait, gpointer user_data)
{
  AsdTunnel *self = user_data;

  if (self->want_up && self->run == NULL)
    spawn_ssh (self);
}

static void
on_wait_scheduled (AsdRetryWait *wait, gint64 when, gpointer user_data)
{
  asd_dbus_tunnel_set_next_retry (iface (ASD_TUNNEL (user_data)), when);
}

static void
on_wait_probed (AsdRetryWait *wait, gint64 latency, gpointer user_data)
{
  AsdTunnel *self = user_data;

  asd_dbus_tunnel_set_last_probe (iface (self), g_get_real_time ());
  asd_dbus_tunnel_set_probe_latency (iface (self), latency);
}

/* ---- ssh's run ---- */

static void
complete_stops (AsdTunnel *self)
{
  for (guint i = 0; i < self->stop_invocations->len; i++)
    asd_dbus_tunnel_complete_stop (iface (self), g_ptr_array_index (self->stop_invocations, i));
  g_ptr_array_set_size (self->stop_invocations, 0);
}

static void
clear_run (AsdTunnel *self)
{
  if (self->pacer != NULL)
    asd_login_pacer_release (self->pacer, self);
  if (self->run != NULL)
    g_signal_handlers_disconnect_by_data (self->run, self);
  g_clear_object (&self->run);
  g_clear_handle_id (&self->stable_id, g_source_remove);
  if (self->monitor != NULL)
    asd_monitor_stop (self->monitor);
  asd_dbus_tunnel_set_pid (iface (self), 0);
}

static void start_run (AsdTunnel *self);

/* Waits no more for a login slot (and gives back one held). */
static void
cancel_slot (AsdTunnel *self)
{
  self->waiting_slot = FALSE;
  if (self->pacer != NULL)
    asd_login_pacer_cancel (self->pacer, self);
}

static void
on_slot_granted (gpointer user_data)
{
  AsdTunnel *self = user_data;

  self->waiting_slot = FALSE;
  if (!self->want_up || self->asleep || self->run != NULL)
    asd_login_pacer_release (self->pacer, self);
  else
    start_run (self);
}

/* Starts ssh, once a login slot is free: a mass reconnect is paced. */
static void
spawn_ssh (AsdTunnel *self)
{
  clear_timers (self);
  if (self->run != NULL || self->waiting_slot)
    return;
  if (self->pacer == NULL || asd_login_pacer_try (self->pacer, self))
    {
      start_run (self);
      return;
    }
  self->waiting_slot = TRUE;
  set_state (self, STATE_CONNECTING, _("waiting for other tunnels to finish logging in"));
  asd_login_pacer_request (self->pacer, on_slot_granted, self);
}

static void
on_run_ended (AsdSshRun *run, gpointer user_data)
{
  AsdTunnel *self = user_data;
  gboolean was_connected = g_strcmp0 (asd_dbus_tunnel_get_state (iface (self)), STATE_CONNECTED) == 0;
  gboolean keyring_locked = FALSE;
  AsdRetry retry = ASD_RETRY_BACKOFF;
  g_autofree char *reason = asd_ssh_run_explain (run, &retry, &keyring_locked);

  clear_run (self);
  if (self->restart_pending)
    {
      self->restart_pending = FALSE;
      spawn_ssh (self);
    }
  else if (self->asleep)
    set_state (self, STATE_RETRYING, _("the system is asleep; the tunnel comes back when it wakes up"));
  else if (!self->want_up)
    {
      if (self->settings != NULL)   /* a broken file keeps its "failed" */
        set_state (self, STATE_STOPPED, _("stopped"));
    }
  else
    after_failed_run (self, was_connected, reason, retry, keyring_locked);
  complete_stops (self);
}

static gboolean
on_stable (gpointer user_data)
{
  AsdTunnel *self = user_data;

  self->stable_id = 0;
  self->backoff_step = 0;
  return G_SOURCE_REMOVE;
}

static void
become_connected (AsdTunnel *self)
{
  g_autofree char *reason = NULL;

  reason = g_strdup_printf (_("connected to %s"), asd_dbus_tunnel_get_destination (iface (self)));
  set_state (self, STATE_CONNECTED, reason);
  asd_dbus_tunnel_set_connected_since (iface (self), g_get_real_time ());
  self->stable_id = g_timeout_add_seconds (STABLE_AFTER_S, on_stable, self);
  if (self->monitor != NULL)
    asd_monitor_start (self->monitor);
  if (self->down_since > 0)
    {
      asd_dbus_tunnel_emit_reconnected (iface (self), g_get_real_time () - self->down_since,
                                        self->attempts);
      self->down_since = 0;
    }
}

static void
on_run_connected (AsdSshRun *run, gpointer user_data)
{
  AsdTunnel *self = user_data;

  if (self->pacer != NULL)
    asd_login_pacer_release (self->pacer, self);
  become_connected (self);
}

static void
start_run (AsdTunnel *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *reason = NULL;

  if (self->monitor == NULL && !setup_monitor (self, &error))
    {
      g_autofree char *why = g_strdup_printf (_("cannot use monitor port %u: %s"),
                                              self->settings->monitor_port, error->message);
      self->want_up = FALSE;
      set_state (self, STATE_FAILED, why);
      return;
    }

  self->run = asd_ssh_run_new (self->name, (const char * const *) self->argv,
                               self->settings->remote_forwards[0] != NULL,
                               self->settings->trusted_host_key,
                               self->askpass_server, self->askpass_helper);
  g_signal_connect (self->run, "connected", G_CALLBACK (on_run_connected), self);
  g_signal_connect (self->run, "ended", G_CALLBACK (on_run_ended), self);
  if (!asd_ssh_run_start (self->run, &error))
    {
      g_autofree char *why = g_strdup_printf (_("cannot run ssh: %s"), error->message);
      clear_run (self);
      self->want_up = FALSE;
      set_state (self, STATE_FAILED, why);
      return;
    }
  if (self->attempts++ > 0 || self->down_since > 0)
    asd_dbus_tunnel_set_restarts (iface (self), asd_dbus_tunnel_get_restarts (iface (self)) + 1);
  asd_dbus_tunnel_set_pid (iface (self), asd_ssh_run_get_pid (self->run));
  reason = g_strdup_printf (_("connecting to %s"), asd_dbus_tunnel_get_destination (iface (self)));
  set_state (self, STATE_CONNECTING, reason);
}

/* ---- public ---- */

gboolean
asd_tunnel_start (AsdTunnel *self, GError **error)
{
  g_return_val_if_fail (ASD_IS_TUNNEL (self), FALSE);

  if (self->settings == NULL)
    {
      g_set_error (error, ASD_ERROR, ASD_ERROR_BROKEN_CONFIG, "%s",
                   asd_dbus_tunnel_get_state_reason (iface (self)));
      return FALSE;
    }
  self->want_up = TRUE;
  if (self->run != NULL)
    return TRUE;
  self->backoff_step = 0;
  self->attempts = 0;
  self->down_since = 0;
  asd_dbus_tunnel_set_restarts (iface (self), 0);
  spawn_ssh (self);
  return TRUE;
}

void
asd_tunnel_stop (AsdTunnel *self)
{
  g_return_if_fail (ASD_IS_TUNNEL (self));

  self->want_up = FALSE;
  self->restart_pending = FALSE;
  self->asleep = FALSE;
  self->down_since = 0;
  clear_timers (self);
  cancel_slot (self);
  if (self->run != NULL)
    asd_ssh_run_stop (self->run, NULL);
  else if (self->settings != NULL)
    set_state (self, STATE_STOPPED, _("stopped"));
}

/**
 * asd_tunnel_set_pacer:
 * @self: a tunnel
 * @pacer: (nullable): the service's login pacer
 */
void
asd_tunnel_set_pacer (AsdTunnel *self, AsdLoginPacer *pacer)
{
  g_set_object (&self->pacer, pacer);
}

/**
 * asd_tunnel_sleep:
 * @self: a tunnel
 *
 * The system is about to sleep: closes ssh cleanly (the server frees the
 * remote forwards now, not after a timeout) and waits for asd_tunnel_wake().
 */
void
asd_tunnel_sleep (AsdTunnel *self)
{
  if (!self->want_up || self->settings == NULL)
    return;
  self->asleep = TRUE;
  self->restart_pending = FALSE;
  clear_timers (self);
  cancel_slot (self);
  if (self->run != NULL)
    asd_ssh_run_stop (self->run, NULL);
  else
    set_state (self, STATE_RETRYING, _("the system is asleep; the tunnel comes back when it wakes up"));
}

/**
 * asd_tunnel_wake:
 * @self: a tunnel
 *
 * The system woke up: a tunnel closed for the sleep connects at once.
 */
void
asd_tunnel_wake (AsdTunnel *self)
{
  if (!self->asleep)
    return;
  self->asleep = FALSE;
  self->backoff_step = 0;
  if (self->want_up && self->run == NULL)
    spawn_ssh (self);
}

/* Tries now what was waiting for the network to change.  A tunnel that
 * failed (bad key, host key, ...) waits for its user instead: a network
 * that comes and goes must not turn into repeated failed logins. */
void
asd_tunnel_network_changed (AsdTunnel *self)
{
  if (self->settings == NULL || self->run != NULL || !self->want_up ||
      g_strcmp0 (asd_dbus_tunnel_get_state (iface (self)), STATE_RETRYING) != 0)
    return;
  spawn_ssh (self);
}

void
asd_tunnel_set_broken (AsdTunnel *self, const char *reason)
{
  g_return_if_fail (ASD_IS_TUNNEL (self));

  asd_tunnel_stop (self);
  g_clear_pointer (&self->settings, asd_tunnel_settings_free);
  clear_monitor (self);
  publish_settings (self);
  set_state (self, STATE_FAILED, reason);
}

/* New settings (from Reload or Configure); ssh restarts if it runs. */
void
asd_tunnel_reconfigure (AsdTunnel *self, AsdTunnelSettings *settings)
{
  gboolean was_broken = self->settings == NULL;

  g_return_if_fail (ASD_IS_TUNNEL (self));

  asd_tunnel_settings_free (self->settings);
  self->settings = settings;
  clear_monitor (self);
  publish_settings (self);
  if (self->run != NULL)
    {
      self->restart_pending = TRUE;
      asd_ssh_run_stop (self->run, NULL);
    }
  else if (was_broken)
    set_state (self, STATE_STOPPED, _("stopped"));
}

const char *
asd_tunnel_get_name (AsdTunnel *self)
{
  return self->name;
}

const char *
asd_tunnel_get_config_path (AsdTunnel *self)
{
  return self->config_path;
}

const AsdTunnelSettings *
asd_tunnel_get_settings (AsdTunnel *self)
{
  return self->settings;
}

gboolean
asd_tunnel_is_broken (AsdTunnel *self)
{
  return self->settings == NULL;
}

gboolean
asd_tunnel_has_ssh (AsdTunnel *self)
{
  return self->run != NULL;
}

/* ---- D-Bus methods ---- */

static gboolean
save_settings (AsdTunnel *self, const AsdTunnelSettings *settings, GError **error)
{
  if (self->config_path == NULL ||
      asd_tunnel_settings_save (settings, self->config_path, error))
    return TRUE;
  asd_error_ensure_domain (error);
  return FALSE;
}

static gboolean
handle_start (AsdDbusTunnel *object, GDBusMethodInvocation *invocation)
{
  g_autoptr(GError) error = NULL;

  if (!asd_tunnel_start (ASD_TUNNEL (object), &error))
    g_dbus_method_invocation_return_gerror (invocation, error);
  else
    asd_dbus_tunnel_complete_start (object, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_stop (AsdDbusTunnel *object, GDBusMethodInvocation *invocation)
{
  AsdTunnel *self = ASD_TUNNEL (object);

  asd_tunnel_stop (self);
  if (self->run != NULL)
    g_ptr_array_add (self->stop_invocations, g_object_ref (invocation));
  else
    asd_dbus_tunnel_complete_stop (object, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_restart (AsdDbusTunnel *object, GDBusMethodInvocation *invocation)
{
  AsdTunnel *self = ASD_TUNNEL (object);
  g_autoptr(GError) error = NULL;

  if (self->run != NULL && self->settings != NULL)
    {
      self->want_up = TRUE;
      self->restart_pending = TRUE;
      asd_ssh_run_stop (self->run, NULL);
    }
  else if (self->want_up && self->settings != NULL)
    spawn_ssh (self);   /* retrying: try now, keeping the counts */
  else if (!asd_tunnel_start (self, &error))
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  asd_dbus_tunnel_complete_restart (object, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_probe (AsdDbusTunnel *object, GDBusMethodInvocation *invocation)
{
  AsdTunnel *self = ASD_TUNNEL (object);

  if (self->settings == NULL)
    {
      g_dbus_method_invocation_return_error (invocation, ASD_ERROR, ASD_ERROR_BROKEN_CONFIG, "%s",
                                             asd_dbus_tunnel_get_state_reason (object));
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  if (self->monitor != NULL && self->run != NULL)
    asd_monitor_test_now (self->monitor);
  else
    asd_retry_wait_probe_now (self->wait, (const char * const *) self->argv);
  asd_dbus_tunnel_complete_probe (object, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_configure (AsdDbusTunnel *object, GDBusMethodInvocation *invocation, GVariant *changes)
{
  AsdTunnel *self = ASD_TUNNEL (object);
  g_autoptr(AsdTunnelSettings) settings = NULL;
  g_autoptr(GError) error = NULL;

  if (self->settings == NULL)
    {
      g_dbus_method_invocation_return_error (invocation, ASD_ERROR, ASD_ERROR_BROKEN_CONFIG,
                                             _("%s; fix the file, then call Reload"),
                                             asd_dbus_tunnel_get_state_reason (object));
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  settings = asd_tunnel_settings_copy (self->settings);
  if (!asd_tunnel_settings_apply_variant (settings, changes, &error) ||
      !asd_tunnel_settings_validate (settings, &error) ||
      !save_settings (self, settings, &error))
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  asd_tunnel_reconfigure (self, g_steal_pointer (&settings));
  asd_dbus_tunnel_complete_configure (object, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_trust_host_key (AsdDbusTunnel *object, GDBusMethodInvocation *invocation, const char *fingerprint)
{
  AsdTunnel *self = ASD_TUNNEL (object);
  g_autoptr(AsdTunnelSettings) settings = NULL;
  g_autoptr(GError) error = NULL;
  gboolean was_failed = g_strcmp0 (asd_dbus_tunnel_get_state (object), STATE_FAILED) == 0;
  g_autoptr(GVariantDict) change = g_variant_dict_new (NULL);

  if (self->settings == NULL)
    {
      g_dbus_method_invocation_return_error (invocation, ASD_ERROR, ASD_ERROR_BROKEN_CONFIG,
                                             _("%s; fix the file, then call Reload"),
                                             asd_dbus_tunnel_get_state_reason (object));
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  g_variant_dict_insert (change, "TrustedHostKey", "s", fingerprint);
  settings = asd_tunnel_settings_copy (self->settings);
  if (!asd_fingerprint_is_valid (fingerprint) ||
      !asd_tunnel_settings_apply_variant (settings, g_variant_dict_end (change), &error) ||
      !save_settings (self, settings, &error))
    {
      if (error == NULL)
        g_set_error (&error, ASD_ERROR, ASD_ERROR_INVALID_SETTINGS,
                     _("“%s” is not a host key fingerprint: expected SHA256: and 43 characters, as ssh shows it"),
                     fingerprint);
      g_dbus_method_invocation_return_gerror (invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  tunnel_log (self, G_LOG_LEVEL_MESSAGE, "%s: host key %s approved", self->name, fingerprint);
  asd_tunnel_reconfigure (self, g_steal_pointer (&settings));
  if (was_failed)
    asd_tunnel_start (self, NULL);
  asd_dbus_tunnel_complete_trust_host_key (object, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
asd_tunnel_iface_init (AsdDbusTunnelIface *iface_)
{
  iface_->handle_trust_host_key = handle_trust_host_key;
  iface_->handle_start = handle_start;
  iface_->handle_stop = handle_stop;
  iface_->handle_restart = handle_restart;
  iface_->handle_probe = handle_probe;
  iface_->handle_configure = handle_configure;
}

/* AutoStart written over D-Bus: saved to the tunnel's file. */
static void
on_auto_start_changed (AsdTunnel *self)
{
  gboolean value = asd_dbus_tunnel_get_auto_start (iface (self));
  g_autoptr(AsdTunnelSettings) settings = NULL;
  g_autoptr(GError) error = NULL;

  if (self->settings == NULL || self->settings->auto_start == value)
    return;
  settings = asd_tunnel_settings_copy (self->settings);
  settings->auto_start = value;
  if (!save_settings (self, settings, &error))
    {
      tunnel_log (self, G_LOG_LEVEL_WARNING, "%s: cannot save AutoStart: %s", self->name, error->message);
      asd_dbus_tunnel_set_auto_start (iface (self), self->settings->auto_start);
      return;
    }
  self->settings->auto_start = value;
}

static void
asd_tunnel_dispose (GObject *object)
{
  AsdTunnel *self = ASD_TUNNEL (object);

  clear_timers (self);
  clear_run (self);
  clear_monitor (self);
  cancel_slot (self);
  g_clear_object (&self->pacer);
  g_clear_object (&self->askpass_server);
  if (self->wait != NULL)
    g_signal_handlers_disconnect_by_data (self->wait, self);
  g_clear_object (&self->wait);
  if (self->stop_invocations != NULL)
    complete_stops (self);

  G_OBJECT_CLASS (asd_tunnel_parent_class)->dispose (object);
}

static void
asd_tunnel_finalize (GObject *object)
{
  AsdTunnel *self = ASD_TUNNEL (object);

  g_free (self->name);
  g_free (self->config_path);
  asd_tunnel_settings_free (self->settings);
  g_strfreev (self->argv);
  g_ptr_array_unref (self->stop_invocations);
  g_free (self->askpass_helper);

  G_OBJECT_CLASS (asd_tunnel_parent_class)->finalize (object);
}

static void
asd_tunnel_class_init (AsdTunnelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = asd_tunnel_dispose;
  object_class->finalize = asd_tunnel_finalize;
}

static void
asd_tunnel_init (AsdTunnel *self)
{
  self->stop_invocations = g_ptr_array_new_with_free_func (g_object_unref);
  self->wait = asd_retry_wait_new ();
  g_signal_connect (self->wait, "due", G_CALLBACK (on_wait_due), self);
  g_signal_connect (self->wait, "scheduled", G_CALLBACK (on_wait_scheduled), self);
  g_signal_connect (self->wait, "probed", G_CALLBACK (on_wait_probed), self);
}

/**
 * asd_tunnel_set_askpass:
 * @self: a tunnel
 * @server: (nullable): the service's askpass server
 * @helper: the askpass helper program ssh is to run
 *
 * From the next start of ssh on, ssh's questions are answered by the
 * tunnel (asd-tunnel-askpass) through @server.
 */
void
asd_tunnel_set_askpass (AsdTunnel *self, AsdAskpassServer *server, const char *helper)
{
  g_set_object (&self->askpass_server, server);
  g_free (self->askpass_helper);
  self->askpass_helper = g_strdup (helper);
}

/**
 * asd_tunnel_new:
 * @name: a valid tunnel name
 * @settings: (transfer full) (nullable): its settings; %NULL when its file
 *   is broken (then call asd_tunnel_set_broken())
 * @config_path: (nullable): its file, %NULL for a transient tunnel
 *
 * Returns: (transfer full): a stopped tunnel
 */
AsdTunnel *
asd_tunnel_new (const char *name, AsdTunnelSettings *settings, const char *config_path)
{
  AsdTunnel *self = g_object_new (ASD_TYPE_TUNNEL, NULL);

  self->name = g_strdup (name);
  self->config_path = g_strdup (config_path);
  self->settings = settings;
  asd_dbus_tunnel_set_name (iface (self), name);
  asd_dbus_tunnel_set_state (iface (self), STATE_STOPPED);
  asd_dbus_tunnel_set_state_reason (iface (self), _("stopped"));
  publish_settings (self);
  g_signal_connect_swapped (self, "notify::auto-start", G_CALLBACK (on_auto_start_changed), self);
  return self;
}
