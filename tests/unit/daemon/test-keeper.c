/* test-keeper.c: a real AsdKeeper driving a fake ssh
 *
 * The keeper's promises are about time and processes: it reaches
 * "connected" when ssh says so, backs off with jitter instead of storming
 * a server, gives up on a permanent failure, stops ssh with SIGTERM, and
 * keeps its counts across a Restart.  These tests run the real keeper on
 * the real main loop with small shell scripts in place of ssh (argv[0] of
 * the tunnel's ssh command), which print what OpenSSH prints to its log
 * (the FIFO after "-E", "$2": each opens it once, as ssh does) and then
 * wait or exit.  No D-Bus and no sshd are needed.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <glib/gstdio.h>

#include "asd-askpass-server.h"
#include "asd-keeper.h"
#include "asd-retry-wait.h"
#include "asd-ssh-process.h"

#define WINDOW_S 5                 /* the "no retry storm" window */
#define SLACK_MS 200               /* how late a handler may run (valgrind) */

/* Authenticates, opens the session, then waits; notes a SIGTERM (the
 * trap comes first: the test may stop it as soon as it reads the lines). */
static const char connect_script[] =
  "#!/bin/sh\n"
  "exec 2>\"$2\"\n"
  "trap 'echo TERM >> \"$0.signals\"; kill $child 2>/dev/null; exit 0' TERM\n"
  "echo 'Authenticated to 127.0.0.1 ([127.0.0.1]:22) using \"publickey\".' >&2\n"
  "echo 'debug1: Entering interactive session.' >&2\n"
  "sleep 60 >/dev/null 2>&1 &\n"
  "child=$!\n"
  "wait $child\n";

/* A server that closes the connection at once: backoff.  Each start is
 * counted in a file, as a server would count logins. */
static const char closed_script[] =
  "#!/bin/sh\n"
  "exec 2>\"$2\"\n"
  "echo start >> \"$0.starts\"\n"
  "echo 'Connection closed by 127.0.0.1 port 22' >&2\n"
  "exit 255\n";

/* Connected, then the server ends the session: ssh says so on stderr
 * only ("closed by remote host"), after its log said it logged in. */
static const char dropped_script[] =
  "#!/bin/sh\n"
  "exec 3>\"$2\"\n"
  "echo 'Authenticated to 127.0.0.1 ([127.0.0.1]:22) using \"publickey\".' >&3\n"
  "echo 'debug1: Entering interactive session.' >&3\n"
  "sleep 0.2\n"
  "echo 'Connection to 127.0.0.1 closed by remote host.' >&2\n"
  "exit 255\n";

/* The same line on stderr before any login is the server's banner
 * speaking: not a reason. */
static const char banner_closed_script[] =
  "#!/bin/sh\n"
  "echo 'Connection to 127.0.0.1 closed by remote host.' >&2\n"
  "echo 'debug1: Connecting to 127.0.0.1 [127.0.0.1] port 22.' >\"$2\"\n"
  "exit 255\n";

/* Connects, and then notes SIGTERM but goes on (as a hung ssh would), for
 * 15 s at most: a test that fails leaves no process behind for long. */
static const char stubborn_script[] =
  "#!/bin/sh\n"
  "exec 2>\"$2\"\n"
  "trap 'echo TERM >> \"$0.signals\"' TERM\n"
  "echo 'Authenticated to 127.0.0.1 ([127.0.0.1]:22) using \"publickey\".' >&2\n"
  "echo 'debug1: Entering interactive session.' >&2\n"
  "i=0\n"
  "while [ $i -lt 150 ]; do sleep 0.1 >/dev/null 2>&1; i=$((i + 1)); done\n";

/* Connects, leaves a child that keeps its stderr open (as a ProxyCommand's
 * child can), noting its pid, and exits. */
static const char orphan_script[] =
  "#!/bin/sh\n"
  "exec 3>\"$2\"\n"
  "echo 'Authenticated to 127.0.0.1 ([127.0.0.1]:22) using \"publickey\".' >&3\n"
  "echo 'debug1: Entering interactive session.' >&3\n"
  "sleep 10 >/dev/null 3>&- &\n"
  "echo $! >> \"$0.children\"\n"
  "exit 255\n";

/* A refused key: permanent. */
static const char denied_script[] =
  "#!/bin/sh\n"
  "exec 2>\"$2\"\n"
  "echo start >> \"$0.starts\"\n"
  "echo 'root@127.0.0.1: Permission denied (publickey).' >&2\n"
  "exit 255\n";

typedef struct {
  AsdKeeper *keeper;
  AsdAskpassServer *askpass;     /* its directory holds ssh's log FIFO */
  char *dir;
  char *script;
  GArray *states;                /* AsdTunnelState, as notified */
  GArray *starts;                /* gint64 monotonic µs of each "connecting" */
  GArray *delays;                /* gint64 ms of each NextRetry, as set */
  guint ended;                   /* ::ssh-ended */
} Fixture;

static void
on_state (AsdKeeper *keeper, GParamSpec *pspec, Fixture *f)
{
  AsdTunnelState state;

  gint64 now = g_get_monotonic_time ();

  g_object_get (keeper, "state", &state, NULL);
  g_array_append_val (f->states, state);
  /* Every start of ssh is a change to "connecting" here: these scripts
   * fail (retrying) or connect.  (Not "pid": a script that dies at once
   * may be reaped before its pid is read, and the pid reads 0.) */
  if (state == ASD_TUNNEL_STATE_CONNECTING)
    g_array_append_val (f->starts, now);
}

static void
on_next_retry (AsdKeeper *keeper, GParamSpec *pspec, Fixture *f)
{
  guint64 when;
  gint64 delay_ms;

  g_object_get (keeper, "next-retry", &when, NULL);
  if (when == 0)
    return;
  /* The wait is scheduled (and told) just before "retrying" is: the
   * delay is measured from now, which is at most a moment later. */
  delay_ms = ((gint64) when - g_get_real_time ()) / 1000;
  g_array_append_val (f->delays, delay_ms);
}

static void
on_ssh_ended (AsdKeeper *keeper, Fixture *f)
{
  f->ended++;
}

static void
fixture_init (Fixture *f, const char *script)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AsdTunnelSettings) settings = asd_tunnel_settings_new ();
  g_autofree char *socket = NULL;
  const char *argv[] = { NULL, NULL };

  f->dir = g_dir_make_tmp ("test-keeper-XXXXXX", &error);
  g_assert_no_error (error);
  f->script = g_build_filename (f->dir, "ssh", NULL);
  g_file_set_contents (f->script, script, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (f->script, 0700), ==, 0);

  f->states = g_array_new (FALSE, FALSE, sizeof (AsdTunnelState));
  f->starts = g_array_new (FALSE, FALSE, sizeof (gint64));
  f->delays = g_array_new (FALSE, FALSE, sizeof (gint64));
  socket = g_build_filename (f->dir, "askpass", NULL);
  f->askpass = asd_askpass_server_new (socket, FALSE, &error);
  g_assert_no_error (error);
  f->keeper = asd_keeper_new ("test");
  asd_keeper_set_askpass (f->keeper, f->askpass, "/bin/false");
  g_signal_connect (f->keeper, "notify::state", G_CALLBACK (on_state), f);
  g_signal_connect (f->keeper, "notify::next-retry", G_CALLBACK (on_next_retry), f);
  g_signal_connect (f->keeper, "ssh-ended", G_CALLBACK (on_ssh_ended), f);

  settings->destination = g_strdup ("127.0.0.1");
  argv[0] = f->script;
  asd_keeper_reconfigure (f->keeper, settings, argv);
}

static gboolean
on_timeout (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

typedef gboolean (*Cond) (Fixture *f, gconstpointer data);

/* Runs the main loop until @cond holds or @timeout_ms pass. */
static gboolean
run_until (Fixture *f, Cond cond, gconstpointer data, guint timeout_ms)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add (timeout_ms, on_timeout, &timed_out);

  while (!cond (f, data) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  return cond (f, data);
}

static gboolean
never (Fixture *f, gconstpointer data)
{
  return FALSE;
}

static void
run_for (Fixture *f, guint ms)
{
  run_until (f, never, NULL, ms);
}

static AsdTunnelState
state_of (AsdKeeper *keeper)
{
  AsdTunnelState state;

  g_object_get (keeper, "state", &state, NULL);
  return state;
}

static guint
uint_of (AsdKeeper *keeper, const char *property)
{
  guint value;

  g_object_get (keeper, property, &value, NULL);
  return value;
}

static guint64
time_of (AsdKeeper *keeper, const char *property)
{
  guint64 value;

  g_object_get (keeper, property, &value, NULL);
  return value;
}

static gboolean
in_state (Fixture *f, gconstpointer state)
{
  return (gint) state_of (f->keeper) == GPOINTER_TO_INT (state);
}

static gboolean
ended_at_least (Fixture *f, gconstpointer n)
{
  return f->ended >= GPOINTER_TO_UINT (n);
}

static gboolean
delays_at_least (Fixture *f, gconstpointer n)
{
  return f->delays->len >= GPOINTER_TO_UINT (n);
}

/* Stops a keeper and waits until its ssh is gone. */
static void
stop_and_wait (Fixture *f)
{
  gboolean had_ssh = asd_keeper_has_ssh (f->keeper);
  guint ended = f->ended;

  asd_keeper_stop (f->keeper);
  if (had_ssh)
    g_assert_true (run_until (f, ended_at_least, GUINT_TO_POINTER (ended + 1), 10 * 1000));
  g_assert_false (asd_keeper_has_ssh (f->keeper));
}

/* How many times the script ran, by its own count. */
static guint
script_runs (Fixture *f)
{
  g_autofree char *path = g_strconcat (f->script, ".starts", NULL);
  g_autofree char *text = NULL;
  guint runs = 0;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return 0;
  for (const char *c = text; *c != '\0'; c++)
    runs += *c == '\n';
  return runs;
}

static void
fixture_clear (Fixture *f)
{
  g_autofree char *signals = g_strconcat (f->script, ".signals", NULL);
  g_autofree char *starts = g_strconcat (f->script, ".starts", NULL);

  stop_and_wait (f);
  g_clear_object (&f->keeper);
  g_clear_object (&f->askpass);
  g_unlink (signals);
  g_unlink (starts);
  g_unlink (f->script);
  /* empty: no log FIFO is left behind */
  g_assert_cmpint (g_rmdir (f->dir), ==, 0);
  g_free (f->script);
  g_free (f->dir);
  g_array_unref (f->states);
  g_array_unref (f->starts);
  g_array_unref (f->delays);
}

#define STATE(f, i) g_array_index ((f)->states, AsdTunnelState, (i))
#define START(f, i) g_array_index ((f)->starts, gint64, (i))
#define DELAY(f, i) g_array_index ((f)->delays, gint64, (i))

/* ssh says it is in: connecting, then connected; Stop sends SIGTERM and
 * ends stopped with no pid. */
static void
test_connect_and_stop (void)
{
  Fixture f = { 0, };
  g_autofree char *signals = NULL;
  g_autofree char *marks = NULL;

  fixture_init (&f, connect_script);
  asd_keeper_start (f.keeper);
  g_assert_cmpuint (uint_of (f.keeper, "pid"), !=, 0);
  g_assert_true (run_until (&f, in_state, GINT_TO_POINTER (ASD_TUNNEL_STATE_CONNECTED), 10 * 1000));
  g_assert_cmpuint (f.states->len, ==, 2);
  g_assert_cmpint (STATE (&f, 0), ==, ASD_TUNNEL_STATE_CONNECTING);
  g_assert_cmpint (STATE (&f, 1), ==, ASD_TUNNEL_STATE_CONNECTED);
  g_assert_cmpuint (time_of (f.keeper, "connected-since"), >, 0);
  g_assert_cmpuint (uint_of (f.keeper, "restarts"), ==, 0);

  stop_and_wait (&f);
  g_assert_cmpint (state_of (f.keeper), ==, ASD_TUNNEL_STATE_STOPPED);
  g_assert_cmpuint (uint_of (f.keeper, "pid"), ==, 0);
  g_assert_cmpuint (time_of (f.keeper, "connected-since"), ==, 0);
  g_assert_cmpuint (f.starts->len, ==, 1);
  signals = g_strconcat (f.script, ".signals", NULL);
  g_assert_true (g_file_get_contents (signals, &marks, NULL, NULL));
  g_assert_cmpstr (marks, ==, "TERM\n");
  fixture_clear (&f);
}

/* The nominal backoff delay of @step (see asd-retry-wait.h). */
static gdouble
nominal_ms (guint step)
{
  return step == 0 ? 0 : MIN (ASD_RETRY_BACKOFF_MAX_S, 1u << MIN (step - 1, 30u)) * 1000.0;
}

/* The most starts the schedule allows in @window_ms: every delay as short
 * as the jitter permits. */
static guint
max_starts_in (gdouble window_ms)
{
  gdouble t = 0;
  guint starts = 1;

  for (guint step = 0; ; step++)
    {
      t += nominal_ms (step) * (1 - ASD_RETRY_JITTER);
      if (t >= window_ms)
        return starts;
      starts++;
    }
}

/* A server that drops every login at once: retrying, NextRetry set, each
 * wait within the schedule, and no more starts than it allows. */
static void
test_backoff_no_storm (void)
{
  Fixture f = { 0, };
  guint most = max_starts_in (WINDOW_S * 1000);
  guint in_window;

  fixture_init (&f, closed_script);
  asd_keeper_start (f.keeper);
  run_for (&f, WINDOW_S * 1000);
  in_window = script_runs (&f);
  g_test_message ("%u starts in %d s (the schedule allows %u)", in_window, WINDOW_S, most);
  for (guint i = 1; i < f.starts->len; i++)
    g_test_message ("start %u after %" G_GINT64_FORMAT " ms", i, (START (&f, i) - START (&f, i - 1)) / 1000);

  g_assert_cmpuint (in_window, <=, most);
  g_assert_cmpuint (in_window, >=, 3);   /* it does retry */
  g_assert_cmpuint (f.starts->len, ==, in_window);
  g_assert_cmpint (state_of (f.keeper), ==, ASD_TUNNEL_STATE_RETRYING);
  g_assert_cmpuint (time_of (f.keeper, "next-retry"), >, (guint64) g_get_real_time ());
  g_assert_cmpuint (uint_of (f.keeper, "restarts"), ==, f.starts->len - 1);
  for (guint step = 0; step < f.delays->len; step++)
    {
      g_test_message ("retry %u: %" G_GINT64_FORMAT " ms", step, DELAY (&f, step));
      g_assert_cmpint (DELAY (&f, step), >=, nominal_ms (step) * (1 - ASD_RETRY_JITTER) - 1);
      g_assert_cmpint (DELAY (&f, step), <=, nominal_ms (step) * (1 + ASD_RETRY_JITTER) + SLACK_MS);
    }
  fixture_clear (&f);
}

/* Tunnels that fail together do not retry in lockstep. */
static void
test_backoff_jitter (void)
{
  Fixture fs[6] = { { 0, }, };
  gint64 lowest = G_MAXINT64, highest = 0;

  for (guint i = 0; i < G_N_ELEMENTS (fs); i++)
    {
      fixture_init (&fs[i], closed_script);
      asd_keeper_start (fs[i].keeper);
    }
  for (guint i = 0; i < G_N_ELEMENTS (fs); i++)
    {
      /* The second wait is the first with a delay (1 s ± jitter). */
      g_assert_true (run_until (&fs[i], delays_at_least, GUINT_TO_POINTER (2), 10 * 1000));
      g_test_message ("keeper %u: %" G_GINT64_FORMAT " ms", i, DELAY (&fs[i], 1));
      lowest = MIN (lowest, DELAY (&fs[i], 1));
      highest = MAX (highest, DELAY (&fs[i], 1));
    }
  g_assert_cmpint (lowest, >=, nominal_ms (1) * (1 - ASD_RETRY_JITTER) - 1);
  g_assert_cmpint (highest, <=, nominal_ms (1) * (1 + ASD_RETRY_JITTER) + SLACK_MS);
  /* Six draws from a 500 ms range all within 20 ms: odds about 1e-6. */
  g_assert_cmpint (highest - lowest, >, 20);
  for (guint i = 0; i < G_N_ELEMENTS (fs); i++)
    fixture_clear (&fs[i]);
}

/* A refused key: failed, and ssh is not started again. */
static void
test_permanent_failure (void)
{
  Fixture f = { 0, };
  g_autofree char *reason = NULL;

  fixture_init (&f, denied_script);
  asd_keeper_start (f.keeper);
  g_assert_true (run_until (&f, in_state, GINT_TO_POINTER (ASD_TUNNEL_STATE_FAILED), 10 * 1000));
  /* Longer than the first two backoff waits together. */
  run_for (&f, (nominal_ms (1) + nominal_ms (2)) * (1 + ASD_RETRY_JITTER) + 500);
  g_assert_cmpint (state_of (f.keeper), ==, ASD_TUNNEL_STATE_FAILED);
  g_assert_cmpuint (f.starts->len, ==, 1);
  g_assert_cmpuint (script_runs (&f), ==, 1);
  g_assert_cmpuint (f.delays->len, ==, 0);
  g_assert_cmpuint (time_of (f.keeper, "next-retry"), ==, 0);
  g_object_get (f.keeper, "state-reason", &reason, NULL);
  g_test_message ("reason: %s", reason);
  g_assert_nonnull (strstr (reason, "root@127.0.0.1"));
  fixture_clear (&f);
}

static AsdReasonCode
reason_code_after (const char *script)
{
  Fixture f = { 0, };
  g_autoptr(AsdReason) reason = NULL;

  fixture_init (&f, script);
  asd_keeper_start (f.keeper);
  g_assert_true (run_until (&f, in_state, GINT_TO_POINTER (ASD_TUNNEL_STATE_RETRYING), 10 * 1000));
  g_object_get (f.keeper, "reason", &reason, NULL);
  fixture_clear (&f);
  return reason->code;
}

/* "Connection to HOST closed by remote host." is read from stderr only
 * once ssh's own log said it was authenticated. */
static void
test_closed_by_remote (void)
{
  g_assert_cmpstr (asd_reason_code_to_string (reason_code_after (dropped_script)), ==,
                   "connection-closed");
  g_assert_cmpstr (asd_reason_code_to_string (reason_code_after (banner_closed_script)), ==,
                   "ssh-exited");
}

/* Restart of a retrying tunnel tries at once and keeps its counts. */
static void
test_restart_keeps_counts (void)
{
  Fixture f = { 0, };
  guint before;

  fixture_init (&f, closed_script);
  asd_keeper_start (f.keeper);
  /* Two failures: now waiting about 1 s (the second wait). */
  g_assert_true (run_until (&f, delays_at_least, GUINT_TO_POINTER (2), 10 * 1000));
  g_assert_cmpint (state_of (f.keeper), ==, ASD_TUNNEL_STATE_RETRYING);
  before = uint_of (f.keeper, "restarts");
  g_assert_cmpuint (before, ==, 1);

  asd_keeper_restart (f.keeper);
  /* At once: inside the call, not when the backoff's wait ends. */
  g_assert_cmpuint (f.starts->len, ==, 3);
  g_assert_cmpuint (uint_of (f.keeper, "restarts"), ==, before + 1);
  fixture_clear (&f);
}

static gboolean
not_in_state (Fixture *f, gconstpointer state)
{
  return !in_state (f, state);
}

/* An ssh that does not end on SIGTERM is killed once the grace period is
 * over, and the tunnel is stopped. */
static void
test_stop_kills_after_grace (void)
{
  Fixture f = { 0, };
  gint64 asked, stopped;
  g_autofree char *signals = NULL;
  g_autofree char *marks = NULL;

  fixture_init (&f, stubborn_script);
  asd_keeper_start (f.keeper);
  g_assert_true (run_until (&f, in_state, GINT_TO_POINTER (ASD_TUNNEL_STATE_CONNECTED), 10 * 1000));

  asked = g_get_monotonic_time ();
  asd_keeper_stop (f.keeper);
  /* Twice the grace period: the wait is the assertion. */
  g_assert_true (run_until (&f, in_state, GINT_TO_POINTER (ASD_TUNNEL_STATE_STOPPED),
                            2 * ASD_SSH_PROCESS_STOP_GRACE_S * 1000));
  stopped = g_get_monotonic_time ();
  g_test_message ("stopped %" G_GINT64_FORMAT " ms after Stop", (stopped - asked) / 1000);
  /* g_timeout_add_seconds() may round the grace down by up to a second */
  g_assert_cmpint (stopped - asked, >=, (ASD_SSH_PROCESS_STOP_GRACE_S - 1) * G_USEC_PER_SEC);
  g_assert_cmpuint (f.ended, ==, 1);
  g_assert_cmpuint (uint_of (f.keeper, "pid"), ==, 0);
  signals = g_strconcat (f.script, ".signals", NULL);
  g_assert_true (g_file_get_contents (signals, &marks, NULL, NULL));
  g_assert_cmpstr (marks, ==, "TERM\n");   /* asked first */
  fixture_clear (&f);
}

/* Kills the children the script left behind, as it noted them. */
static void
kill_children (Fixture *f)
{
  g_autofree char *path = g_strconcat (f->script, ".children", NULL);
  g_autofree char *text = NULL;
  g_auto(GStrv) pids = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return;
  pids = g_strsplit (text, "\n", -1);
  for (guint i = 0; pids[i] != NULL; i++)
    if (*pids[i] != '\0')
      kill (atoi (pids[i]), SIGKILL);
  g_unlink (path);
}

/* ssh exits while a child of its holds stderr open: its exit still counts,
 * about a second later (the time left for its last lines). */
static void
test_exit_counts_with_stderr_held (void)
{
  Fixture f = { 0, };
  gint64 connected, left;

  fixture_init (&f, orphan_script);
  asd_keeper_start (f.keeper);
  g_assert_true (run_until (&f, in_state, GINT_TO_POINTER (ASD_TUNNEL_STATE_CONNECTED), 10 * 1000));
  connected = g_get_monotonic_time ();
  g_assert_true (run_until (&f, not_in_state, GINT_TO_POINTER (ASD_TUNNEL_STATE_CONNECTED), 2 * 1000));
  left = g_get_monotonic_time ();
  g_test_message ("ssh's exit seen %" G_GINT64_FORMAT " ms after connected", (left - connected) / 1000);
  g_assert_cmpuint (f.ended, ==, 1);
  stop_and_wait (&f);
  kill_children (&f);
  fixture_clear (&f);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/keeper/connect-and-stop", test_connect_and_stop);
  g_test_add_func ("/keeper/backoff-no-storm", test_backoff_no_storm);
  g_test_add_func ("/keeper/backoff-jitter", test_backoff_jitter);
  g_test_add_func ("/keeper/permanent-failure", test_permanent_failure);
  g_test_add_func ("/keeper/closed-by-remote", test_closed_by_remote);
  g_test_add_func ("/keeper/restart-keeps-counts", test_restart_keeps_counts);
  g_test_add_func ("/keeper/stop-kills-after-grace", test_stop_kills_after_grace);
  g_test_add_func ("/keeper/exit-counts-with-stderr-held", test_exit_counts_with_stderr_held);

  return g_test_run ();
}
