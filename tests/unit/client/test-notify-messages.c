/* test-notify-messages.c: autossh-notify's texts, durations and notify.conf
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>
#include <glib/gstdio.h>

#include "asd-enums.h"
#include "notify-activation.h"
#include "notify-config.h"
#include "asd-reason.h"
#include "notify-messages.h"

#define S ((gint64) G_USEC_PER_SEC)

static void
test_durations (void)
{
  static const struct { gint64 us; const char *text; } cases[] = {
    { -5, "under 1 s" },
    { 0, "under 1 s" },
    { S / 2 - 1, "under 1 s" },
    { S / 2, "1 s" },
    { 45 * S, "45 s" },
    { 59 * S + S / 2 - 1, "59 s" },
    { 59 * S + S / 2, "1 min" },
    { 60 * S, "1 min" },
    { 133 * S, "2 min 13 s" },
    { 3599 * S, "59 min 59 s" },
    { 3600 * S, "1 h" },
    { 3659 * S, "1 h" },
    { 3900 * S, "1 h 5 min" },
    { 86399 * S, "23 h 59 min" },
    { 86400 * S, "1 d" },
    { (2 * 86400 + 3 * 3600 + 59) * S, "2 d 3 h" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = asd_notify_format_duration (cases[i].us);

      g_test_message ("%" G_GINT64_FORMAT " µs", cases[i].us);
      g_assert_cmpstr (text, ==, cases[i].text);
    }
}

static void
test_texts (void)
{
  AsdNotifyText text = { NULL, };

  asd_notify_text_dropped (&text, "web", "ssh was killed by signal 9");
  g_assert_cmpstr (text.summary, ==, "web dropped — reconnecting");
  g_assert_cmpstr (text.body, ==, "ssh was killed by signal 9");
  asd_notify_text_clear (&text);

  asd_notify_text_back (&text, "web", 133 * S, "connected to host");
  g_assert_cmpstr (text.summary, ==, "web is back (down 2 min 13 s)");
  g_assert_cmpstr (text.body, ==, "connected to host");
  asd_notify_text_clear (&text);

  asd_notify_text_back (&text, "web", -1, NULL);
  g_assert_cmpstr (text.summary, ==, "web is back");
  g_assert_cmpstr (text.body, ==, "");
  asd_notify_text_clear (&text);

  asd_notify_text_failed (&text, "db", "run `autosshctl passphrase db`", TRUE);
  g_assert_cmpstr (text.summary, ==, "db failed");
  g_assert_cmpstr (text.body, ==, "run `autosshctl passphrase db`");
  asd_notify_text_clear (&text);
  g_assert_null (text.summary);

  /* a failure the user need not fix: the body says how to start it again */
  asd_notify_text_failed (&text, "db", "ssh exited with status 255", FALSE);
  g_assert_cmpstr (text.summary, ==, "db failed");
  g_assert_cmpstr (text.body, ==, "ssh exited with status 255\nStart it again with: autosshctl start db");
  asd_notify_text_clear (&text);
}

/* One server's outage: the server as written, the tunnels with their
 * local ports, the reason when they share it. */
static void
test_group_texts (void)
{
  const char *ports[] = { "8080", "/run/app.sock", NULL };
  const char *none[] = { NULL };
  g_autofree char *web = asd_notify_tunnel_label ("web", ports);
  g_autofree char *db = asd_notify_tunnel_label ("db", none);
  g_autofree char *bare = asd_notify_tunnel_label ("mail", NULL);
  const char *labels[] = { web, db, bare, NULL };
  AsdNotifyText text = { NULL, };

  g_assert_cmpstr (web, ==, "web (8080, /run/app.sock)");
  g_assert_cmpstr (db, ==, "db");
  g_assert_cmpstr (bare, ==, "mail");

  asd_notify_text_group_dropped (&text, "me@myserver", labels, "the server closed the connection");
  g_assert_cmpstr (text.summary, ==, "3 tunnels to me@myserver dropped — reconnecting");
  g_assert_cmpstr (text.body, ==, "web (8080, /run/app.sock), db, mail\nthe server closed the connection");
  asd_notify_text_clear (&text);

  asd_notify_text_group_dropped (&text, "myserver", labels + 1, NULL);
  g_assert_cmpstr (text.summary, ==, "2 tunnels to myserver dropped — reconnecting");
  g_assert_cmpstr (text.body, ==, "db, mail");
  asd_notify_text_clear (&text);

  asd_notify_text_group_back (&text, "myserver", labels, 133 * S);
  g_assert_cmpstr (text.summary, ==, "3 tunnels to myserver are back (down 2 min 13 s)");
  g_assert_cmpstr (text.body, ==, "web (8080, /run/app.sock), db, mail");
  asd_notify_text_clear (&text);
}

/* "Needs the user" is read from the code: exactly these nine, whatever
 * the words; every other code of the vocabulary, an unknown one and none
 * do not. */
static void
test_needs_user (void)
{
  static const char * const needing[] = {
    "auth-denied", "secret-missing", "secret-rejected", "host-key-unknown",
    "host-key-changed", "config-broken", "ssh-config-rejected", "ssh-spawn-failed",
    "question-unanswered", NULL
  };
  g_autoptr(GEnumClass) klass = g_type_class_ref (ASD_TYPE_REASON_CODE);
  guint count = 0;

  for (guint i = 0; i < klass->n_values; i++)
    {
      const char *nick = klass->values[i].value_nick;
      gboolean expected = g_strv_contains (needing, nick);

      g_test_message ("%s", nick);
      g_assert_cmpint (asd_notify_reason_needs_user (nick, NULL), ==, expected);
      count += expected;
    }
  g_assert_cmpuint (count, ==, g_strv_length ((char **) needing));
  g_assert_false (asd_notify_reason_needs_user (NULL, NULL));
  g_assert_false (asd_notify_reason_needs_user ("", NULL));
  g_assert_false (asd_notify_reason_needs_user ("some-future-code", NULL));
  g_assert_false (asd_notify_reason_needs_user ("Auth-Denied", NULL));
  /* ssh-spawn-failed while the service retries by itself (out of fds) */
  {
    g_autoptr(GVariantDict) dict = g_variant_dict_new (NULL);
    g_autoptr(GVariant) backoff = NULL;
    g_autoptr(GVariant) never = NULL;

    g_variant_dict_insert (dict, ASD_DETAIL_RETRY, "s", "backoff");
    backoff = g_variant_ref_sink (g_variant_dict_end (dict));
    g_assert_false (asd_notify_reason_needs_user ("ssh-spawn-failed", backoff));
    g_variant_dict_init (dict, NULL);
    g_variant_dict_insert (dict, ASD_DETAIL_RETRY, "s", "never");
    never = g_variant_ref_sink (g_variant_dict_end (dict));
    g_assert_true (asd_notify_reason_needs_user ("ssh-spawn-failed", never));
  }
  /* the words do not count */
  g_assert_false (asd_notify_reason_needs_user ("the server refused the key or password (Permission denied)", NULL));
}

static void
test_reason_text (void)
{
  g_autoptr(GVariant) details = g_variant_parse (G_VARIANT_TYPE_VARDICT,
      "{'port': <uint32 2222>, 'retry': <'backoff'>}", NULL, NULL, NULL);
  g_autoptr(GVariant) wrong = g_variant_ref_sink (g_variant_new_string ("port"));
  g_autofree char *refused = asd_notify_reason_text ("connection-refused", details, "words");
  g_autofree char *old = asd_notify_reason_text ("", details, "the service's words");
  g_autofree char *none = asd_notify_reason_text (NULL, NULL, NULL);
  g_autofree char *unknown = asd_notify_reason_text ("some-future-code", NULL, "words");
  g_autofree char *no_details = asd_notify_reason_text ("connection-refused", wrong, "words");

  g_assert_cmpstr (refused, ==, "the server refused the connection on port 2222 (is sshd running?)");
  g_assert_cmpstr (old, ==, "the service's words");
  g_assert_cmpstr (none, ==, "");
  g_assert_cmpstr (unknown, ==, "failed (reason “some-future-code”)");
  g_assert_cmpstr (no_details, ==, "the server refused the connection (is sshd running?)");
}

static void
test_markup (void)
{
  g_autofree char *plain = asd_notify_escape_markup ("server's \"key\"");
  g_autofree char *special = asd_notify_escape_markup ("a<b> & c");

  g_assert_cmpstr (plain, ==, "server's \"key\"");
  g_assert_cmpstr (special, ==, "a&lt;b&gt; &amp; c");
}

/* Loads @contents from a temp file; NULL contents: no file at all. */
static AsdNotifyConfig *
load (const char *contents, GError **error)
{
  g_autofree char *dir = g_dir_make_tmp ("notify-conf-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "notify.conf", NULL);
  AsdNotifyConfig *config;

  if (contents != NULL)
    g_assert_true (g_file_set_contents (path, contents, -1, NULL));
  config = asd_notify_config_load (path, error);
  g_unlink (path);
  g_rmdir (dir);
  return config;
}

static void
test_config (void)
{
  g_autoptr(AsdNotifyConfig) missing = load (NULL, NULL);
  g_autoptr(AsdNotifyConfig) good = load ("# mine\n[Notify]\nMute= web ;db;;\nThreshold=0\n"
                                          "MuteServer=me@lab; backup ;\n", NULL);
  g_autoptr(AsdNotifyConfig) empty = load ("", NULL);
  static const char *bad[] = {
    "[Notify]\nThreshold=-1\n",
    "[Notify]\nThreshold=3601\n",
    "[Notify]\nThreshold=soon\n",
    "[Notify]\nMutes=web\n",
    "[Notify]\nMuteServers=lab\n",
    "[Tunnel]\nMute=web\n",
    "Mute=web\n",
  };

  g_assert_nonnull (missing);
  g_assert_cmpuint (missing->threshold_s, ==, ASD_NOTIFY_DEFAULT_THRESHOLD_S);
  g_assert_cmpuint (g_strv_length (missing->mute), ==, 0);
  g_assert_cmpuint (g_strv_length (missing->mute_servers), ==, 0);
  g_assert_nonnull (empty);
  g_assert_cmpuint (empty->threshold_s, ==, 5);

  g_assert_nonnull (good);
  g_assert_cmpuint (good->threshold_s, ==, 0);
  g_assert_cmpuint (g_strv_length (good->mute), ==, 2);
  g_assert_cmpstr (good->mute[0], ==, "web");
  g_assert_cmpstr (good->mute[1], ==, "db");
  g_assert_cmpuint (g_strv_length (good->mute_servers), ==, 2);
  g_assert_cmpstr (good->mute_servers[0], ==, "me@lab");
  g_assert_cmpstr (good->mute_servers[1], ==, "backup");

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(AsdNotifyConfig) config = load (bad[i], &error);

      g_test_message ("%s", bad[i]);
      g_assert_null (config);
      g_assert_nonnull (error);
      g_assert_nonnull (strstr (error->message, "notify.conf"));
    }
}

static void
write_tunnel (const char *dir, const char *file, const char *text)
{
  g_autofree char *path = g_build_filename (dir, file, NULL);

  g_assert_true (g_file_set_contents (path, text, -1, NULL));
}

/* The service is started only for a tunnel file it would load and start
 * by itself: AutoStart true or unset; not false, not a broken file, not a
 * file that is not NAME.conf. */
static void
test_activation_wanted (void)
{
  g_autofree char *dir = g_dir_make_tmp ("notify-activation-XXXXXX", NULL);
  g_autoptr(GDir) listing = NULL;
  const char *file;

  g_assert_false (asd_notify_activation_wanted ("/nonexistent/autosshd/tunnels"));
  g_assert_false (asd_notify_activation_wanted (dir));
  write_tunnel (dir, "off.conf", "[Tunnel]\nDestination=host\nAutoStart=false\n");
  write_tunnel (dir, "broken.conf", "[Tunnel]\nDestination=host\nAutoStart=true\nBogus=1\n");
  write_tunnel (dir, "bad name.conf", "[Tunnel]\nDestination=host\n");
  write_tunnel (dir, "notes.txt", "[Tunnel]\nDestination=host\n");
  g_assert_false (asd_notify_activation_wanted (dir));
  write_tunnel (dir, "on.conf", "[Tunnel]\nDestination=host\n");
  g_assert_true (asd_notify_activation_wanted (dir));

  listing = g_dir_open (dir, 0, NULL);
  while ((file = g_dir_read_name (listing)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, file, NULL);

      g_unlink (path);
    }
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_setenv ("LANGUAGE", "C", TRUE);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/notify/durations", test_durations);
  g_test_add_func ("/notify/texts", test_texts);
  g_test_add_func ("/notify/group-texts", test_group_texts);
  g_test_add_func ("/notify/activation-wanted", test_activation_wanted);
  g_test_add_func ("/notify/needs-user", test_needs_user);
  g_test_add_func ("/notify/reason-text", test_reason_text);
  g_test_add_func ("/notify/markup", test_markup);
  g_test_add_func ("/notify/config", test_config);
  return g_test_run ();
}
