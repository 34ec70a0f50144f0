/* test-askpass-server.c: the askpass server on a real Unix socket, no D-Bus
 *
 * The server is what answers ssh's askpass helper with a secret: it must
 * answer a live token once per prompt, refuse anything else, keep its
 * socket (0600) and directory (0700) private, and survive a client that
 * connects and says nothing.  The client here speaks
 * asd-askpass-protocol.h as autosshd-askpass does, from a thread, while
 * the test's main loop runs the server.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <glib/gstdio.h>
#include <gio/gunixsocketaddress.h>

#include "asd-askpass-protocol.h"
#include "asd-askpass-server.h"

typedef struct {
  char *tmp;
  char *dir;                   /* tmp/autosshd, made by the server */
  char *path;                  /* dir/askpass */
  AsdAskpassServer *server;
  GPtrArray *prompts;          /* what the handler was asked */
  guint refused_again;         /* handler calls without a request */
} Fixture;

static void
setup (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  fx->tmp = g_dir_make_tmp ("asd-askpass-XXXXXX", &error);
  g_assert_no_error (error);
  fx->dir = g_build_filename (fx->tmp, "autosshd", NULL);
  fx->path = g_build_filename (fx->dir, "askpass", NULL);
  fx->server = asd_askpass_server_new (fx->path, FALSE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (fx->server);
  fx->prompts = g_ptr_array_new_with_free_func (g_free);
}

static void
teardown (Fixture *fx, gconstpointer data)
{
  g_clear_object (&fx->server);
  g_assert_false (g_file_test (fx->path, G_FILE_TEST_EXISTS));   /* removed with the server */
  g_rmdir (fx->dir);
  g_assert_cmpint (g_rmdir (fx->tmp), ==, 0);
  g_ptr_array_unref (fx->prompts);
  g_free (fx->path);
  g_free (fx->dir);
  g_free (fx->tmp);
}

static void
handler (AsdAskpassRequest *request, const char *prompt, gpointer user_data)
{
  Fixture *fx = user_data;
  g_autofree char *answer = g_strconcat ("secret for ", prompt, NULL);

  if (request == NULL)
    {
      fx->refused_again++;
      return;
    }
  g_ptr_array_add (fx->prompts, g_strdup (prompt));
  asd_askpass_request_answer (request, answer);
}

/* ---- the client, in a thread ---- */

typedef struct {
  const char *path;
  char *request;               /* NULL: connect and close without a word */
  GByteArray *answer;
  gboolean done;
} Ask;

static gpointer
ask_thread (gpointer user_data)
{
  Ask *ask = user_data;
  g_autoptr(GSocketAddress) address = g_unix_socket_address_new (ask->path);
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  guint8 buffer[4096];
  gssize n;

  connection = g_socket_client_connect (client, G_SOCKET_CONNECTABLE (address), NULL, &error);
  g_assert_no_error (error);
  if (ask->request == NULL)
    {
      g_io_stream_close (G_IO_STREAM (connection), NULL, &error);
      g_assert_no_error (error);
      g_atomic_int_set (&ask->done, TRUE);
      g_main_context_wakeup (NULL);
      return NULL;
    }
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                             ask->request, strlen (ask->request), NULL, NULL, &error);
  g_assert_no_error (error);
  g_socket_shutdown (g_socket_connection_get_socket (connection), FALSE, TRUE, &error);
  g_assert_no_error (error);
  ask->answer = g_byte_array_new ();
  while ((n = g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (connection)),
                                   buffer, sizeof buffer, NULL, &error)) > 0)
    g_byte_array_append (ask->answer, buffer, n);
  g_assert_no_error (error);
  g_atomic_int_set (&ask->done, TRUE);
  g_main_context_wakeup (NULL);
  return NULL;
}

/* Sends "TOKEN\nPROMPT" (or, with @request %NULL, nothing) while the main
 * loop runs the server; returns what came back. */
static char *
ask (Fixture *fx, const char *request)
{
  Ask ask = { fx->path, g_strdup (request), NULL, FALSE };
  GThread *thread = g_thread_new ("askpass-client", ask_thread, &ask);

  while (!g_atomic_int_get (&ask.done))
    g_main_context_iteration (NULL, TRUE);
  g_thread_join (thread);
  /* let the server finish with the connection (it closes its side) */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_free (ask.request);
  if (ask.answer == NULL)
    return NULL;
  g_byte_array_append (ask.answer, (const guint8 *) "", 1);
  return (char *) g_byte_array_free (ask.answer, FALSE);
}

static char *
ask_token (Fixture *fx, const char *token, const char *prompt)
{
  g_autofree char *request = g_strconcat (token, "\n", prompt, NULL);

  return ask (fx, request);
}

/* ---- tests ---- */

static void
test_answer (Fixture *fx, gconstpointer data)
{
  g_autofree char *token = asd_askpass_server_register (fx->server, handler, fx);
  g_autofree char *answer = ask_token (fx, token, "Enter passphrase for key '/k': ");

  g_assert_cmpstr (asd_askpass_server_get_path (fx->server), ==, fx->path);
  g_assert_cmpuint (strlen (token), ==, 64);
  g_assert_cmpstr (answer, ==, ASD_ASKPASS_YES "secret for Enter passphrase for key '/k': ");
  g_assert_cmpuint (fx->prompts->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (fx->prompts, 0), ==, "Enter passphrase for key '/k': ");
  asd_askpass_server_unregister (fx->server, token);
}

/* The same prompt twice in one start of ssh: refused, the handler told. */
static void
test_prompt_once (Fixture *fx, gconstpointer data)
{
  g_autofree char *token = asd_askpass_server_register (fx->server, handler, fx);
  g_autofree char *first = ask_token (fx, token, "Password: ");
  g_autofree char *second = ask_token (fx, token, "Password: ");

  g_assert_true (g_str_has_prefix (first, ASD_ASKPASS_YES));
  g_assert_true (g_str_has_prefix (second, ASD_ASKPASS_NO));
  g_assert_cmpuint (fx->prompts->len, ==, 1);
  g_assert_cmpuint (fx->refused_again, ==, 1);
  asd_askpass_server_unregister (fx->server, token);
}

static void
test_unknown_token (Fixture *fx, gconstpointer data)
{
  g_autofree char *token = asd_askpass_server_register (fx->server, handler, fx);
  g_autofree char *answer = ask_token (fx, "0123456789abcdef", "Password: ");
  g_autofree char *malformed = ask (fx, "no newline at all");

  g_assert_cmpstr (answer, ==, ASD_ASKPASS_NO "unknown or expired token");
  g_assert_cmpstr (malformed, ==, ASD_ASKPASS_NO "malformed request");
  g_assert_cmpuint (fx->prompts->len, ==, 0);
  asd_askpass_server_unregister (fx->server, token);
}

static void
test_unregister (Fixture *fx, gconstpointer data)
{
  g_autofree char *token = asd_askpass_server_register (fx->server, handler, fx);
  g_autofree char *other = asd_askpass_server_register (fx->server, handler, fx);
  g_autofree char *answer = NULL;
  g_autofree char *still = NULL;

  g_assert_cmpstr (token, !=, other);
  asd_askpass_server_unregister (fx->server, token);
  answer = ask_token (fx, token, "Password: ");
  g_assert_cmpstr (answer, ==, ASD_ASKPASS_NO "unknown or expired token");
  still = ask_token (fx, other, "Password: ");
  g_assert_true (g_str_has_prefix (still, ASD_ASKPASS_YES));
  asd_askpass_server_unregister (fx->server, other);
}

static void
test_modes (Fixture *fx, gconstpointer data)
{
  GStatBuf st;

  g_assert_cmpint (g_lstat (fx->path, &st), ==, 0);
  g_assert_true (S_ISSOCK (st.st_mode));
  g_assert_cmpint (st.st_mode & 07777, ==, 0600);
  g_assert_cmpint (g_stat (fx->dir, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 07777, ==, 0700);
}

/* A directory that exists with a looser mode is made 0700. */
static void
test_existing_dir (Fixture *fx, gconstpointer data)
{
  g_autofree char *dir = g_build_filename (fx->tmp, "loose", NULL);
  g_autofree char *path = g_build_filename (dir, "askpass", NULL);
  g_autoptr(AsdAskpassServer) server = NULL;
  g_autoptr(GError) error = NULL;
  GStatBuf st;

  g_assert_cmpint (g_mkdir (dir, 0755), ==, 0);
  server = asd_askpass_server_new (path, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (dir, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 07777, ==, 0700);
  g_clear_object (&server);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

/* Cannot listen: a GInitable error that names the place. */
static void
test_cannot_listen (Fixture *fx, gconstpointer data)
{
  g_autofree char *file = g_build_filename (fx->tmp, "file", NULL);
  g_autofree char *path = g_build_filename (file, "askpass", NULL);
  g_autoptr(GError) error = NULL;
  AsdAskpassServer *server;

  g_file_set_contents (file, "not a directory", -1, &error);
  g_assert_no_error (error);
  server = asd_askpass_server_new (path, FALSE, &error);
  g_assert_null (server);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_DIRECTORY);
  g_assert_nonnull (strstr (error->message, file));
  g_unlink (file);
}

/* issue 9, finding 11: a runtime directory that is a link is refused, and
 * its target's mode is left alone (it used to be chmodded 0700). */
static void
test_linked_dir (Fixture *fx, gconstpointer data)
{
  g_autofree char *target = g_build_filename (fx->tmp, "elsewhere", NULL);
  g_autofree char *link = g_build_filename (fx->tmp, "linked", NULL);
  g_autofree char *path = g_build_filename (link, "askpass", NULL);
  g_autoptr(GError) error = NULL;
  AsdAskpassServer *server;
  GStatBuf st;

  g_assert_cmpint (g_mkdir (target, 0755), ==, 0);
  g_assert_cmpint (symlink (target, link), ==, 0);
  server = asd_askpass_server_new (path, FALSE, &error);
  g_assert_null (server);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_DIRECTORY);
  g_assert_nonnull (strstr (error->message, link));
  g_assert_cmpint (g_stat (target, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 07777, ==, 0755);
  g_unlink (link);
  g_rmdir (target);
}

/* issue 9, finding 7: a second instance (without --replace) must leave
 * the running one's socket alone: it used to unlink and rebind it, then
 * remove it on exit, and the first could no longer answer. */
static void
test_second_instance (Fixture *fx, gconstpointer data)
{
  g_autofree char *token = asd_askpass_server_register (fx->server, handler, fx);
  g_autoptr(GError) error = NULL;
  g_autoptr(AsdAskpassServer) second = asd_askpass_server_new (fx->path, FALSE, &error);
  g_autofree char *answer = NULL;
  g_autoptr(AsdAskpassServer) replacing = NULL;

  g_assert_null (second);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE);
  g_assert_nonnull (strstr (error->message, "--replace"));
  answer = ask_token (fx, token, "Enter passphrase for key '/k': ");
  g_assert_cmpstr (answer, ==, ASD_ASKPASS_YES "secret for Enter passphrase for key '/k': ");
  /* --replace takes the socket over */
  g_clear_error (&error);
  replacing = asd_askpass_server_new (fx->path, TRUE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (replacing);
  asd_askpass_server_unregister (fx->server, token);
}

/* issue 9, finding 1: connect, then close without writing a byte crashed
 * the server (a NULL buffer reached strchr). */
static void
test_empty_connection (Fixture *fx, gconstpointer data)
{
  g_autofree char *token = asd_askpass_server_register (fx->server, handler, fx);
  g_autofree char *nothing = ask (fx, NULL);
  g_autofree char *empty = ask (fx, "");
  g_autofree char *after = ask_token (fx, token, "Password: ");

  g_assert_null (nothing);
  g_assert_cmpstr (empty, ==, ASD_ASKPASS_NO "malformed request");
  g_assert_true (g_str_has_prefix (after, ASD_ASKPASS_YES));
  g_assert_cmpuint (fx->prompts->len, ==, 1);
  asd_askpass_server_unregister (fx->server, token);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(name, func) g_test_add ("/askpass-server/" name, Fixture, NULL, setup, func, teardown)
  ADD ("answer", test_answer);
  ADD ("prompt-once", test_prompt_once);
  ADD ("unknown-token", test_unknown_token);
  ADD ("unregister", test_unregister);
  ADD ("modes", test_modes);
  ADD ("existing-dir", test_existing_dir);
  ADD ("cannot-listen", test_cannot_listen);
  ADD ("empty-connection", test_empty_connection);
  ADD ("second-instance", test_second_instance);
  ADD ("linked-dir", test_linked_dir);
#undef ADD

  return g_test_run ();
}
