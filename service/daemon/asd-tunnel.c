/* asd-tunnel.c: one tunnel, a D-Bus object that keeps an ssh running
 *
 * The tunnel is what clients see of one tunnel: its properties, its
 * methods (Start, Stop, Restart, Probe, Configure, TrustHostKey: their
 * handlers are in asd-tunnel-dbus.c) and its
 * StateChanged, Dropped and Reconnected signals.  It owns the settings —
 * %NULL while the tunnel's file is broken; saved to the file when
 * Configure, TrustHostKey or a written AutoStart change them, before they
 * change (a write of AutoStart goes through our own property setter, as
 * the generated one cannot fail) — and leaves
 * ssh to its AsdKeeper (asd-keeper), which runs it, reads why it went down
 * and decides when to try again.  The keeper's properties are bound to
 * the tunnel's D-Bus properties, and its signals become D-Bus signals.
 * What happens to the tunnel is told in one place, asd_tunnel_record():
 * to the service's log, and to the tunnel's own (asd-tunnel-log: GetLog,
 * LogEntry).
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <string.h>

#include "asd-enums.h"
#include "asd-error.h"
#include "asd-log.h"
#include "asd-keeper.h"
#include "asd-tunnel.h"
#include "asd-tunnel-private.h"
#include "asd-tunnel-askpass.h"
#include "asd-authorized-skeleton.h"

enum {
  SIGNAL_SSH_ENDED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_TYPE_WITH_CODE (AsdTunnel, asd_tunnel, ASD_DBUS_TYPE_TUNNEL_SKELETON,
                         G_IMPLEMENT_INTERFACE (ASD_DBUS_TYPE_TUNNEL, asd_tunnel_iface_init))

/* How loud an entry of @kind is in the service's log. */
static GLogLevelFlags
level_of (const char *kind)
{
  if (g_str_equal (kind, ASD_LOG_KIND_STATE) || g_str_equal (kind, ASD_LOG_KIND_CONFIG))
    return G_LOG_LEVEL_MESSAGE;
  if (g_str_equal (kind, ASD_LOG_KIND_SSH_EXITED))
    return G_LOG_LEVEL_INFO;
  return G_LOG_LEVEL_DEBUG;
}

/**
 * asd_tunnel_record:
 * @self: a tunnel
 * @kind: what happened (ASD_LOG_KIND_STATE, ...)
 * @details: its details (asd-log-entry.h), an a{sv}, sunk if floating
 *
 * Tells an event of the tunnel: in the service's log as "NAME: KIND:
 * MESSAGE" (with a TUNNEL field), in the tunnel's log, and as LogEntry.
 */
void
asd_tunnel_record (AsdTunnel *self, const char *kind, GVariant *details)
{
  g_autoptr(GVariant) owned = g_variant_ref_sink (details);
  g_autofree char *message = asd_log_entry_describe (kind, owned, NULL);
  g_autoptr(GVariant) stored = NULL;
  GVariant *entry;
  guint64 sequence, timestamp, monotonic;
  const char *text;

  tunnel_log (self, level_of (kind), "%s: %s: %s", self->name, kind, message);
  entry = asd_tunnel_log_append (self->log, kind, message, owned);
  g_variant_get (entry, "(ttt&s&s@a{sv})", &sequence, &timestamp, &monotonic, NULL, &text, &stored);
  asd_dbus_tunnel_emit_log_entry (iface (self), sequence, timestamp, monotonic, kind, text, stored);
}

/* The details of a "state" entry. */
static GVariant *
state_details (const char *old, const char *state, const AsdReason *why)
{
  GVariantDict dict;

  g_variant_dict_init (&dict, NULL);
  g_variant_dict_insert (&dict, ASD_LOG_DETAIL_OLD_STATE, "s", old);
  g_variant_dict_insert (&dict, ASD_LOG_DETAIL_NEW_STATE, "s", state);
  g_variant_dict_insert (&dict, ASD_LOG_DETAIL_REASON_CODE, "s", asd_reason_code_to_string (why->code));
  g_variant_dict_insert_value (&dict, ASD_LOG_DETAIL_REASON_DETAILS, why->details);
  return g_variant_dict_end (&dict);
}

/* The keeper's state changed, and the bindings have set State,
 * StateReason and the timestamps; with the reason's code and details,
 * they go out on the bus in one PropertiesChanged first, then one
 * StateChanged. */
static void
announce_state (AsdTunnel *self)
{
  AsdTunnelState new_state;
  g_autoptr(AsdReason) why = NULL;
  const char *old = asd_tunnel_state_to_string (self->announced);
  const char *state = asd_dbus_tunnel_get_state (iface (self));
  const char *reason = asd_dbus_tunnel_get_state_reason (iface (self));

  g_object_get (self->keeper, "state", &new_state, "reason", &why, NULL);
  self->announced = new_state;
  asd_dbus_tunnel_set_state_reason_code (iface (self), asd_reason_code_to_string (why->code));
  asd_dbus_tunnel_set_state_reason_details (iface (self), why->details);
  asd_tunnel_publish_questions (self, why);
  g_dbus_interface_skeleton_flush (G_DBUS_INTERFACE_SKELETON (self));
  /* a drop is told once the properties say why */
  if (self->dropped != NULL)
    {
      g_autofree char *dropped = g_steal_pointer (&self->dropped);

      asd_dbus_tunnel_emit_dropped (iface (self), dropped);
    }
  asd_tunnel_record (self, ASD_LOG_KIND_STATE, state_details (old, state, why));
  asd_dbus_tunnel_emit_state_changed (iface (self), old, state, reason);
}

/* The properties that follow from the settings; the keeper gets them too.
 * While the file is broken, Settings is empty and ConfigError stays as
 * asd_tunnel_set_broken() set it. */
static void
publish_settings (AsdTunnel *self)
{
  g_auto(GStrv) argv = NULL;
  g_auto(GStrv) forwards = NULL;
  g_autofree char *destination = NULL;
  const AsdTunnelSettings *s = self->settings;

  if (s == NULL)
    {
      asd_dbus_tunnel_set_settings (iface (self), g_variant_new ("a{sv}", NULL));
      asd_dbus_tunnel_set_config_state (iface (self), "broken");
    }
  else
    {
      asd_dbus_tunnel_set_settings (iface (self), asd_tunnel_settings_to_variant (s));
      asd_dbus_tunnel_set_config_state (iface (self), self->store != NULL ? "loaded" : "transient");
      asd_dbus_tunnel_set_config_error (iface (self), g_variant_new ("(sus)", "", 0, ""));
      argv = asd_tunnel_settings_ssh_argv (s, "ssh");
      forwards = asd_tunnel_settings_forwards (s);
      destination = asd_tunnel_settings_display_destination (s);
      asd_dbus_tunnel_set_destination (iface (self), destination);
      asd_dbus_tunnel_set_forwards (iface (self), (const char * const *) forwards);
      asd_dbus_tunnel_set_monitor_port (iface (self), s->monitor_port);
      asd_dbus_tunnel_set_poll_interval (iface (self), s->poll_interval);
      asd_dbus_tunnel_set_command (iface (self), (const char * const *) argv);
      asd_dbus_tunnel_set_auto_start (iface (self), s->auto_start);
      asd_dbus_tunnel_set_identity_file (iface (self), s->identity_file != NULL ? s->identity_file : "");
    }
  asd_keeper_reconfigure (self->keeper, s, (const char * const *) argv);
}

/* ---- what the keeper tells ---- */

/* ssh is gone: answers the Stop calls that waited for it. */
static void
complete_stops (AsdTunnel *self)
{
  for (guint i = 0; i < self->stop_invocations->len; i++)
    asd_dbus_tunnel_complete_stop (iface (self), g_ptr_array_index (self->stop_invocations, i));
  g_ptr_array_set_size (self->stop_invocations, 0);
}

static void
on_ssh_ended (AsdTunnel *self)
{
  complete_stops (self);
  g_signal_emit (self, signals[SIGNAL_SSH_ENDED], 0);
}

static void
on_probed (AsdTunnel *self, guint64 latency)
{
  guint64 now = g_get_real_time ();

  asd_tunnel_record (self, ASD_LOG_KIND_PROBE,
                     g_variant_new_parsed ("{%s: <%t>}", ASD_LOG_DETAIL_LATENCY, latency));

  /* the deprecated twins by name: their setters are marked deprecated */
  g_object_set (self,
                "last-probe-timestamp", now,
                "last-probe-timestamp-monotonic", (guint64) g_get_monotonic_time (),
                "probe-latency-usec", latency,
                "last-probe", now,
                "probe-latency", latency,
                NULL);
}

/* The keeper tells a drop just before the state it leads to: Dropped goes
 * out with that state (see announce_state()). */
static void
on_dropped (AsdTunnel *self, const char *reason)
{
  g_free (self->dropped);
  self->dropped = g_strdup (reason);
}

/* ssh's lines and its exit, for the tunnel's log. */
static void
on_keeper_event (AsdTunnel *self, const char *kind, GVariant *details)
{
  asd_tunnel_record (self, kind, details);
}

static void
on_reconnected (AsdTunnel *self, guint64 downtime, guint attempts)
{
  asd_dbus_tunnel_emit_reconnected (iface (self), downtime, attempts);
}

static gboolean
state_to_nick (GBinding *binding, const GValue *from, GValue *to, gpointer user_data)
{
  g_value_set_string (to, asd_tunnel_state_to_string (g_value_get_enum (from)));
  return TRUE;
}

/* The keeper's properties onto the bus; its signals become ours. */
static void
mirror_keeper (AsdTunnel *self)
{
  static const char * const same[] = {
    "state-reason", "pid", "restarts", "next-retry", "connected-since", "shared-with",
  };

  g_object_bind_property_full (self->keeper, "state", self, "state", G_BINDING_SYNC_CREATE,
                               state_to_nick, NULL, NULL, NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (same); i++)
    g_object_bind_property (self->keeper, same[i], self, same[i], G_BINDING_SYNC_CREATE);
  static const char * const renamed[][2] = {
    { "next-retry", "next-retry-timestamp" },
    { "next-retry-monotonic", "next-retry-timestamp-monotonic" },
    { "connected-since", "connected-timestamp" },
    { "connected-since-monotonic", "connected-timestamp-monotonic" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (renamed); i++)
    g_object_bind_property (self->keeper, renamed[i][0], self, renamed[i][1], G_BINDING_SYNC_CREATE);
  /* After the bindings, which are notified first. */
  g_signal_connect_swapped (self->keeper, "notify::state", G_CALLBACK (announce_state), self);
  g_signal_connect_swapped (self->keeper, "probed", G_CALLBACK (on_probed), self);
  g_signal_connect_swapped (self->keeper, "dropped", G_CALLBACK (on_dropped), self);
  g_signal_connect_swapped (self->keeper, "reconnected", G_CALLBACK (on_reconnected), self);
  g_signal_connect_swapped (self->keeper, "ssh-ended", G_CALLBACK (on_ssh_ended), self);
  g_signal_connect_swapped (self->keeper, "event", G_CALLBACK (on_keeper_event), self);
}

/* ---- public ---- */

gboolean
asd_tunnel_start (AsdTunnel *self, GError **error)
{
  g_return_val_if_fail (ASD_IS_TUNNEL (self), FALSE);

  if (self->settings == NULL)
    {
      g_set_error (error, ASD_ERROR, ASD_ERROR_BROKEN_CONFIG, "%s",
                   asd_dbus_tunnel_get_state_reason (iface (self)));
      return FALSE;
    }
  asd_keeper_start (self->keeper);
  return TRUE;
}

void
asd_tunnel_stop (AsdTunnel *self)
{
  g_return_if_fail (ASD_IS_TUNNEL (self));

  asd_keeper_stop (self->keeper);
}

/**
 * asd_tunnel_set_pacer:
 * @self: a tunnel
 * @pacer: (nullable): the service's login pacer
 */
void
asd_tunnel_set_pacer (AsdTunnel *self, AsdLoginPacer *pacer)
{
  asd_keeper_set_pacer (self->keeper, pacer);
}

/* See AsdPortOwnerFunc: the manager names the tunnel that holds a port. */
void
asd_tunnel_set_port_owner (AsdTunnel *self, AsdPortOwnerFunc func, gpointer user_data)
{
  asd_keeper_set_port_owner (self->keeper, func, user_data);
}

/**
 * asd_tunnel_set_connections:
 * @self: a tunnel
 * @connections: (nullable): the service's shared connections
 */
void
asd_tunnel_set_connections (AsdTunnel *self, AsdConnections *connections)
{
  asd_keeper_set_connections (self->keeper, connections);
}

/**
 * asd_tunnel_sleep:
 * @self: a tunnel
 *
 * The system is about to sleep: closes ssh cleanly (the server frees the
 * remote forwards now, not after a timeout) and waits for asd_tunnel_wake().
 */
void
asd_tunnel_sleep (AsdTunnel *self)
{
  asd_keeper_sleep (self->keeper);
}

/**
 * asd_tunnel_wake:
 * @self: a tunnel
 *
 * The system woke up: a tunnel closed for the sleep connects at once.
 */
void
asd_tunnel_wake (AsdTunnel *self)
{
  asd_keeper_wake (self->keeper);
}

/* Tries now what was waiting for the network to change.  A tunnel that
 * failed (bad key, host key, ...) waits for its user instead: a network
 * that comes and goes must not turn into repeated failed logins. */
void
asd_tunnel_network_changed (AsdTunnel *self)
{
  asd_keeper_network_changed (self->keeper);
}

/* Asks `ssh -G` again at the next probe where the server is: Reload
 * also takes the changes of ~/.ssh/config (see asd-server-address.c). */
void
asd_tunnel_forget_server_address (AsdTunnel *self)
{
  asd_keeper_forget_server_address (self->keeper);
}

/* ConfigError from the loader's "FILE:LINE: MESSAGE" or "FILE: MESSAGE";
 * any other text is the message, about the whole file. */
static GVariant *
config_error (AsdTunnel *self, const char *reason)
{
  g_autofree char *path = self->store != NULL ? asd_tunnel_store_path (self->store, self->name) : g_strdup ("");
  gsize len = strlen (path);
  const char *rest = reason;
  guint64 line = 0;

  if (len > 0 && strncmp (reason, path, len) == 0 && reason[len] == ':')
    {
      char *end = NULL;

      rest = reason + len + 1;
      if (g_ascii_isdigit (*rest))
        {
          line = g_ascii_strtoull (rest, &end, 10);
          if (end != NULL && *end == ':' && line <= G_MAXUINT)
            rest = end + 1;
          else
            line = 0, rest = reason + len + 1;
        }
      while (*rest == ' ')
        rest++;
    }
  return g_variant_new ("(sus)", path, (guint32) line, rest);
}

/**
 * asd_tunnel_refuse_calls:
 * @self: a tunnel
 * @code: %ASD_ERROR_BUSY (the tunnel is being removed) or
 *   %ASD_ERROR_SHUTTING_DOWN (the service exits)
 *
 * From now on every method call and every property write is refused
 * with @code.
 */
void
asd_tunnel_refuse_calls (AsdTunnel *self, AsdError code)
{
  g_return_if_fail (ASD_IS_TUNNEL (self));
  g_return_if_fail (code == ASD_ERROR_BUSY || code == ASD_ERROR_SHUTTING_DOWN);

  self->refusing = TRUE;
  self->refusal = code;
}

/* config-broken, with ConfigError's file and line (@config_error). */
static AsdReason *
broken_reason (GVariant *config_error, const char *message)
{
  const char *file = NULL;
  guint32 line = 0;

  g_variant_get (config_error, "(&su&s)", &file, &line, NULL);
  return asd_reason_new (ASD_REASON_CONFIG_BROKEN,
                         ASD_DETAIL_FILE, *file != '\0' ? g_variant_new_string (file) : NULL,
                         ASD_DETAIL_LINE, g_variant_new_uint32 (line),
                         ASD_DETAIL_MESSAGE, g_variant_new_string (message),
                         NULL);
}

void
asd_tunnel_set_broken (AsdTunnel *self, const char *reason)
{
  g_autoptr(AsdReason) broken = NULL;

  g_return_if_fail (ASD_IS_TUNNEL (self));

  asd_tunnel_stop (self);
  g_clear_pointer (&self->settings, asd_tunnel_settings_free);
  asd_dbus_tunnel_set_config_error (iface (self), config_error (self, reason));
  publish_settings (self);
  broken = broken_reason (asd_dbus_tunnel_get_config_error (iface (self)), reason);
  asd_keeper_fail (self->keeper, broken);
}

/* New settings (from Reload or Configure); ssh restarts if it runs, and
 * a tunnel whose file was broken is stopped (the keeper says so). */
void
asd_tunnel_reconfigure (AsdTunnel *self, AsdTunnelSettings *settings)
{
  g_return_if_fail (ASD_IS_TUNNEL (self));

  asd_tunnel_settings_free (self->settings);
  self->settings = settings;
  asd_tunnel_record (self, ASD_LOG_KIND_CONFIG, g_variant_new ("a{sv}", NULL));
  publish_settings (self);
  asd_tunnel_publish_questions (self, NULL);   /* asked of the old settings */
}

const char *
asd_tunnel_get_name (AsdTunnel *self)
{
  return self->name;
}

/* The store that keeps the tunnel's file; %NULL for a transient one. */
AsdTunnelStore *
asd_tunnel_get_store (AsdTunnel *self)
{
  return self->store;
}

const AsdTunnelSettings *
asd_tunnel_get_settings (AsdTunnel *self)
{
  return self->settings;
}

gboolean
asd_tunnel_is_broken (AsdTunnel *self)
{
  return self->settings == NULL;
}

gboolean
asd_tunnel_has_ssh (AsdTunnel *self)
{
  return asd_keeper_has_ssh (self->keeper);
}

static GDBusInterfaceVTable parent_vtable;

/* The generated setter cannot fail: AutoStart goes through write_auto_start(). */
static gboolean
set_dbus_property (GDBusConnection *connection, const char *sender, const char *object_path,
                   const char *interface_name, const char *property_name, GVariant *value,
                   GError **error, gpointer user_data)
{
  if (g_strcmp0 (property_name, "AutoStart") == 0 && g_variant_is_of_type (value, G_VARIANT_TYPE_BOOLEAN))
    return asd_tunnel_write_auto_start (ASD_TUNNEL (user_data), g_variant_get_boolean (value), error);
  return parent_vtable.set_property (connection, sender, object_path, interface_name,
                                     property_name, value, error, user_data);
}

static GDBusInterfaceVTable *
asd_tunnel_get_vtable (GDBusInterfaceSkeleton *skeleton)
{
  static GDBusInterfaceVTable vtable;

  /* exports happen on the main thread only */
  if (vtable.set_property == NULL)
    {
      parent_vtable = *G_DBUS_INTERFACE_SKELETON_CLASS (asd_tunnel_parent_class)->get_vtable (skeleton);
      vtable = parent_vtable;
      vtable.set_property = set_dbus_property;
    }
  return asd_authorized_vtable (skeleton, &vtable);
}

static void
asd_tunnel_dispose (GObject *object)
{
  AsdTunnel *self = ASD_TUNNEL (object);

  if (self->keeper != NULL)
    g_signal_handlers_disconnect_by_data (self->keeper, self);
  g_clear_object (&self->keeper);
  if (self->stop_invocations != NULL)
    complete_stops (self);

  G_OBJECT_CLASS (asd_tunnel_parent_class)->dispose (object);
}

static void
asd_tunnel_finalize (GObject *object)
{
  AsdTunnel *self = ASD_TUNNEL (object);

  g_free (self->name);
  g_free (self->dropped);
  g_clear_object (&self->store);
  asd_tunnel_settings_free (self->settings);
  g_ptr_array_unref (self->stop_invocations);
  asd_tunnel_log_free (self->log);

  G_OBJECT_CLASS (asd_tunnel_parent_class)->finalize (object);
}

static void
asd_tunnel_class_init (AsdTunnelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GDBusInterfaceSkeletonClass *skeleton_class = G_DBUS_INTERFACE_SKELETON_CLASS (klass);

  object_class->dispose = asd_tunnel_dispose;
  object_class->finalize = asd_tunnel_finalize;
  skeleton_class->get_vtable = asd_tunnel_get_vtable;

  /**
   * AsdTunnel::ssh-ended:
   *
   * The tunnel's ssh is gone (a new one may already be starting); see
   * asd_tunnel_has_ssh().
   */
  signals[SIGNAL_SSH_ENDED] =
    g_signal_new ("ssh-ended", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
asd_tunnel_init (AsdTunnel *self)
{
  self->stop_invocations = g_ptr_array_new_with_free_func (g_object_unref);
  asd_tunnel_publish_questions (self, NULL);
  self->log = asd_tunnel_log_new (ASD_TUNNEL_LOG_MAX_ENTRIES, ASD_TUNNEL_LOG_MAX_BYTES);
}

/**
 * asd_tunnel_set_askpass:
 * @self: a tunnel
 * @server: (nullable): the service's askpass server
 * @helper: the askpass helper program ssh is to run
 *
 * From the next start of ssh on, ssh's questions are answered by the
 * tunnel (asd-tunnel-askpass) through @server.
 */
void
asd_tunnel_set_askpass (AsdTunnel *self, AsdAskpassServer *server, const char *helper)
{
  asd_keeper_set_askpass (self->keeper, server, helper);
}

/**
 * asd_tunnel_new:
 * @name: a valid tunnel name
 * @settings: (transfer full) (nullable): its settings; %NULL when its file
 *   is broken (then call asd_tunnel_set_broken())
 * @store: (nullable): the store that keeps its file, %NULL for a
 *   transient tunnel
 *
 * Returns: (transfer full): a stopped tunnel
 */
AsdTunnel *
asd_tunnel_new (const char *name, AsdTunnelSettings *settings, AsdTunnelStore *store)
{
  AsdTunnel *self = g_object_new (ASD_TYPE_TUNNEL, NULL);

  self->name = g_strdup (name);
  self->store = store != NULL ? g_object_ref (store) : NULL;
  self->settings = settings;
  self->keeper = asd_keeper_new (name);
  asd_dbus_tunnel_set_name (iface (self), name);
  mirror_keeper (self);   /* stopped */
  publish_settings (self);
  return self;
}
