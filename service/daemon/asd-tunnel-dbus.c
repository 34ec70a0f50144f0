/* asd-tunnel-dbus.c: a tunnel's D-Bus methods and property writes
 *
 * The handlers of io.github.autosshd1.Tunnel's methods (the state ×
 * method table is in data/io.github.autosshd1.xml; GetLog reads the
 * tunnel's log, asd-tunnel-log) and the write of its
 * AutoStart property, which is saved first and can fail.  The object
 * itself, and what the keeper tells it, is asd-tunnel.c.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "asd-error.h"
#include "asd-fingerprint.h"
#include "asd-key-file.h"
#include "asd-tunnel-private.h"

gboolean
asd_tunnel_save_settings (AsdTunnel *self, const AsdTunnelSettings *settings, GError **error)
{
  return self->store == NULL || asd_tunnel_store_save (self->store, self->name, settings, error);
}

/* Sets @error when the tunnel takes no calls (removed, or the service exits). */
static gboolean
check_open (AsdTunnel *self, GError **error)
{
  if (!self->refusing)
    return TRUE;
  if (self->refusal == ASD_ERROR_BUSY)
    g_set_error (error, ASD_ERROR, ASD_ERROR_BUSY,
                 _("the tunnel “%s” is being removed; try again"), self->name);
  else
    g_set_error (error, ASD_ERROR, self->refusal, _("the service is exiting"));
  return FALSE;
}

/* Answers @invocation with the refusal when the tunnel takes no calls. */
gboolean
asd_tunnel_refuse_closed (AsdTunnel *self, GDBusMethodInvocation *invocation)
{
  g_autoptr(GError) error = NULL;

  if (check_open (self, &error))
    return FALSE;
  g_dbus_method_invocation_return_gerror (invocation, error);
  return TRUE;
}

/* The file is broken: says why, and with @hint what to do. */
gboolean
asd_tunnel_refuse_broken (AsdDbusTunnel *object, GDBusMethodInvocation *invocation, gboolean hint)
{
  const char *reason = asd_dbus_tunnel_get_state_reason (object);

  if (hint)
    g_dbus_method_invocation_return_error (invocation, ASD_ERROR, ASD_ERROR_BROKEN_CONFIG,
                                           _("%s; fix the file, then call Reload"), reason);
  else
    g_dbus_method_invocation_return_error (invocation, ASD_ERROR, ASD_ERROR_BROKEN_CONFIG, "%s", reason);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_start (AsdDbusTunnel *object, GDBusMethodInvocation *invocation)
{
  g_autoptr(GError) error = NULL;

  if (asd_tunnel_refuse_closed (ASD_TUNNEL (object), invocation))
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  if (!asd_tunnel_start (ASD_TUNNEL (object), &error))
    g_dbus_method_invocation_return_gerror (invocation, error);
  else
    asd_dbus_tunnel_complete_start (object, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_stop (AsdDbusTunnel *object, GDBusMethodInvocation *invocation)
{
  AsdTunnel *self = ASD_TUNNEL (object);

  if (asd_tunnel_refuse_closed (self, invocation))
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  asd_tunnel_stop (self);
  if (asd_keeper_has_ssh (self->keeper))
    g_ptr_array_add (self->stop_invocations, g_object_ref (invocation));
  else
    asd_dbus_tunnel_complete_stop (object, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_restart (AsdDbusTunnel *object, GDBusMethodInvocation *invocation)
{
  AsdTunnel *self = ASD_TUNNEL (object);

  if (asd_tunnel_refuse_closed (self, invocation))
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  if (self->settings == NULL)
    return asd_tunnel_refuse_broken (object, invocation, FALSE);
  asd_keeper_restart (self->keeper);   /* a retrying one tries now, keeping its counts */
  asd_dbus_tunnel_complete_restart (object, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
on_probe_answered (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GDBusMethodInvocation) invocation = user_data;
  g_autoptr(GError) error = NULL;
  guint64 latency = 0;

  if (!asd_keeper_probe_finish (ASD_KEEPER (source), result, &latency, &error))
    g_dbus_method_invocation_return_gerror (invocation, error);
  else
    g_dbus_method_invocation_return_value (invocation, g_variant_new ("(t)", latency));
}

/* Replies when the keeper's probe has ended (calls share one probe). */
static gboolean
handle_probe (AsdDbusTunnel *object, GDBusMethodInvocation *invocation)
{
  AsdTunnel *self = ASD_TUNNEL (object);

  if (asd_tunnel_refuse_closed (self, invocation))
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  if (self->settings == NULL)
    return asd_tunnel_refuse_broken (object, invocation, FALSE);
  asd_keeper_probe_async (self->keeper, NULL, on_probe_answered, g_object_ref (invocation));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* Transient is chosen once, by AddTunnel: a file appearing or vanishing
 * under a running tunnel would surprise whoever chose. */
static gboolean
keeps_transient (AsdTunnel *self, const AsdTunnelSettings *settings, GError **error)
{
  if (settings->transient == self->settings->transient)
    return TRUE;
  g_set_error (error, ASD_ERROR, ASD_ERROR_INVALID_SETTINGS,
               _("Transient is chosen when a tunnel is added: to change it, remove tunnel “%s” and add it again"),
               self->name);
  return FALSE;
}

/* A new IdentityFile must be there, as for AddTunnel; one that is not
 * changed is left to the tunnel's failures (it may come back). */
static gboolean
key_file_usable (AsdTunnel *self, const AsdTunnelSettings *settings, GError **error)
{
  const char *key = settings->identity_file;

  if (key == NULL || key[0] == '\0' || g_strcmp0 (key, self->settings->identity_file) == 0)
    return TRUE;
  return asd_key_file_check_readable (key, error);
}

static gboolean
handle_configure (AsdDbusTunnel *object, GDBusMethodInvocation *invocation, GVariant *changes)
{
  AsdTunnel *self = ASD_TUNNEL (object);
  g_autoptr(AsdTunnelSettings) settings = NULL;
  g_autoptr(GError) error = NULL;

  if (asd_tunnel_refuse_closed (self, invocation))
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  if (self->settings == NULL)
    return asd_tunnel_refuse_broken (object, invocation, TRUE);
  settings = asd_tunnel_settings_copy (self->settings);
  if (!asd_tunnel_settings_apply_variant (settings, changes, &error) ||
      !asd_tunnel_settings_validate (settings, &error) ||
      !key_file_usable (self, settings, &error) ||
      !keeps_transient (self, settings, &error))
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  /* only forwards of a connected tunnel: changed without a restart */
  asd_tunnel_change_settings (self, g_steal_pointer (&settings), invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* While ssh's offer is known, only its fingerprint is approved. */
static gboolean
matches_pending (AsdTunnel *self, const char *fingerprint, GError **error)
{
  const char *offered = asd_tunnel_pending_fingerprint (self);
  g_autofree char *shown = NULL;

  if (offered == NULL || g_strcmp0 (offered, fingerprint) == 0)
    return TRUE;
  shown = g_utf8_make_valid (fingerprint, MIN (strlen (fingerprint), 256));
  g_set_error (error, ASD_ERROR, ASD_ERROR_HOST_KEY_MISMATCH,
               _("the server of tunnel “%s” offered the host key %s, not %s: nothing was approved"),
               self->name, offered, shown);
  return FALSE;
}

static gboolean
handle_trust_host_key (AsdDbusTunnel *object, GDBusMethodInvocation *invocation, const char *fingerprint)
{
  AsdTunnel *self = ASD_TUNNEL (object);
  g_autoptr(AsdTunnelSettings) settings = NULL;
  g_autoptr(GError) error = NULL;
  gboolean was_failed = asd_tunnel_state_from_string (asd_dbus_tunnel_get_state (object), NULL) == ASD_TUNNEL_STATE_FAILED;
  g_autoptr(GVariantDict) change = g_variant_dict_new (NULL);

  if (asd_tunnel_refuse_closed (self, invocation))
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  if (self->settings == NULL)
    return asd_tunnel_refuse_broken (object, invocation, TRUE);
  if (!matches_pending (self, fingerprint, &error))
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  g_variant_dict_insert (change, "TrustedHostKey", "s", fingerprint);
  settings = asd_tunnel_settings_copy (self->settings);
  if (!asd_fingerprint_is_valid (fingerprint) ||
      !asd_tunnel_settings_apply_variant (settings, g_variant_dict_end (change), &error) ||
      !asd_tunnel_save_settings (self, settings, &error))
    {
      if (error == NULL)
        g_set_error (&error, ASD_ERROR, ASD_ERROR_INVALID_SETTINGS,
                     _("“%s” is not a host key fingerprint: expected SHA256: and 43 characters, as ssh shows it"),
                     fingerprint);
      g_dbus_method_invocation_return_gerror (invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  asd_tunnel_record (self, ASD_LOG_KIND_CONFIG,
                     g_variant_new_parsed ("{%s: <%s>}", ASD_DETAIL_FINGERPRINT, fingerprint));
  asd_tunnel_reconfigure (self, g_steal_pointer (&settings));
  if (was_failed)
    asd_tunnel_start (self, NULL);
  asd_dbus_tunnel_complete_trust_host_key (object, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* The newest @max entries of the tunnel's log (0: all it keeps). */
static gboolean
handle_get_log (AsdDbusTunnel *object, GDBusMethodInvocation *invocation, guint max)
{
  AsdTunnel *self = ASD_TUNNEL (object);

  if (asd_tunnel_refuse_closed (self, invocation))
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  asd_dbus_tunnel_complete_get_log (object, invocation, asd_tunnel_log_get (self->log, max));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

void
asd_tunnel_iface_init (AsdDbusTunnelIface *iface_)
{
  iface_->handle_get_log = handle_get_log;
  iface_->handle_trust_host_key = handle_trust_host_key;
  iface_->handle_start = handle_start;
  iface_->handle_stop = handle_stop;
  iface_->handle_restart = handle_restart;
  iface_->handle_probe = handle_probe;
  iface_->handle_configure = handle_configure;
  iface_->handle_add_forward = asd_tunnel_handle_add_forward;
  iface_->handle_remove_forward = asd_tunnel_handle_remove_forward;
}

/* AutoStart written over D-Bus: saved to the tunnel's file first; a write
 * that cannot be saved fails and changes nothing. */
gboolean
asd_tunnel_write_auto_start (AsdTunnel *self, gboolean value, GError **error)
{
  g_autoptr(AsdTunnelSettings) settings = NULL;

  if (!check_open (self, error))
    return FALSE;
  if (self->settings == NULL)
    {
      g_set_error (error, ASD_ERROR, ASD_ERROR_BROKEN_CONFIG, _("%s; fix the file, then call Reload"),
                   asd_dbus_tunnel_get_state_reason (iface (self)));
      return FALSE;
    }
  if (self->settings->auto_start != value)
    {
      settings = asd_tunnel_settings_copy (self->settings);
      settings->auto_start = value;
      if (!asd_tunnel_save_settings (self, settings, error))
        {
          tunnel_log (self, G_LOG_LEVEL_WARNING, "%s: cannot save AutoStart: %s", self->name, (*error)->message);
          return FALSE;
        }
      self->settings->auto_start = value;
      asd_dbus_tunnel_set_settings (iface (self), asd_tunnel_settings_to_variant (self->settings));
    }
  asd_dbus_tunnel_set_auto_start (iface (self), value);
  return TRUE;
}

