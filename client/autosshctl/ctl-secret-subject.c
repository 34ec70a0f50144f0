/* ctl-secret-subject.c: which secret `autosshctl passphrase` stores
 *
 * Exactly the one the tunnel waits for when the service knows it
 * (NeedsSecret: the key path from ssh's own prompt, or user@host).  When
 * nothing is pending: with --password, or when ssh would use no key, the
 * password of user@host; else the tunnel's IdentityFile, or the first key
 * that ssh would offer for the tunnel's command (`ssh -G`, the user's
 * ~/.ssh/config included) that exists on disk and has a passphrase.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "asd-key-file.h"
#include "asd-ssh-config.h"
#include "ctl-secret.h"

void
ctl_secret_subject_clear (CtlSecretSubject *subject)
{
  g_clear_pointer (&subject->identity_file, g_free);
  g_clear_pointer (&subject->user, g_free);
  g_clear_pointer (&subject->host, g_free);
}

static void
on_config (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

/* What `ssh -G` prints for the tunnel's command: the bounded query the
 * service and `list` use (asd_ssh_config_query_async()), waited for. */
static char *
ssh_config (const char * const *command, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  if (command == NULL || command[0] == NULL)
    {
      g_set_error_literal (error, CTL_ERROR, CTL_ERROR_FAILED,
                           _("the service did not say which ssh command the tunnel runs"));
      return NULL;
    }
  asd_ssh_config_query_async (command, NULL, on_config, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return asd_ssh_config_query_finish (result, error);
}

/* user and host as ssh resolves them (by the HostKeyAlias when set). */
static gboolean
login_of (const char *config, const char *program, CtlSecretSubject *subject, GError **error)
{
  subject->user = asd_ssh_config_value (config, "user");
  subject->host = asd_ssh_config_value (config, "hostkeyalias");
  if (subject->host == NULL)
    subject->host = asd_ssh_config_value (config, "hostname");
  if (subject->user == NULL || subject->host == NULL)
    {
      g_set_error (error, CTL_ERROR, CTL_ERROR_FAILED,
                   _("`%s -G` did not print the user and the host"), program);
      return FALSE;
    }
  subject->kind = ASD_SECRET_PASSWORD;
  return TRUE;
}

/* The first identityfile of @config that exists and has a passphrase. */
static char *
encrypted_key_of (const char *config)
{
  g_auto(GStrv) keys = asd_ssh_config_values (config, "identityfile");

  for (guint i = 0; keys != NULL && keys[i] != NULL; i++)
    {
      g_autofree char *path = asd_ssh_expand_path (keys[i], NULL);

      if (path != NULL && g_file_test (path, G_FILE_TEST_IS_REGULAR) &&
          asd_key_file_is_encrypted_sync (path))
        return g_steal_pointer (&path);
    }
  return NULL;
}

/* NeedsSecret's subject, when the service has one. */
static gboolean
pending (AsdDbusTunnel *tunnel, CtlSecretSubject *subject)
{
  GVariant *needs = asd_dbus_tunnel_get_needs_secret (tunnel);
  const char *kind = "", *what = "", *at;

  if (needs != NULL)
    g_variant_get (needs, "(&s&s)", &kind, &what);
  if (g_str_equal (kind, "passphrase") && what[0] == '/')
    {
      subject->kind = ASD_SECRET_PASSPHRASE;
      subject->identity_file = g_strdup (what);
      return TRUE;
    }
  at = strrchr (what, '@');
  if (g_str_equal (kind, "password") && at != NULL && at > what && at[1] != '\0')
    {
      subject->kind = ASD_SECRET_PASSWORD;
      subject->user = g_strndup (what, at - what);
      subject->host = g_strdup (at + 1);
      return TRUE;
    }
  return FALSE;
}

/**
 * ctl_secret_subject_find:
 * @tunnel: the tunnel
 * @password: --password: the login password even if a key is used
 * @subject: (out caller-allocates): the secret, to clear with
 *   ctl_secret_subject_clear()
 * @error: return location for an error
 */
gboolean
ctl_secret_subject_find (AsdDbusTunnel *tunnel, gboolean password, CtlSecretSubject *subject,
                         GError **error)
{
  const char *key = asd_dbus_tunnel_get_identity_file (tunnel);
  const char * const *command = asd_dbus_tunnel_get_command (tunnel);
  g_autofree char *config = NULL;

  memset (subject, 0, sizeof *subject);
  if (!password && pending (tunnel, subject))
    return TRUE;
  if (!password && key != NULL && key[0] != '\0')
    {
      subject->kind = ASD_SECRET_PASSPHRASE;
      subject->identity_file = asd_ssh_expand_path (key, error);
      return subject->identity_file != NULL;
    }
  config = ssh_config (command, error);
  if (config == NULL)
    return FALSE;
  if (!password && (subject->identity_file = encrypted_key_of (config)) != NULL)
    {
      subject->kind = ASD_SECRET_PASSPHRASE;
      return TRUE;
    }
  return login_of (config, command[0], subject, error);
}
