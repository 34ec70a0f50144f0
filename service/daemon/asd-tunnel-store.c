/* asd-tunnel-store.c: the tunnels' files
 *
 * One object owns the tunnels directory (one GKeyFile NAME.conf per
 * tunnel), as bolt's store owns its devices' files: it lists the tunnels
 * that have a file, reads one, writes one (atomically, mode 0600) and
 * deletes one.  The manager asks it what is on disk; a tunnel saves its
 * changed settings through it.  A file that cannot be read is reported
 * with its path, line and reason, and the store never writes it unless
 * asked to save new settings for that name, and never over a file that
 * changed on disk since the store last read or wrote it (a hand edit not
 * reloaded yet is not clobbered: the save fails and says to Reload).
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "asd-error.h"
#include "asd-tunnel-store.h"

#define SUFFIX ".conf"

/* What a file was when the store last read or wrote it. */
typedef struct {
  dev_t dev;
  ino_t ino;
  goffset size;
  gint64 mtime_ns;
} Seen;

struct _AsdTunnelStore
{
  GObject parent_instance;

  char *dir;
  GHashTable *seen;              /* name → Seen */
};

G_DEFINE_TYPE (AsdTunnelStore, asd_tunnel_store, G_TYPE_OBJECT)

static void
asd_tunnel_store_finalize (GObject *object)
{
  g_free (ASD_TUNNEL_STORE (object)->dir);
  g_hash_table_unref (ASD_TUNNEL_STORE (object)->seen);

  G_OBJECT_CLASS (asd_tunnel_store_parent_class)->finalize (object);
}

static void
asd_tunnel_store_class_init (AsdTunnelStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = asd_tunnel_store_finalize;
}

static void
asd_tunnel_store_init (AsdTunnelStore *self)
{
  self->seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

/* @path's identity now; FALSE when it is not there. */
static gboolean
look_at (const char *path, Seen *seen)
{
  GStatBuf st;

  if (g_stat (path, &st) != 0)
    return FALSE;
  *seen = (Seen) { st.st_dev, st.st_ino, st.st_size,
                   (gint64) st.st_mtim.tv_sec * G_GINT64_CONSTANT (1000000000) + st.st_mtim.tv_nsec };
  return TRUE;
}

static void
remember (AsdTunnelStore *self, const char *name, const char *path)
{
  Seen now;

  if (look_at (path, &now))
    g_hash_table_insert (self->seen, g_strdup (name), g_memdup2 (&now, sizeof now));
  else
    g_hash_table_remove (self->seen, name);
}

/* Whether @path is as the store left it (or not there, as it knows). */
static gboolean
unchanged (AsdTunnelStore *self, const char *name, const char *path)
{
  const Seen *then = g_hash_table_lookup (self->seen, name);
  Seen now;

  if (!look_at (path, &now))
    return TRUE;
  return then != NULL && then->dev == now.dev && then->ino == now.ino &&
         then->size == now.size && then->mtime_ns == now.mtime_ns;
}

/**
 * asd_tunnel_store_new:
 * @dir: the tunnels directory; made when the first tunnel is saved
 *
 * Returns: (transfer full): a store
 */
AsdTunnelStore *
asd_tunnel_store_new (const char *dir)
{
  AsdTunnelStore *self;

  g_return_val_if_fail (dir != NULL, NULL);

  self = g_object_new (ASD_TYPE_TUNNEL_STORE, NULL);
  self->dir = g_strdup (dir);
  return self;
}

const char *
asd_tunnel_store_get_dir (AsdTunnelStore *self)
{
  g_return_val_if_fail (ASD_IS_TUNNEL_STORE (self), NULL);

  return self->dir;
}

/**
 * asd_tunnel_store_path:
 * @self: a store
 * @name: a valid tunnel name
 *
 * Returns: (transfer full): the path of @name's file
 */
char *
asd_tunnel_store_path (AsdTunnelStore *self, const char *name)
{
  g_autofree char *file = NULL;

  g_return_val_if_fail (ASD_IS_TUNNEL_STORE (self), NULL);
  g_return_val_if_fail (asd_tunnel_name_is_valid (name), NULL);

  file = g_strconcat (name, SUFFIX, NULL);
  return g_build_filename (self->dir, file, NULL);
}

static gint
compare_names (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

/* NAME.conf.XXXXXX: the temporary file of a save that a kill -9 cut short
 * (g_file_set_contents() writes there, then renames). */
static gboolean
is_leftover (const char *file)
{
  const char *dot = strrchr (file, '.');
  g_autofree char *base = dot != NULL ? g_strndup (file, dot - file) : NULL;

  if (dot == NULL || strlen (dot + 1) != 6 || !g_str_has_suffix (base, SUFFIX))
    return FALSE;
  for (const char *c = dot + 1; *c != '\0'; c++)
    if (!g_ascii_isalnum (*c))
      return FALSE;
  base[strlen (base) - strlen (SUFFIX)] = '\0';
  return asd_tunnel_name_is_valid (base);
}

/**
 * asd_tunnel_store_list:
 * @self: a store
 *
 * The tunnels that have a file: every NAME.conf whose NAME is a valid
 * tunnel name (a file with another name is logged and ignored; files
 * without .conf are not tunnels).  A directory that does not exist holds
 * no tunnels.  Temporary files of saves cut short (NAME.conf.XXXXXX) are
 * removed.
 *
 * Returns: (transfer full) (element-type utf8): the names, sorted
 */
GPtrArray *
asd_tunnel_store_list (AsdTunnelStore *self)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GDir) dir = NULL;
  const char *file;

  g_return_val_if_fail (ASD_IS_TUNNEL_STORE (self), NULL);

  dir = g_dir_open (self->dir, 0, NULL);
  while (dir != NULL && (file = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *name = NULL;

      if (is_leftover (file))
        {
          g_autofree char *path = g_build_filename (self->dir, file, NULL);

          g_message ("removing %s, left by a save that was cut short", path);
          g_unlink (path);
          continue;
        }
      if (!g_str_has_suffix (file, SUFFIX))
        continue;
      name = g_strndup (file, strlen (file) - strlen (SUFFIX));
      if (!asd_tunnel_name_is_valid (name))
        {
          g_warning ("ignoring %s/%s: “%s” is not a valid tunnel name ([A-Za-z0-9_-]{1,64})",
                     self->dir, file, name);
          continue;
        }
      g_ptr_array_add (names, g_steal_pointer (&name));
    }
  g_ptr_array_sort (names, compare_names);
  return g_steal_pointer (&names);
}

/**
 * asd_tunnel_store_load:
 * @self: a store
 * @name: a valid tunnel name
 * @error: return location for a #GFileError (the file cannot be read) or
 *   an %ASD_ERROR_INVALID_SETTINGS error naming the file, the line and
 *   the reason
 *
 * Returns: (transfer full): @name's settings, or %NULL
 */
AsdTunnelSettings *
asd_tunnel_store_load (AsdTunnelStore *self, const char *name, GError **error)
{
  g_autofree char *path = asd_tunnel_store_path (self, name);

  g_return_val_if_fail (path != NULL, NULL);

  remember (self, name, path);
  return asd_tunnel_settings_load (path, error);
}

/**
 * asd_tunnel_store_save:
 * @self: a store
 * @name: a valid tunnel name
 * @settings: what to write
 * @error: return location for an %ASD_ERROR error
 *
 * Writes @name's file atomically (a new file renamed over the old one),
 * mode 0600, making the directory if needed.  A file that changed on disk
 * since the store read or wrote it is left as it is: %ASD_ERROR_FAILED
 * says to Reload first.
 *
 * Returns: whether the file was written
 */
gboolean
asd_tunnel_store_save (AsdTunnelStore *self, const char *name,
                       const AsdTunnelSettings *settings, GError **error)
{
  g_autofree char *path = asd_tunnel_store_path (self, name);

  g_return_val_if_fail (path != NULL && settings != NULL, FALSE);

  if (!unchanged (self, name, path))
    {
      g_set_error (error, ASD_ERROR, ASD_ERROR_FAILED,
                   _("%s changed on disk since autosshd read it; call Reload to take the change, then try again"),
                   path);
      return FALSE;
    }
  if (asd_tunnel_settings_save (settings, path, error))
    {
      remember (self, name, path);
      return TRUE;
    }
  asd_error_ensure_domain (error);
  return FALSE;
}

/**
 * asd_tunnel_store_delete:
 * @self: a store
 * @name: a valid tunnel name
 * @error: return location for an %ASD_ERROR error
 *
 * Deletes @name's file; a file that is not there is no error.
 *
 * Returns: whether no file of @name is left
 */
gboolean
asd_tunnel_store_delete (AsdTunnelStore *self, const char *name, GError **error)
{
  g_autofree char *path = asd_tunnel_store_path (self, name);
  int saved_errno;

  g_return_val_if_fail (path != NULL, FALSE);

  if (g_unlink (path) == 0 || errno == ENOENT)
    {
      g_hash_table_remove (self->seen, name);
      return TRUE;
    }
  saved_errno = errno;
  g_set_error (error, ASD_ERROR, ASD_ERROR_FAILED, _("cannot remove %s: %s"),
               path, g_strerror (saved_errno));
  return FALSE;
}
