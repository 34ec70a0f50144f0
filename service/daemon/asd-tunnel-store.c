/* asd-tunnel-store.c: the tunnels' files
 *
 * One object owns the tunnels directory (one GKeyFile NAME.conf per
 * tunnel), as bolt's store owns its devices' files: it lists the tunnels
 * that have a file, reads one, writes one (atomically, mode 0600) and
 * deletes one.  The manager asks it what is on disk; a tunnel saves its
 * changed settings through it.  A file that cannot be read is reported
 * with its path, line and reason, and the store never writes it unless
 * asked to save new settings for that name.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "asd-error.h"
#include "asd-tunnel-store.h"

#define SUFFIX ".conf"

struct _AsdTunnelStore
{
  GObject parent_instance;

  char *dir;
};

G_DEFINE_TYPE (AsdTunnelStore, asd_tunnel_store, G_TYPE_OBJECT)

static void
asd_tunnel_store_finalize (GObject *object)
{
  g_free (ASD_TUNNEL_STORE (object)->dir);

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

/**
 * asd_tunnel_store_list:
 * @self: a store
 *
 * The tunnels that have a file: every NAME.conf whose NAME is a valid
 * tunnel name (a file with another name is logged and ignored; files
 * without .conf are not tunnels).  A directory that does not exist holds
 * no tunnels.
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
 * mode 0600, making the directory if needed.
 *
 * Returns: whether the file was written
 */
gboolean
asd_tunnel_store_save (AsdTunnelStore *self, const char *name,
                       const AsdTunnelSettings *settings, GError **error)
{
  g_autofree char *path = asd_tunnel_store_path (self, name);

  g_return_val_if_fail (path != NULL && settings != NULL, FALSE);

  if (asd_tunnel_settings_save (settings, path, error))
    return TRUE;
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
    return TRUE;
  saved_errno = errno;
  g_set_error (error, ASD_ERROR, ASD_ERROR_FAILED, _("cannot remove %s: %s"),
               path, g_strerror (saved_errno));
  return FALSE;
}
