/* ctl-wait.c: waiting for a tunnel's state (`autosshctl wait`, and
 * --wait of add, start and restart)
 *
 * Waits on the tunnel proxy's PropertiesChanged, never by polling.  The
 * proxy subscribes before it loads the properties, and the service sends
 * the PropertiesChanged of a state change before the reply of the call
 * that made it (Start, Restart: "connecting"), so: subscribe (make the
 * proxy), call, dispatch what arrived, look at State, then wait.  Nothing
 * is missed between the call and the wait.
 *
 * Waiting for "connected" ends at once when the tunnel fails (it needs
 * the user: failed is the end) or is stopped by someone else; a retrying
 * tunnel may still come up, so the wait goes on until the time is out,
 * and then says it was retrying and why.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "asd-error.h"
#include "ctl.h"
#include "ctl-output.h"

typedef struct {
  AsdDbusTunnel *tunnel;
  const char *name;
  AsdTunnelState target;
  AsdTunnelState last;
  guint seconds;
  GMainLoop *loop;
  guint timeout_id;
  gboolean done;
  GError *error;
} Waiter;

/**
 * ctl_wait_seconds_from_string:
 * @text: a number of seconds, as given on the command line
 * @seconds: (out): it
 * @error: return location for a %CTL_ERROR_USAGE error
 *
 * Returns: whether @text is a whole number of seconds, 0 (no limit) to
 *   a day
 */
gboolean
ctl_wait_seconds_from_string (const char *text, guint *seconds, GError **error)
{
  guint64 n;

  if (!g_ascii_string_to_unsigned (text, 10, 0, 86400, &n, NULL))
    {
      g_set_error (error, CTL_ERROR, CTL_ERROR_USAGE,
                   _("“%s” is not a number of seconds from 0 (no limit) to 86400"), text);
      return FALSE;
    }
  *seconds = n;
  return TRUE;
}

/**
 * ctl_wait_parse_option:
 * @option_name: "--wait"
 * @value: (nullable): SECONDS, or %NULL for the default
 * @data: the #CtlWait (the option group's user data)
 * @error: return location for an error
 *
 * The GOptionArgFunc of --wait[=SECONDS] (CTL_WAIT_OPTION_ENTRY).
 */
gboolean
ctl_wait_parse_option (const char *option_name, const char *value, gpointer data, GError **error)
{
  CtlWait *wait = data;

  wait->enabled = TRUE;
  wait->seconds = CTL_WAIT_DEFAULT_SECONDS;
  if (value == NULL)
    return TRUE;
  if (ctl_wait_seconds_from_string (value, &wait->seconds, error))
    return TRUE;
  g_prefix_error (error, "%s: ", option_name);
  return FALSE;
}

static AsdTunnelState
current_state (Waiter *w, gboolean *known)
{
  return asd_tunnel_state_from_string (asd_dbus_tunnel_get_state (w->tunnel), known);
}

/* "REASON (reason code CODE)", or REASON from a service without codes. */
static char *
reason_with_code (AsdDbusTunnel *tunnel)
{
  g_autofree char *reason = ctl_tunnel_reason (tunnel, NULL);
  const char *code = asd_dbus_tunnel_get_state_reason_code (tunnel);

  if (code == NULL || code[0] == '\0')
    return g_steal_pointer (&reason);
  /* TRANSLATORS: why a tunnel is in its state, and the API's code for it */
  return g_strdup_printf (_("%s (reason code %s)"), reason, code);
}

static void
finish (Waiter *w, GError *error)
{
  if (w->done)
    {
      g_clear_error (&error);
      return;
    }
  w->done = TRUE;
  w->error = error;
  if (w->loop != NULL)
    g_main_loop_quit (w->loop);
}

/* Whether the state now ends the wait; finishes it if so. */
static void
check_state (Waiter *w)
{
  gboolean known = FALSE;
  AsdTunnelState state = current_state (w, &known);
  AsdTunnelState last = w->last;
  g_autofree char *why = NULL;

  w->last = state;
  if (!known || w->done)
    return;
  if (state == w->target)
    {
      finish (w, NULL);
      return;
    }
  if (w->target != ASD_TUNNEL_STATE_CONNECTED)
    return;
  why = reason_with_code (w->tunnel);
  if (state == ASD_TUNNEL_STATE_FAILED)
    finish (w, g_error_new (CTL_ERROR, CTL_ERROR_FAILED, _("%s failed: %s"), w->name, why));
  else if (state == ASD_TUNNEL_STATE_STOPPED && last != ASD_TUNNEL_STATE_STOPPED)
    finish (w, g_error_new (CTL_ERROR, CTL_ERROR_FAILED, _("%s was stopped while waiting for it to connect: %s"),
                            w->name, why));
}

static void
on_properties_changed (GDBusProxy *proxy, GVariant *changed, GStrv invalidated, gpointer user_data)
{
  check_state (user_data);
}

static void
on_name_owner (GObject *proxy, GParamSpec *pspec, gpointer user_data)
{
  Waiter *w = user_data;
  g_autofree char *owner = g_dbus_proxy_get_name_owner (G_DBUS_PROXY (proxy));

  if (owner == NULL)
    finish (w, g_error_new (CTL_ERROR, CTL_ERROR_UNAVAILABLE,
                            _("the autosshd service stopped while waiting for %s"), w->name));
}

static void
on_removed (gpointer user_data)
{
  Waiter *w = user_data;

  finish (w, g_error_new (ASD_ERROR, ASD_ERROR_NOT_FOUND, _("%s was removed while waiting for it"), w->name));
}

static gboolean
on_timeout (gpointer user_data)
{
  Waiter *w = user_data;
  gboolean known = FALSE;
  AsdTunnelState state = current_state (w, &known);
  g_autofree char *why = reason_with_code (w->tunnel);
  const char *target = asd_tunnel_state_display_name (w->target);

  w->timeout_id = 0;
  if (state == ASD_TUNNEL_STATE_RETRYING)
    finish (w, g_error_new (CTL_ERROR, CTL_ERROR_TIMED_OUT,
                            _("%s is not %s after %u s: it is still retrying and may yet come up; the last reason: %s"),
                            w->name, target, w->seconds, why));
  else
    finish (w, g_error_new (CTL_ERROR, CTL_ERROR_TIMED_OUT, _("%s is not %s after %u s: it is %s: %s"),
                            w->name, target, w->seconds,
                            asd_tunnel_state_display_name_from_string (asd_dbus_tunnel_get_state (w->tunnel)), why));
  return G_SOURCE_REMOVE;
}

/* Runs the loop until the wait is over; the subscriptions are made before
 * the state is looked at. */
static void
run_wait (Ctl *ctl, Waiter *w)
{
  guint removed_id;

  w->loop = g_main_loop_new (NULL, FALSE);
  g_signal_connect (w->tunnel, "g-properties-changed", G_CALLBACK (on_properties_changed), w);
  g_signal_connect (w->tunnel, "notify::g-name-owner", G_CALLBACK (on_name_owner), w);
  removed_id = ctl_watch_removal (ctl, w->tunnel, on_removed, w);
  /* what arrived before the call's reply updates the proxy first */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  w->last = current_state (w, NULL);
  check_state (w);
  if (!w->done && w->seconds > 0)
    w->timeout_id = g_timeout_add (w->seconds * 1000, on_timeout, w);
  if (!w->done)
    g_main_loop_run (w->loop);
  g_clear_handle_id (&w->timeout_id, g_source_remove);
  g_dbus_connection_signal_unsubscribe (ctl->bus, removed_id);
  g_signal_handlers_disconnect_by_data (w->tunnel, w);
  g_clear_pointer (&w->loop, g_main_loop_unref);
}

/**
 * ctl_wait_for_state:
 * @ctl: the context (connected)
 * @tunnel: the tunnel's proxy, made before the call whose effect is
 *   awaited
 * @target: the state to wait for
 * @seconds: how long at most; 0 for no limit
 * @error: return location for an error: %CTL_ERROR_TIMED_OUT,
 *   %CTL_ERROR_FAILED (it failed, or was stopped, while awaited to
 *   connect), NotFound (removed), %CTL_ERROR_UNAVAILABLE (the service
 *   went away)
 *
 * Returns: whether @tunnel reached @target
 */
gboolean
ctl_wait_for_state (Ctl *ctl, AsdDbusTunnel *tunnel, AsdTunnelState target, guint seconds, GError **error)
{
  Waiter w = { tunnel, asd_dbus_tunnel_get_name (tunnel), target, ASD_TUNNEL_STATE_STOPPED, seconds,
               NULL, 0, FALSE, NULL };

  if (w.name == NULL)
    w.name = "?";
  run_wait (ctl, &w);
  if (w.error == NULL)
    return TRUE;
  g_propagate_error (error, w.error);
  return FALSE;
}

static gboolean
parse_state (const char *text, AsdTunnelState *state, GError **error)
{
  gboolean known = FALSE;

  *state = asd_tunnel_state_from_string (text, &known);
  if (known)
    return TRUE;
  g_set_error (error, CTL_ERROR, CTL_ERROR_USAGE,
               _("wait: unknown state “%s”: the states are stopped, connecting, connected, retrying and failed"),
               text);
  return FALSE;
}

gboolean
ctl_cmd_wait (Ctl *ctl, int argc, char **argv, GError **error)
{
  g_autofree char *timeout = NULL;
  const GOptionEntry entries[] = {
    { "timeout", 0, 0, G_OPTION_ARG_STRING, &timeout,
      N_("Wait at most SECONDS (default 60, 0: no limit)"), N_("SECONDS") },
    { NULL }
  };
  g_autoptr(GOptionContext) context = ctl_command_context ("wait", entries);
  g_autoptr(AsdDbusTunnel) tunnel = NULL;
  AsdTunnelState target = ASD_TUNNEL_STATE_CONNECTED;
  guint seconds = CTL_WAIT_DEFAULT_SECONDS;

  if (!ctl_parse_command (context, &argc, &argv, 1, 2, error) ||
      (timeout != NULL && !ctl_wait_seconds_from_string (timeout, &seconds, error)) ||
      (argc > 2 && !parse_state (argv[2], &target, error)))
    return FALSE;
  tunnel = ctl_tunnel (ctl, argv[1], error);
  if (tunnel == NULL)
    return FALSE;
  return ctl_wait_for_state (ctl, tunnel, target, seconds, error);
}
