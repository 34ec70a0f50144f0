/* asd-tunnel-settings-file.c: a tunnel's settings in and out of key
 * files
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>
#include <string.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "asd-tunnel-settings-private.h"

static const char *
skip_blanks (const char *line)
{
  while (g_ascii_isspace (*line))
    line++;
  return line;
}

/* Whether @line (blanks skipped) is a "[group]" line as GKeyFile reads it. */
static gboolean
is_group_line (const char *line)
{
  const char *end = strchr (line, ']');

  return end != NULL && end > line + 1 && strcspn (line + 1, "[") > (gsize) (end - line - 1) &&
         *skip_blanks (end + 1) == '\0';
}

/* GKeyFile's parse errors carry no line number: finds the first line that
 * is neither blank, a comment, a [group] nor key=value after a group.
 * Returns its number (from 1) and why, or 0. */
static guint
find_bad_line (char **lines, char **reason)
{
  gboolean in_group = FALSE;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = skip_blanks (lines[i]);

      /* The line itself is not shown: the reason is published, and the
       * file may be anything (a link to a file that is not a tunnel's). */
      if (*line == '\0' || *line == '#')
        continue;
      g_strchomp (lines[i]);
      if (!g_utf8_validate (lines[i], -1, NULL))
        *reason = g_strdup (_("the line is not valid UTF-8"));
      else if (*line == '[' ? !is_group_line (line) : (*line == '=' || strchr (line, '=') == NULL))
        *reason = g_strdup (_("the line is not a key=value line, a [group] line or a # comment"));
      else if (*line != '[' && !in_group)
        *reason = g_strdup_printf (_("a key=value line comes before the [%s] line"),
                                   ASD_TUNNEL_KEYFILE_GROUP);
      else
        {
          in_group = TRUE;
          continue;
        }
      return i + 1;
    }
  return 0;
}

/* The number of the line that sets @key (the last one, as GKeyFile takes
 * it) in @group, or of the [@group] line when @key is %NULL; or 0. */
static guint
find_line (char **lines, const char *group, const char *key)
{
  g_autofree char *header = g_strdup_printf ("[%s]", group);
  gboolean in_group = FALSE;
  guint found = 0;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = skip_blanks (lines[i]);

      if (*line == '[')
        {
          in_group = g_str_has_prefix (line, header) && *skip_blanks (line + strlen (header)) == '\0';
          if (in_group && key == NULL)
            return i + 1;
        }
      else if (in_group && key != NULL && g_str_has_prefix (line, key) &&
               *skip_blanks (line + strlen (key)) == '=')
        found = i + 1;
    }
  return found;
}

static gboolean
file_error (GError **error, const char *path, guint line, const char *message)
{
  if (line > 0)
    return asd_settings_invalid (error, "%s:%u: %s", path, line, message);
  return asd_settings_invalid (error, "%s: %s", path, message);
}

/* Whether every backslash of a raw value starts an escape GKeyFile knows
 * (\s \n \t \r \\, and \; in a list).  Checked first: GLib 2.74 sets
 * its GError twice, with a warning, for a value with two bad escapes
 * (found by fuzzing). */
static gboolean
escapes_valid (const char *raw, gboolean list)
{
  for (const char *p = raw; *p != '\0'; p++)
    {
      if (*p != '\\')
        continue;
      p++;
      if (*p == '\0' || strchr (list ? "sntr\\;" : "sntr\\", *p) == NULL)
        return FALSE;
    }
  return TRUE;
}

/* Reads @key's value from the [Tunnel] group as a GVariant of its type. */
static GVariant *
read_key (GKeyFile *file, const Key *key, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *raw = g_key_file_get_value (file, ASD_TUNNEL_KEYFILE_GROUP, key->name, NULL);
  g_autofree char *text = NULL;
  g_auto(GStrv) list = NULL;
  gboolean boolean;
  guint number;

  if ((key->type[0] == 's' || key->type[0] == 'a') && !escapes_valid (raw, key->type[0] == 'a'))
    {
      asd_settings_invalid (error, _("%s has a backslash that starts no escape a tunnel file knows (\\s, \\n, \\t, \\r, \\\\, and \\; in lists)"),
                            key->name);
      return NULL;
    }
  if (!g_utf8_validate (raw, -1, NULL))
    {
      asd_settings_invalid (error, _("%s is not valid UTF-8"), key->name);
      return NULL;
    }
  switch (key->type[0])
    {
    case 's':
      text = g_key_file_get_string (file, ASD_TUNNEL_KEYFILE_GROUP, key->name, &local_error);
      if (text != NULL)
        return g_variant_new_string (text);
      break;
    case 'a':
      list = g_key_file_get_string_list (file, ASD_TUNNEL_KEYFILE_GROUP, key->name, NULL, &local_error);
      if (local_error == NULL)
        return g_variant_new_strv ((const char * const *) list, -1);
      break;
    case 'b':
      boolean = g_key_file_get_boolean (file, ASD_TUNNEL_KEYFILE_GROUP, key->name, &local_error);
      if (local_error == NULL)
        return g_variant_new_boolean (boolean);
      text = asd_settings_shown (raw);
      asd_settings_invalid (error, _("%s “%s” is not true or false"), key->name, text);
      return NULL;
    default:
      if (!asd_settings_parse_number (key, g_strstrip (raw), &number, error))
        return NULL;
      return key->type[0] == 'q' ? g_variant_new_uint16 (number) : g_variant_new_uint32 (number);
    }
  /* not GLib's message: it quotes the value, and the file may be anything */
  g_debug ("%s: %s", key->name, local_error->message);
  asd_settings_invalid (error, _("%s cannot be read"), key->name);
  return NULL;
}

static gboolean
check_groups (GKeyFile *file, char **lines, const char *path, GError **error)
{
  g_auto(GStrv) groups = g_key_file_get_groups (file, NULL);

  for (guint i = 0; groups[i] != NULL; i++)
    if (strcmp (groups[i], ASD_TUNNEL_KEYFILE_GROUP) != 0)
      {
        g_autofree char *message = g_strdup_printf (_("unknown group [%s]: a tunnel's file has only [%s]"),
                                                    groups[i], ASD_TUNNEL_KEYFILE_GROUP);
        return file_error (error, path, find_line (lines, groups[i], NULL), message);
      }
  if (groups[0] == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("there is no [%s] group"), ASD_TUNNEL_KEYFILE_GROUP);
      return file_error (error, path, 0, message);
    }
  return TRUE;
}

static gboolean
read_keys (AsdTunnelSettings *settings, GKeyFile *file, char **lines, const char *path, GError **error)
{
  g_auto(GStrv) names = g_key_file_get_keys (file, ASD_TUNNEL_KEYFILE_GROUP, NULL, NULL);
  const char *culprit = NULL;
  g_autoptr(GError) local_error = NULL;
  guint line;

  for (guint i = 0; names[i] != NULL; i++)
    {
      const Key *key = asd_settings_lookup_key (names[i], &local_error);
      g_autoptr(GVariant) value = NULL;

      if (key != NULL && (value = read_key (file, key, &local_error)) != NULL)
        g_variant_ref_sink (value);
      if (value == NULL || !asd_settings_set_value (settings, key, value, &local_error))
        return file_error (error, path, find_line (lines, ASD_TUNNEL_KEYFILE_GROUP, names[i]),
                           local_error->message);
    }
  if (asd_settings_check_whole (settings, &culprit, &local_error))
    return TRUE;
  line = culprit != NULL ? find_line (lines, ASD_TUNNEL_KEYFILE_GROUP, culprit) : 0;
  return file_error (error, path, line, local_error->message);
}

static gboolean
errno_error (GError **error, const char *path, int saved_errno)
{
  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
               _("cannot read %s: %s"), path, g_strerror (saved_errno));
  return FALSE;
}

/* Reads what the open @fd holds, up to one byte more than the bound. */
static gssize
read_all (int fd, char *buffer, gsize size)
{
  gsize n = 0;

  while (n < size)
    {
      gssize got = read (fd, buffer + n, size - n);

      if (got < 0 && errno == EINTR)
        continue;
      if (got < 0)
        return -1;
      if (got == 0)
        break;
      n += got;
    }
  return n;
}

/* Reads @path if it is a regular file (a link to one is fine) of at most
 * ASD_TUNNEL_FILE_MAX bytes: a FIFO, a device or a huge file in the
 * tunnels directory must not block or exhaust the service.  Opened
 * non-blocking, and checked again once open (it may have been swapped). */
static gboolean
read_bounded (const char *path, char **text, gsize *length, GError **error)
{
  g_autofree char *buffer = NULL;
  struct stat before, after;
  gssize n;
  int fd;

  if (g_stat (path, &before) != 0)
    return errno_error (error, path, errno);
  if (!S_ISREG (before.st_mode))
    return file_error (error, path, 0, _("not a regular file"));
  if (before.st_size > ASD_TUNNEL_FILE_MAX)
    return file_error (error, path, 0, _("the file is too large for a tunnel's file"));
  fd = g_open (path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, 0);
  if (fd < 0)
    return errno_error (error, path, errno);
  if (fstat (fd, &after) != 0 || !S_ISREG (after.st_mode) ||
      after.st_ino != before.st_ino || after.st_dev != before.st_dev)
    {
      g_close (fd, NULL);
      return file_error (error, path, 0, _("not a regular file"));
    }
  buffer = g_malloc (ASD_TUNNEL_FILE_MAX + 2);
  n = read_all (fd, buffer, ASD_TUNNEL_FILE_MAX + 1);
  if (n < 0)
    {
      int saved_errno = errno;

      g_close (fd, NULL);
      return errno_error (error, path, saved_errno);
    }
  g_close (fd, NULL);
  if (n > ASD_TUNNEL_FILE_MAX)
    return file_error (error, path, 0, _("the file is too large for a tunnel's file"));
  buffer[n] = '\0';
  *length = n;
  *text = g_steal_pointer (&buffer);
  return TRUE;
}

/**
 * asd_tunnel_settings_load:
 * @path: a tunnel's key file
 * @error: return location for a #GFileError when the file cannot be read,
 *   or an %ASD_ERROR_INVALID_SETTINGS error that names the file, the line
 *   where it can, and the reason
 *
 * Reads the [Tunnel] group: the keys of asd_tunnel_settings_apply_variant(),
 * lists as string lists, numbers as integers, true or false.  Unknown
 * groups and keys, bad values and missing settings are errors.
 *
 * Returns: (transfer full): the settings, or %NULL
 */
AsdTunnelSettings *
asd_tunnel_settings_load (const char *path, GError **error)
{
  g_autoptr(AsdTunnelSettings) settings = asd_tunnel_settings_new ();
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autoptr(GError) local_error = NULL;
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  gsize length = 0;

  if (!read_bounded (path, &text, &length, error))
    return NULL;
  lines = g_strsplit (text, "\n", -1);
  if (!g_key_file_load_from_data (file, text, length, G_KEY_FILE_NONE, &local_error))
    {
      g_autofree char *reason = NULL;
      guint line = find_bad_line (lines, &reason);

      file_error (error, path, line, line > 0 ? reason : local_error->message);
      return NULL;
    }
  if (!check_groups (file, lines, path, error) ||
      !read_keys (settings, file, lines, path, error))
    return NULL;
  return g_steal_pointer (&settings);
}

/**
 * asd_tunnel_settings_parse_file_value:
 * @name: a settings key
 * @text: its value as a line "NAME=TEXT" of a tunnel file would give it
 *   (blanks around it are dropped, as in a file)
 * @error: return location for an %ASD_ERROR_INVALID_SETTINGS error that
 *   names the key
 *
 * Reads one value by the rules of asd_tunnel_settings_load(): lists
 * split at ";", true or false, decimal numbers, the file's escapes; and
 * checks it as asd_tunnel_settings_apply_variant() checks one key.  Rules
 * about the settings as a whole are left to the caller.
 *
 * Returns: (transfer full): the value, of the key's D-Bus type, or %NULL
 */
GVariant *
asd_tunnel_settings_parse_file_value (const char *name, const char *text, GError **error)
{
  g_autoptr(AsdTunnelSettings) scratch = asd_tunnel_settings_new ();
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autofree char *raw = g_strstrip (g_strdup (text));
  g_autoptr(GVariant) value = NULL;
  const Key *key = asd_settings_lookup_key (name, error);

  if (key == NULL)
    return NULL;
  if (!g_utf8_validate (raw, -1, NULL) || strpbrk (raw, "\r\n") != NULL)
    {
      asd_settings_invalid (error, _("%s: a value is one line of UTF-8 text (write a line break as \\n)"),
                            key->name);
      return NULL;
    }
  g_key_file_set_value (file, ASD_TUNNEL_KEYFILE_GROUP, key->name, raw);
  value = read_key (file, key, error);
  if (value == NULL)
    return NULL;
  g_variant_ref_sink (value);
  if (!asd_settings_set_value (scratch, key, value, error))
    return NULL;
  return g_steal_pointer (&value);
}

static void
write_key (GKeyFile *file, const Key *key, GVariant *value)
{
  g_autofree const char **list = NULL;

  switch (key->type[0])
    {
    case 's':
      g_key_file_set_string (file, ASD_TUNNEL_KEYFILE_GROUP, key->name, g_variant_get_string (value, NULL));
      break;
    case 'a':
      list = g_variant_get_strv (value, NULL);
      g_key_file_set_string_list (file, ASD_TUNNEL_KEYFILE_GROUP, key->name, list, g_strv_length ((char **) list));
      break;
    case 'b':
      g_key_file_set_boolean (file, ASD_TUNNEL_KEYFILE_GROUP, key->name, g_variant_get_boolean (value));
      break;
    case 'q':
      g_key_file_set_uint64 (file, ASD_TUNNEL_KEYFILE_GROUP, key->name, g_variant_get_uint16 (value));
      break;
    default:
      g_key_file_set_uint64 (file, ASD_TUNNEL_KEYFILE_GROUP, key->name, g_variant_get_uint32 (value));
      break;
    }
}

/**
 * asd_tunnel_settings_save:
 * @settings: valid settings
 * @path: the tunnel's key file
 * @error: return location for a #GFileError
 *
 * Writes Destination and every key that differs from its default (never
 * Transient) atomically, mode 0600, creating the directory (0700) if
 * needed.
 *
 * Returns: whether the file was written
 */
gboolean
asd_tunnel_settings_save (const AsdTunnelSettings *settings, const char *path, GError **error)
{
  g_autoptr(AsdTunnelSettings) defaults = asd_tunnel_settings_new ();
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *data = NULL;
  gsize length = 0;

  for (guint i = 0; i < asd_settings_n_keys; i++)
    {
      const Key *key = &asd_settings_keys[i];
      g_autoptr(GVariant) value = g_variant_ref_sink (asd_settings_get_value (settings, key));
      g_autoptr(GVariant) fallback = g_variant_ref_sink (asd_settings_get_value (defaults, key));

      if (key->offset == G_STRUCT_OFFSET (AsdTunnelSettings, transient) ||
          (key->required == NULL && g_variant_equal (value, fallback)))
        continue;
      write_key (file, key, value);
    }
  data = g_key_file_to_data (file, &length, NULL);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   _("Cannot create %s: %s"), dir, g_strerror (saved_errno));
      return FALSE;
    }
  return g_file_set_contents_full (path, data, length, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
}
