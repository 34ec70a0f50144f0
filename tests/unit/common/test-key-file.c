/* Unit tests of asd-key-file: the checks made before a key file or its
 * passphrase is taken, against real key files made by ssh-keygen and the
 * real askpass helper (ASD_TEST_ASKPASS).
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <gio/gio.h>

#include "asd-error.h"
#include "asd-key-file.h"

typedef struct {
  char *dir;
  char *plain;       /* a key without a passphrase */
  char *locked;      /* a key with PASSPHRASE */
} Keys;

#define PASSPHRASE "correct horse"

static char *
make_key (const char *dir, const char *name, const char *passphrase)
{
  char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;
  int status = -1;
  const char *argv[] = { "ssh-keygen", "-q", "-t", "ed25519", "-N", passphrase, "-f", path, NULL };

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                NULL, NULL, NULL, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_cmpint (status, ==, 0);
  return path;
}

static void
keys_set_up (Keys *keys, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  keys->dir = g_dir_make_tmp ("asd-key-file-XXXXXX", &error);
  g_assert_no_error (error);
  keys->plain = make_key (keys->dir, "plain", "");
  keys->locked = make_key (keys->dir, "locked", PASSPHRASE);
}

static void
remove_key (const char *path)
{
  g_autofree char *pub = g_strconcat (path, ".pub", NULL);

  g_unlink (path);
  g_unlink (pub);
}

static void
keys_tear_down (Keys *keys, gconstpointer data)
{
  remove_key (keys->plain);
  remove_key (keys->locked);
  g_assert_cmpint (g_rmdir (keys->dir), ==, 0);
  g_free (keys->plain);
  g_free (keys->locked);
  g_free (keys->dir);
}

static void
test_readable (Keys *keys, gconstpointer data)
{
  g_autofree char *missing = g_build_filename (keys->dir, "missing", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (asd_key_file_check_readable (keys->plain, &error));
  g_assert_no_error (error);

  g_assert_false (asd_key_file_check_readable (missing, &error));
  g_assert_error (error, ASD_ERROR, ASD_ERROR_IDENTITY_FILE);
  g_assert_nonnull (strstr (error->message, missing));
  g_assert_nonnull (strstr (error->message, "does not exist"));
  g_clear_error (&error);

  /* a user with no home: the path says what was asked for */
  g_assert_false (asd_key_file_check_readable ("~no-such-user-asd/.ssh/id", &error));
  g_assert_error (error, ASD_ERROR, ASD_ERROR_IDENTITY_FILE);
  g_assert_nonnull (strstr (error->message, "~no-such-user-asd/.ssh/id"));
  g_clear_error (&error);

  /* a directory is no key file */
  g_assert_false (asd_key_file_check_readable (keys->dir, &error));
  g_assert_error (error, ASD_ERROR, ASD_ERROR_IDENTITY_FILE);
  g_assert_nonnull (strstr (error->message, "cannot be read"));
}

static void
test_passphrase_sync (Keys *keys, gconstpointer data)
{
  g_autofree char *not_a_key = g_build_filename (keys->dir, "plain.pub", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (asd_key_file_check_passphrase_sync (keys->locked, PASSPHRASE, &error));
  g_assert_no_error (error);

  g_assert_false (asd_key_file_check_passphrase_sync (keys->locked, "wrong", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
  g_assert_nonnull (strstr (error->message, "nothing was stored"));
  g_clear_error (&error);

  /* ssh-keygen's own complaint comes through, as something else */
  g_assert_false (asd_key_file_check_passphrase_sync (not_a_key, "x", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "cannot check the passphrase"));
  g_clear_error (&error);

  g_assert_true (asd_key_file_is_encrypted_sync (keys->locked));
  g_assert_false (asd_key_file_is_encrypted_sync (keys->plain));
}

static void
on_checked (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static gboolean
check_async (const char *path, const char *passphrase, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  asd_key_file_check_passphrase_async (path, passphrase, NULL, on_checked, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return asd_key_file_check_passphrase_finish (result, error);
}

static void
test_passphrase_async (Keys *keys, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (check_async (keys->locked, PASSPHRASE, &error));
  g_assert_no_error (error);
  g_assert_false (check_async (keys->locked, PASSPHRASE "!", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
}

/* No helper that can run: the error says so, nothing is taken. */
static void
test_helper_missing (Keys *keys, gconstpointer data)
{
  g_autofree char *saved = g_strdup (g_getenv ("AUTOSSHD_ASKPASS"));
  g_autofree char *helper = NULL;
  g_autoptr(GError) error = NULL;

  g_setenv ("AUTOSSHD_ASKPASS", "/nonexistent/autosshd-askpass", TRUE);
  helper = asd_key_file_askpass_helper ();
  g_assert_cmpstr (helper, ==, "/nonexistent/autosshd-askpass");
  g_assert_false (asd_key_file_check_passphrase_sync (keys->locked, PASSPHRASE, &error));
  g_assert_nonnull (error);
  g_setenv ("AUTOSSHD_ASKPASS", saved, TRUE);
}

/* The helper's stdin mode (what ssh-keygen runs): the first line of its
 * stdin, bounded, to its stdout; outside it, without the service's
 * socket and token, it refuses. */
static char *
run_helper (const char *input, gboolean stdin_mode, int *status)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                               G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr(GSubprocess) helper = NULL;
  g_autoptr(GError) error = NULL;
  char *out = NULL;

  if (stdin_mode)
    g_subprocess_launcher_setenv (launcher, ASD_ASKPASS_STDIN_ENV, "1", TRUE);
  else
    g_subprocess_launcher_unsetenv (launcher, ASD_ASKPASS_STDIN_ENV);
  g_subprocess_launcher_unsetenv (launcher, "AUTOSSHD_ASKPASS_SOCKET");
  g_subprocess_launcher_unsetenv (launcher, "AUTOSSHD_ASKPASS_TOKEN");
  helper = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("AUTOSSHD_ASKPASS"),
                                        "Enter passphrase:", NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (helper, input, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  *status = g_subprocess_get_exit_status (helper);
  return out;
}

static void
test_helper_stdin (void)
{
  g_autofree char *line = NULL, *no_newline = NULL, *empty = NULL, *longest = NULL;
  g_autofree char *too_long = g_strnfill (ASD_KEY_FILE_MAX_PASSPHRASE + 10, 'x');
  g_autofree char *refused = NULL;
  int status = -1;

  line = run_helper ("first\nsecond\n", TRUE, &status);
  g_assert_cmpstr (line, ==, "first\n");
  g_assert_cmpint (status, ==, 0);
  no_newline = run_helper ("only", TRUE, &status);
  g_assert_cmpstr (no_newline, ==, "only\n");
  empty = run_helper ("", TRUE, &status);
  g_assert_cmpstr (empty, ==, "\n");
  longest = run_helper (too_long, TRUE, &status);
  g_assert_cmpuint (strlen (longest), ==, ASD_KEY_FILE_MAX_PASSPHRASE + 1);
  refused = run_helper ("secret\n", FALSE, &status);
  g_assert_cmpstr (refused, ==, "");
  g_assert_cmpint (status, !=, 0);
}

int
main (int argc, char **argv)
{
  const char *askpass = g_getenv ("ASD_TEST_ASKPASS");

  g_test_init (&argc, &argv, NULL);
  g_assert_nonnull (askpass);
  g_setenv ("AUTOSSHD_ASKPASS", askpass, TRUE);
  g_test_add ("/key-file/readable", Keys, NULL, keys_set_up, test_readable, keys_tear_down);
  g_test_add ("/key-file/passphrase-sync", Keys, NULL, keys_set_up, test_passphrase_sync,
              keys_tear_down);
  g_test_add ("/key-file/passphrase-async", Keys, NULL, keys_set_up, test_passphrase_async,
              keys_tear_down);
  g_test_add ("/key-file/helper-missing", Keys, NULL, keys_set_up, test_helper_missing,
              keys_tear_down);
  g_test_add_func ("/key-file/helper-stdin", test_helper_stdin);
  return g_test_run ();
}
