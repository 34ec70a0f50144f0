/* asd-connection.c: one ssh control master that tunnels to the same server share
 *
 * Tunnels whose connection settings are equal (asd-connections.c decides)
 * ride one ssh: a connection owns an AsdKeeper of its own, the master,
 * which runs `ssh -N` without forwards and does all that a keeper does
 * for a tunnel of its own: logins paced, ssh watched, backoff, liveness
 * checks, sleep and network changes.  The tunnels on it (their keepers,
 * asd-keeper-shared.c) follow the master's state and ask it for their
 * forwards through its control connection.
 *
 * The master starts with the first tunnel attached; when the last one
 * leaves it lives on for ASD_CONNECTION_GRACE_MS (a Restart costs no
 * login), then the connection says it is idle, and its owner ends it.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include "asd-connection.h"
#include "asd-log.h"

struct _AsdConnection
{
  GObject parent_instance;

  char *key;
  AsdKeeper *master;
  GPtrArray *tunnels;            /* the AsdKeepers on it (not owned: they detach) */
  guint grace_id;
  GQueue requests;               /* of Queued: forwards to open or close */
  guint in_flight;               /* sent, not answered */
};

/* A forward request waiting for its turn. */
typedef struct {
  AsdConnection *self;           /* a reference while it is sent */
  AsdMuxClient *session;
  gboolean open;
  const AsdMuxForward *forward;  /* the asker's, valid until it is answered */
  GAsyncReadyCallback callback;
  gpointer user_data;
} Queued;

enum {
  SIGNAL_TUNNELS_CHANGED,
  SIGNAL_IDLE,
  SIGNAL_SSH_ENDED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_TYPE (AsdConnection, asd_connection, G_TYPE_OBJECT)

static void send_next (AsdConnection *self);

static void
on_answered (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Queued *queued = user_data;
  g_autoptr(AsdConnection) self = queued->self;

  queued->callback (source, result, queued->user_data);
  g_object_unref (queued->session);
  g_free (queued);
  self->in_flight--;
  send_next (self);
}

static void
send (AsdConnection *self, Queued *queued)
{
  queued->self = g_object_ref (self);
  self->in_flight++;
  asd_mux_client_forward_async (queued->session, queued->open, queued->forward, NULL,
                                on_answered, queued);
}

static void
send_next (AsdConnection *self)
{
  while (self->in_flight < ASD_CONNECTION_REQUESTS_AT_ONCE && !g_queue_is_empty (&self->requests))
    send (self, g_queue_pop_head (&self->requests));
}

/**
 * asd_connection_forward_async:
 * @self: a connection
 * @session: its master's control connection
 * @open: open @forward, or close it
 * @forward: (not nullable): valid until @callback runs
 * @callback: called with asd_mux_client_forward_finish()'s result (its
 *   source object is @session)
 * @user_data: for @callback
 *
 * Asks the master for a forward, at most ASD_CONNECTION_REQUESTS_AT_ONCE
 * at a time: a master accepts only so many connections to its control
 * socket at once (its listen backlog), and 200 tunnels that come back
 * together would find it full.
 */
void
asd_connection_forward_async (AsdConnection *self, AsdMuxClient *session, gboolean open,
                              const AsdMuxForward *forward, GAsyncReadyCallback callback,
                              gpointer user_data)
{
  Queued *queued = g_new0 (Queued, 1);

  queued->session = g_object_ref (session);
  queued->open = open;
  queued->forward = forward;
  queued->callback = callback;
  queued->user_data = user_data;
  g_queue_push_tail (&self->requests, queued);
  send_next (self);
}

static gboolean
on_grace_over (gpointer user_data)
{
  AsdConnection *self = user_data;

  self->grace_id = 0;
  g_signal_emit (self, signals[SIGNAL_IDLE], 0);
  return G_SOURCE_REMOVE;
}

/* Starts the master unless it runs; a master waiting to retry tries now. */
void
asd_connection_attach (AsdConnection *self, AsdKeeper *tunnel)
{
  g_return_if_fail (ASD_IS_CONNECTION (self));

  g_clear_handle_id (&self->grace_id, g_source_remove);
  if (!g_ptr_array_find (self->tunnels, tunnel, NULL))
    {
      g_ptr_array_add (self->tunnels, tunnel);
      g_signal_emit (self, signals[SIGNAL_TUNNELS_CHANGED], 0);
    }
  asd_keeper_start (self->master);
}

/* @tunnel leaves; the last one out starts the grace time. */
void
asd_connection_detach (AsdConnection *self, AsdKeeper *tunnel)
{
  g_return_if_fail (ASD_IS_CONNECTION (self));

  if (!g_ptr_array_remove (self->tunnels, tunnel))
    return;
  g_signal_emit (self, signals[SIGNAL_TUNNELS_CHANGED], 0);
  if (self->tunnels->len == 0 && self->grace_id == 0)
    self->grace_id = g_timeout_add (ASD_CONNECTION_GRACE_MS, on_grace_over, self);
}

static gint
compare_names (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

/* The names of the tunnels on it but @tunnel, sorted (transfer full). */
char **
asd_connection_shared_with (AsdConnection *self, AsdKeeper *tunnel)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new ();

  for (guint i = 0; i < self->tunnels->len; i++)
    if (g_ptr_array_index (self->tunnels, i) != tunnel)
      g_ptr_array_add (names, g_strdup (asd_keeper_get_name (g_ptr_array_index (self->tunnels, i))));
  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&names), FALSE);
}

/**
 * asd_connection_get_tunnels:
 * @self: a connection
 *
 * Returns: (transfer none) (element-type AsdKeeper): the tunnels on it
 */
GPtrArray *
asd_connection_get_tunnels (AsdConnection *self)
{
  return self->tunnels;
}

/* Stops the master now (its ssh ends; #AsdConnection::ssh-ended tells). */
void
asd_connection_end (AsdConnection *self)
{
  g_clear_handle_id (&self->grace_id, g_source_remove);
  asd_keeper_stop (self->master);
}

gboolean
asd_connection_has_ssh (AsdConnection *self)
{
  return asd_keeper_has_ssh (self->master);
}

/* Whether no tunnel rides it. */
gboolean
asd_connection_is_idle (AsdConnection *self)
{
  return self->tunnels->len == 0;
}

const char *
asd_connection_get_key (AsdConnection *self)
{
  return self->key;
}

/* The keeper of the master's ssh: its state, pid, session. */
AsdKeeper *
asd_connection_get_master (AsdConnection *self)
{
  return self->master;
}

static void
on_master_ssh_ended (AsdConnection *self)
{
  g_signal_emit (self, signals[SIGNAL_SSH_ENDED], 0);
}

static void
asd_connection_dispose (GObject *object)
{
  AsdConnection *self = ASD_CONNECTION (object);

  g_clear_handle_id (&self->grace_id, g_source_remove);
  /* nothing waits any more: what is left goes at once */
  while (!g_queue_is_empty (&self->requests))
    {
      Queued *queued = g_queue_pop_head (&self->requests);

      asd_mux_client_forward_async (queued->session, queued->open, queued->forward, NULL,
                                    queued->callback, queued->user_data);
      g_object_unref (queued->session);
      g_free (queued);
    }
  if (self->master != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->master, self);
      asd_keeper_stop (self->master);
    }
  g_clear_object (&self->master);

  G_OBJECT_CLASS (asd_connection_parent_class)->dispose (object);
}

static void
asd_connection_finalize (GObject *object)
{
  AsdConnection *self = ASD_CONNECTION (object);

  g_free (self->key);
  g_ptr_array_unref (self->tunnels);

  G_OBJECT_CLASS (asd_connection_parent_class)->finalize (object);
}

static void
asd_connection_class_init (AsdConnectionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GType type = G_TYPE_FROM_CLASS (klass);

  object_class->dispose = asd_connection_dispose;
  object_class->finalize = asd_connection_finalize;

  /* AsdConnection::tunnels-changed: a tunnel attached or detached. */
  signals[SIGNAL_TUNNELS_CHANGED] = g_signal_new ("tunnels-changed", type, G_SIGNAL_RUN_LAST, 0,
                                                  NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* AsdConnection::idle: no tunnel came back within the grace time. */
  signals[SIGNAL_IDLE] = g_signal_new ("idle", type, G_SIGNAL_RUN_LAST, 0,
                                       NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* AsdConnection::ssh-ended: the master's ssh is gone. */
  signals[SIGNAL_SSH_ENDED] = g_signal_new ("ssh-ended", type, G_SIGNAL_RUN_LAST, 0,
                                            NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
asd_connection_init (AsdConnection *self)
{
  self->tunnels = g_ptr_array_new ();
  g_queue_init (&self->requests);
}

/**
 * asd_connection_new:
 * @key: what makes connections equal (asd-connections.c)
 * @name: the first tunnel's name: the master's log lines and reasons say it
 * @settings: that tunnel's settings, without forwards
 * @argv: ssh's command for them
 * @pacer: (nullable): the service's login pacer
 * @askpass: (nullable): the askpass server
 * @askpass_helper: (nullable): the askpass helper
 *
 * Returns: (transfer full): a connection whose master is stopped
 */
AsdConnection *
asd_connection_new (const char *key, const char *name, const AsdTunnelSettings *settings,
                    const char * const *argv, AsdLoginPacer *pacer,
                    AsdAskpassServer *askpass, const char *askpass_helper)
{
  AsdConnection *self = g_object_new (ASD_TYPE_CONNECTION, NULL);

  self->key = g_strdup (key);
  self->master = asd_keeper_new (name);
  if (pacer != NULL)
    asd_keeper_set_pacer (self->master, pacer);
  if (askpass != NULL)
    asd_keeper_set_askpass (self->master, askpass, askpass_helper);
  asd_keeper_reconfigure (self->master, settings, argv);
  g_signal_connect_swapped (self->master, "ssh-ended", G_CALLBACK (on_master_ssh_ended), self);
  return self;
}
