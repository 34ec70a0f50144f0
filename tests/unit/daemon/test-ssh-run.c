/* test-ssh-run.c: one start of ssh (AsdSshRun), as the supervisor runs it
 *
 * The promises checked here are the run's own, not its parts': the most
 * telling of ssh's failure lines is the one it keeps (the supervisor's
 * folding, not a copy of it), and the askpass token of a start dies with
 * its ssh, so a helper left behind cannot reach a run that is gone.  A
 * shell script stands in for ssh: it prints what OpenSSH prints, to the
 * file after -E when ssh is given one, else to stderr.  The askpass
 * server is the real one on a real socket, asked by the real helper
 * (autosshd-askpass, ASD_TEST_ASKPASS).  No D-Bus and no sshd.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>
#include <glib/gstdio.h>

#include "asd-askpass-protocol.h"
#include "asd-ssh-run.h"

/* ssh's log goes where -E says, as OpenSSH's does; then the body. */
#define FAKE_SSH_HEAD \
  "#!/bin/sh\n" \
  "log=/dev/stderr\n" \
  "while [ $# -gt 0 ]; do\n" \
  "  case $1 in -E) log=$2; shift ;; -E?*) log=${1#-E} ;; esac\n" \
  "  shift\n" \
  "done\n" \
  "exec 3>>\"$log\"\n"

/* Notes where its askpass helper would ask, and with which token. */
#define NOTE_ASKPASS \
  "printf '%s\\n%s\\n' \"$" ASD_ASKPASS_SOCKET_ENV "\" \"$" ASD_ASKPASS_TOKEN_ENV "\" > \"$0.askpass\"\n"

/* A login that fails in several ways, the least grave first and a lesser
 * one last: a connection closed, refused, a refused key, a changed host
 * key, closed again. */
static const char failing_script[] =
  FAKE_SSH_HEAD
  "echo 'Connection closed by 127.0.0.1 port 22' >&3\n"
  "echo 'ssh: connect to host 127.0.0.1 port 22: Connection refused' >&3\n"
  "echo 'root@127.0.0.1: Permission denied (publickey).' >&3\n"
  "echo '@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @' >&3\n"
  "echo 'Connection closed by 127.0.0.1 port 22' >&3\n"
  "exit 255\n";

static const char ending_script[] =
  FAKE_SSH_HEAD
  NOTE_ASKPASS
  "echo 'Connection closed by 127.0.0.1 port 22' >&3\n"
  "exit 255\n";

static const char waiting_script[] =
  FAKE_SSH_HEAD
  NOTE_ASKPASS
  "exec sleep 60\n";

typedef struct {
  char *dir;
  char *script;
  char *socket;
  AsdAskpassServer *askpass;
  AsdSshRun *run;
  gboolean ended;
} Fixture;

static void
on_ended (AsdSshRun *run, Fixture *f)
{
  f->ended = TRUE;
}

static void
fixture_init (Fixture *f, const char *script)
{
  g_autoptr(GError) error = NULL;
  const char *argv[] = { NULL, NULL };

  f->dir = g_dir_make_tmp ("test-ssh-run-XXXXXX", &error);
  g_assert_no_error (error);
  f->script = g_build_filename (f->dir, "ssh", NULL);
  g_file_set_contents (f->script, script, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (f->script, 0700), ==, 0);
  f->socket = g_build_filename (f->dir, "autosshd", "askpass", NULL);
  f->askpass = asd_askpass_server_new (f->socket, FALSE, &error);
  g_assert_no_error (error);

  argv[0] = f->script;
  f->run = asd_ssh_run_new ("test", argv, FALSE, NULL, NULL, f->askpass, g_getenv ("ASD_TEST_ASKPASS"));
  g_signal_connect (f->run, "ended", G_CALLBACK (on_ended), f);
  asd_ssh_run_start (f->run, &error);
  g_assert_no_error (error);
}

static void
fixture_clear (Fixture *f)
{
  g_autofree char *noted = g_strconcat (f->script, ".askpass", NULL);
  g_autofree char *socket_dir = g_path_get_dirname (f->socket);

  g_clear_object (&f->run);
  g_clear_object (&f->askpass);
  g_unlink (noted);
  g_unlink (f->script);
  g_rmdir (socket_dir);
  g_assert_cmpint (g_rmdir (f->dir), ==, 0);
  g_free (f->socket);
  g_free (f->script);
  g_free (f->dir);
}

static gboolean
on_timeout (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the main loop until *@flag or @timeout_ms pass (a hang's bound). */
static gboolean
run_until (const gboolean *flag, guint timeout_ms)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add (timeout_ms, on_timeout, &timed_out);

  while (!*flag && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  return *flag;
}

/* The socket and token the script noted, once it has. */
static char **
noted_askpass (Fixture *f)
{
  g_autofree char *path = g_strconcat (f->script, ".askpass", NULL);
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  gint64 until = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  /* the script's printf makes the file before it writes the lines */
  while (!(g_file_get_contents (path, &text, NULL, NULL) && strchr (text, '\n') != NULL &&
           strchr (text, '\n')[1] != '\0') &&
         g_get_monotonic_time () < until)
    {
      g_clear_pointer (&text, g_free);
      g_usleep (10 * 1000);
    }
  g_assert_nonnull (text);
  lines = g_strsplit (text, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), >=, 2);
  g_assert_cmpstr (lines[0], ==, f->socket);
  g_assert_cmpuint (strlen (lines[1]), ==, 64);
  return g_steal_pointer (&lines);
}

typedef struct {
  gboolean done;
  gboolean ok;
  char *out;
  char *err;
} Asked;

static void
on_helper_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GSubprocess *helper = G_SUBPROCESS (source);
  Asked *asked = user_data;
  g_autoptr(GError) error = NULL;

  g_subprocess_communicate_utf8_finish (helper, result, &asked->out, &asked->err, &error);
  g_assert_no_error (error);
  asked->ok = g_subprocess_get_successful (helper);
  asked->done = TRUE;
}

/* Asks as ssh's helper would, with @socket and @token, while the main
 * loop runs the server; returns the helper's stderr (why it was refused),
 * or NULL when it got an answer. */
static char *
ask_with (const char *socket, const char *token)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GSubprocess) helper = NULL;
  g_autoptr(GError) error = NULL;
  Asked asked = { 0, };

  g_subprocess_launcher_setenv (launcher, ASD_ASKPASS_SOCKET_ENV, socket, TRUE);
  g_subprocess_launcher_setenv (launcher, ASD_ASKPASS_TOKEN_ENV, token, TRUE);
  helper = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("ASD_TEST_ASKPASS"),
                                        "Password: ", NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8_async (helper, NULL, NULL, on_helper_done, &asked);
  g_assert_true (run_until (&asked.done, 10 * 1000));
  g_free (asked.out);
  if (asked.ok)
    {
      g_free (asked.err);
      return NULL;
    }
  return asked.err;
}

#define REFUSED_STALE "autosshd-askpass: unknown or expired token\n"

/* ssh gone: its token is refused at once, while the run is still held
 * (as the keeper does until it has read why it ended). */
static void
test_token_gone_with_ssh (void)
{
  Fixture f = { 0, };
  g_auto(GStrv) noted = NULL;
  g_autofree char *refused = NULL;
  g_autofree char *after_drop = NULL;

  fixture_init (&f, ending_script);
  noted = noted_askpass (&f);
  g_assert_true (run_until (&f.ended, 10 * 1000));
  refused = ask_with (noted[0], noted[1]);
  g_assert_cmpstr (refused, ==, REFUSED_STALE);
  g_clear_object (&f.run);
  after_drop = ask_with (noted[0], noted[1]);
  g_assert_cmpstr (after_drop, ==, REFUSED_STALE);
  fixture_clear (&f);
}

/* A run dropped while ssh still runs (its helper may still ask): the
 * token dies with the run, never reaching the freed run. */
static void
test_token_gone_with_run (void)
{
  Fixture f = { 0, };
  g_auto(GStrv) noted = NULL;
  g_autofree char *refused = NULL;

  fixture_init (&f, waiting_script);
  noted = noted_askpass (&f);
  g_assert_false (f.ended);
  g_clear_object (&f.run);   /* kills ssh */
  refused = ask_with (noted[0], noted[1]);
  g_assert_cmpstr (refused, ==, REFUSED_STALE);
  fixture_clear (&f);
}

/* The run explains itself by the gravest line, whatever came before or
 * after it: the changed host key, permanent. */
static void
test_gravest_failure_kept (void)
{
  Fixture f = { 0, };
  AsdRetry retry = ASD_RETRY_BACKOFF;
  g_autoptr(AsdReason) reason = NULL;
  g_autofree char *text = NULL;

  fixture_init (&f, failing_script);
  g_assert_true (run_until (&f.ended, 10 * 1000));
  reason = asd_ssh_run_explain (f.run, &retry);
  text = asd_reason_to_text (reason);
  g_test_message ("reason: %s", text);
  g_assert_cmpstr (asd_reason_code_to_string (reason->code), ==,
                   asd_reason_code_to_string (ASD_REASON_HOST_KEY_CHANGED));
  g_assert_cmpint (retry, ==, ASD_RETRY_NEVER);
  fixture_clear (&f);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/ssh-run/token-gone-with-ssh", test_token_gone_with_ssh);
  g_test_add_func ("/ssh-run/token-gone-with-run", test_token_gone_with_run);
  g_test_add_func ("/ssh-run/gravest-failure-kept", test_gravest_failure_kept);

  return g_test_run ();
}
