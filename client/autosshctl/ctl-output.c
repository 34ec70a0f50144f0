/* ctl-output.c: tunnels as text and as JSON
 *
 * The JSON of a tunnel has every property of the Tunnel interface, named
 * as in the API (the interface info generated from the XML is the list,
 * so a new property shows up without a change here); numbers are numbers.
 * It also has "reason_code" and "reason_details", the members that
 * `monitor --json` has too, so scripts read a reason the same way
 * everywhere, and "ssh_config_forwards" (ctl-forwards.c).  No name or
 * value depends on the locale.
 *
 * The reason people read is made here from StateReasonCode and
 * StateReasonDetails in the reader's locale; from a service without
 * reason codes (StateReasonCode "" or missing) it is StateReason.  The
 * state people read is its translated name (asd-names.c); the JSON keeps
 * the API's value.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <glib/gi18n.h>

#include "asd-names.h"
#include "ctl.h"
#include "ctl-format.h"
#include "ctl-json.h"
#include "ctl-output.h"

/* Appends "ssh_config_forwards": the forwards ssh takes from its
 * configuration (ctl_ssh_config_forwards()), an array of strings such as
 * "-L 8080:localhost:80"; [] when ssh was not asked (the tunnel has
 * forwards of its own) or names none. */
static void
json_ssh_config_forwards (GString *out, gboolean *first, AsdDbusTunnel *tunnel)
{
  const char * const *config = ctl_ssh_config_forwards (tunnel);
  g_autoptr(GVariant) value = g_variant_ref_sink (g_variant_new_strv (config != NULL ? config :
                                                                      (const char * const []) { NULL }, -1));

  ctl_json_member (out, first, "ssh_config_forwards");
  ctl_json_variant (out, value);
}

/**
 * ctl_json_tunnel:
 * @out: where to append
 * @tunnel: a tunnel proxy
 *
 * Appends the tunnel as one JSON object: every property, null when the
 * proxy has no value for it.
 */
void
ctl_json_tunnel (GString *out, AsdDbusTunnel *tunnel)
{
  GDBusInterfaceInfo *info = asd_dbus_tunnel_interface_info ();
  gboolean first = TRUE;

  g_string_append_c (out, '{');
  for (guint i = 0; info->properties != NULL && info->properties[i] != NULL; i++)
    {
      const char *name = info->properties[i]->name;
      g_autoptr(GVariant) value = g_dbus_proxy_get_cached_property (G_DBUS_PROXY (tunnel), name);

      ctl_json_member (out, &first, name);
      ctl_json_variant (out, value);
    }
  ctl_json_tunnel_reason (out, &first, tunnel);
  json_ssh_config_forwards (out, &first, tunnel);
  g_string_append_c (out, '}');
}

/**
 * ctl_json_tunnel_reason:
 * @out: where to append
 * @first: (inout): %TRUE before the first member of an object
 * @tunnel: a tunnel proxy
 *
 * Appends "reason_code" and "reason_details" from the tunnel's
 * StateReasonCode and StateReasonDetails ("" and {} from a service
 * without them).
 */
void
ctl_json_tunnel_reason (GString *out, gboolean *first, AsdDbusTunnel *tunnel)
{
  ctl_json_reason (out, first, asd_dbus_tunnel_get_state_reason_code (tunnel),
                   asd_dbus_tunnel_get_state_reason_details (tunnel));
}

/**
 * ctl_tunnel_reason:
 * @tunnel: a tunnel proxy
 * @fallback: (nullable): the words to show from a service without reason
 *   codes; %NULL for its StateReason
 *
 * Returns: (transfer full): why it is in its state, in the reader's
 *   locale
 */
char *
ctl_tunnel_reason (AsdDbusTunnel *tunnel, const char *fallback)
{
  return ctl_format_reason (asd_dbus_tunnel_get_state_reason_code (tunnel),
                            asd_dbus_tunnel_get_state_reason_details (tunnel),
                            fallback != NULL ? fallback : asd_dbus_tunnel_get_state_reason (tunnel));
}

/**
 * ctl_uptime_or_reason:
 * @tunnel: a tunnel proxy
 * @now_usec: now, µs since the epoch
 *
 * Returns: (transfer full): how long it has been connected, or else why
 *   it is in its state (with the next try's distance while retrying)
 */
char *
ctl_uptime_or_reason (AsdDbusTunnel *tunnel, gint64 now_usec)
{
  gint64 since = (gint64) asd_dbus_tunnel_get_connected_timestamp (tunnel);
  gint64 next = (gint64) asd_dbus_tunnel_get_next_retry_timestamp (tunnel);
  g_autofree char *reason = ctl_tunnel_reason (tunnel, NULL);
  g_autofree char *distance = NULL;

  if (asd_tunnel_state_from_string (asd_dbus_tunnel_get_state (tunnel), NULL) == ASD_TUNNEL_STATE_CONNECTED && since > 0)
    return ctl_format_duration (now_usec - since);
  if (next > 0)
    {
      distance = ctl_format_duration (next - now_usec);
      /* TRANSLATORS: why a tunnel is down, and when it tries again */
      return g_strdup_printf (_("%s; next try in %s"), reason, distance);
    }
  return g_steal_pointer (&reason);
}

/* The tunnel's forwards, else those ssh takes from its configuration,
 * each marked as such; "none" without either. */
static char *
join_forwards (AsdDbusTunnel *tunnel, const char *separator)
{
  const char * const *forwards = asd_dbus_tunnel_get_forwards (tunnel);
  const char * const *config = ctl_ssh_config_forwards (tunnel);
  g_autoptr(GStrvBuilder) marked = NULL;
  g_auto(GStrv) shown = NULL;

  if (forwards != NULL && forwards[0] != NULL)
    return g_strjoinv (separator, (char **) forwards);
  if (config == NULL || config[0] == NULL)
    return g_strdup (_("none"));
  marked = g_strv_builder_new ();
  for (guint i = 0; config[i] != NULL; i++)
    {
      /* TRANSLATORS: a forward such as "-L 8080:localhost:80" that ssh
       * takes from its configuration (~/.ssh/config), not from the
       * tunnel's settings */
      g_autofree char *one = g_strdup_printf (_("%s (ssh config)"), config[i]);

      g_strv_builder_add (marked, one);
    }
  shown = g_strv_builder_end (marked);
  return g_strjoinv (separator, shown);
}

/**
 * ctl_terminal_width:
 *
 * Returns: how long a line on standard output may be when it is a
 *   terminal: $COLUMNS, else the terminal's width; 0 (no limit) when it
 *   is not a terminal, so that a pipe gets the full text
 */
guint
ctl_terminal_width (void)
{
  const char *columns = g_getenv ("COLUMNS");
  struct winsize size;
  guint64 n;

  if (!isatty (STDOUT_FILENO))
    return 0;
  if (columns != NULL && g_ascii_string_to_unsigned (columns, 10, 1, G_MAXUINT16, &n, NULL))
    return n;
  if (ioctl (STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0)
    return size.ws_col;
  return 0;
}

static char *
tunnel_list_json (GList *tunnels)
{
  GString *out = g_string_new ("[");

  for (GList *l = tunnels; l != NULL; l = l->next)
    {
      if (l != tunnels)
        g_string_append_c (out, ',');
      ctl_json_tunnel (out, l->data);
    }
  g_string_append (out, "]\n");
  return g_string_free (out, FALSE);
}

/**
 * ctl_format_tunnel_list:
 * @tunnels: (element-type AsdDbusTunnel): the tunnels, in order
 * @json: a JSON array instead of a table
 * @max_width: the longest a line of the table may be (the reason, then
 *   the forwards, the destination and a long name are cut short with
 *   "…"); 0 for no limit
 * @legend: whether the table has its header (and says "No tunnels.")
 *
 * Returns: (transfer full): the list, ending in a newline (or "")
 */
char *
ctl_format_tunnel_list (GList *tunnels, gboolean json, guint max_width, gboolean legend)
{
  const char *header[] = { _("NAME"), _("STATE"), _("ENABLED"), _("DESTINATION"), _("FORWARDS"),
                           _("UPTIME/REASON"), NULL };
  g_autoptr(CtlTable) table = NULL;
  gint64 now = g_get_real_time ();

  if (json)
    return tunnel_list_json (tunnels);
  if (tunnels == NULL)
    return legend ? g_strdup_printf ("%s\n", _("No tunnels.")) : g_strdup ("");
  table = ctl_table_new (header);
  ctl_table_set_shrinkable (table, 5, 8);
  ctl_table_set_shrinkable (table, 4, 8);
  ctl_table_set_shrinkable (table, 3, 8);
  ctl_table_set_shrinkable (table, 0, 16);
  for (GList *l = tunnels; l != NULL; l = l->next)
    {
      AsdDbusTunnel *tunnel = l->data;
      g_autofree char *forwards = join_forwards (tunnel, ", ");
      g_autofree char *last = ctl_uptime_or_reason (tunnel, now);
      /* TRANSLATORS: list: whether the tunnel starts with the service */
      const char *enabled = asd_dbus_tunnel_get_auto_start (tunnel) ? _("yes") : _("no");
      const char *state = asd_tunnel_state_display_name_from_string (asd_dbus_tunnel_get_state (tunnel));
      const char *row[] = { asd_dbus_tunnel_get_name (tunnel), state, enabled,
                            asd_dbus_tunnel_get_destination (tunnel), forwards, last, NULL };

      for (guint i = 0; i < 5; i++)
        if (row[i] == NULL)
          row[i] = "?";
      ctl_table_add_row (table, row);
    }
  return ctl_table_to_string_full (table, max_width, legend);
}

/* One argument as the shell would need it; plain words stay plain. */
static void
append_quoted (GString *out, const char *arg)
{
  g_autofree char *quoted = NULL;
  gboolean plain = arg[0] != '\0';

  for (const char *p = arg; *p != '\0' && plain; p++)
    plain = g_ascii_isalnum (*p) || strchr ("_./:=@%+,-", *p) != NULL;
  if (plain)
    {
      g_string_append (out, arg);
      return;
    }
  quoted = g_shell_quote (arg);
  g_string_append (out, quoted);
}

/**
 * ctl_quote_command:
 * @argv: (nullable): a command
 *
 * Returns: (transfer full): @argv as one shell command line
 */
char *
ctl_quote_command (const char * const *argv)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; argv != NULL && argv[i] != NULL; i++)
    {
      if (i > 0)
        g_string_append_c (out, ' ');
      append_quoted (out, argv[i]);
    }
  return g_string_free (out, FALSE);
}

static void
add_row (GPtrArray *rows, const char *label, char *value)
{
  g_ptr_array_add (rows, g_strdup (label));
  g_ptr_array_add (rows, value);
}

static char *
time_or (guint64 usec, gint64 now, const char *otherwise)
{
  return usec > 0 ? ctl_format_when ((gint64) usec, now) : g_strdup (otherwise);
}

/* ConfigState for people; "broken" with where and what (ConfigError). */
static char *
config_state (AsdDbusTunnel *tunnel, const char *state)
{
  g_autofree char *where = NULL;

  if (g_str_equal (state, "loaded"))
    /* TRANSLATORS: status: the tunnel's settings come from its file */
    return g_strdup (_("loaded from its file"));
  if (g_str_equal (state, "transient"))
    /* TRANSLATORS: status: the tunnel is never written to a file */
    return g_strdup (_("transient (not saved)"));
  if (g_str_equal (state, "broken"))
    {
      where = ctl_format_config_error (asd_dbus_tunnel_get_config_error (tunnel));
      /* TRANSLATORS: status: the tunnel's file cannot be used; %s is
       * FILE:LINE: what is wrong */
      return g_strdup_printf (_("broken: %s"), where);
    }
  return g_strdup (state);     /* a value from a newer service */
}

/* Label, value, label, value, ...: every property of the tunnel. */
static GPtrArray *
status_rows (AsdDbusTunnel *tunnel)
{
  GPtrArray *rows = g_ptr_array_new_with_free_func (g_free);
  gint64 now = g_get_real_time ();
  guint pid = asd_dbus_tunnel_get_pid (tunnel);
  guint16 monitor = asd_dbus_tunnel_get_monitor_port (tunnel);
  const char *identity = asd_dbus_tunnel_get_identity_file (tunnel);
  guint64 probe = asd_dbus_tunnel_get_last_probe_timestamp (tunnel);
  const char *config = asd_dbus_tunnel_get_config_state (tunnel);
  const char * const *shared;

  add_row (rows, _("Name:"), g_strdup (asd_dbus_tunnel_get_name (tunnel)));
  add_row (rows, _("State:"), g_strdup (asd_tunnel_state_display_name_from_string (asd_dbus_tunnel_get_state (tunnel))));
  add_row (rows, _("Reason:"), ctl_tunnel_reason (tunnel, NULL));
  if (config != NULL && config[0] != '\0')
    add_row (rows, _("Configuration:"), config_state (tunnel, config));
  add_row (rows, _("Destination:"), g_strdup (asd_dbus_tunnel_get_destination (tunnel)));
  add_row (rows, _("Forwards:"), join_forwards (tunnel, "\n"));
  add_row (rows, _("Connected since:"), time_or (asd_dbus_tunnel_get_connected_timestamp (tunnel), now,
                                                 _("not connected")));
  add_row (rows, _("Next retry:"), time_or (asd_dbus_tunnel_get_next_retry_timestamp (tunnel), now,
                                            C_("no next retry", "none")));
  add_row (rows, _("ssh process:"), pid > 0 ? g_strdup_printf ("%u", pid) :
           g_strdup (C_("no ssh process", "none")));
  shared = asd_dbus_tunnel_get_shared_with (tunnel);
  /* TRANSLATORS: status: the other tunnels on the same ssh connection */
  add_row (rows, _("Shared with:"), shared != NULL && shared[0] != NULL ?
           g_strjoinv (", ", (char **) shared) : g_strdup (C_("shared with nobody", "none")));
  add_row (rows, _("Restarts:"), g_strdup_printf ("%u", asd_dbus_tunnel_get_restarts (tunnel)));
  add_row (rows, _("Last probe:"), time_or (probe, now, _("never")));
  add_row (rows, _("Probe latency:"), probe > 0 ?
           g_strdup_printf (_("%.1f ms"), asd_dbus_tunnel_get_probe_latency_usec (tunnel) / 1000.0) :
           g_strdup (_("none")));
  add_row (rows, _("Start with the service:"),
           g_strdup (asd_dbus_tunnel_get_auto_start (tunnel) ? _("yes") : _("no")));
  add_row (rows, _("Identity file:"), g_strdup (identity != NULL && identity[0] != '\0' ?
                                                identity : _("ssh’s choice")));
  add_row (rows, _("Monitor port:"), monitor > 0 ? g_strdup_printf ("%u", monitor) :
           g_strdup (_("none (ssh keep-alives)")));
  add_row (rows, _("Poll interval:"), g_strdup_printf (_("%u s"), asd_dbus_tunnel_get_poll_interval (tunnel)));
  add_row (rows, _("Command:"), ctl_quote_command (asd_dbus_tunnel_get_command (tunnel)));
  return rows;
}

/**
 * ctl_format_status:
 * @tunnel: a tunnel proxy
 * @json: a JSON object instead of text
 *
 * Returns: (transfer full): every property, one per line ("Label: value",
 *   aligned; a value of several lines continues under the first)
 */
char *
ctl_format_status (AsdDbusTunnel *tunnel, gboolean json)
{
  g_autoptr(GPtrArray) rows = NULL;
  GString *out = g_string_new (NULL);
  glong width = 0;

  if (json)
    {
      ctl_json_tunnel (out, tunnel);
      g_string_append_c (out, '\n');
      return g_string_free (out, FALSE);
    }
  rows = status_rows (tunnel);
  for (guint i = 0; i < rows->len; i += 2)
    width = MAX (width, g_utf8_strlen (g_ptr_array_index (rows, i), -1));
  for (guint i = 0; i < rows->len; i += 2)
    {
      const char *label = g_ptr_array_index (rows, i);
      const char *value = g_ptr_array_index (rows, i + 1);
      g_auto(GStrv) lines = g_strsplit (value != NULL ? value : "", "\n", -1);

      for (guint j = 0; lines[j] != NULL; j++)
        {
          const char *shown = j == 0 ? label : "";

          g_string_append (out, shown);
          for (glong pad = g_utf8_strlen (shown, -1); pad < width + 1; pad++)
            g_string_append_c (out, ' ');
          g_string_append (out, lines[j]);
          g_string_append_c (out, '\n');
        }
    }
  return g_string_free (out, FALSE);
}
