/* test-credential.c: passphrases from systemd credentials, and which
 * polkit action each D-Bus call needs
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <sys/stat.h>

#include <string.h>
#include <glib/gstdio.h>

#include "asd-authorizer.h"
#include "asd-credential.h"
#include "asd-names.h"
#include "asd-secrets.h"

typedef struct {
  char *secret;
  GError *error;
  gboolean done;
} Read;

static void
on_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Read *read = user_data;

  read->secret = asd_credential_read_finish (result, &read->error);
  read->done = TRUE;
}

/* Reads credential @name; returns the secret, or NULL with *error set. */
static char *
read_credential (const char *name, GError **error)
{
  Read read = { NULL, NULL, FALSE };

  asd_credential_read_async (name, NULL, on_read, &read);
  while (!read.done)
    g_main_context_iteration (NULL, TRUE);
  if (read.error != NULL)
    g_propagate_error (error, read.error);
  return read.secret;
}

static void
write_file (const char *dir, const char *name, const char *text)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
}

static void
test_read (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("asd-credential-XXXXXX", &error);
  char *secret;

  g_assert_no_error (error);
  write_file (dir, "web-key", "s3cret pass\n");
  write_file (dir, "bare", "no newline");
  write_file (dir, "two", "line one\nline two\n");
  g_setenv ("CREDENTIALS_DIRECTORY", dir, TRUE);

  secret = read_credential ("web-key", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (secret, ==, "s3cret pass");   /* one newline is not part of it */
  asd_secret_free (secret);
  secret = read_credential ("bare", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (secret, ==, "no newline");
  asd_secret_free (secret);

  g_assert_null (read_credential ("two", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_clear_error (&error);
  g_assert_null (read_credential ("missing", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_clear_error (&error);
  for (guint i = 0; i < 3; i++)
    {
      g_assert_null (read_credential ((const char *[]) { "../web-key", "..", "" }[i], &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
      g_clear_error (&error);
    }

  /* a FIFO (that would keep the read waiting) or a huge file: refused */
  {
    g_autofree char *fifo = g_build_filename (dir, "fifo", NULL);
    g_autofree char *huge = g_strnfill (100000, 'x');

    g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
    write_file (dir, "huge", huge);
    for (guint i = 0; i < 2; i++)
      {
        g_assert_null (read_credential ((const char *[]) { "fifo", "huge" }[i], &error));
        g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
        g_clear_error (&error);
      }
    g_unlink (fifo);
    g_free (huge);
    huge = g_build_filename (dir, "huge", NULL);
    g_unlink (huge);
  }

  /* a service given no credentials says so */
  g_unsetenv ("CREDENTIALS_DIRECTORY");
  g_assert_null (read_credential ("web-key", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "CREDENTIALS_DIRECTORY"));

  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *path = g_build_filename (dir, (const char *[]) { "web-key", "bare", "two" }[i], NULL);

      g_unlink (path);
    }
  g_rmdir (dir);
}

/* Reads need nothing; control and manage as documented; anything
 * unknown (a method added later) needs manage. */
static void
test_actions (void)
{
  const struct { const char *interface, *method, *action; } cases[] = {
    { ASD_MANAGER_INTERFACE, "GetTunnel", NULL },
    { ASD_TUNNEL_INTERFACE, "GetLog", NULL },
    { "org.freedesktop.DBus.Properties", "Get", NULL },
    { "org.freedesktop.DBus.Properties", "GetAll", NULL },
    { ASD_TUNNEL_INTERFACE, "Start", ASD_ACTION_CONTROL },
    { ASD_TUNNEL_INTERFACE, "Stop", ASD_ACTION_CONTROL },
    { ASD_TUNNEL_INTERFACE, "Restart", ASD_ACTION_CONTROL },
    { ASD_TUNNEL_INTERFACE, "Probe", ASD_ACTION_CONTROL },
    { ASD_MANAGER_INTERFACE, "StartAll", ASD_ACTION_CONTROL },
    { ASD_MANAGER_INTERFACE, "StopAll", ASD_ACTION_CONTROL },
    { ASD_MANAGER_INTERFACE, "AddTunnel", ASD_ACTION_MANAGE },
    { ASD_MANAGER_INTERFACE, "AddTunnelFromCommandLine", ASD_ACTION_MANAGE },
    { ASD_MANAGER_INTERFACE, "RemoveTunnel", ASD_ACTION_MANAGE },
    { ASD_MANAGER_INTERFACE, "Reload", ASD_ACTION_MANAGE },
    { ASD_TUNNEL_INTERFACE, "Configure", ASD_ACTION_MANAGE },
    { ASD_TUNNEL_INTERFACE, "TrustHostKey", ASD_ACTION_MANAGE },
    { "org.freedesktop.DBus.Properties", "Set", ASD_ACTION_MANAGE },
    { ASD_TUNNEL_INTERFACE, "SomethingNew", ASD_ACTION_MANAGE },
    { ASD_MANAGER_INTERFACE, "Start", ASD_ACTION_MANAGE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    g_assert_cmpstr (asd_authorizer_action_for (cases[i].interface, cases[i].method), ==,
                     cases[i].action);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/credential/read", test_read);
  g_test_add_func ("/authorizer/actions", test_actions);
  return g_test_run ();
}
