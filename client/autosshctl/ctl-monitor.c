/* ctl-monitor.c: `autosshctl monitor`, the tunnels' events as they happen
 *
 * Follows the service's ObjectManager: tunnels added and removed, and on
 * every tunnel StateChanged, Dropped and Reconnected, one line per event
 * with the time, until SIGINT or SIGTERM.  It starts with one "Present"
 * line per tunnel (its state now), so a reader knows it is listening.
 * With --json each line is a JSON object: "time" (ISO 8601), "event" (the
 * signal's name, or TunnelAdded, TunnelRemoved, Present, ServiceStarted,
 * ServiceStopped), "tunnel", and the signal's arguments by their API
 * names; events about a tunnel's state (Present, TunnelAdded,
 * StateChanged, Dropped) add "reason_code" and "reason_details" from its
 * StateReasonCode and StateReasonDetails.  The service sets those
 * properties before it sends StateChanged, so the proxy's values agree
 * with the signal.  The text shows the states' translated names and the
 * reason made from them in the reader's locale; from a service without
 * reason codes, the signal's (or StateReason's) words.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <glib/gi18n.h>
#include <glib-unix.h>

#include "ctl.h"
#include "ctl-format.h"
#include "ctl-json.h"
#include "ctl-output.h"

typedef struct {
  Ctl *ctl;
  GMainLoop *loop;
  GDBusObjectManager *objects;
  gboolean service_up;
  GError *error;
} Monitor;

/* One event: text for people, or one JSON object with @fields (a{sv},
 * floating or not, in order; may be NULL). */
static void
emit (Monitor *m, const char *event, const char *tunnel, const char *text, GVariant *fields)
{
  g_autoptr(GVariant) owned = fields != NULL ? g_variant_ref_sink (fields) : NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GString) line = g_string_new (NULL);

  if (m->ctl->json)
    {
      g_autofree char *time = g_date_time_format_iso8601 (now);
      gboolean first = TRUE;
      GVariantIter iter;
      const char *key;
      GVariant *value;

      g_string_append_c (line, '{');
      ctl_json_member (line, &first, "time");
      ctl_json_string (line, time);
      ctl_json_member (line, &first, "event");
      ctl_json_string (line, event);
      if (tunnel != NULL)
        {
          ctl_json_member (line, &first, "tunnel");
          ctl_json_string (line, tunnel);
        }
      if (owned != NULL)
        {
          g_variant_iter_init (&iter, owned);
          while (g_variant_iter_loop (&iter, "{&sv}", &key, &value))
            {
              ctl_json_member (line, &first, key);
              ctl_json_variant (line, value);
            }
        }
      g_string_append (line, "}\n");
    }
  else
    {
      g_autofree char *time = g_date_time_format (now, "%Y-%m-%d %H:%M:%S");

      g_string_append_printf (line, "%s %s\n", time, text);
    }
  fputs (line->str, stdout);
  fflush (stdout);
}

/* "reason_code" and "reason_details" from the tunnel's properties; with
 * @known FALSE (they do not describe this event yet) "" and {}, as from a
 * service without reason codes. */
static void
add_reason_fields (GVariantBuilder *fields, AsdDbusTunnel *tunnel, gboolean known)
{
  const char *code = known ? asd_dbus_tunnel_get_state_reason_code (tunnel) : NULL;
  GVariant *details = known ? asd_dbus_tunnel_get_state_reason_details (tunnel) : NULL;

  if (details == NULL || !g_variant_is_of_type (details, G_VARIANT_TYPE_VARDICT))
    details = g_variant_new ("a{sv}", NULL);
  g_variant_builder_add (fields, "{sv}", "reason_code", g_variant_new_string (code != NULL ? code : ""));
  g_variant_builder_add (fields, "{sv}", "reason_details", details);
}

static void
on_state_changed (AsdDbusTunnel *tunnel, const char *old_state, const char *new_state,
                  const char *reason, gpointer user_data)
{
  const char *name = asd_dbus_tunnel_get_name (tunnel);
  g_autofree char *shown = ctl_tunnel_reason (tunnel, reason);
  /* TRANSLATORS: monitor: tunnel, old state, new state, reason */
  g_autofree char *text = g_strdup_printf (_("%s: %s → %s: %s"), name,
                                           asd_tunnel_state_display_name_from_string (old_state),
                                           asd_tunnel_state_display_name_from_string (new_state), shown);
  GVariantBuilder fields;

  g_variant_builder_init (&fields, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&fields, "{sv}", "old_state", g_variant_new ("s", old_state));
  g_variant_builder_add (&fields, "{sv}", "new_state", g_variant_new ("s", new_state));
  g_variant_builder_add (&fields, "{sv}", "reason", g_variant_new ("s", reason));
  add_reason_fields (&fields, tunnel, TRUE);
  emit (user_data, "StateChanged", name, text, g_variant_builder_end (&fields));
}

static void
on_dropped (AsdDbusTunnel *tunnel, const char *reason, gpointer user_data)
{
  const char *name = asd_dbus_tunnel_get_name (tunnel);
  /* The API has StateReasonCode hold the drop's code; a proxy that still
   * says "connected" has not heard of the drop yet: the signal's words
   * then, and no code. */
  gboolean known = asd_tunnel_state_from_string (asd_dbus_tunnel_get_state (tunnel), NULL) !=
                   ASD_TUNNEL_STATE_CONNECTED;
  g_autofree char *shown = known ? ctl_tunnel_reason (tunnel, reason) : g_strdup (reason);
  g_autofree char *text = g_strdup_printf (_("%s: dropped: %s"), name, shown);
  GVariantBuilder fields;

  g_variant_builder_init (&fields, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&fields, "{sv}", "reason", g_variant_new ("s", reason));
  add_reason_fields (&fields, tunnel, known);
  emit (user_data, "Dropped", name, text, g_variant_builder_end (&fields));
}

static void
on_reconnected (AsdDbusTunnel *tunnel, guint64 downtime_us, guint attempts, gpointer user_data)
{
  const char *name = asd_dbus_tunnel_get_name (tunnel);
  g_autofree char *downtime = ctl_format_duration ((gint64) MIN (downtime_us, (guint64) G_MAXINT64));
  g_autofree char *text = g_strdup_printf (ngettext ("%s: back after %s (%u attempt)",
                                                     "%s: back after %s (%u attempts)", attempts),
                                           name, downtime, attempts);
  GVariantBuilder fields;

  g_variant_builder_init (&fields, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&fields, "{sv}", "downtime_us", g_variant_new ("t", downtime_us));
  g_variant_builder_add (&fields, "{sv}", "attempts", g_variant_new ("u", attempts));
  emit (user_data, "Reconnected", name, text, g_variant_builder_end (&fields));
}

static void
service_changed (Monitor *m, gboolean up)
{
  if (m->service_up == up)
    return;
  m->service_up = up;
  if (up)
    emit (m, "ServiceStarted", NULL, _("autosshd started"), NULL);
  else
    emit (m, "ServiceStopped", NULL, _("autosshd stopped"), NULL);
}

/* event: "Present" (there when we started or when the service came
 * back) or "TunnelAdded". */
static void
follow_tunnel (Monitor *m, AsdDbusTunnel *tunnel, const char *event)
{
  const char *name = asd_dbus_tunnel_get_name (tunnel);
  const char *state = asd_dbus_tunnel_get_state (tunnel);
  const char *shown_state = asd_tunnel_state_display_name_from_string (state);
  const char *reason = asd_dbus_tunnel_get_state_reason (tunnel);
  g_autofree char *shown = ctl_tunnel_reason (tunnel, NULL);
  g_autofree char *text = NULL;
  GVariantBuilder fields;

  g_signal_connect (tunnel, "state-changed", G_CALLBACK (on_state_changed), m);
  g_signal_connect (tunnel, "dropped", G_CALLBACK (on_dropped), m);
  g_signal_connect (tunnel, "reconnected", G_CALLBACK (on_reconnected), m);

  state = state != NULL ? state : "";
  reason = reason != NULL ? reason : "";
  if (g_str_equal (event, "Present"))
    text = g_strdup_printf (_("%s: %s: %s"), name, shown_state, shown);
  else
    text = g_strdup_printf (_("%s: added (%s: %s)"), name, shown_state, shown);
  g_variant_builder_init (&fields, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&fields, "{sv}", "state", g_variant_new ("s", state));
  g_variant_builder_add (&fields, "{sv}", "reason", g_variant_new ("s", reason));
  add_reason_fields (&fields, tunnel, TRUE);
  emit (m, event, name, text, g_variant_builder_end (&fields));
}

static void
on_object_added (GDBusObjectManager *objects, GDBusObject *object, gpointer user_data)
{
  Monitor *m = user_data;
  g_autoptr(AsdDbusTunnel) tunnel = asd_dbus_object_get_tunnel (ASD_DBUS_OBJECT (object));
  g_autofree char *owner = g_dbus_object_manager_client_get_name_owner (G_DBUS_OBJECT_MANAGER_CLIENT (objects));

  if (tunnel == NULL)
    return;
  /* While the service comes back, its tunnels are added before the
   * client announces the new owner. */
  if (owner == NULL)
    {
      service_changed (m, TRUE);
      follow_tunnel (m, tunnel, "Present");
      return;
    }
  follow_tunnel (m, tunnel, "TunnelAdded");
}

static void
on_object_removed (GDBusObjectManager *objects, GDBusObject *object, gpointer user_data)
{
  Monitor *m = user_data;
  g_autoptr(AsdDbusTunnel) tunnel = asd_dbus_object_get_tunnel (ASD_DBUS_OBJECT (object));
  g_autofree char *owner = g_dbus_object_manager_client_get_name_owner (G_DBUS_OBJECT_MANAGER_CLIENT (objects));
  g_autofree char *text = NULL;

  if (tunnel == NULL)
    return;
  g_signal_handlers_disconnect_by_data (tunnel, m);
  if (owner == NULL)
    return;     /* the service went away, not the tunnel */
  text = g_strdup_printf (_("%s: removed"), asd_dbus_tunnel_get_name (tunnel));
  emit (m, "TunnelRemoved", asd_dbus_tunnel_get_name (tunnel), text, NULL);
}

static void
on_name_owner (GObject *objects, GParamSpec *pspec, gpointer user_data)
{
  g_autofree char *owner = g_dbus_object_manager_client_get_name_owner (G_DBUS_OBJECT_MANAGER_CLIENT (objects));

  service_changed (user_data, owner != NULL);
}

static void
on_bus_closed (GDBusConnection *bus, gboolean remote_peer_vanished, GError *error, gpointer user_data)
{
  Monitor *m = user_data;

  if (m->error == NULL)
    g_set_error (&m->error, CTL_ERROR, CTL_ERROR_UNAVAILABLE, _("the session bus closed the connection%s%s"),
                 error != NULL ? ": " : "", error != NULL ? error->message : "");
  g_main_loop_quit (m->loop);
}

static gboolean
on_quit_signal (gpointer user_data)
{
  g_main_loop_quit (((Monitor *) user_data)->loop);
  return G_SOURCE_CONTINUE;
}

gboolean
ctl_cmd_monitor (Ctl *ctl, int argc, char **argv, GError **error)
{
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &ctl->json, N_("Print one JSON object per line"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = ctl_command_context ("monitor", entries);
  g_autolist(AsdDbusTunnel) tunnels = NULL;
  Monitor m = { ctl, NULL, NULL, TRUE, NULL };
  guint sigint_id, sigterm_id;
  gulong closed_id;

  if (!ctl_parse_command (context, &argc, &argv, 0, 0, error))
    return FALSE;
  m.objects = ctl_object_manager (ctl, error);
  if (m.objects == NULL)
    return FALSE;
  m.loop = g_main_loop_new (NULL, FALSE);
  closed_id = g_signal_connect (ctl->bus, "closed", G_CALLBACK (on_bus_closed), &m);
  g_signal_connect (m.objects, "object-added", G_CALLBACK (on_object_added), &m);
  g_signal_connect (m.objects, "object-removed", G_CALLBACK (on_object_removed), &m);
  g_signal_connect (m.objects, "notify::name-owner", G_CALLBACK (on_name_owner), &m);
  tunnels = ctl_sorted_tunnels (m.objects);
  for (GList *l = tunnels; l != NULL; l = l->next)
    follow_tunnel (&m, l->data, "Present");
  sigint_id = g_unix_signal_add (SIGINT, on_quit_signal, &m);
  sigterm_id = g_unix_signal_add (SIGTERM, on_quit_signal, &m);

  g_main_loop_run (m.loop);

  g_source_remove (sigint_id);
  g_source_remove (sigterm_id);
  g_signal_handler_disconnect (ctl->bus, closed_id);
  g_signal_handlers_disconnect_by_data (m.objects, &m);
  for (GList *l = tunnels; l != NULL; l = l->next)
    g_signal_handlers_disconnect_by_data (l->data, &m);
  g_clear_object (&m.objects);
  g_main_loop_unref (m.loop);
  if (m.error != NULL)
    {
      g_propagate_error (error, m.error);
      return FALSE;
    }
  return TRUE;
}
