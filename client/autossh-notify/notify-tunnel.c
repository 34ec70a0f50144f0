/* notify-tunnel.c: one tunnel's notification
 *
 * Each tunnel has one NotifyNotification, created when there is first
 * something to say and then updated in place (notify_notification_update +
 * show re-use its id), so a flapping tunnel never stacks notifications.
 *
 * What it says follows the tunnel's signals:
 *  - Dropped: told only after the threshold: a drop that heals before
 *    (StateChanged to "connected") is never announced, and neither is its
 *    return.  A drop that lasts is handed to its server's outage
 *    (notify-outage.c), which says "web dropped — reconnecting", or for
 *    tunnels to the same server that drop together one "3 tunnels to
 *    myserver dropped — reconnecting", in the first one's notification;
 *  - Reconnected, after an announced drop: the outage says "web is back
 *    (down 2 min 13 s)", low urgency, gone after a few seconds; after a
 *    failure, the tunnel says it itself;
 *  - StateChanged to "failed", or to "retrying" for a reason that needs the
 *    user (asd_notify_reason_needs_user(): waiting will not fix it): "web
 *    failed" with the reason, which says what to do; critical; always the
 *    tunnel's own notification (the tunnel leaves its outage);
 *  - StateChanged to "stopped": the drop or failure is withdrawn.
 * A failure for want of a secret or a host key's approval also offers the
 * system prompt for it (notify-tunnel-prompt.c).
 * A failure that is followed by "connected" without a Reconnected signal
 * (the user started the tunnel again) is answered with "web is back" too.
 * A tunnel is muted by its name (Mute) or its server (MuteServer).
 *
 * Every reason is made here from StateReasonCode and StateReasonDetails,
 * in the notifier's locale; from a service without reason codes it is the
 * service's words (the signal's reason).  The properties are read from the
 * proxy when StateChanged arrives: the API sends the PropertiesChanged that
 * carries them first, so they agree with the signal.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include <libnotify/notify.h>

#include "asd-log.h"
#include "asd-names.h"
#include "asd-reason.h"
#include "asd-tunnel-settings.h"
#include "notify-messages.h"
#include "notify-outage.h"
#include "notify-prompt.h"
#include "notify-tunnel-private.h"

static gboolean
is_muted (AsdNotifyTunnel *self)
{
  return g_strv_contains ((const char * const *) self->context->mute, self->name) ||
         g_strv_contains ((const char * const *) self->context->mute_servers,
                          asd_notify_tunnel_get_server (self));
}

static gboolean
is_shown_down (AsdNotifyTunnel *self)
{
  return self->shown == ASD_NOTIFY_KIND_DROPPED || self->shown == ASD_NOTIFY_KIND_FAILED;
}

/* ---- talking to the notification server ---- */

static void
on_call_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  AsdDbusTunnel *proxy = ASD_DBUS_TUNNEL (source);
  const char *what = user_data;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  if (g_strcmp0 (what, "restart") == 0)
    ok = asd_dbus_tunnel_call_restart_finish (proxy, result, &error);
  else
    ok = asd_dbus_tunnel_call_stop_finish (proxy, result, &error);
  if (!ok)
    g_warning ("%s of tunnel %s failed: %s", what, asd_dbus_tunnel_get_name (proxy),
               error->message);
}

static void
on_action (NotifyNotification *notification, char *action, gpointer user_data)
{
  asd_notify_tunnel_act (user_data, action);
}

void
asd_notify_tunnel_show (AsdNotifyTunnel *self, AsdNotifyKind kind, const AsdNotifyText *text)
{
  g_autoptr(GError) error = NULL;

  if (self->notification == NULL)
    self->notification = notify_notification_new ("", NULL, NULL);
  self->shown = kind;
  tunnel_log (self, G_LOG_LEVEL_MESSAGE, "%s: notify: %s | %s", self->name, text->summary, text->body);
  if (!asd_notify_server_show (self->context->server, self->notification, kind, text,
                               on_action, self, &error))
    tunnel_log (self, G_LOG_LEVEL_WARNING, "%s: cannot show a notification: %s", self->name,
                error->message);
}

static void
withdraw (AsdNotifyTunnel *self)
{
  g_autoptr(GError) error = NULL;

  if (is_shown_down (self) && self->notification != NULL &&
      !notify_notification_close (self->notification, &error))
    tunnel_log (self, G_LOG_LEVEL_DEBUG, "%s: cannot close its notification: %s",
                self->name, error->message);
  self->shown = ASD_NOTIFY_KIND_NONE;
  g_clear_pointer (&self->failed_reason, g_free);
}

static void
cancel_timers (AsdNotifyTunnel *self)
{
  g_clear_handle_id (&self->drop_id, g_source_remove);
  g_clear_pointer (&self->drop_reason, g_free);
  self->drop_pending = FALSE;
  self->drop_waits_state = FALSE;
}

/* A drop that was waiting for its threshold will not be told (it healed,
 * stopped, failed or is muted): an outage that waited for it need not. */
static void
cancel_drop (AsdNotifyTunnel *self)
{
  gboolean was_pending = self->drop_pending;

  cancel_timers (self);
  if (was_pending)
    asd_notify_outages_recheck (self->context->outages, asd_notify_tunnel_get_server (self));
}

/* Out of its outage (failed, stopped, muted): its drop is no longer told
 * there. */
static void
leave_outage (AsdNotifyTunnel *self)
{
  if (!self->in_outage)
    return;
  self->in_outage = FALSE;
  asd_notify_outages_leave (self->context->outages, self);
}

/* Why the tunnel is in its state now, in the notifier's words; @fallback
 * for a service without reason codes (NULL: StateReason). */
static char *
reason_now (AsdNotifyTunnel *self, const char *fallback)
{
  return asd_notify_reason_text (asd_dbus_tunnel_get_state_reason_code (self->proxy),
                                 asd_dbus_tunnel_get_state_reason_details (self->proxy),
                                 fallback != NULL ? fallback : asd_dbus_tunnel_get_state_reason (self->proxy));
}

static gboolean
needs_user_now (AsdNotifyTunnel *self)
{
  return asd_notify_reason_needs_user (asd_dbus_tunnel_get_state_reason_code (self->proxy),
                                       asd_dbus_tunnel_get_state_reason_details (self->proxy));
}

/* ---- what to say ---- */

static void
announce_dropped (AsdNotifyTunnel *self, const char *reason)
{
  self->in_outage = TRUE;
  asd_notify_outages_dropped (self->context->outages, self, reason);
}

/* @reason: the service's words, for a service without reason codes */
static void
announce_failed (AsdNotifyTunnel *self, const char *fallback)
{
  AsdNotifyText text = { NULL, };
  g_autofree char *reason = reason_now (self, fallback);

  if (self->shown == ASD_NOTIFY_KIND_FAILED && g_strcmp0 (self->failed_reason, reason) == 0)
    return;
  g_free (self->failed_reason);
  self->failed_reason = g_strdup (reason);
  asd_notify_text_failed (&text, self->title, reason, needs_user_now (self));
  /* a system tunnel's secrets are the admin's credentials, not the
   * user's keyring: no prompt for those */
  if (!self->context->system)
    text.prompt_label = asd_notify_prompt_action_label (asd_notify_prompt_what (self->proxy));
  asd_notify_tunnel_show (self, ASD_NOTIFY_KIND_FAILED, &text);
  asd_notify_text_clear (&text);
}

/* After a prompt's Cancel: the failure as it was (the server may have
 * closed the notification when its button was clicked). */
void
asd_notify_tunnel_show_failure_again (AsdNotifyTunnel *self)
{
  if (self->shown != ASD_NOTIFY_KIND_FAILED)
    return;
  g_clear_pointer (&self->failed_reason, g_free);
  announce_failed (self, asd_dbus_tunnel_get_state_reason (self->proxy));
}

/* Reconnected comes before the properties say "connected" (they still say
 * why it was connecting): the body is the connected reason, with the
 * details it shares with that one (the destination). */
static char *
back_reason (AsdNotifyTunnel *self)
{
  const char *code = asd_dbus_tunnel_get_state_reason_code (self->proxy);

  if (code != NULL && code[0] != '\0')
    code = asd_reason_code_to_string (ASD_REASON_CONNECTED);
  return asd_notify_reason_text (code, asd_dbus_tunnel_get_state_reason_details (self->proxy),
                                 asd_dbus_tunnel_get_state_reason (self->proxy));
}

/* Back after a drop its outage told (the outage says so) or after a
 * failure (the tunnel itself says so). */
static void
announce_back (AsdNotifyTunnel *self, gint64 downtime_us)
{
  AsdNotifyText text = { NULL, };
  g_autofree char *reason = back_reason (self);

  g_clear_pointer (&self->failed_reason, g_free);
  self->down_since = 0;
  if (self->in_outage)
    {
      self->in_outage = FALSE;
      asd_notify_outages_back (self->context->outages, self, downtime_us, reason);
      return;
    }
  asd_notify_text_back (&text, self->title, downtime_us, reason);
  asd_notify_tunnel_show (self, ASD_NOTIFY_KIND_BACK, &text);
  asd_notify_text_clear (&text);
}

static gboolean
is_told_down (AsdNotifyTunnel *self)
{
  return self->in_outage || is_shown_down (self);
}

/* The drop's words: from the code its StateChanged brought (or that the
 * proxy held at Dropped), else the signal's. */
static void
drop_take_reason (AsdNotifyTunnel *self)
{
  g_autofree char *fallback = g_steal_pointer (&self->drop_reason);

  self->drop_reason = reason_now (self, fallback);
  self->drop_waits_state = FALSE;
}

static gboolean
on_drop_due (gpointer user_data)
{
  AsdNotifyTunnel *self = user_data;
  g_autofree char *reason = g_steal_pointer (&self->drop_reason);

  self->drop_id = 0;
  self->drop_pending = FALSE;
  self->drop_waits_state = FALSE;
  announce_dropped (self, reason);
  return G_SOURCE_REMOVE;
}

/* ---- the tunnel's signals ---- */

static void
on_dropped (AsdDbusTunnel *proxy, const char *reason, gpointer user_data)
{
  AsdNotifyTunnel *self = user_data;

  tunnel_log (self, G_LOG_LEVEL_DEBUG, "%s: dropped: %s", self->name, reason);
  if (self->down_since == 0)
    self->down_since = g_get_monotonic_time ();
  if (self->muted)
    return;
  g_free (self->drop_reason);
  self->drop_reason = g_strdup (reason);
  self->drop_pending = TRUE;
  /* StateReasonCode holds the drop's code once the proxy has left
   * "connected"; until then the drop's StateChanged brings it. */
  if (asd_tunnel_state_from_string (asd_dbus_tunnel_get_state (proxy), NULL) != ASD_TUNNEL_STATE_CONNECTED)
    drop_take_reason (self);
  else
    self->drop_waits_state = TRUE;
  if (self->context->threshold_s == 0)
    {
      if (!self->drop_waits_state)
        on_drop_due (self);
    }
  else if (self->drop_id == 0)
    self->drop_id = g_timeout_add_seconds (self->context->threshold_s, on_drop_due, self);
}

/* The API sends Reconnected before the StateChanged to "connected" (see
 * the Tunnel interface in data/io.github.autosshd1.xml), so here a drop
 * or failure still shown had no Reconnected: the user started the tunnel
 * again.  No timer waits for a late Reconnected. */
static void
on_connected (AsdNotifyTunnel *self)
{
  if (self->drop_pending)
    {
      tunnel_log (self, G_LOG_LEVEL_DEBUG, "%s: back within %u s: not announced",
                  self->name, self->context->threshold_s);
      cancel_drop (self);
      self->down_since = 0;
    }
  else if (is_told_down (self) && !self->muted)
    announce_back (self, self->down_since > 0 ? g_get_monotonic_time () - self->down_since : -1);
  else
    self->down_since = 0;
}

static void
on_state_changed (AsdDbusTunnel *proxy, const char *old_state, const char *new_state,
                  const char *reason, gpointer user_data)
{
  AsdNotifyTunnel *self = user_data;

  AsdTunnelState state = asd_tunnel_state_from_string (new_state, NULL);

  tunnel_log (self, G_LOG_LEVEL_DEBUG, "%s: %s → %s: %s", self->name, old_state, new_state, reason);
  if (state == ASD_TUNNEL_STATE_FAILED ||
      (state == ASD_TUNNEL_STATE_RETRYING && needs_user_now (self)))
    {
      cancel_drop (self);
      leave_outage (self);
      if (self->down_since == 0)
        self->down_since = g_get_monotonic_time ();
      if (!self->muted)
        announce_failed (self, reason);
    }
  else if (self->drop_waits_state && state != ASD_TUNNEL_STATE_CONNECTED &&
           state != ASD_TUNNEL_STATE_STOPPED)
    {
      drop_take_reason (self);
      if (self->context->threshold_s == 0)
        on_drop_due (self);
    }
  else if (state == ASD_TUNNEL_STATE_CONNECTED)
    on_connected (self);
  else if (state == ASD_TUNNEL_STATE_STOPPED)
    {
      cancel_drop (self);
      leave_outage (self);
      self->down_since = 0;
      withdraw (self);
    }
}

static void
on_reconnected (AsdDbusTunnel *proxy, guint64 downtime_us, guint attempts, gpointer user_data)
{
  AsdNotifyTunnel *self = user_data;

  tunnel_log (self, G_LOG_LEVEL_DEBUG, "%s: reconnected after %" G_GUINT64_FORMAT " µs, %u attempts",
              self->name, downtime_us, attempts);
  if (is_told_down (self) && !self->muted)
    announce_back (self, (gint64) MIN (downtime_us, (guint64) G_MAXINT64));
  self->down_since = 0;
}

/* ---- public ---- */

/**
 * asd_notify_tunnel_new:
 * @proxy: the tunnel's proxy, from the object manager
 * @context: what every tunnel shares; must outlive the result
 *
 * Follows @proxy's signals; a tunnel found in "failed" is announced at once.
 *
 * Returns: (transfer full): the tunnel's notification state
 */
AsdNotifyTunnel *
asd_notify_tunnel_new (AsdDbusTunnel *proxy, const AsdNotifyContext *context)
{
  AsdNotifyTunnel *self = g_new0 (AsdNotifyTunnel, 1);
  const char *name = asd_dbus_tunnel_get_name (proxy);

  self->proxy = g_object_ref (proxy);
  self->context = context;
  if (name == NULL || name[0] == '\0')
    self->name = g_path_get_basename (g_dbus_proxy_get_object_path (G_DBUS_PROXY (proxy)));
  else
    self->name = g_strdup (name);
  /* Translators: how notifications name a tunnel of the system service
   * (autosshd --system), e.g. "system tunnel web" */
  self->title = context->system ? g_strdup_printf (_("system tunnel %s"), self->name)
                                : g_strdup (self->name);
  self->muted = is_muted (self);
  g_signal_connect (proxy, "dropped", G_CALLBACK (on_dropped), self);
  g_signal_connect (proxy, "reconnected", G_CALLBACK (on_reconnected), self);
  g_signal_connect (proxy, "state-changed", G_CALLBACK (on_state_changed), self);
  if (asd_tunnel_state_from_string (asd_dbus_tunnel_get_state (proxy), NULL) == ASD_TUNNEL_STATE_FAILED && !self->muted)
    announce_failed (self, NULL);
  return self;
}

const char *
asd_notify_tunnel_get_name (AsdNotifyTunnel *self)
{
  return self->name;
}

/**
 * asd_notify_tunnel_get_title:
 * @self: the tunnel
 *
 * Returns: its name as the notifications show it: "system tunnel web"
 *   for one of the system service, else the name
 */
const char *
asd_notify_tunnel_get_title (AsdNotifyTunnel *self)
{
  return self->title;
}

/**
 * asd_notify_tunnel_get_server:
 * @self: the tunnel
 *
 * Returns: its server as the user wrote it: the host or alias, with
 *   User@ when set (the Destination property); "" when unknown
 */
const char *
asd_notify_tunnel_get_server (AsdNotifyTunnel *self)
{
  const char *destination = asd_dbus_tunnel_get_destination (self->proxy);

  return destination != NULL ? destination : "";
}

/**
 * asd_notify_tunnel_make_label:
 * @self: the tunnel
 *
 * Returns: (transfer full): its name and where its local forwards listen
 *   (from Settings' LocalForward), "web (8080, 8443)"
 */
char *
asd_notify_tunnel_make_label (AsdNotifyTunnel *self)
{
  GVariant *settings = asd_dbus_tunnel_get_settings (self->proxy);
  g_autofree const char **forwards = NULL;
  g_autoptr(GPtrArray) listeners = g_ptr_array_new_with_free_func (g_free);

  if (settings != NULL && g_variant_is_of_type (settings, G_VARIANT_TYPE_VARDICT))
    g_variant_lookup (settings, "LocalForward", "^a&s", &forwards);
  for (guint i = 0; forwards != NULL && forwards[i] != NULL; i++)
    {
      char *listener = asd_tunnel_forward_listener (forwards[i]);

      if (listener != NULL)
        g_ptr_array_add (listeners, listener);
    }
  g_ptr_array_add (listeners, NULL);
  return asd_notify_tunnel_label (self->title, (const char * const *) listeners->pdata);
}

/**
 * asd_notify_tunnel_drop_waiting:
 * @self: the tunnel
 *
 * Returns: whether a drop of @self waits for the threshold (or for the
 *   StateChanged that brings its reason)
 */
gboolean
asd_notify_tunnel_drop_waiting (AsdNotifyTunnel *self)
{
  return self->drop_pending;
}

/**
 * asd_notify_tunnel_get_down_since:
 * @self: the tunnel
 *
 * Returns: when it went down, monotonic µs; now when it is not down
 */
gint64
asd_notify_tunnel_get_down_since (AsdNotifyTunnel *self)
{
  return self->down_since > 0 ? self->down_since : g_get_monotonic_time ();
}

/**
 * asd_notify_tunnel_act:
 * @self: the tunnel
 * @action: "reconnect" (Restart), "stop" (Stop), or "prompt" (the
 *   system prompt for the secret or host key the tunnel waits for), from a
 *   notification's button
 *
 * Asks the service to restart or stop the tunnel, or the user for what it
 * needs; a failure is logged.
 */
void
asd_notify_tunnel_act (AsdNotifyTunnel *self, const char *action)
{
  /* a person clicked: polkit may ask them (the system service) */
  GDBusCallFlags flags = G_DBUS_CALL_FLAGS_NO_AUTO_START |
    (self->context->system ? G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION : 0);

  tunnel_log (self, G_LOG_LEVEL_MESSAGE, "%s: action %s", self->name, action);
  if (g_strcmp0 (action, "prompt") == 0)
    asd_notify_tunnel_prompt (self);
  else if (g_strcmp0 (action, "reconnect") == 0)
    asd_dbus_tunnel_call_restart (self->proxy, flags, -1, NULL, on_call_done, (gpointer) "restart");
  else if (g_strcmp0 (action, "stop") == 0)
    asd_dbus_tunnel_call_stop (self->proxy, flags, -1, NULL, on_call_done, (gpointer) "stop");
}

/**
 * asd_notify_tunnel_lend_notification:
 * @self: the tunnel
 *
 * Its notification (made now if it has none) for its outage to show; the
 * tunnel has none until asd_notify_tunnel_return_notification().
 *
 * Returns: (transfer full): the notification
 */
NotifyNotification *
asd_notify_tunnel_lend_notification (AsdNotifyTunnel *self)
{
  self->shown = ASD_NOTIFY_KIND_NONE;
  if (self->notification == NULL)
    return notify_notification_new ("", NULL, NULL);
  notify_notification_clear_actions (self->notification);
  return g_steal_pointer (&self->notification);
}

/**
 * asd_notify_tunnel_return_notification:
 * @self: the tunnel
 * @notification: what asd_notify_tunnel_lend_notification() lent
 * @shown: what it shows now
 *
 * The outage is over: @notification is the tunnel's again, unless it made
 * one of its own meanwhile (for a failure): that one it keeps, as what it
 * follows.
 */
void
asd_notify_tunnel_return_notification (AsdNotifyTunnel *self, NotifyNotification *notification,
                                       AsdNotifyKind shown)
{
  if (self->notification != NULL)
    return;
  self->notification = g_object_ref (notification);
  self->shown = shown;
}

/* The settings changed: a tunnel muted now says nothing from here on, and
 * what it showed is withdrawn. */
void
asd_notify_tunnel_context_changed (AsdNotifyTunnel *self)
{
  gboolean muted = is_muted (self);

  if (self->muted == muted)
    return;
  self->muted = muted;
  tunnel_log (self, G_LOG_LEVEL_DEBUG, "%s: %s", self->name, muted ? "muted" : "not muted");
  if (muted)
    {
      cancel_drop (self);
      leave_outage (self);
      withdraw (self);
    }
}

/* The tunnel is gone (removed, or the service went away): so is what its
 * notification said. */
void
asd_notify_tunnel_free (AsdNotifyTunnel *self)
{
  if (self == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->proxy, self);
  asd_notify_tunnel_prompt_stop (self);
  cancel_timers (self);
  self->in_outage = FALSE;
  asd_notify_outages_leave (self->context->outages, self);
  withdraw (self);
  if (self->notification != NULL)
    notify_notification_clear_actions (self->notification);
  g_clear_object (&self->notification);
  g_clear_object (&self->proxy);
  g_free (self->name);
  g_free (self->title);
  g_free (self);
}
