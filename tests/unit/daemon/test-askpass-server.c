/* test-askpass-server.c: the askpass server on a real Unix socket, no D-Bus
 *
 * The server is what answers ssh's askpass helper with a secret: it must
 * answer a live token once per prompt, refuse anything else, keep its
 * socket (0600) and directory (0700) private, and survive a client that
 * connects and says nothing.  The client here speaks
 * asd-askpass-protocol.h as autosshd-askpass does, from a thread, while
 * the test's main loop runs the server.  The server's limits (issue 9,
 * finding 2) are tested with real sockets: a crowd of idle connections,
 * slow and oversized requests, and the process out of file descriptors.
 * Warnings are recorded, not fatal; a test that expects none checks.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <glib/gstdio.h>
#include <glib-unix.h>
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
  gboolean warnings_expected;
} Fixture;

/* The server's limits (asd-askpass-server.c) */
#define MAX_CONNECTIONS 64
#define IO_TIMEOUT_MS   5000

static GPtrArray *warnings;    /* every warning logged, of any domain */

static GLogWriterOutput
record_warnings (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  if (!(level & (G_LOG_LEVEL_WARNING | G_LOG_LEVEL_CRITICAL)))
    return g_log_writer_default (level, fields, n_fields, user_data);
  for (gsize i = 0; i < n_fields; i++)
    if (g_str_equal (fields[i].key, "MESSAGE"))
      g_ptr_array_add (warnings, g_strdup (fields[i].value));
  return G_LOG_WRITER_HANDLED;
}

static guint
count_warnings (const char *part)
{
  guint n = 0;

  for (guint i = 0; i < warnings->len; i++)
    if (strstr (g_ptr_array_index (warnings, i), part) != NULL)
      n++;
  return n;
}

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
  g_ptr_array_set_size (warnings, 0);
}

static void
teardown (Fixture *fx, gconstpointer data)
{
  g_clear_object (&fx->server);
  /* connections dropped with the server end, cancelled */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  if (!fx->warnings_expected)
    g_assert_cmpuint (warnings->len, ==, 0);
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
  gsize length;                /* of the request, which may hold NUL bytes */
  GByteArray *answer;
  gboolean sent;
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
  /* The server may close a request it refuses before it is all sent:
   * then the answer is what came back, maybe nothing. */
  if (g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                                 ask->request, ask->length, NULL, NULL, NULL))
    g_socket_shutdown (g_socket_connection_get_socket (connection), FALSE, TRUE, NULL);
  g_atomic_int_set (&ask->sent, TRUE);
  ask->answer = g_byte_array_new ();
  while ((n = g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (connection)),
                                   buffer, sizeof buffer, NULL, NULL)) > 0)
    g_byte_array_append (ask->answer, buffer, n);
  g_atomic_int_set (&ask->done, TRUE);
  g_main_context_wakeup (NULL);
  return NULL;
}

static GThread *
ask_start (Ask *ask)
{
  return g_thread_new ("askpass-client", ask_thread, ask);
}

/* What came back to @ask, once it is done; the main loop runs the server. */
static char *
ask_finish (Ask *ask, GThread *thread)
{
  while (!g_atomic_int_get (&ask->done))
    g_main_context_iteration (NULL, TRUE);
  g_thread_join (thread);
  /* let the server finish with the connection (it closes its side) */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_free (ask->request);
  if (ask->answer == NULL)
    return NULL;
  g_byte_array_append (ask->answer, (const guint8 *) "", 1);
  return (char *) g_byte_array_free (ask->answer, FALSE);
}

/* Sends @length bytes of @request (or, with @request %NULL, nothing)
 * while the main loop runs the server; returns what came back. */
static char *
ask_bytes (Fixture *fx, const char *request, gsize length)
{
  Ask ask = { fx->path, NULL, length, NULL, FALSE, FALSE };

  if (request != NULL)
    ask.request = g_memdup2 (request, length + 1);   /* "" too */

  return ask_finish (&ask, ask_start (&ask));
}

/* Sends "TOKEN\nPROMPT" (or, with @request %NULL, nothing). */
static char *
ask (Fixture *fx, const char *request)
{
  return ask_bytes (fx, request, request != NULL ? strlen (request) : 0);
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

/* A log FIFO left by a killed instance (before its ssh opened it) is
 * removed when the next one starts; other files stay. */
static void
test_stale_fifos (Fixture *fx, gconstpointer data)
{
  g_autofree char *fifo = g_build_filename (fx->dir, "ssh-log-web-00112233", NULL);
  g_autofree char *other = g_build_filename (fx->dir, "ssh-log-notes", NULL);
  g_autoptr(GError) error = NULL;

  g_clear_object (&fx->server);
  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  g_assert_true (g_file_set_contents (other, "x", -1, NULL));
  fx->server = asd_askpass_server_new (fx->path, FALSE, &error);
  g_assert_no_error (error);
  g_assert_false (g_file_test (fifo, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (other, G_FILE_TEST_IS_REGULAR));
  g_unlink (other);
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

/* ---- the limits (issue 9, finding 2) ---- */

static int
connect_raw (const char *path)
{
  struct sockaddr_un address = { .sun_family = AF_UNIX };
  int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpuint (strlen (path), <, sizeof address.sun_path);
  strcpy (address.sun_path, path);
  g_assert_cmpint (connect (fd, (struct sockaddr *) &address, sizeof address), ==, 0);
  return fd;
}

static guint
count_open_fds (void)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  guint n = 0;

  g_assert_nonnull (dir);
  while (g_dir_read_name (dir) != NULL)
    n++;
  return n - 1;   /* the directory's own */
}

typedef struct {
  const char *path;
  int fds[4 * MAX_CONNECTIONS];
  guint n;
  gboolean done;
} Crowd;

/* Connects one after the other, says nothing, keeps them open. */
static gpointer
crowd_thread (gpointer user_data)
{
  Crowd *crowd = user_data;

  for (crowd->n = 0; crowd->n < G_N_ELEMENTS (crowd->fds); crowd->n++)
    crowd->fds[crowd->n] = connect_raw (crowd->path);
  g_atomic_int_set (&crowd->done, TRUE);
  g_main_context_wakeup (NULL);
  return NULL;
}

/* Four times MAX_CONNECTIONS idle connections: the server holds at most
 * MAX_CONNECTIONS, says so once, and a real request is answered at once,
 * not after the idle ones time out.  It used to hold all of them. */
static void
test_crowd (Fixture *fx, gconstpointer data)
{
  g_autofree char *token = asd_askpass_server_register (fx->server, handler, fx);
  Crowd crowd = { fx->path, { 0, }, 0, FALSE };
  guint before = count_open_fds ();
  GThread *thread = g_thread_new ("crowd", crowd_thread, &crowd);
  g_autofree char *answer = NULL;
  gint64 start;

  fx->warnings_expected = TRUE;
  while (!g_atomic_int_get (&crowd.done))
    g_main_context_iteration (NULL, TRUE);
  g_thread_join (thread);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_test_message ("server side: %u connections open of %u",
                  count_open_fds () - before - crowd.n, crowd.n);
  g_assert_cmpuint (count_open_fds () - before - crowd.n, <=, MAX_CONNECTIONS);

  start = g_get_monotonic_time ();
  answer = ask_token (fx, token, "Password: ");
  g_test_message ("answered in %" G_GINT64_FORMAT " µs", g_get_monotonic_time () - start);
  g_assert_cmpstr (answer, ==, ASD_ASKPASS_YES "secret for Password: ");
  g_assert_cmpint (g_get_monotonic_time () - start, <, IO_TIMEOUT_MS * 1000 / 5);
  g_assert_cmpuint (count_warnings ("connections at once"), ==, 1);
  g_assert_cmpuint (warnings->len, ==, 1);
  for (guint i = 0; i < crowd.n; i++)
    close (crowd.fds[i]);
  asd_askpass_server_unregister (fx->server, token);
}

typedef struct {
  int fd;
  gint64 start;
  gint64 closed;               /* µs after start; 0 while open */
} Watch;

static gboolean
on_client_readable (int fd, GIOCondition condition, gpointer user_data)
{
  Watch *watch = user_data;
  char byte;

  if (read (fd, &byte, 1) > 0)
    return G_SOURCE_CONTINUE;   /* no answer is expected; go on */
  watch->closed = g_get_monotonic_time () - watch->start;
  return G_SOURCE_REMOVE;
}

static gboolean
on_flag (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* A connection that sends nothing, and one that sends part of a request
 * and stops, are closed after IO_TIMEOUT_MS; they used to stay open. */
static void
test_idle_timeout (Fixture *fx, gconstpointer data)
{
  Watch watches[2];
  gboolean late = FALSE;
  guint late_id;

  fx->warnings_expected = TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (watches); i++)
    {
      watches[i].fd = connect_raw (fx->path);
      watches[i].start = g_get_monotonic_time ();
      watches[i].closed = 0;
      g_unix_fd_add (watches[i].fd, G_IO_IN | G_IO_HUP | G_IO_ERR, on_client_readable, &watches[i]);
    }
  g_assert_cmpint (write (watches[1].fd, "0123", 4), ==, 4);
  late_id = g_timeout_add (2 * IO_TIMEOUT_MS, on_flag, &late);
  while (!late && (watches[0].closed == 0 || watches[1].closed == 0))
    g_main_context_iteration (NULL, TRUE);
  for (guint i = 0; i < G_N_ELEMENTS (watches); i++)
    {
      g_test_message ("connection %u closed after %" G_GINT64_FORMAT " ms", i, watches[i].closed / 1000);
      g_assert_cmpint (watches[i].closed, >, 0);   /* not still open */
      g_assert_cmpint (watches[i].closed, >=, (IO_TIMEOUT_MS - 100) * 1000);
      g_assert_cmpint (watches[i].closed, <, 2 * IO_TIMEOUT_MS * 1000);
      close (watches[i].fd);
    }
  g_source_remove (late_id);
  g_assert_cmpuint (count_warnings ("to send its request"), ==, 1);
  g_assert_cmpuint (warnings->len, ==, 1);
}

/* A request longer than ASD_ASKPASS_MAX_REQUEST is closed unanswered
 * (the handler is not asked); it used to be read up to 64 KiB. */
static void
test_too_long (Fixture *fx, gconstpointer data)
{
  g_autofree char *token = asd_askpass_server_register (fx->server, handler, fx);
  gsize fits = ASD_ASKPASS_MAX_REQUEST - strlen (token) - 1;
  g_autofree char *longest = g_strnfill (fits, 'p');
  g_autofree char *too_long = g_strnfill (fits + 1, 'q');
  g_autofree char *answer = ask_token (fx, token, longest);
  g_autofree char *refused = ask_token (fx, token, too_long);

  fx->warnings_expected = TRUE;
  g_assert_true (g_str_has_prefix (answer, ASD_ASKPASS_YES));
  g_assert_cmpuint (strlen (refused), ==, 0);   /* (not the long answer in the log) */
  g_assert_cmpuint (fx->prompts->len, ==, 1);
  g_assert_cmpuint (count_warnings ("longer than"), ==, 1);
  g_assert_cmpuint (warnings->len, ==, 1);
  asd_askpass_server_unregister (fx->server, token);
}

/* A prompt that is not UTF-8, or a NUL byte anywhere, is malformed: the
 * handler would put the prompt in a reason on the bus. */
static void
test_not_text (Fixture *fx, gconstpointer data)
{
  g_autofree char *token = asd_askpass_server_register (fx->server, handler, fx);
  g_autofree char *not_utf8 = ask_token (fx, token, "Password for \xff: ");
  g_autofree char *with_nul = g_strconcat (token, "\nPass", NULL);
  g_autofree char *nul_answer = NULL;

  with_nul[strlen (token) + 3] = '\0';   /* "Pa\0s" */
  nul_answer = ask_bytes (fx, with_nul, strlen (token) + 5);
  g_assert_cmpstr (not_utf8, ==, ASD_ASKPASS_NO "malformed request");
  g_assert_cmpstr (nul_answer, ==, ASD_ASKPASS_NO "malformed request");
  g_assert_cmpuint (fx->prompts->len, ==, 0);
  asd_askpass_server_unregister (fx->server, token);
}

static gdouble
cpu_seconds (void)
{
  struct rusage usage;

  g_assert_cmpint (getrusage (RUSAGE_SELF, &usage), ==, 0);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
         (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

/* Opens /dev/null until the process is out of file descriptors. */
static GArray *
use_up_fds (void)
{
  GArray *fds = g_array_new (FALSE, FALSE, sizeof (int));
  int fd;

  while ((fd = open ("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0)
    g_array_append_val (fds, fd);
  g_assert_cmpint (errno, ==, EMFILE);
  return fds;
}

static void
out_of_fds (Fixture *fx)
{
  g_autofree char *token = asd_askpass_server_register (fx->server, handler, fx);
  g_autofree char *request = g_strconcat (token, "\nPassword: ", NULL);
  Ask ask = { fx->path, g_strdup (request), strlen (request), NULL, FALSE, FALSE };
  struct rlimit saved, low;
  g_autoptr(GArray) fds = NULL;
  g_autofree char *answer = NULL;
  GThread *thread;
  gboolean over = FALSE;
  gdouble cpu;
  gint64 freed;

  fx->warnings_expected = TRUE;
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL);   /* warnings are counted */
  g_assert_cmpint (getrlimit (RLIMIT_NOFILE, &saved), ==, 0);
  low = saved;
  low.rlim_cur = count_open_fds () + 64;
  low.rlim_cur = MIN (saved.rlim_cur, low.rlim_cur);
  g_assert_cmpint (setrlimit (RLIMIT_NOFILE, &low), ==, 0);

  /* the client sends its request before the server can accept it */
  thread = ask_start (&ask);
  while (!g_atomic_int_get (&ask.sent))
    g_usleep (1000);
  fds = use_up_fds ();
  cpu = cpu_seconds ();
  g_timeout_add (1000, on_flag, &over);
  while (!over)
    g_main_context_iteration (NULL, TRUE);
  cpu = cpu_seconds () - cpu;
  /* (a TAP comment: the child's g_test_message() is not shown) */
  g_print ("# out of fds for 1 s: %.3f s of CPU, %u warnings\n", cpu, warnings->len);
  g_assert_cmpfloat (cpu, <, 0.05);   /* measured 0.001-0.002; spinning: ~1 */
  g_assert_cmpuint (warnings->len, ==, 1);
  g_assert_cmpuint (count_warnings ("cannot accept"), ==, 1);
  g_assert_false (g_atomic_int_get (&ask.done));

  for (guint i = 0; i < fds->len; i++)
    close (g_array_index (fds, int, i));
  g_assert_cmpint (setrlimit (RLIMIT_NOFILE, &saved), ==, 0);
  freed = g_get_monotonic_time ();
  answer = ask_finish (&ask, thread);
  g_print ("# answered %" G_GINT64_FORMAT " ms after the fds were free\n",
           (g_get_monotonic_time () - freed) / 1000);
  g_assert_cmpstr (answer, ==, ASD_ASKPASS_YES "secret for Password: ");
  g_assert_cmpint (g_get_monotonic_time () - freed, <, 500 * 1000);
  asd_askpass_server_unregister (fx->server, token);
}

/* Out of file descriptors, accept() fails and the connection stays
 * pending: the server pauses instead of spinning, logs one line, and
 * answers the pending request once descriptors are free again.  It used
 * to spin at full CPU, logging each failure.  Run in a child process:
 * its limit is lowered, and valgrind (which does not follow the child)
 * would close the accepted descriptor above its own limit. */
static void
test_out_of_fds (Fixture *fx, gconstpointer data)
{
  if (!g_test_subprocess ())
    {
      g_test_trap_subprocess (NULL, 30 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDOUT);
      g_test_trap_assert_passed ();
      return;
    }
  out_of_fds (fx);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  warnings = g_ptr_array_new_with_free_func (g_free);
  g_log_set_writer_func (record_warnings, NULL, NULL);

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
  ADD ("stale-fifos", test_stale_fifos);
  ADD ("crowd", test_crowd);
  ADD ("idle-timeout", test_idle_timeout);
  ADD ("too-long", test_too_long);
  ADD ("not-text", test_not_text);
  ADD ("out-of-fds", test_out_of_fds);
#undef ADD

  status = g_test_run ();
  g_ptr_array_unref (warnings);
  return status;
}
