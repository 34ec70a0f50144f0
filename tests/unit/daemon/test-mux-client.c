/* test-mux-client.c: the control-connection client against a real master
 *
 * A real sshd on 127.0.0.1 (its own keys, config and a free port, as
 * TESTBED.md says), and a real `ssh -N` as control master of a socket in
 * the test's directory.  The client must prove the session alive in one
 * round trip, find a stalled one (the server's session process
 * SIGSTOPped: the kernel still ACKs, the master still answers locally)
 * by its deadline, open and close forwards, and say so when the master
 * refuses (a busy local port, a forward that is not there) or is not
 * there (test-mux-packet.c tests the packets without I/O).  Needs
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

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
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
