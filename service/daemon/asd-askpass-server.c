/* asd-askpass-server.c: answers ssh's askpass helper, privately
 *
 * A Unix socket under $XDG_RUNTIME_DIR/autosshd (directory 0700, socket
 * 0600) on which only our own uid is answered (SO_PEERCRED).  Each start
 * of ssh registers a one-time token; a request must carry a live token,
 * and each prompt of that start is answered at most once, so a wrong
 * passphrase is not tried again and again.  Answers go back on the socket
 * and nowhere else: they are never logged.
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
  GStatBuf bound;                /* the socket file we made */
  GSocketService *service;
  GHashTable *tokens;            /* token → Registration */
};

struct _AsdAskpassRequest
{
  GSocketConnection *connection;
  GByteArray *buffer;
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

static void
request_free (AsdAskpassRequest *request)
{
  g_clear_object (&request->connection);
  if (request->buffer != NULL)
    {
      if (request->buffer->len > 0)
        memset (request->buffer->data, 0, request->buffer->len);
      g_byte_array_unref (request->buffer);
    }
  g_free (request);
}

static void
on_answer_written (GObject *source, GAsyncResult *result, gpointer user_data)
{
  AsdAskpassRequest *request = user_data;

  g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, NULL);
  g_io_stream_close (G_IO_STREAM (request->connection), NULL, NULL);
  request_free (request);
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
  g_output_stream_write_all_async (output, request->buffer->data, request->buffer->len,
                                   G_PRIORITY_DEFAULT, NULL, on_answer_written, request);
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

static void
dispatch (AsdAskpassServer *self, AsdAskpassRequest *request)
{
  g_autofree char *text = NULL;
  char *newline;
  Registration *registration;
  const char *prompt;

  /* A client that connected and said nothing has an empty buffer, whose
   * data is NULL: that is no string to look into. */
  if (request->buffer->len > 0)
    text = g_strndup ((const char *) request->buffer->data, request->buffer->len);
  newline = text != NULL ? strchr (text, '\n') : NULL;
  if (newline == NULL)
    {
      asd_askpass_request_refuse (request, "malformed request");
      return;
    }
  *newline = '\0';
  prompt = newline + 1;
  registration = g_hash_table_lookup (self->tokens, text);
  memset (text, 0, newline - text);
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

typedef struct {
  AsdAskpassServer *self;
  AsdAskpassRequest *request;
  guint8 chunk[4096];
} Reading;

static void
on_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Reading *reading = user_data;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, NULL);

  if (n > 0 && reading->request->buffer->len + n <= ASD_ASKPASS_MAX_MESSAGE)
    {
      g_byte_array_append (reading->request->buffer, reading->chunk, n);
      memset (reading->chunk, 0, sizeof reading->chunk);
      g_input_stream_read_async (G_INPUT_STREAM (source), reading->chunk, sizeof reading->chunk,
                                 G_PRIORITY_DEFAULT, NULL, on_read, reading);
      return;
    }
  if (n == 0)
    dispatch (reading->self, reading->request);
  else
    request_free (reading->request);   /* read error or too long: drop it */
  g_object_unref (reading->self);
  g_free (reading);
}

static gboolean
peer_is_us (GSocketConnection *connection)
{
  g_autoptr(GCredentials) credentials =
    g_socket_get_credentials (g_socket_connection_get_socket (connection), NULL);

  return credentials != NULL && g_credentials_get_unix_user (credentials, NULL) == getuid ();
}

static gboolean
on_incoming (GSocketService *service, GSocketConnection *connection,
             GObject *source_object, gpointer user_data)
{
  AsdAskpassServer *self = user_data;
  Reading *reading;

  if (!peer_is_us (connection))
    {
      g_warning ("askpass: refused a connection from another user");
      return TRUE;   /* closed when the last reference goes */
    }
  reading = g_new0 (Reading, 1);
  reading->self = g_object_ref (self);
  reading->request = g_new0 (AsdAskpassRequest, 1);
  reading->request->connection = g_object_ref (connection);
  reading->request->buffer = g_byte_array_new ();
  g_input_stream_read_async (g_io_stream_get_input_stream (G_IO_STREAM (connection)),
                             reading->chunk, sizeof reading->chunk, G_PRIORITY_DEFAULT,
                             NULL, on_read, reading);
  return TRUE;
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

  if (self->service != NULL)
    {
      GStatBuf now;

      g_socket_service_stop (self->service);
      g_socket_listener_close (G_SOCKET_LISTENER (self->service));
      /* After --replace the path is the new instance's socket: keep it. */
      if (g_stat (self->path, &now) == 0 && now.st_ino == self->bound.st_ino &&
          now.st_dev == self->bound.st_dev)
        g_unlink (self->path);
    }
  g_clear_object (&self->service);
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

  g_return_val_if_fail (self->path != NULL && self->service == NULL, FALSE);

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
  g_unlink (self->path);   /* left by an instance that was replaced or killed */
  address = g_unix_socket_address_new (self->path);
  self->service = g_socket_service_new ();
  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (self->service), address,
                                      G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT,
                                      NULL, NULL, error))
    {
      g_prefix_error (error, _("cannot listen on %s: "), self->path);
      return FALSE;
    }
  g_chmod (self->path, 0600);
  g_stat (self->path, &self->bound);
  g_signal_connect (self->service, "incoming", G_CALLBACK (on_incoming), self);
  g_socket_service_start (self->service);
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
