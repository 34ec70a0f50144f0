/* Unit tests of asd-reason: the codes scripts read, and the sentences
 * people read, made from a code and its details in the reader's locale.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <locale.h>
#include <string.h>
#include <glib/gi18n.h>

#include "asd-enums.h"
#include "asd-reason.h"

/* The vocabulary is API: these names never change. */
static const char *vocabulary[] = {
  "none", "stopped", "connecting", "connected", "login-queued", "system-asleep",
  "auth-denied", "secret-missing", "secret-rejected", "keyring-locked",
  "keyring-unavailable", "question-unanswered", "host-key-unknown", "host-key-changed",
  "config-broken", "ssh-config-rejected", "ssh-spawn-failed", "monitor-port-unavailable",
  "dns-failed", "connection-refused", "host-unreachable", "connect-timeout",
  "server-timeout", "connection-closed", "monitor-failed", "local-port-in-use",
  "remote-port-in-use", "ssh-exited", "session-unresponsive", "host-not-found",
  "credential-missing",
};

static void
test_codes (void)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (ASD_TYPE_REASON_CODE);
  gboolean known = FALSE;

  g_assert_cmpuint (klass->n_values, ==, G_N_ELEMENTS (vocabulary));
  for (guint i = 0; i < G_N_ELEMENTS (vocabulary); i++)
    {
      AsdReasonCode code = asd_reason_code_from_string (vocabulary[i], &known);

      g_assert_true (known);
      g_assert_cmpstr (asd_reason_code_to_string (code), ==, vocabulary[i]);
    }
  g_assert_cmpint (asd_reason_code_from_string ("from-the-future", &known), ==, ASD_REASON_NONE);
  g_assert_false (known);
}

/* Every code with its usual details says something, and uses them. */
static void
test_describe (void)
{
  const struct { const char *code, *details, *contains; } cases[] = {
    { "stopped", "@a{sv} {}", "stopped" },
    { "connected", "{'destination': <'bob@host'>}", "bob@host" },
    { "auth-denied", "{'destination': <'bob@host'>}", "bob@host" },
    { "secret-missing", "{'identity-file': <'/k/id'>, 'tunnel': <'web'>}", "autosshctl passphrase web" },
    { "secret-rejected", "{'user': <'bob'>, 'host': <'h'>, 'tunnel': <'web'>}", "bob@h" },
    { "keyring-locked", "{'identity-file': <'/k/id'>}", "/k/id" },
    { "credential-missing", "{'identity-file': <'/k/id'>, 'tunnel': <'web'>}", "PassphraseCredential" },
    { "credential-missing", "{'identity-file': <'/k/id'>, 'credential': <'web-key'>, 'message': <'gone'>}", "web-key" },
    { "keyring-unavailable", "{'identity-file': <'/k/id'>, 'message': <'no daemon'>}", "no daemon" },
    { "host-key-unknown", "{'fingerprint': <'SHA256:x'>, 'tunnel': <'web'>}", "autosshctl trust web SHA256:x" },
    { "host-key-changed", "{'host': <'[h]:2222'>}", "ssh-keygen -R \"[h]:2222\"" },
    { "connection-refused", "{'port': <uint32 2222>}", "2222" },
    { "local-port-in-use", "{'port': <uint32 8080>}", "8080" },
    { "local-port-in-use", "{'port': <uint32 8080>, 'held-by': <'web'>}", "in use by tunnel “web”" },
    { "host-not-found", "{'host': <'exmaple.com'>}", "host name “exmaple.com” not found: check the spelling" },
    { "remote-port-in-use", "{'port': <uint32 9090>}", "9090" },
    { "dns-failed", "{'host': <'nowhere.example'>}", "nowhere.example" },
    { "connect-timeout", "{'seconds': <uint32 30>}", "30" },
    { "ssh-exited", "{'exit-status': <int32 255>}", "255" },
    { "ssh-exited", "{'signal': <int32 9>}", "signal 9" },
    { "config-broken", "{'file': <'/c/web.conf'>, 'line': <uint32 3>, 'message': <'/c/web.conf:3: bad'>}", "/c/web.conf:3: bad" },
    { "monitor-port-unavailable", "{'port': <uint32 20000>, 'message': <'in use'>}", "20000" },
    { "from-the-future", "@a{sv} {}", "from-the-future" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GVariant) details = g_variant_ref_sink (g_variant_new_parsed (cases[i].details));
      g_autofree char *text = asd_reason_describe_code (cases[i].code, details);

      if (strstr (text, cases[i].contains) == NULL)
        g_error ("%s: “%s” does not say “%s”", cases[i].code, text, cases[i].contains);
    }
  /* without details, every code still says something */
  for (guint i = 0; i < G_N_ELEMENTS (vocabulary); i++)
    {
      g_autofree char *text = asd_reason_describe_code (vocabulary[i], NULL);

      g_assert_true (text != NULL && *text != '\0' && g_utf8_validate (text, -1, NULL));
    }
}

/* The same code reads in the reader's language. */
static void
test_translated (void)
{
  const char *localedir = g_getenv ("ASD_TEST_LOCALEDIR");
  g_autofree char *english = NULL, *german = NULL;

  if (localedir == NULL)
    {
      g_test_skip ("ASD_TEST_LOCALEDIR is not set");
      return;
    }
  english = asd_reason_describe (ASD_REASON_SYSTEM_ASLEEP, NULL);
  bindtextdomain (GETTEXT_PACKAGE, localedir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_setenv ("LANGUAGE", "de", TRUE);
  setlocale (LC_ALL, "C.UTF-8");
  german = asd_reason_describe (ASD_REASON_SYSTEM_ASLEEP, NULL);
  g_assert_cmpstr (english, ==, "the system is asleep; the tunnel comes back when it wakes up");
  g_assert_cmpstr (german, !=, english);
  g_assert_cmpstr (asd_reason_code_to_string (ASD_REASON_SYSTEM_ASLEEP), ==, "system-asleep");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/reason/codes", test_codes);
  g_test_add_func ("/reason/describe", test_describe);
  g_test_add_func ("/reason/translated", test_translated);
  return g_test_run ();
}
