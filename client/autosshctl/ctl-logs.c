/* ctl-logs.c: `autosshctl logs NAME`, a tunnel's recent events
 *
 * Prints the newest entries of the tunnel's log (Tunnel.GetLog), oldest
 * first, one line each: the local time, the kind and the entry in the
 * reader's words — made again here from the kind and the details
 * (asd_log_entry_describe()), the service's message for a kind this
 * build does not know.  -n N prints the last N (default 10; "all": every
 * entry the service keeps).  -f then follows: it subscribes to LogEntry
 * (the tunnel's proxy does, when it is made) before it calls GetLog, and
 * prints only entries whose sequence number is above the last printed, so
 * nothing is missed or printed twice.  It follows until SIGINT or SIGTERM
 * (exit 0), the tunnel's removal (NotFound, exit 3) or the service's end
 * (exit 4).  With --json each entry is one JSON object per line: "sequence",
 * "time" (ISO 8601), "timestamp", "timestamp_monotonic" (µs), "tunnel",
 * "kind", "message" (the service's words) and "details" (typed, by kind).
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <glib/gi18n.h>
#include <glib-unix.h>

#include "asd-error.h"
#include "asd-log-entry.h"
#include "ctl.h"
#include "ctl-format.h"
#include "ctl-json.h"

#define LOGS_DEFAULT_LINES 10

typedef struct {
  Ctl *ctl;
  const char *name;
  guint64 last;           /* the sequence of the newest entry printed */
  GMainLoop *loop;
  GError *error;
} Logs;

/* @usec since the epoch, in local time; NULL out of range. */
static GDateTime *
local_time (guint64 usec)
{
  g_autoptr(GDateTime) seconds = g_date_time_new_from_unix_local ((gint64) MIN (usec / G_USEC_PER_SEC,
                                                                                (guint64) G_MAXINT64));

  return seconds != NULL ? g_date_time_add (seconds, (GTimeSpan) (usec % G_USEC_PER_SEC)) : NULL;
}

static void
append_json (GString *line, const char *name, guint64 sequence, guint64 timestamp,
             guint64 monotonic, const char *kind, const char *message, GVariant *details)
{
  g_autoptr(GDateTime) time = local_time (timestamp);
  g_autofree char *iso = time != NULL ? g_date_time_format_iso8601 (time) : NULL;
  gboolean first = TRUE;

  g_string_append_c (line, '{');
  ctl_json_member (line, &first, "sequence");
  g_string_append_printf (line, "%" G_GUINT64_FORMAT, sequence);
  ctl_json_member (line, &first, "time");
  ctl_json_string (line, iso);
  ctl_json_member (line, &first, "timestamp");
  g_string_append_printf (line, "%" G_GUINT64_FORMAT, timestamp);
  ctl_json_member (line, &first, "timestamp_monotonic");
  g_string_append_printf (line, "%" G_GUINT64_FORMAT, monotonic);
  ctl_json_member (line, &first, "tunnel");
  ctl_json_string (line, name);
  ctl_json_member (line, &first, "kind");
  ctl_json_string (line, kind);
  ctl_json_member (line, &first, "message");
  ctl_json_string (line, message);
  ctl_json_member (line, &first, "details");
  ctl_json_variant (line, details);
  g_string_append (line, "}\n");
}

/* One entry, as text or JSON, unless it was printed already. */
static void
print_entry (Logs *logs, guint64 sequence, guint64 timestamp, guint64 monotonic,
             const char *kind, const char *message, GVariant *details)
{
  g_autoptr(GString) line = g_string_new (NULL);

  if (sequence <= logs->last)
    return;
  logs->last = sequence;
  if (logs->ctl->json)
    append_json (line, logs->name, sequence, timestamp, monotonic, kind, message, details);
  else
    {
      g_autofree char *time = ctl_format_time ((gint64) MIN (timestamp, (guint64) G_MAXINT64));
      g_autofree char *text = asd_log_entry_describe (kind, details, message);

      g_string_append_printf (line, "%s %s: %s\n", time, kind, text);
    }
  fputs (line->str, stdout);
  fflush (stdout);
}

/* The last @max entries (0: all); remembers the newest. */
static gboolean
print_log (Logs *logs, AsdDbusTunnel *tunnel, guint32 max, GError **error)
{
  g_autoptr(GVariant) entries = NULL;
  GVariantIter iter;
  guint64 sequence, timestamp, monotonic;
  const char *kind, *message;
  GVariant *details;

  if (!asd_dbus_tunnel_call_get_log_sync (tunnel, max, G_DBUS_CALL_FLAGS_NONE, -1, &entries, NULL, error))
    return FALSE;
  g_variant_iter_init (&iter, entries);
  while (g_variant_iter_loop (&iter, "(ttt&s&s@a{sv})", &sequence, &timestamp, &monotonic,
                              &kind, &message, &details))
    print_entry (logs, sequence, timestamp, monotonic, kind, message, details);
  return TRUE;
}

static void
on_log_entry (AsdDbusTunnel *tunnel, guint64 sequence, guint64 timestamp, guint64 monotonic,
              const char *kind, const char *message, GVariant *details, gpointer user_data)
{
  print_entry (user_data, sequence, timestamp, monotonic, kind, message, details);
}

static void
stop_following (Logs *logs, GError *error)
{
  if (logs->error == NULL)
    logs->error = error;
  else
    g_clear_error (&error);
  g_main_loop_quit (logs->loop);
}

static void
on_removed (gpointer user_data)
{
  Logs *logs = user_data;

  stop_following (logs, g_error_new (ASD_ERROR, ASD_ERROR_NOT_FOUND, _("%s was removed"), logs->name));
}

static void
on_name_owner (GObject *proxy, GParamSpec *pspec, gpointer user_data)
{
  Logs *logs = user_data;
  g_autofree char *owner = g_dbus_proxy_get_name_owner (G_DBUS_PROXY (proxy));

  if (owner == NULL)
    stop_following (logs, g_error_new (CTL_ERROR, CTL_ERROR_UNAVAILABLE,
                                       _("the autosshd service stopped while following %s"), logs->name));
}

static gboolean
on_quit_signal (gpointer user_data)
{
  g_main_loop_quit (((Logs *) user_data)->loop);
  return G_SOURCE_CONTINUE;
}

/* With @print_old, prints the last @max entries (0: all) first; then
 * every new one, until told to stop. */
static gboolean
follow (Logs *logs, AsdDbusTunnel *tunnel, guint32 max, gboolean print_old, GError **error)
{
  guint removed_id, sigint_id, sigterm_id;
  gboolean ok = TRUE;

  logs->loop = g_main_loop_new (NULL, FALSE);
  g_signal_connect (tunnel, "log-entry", G_CALLBACK (on_log_entry), logs);
  g_signal_connect (tunnel, "notify::g-name-owner", G_CALLBACK (on_name_owner), logs);
  removed_id = ctl_watch_removal (logs->ctl, tunnel, on_removed, logs);
  sigint_id = g_unix_signal_add (SIGINT, on_quit_signal, logs);
  sigterm_id = g_unix_signal_add (SIGTERM, on_quit_signal, logs);
  /* the entries of signals that came before GetLog's reply are printed by
   * it, and dropped by their sequence when the loop runs */
  if (print_old)
    ok = print_log (logs, tunnel, max, error);
  if (ok)
    g_main_loop_run (logs->loop);
  g_source_remove (sigint_id);
  g_source_remove (sigterm_id);
  g_dbus_connection_signal_unsubscribe (logs->ctl->bus, removed_id);
  g_signal_handlers_disconnect_by_data (tunnel, logs);
  g_clear_pointer (&logs->loop, g_main_loop_unref);
  if (!ok)
    return FALSE;
  if (logs->error == NULL)
    return TRUE;
  g_propagate_error (error, g_steal_pointer (&logs->error));
  return FALSE;
}

/* -n: a number of entries, or "all" (0 for GetLog). */
static gboolean
parse_lines (const char *text, guint32 *max, gboolean *none, GError **error)
{
  guint64 n = 0;

  *none = FALSE;
  if (text == NULL)
    {
      *max = LOGS_DEFAULT_LINES;
      return TRUE;
    }
  if (g_strcmp0 (text, "all") == 0)
    {
      *max = 0;
      return TRUE;
    }
  if (!g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT32, &n, NULL))
    {
      g_set_error (error, CTL_ERROR, CTL_ERROR_USAGE,
                   _("logs: -n: “%s” is not a number of entries, nor “all”"), text);
      return FALSE;
    }
  *max = (guint32) n;
  *none = n == 0;
  return TRUE;
}

gboolean
ctl_cmd_logs (Ctl *ctl, int argc, char **argv, GError **error)
{
  g_autofree char *lines = NULL;
  gboolean follow_new = FALSE;
  const GOptionEntry entries[] = {
    { "lines", 'n', 0, G_OPTION_ARG_STRING, &lines,
      N_("Show the last N entries (default 10; “all”: every entry kept)"), N_("N") },
    { "follow", 'f', 0, G_OPTION_ARG_NONE, &follow_new,
      N_("Then print new entries as they come, until interrupted"), NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &ctl->json, N_("Print one JSON object per line"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = ctl_command_context ("logs", entries);
  g_autoptr(AsdDbusTunnel) tunnel = NULL;
  Logs logs = { ctl, NULL, 0, NULL, NULL };
  guint32 max = 0;
  gboolean none = FALSE;

  if (!ctl_parse_command (context, &argc, &argv, 1, 1, error) ||
      !parse_lines (lines, &max, &none, error))
    return FALSE;
  tunnel = ctl_tunnel (ctl, argv[1], error);
  if (tunnel == NULL)
    return FALSE;
  logs.name = argv[1];
  if (follow_new)
    return follow (&logs, tunnel, max, !none, error);
  return none || print_log (&logs, tunnel, max, error);
}
