/* test-ctl-format.c: autosshctl's JSON writer, durations and tables
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <locale.h>
#include <math.h>
#include <glib/gi18n.h>

#include "ctl-format.h"
#include "ctl-json.h"

static char *
json_of_string (const char *text)
{
  GString *out = g_string_new (NULL);

  ctl_json_string (out, text);
  return g_string_free (out, FALSE);
}

static void
test_json_string (void)
{
  const struct { const char *in, *out; } cases[] = {
    { "", "\"\"" },
    { "plain", "\"plain\"" },
    { "a\"b\\c", "\"a\\\"b\\\\c\"" },
    { "line\nnext\ttab\r", "\"line\\u000anext\\u0009tab\\u000d\"" },
    { "\x01\x1f\x7f", "\"\\u0001\\u001f\\u007f\"" },
    { "/path/to", "\"/path/to\"" },
    { "“ä” → ✓", "\"“ä” → ✓\"" },
    { "bad\xff" "byte\xc3", "\"bad\xef\xbf\xbd" "byte\xef\xbf\xbd\"" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *got = json_of_string (cases[i].in);

      g_assert_cmpstr (got, ==, cases[i].out);
    }
  {
    g_autofree char *null = json_of_string (NULL);
    g_assert_cmpstr (null, ==, "\"\"");
  }
}

static char *
json_of_variant (GVariant *value, gboolean *complete)
{
  g_autoptr(GVariant) owned = g_variant_take_ref (value);
  GString *out = g_string_new (NULL);

  *complete = ctl_json_variant (out, owned);
  return g_string_free (out, FALSE);
}

static void
test_json_variant (void)
{
  const struct { const char *text, *json; } cases[] = {
    { "true", "true" },
    { "false", "false" },
    { "uint16 22", "22" },
    { "uint32 4294967295", "4294967295" },
    { "int32 -5", "-5" },
    { "uint64 1777000000000000", "1777000000000000" },
    { "int64 -9223372036854775808", "-9223372036854775808" },
    { "byte 0xff", "255" },
    { "'web-1'", "\"web-1\"" },
    { "objectpath '/io/github/autosshd1'", "\"/io/github/autosshd1\"" },
    { "@as []", "[]" },
    { "['-L 8080:localhost:80', '-D 1080']", "[\"-L 8080:localhost:80\",\"-D 1080\"]" },
    { "{'State': <'connected'>, 'Pid': <uint32 7>}", "{\"State\":\"connected\",\"Pid\":7}" },
    { "@a{sv} {}", "{}" },
    { "(1, 'x')", "[1,\"x\"]" },
    { "<<true>>", "true" },
    { "2.5", "2.5" },
    { "int16 -7", "-7" },
    { "handle 3", "3" },
    { "signature 'a{sv}'", "\"a{sv}\"" },
    { "@ms nothing", "null" },
    { "@ms 'x'", "\"x\"" },
    /* a dictionary whose keys are not strings is an array of pairs */
    { "{1: 'a'}", "[[1,\"a\"]]" },
  };
  gboolean complete;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      GVariant *value = g_variant_parse (NULL, cases[i].text, NULL, NULL, &error);
      g_autofree char *got = NULL;

      g_assert_no_error (error);
      got = json_of_variant (value, &complete);
      g_assert_cmpstr (got, ==, cases[i].json);
      g_assert_true (complete);
    }
  {
    g_autofree char *got = json_of_variant (g_variant_new_double (INFINITY), &complete);
    g_assert_cmpstr (got, ==, "null");
    g_assert_false (complete);
  }
  /* a value JSON cannot hold, deep inside, marks the whole as incomplete */
  {
    g_autofree char *got = json_of_variant (g_variant_new_parsed ("{'a': <[1.0, %d]>}", INFINITY),
                                            &complete);
    g_assert_cmpstr (got, ==, "{\"a\":[1,null]}");
    g_assert_false (complete);
  }
}

static void
test_json_member (void)
{
  g_autoptr(GString) out = g_string_new ("{");
  gboolean first = TRUE;

  ctl_json_member (out, &first, "a");
  g_string_append (out, "1");
  ctl_json_member (out, &first, "b\"");
  g_string_append (out, "2");
  g_string_append_c (out, '}');
  g_assert_cmpstr (out->str, ==, "{\"a\":1,\"b\\\"\":2}");
}

static char *
json_of_reason (const char *code, const char *details_text)
{
  g_autoptr(GVariant) details = NULL;
  GString *out = g_string_new ("{");
  gboolean first = TRUE;

  if (details_text != NULL)
    {
      g_autoptr(GError) error = NULL;

      details = g_variant_parse (NULL, details_text, NULL, NULL, &error);
      g_assert_no_error (error);
    }
  ctl_json_reason (out, &first, code, details);
  g_string_append_c (out, '}');
  return g_string_free (out, FALSE);
}

/* "reason_code" and "reason_details": the details keep their types
 * (strings, unsigned and signed numbers), an unknown code is passed on as
 * it is, and what is missing or of the wrong type is "" and {}. */
static void
test_json_reason (void)
{
  const struct { const char *code, *details, *json; } cases[] = {
    { "connection-refused", "{'port': <uint32 2222>, 'retry': <'backoff'>}",
      "{\"reason_code\":\"connection-refused\",\"reason_details\":{\"port\":2222,\"retry\":\"backoff\"}}" },
    { "ssh-exited", "{'signal': <int32 -9>, 'retry': <'short'>}",
      "{\"reason_code\":\"ssh-exited\",\"reason_details\":{\"signal\":-9,\"retry\":\"short\"}}" },
    { "config-broken", "{'file': <'/home/me/.config/autosshd/tunnels/w\"b.conf'>, 'line': <uint32 0>, "
                       "'message': <'Key file does not start with a group\n'>}",
      "{\"reason_code\":\"config-broken\",\"reason_details\":{\"file\":\"/home/me/.config/autosshd/tunnels/w\\\"b.conf\","
      "\"line\":0,\"message\":\"Key file does not start with a group\\u000a\"}}" },
    { "connected", "@a{sv} {}", "{\"reason_code\":\"connected\",\"reason_details\":{}}" },
    { "some-future-code", "{'nested': <{'a': <true>}>, 'list': <['x']>}",
      "{\"reason_code\":\"some-future-code\",\"reason_details\":{\"nested\":{\"a\":true},\"list\":[\"x\"]}}" },
    { "", NULL, "{\"reason_code\":\"\",\"reason_details\":{}}" },
    { NULL, NULL, "{\"reason_code\":\"\",\"reason_details\":{}}" },
    { "none", "'not a dictionary'", "{\"reason_code\":\"none\",\"reason_details\":{}}" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *got = json_of_reason (cases[i].code, cases[i].details);

      g_test_message ("%s %s", cases[i].code, cases[i].details);
      g_assert_cmpstr (got, ==, cases[i].json);
    }
}

/* The reason people read: from the code and details, else the service's
 * words (an older service); the JSON does not change with the language. */
static void
test_reason (void)
{
  g_autoptr(GVariant) details = g_variant_parse (G_VARIANT_TYPE_VARDICT,
      "{'destination': <'me@example.org'>, 'retry': <'never'>}", NULL, NULL, NULL);
  g_autoptr(GVariant) config = g_variant_ref_sink (g_variant_new ("(sus)", "/t/web.conf", 3, "bad value"));
  g_autoptr(GVariant) whole = g_variant_ref_sink (g_variant_new ("(sus)", "/t/web.conf", 0, "not UTF-8"));
  g_autofree char *denied = ctl_format_reason ("auth-denied", details, "the service's words");
  g_autofree char *old = ctl_format_reason ("", details, "the service's words");
  g_autofree char *none = ctl_format_reason (NULL, NULL, NULL);
  g_autofree char *unknown = ctl_format_reason ("some-future-code", details, "words");
  g_autofree char *where = ctl_format_config_error (config);
  g_autofree char *file = ctl_format_config_error (whole);
  g_autofree char *empty = ctl_format_config_error (NULL);
  g_autofree char *english_json = json_of_reason ("auth-denied", "{'destination': <'me@example.org'>}");
  const char *localedir = g_getenv ("ASD_TEST_LOCALEDIR");

  g_assert_cmpstr (denied, ==, "the server refused the key or password for me@example.org (Permission denied); "
                   "check IdentityFile and the server's authorized_keys");
  g_assert_cmpstr (old, ==, "the service's words");
  g_assert_cmpstr (none, ==, "");
  g_assert_cmpstr (unknown, ==, "failed (reason “some-future-code”)");
  g_assert_cmpstr (where, ==, "/t/web.conf:3: bad value");
  g_assert_cmpstr (file, ==, "/t/web.conf: not UTF-8");
  g_assert_cmpstr (empty, ==, "");

  if (localedir == NULL)
    {
      g_test_skip ("ASD_TEST_LOCALEDIR is not set");
      return;
    }
  bindtextdomain (GETTEXT_PACKAGE, localedir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_setenv ("LANGUAGE", "de", TRUE);
  {
    g_autofree char *german = ctl_format_reason ("auth-denied", details, "the service's words");
    g_autofree char *german_old = ctl_format_reason ("", details, "the service's words");
    g_autofree char *german_json = json_of_reason ("auth-denied", "{'destination': <'me@example.org'>}");

    g_setenv ("LANGUAGE", "C", TRUE);
    g_assert_cmpstr (german, ==, "der Server hat den Schlüssel oder das Passwort für me@example.org abgelehnt "
                     "(Permission denied); IdentityFile und authorized_keys auf dem Server prüfen");
    g_assert_cmpstr (german_old, ==, "the service's words");
    g_assert_cmpstr (german_json, ==, english_json);
  }
}

static void
test_duration (void)
{
  const struct { gint64 usec; const char *text; } cases[] = {
    { -5, "0 s" },
    { 0, "0 s" },
    { 1, "0.1 s" },
    { 350000, "0.3 s" },
    { 999999, "0.9 s" },
    { (gint64) G_USEC_PER_SEC, "1 s" },
    { 45 * (gint64) G_USEC_PER_SEC, "45 s" },
    { 60 * (gint64) G_USEC_PER_SEC, "1 min 0 s" },
    { 133 * (gint64) G_USEC_PER_SEC + 500000, "2 min 13 s" },
    { 3599 * (gint64) G_USEC_PER_SEC, "59 min 59 s" },
    { 3900 * (gint64) G_USEC_PER_SEC, "1 h 5 min" },
    { (3 * 86400 + 4 * 3600 + 59) * (gint64) G_USEC_PER_SEC, "3 d 4 h" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *got = ctl_format_duration (cases[i].usec);

      g_assert_cmpstr (got, ==, cases[i].text);
    }
}

static void
test_when (void)
{
  gint64 now = (gint64) 1777000000 * G_USEC_PER_SEC;
  g_autofree char *time = ctl_format_time (now + 5 * (gint64) G_USEC_PER_SEC);
  g_autofree char *future = ctl_format_when (now + 5 * (gint64) G_USEC_PER_SEC, now);
  g_autofree char *past = ctl_format_when (now - 133 * (gint64) G_USEC_PER_SEC, now);
  g_autofree char *expected = g_strdup_printf ("%s (in 5 s)", time);

  g_assert_true (g_regex_match_simple ("^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d$", time, 0, 0));
  g_assert_cmpstr (future, ==, expected);
  g_assert_true (g_str_has_suffix (past, " (2 min 13 s ago)"));
}

static void
test_table (void)
{
  const char *header[] = { "NAME", "STATE", "REASON", NULL };
  const char *row1[] = { "web-1", "connected", "2 min 13 s", NULL };
  const char *row2[] = { "ä", "stopped", "a\nb", NULL };
  const char *row3[] = { "short", NULL };
  g_autoptr(CtlTable) table = ctl_table_new (header);
  g_autofree char *text = NULL;

  ctl_table_add_row (table, row1);
  ctl_table_add_row (table, row2);
  ctl_table_add_row (table, row3);
  text = ctl_table_to_string (table);
  g_assert_cmpstr (text, ==,
                   "NAME   STATE      REASON\n"
                   "web-1  connected  2 min 13 s\n"
                   "ä      stopped    a b\n"
                   "short\n");
}

/* A table wider than the terminal: the shrinkable columns are cut with
 * "…", the last-marked one only after the first is at its minimum; no
 * line is longer than the limit; without a limit nothing is cut. */
static void
test_table_fit (void)
{
  const char *header[] = { "NAME", "FORWARDS", "REASON", NULL };
  const char *row1[] = { "web", "-L 8080:localhost:80", "the server refused the key", NULL };
  const char *row2[] = { "dbäöü", "-D 1080", "ok", NULL };
  g_autoptr(CtlTable) table = ctl_table_new (header);
  g_autofree char *wide = NULL;
  g_autofree char *fit = NULL;
  g_autofree char *narrow = NULL;
  g_autofree char *bare = NULL;
  g_auto(GStrv) lines = NULL;

  ctl_table_add_row (table, row1);
  ctl_table_add_row (table, row2);
  ctl_table_set_shrinkable (table, 2, 6);
  ctl_table_set_shrinkable (table, 1, 8);
  wide = ctl_table_to_string_full (table, 0, TRUE);
  g_assert_cmpstr (wide, ==,
                   "NAME   FORWARDS              REASON\n"
                   "web    -L 8080:localhost:80  the server refused the key\n"
                   "dbäöü  -D 1080               ok\n");
  /* 59 wide: REASON loses 19 characters */
  fit = ctl_table_to_string_full (table, 40, TRUE);
  g_assert_cmpstr (fit, ==,
                   "NAME   FORWARDS              REASON\n"
                   "web    -L 8080:localhost:80  the server…\n"
                   "dbäöü  -D 1080               ok\n");
  /* REASON at its 6, then FORWARDS */
  narrow = ctl_table_to_string_full (table, 25, TRUE);
  lines = g_strsplit (narrow, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    g_assert_cmpint (g_utf8_strlen (lines[i], -1), <=, 25);
  g_assert_cmpstr (lines[0], ==, "NAME   FORWARDS    REASON");
  g_assert_cmpstr (lines[1], ==, "web    -L 8080:l…  the s…");
  /* titles are never cut: narrower than they allow, the line is longer */
  g_clear_pointer (&narrow, g_free);
  g_clear_pointer (&lines, g_strfreev);
  narrow = ctl_table_to_string_full (table, 10, TRUE);
  lines = g_strsplit (narrow, "\n", -1);
  g_assert_cmpstr (lines[0], ==, "NAME   FORWARDS  REASON");
  g_assert_cmpstr (lines[1], ==, "web    -L 8080…  the s…");
  /* no header, and no limit */
  bare = ctl_table_to_string_full (table, 0, FALSE);
  g_assert_cmpstr (bare, ==,
                   "web    -L 8080:localhost:80  the server refused the key\n"
                   "dbäöü  -D 1080               ok\n");
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "C.UTF-8");
  g_setenv ("LANGUAGE", "C", TRUE);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/autosshctl/json/string", test_json_string);
  g_test_add_func ("/autosshctl/json/variant", test_json_variant);
  g_test_add_func ("/autosshctl/json/member", test_json_member);
  g_test_add_func ("/autosshctl/json/reason", test_json_reason);
  g_test_add_func ("/autosshctl/format/reason", test_reason);
  g_test_add_func ("/autosshctl/format/duration", test_duration);
  g_test_add_func ("/autosshctl/format/when", test_when);
  g_test_add_func ("/autosshctl/format/table", test_table);
  g_test_add_func ("/autosshctl/format/table-fit", test_table_fit);
  return g_test_run ();
}
