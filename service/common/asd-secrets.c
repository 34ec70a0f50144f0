/* asd-secrets.c: passphrases and passwords in the Secret Service
 *
 * libsecret's async API only, on the service's loop; the command line's
 * store is synchronous (it has nothing else to do).  A secret is handed on
 * and freed with its memory overwritten; it is never logged.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>
#include <libsecret/secret.h>

#include "asd-secrets.h"

static const SecretSchema *
schema (void)
{
  static const SecretSchema the_schema = {
    ASD_SECRET_SCHEMA_NAME, SECRET_SCHEMA_DONT_MATCH_NAME,
    {
      { "type", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "identity-file", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "user", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "host", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    }
  };
  return &the_schema;
}

/* The attributes, owning their values: libsecret keeps the table for the
 * whole of an async call. */
static GHashTable *
attributes (const AsdSecretRef *ref)
{
  GHashTable *table = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);

  if (ref->kind == ASD_SECRET_PASSPHRASE)
    {
      g_hash_table_insert (table, (gpointer) "type", g_strdup ("passphrase"));
      g_hash_table_insert (table, (gpointer) "identity-file", g_strdup (ref->identity_file));
    }
  else
    {
      g_hash_table_insert (table, (gpointer) "type", g_strdup ("password"));
      g_hash_table_insert (table, (gpointer) "user", g_strdup (ref->user));
      g_hash_table_insert (table, (gpointer) "host", g_strdup (ref->host));
    }
  return table;
}

/* For people: valid UTF-8 whatever the key's path is. */
static char *
describe (const AsdSecretRef *ref)
{
  g_autofree char *text = NULL;

  if (ref->kind == ASD_SECRET_PASSPHRASE)
    text = g_strdup_printf (_("the passphrase of key %s"), ref->identity_file);
  else
    text = g_strdup_printf (_("the password of %s@%s"), ref->user, ref->host);
  return g_utf8_make_valid (text, -1);
}

/* The Secret Service takes UTF-8 attributes only (libsecret refuses
 * others without ever calling back). */
static gboolean
check_utf8 (const AsdSecretRef *ref, GError **error)
{
  const char *values[] = { ref->identity_file, ref->user, ref->host };
  g_autofree char *what = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    if (values[i] != NULL && !g_utf8_validate (values[i], -1, NULL))
      {
        what = describe (ref);
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                     _("the keyring cannot hold %s: its name is not valid UTF-8 (rename the key file)"),
                     what);
        return FALSE;
      }
  return TRUE;
}

/* A task for a call about @ref, or %NULL when @ref cannot be asked for
 * (the task has then returned its error). */
static GTask *
task_for (const AsdSecretRef *ref, gpointer source_tag, GCancellable *cancellable,
          GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  GError *error = NULL;

  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, describe (ref), g_free);
  if (check_utf8 (ref, &error))
    return task;
  g_task_return_error (task, error);
  g_object_unref (task);
  return NULL;
}

static void locked_async (GTask *task);

/* After a lookup that found nothing (@user_data NULL) or failed: is the
 * keyring locked (libsecret finds nothing in a locked collection when no
 * prompt can be shown)?  Is the Secret Service there at all? */
static void
on_locked_checked (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = G_TASK (source);   /* the check task holds it */
  g_autoptr(GError) lookup_error = user_data;
  const char *what = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  gboolean locked = g_task_propagate_boolean (G_TASK (result), &error);

  if (locked)
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                             _("the keyring holding %s is locked: unlock it (log in to the desktop, or run gnome-keyring-daemon --unlock)"),
                             what);
  else if (error != NULL || lookup_error != NULL)
    {
      /* Perhaps the keyring daemon was replaced: start afresh next time. */
      secret_service_disconnect ();
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                               _("the Secret Service (such as gnome-keyring) cannot give %s: %s"),
                               what, (error != NULL ? error : lookup_error)->message);
    }
  else
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                             _("no secret is stored for %s"), what);
}

static void
on_lookup (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  GError *error = NULL;
  char *secret = secret_password_lookup_finish (result, &error);
  GTask *check;

  if (secret != NULL)
    {
      g_task_return_pointer (task, secret, (GDestroyNotify) secret_password_free);
      g_object_unref (task);
      return;
    }
  /* The check's GTask holds @task as its source object and our reference. */
  check = g_task_new (task, g_task_get_cancellable (task), on_locked_checked, error);
  g_object_unref (task);
  locked_async (check);
}

/**
 * asd_secret_lookup_async:
 * @ref: which secret
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the result
 * @user_data: for @callback
 *
 * Looks the secret up in the Secret Service (no prompt is shown).
 */
void
asd_secret_lookup_async (const AsdSecretRef  *ref,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  GTask *task = task_for (ref, asd_secret_lookup_async, cancellable, callback, user_data);
  g_autoptr(GHashTable) attrs = NULL;

  if (task == NULL)
    return;
  attrs = attributes (ref);
  secret_password_lookupv (schema (), attrs, cancellable, on_lookup, task);
}

/**
 * asd_secret_lookup_finish:
 * @result: the result given to the callback
 * @error: return location for why there is no secret
 *
 * Returns: (transfer full): the secret, to free with asd_secret_free()
 */
char *
asd_secret_lookup_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * asd_secret_store_sync:
 * @ref: which secret
 * @secret: its value
 * @error: return location for an error
 *
 * Stores the secret in the default collection, replacing an older one.
 */
gboolean
asd_secret_store_sync (const AsdSecretRef *ref, const char *secret, GError **error)
{
  g_autoptr(GHashTable) attrs = NULL;
  g_autofree char *what = describe (ref);
  g_autofree char *label = g_strdup_printf ("autosshd: %s", what);
  g_autoptr(GError) local_error = NULL;

  if (!check_utf8 (ref, error))
    return FALSE;
  attrs = attributes (ref);
  if (secret_password_storev_sync (schema (), attrs, SECRET_COLLECTION_DEFAULT, label,
                                   secret, NULL, &local_error))
    return TRUE;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("cannot store %s in the keyring: %s"),
               what, local_error->message);
  return FALSE;
}

static void
on_stored (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (secret_password_store_finish (result, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED,
                             _("cannot store %s in the keyring: %s"),
                             (const char *) g_task_get_task_data (task), error->message);
}

/**
 * asd_secret_store_async:
 * @ref: which secret
 * @secret: its value (copied by libsecret at once)
 * @remember: in the default (login) collection; else in the session
 *   collection, forgotten at logout
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the result
 * @user_data: for @callback
 *
 * Stores the secret, replacing an older one of the same collection.
 */
void
asd_secret_store_async (const AsdSecretRef *ref, const char *secret, gboolean remember,
                        GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = task_for (ref, asd_secret_store_async, cancellable, callback, user_data);
  g_autoptr(GHashTable) attrs = NULL;
  g_autofree char *label = NULL;

  if (task == NULL)
    return;
  attrs = attributes (ref);
  label = g_strdup_printf ("autosshd: %s", (const char *) g_task_get_task_data (task));
  secret_password_storev (schema (), attrs, remember ? SECRET_COLLECTION_DEFAULT : SECRET_COLLECTION_SESSION,
                          label, secret, cancellable, on_stored, task);
}

gboolean
asd_secret_store_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
on_collection (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(SecretCollection) collection = secret_collection_for_alias_finish (result, &error);

  if (error != NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, collection == NULL || secret_collection_get_locked (collection));
}

static void
on_service (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(SecretService) service = secret_service_get_finish (result, &error);

  if (service == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  secret_collection_for_alias (service, SECRET_COLLECTION_DEFAULT, SECRET_COLLECTION_NONE,
                               g_task_get_cancellable (task), on_collection, task);
  task = NULL;   /* on_collection has it */
}

static void
locked_async (GTask *task)
{
  GCancellable *cancellable = g_task_get_cancellable (task);

  secret_service_get (SECRET_SERVICE_NONE, cancellable, on_service, task);
}

/**
 * asd_secret_locked_async:
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the result
 * @user_data: for @callback
 *
 * Asks whether the default collection is locked (or missing).
 */
void
asd_secret_locked_async (GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  locked_async (g_task_new (NULL, cancellable, callback, user_data));
}

gboolean
asd_secret_locked_finish (GAsyncResult *result, gboolean *locked, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  gboolean value = g_task_propagate_boolean (G_TASK (result), &local_error);

  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  *locked = value;
  return TRUE;
}

/**
 * asd_secret_free:
 * @secret: (nullable): a secret from asd_secret_lookup_finish()
 */
void
asd_secret_free (char *secret)
{
  secret_password_free (secret);
}
