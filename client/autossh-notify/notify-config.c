/* notify-config.c: autossh-notify's settings, notify.conf
 *
 * $XDG_CONFIG_HOME/autosshd/notify.conf, a GKeyFile read at start and on
 * SIGHUP:
 *
 *   [Notify]
 *   Mute=web;db;      tunnels whose drops and failures are never announced
 *   MuteServer=me@lab;  servers (Destination, with User@ when set) whose
 *                     tunnels are never announced
 *   Threshold=5       seconds a drop may last before it is announced
 *
 * A missing file means the defaults.  Unknown groups or keys and bad values
 * are errors naming the key: the caller keeps its previous settings.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "notify-config.h"

#define GROUP "Notify"

/**
 * asd_notify_config_path:
 *
 * Returns: (transfer full): $XDG_CONFIG_HOME/autosshd/notify.conf
 */
char *
asd_notify_config_path (void)
{
  return g_build_filename (g_get_user_config_dir (), "autosshd", "notify.conf", NULL);
}

AsdNotifyConfig *
asd_notify_config_new_default (void)
{
  AsdNotifyConfig *self = g_new0 (AsdNotifyConfig, 1);

  self->mute = g_new0 (char *, 1);
  self->mute_servers = g_new0 (char *, 1);
  self->threshold_s = ASD_NOTIFY_DEFAULT_THRESHOLD_S;
  return self;
}

static gboolean
check_keys (GKeyFile *file, const char *path, GError **error)
{
  static const char * const known[] = { "Mute", "MuteServer", "Threshold", NULL };
  g_auto(GStrv) groups = g_key_file_get_groups (file, NULL);
  g_auto(GStrv) keys = NULL;

  for (guint i = 0; groups[i] != NULL; i++)
    if (g_strcmp0 (groups[i], GROUP) != 0)
      {
        g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_GROUP_NOT_FOUND,
                     _("%s: unknown group [%s]; only [%s] is read"), path, groups[i], GROUP);
        return FALSE;
      }
  keys = g_key_file_get_keys (file, GROUP, NULL, NULL);
  for (guint i = 0; keys != NULL && keys[i] != NULL; i++)
    if (!g_strv_contains (known, keys[i]))
      {
        g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND,
                     _("%s: unknown key %s; known keys are Mute, MuteServer and Threshold"),
                     path, keys[i]);
        return FALSE;
      }
  return TRUE;
}

static gboolean
read_threshold (GKeyFile *file, const char *path, AsdNotifyConfig *self, GError **error)
{
  g_autoptr(GError) local = NULL;
  gint value;

  if (!g_key_file_has_key (file, GROUP, "Threshold", NULL))
    return TRUE;
  value = g_key_file_get_integer (file, GROUP, "Threshold", &local);
  if (local != NULL || value < 0 || value > ASD_NOTIFY_MAX_THRESHOLD_S)
    {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                   _("%s: Threshold must be a whole number of seconds from 0 to %d"),
                   path, ASD_NOTIFY_MAX_THRESHOLD_S);
      return FALSE;
    }
  self->threshold_s = value;
  return TRUE;
}

/* A list of names (Mute, MuteServer), blanks and empty entries dropped. */
static char **
read_names (GKeyFile *file, const char *key)
{
  g_auto(GStrv) names = g_key_file_get_string_list (file, GROUP, key, NULL, NULL);
  g_autoptr(GPtrArray) kept = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; names != NULL && names[i] != NULL; i++)
    {
      g_strstrip (names[i]);
      if (names[i][0] != '\0')
        g_ptr_array_add (kept, g_strdup (names[i]));
    }
  g_ptr_array_add (kept, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&kept), FALSE);
}

/**
 * asd_notify_config_load:
 * @path: the file
 * @error: why it could not be used
 *
 * Returns: (transfer full): the settings (the defaults when the file does
 *   not exist), or %NULL with @error set when it is unreadable or wrong
 */
AsdNotifyConfig *
asd_notify_config_load (const char *path, GError **error)
{
  g_autoptr(AsdNotifyConfig) self = asd_notify_config_new_default ();
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autoptr(GError) local = NULL;

  if (!g_key_file_load_from_file (file, path, G_KEY_FILE_NONE, &local))
    {
      if (g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return g_steal_pointer (&self);
      g_set_error (error, local->domain, local->code, "%s: %s", path, local->message);
      return NULL;
    }
  if (!check_keys (file, path, error) || !read_threshold (file, path, self, error))
    return NULL;
  g_strfreev (self->mute);
  self->mute = read_names (file, "Mute");
  g_strfreev (self->mute_servers);
  self->mute_servers = read_names (file, "MuteServer");
  return g_steal_pointer (&self);
}

void
asd_notify_config_free (AsdNotifyConfig *self)
{
  if (self == NULL)
    return;
  g_strfreev (self->mute);
  g_strfreev (self->mute_servers);
  g_free (self);
}
