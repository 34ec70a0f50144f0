/* asd-connections.c: the service's shared ssh connections, by what makes them equal
 *
 * Two tunnels ride the same connection (asd-connection.c) when ssh
 * would connect them alike: the connection key is what `ssh -G` prints
 * for the tunnel's ssh command without its forwards (host name, port,
 * user, identity files, proxy and jump hosts, every option given or read
 * from the user's ssh config, all resolved; not the name as given, so two
 * aliases of one server are equal), plus the ssh program and the host key
 * the user approved.  A tunnel whose ssh config gives it a
 * remote command gets a key of its own.  When `ssh -G` cannot answer, the
 * command line itself is the key.  Answers are kept (see
 * asd_connections_key_async()) until Reload.
 *
 * The table holds one connection per key; a connection that stays without
 * tunnels for its grace time leaves the table and is ended; it is kept
 * until its ssh has gone, so that the manager knows when no ssh runs.
 * Sleep, wake and network changes are handed to every master once.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <string.h>

#include "asd-connections.h"
#include "asd-server-address.h"
#include "asd-ssh-config.h"

struct _AsdConnections
{
  GObject parent_instance;

  GHashTable *table;             /* key → AsdConnection */
  GHashTable *keys;              /* query → Known: answers of ssh -G */
  GHashTable *asking;            /* query → GPtrArray of GTasks waiting for ssh -G */
  GPtrArray *ending;             /* AsdConnections out of the table whose ssh runs */
  guint reap_id;                 /* drops those whose ssh has ended */
  AsdLoginPacer *pacer;
  AsdAskpassServer *askpass;
  char *askpass_helper;
};

enum {
  SIGNAL_SSH_ENDED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_TYPE (AsdConnections, asd_connections, G_TYPE_OBJECT)

/* ---- the key ---- */

/* An answer of `ssh -G` is kept this long (as asd-server-address.c does),
 * and until Reload. */
#define KEY_LIFETIME_US ((gint64) ASD_SERVER_ADDRESS_LIFETIME_S * G_USEC_PER_SEC)

typedef struct {
  char *key;                     /* NULL: a remote command, a key per tunnel */
  gint64 until;                  /* monotonic */
} Known;

typedef struct {
  AsdConnections *self;
  char *query;                   /* ssh, the approved host key, the command line */
  char *prefix;                  /* ssh and the approved host key */
} Asking;

static void
known_free (Known *known)
{
  g_free (known->key);
  g_free (known);
}

static void
asking_free (Asking *asking)
{
  g_object_unref (asking->self);
  g_free (asking->query);
  g_free (asking->prefix);
  g_free (asking);
}

/* @settings without its forwards: those of the shared master (transfer full). */
AsdTunnelSettings *
asd_connections_settings_of (const AsdTunnelSettings *settings)
{
  AsdTunnelSettings *master = asd_tunnel_settings_copy (settings);

  g_strfreev (master->local_forwards);
  g_strfreev (master->remote_forwards);
  g_strfreev (master->dynamic_forwards);
  master->local_forwards = g_new0 (char *, 1);
  master->remote_forwards = g_new0 (char *, 1);
  master->dynamic_forwards = g_new0 (char *, 1);
  return master;
}

/* What `ssh -G` printed but its first line, "host" and the name as given
 * (an alias): two aliases of one server are one connection. */
static const char *
resolved (const char *output)
{
  const char *rest;

  if (!g_str_has_prefix (output, "host ") || (rest = strchr (output, '\n')) == NULL)
    return output;
  return rest + 1;
}

/* @task asked for a key: @known's, or one of its own. */
static void
answer (GTask *task, const Known *known)
{
  if (g_task_return_error_if_cancelled (task))
    return;
  if (known->key == NULL)
    g_task_return_pointer (task, g_strconcat ("own\n", g_task_get_task_data (task), NULL), g_free);
  else
    g_task_return_pointer (task, g_strdup (known->key), g_free);
}

static void
on_key_queried (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Asking *asking = user_data;
  AsdConnections *self = asking->self;
  g_autoptr(GError) error = NULL;
  g_autofree char *output = asd_ssh_config_query_finish (result, &error);
  g_autofree char *command = NULL;
  g_autoptr(GPtrArray) waiting = NULL;
  g_autofree char *query = NULL;
  Known *known;

  if (self->asking == NULL)
    {
      asking_free (asking);   /* the service is going */
      return;
    }
  known = g_new0 (Known, 1);
  if (output == NULL)
    {
      g_debug ("ssh -G failed (%s): the command line decides what it shares", error->message);
      known->key = g_strdup (asking->query);
    }
  else if ((command = asd_ssh_config_value (output, "remotecommand")) != NULL &&
           g_strcmp0 (command, "none") != 0)
    known->key = NULL;
  else
    known->key = g_strconcat (asking->prefix, resolved (output), NULL);
  known->until = g_get_monotonic_time () + KEY_LIFETIME_US;
  g_hash_table_steal_extended (self->asking, asking->query, (gpointer *) &query,
                               (gpointer *) &waiting);
  for (guint i = 0; waiting != NULL && i < waiting->len; i++)
    answer (g_ptr_array_index (waiting, i), known);
  g_hash_table_replace (self->keys, g_strdup (asking->query), known);
  asking_free (asking);
}

/**
 * asd_connections_key_async:
 * @self: the connections
 * @name: the tunnel's name
 * @settings: its settings, without forwards (asd_connections_settings_of())
 * @argv: ssh's command for them
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the key
 * @user_data: for @callback
 *
 * Works out the connection key (see the top of the file); tunnels that
 * ask at once for the same command share one `ssh -G`, and its answer is
 * kept for a while (a Restart, 200 tunnels at start).
 */
void
asd_connections_key_async (AsdConnections *self, const char *name,
                           const AsdTunnelSettings *settings, const char * const *argv,
                           GCancellable *cancellable, GAsyncReadyCallback callback,
                           gpointer user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  g_autofree char *joined = g_strjoinv ("\n", (char **) argv);
  g_autofree char *prefix = g_strdup_printf ("%s\n%s\n", argv[0],
                                             settings->trusted_host_key != NULL ? settings->trusted_host_key : "");
  g_autofree char *query = g_strconcat (prefix, "argv\n", joined, NULL);
  Known *known = g_hash_table_lookup (self->keys, query);
  GPtrArray *waiting = g_hash_table_lookup (self->asking, query);
  Asking *asking;

  g_task_set_source_tag (task, asd_connections_key_async);
  g_task_set_task_data (task, g_strdup (name), g_free);
  if (known != NULL && known->until > g_get_monotonic_time ())
    {
      answer (task, known);
      g_object_unref (task);
      return;
    }
  if (waiting != NULL)
    {
      g_ptr_array_add (waiting, task);
      return;
    }
  waiting = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (waiting, task);
  g_hash_table_insert (self->asking, g_strdup (query), waiting);
  asking = g_new0 (Asking, 1);
  asking->self = g_object_ref (self);
  asking->query = g_steal_pointer (&query);
  asking->prefix = g_steal_pointer (&prefix);
  asd_ssh_config_query_async (argv, NULL, on_key_queried, asking);
}

/* Returns: (transfer full): the key, or %NULL when cancelled */
char *
asd_connections_key_finish (GAsyncResult *result)
{
  return g_task_propagate_pointer (G_TASK (result), NULL);
}

/* Reload: ~/.ssh/config may have changed, so may the keys. */
void
asd_connections_forget_keys (AsdConnections *self)
{
  g_hash_table_remove_all (self->keys);
}

/* ---- the table ---- */

/* Drops the ended connections whose ssh is gone. */
static gboolean
reap_ending (gpointer user_data)
{
  AsdConnections *self = user_data;

  self->reap_id = 0;
  for (guint i = 0; i < self->ending->len; )
    {
      AsdConnection *connection = g_ptr_array_index (self->ending, i);

      if (asd_connection_has_ssh (connection))
        i++;
      else
        {
          g_signal_handlers_disconnect_by_data (connection, self);
          g_ptr_array_remove_index_fast (self->ending, i);
        }
    }
  return G_SOURCE_REMOVE;
}

/* A master's ssh ended; an ended connection is dropped from an idle: its
 * master is still telling what happened. */
static void
on_ssh_ended (AsdConnections *self)
{
  if (self->ending->len > 0 && self->reap_id == 0)
    self->reap_id = g_idle_add (reap_ending, self);
  g_signal_emit (self, signals[SIGNAL_SSH_ENDED], 0);
}

/* No tunnel came back to @connection: out of the table, its ssh ends. */
static void
on_idle (AsdConnection *connection, gpointer user_data)
{
  AsdConnections *self = user_data;
  g_autoptr(AsdConnection) keep = g_object_ref (connection);

  if (g_hash_table_lookup (self->table, asd_connection_get_key (connection)) == connection)
    g_hash_table_remove (self->table, asd_connection_get_key (connection));
  asd_connection_end (connection);
  if (asd_connection_has_ssh (connection))
    g_ptr_array_add (self->ending, g_steal_pointer (&keep));
  else
    g_signal_handlers_disconnect_by_data (connection, self);
}

/**
 * asd_connections_get:
 * @self: the connections
 * @key: from asd_connections_key_finish()
 * @name: the asking tunnel's name
 * @settings: its settings, without forwards
 * @argv: ssh's command for them
 *
 * Returns: (transfer none): the connection of @key, made if there is none
 */
AsdConnection *
asd_connections_get (AsdConnections *self, const char *key, const char *name,
                     const AsdTunnelSettings *settings, const char * const *argv)
{
  AsdConnection *connection = g_hash_table_lookup (self->table, key);

  if (connection != NULL)
    return connection;
  connection = asd_connection_new (key, name, settings, argv, self->pacer,
                                   self->askpass, self->askpass_helper);
  g_signal_connect (connection, "idle", G_CALLBACK (on_idle), self);
  g_signal_connect_swapped (connection, "ssh-ended", G_CALLBACK (on_ssh_ended), self);
  g_hash_table_insert (self->table, g_strdup (key), connection);
  return connection;
}

/* Whether a master's ssh runs. */
gboolean
asd_connections_any_ssh (AsdConnections *self)
{
  GHashTableIter iter;
  AsdConnection *connection;

  for (guint i = 0; i < self->ending->len; i++)
    if (asd_connection_has_ssh (g_ptr_array_index (self->ending, i)))
      return TRUE;
  g_hash_table_iter_init (&iter, self->table);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &connection))
    if (asd_connection_has_ssh (connection))
      return TRUE;
  return FALSE;
}

/* Ends the masters that no tunnel rides now, without their grace time
 * (StopAll, shutdown). */
void
asd_connections_end_idle (AsdConnections *self)
{
  g_autoptr(GPtrArray) idle = g_ptr_array_new ();
  GHashTableIter iter;
  AsdConnection *connection;

  g_hash_table_iter_init (&iter, self->table);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &connection))
    if (asd_connection_is_idle (connection))
      g_ptr_array_add (idle, connection);
  for (guint i = 0; i < idle->len; i++)
    on_idle (g_ptr_array_index (idle, i), self);
}

typedef void (*KeeperFunc) (AsdKeeper *keeper);

static void
for_each_master (AsdConnections *self, KeeperFunc func)
{
  GHashTableIter iter;
  AsdConnection *connection;

  g_hash_table_iter_init (&iter, self->table);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &connection))
    func (asd_connection_get_master (connection));
}

/* See asd_tunnel_sleep(): every master closes its ssh. */
void
asd_connections_sleep (AsdConnections *self)
{
  for_each_master (self, asd_keeper_sleep);
}

/* See asd_tunnel_wake(). */
void
asd_connections_wake (AsdConnections *self)
{
  for_each_master (self, asd_keeper_wake);
}

/* See asd_tunnel_network_changed(). */
void
asd_connections_network_changed (AsdConnections *self)
{
  for_each_master (self, asd_keeper_network_changed);
}

static void
asd_connections_dispose (GObject *object)
{
  AsdConnections *self = ASD_CONNECTIONS (object);
  GHashTableIter iter;
  AsdConnection *connection;

  if (self->table != NULL)
    {
      g_hash_table_iter_init (&iter, self->table);
      while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &connection))
        g_signal_handlers_disconnect_by_data (connection, self);
    }
  g_clear_handle_id (&self->reap_id, g_source_remove);
  for (guint i = 0; self->ending != NULL && i < self->ending->len; i++)
    g_signal_handlers_disconnect_by_data (g_ptr_array_index (self->ending, i), self);
  g_clear_pointer (&self->table, g_hash_table_unref);
  g_clear_pointer (&self->keys, g_hash_table_unref);
  g_clear_pointer (&self->asking, g_hash_table_unref);
  g_clear_pointer (&self->ending, g_ptr_array_unref);
  g_clear_object (&self->pacer);
  g_clear_object (&self->askpass);

  G_OBJECT_CLASS (asd_connections_parent_class)->dispose (object);
}

static void
asd_connections_finalize (GObject *object)
{
  g_free (ASD_CONNECTIONS (object)->askpass_helper);

  G_OBJECT_CLASS (asd_connections_parent_class)->finalize (object);
}

static void
asd_connections_class_init (AsdConnectionsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = asd_connections_dispose;
  object_class->finalize = asd_connections_finalize;

  /* AsdConnections::ssh-ended: a master's ssh is gone. */
  signals[SIGNAL_SSH_ENDED] = g_signal_new ("ssh-ended", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                            0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
asd_connections_init (AsdConnections *self)
{
  self->table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->ending = g_ptr_array_new_with_free_func (g_object_unref);
  self->keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) known_free);
  self->asking = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                        (GDestroyNotify) g_ptr_array_unref);
}

/**
 * asd_connections_new:
 * @pacer: (nullable): the service's login pacer, for every master
 * @askpass: (nullable): the askpass server
 * @askpass_helper: (nullable): the askpass helper
 *
 * Returns: (transfer full): no connections yet
 */
AsdConnections *
asd_connections_new (AsdLoginPacer *pacer, AsdAskpassServer *askpass, const char *askpass_helper)
{
  AsdConnections *self = g_object_new (ASD_TYPE_CONNECTIONS, NULL);

  g_set_object (&self->pacer, pacer);
  g_set_object (&self->askpass, askpass);
  self->askpass_helper = g_strdup (askpass_helper);
  return self;
}
