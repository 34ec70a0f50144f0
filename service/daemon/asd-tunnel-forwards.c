/* asd-tunnel-forwards.c: AddForward, RemoveForward, and settings changed live
 *
 * The tunnel's new settings (from Configure, AddForward or RemoveForward)
 * are offered to its keeper first: when the tunnel is connected and only
 * its forwards change, the keeper opens and closes them through ssh's
 * control connection (asd-keeper-forwards.c) and ssh keeps running.  The
 * settings are saved only once that worked; a failure (ForwardFailed)
 * leaves tunnel, forwards and file as they were.  When the change cannot
 * be made so (not connected, no control connection, more than forwards
 * change), the settings are saved and used as they always were: a
 * running ssh restarts.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "asd-mux-packet.h"
#include "asd-tunnel-private.h"

typedef struct {
  AsdTunnel *tunnel;
  GDBusMethodInvocation *invocation;
  AsdTunnelSettings *settings;
} Pending;

static void
pending_free (Pending *pending)
{
  g_object_unref (pending->tunnel);
  g_object_unref (pending->invocation);
  asd_tunnel_settings_free (pending->settings);
  g_free (pending);
}

/* Saved, then used (a running ssh restarts when it runs otherwise). */
static void
save_and_use (AsdTunnel *self, AsdTunnelSettings *settings, GDBusMethodInvocation *invocation)
{
  g_autoptr(AsdTunnelSettings) owned = settings;
  g_autoptr(GError) error = NULL;

  if (!asd_tunnel_save_settings (self, owned, &error))
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return;
    }
  asd_tunnel_reconfigure (self, g_steal_pointer (&owned));
  g_dbus_method_invocation_return_value (invocation, NULL);
}

static void
on_forwards_changed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Pending *pending = user_data;
  AsdTunnel *self = pending->tunnel;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) old_argv = NULL;

  self->forwards_changing = FALSE;
  if (!asd_keeper_change_forwards_finish (ASD_KEEPER (source), result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED))
        save_and_use (self, g_steal_pointer (&pending->settings), pending->invocation);
      else
        g_dbus_method_invocation_return_gerror (pending->invocation, error);
      pending_free (pending);
      return;
    }
  if (!asd_tunnel_save_settings (self, pending->settings, &error))
    {
      /* not saved: the forwards go back to what the file says */
      tunnel_log (self, G_LOG_LEVEL_WARNING, "%s: cannot save the new forwards: %s",
                  self->name, error->message);
      old_argv = asd_tunnel_settings_ssh_argv (self->settings, "ssh");
      asd_keeper_change_forwards_async (self->keeper, self->settings,
                                        (const char * const *) old_argv, NULL, NULL);
      g_dbus_method_invocation_return_gerror (pending->invocation, error);
      pending_free (pending);
      return;
    }
  /* the keeper has them already: nothing restarts */
  asd_tunnel_reconfigure (self, g_steal_pointer (&pending->settings));
  g_dbus_method_invocation_return_value (pending->invocation, NULL);
  pending_free (pending);
}

/**
 * asd_tunnel_change_settings:
 * @self: a tunnel whose file is not broken
 * @settings: (transfer full): its new settings, checked
 * @invocation: the call to answer (a method without results)
 *
 * See the top of the file.
 */
void
asd_tunnel_change_settings (AsdTunnel *self, AsdTunnelSettings *settings,
                            GDBusMethodInvocation *invocation)
{
  g_auto(GStrv) argv = NULL;
  Pending *pending;

  if (self->forwards_changing)
    {
      g_dbus_method_invocation_return_error (invocation, ASD_ERROR, ASD_ERROR_BUSY,
                                             _("the forwards of tunnel “%s” are being changed; try again"),
                                             self->name);
      asd_tunnel_settings_free (settings);
      return;
    }
  argv = asd_tunnel_settings_ssh_argv (settings, "ssh");
  pending = g_new0 (Pending, 1);
  pending->tunnel = g_object_ref (self);
  pending->invocation = g_object_ref (invocation);
  pending->settings = settings;
  self->forwards_changing = TRUE;
  asd_keeper_change_forwards_async (self->keeper, settings, (const char * const *) argv,
                                    on_forwards_changed, pending);
}

/* The list of @kind's forwards in @settings, or NULL for an unknown kind. */
static char ***
forwards_of (AsdTunnelSettings *settings, const char *kind)
{
  AsdMuxForwardKind k;

  if (!asd_mux_forward_kind_from_string (kind, &k))
    return NULL;
  return k == ASD_MUX_FORWARD_LOCAL ? &settings->local_forwards
         : k == ASD_MUX_FORWARD_REMOTE ? &settings->remote_forwards : &settings->dynamic_forwards;
}

/* @settings with @spec added to (@add) or removed from its @kind's
 * forwards, or NULL with @error (@changed: whether it differs). */
static gboolean
edit_forwards (AsdTunnelSettings *settings, const char *kind, const char *spec, gboolean add,
               gboolean *changed, GError **error)
{
  char ***list = forwards_of (settings, kind);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  gboolean has;

  if (list == NULL)
    {
      g_set_error (error, ASD_ERROR, ASD_ERROR_INVALID_SETTINGS,
                   _("“%s” is not a kind of forward: local, remote or dynamic"), kind);
      return FALSE;
    }
  has = *list != NULL && g_strv_contains ((const char * const *) *list, spec);
  *changed = add != has;
  if (!add && !has)
    {
      g_set_error (error, ASD_ERROR, ASD_ERROR_INVALID_SETTINGS,
                   _("the tunnel has no %s forward “%s”"), kind, spec);
      return FALSE;
    }
  for (guint i = 0; *list != NULL && (*list)[i] != NULL; i++)
    if (add || !g_str_equal ((*list)[i], spec))
      g_strv_builder_add (builder, (*list)[i]);
  if (add && !has)
    g_strv_builder_add (builder, spec);
  g_strfreev (*list);
  *list = g_strv_builder_end (builder);
  return TRUE;
}

static gboolean
handle_forward (AsdDbusTunnel *object, GDBusMethodInvocation *invocation,
                const char *kind, const char *spec, gboolean add)
{
  AsdTunnel *self = ASD_TUNNEL (object);
  g_autoptr(AsdTunnelSettings) settings = NULL;
  g_autoptr(GError) error = NULL;
  gboolean changed = FALSE;

  if (asd_tunnel_refuse_closed (self, invocation))
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  if (self->settings == NULL)
    return asd_tunnel_refuse_broken (object, invocation, TRUE);
  settings = asd_tunnel_settings_copy (self->settings);
  if (!edit_forwards (settings, kind, spec, add, &changed, &error) ||
      !asd_tunnel_settings_validate (settings, &error))
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  if (!changed)
    g_dbus_method_invocation_return_value (invocation, NULL);
  else
    asd_tunnel_change_settings (self, g_steal_pointer (&settings), invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

gboolean
asd_tunnel_handle_add_forward (AsdDbusTunnel *object, GDBusMethodInvocation *invocation,
                               const char *kind, const char *spec)
{
  return handle_forward (object, invocation, kind, spec, TRUE);
}

gboolean
asd_tunnel_handle_remove_forward (AsdDbusTunnel *object, GDBusMethodInvocation *invocation,
                                  const char *kind, const char *spec)
{
  return handle_forward (object, invocation, kind, spec, FALSE);
}
