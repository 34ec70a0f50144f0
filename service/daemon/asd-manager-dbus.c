/* asd-manager-dbus.c: the Manager's D-Bus methods
 *
 * AddTunnel, AddTunnelFromCommandLine, RemoveTunnel, GetTunnel, StartAll,
 * StopAll and Reload (see data/io.github.autosshd1.xml); the set of
 * tunnels itself, its files and its lifecycle are asd-manager.c.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "asd-error.h"
#include "asd-key-file.h"
#include "asd-manager-private.h"

/* Every method refuses once the service is exiting. */
static gboolean
refuse_exiting (AsdManager *self, GDBusMethodInvocation *invocation)
{
  if (!self->exiting)
    return FALSE;
  g_dbus_method_invocation_return_error (invocation, ASD_ERROR, ASD_ERROR_SHUTTING_DOWN,
                                         _("the service is exiting"));
  return TRUE;
}

/* A name that is free: no tunnel has it, and no file of that name waits
 * for a Reload (it would be overwritten). */
static gboolean
check_new_name (AsdManager *self, const char *name, GError **error)
{
  g_autofree char *path = NULL;

  if (!asd_tunnel_name_check (name, error))
    return FALSE;
  if (g_hash_table_contains (self->tunnels, name))
    {
      g_set_error (error, ASD_ERROR, ASD_ERROR_EXISTS,
                   _("a tunnel named “%s” exists already; remove it first or choose another name"), name);
      return FALSE;
    }
  path = asd_tunnel_store_path (self->store, name);
  if (g_file_test (path, G_FILE_TEST_EXISTS | G_FILE_TEST_IS_SYMLINK))
    {
      g_set_error (error, ASD_ERROR, ASD_ERROR_EXISTS,
                   _("%s exists already but is not loaded; call Reload to load it, or choose another name"),
                   path);
      return FALSE;
    }
  return TRUE;
}

static AsdTunnel *
find_tunnel (AsdManager *self, const char *name, GError **error)
{
  AsdTunnel *tunnel = g_hash_table_lookup (self->tunnels, name);

  if (tunnel == NULL)
    g_set_error (error, ASD_ERROR, ASD_ERROR_NOT_FOUND, _("there is no tunnel named “%s”"), name);
  return tunnel;
}

/* Saves (unless transient), exports and maybe starts a new tunnel. */
static AsdTunnel *
create_tunnel (AsdManager *self, const char *name, AsdTunnelSettings *settings,
               gboolean start, GError **error)
{
  g_autoptr(AsdTunnelSettings) owned = settings;
  AsdTunnelStore *store = owned->transient ? NULL : self->store;
  AsdTunnel *tunnel;

  if (!asd_tunnel_settings_validate (owned, error))
    return NULL;
  /* ssh would only skip a key that is not there, then ask for a secret
   * that cannot help */
  if (owned->identity_file != NULL && owned->identity_file[0] != '\0' &&
      !asd_key_file_check_readable (owned->identity_file, error))
    return NULL;
  if (store != NULL && !asd_tunnel_store_save (store, name, owned, error))
    return NULL;
  tunnel = asd_tunnel_new (name, g_steal_pointer (&owned), store);
  asd_manager_add_tunnel_object (self, tunnel);
  g_object_unref (tunnel);
  if (start)
    asd_tunnel_start (tunnel, NULL);
  return tunnel;
}

static void
complete_add (AsdDbusManager *object, GDBusMethodInvocation *invocation,
              AsdTunnel *tunnel, GError *error)
{
  g_autofree char *path = NULL;

  if (tunnel == NULL)
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return;
    }
  path = asd_tunnel_object_path (asd_tunnel_get_name (tunnel));
  asd_dbus_manager_complete_add_tunnel (object, invocation, path);
}

static gboolean
handle_add_tunnel (AsdDbusManager *object, GDBusMethodInvocation *invocation,
                   const char *name, GVariant *values, gboolean start)
{
  AsdManager *self = ASD_MANAGER (object);
  g_autoptr(AsdTunnelSettings) settings = asd_tunnel_settings_new ();
  g_autoptr(GError) error = NULL;
  AsdTunnel *tunnel = NULL;

  if (refuse_exiting (self, invocation))
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  if (check_new_name (self, name, &error) &&
      asd_tunnel_settings_apply_variant (settings, values, &error))
    tunnel = create_tunnel (self, name, g_steal_pointer (&settings), start, &error);
  complete_add (object, invocation, tunnel, error);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_add_tunnel_from_command_line (AsdDbusManager *object, GDBusMethodInvocation *invocation,
                                     const char *name, const char * const *args, gboolean start)
{
  AsdManager *self = ASD_MANAGER (object);
  g_autoptr(AsdTunnelSettings) settings = asd_tunnel_settings_new ();
  g_autoptr(GError) error = NULL;
  AsdTunnel *tunnel = NULL;

  if (refuse_exiting (self, invocation))
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  if (check_new_name (self, name, &error) &&
      asd_tunnel_settings_apply_command_line (settings, args, &error))
    tunnel = create_tunnel (self, name, g_steal_pointer (&settings), start, &error);
  complete_add (object, invocation, tunnel, error);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_remove_tunnel (AsdDbusManager *object, GDBusMethodInvocation *invocation, const char *name)
{
  AsdManager *self = ASD_MANAGER (object);
  g_autoptr(GError) error = NULL;
  AsdTunnel *tunnel = NULL;

  if (refuse_exiting (self, invocation))
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  tunnel = find_tunnel (self, name, &error);
  if (tunnel == NULL ||
      (asd_tunnel_get_store (tunnel) != NULL &&
       !asd_tunnel_store_delete (asd_tunnel_get_store (tunnel), name, &error)))
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  asd_manager_remove_tunnel_object (self, tunnel);
  asd_dbus_manager_complete_remove_tunnel (object, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_get_tunnel (AsdDbusManager *object, GDBusMethodInvocation *invocation, const char *name)
{
  g_autoptr(GError) error = NULL;
  AsdTunnel *tunnel = find_tunnel (ASD_MANAGER (object), name, &error);
  g_autofree char *path = NULL;

  if (tunnel == NULL)
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  path = asd_tunnel_object_path (name);
  asd_dbus_manager_complete_get_tunnel (object, invocation, path);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_start_all (AsdDbusManager *object, GDBusMethodInvocation *invocation)
{
  if (refuse_exiting (ASD_MANAGER (object), invocation))
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  asd_manager_for_each_tunnel (ASD_MANAGER (object), asd_manager_start_unless_broken);
  asd_dbus_manager_complete_start_all (object, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* StopAll calls wait until no ssh runs (see on_ssh_ended). */
void
asd_manager_complete_stop_alls (AsdManager *self)
{
  g_autoptr(GPtrArray) invocations = g_steal_pointer (&self->stop_all_invocations);

  self->stop_all_invocations = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < invocations->len; i++)
    asd_dbus_manager_complete_stop_all (ASD_DBUS_MANAGER (self), g_ptr_array_index (invocations, i));
}

static gboolean
handle_stop_all (AsdDbusManager *object, GDBusMethodInvocation *invocation)
{
  AsdManager *self = ASD_MANAGER (object);

  if (refuse_exiting (self, invocation))
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  asd_manager_for_each_tunnel (self, asd_tunnel_stop);
  asd_connections_end_idle (self->connections);   /* no grace: all are stopped */
  g_ptr_array_add (self->stop_all_invocations, g_object_ref (invocation));
  if (!asd_manager_any_ssh (self))
    asd_manager_complete_stop_alls (self);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_reload (AsdDbusManager *object, GDBusMethodInvocation *invocation)
{
  if (refuse_exiting (ASD_MANAGER (object), invocation))
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  asd_manager_reload (ASD_MANAGER (object), TRUE);
  asd_manager_for_each_tunnel (ASD_MANAGER (object), asd_tunnel_forget_server_address);
  asd_connections_forget_keys (ASD_MANAGER (object)->connections);
  asd_dbus_manager_complete_reload (object, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

void
asd_manager_iface_init (AsdDbusManagerIface *iface)
{
  iface->handle_add_tunnel = handle_add_tunnel;
  iface->handle_add_tunnel_from_command_line = handle_add_tunnel_from_command_line;
  iface->handle_remove_tunnel = handle_remove_tunnel;
  iface->handle_get_tunnel = handle_get_tunnel;
  iface->handle_start_all = handle_start_all;
  iface->handle_stop_all = handle_stop_all;
  iface->handle_reload = handle_reload;
}

