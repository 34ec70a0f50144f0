/* test-tunnel-log.c: a tunnel's log, the ring behind GetLog
 *
 * The ring keeps the newest entries, oldest first, numbered without a gap;
 * it is bounded in entries and in bytes, cuts long messages on a character
 * boundary, and GetLog's max takes the newest that many, 0 and any number
 * above what it holds meaning all (4 billion allocates nothing more).  The
 * words of an entry are made from its kind and details
 * (asd_log_entry_describe()), also by clients in their own locale.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <string.h>

#include "asd-reason.h"
#include "asd-tunnel-log.h"

static GVariant *
line_details (const char *line)
{
  return g_variant_new_parsed ("{%s: <%s>}", ASD_DETAIL_SSH_LINE, line);
}

/* Appends "line N" for N in [from, to). */
static void
append_lines (AsdTunnelLog *log, guint from, guint to)
{
  for (guint i = from; i < to; i++)
    {
      g_autofree char *line = g_strdup_printf ("line %u", i);

      asd_tunnel_log_append (log, ASD_LOG_KIND_SSH, line, line_details (line));
    }
}

/* The entries of asd_tunnel_log_get (@max): their sequence numbers, and
 * that each message is "line SEQUENCE-1" as append_lines() made it. */
static GArray *
sequences (AsdTunnelLog *log, guint32 max)
{
  g_autoptr(GVariant) entries = g_variant_ref_sink (asd_tunnel_log_get (log, max));
  GArray *out = g_array_new (FALSE, FALSE, sizeof (guint64));
  GVariantIter iter;
  guint64 sequence, realtime, monotonic, last_monotonic = 0;
  const char *kind, *message;
  GVariant *details;

  g_assert_true (g_variant_is_of_type (entries, G_VARIANT_TYPE ("a" ASD_TUNNEL_LOG_ENTRY_TYPE)));
  g_variant_iter_init (&iter, entries);
  while (g_variant_iter_loop (&iter, "(ttt&s&s@a{sv})", &sequence, &realtime, &monotonic, &kind, &message, &details))
    {
      g_autofree char *expected = g_strdup_printf ("line %" G_GUINT64_FORMAT, sequence - 1);

      g_assert_cmpstr (kind, ==, ASD_LOG_KIND_SSH);
      g_assert_cmpstr (message, ==, expected);
      g_assert_cmpuint (realtime, >, 0);
      g_assert_cmpuint (monotonic, >=, last_monotonic);
      last_monotonic = monotonic;
      g_array_append_val (out, sequence);
    }
  return out;
}

/* @seq holds from, from+1, ..., to-1. */
static void
assert_run (GArray *seq, guint64 from, guint64 to)
{
  g_assert_cmpuint (seq->len, ==, to - from);
  for (guint i = 0; i < seq->len; i++)
    g_assert_cmpuint (g_array_index (seq, guint64, i), ==, from + i);
}

static void
test_order_and_max (void)
{
  g_autoptr(AsdTunnelLog) log = asd_tunnel_log_new (10, 1 << 20);
  g_autoptr(GArray) empty = sequences (log, 0);
  g_autoptr(GArray) all = NULL, last3 = NULL, huge = NULL, one = NULL;

  g_assert_cmpuint (empty->len, ==, 0);
  append_lines (log, 0, 5);
  all = sequences (log, 0);
  assert_run (all, 1, 6);
  last3 = sequences (log, 3);
  assert_run (last3, 3, 6);
  one = sequences (log, 1);
  assert_run (one, 5, 6);
  /* 4 billion: what it holds, and nothing more is made */
  huge = sequences (log, G_MAXUINT32);
  assert_run (huge, 1, 6);
}

static void
test_bound_entries (void)
{
  g_autoptr(AsdTunnelLog) log = asd_tunnel_log_new (ASD_TUNNEL_LOG_MAX_ENTRIES, ASD_TUNNEL_LOG_MAX_BYTES);
  g_autoptr(GArray) all = NULL;

  append_lines (log, 0, ASD_TUNNEL_LOG_MAX_ENTRIES + 50);
  g_assert_cmpuint (asd_tunnel_log_get_length (log), ==, ASD_TUNNEL_LOG_MAX_ENTRIES);
  all = sequences (log, 0);
  /* the oldest went first; the numbers go on */
  assert_run (all, 51, ASD_TUNNEL_LOG_MAX_ENTRIES + 51);
}

/* Entries of 2 KiB lines (ssh's longest): the bytes bound drops the
 * oldest, and the sum of what is kept stays under it. */
static void
test_bound_bytes (void)
{
  g_autoptr(AsdTunnelLog) log = asd_tunnel_log_new (ASD_TUNNEL_LOG_MAX_ENTRIES, ASD_TUNNEL_LOG_MAX_BYTES);
  g_autofree char *line = g_strnfill (2048, 'x');
  g_autoptr(GVariant) entries = NULL;
  gsize sum = 0;

  for (guint i = 0; i < 100; i++)
    asd_tunnel_log_append (log, ASD_LOG_KIND_SSH, line, line_details (line));
  g_assert_cmpuint (asd_tunnel_log_get_bytes (log), <=, ASD_TUNNEL_LOG_MAX_BYTES);
  g_assert_cmpuint (asd_tunnel_log_get_length (log), <, 100);
  g_assert_cmpuint (asd_tunnel_log_get_length (log), >=, ASD_TUNNEL_LOG_MAX_BYTES / (2 * 2048 + 200));
  entries = g_variant_ref_sink (asd_tunnel_log_get (log, 0));
  for (gsize i = 0; i < g_variant_n_children (entries); i++)
    {
      g_autoptr(GVariant) entry = g_variant_get_child_value (entries, i);

      sum += g_variant_get_size (entry);
    }
  g_assert_cmpuint (sum, ==, asd_tunnel_log_get_bytes (log));
  g_assert_cmpuint (g_variant_get_size (entries), <=, ASD_TUNNEL_LOG_MAX_BYTES + 8 * 100);
}

/* An entry bigger than the whole bound is kept alone (the newest always
 * is), and goes with the next one. */
static void
test_newest_kept (void)
{
  g_autoptr(AsdTunnelLog) log = asd_tunnel_log_new (10, 200);
  g_autofree char *big = g_strnfill (1000, 'x');
  g_autoptr(GVariant) entries = NULL;
  const char *message = NULL;

  append_lines (log, 0, 2);
  g_assert_cmpuint (asd_tunnel_log_get_length (log), ==, 2);
  asd_tunnel_log_append (log, ASD_LOG_KIND_SSH, big, line_details (big));
  g_assert_cmpuint (asd_tunnel_log_get_length (log), ==, 1);
  g_assert_cmpuint (asd_tunnel_log_get_bytes (log), >, 1000);
  append_lines (log, 3, 4);
  g_assert_cmpuint (asd_tunnel_log_get_length (log), ==, 1);
  entries = g_variant_ref_sink (asd_tunnel_log_get (log, 0));
  g_variant_get_child (entries, 0, "(ttt&s&s@a{sv})", NULL, NULL, NULL, NULL, &message, NULL);
  g_assert_cmpstr (message, ==, "line 3");
}

/* A message beyond ASD_TUNNEL_LOG_MAX_MESSAGE bytes is cut, never in the
 * middle of a character. */
static void
test_long_message (void)
{
  g_autoptr(AsdTunnelLog) log = asd_tunnel_log_new (10, 1 << 20);
  g_autoptr(GString) text = g_string_new ("x");
  GVariant *entry;
  const char *message = NULL;

  while (text->len < 3 * ASD_TUNNEL_LOG_MAX_MESSAGE)
    g_string_append (text, "ä€");
  entry = asd_tunnel_log_append (log, ASD_LOG_KIND_SSH, text->str, NULL);
  g_variant_get_child (entry, 4, "&s", &message);
  g_assert_cmpuint (strlen (message), <=, ASD_TUNNEL_LOG_MAX_MESSAGE);
  g_assert_cmpuint (strlen (message), >, ASD_TUNNEL_LOG_MAX_MESSAGE - 8);
  g_assert_true (g_utf8_validate (message, -1, NULL));
  g_assert_true (g_str_has_suffix (message, "…"));
  g_assert_true (g_str_has_prefix (message, "xä€ä€"));
}

/* The words of each kind, from its details; the message of a kind (or
 * details) this build does not know. */
static void
test_describe (void)
{
  const struct { const char *kind, *details, *message, *expected; } cases[] = {
    { "state", "{'old-state': <'connecting'>, 'new-state': <'connected'>, 'reason-code': <'connected'>,"
               " 'reason-details': <{'destination': <'root@host'>}>}", NULL,
      "connecting → connected: connected to root@host" },
    { "state", "{'old-state': <'connected'>, 'new-state': <'retrying'>, 'reason-code': <'ssh-exited'>,"
               " 'reason-details': <{'signal': <9>}>}", NULL,
      "connected → retrying: ssh was killed by signal 9" },
    { "state", "@a{sv} {}", "the service's words", "the service's words" },
    { "ssh", "{'ssh-line': <'Authenticated to host'>}", NULL, "Authenticated to host" },
    { "ssh-exited", "{'exit-status': <255>}", NULL, "ssh exited with status 255" },
    { "ssh-exited", "{'signal': <9>}", NULL, "ssh was killed by signal 9" },
    { "probe", "{'latency-usec': <uint64 1500>}", NULL, "the probe was answered in 1.5 ms" },
    { "config", "@a{sv} {}", NULL, "new settings applied" },
    { "config", "{'fingerprint': <'SHA256:abc'>}", NULL, "host key SHA256:abc approved" },
    { "from-the-future", "@a{sv} {}", "as the service said", "as the service said" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GVariant) details = g_variant_parse (NULL, cases[i].details, NULL, NULL, NULL);
      g_autofree char *text = asd_log_entry_describe (cases[i].kind, details, cases[i].message);

      g_assert_cmpstr (text, ==, cases[i].expected);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/tunnel-log/order-and-max", test_order_and_max);
  g_test_add_func ("/tunnel-log/bound-entries", test_bound_entries);
  g_test_add_func ("/tunnel-log/bound-bytes", test_bound_bytes);
  g_test_add_func ("/tunnel-log/newest-kept", test_newest_kept);
  g_test_add_func ("/tunnel-log/long-message", test_long_message);
  g_test_add_func ("/tunnel-log/describe", test_describe);
  return g_test_run ();
}
