/* asd-askpass-server.c: answers ssh's askpass helper, privately
 *
 * A Unix socket under $XDG_RUNTIME_DIR/autosshd (directory 0700, socket
 * 0600) on which only our own uid is answered (SO_PEERCRED).  Each start
 * of ssh registers a one-time token; a request must carry a live token,
 * and each prompt of that start is answered at most once, so a wrong
 * passphrase is not tried again and again.  Answers go back on the socket
 * and nowhere else: they are never logged.
 *
 * Limits, so that a client (a stuck or hostile process of the user's) can
 * hold neither file descriptors, memory nor the main loop:
 * - 64 connections open at once (MAX_CONNECTIONS).  One more closes the
 *   oldest connection that has not sent its whole request: a real helper
 *   sends it within milliseconds of connecting, so idle connections cannot
 *   keep it out.  When all 64 wait for answers (each with a live token),
 *   the new one is closed instead.  We always accept at once, so a helper
 *   never waits in the kernel's backlog.
 * - 16 KiB per request (ASD_ASKPASS_MAX_REQUEST): longer ones are closed
 *   unanswered, so requests hold at most 64 × 20 KiB.
 * - 5 s from accept to the whole request, and again to write the answer
 *   (IO_TIMEOUT_MS): a client that sends nothing or too little is closed.
 * - accept() failing (out of file descriptors, EMFILE or ENFILE) pauses
 *   accepting for 250 ms (ACCEPT_PAUSE_MS): the connection stays pending,
 *   and accepting again at once would spin.
 * - a warning per kind of fault at most once a minute, saying how many
 *   were left out (asd_log_limited()).
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sys/random.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <gio/gunixsocketaddress.h>
#include <gio/gunixcredentialsmessage.h>

#include "asd-askpass-protocol.h"
#include "asd-askpass-server.h"
#include "asd-control-socket.h"
#include "asd-log-fifo.h"
#include "asd-log.h"

/* See the limits above. */
#define MAX_CONNECTIONS   64
#define IO_TIMEOUT_MS     5000
#define ACCEPT_PAUSE_MS   250
#define LOG_INTERVAL_S    60

typedef struct {
  AsdAskpassHandler handler;
  gpointer user_data;
  GHashTable *prompts;           /* the prompts answered for this token */
} Registration;

struct _AsdAskpassServer
{
  GObject parent_instance;

  char *path;
  gboolean take_over;            /* --replace: another instance's socket is ours */
  gboolean no_keyring;           /* the system service: no Secret Service */
  GStatBuf bound;                /* the socket file we made */
  GSocketListener *listener;
  GCancellable *cancellable;     /* the accept under way */
  guint accept_pause_id;         /* accepting again after a failure */
  GHashTable *tokens;            /* token → Registration */
  GQueue connections;            /* AsdAskpassRequest, oldest first */
  AsdLogLimit log_accept;        /* accept() failed */
  AsdLogLimit log_crowded;       /* MAX_CONNECTIONS reached */
  AsdLogLimit log_bad;           /* too slow, too long, another user */
};

typedef enum {
  PHASE_READING,
  PHASE_ASKED,                   /* with the handler */
  PHASE_WRITING,
} Phase;

/* One connection, from accept to close. */
struct _AsdAskpassRequest
{
  AsdAskpassServer *server;      /* (unowned) in its connections; NULL once not */
  GSocketConnection *connection;
  GByteArray *buffer;            /* the request, then the answer; wiped */
  GCancellable *cancellable;     /* the read or write under way */
  guint deadline_id;
  Phase phase;
  guint8 chunk[4096];
};

enum {
  PROP_0,
  PROP_PATH,
  PROP_TAKE_OVER,
};

static void asd_askpass_server_initable_iface_init (GInitableIface *iface);

G_DEFINE_TYPE_WITH_CODE (AsdAskpassServer, asd_askpass_server, G_TYPE_OBJECT,
                         G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE, asd_askpass_server_initable_iface_init))

static void
registration_free (Registration *registration)
{
  g_hash_table_unref (registration->prompts);
  g_free (registration);
}

/* ---- one connection ---- */

static void
request_detach (AsdAskpassRequest *request)
{
  if (request->server != NULL)
    g_queue_remove (&request->server->connections, request);
  request->server = NULL;
}

/* Closes the connection now; @request is freed when the read or write
 * under way returns, cancelled. */
static void
request_drop (AsdAskpassRequest *request)
{
  request_detach (request);
  g_clear_handle_id (&request->deadline_id, g_source_remove);
  g_cancellable_cancel (request->cancellable);
  g_socket_close (g_socket_connection_get_socket (request->connection), NULL);
}

static void
request_free (AsdAskpassRequest *request)
{
  request_detach (request);
  g_clear_handle_id (&request->deadline_id, g_source_remove);
  g_clear_object (&request->cancellable);
  g_io_stream_close (G_IO_STREAM (request->connection), NULL, NULL);
  g_clear_object (&request->connection);
  if (request->buffer->len > 0)
    memset (request->buffer->data, 0, request->buffer->len);
  g_byte_array_unref (request->buffer);
  memset (request->chunk, 0, sizeof request->chunk);
  g_free (request);
}

static gboolean
on_deadline (gpointer user_data)
{
  AsdAskpassRequest *request = user_data;

  request->deadline_id = 0;
  if (request->server != NULL)
    asd_log_limited (&request->server->log_bad, LOG_INTERVAL_S, G_LOG_LEVEL_WARNING,
                     "askpass: closed a connection that took more than %d ms to send its request or read its answer",
                     IO_TIMEOUT_MS);
  request_drop (request);
  return G_SOURCE_REMOVE;
}

/* @request's read or write must be done in IO_TIMEOUT_MS. */
static void
request_set_deadline (AsdAskpassRequest *request)
{
  g_clear_handle_id (&request->deadline_id, g_source_remove);
  request->deadline_id = g_timeout_add (IO_TIMEOUT_MS, on_deadline, request);
}

static void
on_answer_written (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, NULL);
  request_free (user_data);
}

/* Sends @head and @body, then closes; @request is gone after this. */
static void
reply (AsdAskpassRequest *request, const char *head, const char *body)
{
  GOutputStream *output = g_io_stream_get_output_stream (G_IO_STREAM (request->connection));
  gsize head_len = strlen (head), body_len = strlen (body);

  /* The buffer now holds the answer, wiped when the request is freed. */
  g_byte_array_set_size (request->buffer, 0);
  g_byte_array_append (request->buffer, (const guint8 *) head, head_len);
  g_byte_array_append (request->buffer, (const guint8 *) body, body_len);
  request->phase = PHASE_WRITING;
  request_set_deadline (request);
  g_output_stream_write_all_async (output, request->buffer->data, request->buffer->len,
                                   G_PRIORITY_DEFAULT, request->cancellable, on_answer_written, request);
}

/**
 * asd_askpass_request_answer:
 * @request: a request handed to an #AsdAskpassHandler
 * @answer: what ssh gets (a secret, "yes", "no")
 */
void
asd_askpass_request_answer (AsdAskpassRequest *request, const char *answer)
{
  reply (request, ASD_ASKPASS_YES, answer);
}

/**
 * asd_askpass_request_refuse:
 * @request: a request handed to an #AsdAskpassHandler
 * @why: a message for the helper's stderr (ssh shows it)
 */
void
asd_askpass_request_refuse (AsdAskpassRequest *request, const char *why)
{
  reply (request, ASD_ASKPASS_NO, why);
}

/* The whole request is in: to the handler of its token. */
static void
dispatch (AsdAskpassServer *self, AsdAskpassRequest *request)
{
  const char *data = (const char *) request->buffer->data;
  gsize token_length;
  g_autofree char *token = NULL;
  g_autofree char *prompt = NULL;
  Registration *registration;

  g_clear_handle_id (&request->deadline_id, g_source_remove);
  request->phase = PHASE_ASKED;
  if (!asd_askpass_request_parse (request->buffer->data, request->buffer->len, &token_length))
    {
      asd_askpass_request_refuse (request, "malformed request");
      return;
    }
  token = g_strndup (data, token_length);
  prompt = g_strndup (data + token_length + 1, request->buffer->len - token_length - 1);
  registration = g_hash_table_lookup (self->tokens, token);
  memset (token, 0, token_length);
  if (registration == NULL)
    {
      g_debug ("askpass: refused a request with an unknown or expired token");
      asd_askpass_request_refuse (request, "unknown or expired token");
      return;
    }
  if (g_hash_table_contains (registration->prompts, prompt))
    {
      g_debug ("askpass: refused a prompt already answered for this start of ssh");
      asd_askpass_request_refuse (request, "this question was answered once already for this start of ssh");
      registration->handler (NULL, prompt, registration->user_data);
      return;
    }
  g_hash_table_add (registration->prompts, g_strdup (prompt));
  registration->handler (request, prompt, registration->user_data);
}

static void read_more (AsdAskpassRequest *request);

static void
on_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  AsdAskpassRequest *request = user_data;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, NULL);

  if (n < 0 || request->server == NULL)
    {
      request_free (request);   /* a read error, a deadline, the server gone */
      return;
    }
  if (n == 0)
    {
      dispatch (request->server, request);
      return;
    }
  if (request->buffer->len + n > ASD_ASKPASS_MAX_REQUEST)
    {
      asd_log_limited (&request->server->log_bad, LOG_INTERVAL_S, G_LOG_LEVEL_WARNING,
                       "askpass: closed a connection whose request was longer than %d bytes",
                       ASD_ASKPASS_MAX_REQUEST);
      request_free (request);
      return;
    }
  g_byte_array_append (request->buffer, request->chunk, n);
  memset (request->chunk, 0, n);
  read_more (request);
}

static void
read_more (AsdAskpassRequest *request)
{
  g_input_stream_read_async (g_io_stream_get_input_stream (G_IO_STREAM (request->connection)),
                             request->chunk, sizeof request->chunk, G_PRIORITY_DEFAULT,
                             request->cancellable, on_read, request);
}

/* ---- accepting ---- */

static gboolean
peer_is_us (GSocketConnection *connection)
{
  g_autoptr(GCredentials) credentials =
    g_socket_get_credentials (g_socket_connection_get_socket (connection), NULL);

  return credentials != NULL && g_credentials_get_unix_user (credentials, NULL) == getuid ();
}

/* Closes the oldest connection still sending its request, if any. */
static gboolean
drop_oldest_unread (AsdAskpassServer *self)
{
  for (GList *l = self->connections.head; l != NULL; l = l->next)
    {
      AsdAskpassRequest *request = l->data;

      if (request->phase == PHASE_READING)
        {
          request_drop (request);
          return TRUE;
        }
    }
  return FALSE;
}

/* Whether a new connection may be read (MAX_CONNECTIONS, see above). */
static gboolean
make_room (AsdAskpassServer *self)
{
  if (self->connections.length < MAX_CONNECTIONS)
    return TRUE;
  if (drop_oldest_unread (self))
    {
      asd_log_limited (&self->log_crowded, LOG_INTERVAL_S, G_LOG_LEVEL_WARNING,
                       "askpass: %d connections at once: closed the oldest that had not sent its request",
                       MAX_CONNECTIONS);
      return TRUE;
    }
  asd_log_limited (&self->log_crowded, LOG_INTERVAL_S, G_LOG_LEVEL_WARNING,
                   "askpass: %d connections waiting for answers: closed a new one", MAX_CONNECTIONS);
  return FALSE;
}

static void
take (AsdAskpassServer *self, GSocketConnection *connection)
{
  AsdAskpassRequest *request;

  if (!peer_is_us (connection))
    {
      asd_log_limited (&self->log_bad, LOG_INTERVAL_S, G_LOG_LEVEL_WARNING,
                       "askpass: refused a connection from another user");
      g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
      return;
    }
  if (!make_room (self))
    {
      g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
      return;
    }
  request = g_new0 (AsdAskpassRequest, 1);
  request->server = self;
  request->connection = g_object_ref (connection);
  request->buffer = g_byte_array_new ();
  request->cancellable = g_cancellable_new ();
  request->phase = PHASE_READING;
  g_queue_push_tail (&self->connections, request);
  request_set_deadline (request);
  read_more (request);
}

static void accept_next (AsdAskpassServer *self);

static gboolean
on_accept_pause_over (gpointer user_data)
{
  AsdAskpassServer *self = user_data;

  self->accept_pause_id = 0;
  accept_next (self);
  return G_SOURCE_REMOVE;
}

static void
on_accepted (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketConnection) connection =
    g_socket_listener_accept_finish (G_SOCKET_LISTENER (source), result, NULL, &error);
  AsdAskpassServer *self;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;   /* the server is gone */
  self = user_data;
  if (connection == NULL)
    {
      asd_log_limited (&self->log_accept, LOG_INTERVAL_S, G_LOG_LEVEL_WARNING,
                       "askpass: cannot accept a connection: %s; trying again every %d ms",
                       error->message, ACCEPT_PAUSE_MS);
      self->accept_pause_id = g_timeout_add (ACCEPT_PAUSE_MS, on_accept_pause_over, self);
      return;
    }
  take (self, connection);
  accept_next (self);
}

static void
accept_next (AsdAskpassServer *self)
{
  g_socket_listener_accept_async (self->listener, self->cancellable, on_accepted, self);
}

/**
 * asd_askpass_server_register:
 * @self: the server
 * @handler: answers the prompts of this token
 * @user_data: for @handler
 *
 * Returns: (transfer full): a new random token, for one start of ssh
 */
char *
asd_askpass_server_register (AsdAskpassServer *self, AsdAskpassHandler handler, gpointer user_data)
{
  guint8 random[32];
  Registration *registration = g_new0 (Registration, 1);
  GString *token = g_string_sized_new (2 * sizeof random);

  if (getrandom (random, sizeof random, 0) != sizeof random)
    for (gsize i = 0; i < sizeof random; i++)
      random[i] = g_random_int_range (0, 256);
  for (gsize i = 0; i < sizeof random; i++)
    g_string_append_printf (token, "%02x", random[i]);
  registration->handler = handler;
  registration->user_data = user_data;
  registration->prompts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_hash_table_insert (self->tokens, g_strdup (token->str), registration);
  return g_string_free (token, FALSE);
}

/**
 * asd_askpass_server_unregister:
 * @self: the server
 * @token: a token from asd_askpass_server_register()
 *
 * The token is refused from now on.  Requests already handed to the
 * handler must still be answered.
 */
void
asd_askpass_server_unregister (AsdAskpassServer *self, const char *token)
{
  g_hash_table_remove (self->tokens, token);
}

const char *
asd_askpass_server_get_path (AsdAskpassServer *self)
{
  return self->path;
}

/**
 * asd_askpass_server_set_keyring:
 * @self: a server
 * @keyring: whether the answers may come from the Secret Service (the
 *   session service: yes, the default; the system service: no)
 */
void
asd_askpass_server_set_keyring (AsdAskpassServer *self, gboolean keyring)
{
  self->no_keyring = !keyring;
}

gboolean
asd_askpass_server_get_keyring (AsdAskpassServer *self)
{
  return !self->no_keyring;
}

/**
 * asd_askpass_server_get_dir:
 * @self: a server
 *
 * Returns: (transfer full): the service's private runtime directory, in
 *   which the socket is (0700, ours, checked at start): the place for the
 *   service's other private files, such as ssh's log FIFOs
 */
char *
asd_askpass_server_get_dir (AsdAskpassServer *self)
{
  return g_path_get_dirname (self->path);
}

static void
asd_askpass_server_dispose (GObject *object)
{
  AsdAskpassServer *self = ASD_ASKPASS_SERVER (object);

  if (self->listener != NULL)
    {
      GStatBuf now;

      g_cancellable_cancel (self->cancellable);
      g_clear_handle_id (&self->accept_pause_id, g_source_remove);
      g_socket_listener_close (self->listener);
      /* After --replace the path is the new instance's socket: keep it. */
      if (g_stat (self->path, &now) == 0 && now.st_ino == self->bound.st_ino &&
          now.st_dev == self->bound.st_dev)
        g_unlink (self->path);
    }
  /* Reads and writes end, cancelled; requests with the handler are its own. */
  while (self->connections.head != NULL)
    {
      AsdAskpassRequest *request = self->connections.head->data;

      if (request->phase == PHASE_ASKED)
        request_detach (request);
      else
        request_drop (request);
    }
  g_clear_object (&self->listener);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->tokens, g_hash_table_unref);

  G_OBJECT_CLASS (asd_askpass_server_parent_class)->dispose (object);
}

static void
asd_askpass_server_finalize (GObject *object)
{
  g_free (ASD_ASKPASS_SERVER (object)->path);

  G_OBJECT_CLASS (asd_askpass_server_parent_class)->finalize (object);
}

static void
asd_askpass_server_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  AsdAskpassServer *self = ASD_ASKPASS_SERVER (object);

  switch (prop_id)
    {
    case PROP_PATH:
      g_free (self->path);
      self->path = g_value_dup_string (value);
      break;
    case PROP_TAKE_OVER:
      self->take_over = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
asd_askpass_server_class_init (AsdAskpassServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = asd_askpass_server_dispose;
  object_class->finalize = asd_askpass_server_finalize;
  object_class->set_property = asd_askpass_server_set_property;

  g_object_class_install_property (object_class, PROP_PATH,
    g_param_spec_string ("path", NULL, NULL, NULL,
                         G_PARAM_WRITABLE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
  /* "take-over": replace another instance's socket (autosshd --replace) */
  g_object_class_install_property (object_class, PROP_TAKE_OVER,
    g_param_spec_boolean ("take-over", NULL, NULL, FALSE,
                          G_PARAM_WRITABLE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
}

static void
asd_askpass_server_init (AsdAskpassServer *self)
{
  self->tokens = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                        (GDestroyNotify) registration_free);
  self->cancellable = g_cancellable_new ();
}

/* Whether @dir is a real directory (not a link) that belongs to us: we
 * chmod it, and our socket lives in it. */
static gboolean
is_own_directory (const char *dir)
{
  GStatBuf st;

  return g_lstat (dir, &st) == 0 && S_ISDIR (st.st_mode) && st.st_uid == getuid ();
}

/* Whether a server answers on @path (another instance of the service). */
static gboolean
someone_listens (const char *path)
{
  g_autoptr(GSocketAddress) address = g_unix_socket_address_new (path);
  g_autoptr(GSocket) probe = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM,
                                           G_SOCKET_PROTOCOL_DEFAULT, NULL);

  return probe != NULL && g_socket_connect (probe, address, NULL, NULL);
}

/* Makes the directory 0700, listens on the socket, makes it 0600.  A
 * socket another instance answers on is left alone unless take-over. */
static gboolean
asd_askpass_server_initable_init (GInitable *initable, GCancellable *cancellable, GError **error)
{
  AsdAskpassServer *self = ASD_ASKPASS_SERVER (initable);
  g_autofree char *dir = NULL;
  g_autoptr(GSocketAddress) address = NULL;

  g_return_val_if_fail (self->path != NULL && self->listener == NULL, FALSE);

  dir = g_path_get_dirname (self->path);
  if (g_mkdir_with_parents (dir, 0700) == 0 && !is_own_directory (dir))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_DIRECTORY,
                   _("%s is not a directory of this user's (a link, or someone else's): remove it"),
                   dir);
      return FALSE;
    }
  if (g_mkdir_with_parents (dir, 0700) != 0 || g_chmod (dir, 0700) != 0)
    {
      int saved_errno = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("cannot make %s: %s"), dir, g_strerror (saved_errno));
      return FALSE;
    }
  if (!self->take_over && someone_listens (self->path))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE,
                   _("another autosshd answers on %s; use --replace to take over"), self->path);
      return FALSE;
    }
  /* left by an instance that was replaced or killed */
  g_unlink (self->path);
  asd_log_fifo_remove_stale (dir);
  asd_control_socket_remove_stale (dir);
  address = g_unix_socket_address_new (self->path);
  self->listener = g_socket_listener_new ();
  if (!g_socket_listener_add_address (self->listener, address,
                                      G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT,
                                      NULL, NULL, error))
    {
      g_prefix_error (error, _("cannot listen on %s: "), self->path);
      return FALSE;
    }
  g_chmod (self->path, 0600);
  g_stat (self->path, &self->bound);
  accept_next (self);
  return TRUE;
}

static void
asd_askpass_server_initable_iface_init (GInitableIface *iface)
{
  iface->init = asd_askpass_server_initable_init;
}

/**
 * asd_askpass_server_new:
 * @socket_path: where to listen; its directory is made 0700
 * @take_over: replace the socket of another instance that still answers
 *   on it (otherwise that is an error, and its socket is left alone)
 * @error: return location for an error
 *
 * Returns: (transfer full): a listening server, or %NULL
 */
AsdAskpassServer *
asd_askpass_server_new (const char *socket_path, gboolean take_over, GError **error)
{
  return g_initable_new (ASD_TYPE_ASKPASS_SERVER, NULL, error, "path", socket_path,
                         "take-over", take_over, NULL);
}
