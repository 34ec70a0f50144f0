/* test-ssh-process.c: AsdSshProcess's two channels and its stop, with a
 * fake ssh
 *
 * Small shell scripts stand in for ssh: like OpenSSH with -E, they write
 * their own log to the path after "-E" ($2) and other text to stderr.
 * The process must keep the two apart (only the log is ssh's own words),
 * make the log a private FIFO that no one finds once ssh has it, hand on
 * every line before "exited", and stop a ssh in a session of its own
 * with its children.  Which failures to start ssh last: a missing program
 * stays missing (the tunnel fails until the user acts); a process out of
 * file descriptors (issue 9, finding 2) may start ssh a moment later (the
 * tunnel retries).
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <glib/gstdio.h>

#include "asd-ssh-process.h"

typedef struct {
  char *dir;                     /* the private directory of the FIFO */
  char *script;
  GPtrArray *events;             /* "log: LINE", "stderr: LINE", "exited N" */
  gboolean exited;
} Fixture;

static void
on_log_line (AsdSshProcess *ssh, const char *line, Fixture *f)
{
  g_ptr_array_add (f->events, g_strdup_printf ("log: %s", line));
}

static void
on_stderr_line (AsdSshProcess *ssh, const char *line, Fixture *f)
{
  g_ptr_array_add (f->events, g_strdup_printf ("stderr: %s", line));
}

static void
on_exited (AsdSshProcess *ssh, gboolean signalled, gint code, Fixture *f)
{
  g_ptr_array_add (f->events, g_strdup_printf ("exited %d", code));
  f->exited = TRUE;
}

static void
fixture_init (Fixture *f, const char *body)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = g_strconcat ("#!/bin/sh\n", body, NULL);

  f->dir = g_dir_make_tmp ("test-ssh-process-XXXXXX", &error);
  g_assert_no_error (error);
  f->script = g_strconcat (f->dir, ".ssh", NULL);   /* outside the directory */
  g_file_set_contents (f->script, text, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (f->script, 0700), ==, 0);
  f->events = g_ptr_array_new_with_free_func (g_free);
}

static void
fixture_clear (Fixture *f)
{
  g_unlink (f->script);
  /* empty: the FIFO is never left behind */
  g_assert_cmpint (g_rmdir (f->dir), ==, 0);
  g_free (f->script);
  g_free (f->dir);
  g_ptr_array_unref (f->events);
}

static AsdSshProcess *
start (Fixture *f, AsdSshProcessFlags flags)
{
  const char *argv[] = { f->script, "-N", "--", "host", NULL };
  AsdSshProcess *ssh = asd_ssh_process_new (argv, flags | ASD_SSH_PROCESS_READ_STDERR);
  g_autoptr(GError) error = NULL;

  asd_ssh_process_set_tunnel_name (ssh, "web");
  asd_ssh_process_set_log_dir (ssh, f->dir);
  g_signal_connect (ssh, "log-line", G_CALLBACK (on_log_line), f);
  g_signal_connect (ssh, "stderr-line", G_CALLBACK (on_stderr_line), f);
  g_signal_connect (ssh, "exited", G_CALLBACK (on_exited), f);
  g_assert_true (asd_ssh_process_start (ssh, &error));
  g_assert_no_error (error);
  return ssh;
}

static gboolean
on_timeout (gpointer user_data)
{
  g_assert_not_reached ();
  return G_SOURCE_REMOVE;
}

static void
wait_exited (Fixture *f)
{
  guint id = g_timeout_add_seconds (10, on_timeout, NULL);

  while (!f->exited)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (id);
}

/* The lines of one channel ("log: " or "stderr: "), in order, one per
 * line; each channel keeps its own order, not the other's. */
static char *
lines_of (Fixture *f, const char *channel)
{
  GString *lines = g_string_new (NULL);

  for (guint i = 0; i < f->events->len; i++)
    if (g_str_has_prefix (g_ptr_array_index (f->events, i), channel))
      g_string_append_printf (lines, "%s\n", (char *) g_ptr_array_index (f->events, i) + strlen (channel));
  return g_string_free (lines, FALSE);
}

/* The log and stderr said what was expected, and "exited" came last. */
static void
assert_lines (Fixture *f, const char *log, const char *err, const char *exited)
{
  g_autofree char *log_got = lines_of (f, "log: ");
  g_autofree char *err_got = lines_of (f, "stderr: ");

  g_assert_cmpstr (log_got, ==, log);
  g_assert_cmpstr (err_got, ==, err);
  g_assert_cmpstr (g_ptr_array_index (f->events, f->events->len - 1), ==, exited);
}

/* The log is a FIFO (0600) given as "-E" before ssh's own arguments; its
 * name is gone once ssh has written to it; a banner line on stderr that
 * reads like ssh's own is only a stderr line; the log's last line, even
 * without a newline, comes before "exited". */
static void
test_log_apart_from_stderr (void)
{
  Fixture f = { 0, };
  g_autoptr(AsdSshProcess) ssh = NULL;

  fixture_init (&f,
    "[ \"$1\" = -E ] || exit 99\n"
    "log=\"$2\"\n"
    "shift 2\n"
    "mode=$(stat -c '%F %a' \"$log\")\n"
    "exec 3>\"$log\"\n"
    "echo \"args $*\" >&3\n"
    "echo \"$mode\" >&3\n"
    "echo 'Authenticated to x' >&2\n"
    "for i in $(seq 50); do [ -e \"$log\" ] || break; sleep 0.1; done\n"
    "[ -e \"$log\" ] || echo 'name gone' >&3\n"
    "printf 'last words' >&3\n"
    "exit 3\n");
  ssh = start (&f, ASD_SSH_PROCESS_NONE);
  wait_exited (&f);
  assert_lines (&f, "args -N -- host\nfifo 600\nname gone\nlast words\n",
                "Authenticated to x\n", "exited 3");
  fixture_clear (&f);
}

/* ssh's errors with its command line come before it opens its log, on
 * stderr: when the log stays silent, they are handed on as log lines too. */
static void
test_early_stderr (void)
{
  Fixture f = { 0, };
  g_autoptr(AsdSshProcess) ssh = NULL;

  fixture_init (&f, "echo \"Bad port 'x'\" >&2\nexit 255\n");
  ssh = start (&f, ASD_SSH_PROCESS_NONE);
  wait_exited (&f);
  assert_lines (&f, "Bad port 'x'\n", "Bad port 'x'\n", "exited 255");
  fixture_clear (&f);
}

/* Once the log has spoken, stderr is never taken for it. */
static void
test_stderr_after_log (void)
{
  Fixture f = { 0, };
  g_autoptr(AsdSshProcess) ssh = NULL;

  fixture_init (&f,
    "echo 'debug1: Reading configuration data /dev/null' >\"$2\"\n"
    "echo 'Host key verification failed.' >&2\n");
  ssh = start (&f, ASD_SSH_PROCESS_NONE);
  wait_exited (&f);
  assert_lines (&f, "debug1: Reading configuration data /dev/null\n",
                "Host key verification failed.\n", "exited 0");
  fixture_clear (&f);
}

static gboolean
gone (pid_t pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", pid);
  g_autofree char *stat = NULL;
  const char *end;

  if (!g_file_get_contents (path, &stat, NULL, NULL))
    return TRUE;
  end = strrchr (stat, ')');
  return end != NULL && end[1] == ' ' && end[2] == 'Z';   /* a zombie */
}

/* In a session of its own, ssh is stopped with its process group: a child
 * of it (a ProxyCommand's) does not outlive it. */
static void
test_stop_ends_group (void)
{
  Fixture f = { 0, };
  g_autoptr(AsdSshProcess) ssh = NULL;
  pid_t child = 0;
  gint64 deadline;
  gboolean ended;

  fixture_init (&f,
    "exec 3>\"$2\"\n"
    "sleep 300 &\n"
    "echo \"child $!\" >&3\n"
    "wait\n");
  ssh = start (&f, ASD_SSH_PROCESS_NEW_SESSION);
  while (f.events->len == 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (g_str_has_prefix (g_ptr_array_index (f.events, 0), "log: child "));
  child = atoi ((const char *) g_ptr_array_index (f.events, 0) + strlen ("log: child "));
  g_assert_cmpint (child, >, 1);
  g_assert_false (gone (child));

  asd_ssh_process_stop (ssh);
  wait_exited (&f);
  deadline = g_get_monotonic_time () + 2 * G_USEC_PER_SEC;
  while (!gone (child) && g_get_monotonic_time () < deadline)
    g_usleep (20 * 1000);
  ended = gone (child);
  if (!ended)
    kill (child, SIGKILL);   /* no orphan left by a failed test */
  g_assert_true (ended);
  fixture_clear (&f);
}

/* No private directory, no ssh. */
static void
test_no_log_dir (void)
{
  const char *argv[] = { "/bin/true", NULL };
  g_autoptr(AsdSshProcess) ssh = asd_ssh_process_new (argv, ASD_SSH_PROCESS_READ_STDERR);
  g_autoptr(GError) error = NULL;

  asd_ssh_process_set_log_dir (ssh, "/nonexistent/autosshd");
  g_assert_false (asd_ssh_process_start (ssh, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_cmpint (asd_ssh_process_get_pid (ssh), ==, 0);
}

static GError *
start_error (const char *program)
{
  const char *argv[] = { program, NULL };
  g_autoptr(AsdSshProcess) ssh = asd_ssh_process_new (argv, ASD_SSH_PROCESS_READ_STDERR);
  GError *error = NULL;

  g_assert_false (asd_ssh_process_start (ssh, &error));
  return error;
}

static void
test_missing_lasts (void)
{
  g_autoptr(GError) error = start_error ("/nonexistent/ssh");

  g_assert_error (error, G_SPAWN_ERROR, G_SPAWN_ERROR_NOENT);
  g_assert_true (asd_ssh_process_error_is_lasting (error));
}

/* In a child: its limit is lowered, and valgrind (which does not follow
 * it) keeps descriptors of its own. */
static void
test_out_of_fds_passes (void)
{
  g_autoptr(GArray) fds = NULL;
  g_autoptr(GError) error = NULL;
  struct rlimit low;
  int fd;

  if (!g_test_subprocess ())
    {
      g_test_trap_subprocess (NULL, 10 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
      g_test_trap_assert_passed ();
      return;
    }
  g_assert_cmpint (getrlimit (RLIMIT_NOFILE, &low), ==, 0);
  low.rlim_cur = MIN (low.rlim_cur, 256);
  g_assert_cmpint (setrlimit (RLIMIT_NOFILE, &low), ==, 0);
  fds = g_array_new (FALSE, FALSE, sizeof (int));
  while ((fd = open ("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0)
    g_array_append_val (fds, fd);
  g_assert_cmpint (errno, ==, EMFILE);
  error = start_error ("/bin/true");
  for (guint i = 0; i < fds->len; i++)
    close (g_array_index (fds, int, i));
  g_print ("# out of fds: %s %d: %s\n", g_quark_to_string (error->domain), error->code, error->message);
  g_assert_false (asd_ssh_process_error_is_lasting (error));
}

/* With only a few descriptors left, a start (log FIFO and stderr pipe)
 * fails with a transient error: never the abort GLib makes when a
 * GUnixInputStream cannot get its descriptor for a moment. */
static void
test_few_fds_refused (void)
{
  g_autofree char *dir = NULL;
  struct rlimit low;

  if (!g_test_subprocess ())
    {
      g_test_trap_subprocess (NULL, 20 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
      g_test_trap_assert_passed ();
      return;
    }
  dir = g_dir_make_tmp ("test-ssh-process-XXXXXX", NULL);
  g_assert_cmpint (getrlimit (RLIMIT_NOFILE, &low), ==, 0);
  low.rlim_cur = MIN (low.rlim_cur, 256);
  g_assert_cmpint (setrlimit (RLIMIT_NOFILE, &low), ==, 0);
  for (guint spare = 0; spare < 12; spare++)
    {
      const char *argv[] = { "/bin/true", NULL };
      g_autoptr(AsdSshProcess) ssh = asd_ssh_process_new (argv, ASD_SSH_PROCESS_READ_STDERR);
      g_autoptr(GArray) fds = g_array_new (FALSE, FALSE, sizeof (int));
      g_autoptr(GError) error = NULL;
      int fd;

      asd_ssh_process_set_log_dir (ssh, dir);
      while ((fd = open ("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0)
        g_array_append_val (fds, fd);
      for (guint i = 0; i < spare && fds->len > 0; i++)
        {
          close (g_array_index (fds, int, fds->len - 1));
          g_array_set_size (fds, fds->len - 1);
        }
      g_assert_false (asd_ssh_process_start (ssh, &error));
      for (guint i = 0; i < fds->len; i++)
        close (g_array_index (fds, int, i));
      g_assert_nonnull (error);
      g_assert_false (asd_ssh_process_error_is_lasting (error));
    }
  g_assert_cmpint (g_rmdir (dir), ==, 0);   /* no FIFO left */
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* First: the failed spawn forks under valgrind, and the child, which
   * exits without exec, would report the memory of GLib's worker threads
   * that earlier tests started as lost. */
  g_test_add_func ("/ssh-process/missing-lasts", test_missing_lasts);
  g_test_add_func ("/ssh-process/out-of-fds-passes", test_out_of_fds_passes);
  g_test_add_func ("/ssh-process/few-fds-refused", test_few_fds_refused);
  g_test_add_func ("/ssh-process/log-apart-from-stderr", test_log_apart_from_stderr);
  g_test_add_func ("/ssh-process/early-stderr", test_early_stderr);
  g_test_add_func ("/ssh-process/stderr-after-log", test_stderr_after_log);
  g_test_add_func ("/ssh-process/stop-ends-group", test_stop_ends_group);
  g_test_add_func ("/ssh-process/no-log-dir", test_no_log_dir);
  return g_test_run ();
}
