/* Unit tests of asd-secrets that need no Secret Service: a secret the
 * keyring cannot name (a key path that is not UTF-8) fails at once,
 * instead of libsecret refusing it without ever calling back.
 * The real keyring is tested in tests/secrets/.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include "asd-secrets.h"

static void
on_lookup (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GError **error = user_data;
  char *secret = asd_secret_lookup_finish (result, error);

  g_assert_null (secret);
}

static void
test_not_utf8 (void)
{
  const AsdSecretRef ref = { ASD_SECRET_PASSPHRASE, "/home/j\xf6rg/.ssh/id", NULL, NULL };
  const AsdSecretRef password = { ASD_SECRET_PASSWORD, NULL, "j\xf6rg", "host" };
  GError *error = NULL;

  asd_secret_lookup_async (&ref, NULL, on_lookup, &error);
  while (error == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
  g_clear_error (&error);

  g_assert_false (asd_secret_store_sync (&password, "pw", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
  g_clear_error (&error);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/secrets/not-utf8", test_not_utf8);
  return g_test_run ();
}
