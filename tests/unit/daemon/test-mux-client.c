/* test-mux-client.c: the control-connection client against a real master
 *
 * A real sshd on 127.0.0.1 (its own keys, config and a free port, as
 * TESTBED.md says), and a real `ssh -N` as control master of a socket in
 * the test's directory.  The client must prove the session alive in one
 * round trip, find a stalled one (the server's session process
 * SIGSTOPped: the kernel still ACKs, the master still answers locally)
 * by its deadline, open and close forwards, and say so when the master
 * refuses (a busy local port, a forward that is not there) or is not
 * there.  The packet encoding and decoding is tested without I/O.  Needs
 * root (sshd's root login) and /usr/sbin/sshd; without them it fails.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <glib/gstdio.h>

#include "asd-error.h"
#include "asd-mux-client.h"

#define SSHD "/usr/sbin/sshd"

typedef struct {
  char *dir;
  char *control;
  guint port;
  GPid sshd;
  GPid master;
} World;

static World world;

static void
run_or_die (const char * const *argv)
{
  g_autoptr(GError) error = NULL;
  gint status = 0;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                NULL, NULL, NULL, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
}

/* A port nobody listens on now (bound and let go). */
static guint
free_port (void)
{
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  socklen_t len = sizeof addr;
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (bind (fd, (struct sockaddr *) &addr, sizeof addr), ==, 0);
  g_assert_cmpint (getsockname (fd, (struct sockaddr *) &addr, &len), ==, 0);
  close (fd);
  return ntohs (addr.sin_port);
}

/* A socket listening on 127.0.0.1:@port (0: any), its port in @port. */
static int
listen_on (guint *port)
{
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK),
                              .sin_port = htons (*port) };
  socklen_t len = sizeof addr;
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

  g_assert_cmpint (bind (fd, (struct sockaddr *) &addr, sizeof addr), ==, 0);
  g_assert_cmpint (listen (fd, 4), ==, 0);
  g_assert_cmpint (getsockname (fd, (struct sockaddr *) &addr, &len), ==, 0);
  *port = ntohs (addr.sin_port);
  return fd;
}

/* The first bytes 127.0.0.1:@port says (sshd's "SSH-2.0-..."), or "". */
static char *
first_words (guint port)
{
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK),
                              .sin_port = htons (port) };
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct timeval tv = { 3, 0 };
  char buffer[8] = { 0, };
  gssize n = 0;

  setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (connect (fd, (struct sockaddr *) &addr, sizeof addr) == 0)
    n = read (fd, buffer, sizeof buffer - 1);
  close (fd);
  return g_strndup (buffer, MAX (n, 0));
}

static void
write_file (const char *name, const char *text)
{
  g_autofree char *path = g_build_filename (world.dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
}

static GPid
spawn (const char * const *argv)
{
  g_autoptr(GError) error = NULL;
  GPid pid = 0;

  g_spawn_async (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL |
                 G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &pid, &error);
  g_assert_no_error (error);
  return pid;
}

static void
start_sshd (void)
{
  g_autofree char *key = g_build_filename (world.dir, "host", NULL);
  g_autofree char *id = g_build_filename (world.dir, "id", NULL);
  g_autofree char *pub = g_build_filename (world.dir, "id.pub", NULL);
  g_autofree char *config = g_build_filename (world.dir, "sshd_config", NULL);
  g_autofree char *text = NULL;
  g_autofree char *authorized = NULL;

  run_or_die ((const char *[]) { "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key, NULL });
  run_or_die ((const char *[]) { "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", id, NULL });
  g_assert_true (g_file_get_contents (pub, &authorized, NULL, NULL));
  write_file ("authorized_keys", authorized);
  world.port = free_port ();
  text = g_strdup_printf ("ListenAddress 127.0.0.1\nPort %u\nHostKey %s\nPidFile none\nUsePAM no\n"
                          "StrictModes no\nPermitRootLogin prohibit-password\n"
                          "AuthorizedKeysFile %s/authorized_keys\n", world.port, key, world.dir);
  write_file ("sshd_config", text);
  g_mkdir_with_parents ("/run/sshd", 0755);
  world.sshd = spawn ((const char *[]) { SSHD, "-D", "-e", "-f", config, NULL });
  for (int i = 0; i < 200; i++)
    {
      g_autofree char *hello = first_words (world.port);

      if (g_str_has_prefix (hello, "SSH-"))
        return;
      g_usleep (20000);
    }
  g_error ("sshd did not come up");
}

static void
start_master (void)
{
  g_autofree char *id = g_build_filename (world.dir, "id", NULL);
  g_autofree char *port = g_strdup_printf ("%u", world.port);
  g_autofree char *path = g_strconcat ("ControlPath=", world.control, NULL);
  g_autofree char *known = g_strdup_printf ("UserKnownHostsFile=%s/known_hosts", world.dir);

  world.master = spawn ((const char *[]) {
    "ssh", "-F", "/dev/null", "-N", "-p", port, "-i", id, "-o", "IdentitiesOnly=yes",
    "-o", known, "-o", "StrictHostKeyChecking=no", "-o", "BatchMode=yes",
    "-o", "ControlMaster=yes", "-o", path, "-o", "ControlPersist=no", "root@127.0.0.1", NULL });
  for (int i = 0; i < 500 && !g_file_test (world.control, G_FILE_TEST_EXISTS); i++)
    g_usleep (20000);
  g_assert_true (g_file_test (world.control, G_FILE_TEST_EXISTS));
}

static void
stop (GPid *pid)
{
  if (*pid <= 0)
    return;
  kill (*pid, SIGCONT);
  kill (*pid, SIGTERM);
  waitpid (*pid, NULL, 0);
  *pid = 0;
}

/* The server's per-connection process for the master: a child of our sshd. */
static GPid
server_session (void)
{
  g_autoptr(GDir) proc = g_dir_open ("/proc", 0, NULL);
  const char *name;

  while ((name = g_dir_read_name (proc)) != NULL)
    {
      g_autofree char *path = g_build_filename ("/proc", name, "stat", NULL);
      g_autofree char *stat = NULL;
      const char *close_paren;
      int ppid = 0;

      if (!g_ascii_isdigit (name[0]) || !g_file_get_contents (path, &stat, NULL, NULL) ||
          (close_paren = strrchr (stat, ')')) == NULL)
        continue;
      if (sscanf (close_paren + 2, "%*c %d", &ppid) == 1 && ppid == world.sshd)
        return atoi (name);
    }
  return 0;
}

/* ---- waiting for answers ---- */

typedef struct {
  gboolean done;
  gboolean ok;
  guint64 latency;
  GError *error;
} Answer;

static void
on_alive (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Answer *a = user_data;

  a->ok = asd_mux_client_check_alive_finish (ASD_MUX_CLIENT (source), result, &a->latency, &a->error);
  a->done = TRUE;
}

static void
on_forward (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Answer *a = user_data;

  a->ok = asd_mux_client_forward_finish (ASD_MUX_CLIENT (source), result, &a->error);
  a->done = TRUE;
}

static void
wait_for (Answer *a)
{
  while (!a->done)
    g_main_context_iteration (NULL, TRUE);
}

static Answer
check_alive (AsdMuxClient *client)
{
  Answer a = { 0, };

  asd_mux_client_check_alive_async (client, NULL, on_alive, &a);
  wait_for (&a);
  return a;
}

static Answer
forward (AsdMuxClient *client, gboolean open, AsdMuxForwardKind kind, const char *spec)
{
  g_auto(AsdMuxForward) fwd = { 0, };
  g_autoptr(GError) error = NULL;
  Answer a = { 0, };

  g_assert_true (asd_mux_forward_parse (kind, spec, &fwd, &error));
  asd_mux_client_forward_async (client, open, &fwd, NULL, on_forward, &a);
  wait_for (&a);
  return a;
}

/* ---- against the master ---- */

static void
test_alive (void)
{
  g_autoptr(AsdMuxClient) client = asd_mux_client_new (world.control);
  Answer a = check_alive (client);

  g_assert_no_error (a.error);
  g_assert_true (a.ok);
  g_test_message ("liveness check on loopback: %" G_GUINT64_FORMAT " µs", a.latency);
  g_assert_cmpuint (a.latency, >, 0);
  g_assert_cmpuint (a.latency, <, 1000000);
  g_assert_cmpuint (asd_mux_client_get_alive_deadline (client), ==, ASD_MUX_ALIVE_DEADLINE_MS);
  /* again, on a new connection */
  a = check_alive (client);
  g_assert_no_error (a.error);
}

static void
test_stalled (void)
{
  g_autoptr(AsdMuxClient) client = asd_mux_client_new (world.control);
  GPid session = server_session ();
  gint64 start;
  Answer a;

  g_assert_cmpint (session, >, 0);
  kill (session, SIGSTOP);
  start = g_get_monotonic_time ();
  a = check_alive (client);
  kill (session, SIGCONT);
  g_assert_error (a.error, ASD_MUX_ERROR, ASD_MUX_ERROR_TIMEOUT);
  g_assert_false (a.ok);
  g_test_message ("stalled session found after %" G_GINT64_FORMAT " ms",
                  (g_get_monotonic_time () - start) / 1000);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, ASD_MUX_ALIVE_DEADLINE_MS * 1000);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 2 * ASD_MUX_ALIVE_DEADLINE_MS * 1000);
  g_clear_error (&a.error);
  /* healed: it answers again */
  a = check_alive (client);
  g_assert_no_error (a.error);
}

static void
test_forwards (void)
{
  g_autoptr(AsdMuxClient) client = asd_mux_client_new (world.control);
  guint lport = free_port ();
  guint busy = 0;
  int busy_fd = listen_on (&busy);
  g_autofree char *spec = g_strdup_printf ("%u:127.0.0.1:%u", lport, world.port);
  /* bound to 127.0.0.1: ssh's default ("localhost") would still get ::1 */
  g_autofree char *busy_spec = g_strdup_printf ("127.0.0.1:%u:127.0.0.1:%u", busy, world.port);
  g_autofree char *through = NULL;
  g_autofree char *after = NULL;
  Answer a;

  a = forward (client, TRUE, ASD_MUX_FORWARD_LOCAL, spec);
  g_assert_no_error (a.error);
  through = first_words (lport);
  g_assert_cmpstr (through, ==, "SSH-2.0");
  a = forward (client, FALSE, ASD_MUX_FORWARD_LOCAL, spec);
  g_assert_no_error (a.error);
  after = first_words (lport);
  g_assert_cmpstr (after, ==, "");

  /* a busy local port, and a forward that is not there: the master's reasons */
  a = forward (client, TRUE, ASD_MUX_FORWARD_LOCAL, busy_spec);
  g_assert_error (a.error, ASD_MUX_ERROR, ASD_MUX_ERROR_REFUSED);
  g_assert_cmpstr (a.error->message, ==, "Port forwarding failed");
  g_clear_error (&a.error);
  a = forward (client, FALSE, ASD_MUX_FORWARD_LOCAL, spec);
  g_assert_error (a.error, ASD_MUX_ERROR, ASD_MUX_ERROR_REFUSED);
  g_assert_cmpstr (a.error->message, ==, "port not forwarded");
  g_clear_error (&a.error);
  close (busy_fd);
}

static void
test_remote_forward (void)
{
  g_autoptr(AsdMuxClient) client = asd_mux_client_new (world.control);
  guint rport = free_port ();
  g_autofree char *spec = g_strdup_printf ("%u:127.0.0.1:%u", rport, world.port);
  g_autofree char *through = NULL;
  Answer a;

  a = forward (client, TRUE, ASD_MUX_FORWARD_REMOTE, spec);
  g_assert_no_error (a.error);
  through = first_words (rport);   /* the server's port, to our sshd again */
  g_assert_cmpstr (through, ==, "SSH-2.0");
  a = forward (client, FALSE, ASD_MUX_FORWARD_REMOTE, spec);
  g_assert_no_error (a.error);
}

static void
test_no_master (void)
{
  g_autofree char *path = g_build_filename (world.dir, "nobody", NULL);
  g_autoptr(AsdMuxClient) client = asd_mux_client_new (path);
  Answer a = check_alive (client);

  g_assert_error (a.error, ASD_MUX_ERROR, ASD_MUX_ERROR_NO_MASTER);
  g_clear_error (&a.error);
}

/* ---- packets, without I/O ---- */

static void
test_encode (void)
{
  g_autoptr(GBytes) hello = asd_mux_encode_hello ();
  g_autoptr(GBytes) stdio = asd_mux_encode_stdio_fwd (7, "127.0.0.1", 1);
  static const guint8 hello_wire[] = { 0, 0, 0, 8, 0, 0, 0, 1, 0, 0, 0, 4 };
  static const guint8 stdio_wire[] = {
    0, 0, 0, 29, 0x10, 0, 0, 8, 0, 0, 0, 7, 0, 0, 0, 0,
    0, 0, 0, 9, '1', '2', '7', '.', '0', '.', '0', '.', '1', 0, 0, 0, 1 };
  gsize n;
  const guint8 *data = g_bytes_get_data (hello, &n);

  g_assert_cmpmem (data, n, hello_wire, sizeof hello_wire);
  data = g_bytes_get_data (stdio, &n);
  g_assert_cmpmem (data, n, stdio_wire, sizeof stdio_wire);
}

static void
test_decode (void)
{
  static const guint8 failure[] = { 0x80, 0, 0, 3, 0, 0, 0, 9, 0, 0, 0, 3, 'a', '\n', 0xff };
  static const guint8 short_string[] = { 0x80, 0, 0, 3, 0, 0, 0, 9, 0, 0, 0, 30, 'a' };
  static const guint8 unknown[] = { 0x80, 0, 0, 0x99, 0, 0, 0, 9 };
  static const guint8 big[] = { 0, 1, 0, 0 };
  static const guint8 tiny[] = { 0, 0, 0, 3 };
  g_auto(AsdMuxReply) reply = { 0, };
  g_autoptr(GError) error = NULL;
  gsize length;

  g_assert_true (asd_mux_reply_parse (failure, sizeof failure, &reply, &error));
  g_assert_cmpuint (reply.type, ==, ASD_MUX_S_FAILURE);
  g_assert_cmpuint (reply.id, ==, 9);
  g_assert_true (g_utf8_validate (reply.reason, -1, NULL));
  g_assert_null (strchr (reply.reason, '\n'));
  asd_mux_reply_clear (&reply);
  g_assert_false (asd_mux_reply_parse (short_string, sizeof short_string, &reply, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_clear_error (&error);
  g_assert_false (asd_mux_reply_parse (unknown, sizeof unknown, &reply, &error));
  g_clear_error (&error);
  g_assert_false (asd_mux_packet_length (big, &length, &error));
  g_clear_error (&error);
  g_assert_false (asd_mux_packet_length (tiny, &length, &error));
}

static void
check_forward (AsdMuxForwardKind kind, const char *spec, const char *lhost, guint32 lport,
               const char *chost, guint32 cport)
{
  g_auto(AsdMuxForward) fwd = { 0, };
  g_autoptr(GError) error = NULL;

  g_assert_true (asd_mux_forward_parse (kind, spec, &fwd, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (fwd.listen_host, ==, lhost);
  g_assert_cmpuint (fwd.listen_port, ==, lport);
  g_assert_cmpstr (fwd.connect_host, ==, chost);
  g_assert_cmpuint (fwd.connect_port, ==, cport);
}

static void
test_forward_syntax (void)
{
  g_auto(AsdMuxForward) fwd = { 0, };
  g_autoptr(GError) error = NULL;

  check_forward (ASD_MUX_FORWARD_LOCAL, "8080:localhost:80", "", 8080, "localhost", 80);
  check_forward (ASD_MUX_FORWARD_LOCAL, "127.0.0.1:8080:[::1]:80", "127.0.0.1", 8080, "::1", 80);
  check_forward (ASD_MUX_FORWARD_LOCAL, ":8080:h:80", "*", 8080, "h", 80);
  check_forward (ASD_MUX_FORWARD_LOCAL, "/tmp/s:h:80", "/tmp/s", ASD_MUX_PORT_STREAMLOCAL, "h", 80);
  check_forward (ASD_MUX_FORWARD_REMOTE, "9000:/run/x.sock", "", 9000, "/run/x.sock",
                 ASD_MUX_PORT_STREAMLOCAL);
  check_forward (ASD_MUX_FORWARD_DYNAMIC, "1080", "", 1080, "", 0);
  check_forward (ASD_MUX_FORWARD_DYNAMIC, "[::1]:1080", "::1", 1080, "", 0);
  g_assert_false (asd_mux_forward_parse (ASD_MUX_FORWARD_LOCAL, "80:h", &fwd, &error));
  g_assert_error (error, ASD_ERROR, ASD_ERROR_INVALID_SETTINGS);
  g_clear_error (&error);
  g_assert_false (asd_mux_forward_parse (ASD_MUX_FORWARD_LOCAL, "99999:h:80", &fwd, &error));
  g_clear_error (&error);
  g_assert_false (asd_mux_forward_parse (ASD_MUX_FORWARD_REMOTE, "9000", &fwd, &error));
  g_assert_error (error, ASD_ERROR, ASD_ERROR_NOT_SUPPORTED);
}

/* Every reply type whole, and each cut one byte short. */
static void
test_decode_each_type (void)
{
  static const struct {
    guint32 type;
    guint n_u32;           /* numbers after the type */
    gboolean with_reason;  /* a string after them */
    guint32 value;         /* what lands in reply.value */
  } types[] = {
    { ASD_MUX_MSG_HELLO, 1, FALSE, 0 },
    { ASD_MUX_S_OK, 1, FALSE, 0 },
    { ASD_MUX_S_TTY_ALLOC_FAIL, 1, FALSE, 0 },
    { ASD_MUX_S_PERMISSION_DENIED, 1, TRUE, 0 },
    { ASD_MUX_S_FAILURE, 1, TRUE, 0 },
    { ASD_MUX_S_EXIT_MESSAGE, 2, FALSE, 77 },
    { ASD_MUX_S_ALIVE, 2, FALSE, 77 },
    { ASD_MUX_S_SESSION_OPENED, 2, FALSE, 77 },
    { ASD_MUX_S_REMOTE_PORT, 2, FALSE, 77 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    {
      g_autoptr(GByteArray) body = g_byte_array_new ();
      guint32 be = GUINT32_TO_BE (types[i].type);
      g_auto(AsdMuxReply) reply = { 0, };
      g_autoptr(GError) error = NULL;

      g_byte_array_append (body, (const guint8 *) &be, 4);
      be = GUINT32_TO_BE (5);
      g_byte_array_append (body, (const guint8 *) &be, 4);
      if (types[i].n_u32 == 2)
        {
          be = GUINT32_TO_BE (77);
          g_byte_array_append (body, (const guint8 *) &be, 4);
        }
      if (types[i].with_reason)
        {
          be = GUINT32_TO_BE (2);
          g_byte_array_append (body, (const guint8 *) &be, 4);
          g_byte_array_append (body, (const guint8 *) "no", 2);
        }
      g_assert_true (asd_mux_reply_parse (body->data, body->len, &reply, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (reply.type, ==, types[i].type);
      g_assert_cmpuint (reply.id, ==, 5);
      g_assert_cmpuint (reply.value, ==, types[i].value);
      g_assert_cmpstr (reply.reason, ==, types[i].with_reason ? "no" : NULL);
      asd_mux_reply_clear (&reply);

      g_assert_false (asd_mux_reply_parse (body->data, body->len - 1, &reply, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
      g_assert_null (reply.reason);
    }
}

/* HELLO's extensions are skipped whole, or the packet is malformed. */
static void
test_decode_hello_extensions (void)
{
  static const guint8 hello[] = { 0, 0, 0, 1, 0, 0, 0, 4,
                                  0, 0, 0, 1, 'k', 0, 0, 0, 1, 'v' };
  static const guint8 cut[] = { 0, 0, 0, 1, 0, 0, 0, 4, 0, 0, 0, 1, 'k', 0, 0 };
  static const guint8 header[] = { 0, 0, 0x10, 0 };
  g_auto(AsdMuxReply) reply = { 0, };
  g_autoptr(GError) error = NULL;
  gsize length = 0;

  g_assert_true (asd_mux_reply_parse (hello, sizeof hello, &reply, &error));
  g_assert_cmpuint (reply.id, ==, ASD_MUX_VERSION);
  g_assert_false (asd_mux_reply_parse (cut, sizeof cut, &reply, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_clear_error (&error);
  g_assert_false (asd_mux_reply_parse (hello, 2, &reply, &error));
  g_clear_error (&error);
  g_assert_true (asd_mux_packet_length (header, &length, &error));
  g_assert_cmpuint (length, ==, ASD_MUX_PACKET_MAX);
}

static void
refuse_forward (AsdMuxForwardKind kind, const char *spec)
{
  g_auto(AsdMuxForward) fwd = { 0, };
  g_autoptr(GError) error = NULL;

  g_assert_false (asd_mux_forward_parse (kind, spec, &fwd, &error));
  g_assert_error (error, ASD_ERROR, ASD_ERROR_INVALID_SETTINGS);
  g_assert_null (fwd.listen_host);
  g_assert_null (fwd.connect_host);
}

/* The rest of ssh's forms, and what it refuses. */
static void
test_forward_forms (void)
{
  AsdMuxForwardKind kind = 0;
  g_auto(AsdMuxForward) fwd = { 0, };
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) open = NULL;
  g_autoptr(GBytes) close = NULL;
  const guint8 *data;
  gsize n;

  check_forward (ASD_MUX_FORWARD_LOCAL, "8080:/run/s", "", 8080, "/run/s", ASD_MUX_PORT_STREAMLOCAL);
  check_forward (ASD_MUX_FORWARD_LOCAL, "/tmp/a:/run/s", "/tmp/a", ASD_MUX_PORT_STREAMLOCAL,
                 "/run/s", ASD_MUX_PORT_STREAMLOCAL);
  check_forward (ASD_MUX_FORWARD_LOCAL, "127.0.0.1:8080:/run/s", "127.0.0.1", 8080, "/run/s",
                 ASD_MUX_PORT_STREAMLOCAL);
  check_forward (ASD_MUX_FORWARD_REMOTE, "9000:h:80", "", 9000, "h", 80);
  check_forward (ASD_MUX_FORWARD_REMOTE, "[::1]:9000:h:80", "::1", 9000, "h", 80);
  check_forward (ASD_MUX_FORWARD_DYNAMIC, ":1080", "*", 1080, "", 0);
  refuse_forward (ASD_MUX_FORWARD_LOCAL, "8080:h");
  refuse_forward (ASD_MUX_FORWARD_LOCAL, "a:b:c:d:e");
  refuse_forward (ASD_MUX_FORWARD_LOCAL, "8080:h:port");
  refuse_forward (ASD_MUX_FORWARD_LOCAL, "x:8080:h:80:");
  refuse_forward (ASD_MUX_FORWARD_DYNAMIC, "a:b:1080");
  refuse_forward (ASD_MUX_FORWARD_DYNAMIC, "socks");

  g_assert_true (asd_mux_forward_kind_from_string ("remote", &kind));
  g_assert_cmpint (kind, ==, ASD_MUX_FORWARD_REMOTE);
  g_assert_false (asd_mux_forward_kind_from_string ("Local", &kind));
  g_assert_false (asd_mux_forward_kind_from_string (NULL, &kind));

  /* open and close differ in their type alone */
  g_assert_true (asd_mux_forward_parse (ASD_MUX_FORWARD_LOCAL, "8080:h:80", &fwd, &error));
  open = asd_mux_encode_forward (TRUE, 3, &fwd);
  close = asd_mux_encode_forward (FALSE, 3, &fwd);
  g_assert_cmpuint (g_bytes_get_size (open), ==, g_bytes_get_size (close));
  data = g_bytes_get_data (open, &n);
  g_assert_cmpuint (GUINT32_FROM_BE (*(const guint32 *) (data + 4)), ==, ASD_MUX_C_OPEN_FWD);
  data = g_bytes_get_data (close, &n);
  g_assert_cmpuint (GUINT32_FROM_BE (*(const guint32 *) (data + 4)), ==, ASD_MUX_C_CLOSE_FWD);
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/mux/encode", test_encode);
  g_test_add_func ("/mux/decode", test_decode);
  g_test_add_func ("/mux/forward-syntax", test_forward_syntax);
  g_test_add_func ("/mux/decode-each-type", test_decode_each_type);
  g_test_add_func ("/mux/decode-hello-extensions", test_decode_hello_extensions);
  g_test_add_func ("/mux/forward-forms", test_forward_forms);
  g_test_add_func ("/mux/no-master", test_no_master);
  g_test_add_func ("/mux/alive", test_alive);
  g_test_add_func ("/mux/forwards", test_forwards);
  g_test_add_func ("/mux/remote-forward", test_remote_forward);
  g_test_add_func ("/mux/stalled", test_stalled);

  world.dir = g_dir_make_tmp ("test-mux-XXXXXX", &error);
  g_assert_no_error (error);
  world.control = g_build_filename (world.dir, "ctl", NULL);
  start_sshd ();
  start_master ();
  status = g_test_run ();
  stop (&world.master);
  stop (&world.sshd);
  run_or_die ((const char *[]) { "rm", "-rf", world.dir, NULL });
  g_free (world.control);
  g_free (world.dir);
  return status;
}
