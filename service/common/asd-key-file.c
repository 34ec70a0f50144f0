/* asd-key-file.c: whether a key file can be used, and whether a
 * passphrase opens it
 *
 * AddTunnel refuses an IdentityFile that is not there or cannot be read
 * (ssh would only skip it, and the tunnel would then ask for a secret that
 * cannot help).  `autosshctl passphrase` and the notifier's prompt check a
 * passphrase before storing it: `ssh-keygen -y -f KEY` with our askpass
 * helper as SSH_ASKPASS (SSH_ASKPASS_REQUIRE=force) in its stdin mode, and
 * the passphrase written into the pipe that is ssh-keygen's stdin, which
 * the helper inherits.  So the passphrase is never in an argv, the
 * environment or a file; the buffer it was written from is wiped.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "asd-error.h"
#include "asd-key-file.h"
#include "asd-ssh-config.h"

/**
 * asd_key_file_check_readable:
 * @identity_file: a key file as the user wrote it ("~/" allowed)
 * @error: return location for an %ASD_ERROR_IDENTITY_FILE naming it
 *
 * Returns: whether the file exists, is a regular file and can be read
 */
gboolean
asd_key_file_check_readable (const char *identity_file, GError **error)
{
  g_autofree char *path = asd_ssh_expand_path (identity_file, NULL);
  g_autofree char *shown = g_utf8_make_valid (path != NULL ? path : identity_file, -1);
  GStatBuf st;

  if (path == NULL || g_stat (path, &st) != 0)
    {
      g_set_error (error, ASD_ERROR, ASD_ERROR_IDENTITY_FILE,
                   _("the key file %s does not exist: check IdentityFile (-i)"), shown);
      return FALSE;
    }
  if (!S_ISREG (st.st_mode) || access (path, R_OK) != 0)
    {
      g_set_error (error, ASD_ERROR, ASD_ERROR_IDENTITY_FILE,
                   _("the key file %s cannot be read: check IdentityFile (-i) and the file’s permissions"),
                   shown);
      return FALSE;
    }
  return TRUE;
}

/**
 * asd_key_file_askpass_helper:
 *
 * Returns: (transfer full): the askpass helper, AUTOSSHD_ASKPASS or the
 *   installed one
 */
char *
asd_key_file_askpass_helper (void)
{
  const char *helper = g_getenv ("AUTOSSHD_ASKPASS");

  return g_strdup (helper != NULL && helper[0] != '\0' ? helper : LIBEXECDIR "/autosshd-askpass");
}

static void
wipe_free (gpointer data)
{
  explicit_bzero (data, strlen (data));
  g_free (data);
}

/* The passphrase and a newline, as the helper reads it; wiped when freed. */
static GBytes *
stdin_bytes (const char *passphrase)
{
  char *line = g_strconcat (passphrase, "\n", NULL);

  return g_bytes_new_with_free_func (line, strlen (line), wipe_free, line);
}

static GSubprocess *
spawn_keygen (const char *path, GError **error)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                               G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autofree char *helper = asd_key_file_askpass_helper ();

  g_subprocess_launcher_setenv (launcher, "SSH_ASKPASS", helper, TRUE);
  g_subprocess_launcher_setenv (launcher, "SSH_ASKPASS_REQUIRE", "force", TRUE);
  g_subprocess_launcher_setenv (launcher, ASD_ASKPASS_STDIN_ENV, "1", TRUE);
  g_subprocess_launcher_unsetenv (launcher, "AUTOSSHD_ASKPASS_SOCKET");
  g_subprocess_launcher_unsetenv (launcher, "AUTOSSHD_ASKPASS_TOKEN");
  return g_subprocess_launcher_spawn (launcher, error, "ssh-keygen", "-y", "-f", path, NULL);
}

/* What ssh-keygen's exit and stderr mean. */
static gboolean
keygen_result (GSubprocess *keygen, const char *path, GBytes *err, GError **error)
{
  g_autofree char *text = NULL;
  g_autofree char *shown = g_utf8_make_valid (path, -1);

  if (g_subprocess_get_if_exited (keygen) && g_subprocess_get_exit_status (keygen) == 0)
    return TRUE;
  text = err != NULL ? g_utf8_make_valid (g_bytes_get_data (err, NULL), g_bytes_get_size (err))
                     : g_strdup ("");
  if (strstr (text, "incorrect passphrase") != NULL)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                 _("that is not the passphrase of key %s; nothing was stored"), shown);
  else
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                 _("cannot check the passphrase of key %s: %s"), shown, g_strstrip (text));
  return FALSE;
}

typedef struct {
  GSubprocess *keygen;
  char *path;
} Check;

static void
check_free (Check *check)
{
  g_clear_object (&check->keygen);
  g_free (check->path);
  g_free (check);
}

static void
on_communicated (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  Check *check = g_task_get_task_data (task);
  g_autoptr(GBytes) out = NULL, err = NULL;
  GError *error = NULL;

  if (!g_subprocess_communicate_finish (G_SUBPROCESS (source), result, &out, &err, &error) ||
      !keygen_result (check->keygen, check->path, err, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

/**
 * asd_key_file_check_passphrase_async:
 * @path: the key file's absolute path
 * @passphrase: the passphrase to try
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the result
 * @user_data: for @callback
 *
 * Asks ssh-keygen whether @passphrase opens the key (see above).
 */
void
asd_key_file_check_passphrase_async (const char *path, const char *passphrase,
                                     GCancellable *cancellable, GAsyncReadyCallback callback,
                                     gpointer user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  Check *check = g_new0 (Check, 1);
  g_autoptr(GBytes) input = stdin_bytes (passphrase);
  GError *error = NULL;

  g_task_set_source_tag (task, asd_key_file_check_passphrase_async);
  g_task_set_task_data (task, check, (GDestroyNotify) check_free);
  check->path = g_strdup (path);
  check->keygen = spawn_keygen (path, &error);
  if (check->keygen == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  g_subprocess_communicate_async (check->keygen, input, cancellable, on_communicated, task);
}

gboolean
asd_key_file_check_passphrase_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * asd_key_file_check_passphrase_sync:
 * @path: the key file's absolute path
 * @passphrase: the passphrase to try
 * @error: return location; %G_IO_ERROR_PERMISSION_DENIED when it is wrong
 *
 * The same check, for the command line.
 */
gboolean
asd_key_file_check_passphrase_sync (const char *path, const char *passphrase, GError **error)
{
  g_autoptr(GSubprocess) keygen = spawn_keygen (path, error);
  g_autoptr(GBytes) input = NULL, out = NULL, err = NULL;

  if (keygen == NULL)
    return FALSE;
  input = stdin_bytes (passphrase);
  if (!g_subprocess_communicate (keygen, input, NULL, &out, &err, error))
    return FALSE;
  return keygen_result (keygen, path, err, error);
}

/**
 * asd_key_file_is_encrypted_sync:
 * @path: a key file's absolute path
 *
 * Returns: whether it needs a passphrase (an empty one does not open it)
 */
gboolean
asd_key_file_is_encrypted_sync (const char *path)
{
  return !asd_key_file_check_passphrase_sync (path, "", NULL);
}
