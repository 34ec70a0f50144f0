/* Unit tests of AsdMuxClient against a master that misbehaves: a fake
 * master in a thread on a private socket answers with what each case
 * scripts (no hello, a wrong version, a packet too long or cut short, an
 * answer to another request, a reason with control characters...).  The
 * real master's answers are tested in test-mux-client.c.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <glib/gstdio.h>

#include "asd-mux-client.h"
#include "asd-mux-packet.h"

typedef enum {
  HELLO_NONE,          /* close at once */
  HELLO_WRONG_VERSION,
  HELLO_GOOD,
} Hello;

typedef enum {
  REPLY_PACKET,        /* type, id (+ id_delta), then value or reason */
  REPLY_TOO_LONG,      /* a header announcing more than a packet may hold */
  REPLY_CUT,           /* a header, half the body, close */
  REPLY_CLOSE,         /* close instead of answering */
} Reply;

typedef struct {
  Hello hello;
  Reply reply;
  guint32 type;
  guint32 id_delta;
  const char *reason;  /* for FAILURE and PERMISSION_DENIED */
} Script;

typedef struct {
  char *dir;
  char *path;
  int listen_fd;
  const Script *script;
  GThread *thread;
} Master;

static void
put_u32 (GByteArray *out, guint32 value)
{
  guint32 be = GUINT32_TO_BE (value);

  g_byte_array_append (out, (const guint8 *) &be, 4);
}

static void
write_packet (int fd, GByteArray *body)
{
  g_autoptr(GByteArray) packet = g_byte_array_new ();

  put_u32 (packet, body->len);
  g_byte_array_append (packet, body->data, body->len);
  g_assert_cmpint (write (fd, packet->data, packet->len), ==, (gssize) packet->len);
}

static gboolean
read_exactly (int fd, guint8 *buffer, gsize length)
{
  gsize got = 0;

  while (got < length)
    {
      gssize n = read (fd, buffer + got, length - got);

      if (n <= 0)
        return FALSE;
      got += n;
    }
  return TRUE;
}

/* The request's id: the client's hello, then the request packet. */
static guint32
read_request (int fd)
{
  guint8 hello[12], header[4], body[ASD_MUX_PACKET_MAX];
  guint32 length, id;

  g_assert_true (read_exactly (fd, hello, sizeof hello));
  g_assert_true (read_exactly (fd, header, 4));
  memcpy (&length, header, 4);
  length = GUINT32_FROM_BE (length);
  g_assert_cmpuint (length, <=, sizeof body);
  g_assert_true (read_exactly (fd, body, length));
  memcpy (&id, body + 4, 4);
  return GUINT32_FROM_BE (id);
}

static gpointer
run_master (gpointer data)
{
  Master *master = data;
  const Script *script = master->script;
  int fd = accept (master->listen_fd, NULL, NULL);
  g_autoptr(GByteArray) body = g_byte_array_new ();
  guint8 rest[64];
  guint32 id;

  g_assert_cmpint (fd, >=, 0);
  if (script->hello == HELLO_NONE)
    {
      close (fd);
      return NULL;
    }
  put_u32 (body, ASD_MUX_MSG_HELLO);
  put_u32 (body, script->hello == HELLO_GOOD ? ASD_MUX_VERSION : 3);
  write_packet (fd, body);
  g_byte_array_set_size (body, 0);
  id = script->hello == HELLO_GOOD ? read_request (fd) : 0;

  switch (script->reply)
    {
    case REPLY_PACKET:
      put_u32 (body, script->type);
      put_u32 (body, id + script->id_delta);
      if (script->reason != NULL)
        {
          put_u32 (body, strlen (script->reason));
          g_byte_array_append (body, (const guint8 *) script->reason, strlen (script->reason));
        }
      else
        put_u32 (body, 4242);
      write_packet (fd, body);
      break;
    case REPLY_TOO_LONG:
      put_u32 (body, ASD_MUX_PACKET_MAX + 1);
      g_assert_cmpint (write (fd, body->data, body->len), ==, 4);
      break;
    case REPLY_CUT:
      put_u32 (body, 12);
      put_u32 (body, ASD_MUX_S_OK);
      g_assert_cmpint (write (fd, body->data, body->len), ==, 8);
      break;
    case REPLY_CLOSE:
      break;
    }
  /* no more from us; then until the client has read it all and gone
   * (the fds it passed, if any, are dropped with what is read here) */
  shutdown (fd, SHUT_WR);
  while (read (fd, rest, sizeof rest) > 0)
    ;
  close (fd);
  return NULL;
}

static void
master_set_up (Master *master, gconstpointer data)
{
  struct sockaddr_un address = { .sun_family = AF_UNIX };
  g_autoptr(GError) error = NULL;

  master->dir = g_dir_make_tmp ("asd-mux-XXXXXX", &error);
  g_assert_no_error (error);
  master->path = g_build_filename (master->dir, "ctl", NULL);
  g_assert_cmpuint (strlen (master->path), <, sizeof address.sun_path);
  strcpy (address.sun_path, master->path);
  master->listen_fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  g_assert_cmpint (master->listen_fd, >=, 0);
  g_assert_cmpint (bind (master->listen_fd, (struct sockaddr *) &address, sizeof address), ==, 0);
  g_assert_cmpint (listen (master->listen_fd, 4), ==, 0);
  master->script = data;
  master->thread = g_thread_new ("fake-master", run_master, master);
}

static void
master_tear_down (Master *master, gconstpointer data)
{
  g_thread_join (master->thread);
  close (master->listen_fd);
  g_assert_cmpint (g_unlink (master->path), ==, 0);
  g_assert_cmpint (g_rmdir (master->dir), ==, 0);
  g_free (master->path);
  g_free (master->dir);
}

static void
on_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static GAsyncResult *
wait_for (GAsyncResult **result)
{
  while (*result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *result;
}

/* Scripts and what the client must make of them. */
typedef struct {
  const char *name;
  Script script;
  gboolean forward;        /* ask for a forward, else check liveness */
  int code;                /* the ASD_MUX_ERROR, or -1 for success */
  const char *message;     /* part of the error's message */
} Case;

static const Case cases[] = {
  { "no-hello", { HELLO_NONE, REPLY_CLOSE, 0, 0, NULL }, FALSE,
    ASD_MUX_ERROR_NO_MASTER, "" },   /* closed, or a failed write: either */
  { "wrong-version", { HELLO_WRONG_VERSION, REPLY_CLOSE, 0, 0, NULL }, FALSE,
    ASD_MUX_ERROR_NO_MASTER, "version 3" },
  { "too-long", { HELLO_GOOD, REPLY_TOO_LONG, 0, 0, NULL }, FALSE,
    ASD_MUX_ERROR_PROTOCOL, "a packet of 4097 bytes" },
  { "cut", { HELLO_GOOD, REPLY_CUT, 0, 0, NULL }, TRUE,
    ASD_MUX_ERROR_PROTOCOL, "in the middle of a packet" },
  { "closed", { HELLO_GOOD, REPLY_CLOSE, 0, 0, NULL }, TRUE,
    ASD_MUX_ERROR_PROTOCOL, "closed by the master" },
  { "other-request", { HELLO_GOOD, REPLY_PACKET, ASD_MUX_S_OK, 1, NULL }, TRUE,
    ASD_MUX_ERROR_PROTOCOL, "to request" },
  { "unknown-type", { HELLO_GOOD, REPLY_PACKET, 0x80000099u, 0, NULL }, FALSE,
    ASD_MUX_ERROR_PROTOCOL, "malformed packet" },
  { "forward-refused", { HELLO_GOOD, REPLY_PACKET, ASD_MUX_S_FAILURE, 0,
                         "Port forwarding failed" }, TRUE,
    ASD_MUX_ERROR_REFUSED, "Port forwarding failed" },
  { "forward-denied-escapes", { HELLO_GOOD, REPLY_PACKET, ASD_MUX_S_PERMISSION_DENIED, 0,
                                "denied\033[31m\nred" }, TRUE,
    ASD_MUX_ERROR_REFUSED, "denied [31m red" },
  { "forward-odd-answer", { HELLO_GOOD, REPLY_PACKET, ASD_MUX_S_ALIVE, 0, NULL }, TRUE,
    ASD_MUX_ERROR_PROTOCOL, "to a forward" },
  { "forward-remote-port", { HELLO_GOOD, REPLY_PACKET, ASD_MUX_S_REMOTE_PORT, 0, NULL }, TRUE,
    -1, NULL },
  { "alive-other-failure", { HELLO_GOOD, REPLY_PACKET, ASD_MUX_S_FAILURE, 0,
                             "administratively prohibited" }, FALSE,
    ASD_MUX_ERROR_REFUSED, "administratively prohibited" },
  { "alive-refused-by-peer", { HELLO_GOOD, REPLY_PACKET, ASD_MUX_S_FAILURE, 0,
                               "Session open refused by peer" }, FALSE,
    -1, NULL },
  { "alive-session-opened", { HELLO_GOOD, REPLY_PACKET, ASD_MUX_S_SESSION_OPENED, 0, NULL },
    FALSE, -1, NULL },
};

static void
test_case (Master *master, gconstpointer data)
{
  const Case *c = NULL;
  g_autoptr(AsdMuxClient) client = asd_mux_client_new (master->path);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    if (&cases[i].script == data)
      c = &cases[i];
  g_assert_nonnull (c);
  if (c->forward)
    {
      g_auto(AsdMuxForward) forward = { 0, };

      g_assert_true (asd_mux_forward_parse (ASD_MUX_FORWARD_LOCAL, "8080:h:80", &forward, NULL));
      asd_mux_client_forward_async (client, TRUE, &forward, NULL, on_done, &result);
      ok = asd_mux_client_forward_finish (client, wait_for (&result), &error);
    }
  else
    {
      guint64 latency = 0;

      asd_mux_client_check_alive_async (client, NULL, on_done, &result);
      ok = asd_mux_client_check_alive_finish (client, wait_for (&result), &latency, &error);
      if (ok)
        g_assert_cmpuint (latency, >, 0);
    }
  if (c->code < 0)
    {
      g_assert_no_error (error);
      g_assert_true (ok);
      return;
    }
  g_assert_false (ok);
  g_assert_error (error, ASD_MUX_ERROR, c->code);
  if (strstr (error->message, c->message) == NULL)
    g_error ("%s: “%s” does not hold “%s”", c->name, error->message, c->message);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_strconcat ("/mux-hostile/", cases[i].name, NULL);

      g_test_add (path, Master, &cases[i].script, master_set_up, test_case, master_tear_down);
    }
  return g_test_run ();
}
