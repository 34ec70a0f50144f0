/* asd-credential.c: a secret from a systemd credential
 *
 * The system service has no keyring: a key's passphrase comes from the
 * credential its tunnel names (PassphraseCredential=), which systemd puts
 * in $CREDENTIALS_DIRECTORY (LoadCredential=, LoadCredentialEncrypted=
 * of `systemd-creds encrypt`).  The file is read asynchronously; one
 * newline at its end is not part of the secret.  Every copy of the secret
 * is wiped before it is freed.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "asd-credential.h"
#include "asd-secrets.h"

static void
wipe_and_free (char *contents, gsize length)
{
  if (contents == NULL)
    return;
  memset (contents, 0, length);
  g_free (contents);
}

static void
on_loaded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  char *contents = NULL;
  gsize length = 0, end;

  if (!g_file_load_contents_finish (G_FILE (source), result, &contents, &length, NULL, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  end = length;
  if (end > 0 && contents[end - 1] == '\n')
    end--;
  if (memchr (contents, '\0', end) != NULL || memchr (contents, '\n', end) != NULL)
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                             _("the credential holds more than one line"));
  else
    g_task_return_pointer (task, g_strndup (contents, end), (GDestroyNotify) asd_secret_free);
  wipe_and_free (contents, length);
}

/* A credential is one line, a passphrase: a regular file of at most
 * this size (a FIFO or a device there would keep the read waiting). */
#define MAX_CREDENTIAL_BYTES 4096

static void
on_info (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GFileInfo) info = g_file_query_info_finish (G_FILE (source), result, &error);
  GCancellable *cancellable;

  if (info == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (g_file_info_get_file_type (info) != G_FILE_TYPE_REGULAR ||
      g_file_info_get_size (info) > MAX_CREDENTIAL_BYTES)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                               _("the credential is not a file of at most %d bytes"),
                               MAX_CREDENTIAL_BYTES);
      return;
    }
  cancellable = g_task_get_cancellable (task);
  g_file_load_contents_async (G_FILE (source), cancellable, on_loaded, g_steal_pointer (&task));
}

/**
 * asd_credential_read_async:
 * @name: the credential's name (a file name: no "/")
 * @cancellable: (nullable): a cancellable
 * @callback: called with the secret
 * @user_data: for @callback
 *
 * Reads $CREDENTIALS_DIRECTORY/@name.
 */
void
asd_credential_read_async (const char *name, GCancellable *cancellable,
                           GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  const char *dir = g_getenv ("CREDENTIALS_DIRECTORY");
  g_autofree char *path = NULL;
  g_autoptr(GFile) file = NULL;

  g_task_set_source_tag (task, asd_credential_read_async);
  if (dir == NULL || dir[0] == '\0')
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                               _("the service was given no credentials (CREDENTIALS_DIRECTORY is not set)"));
      return;
    }
  if (name[0] == '\0' || strchr (name, '/') != NULL || g_str_equal (name, ".") || g_str_equal (name, ".."))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               _("“%s” is not a credential name"), name);
      return;
    }
  path = g_build_filename (dir, name, NULL);
  file = g_file_new_for_path (path);
  g_file_query_info_async (file, G_FILE_ATTRIBUTE_STANDARD_TYPE "," G_FILE_ATTRIBUTE_STANDARD_SIZE,
                           G_FILE_QUERY_INFO_NONE, G_PRIORITY_DEFAULT, cancellable, on_info,
                           g_steal_pointer (&task));
}

/**
 * asd_credential_read_finish:
 * @result: the result
 * @error: return location for an error
 *
 * Returns: (transfer full): the secret, to free with asd_secret_free()
 */
char *
asd_credential_read_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}
