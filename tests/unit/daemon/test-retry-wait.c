/* test-retry-wait.c: a tunnel's wait before its next try, on real timers
 * and a real TCP port
 *
 * The wait is what keeps a tunnel from hammering a server: a timer with
 * backoff and jitter, or TCP probes of the server's ssh port that make it
 * due the moment the port answers.  The probe asks the real `ssh -G` for
 * host and port (with -F /dev/null, so no user configuration leaks in)
 * and connects to a port on 127.0.0.1 that is first closed, then opened.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "asd-retry-wait.h"

/* How late the wait's own clock may read after the test's (valgrind is
 * slow: about 50 ms were seen for a first signal emission). */
#define SLACK_MS 200

typedef struct {
  guint due;
  guint scheduled;
  guint probed;
  gint64 asked_at;               /* real time µs of the test's last call */
  gint64 last_delay_ms;          /* from ::scheduled, after asked_at */
} Seen;

/* The wait schedules from its own clock, a little after @asked_at: the
 * delays seen are never shorter than the real ones. */
static void
ask (Seen *seen)
{
  seen->asked_at = g_get_real_time ();
}

static void
on_due (AsdRetryWait *wait, gpointer user_data)
{
  ((Seen *) user_data)->due++;
}

static void
on_scheduled (AsdRetryWait *wait, gint64 when, gpointer user_data)
{
  Seen *seen = user_data;

  seen->scheduled++;
  seen->last_delay_ms = (when - seen->asked_at) / 1000;
}

static void
on_probed (AsdRetryWait *wait, gint64 latency, gpointer user_data)
{
  g_assert_cmpint (latency, >=, 0);
  ((Seen *) user_data)->probed++;
}

static AsdRetryWait *
watched_wait (Seen *seen)
{
  AsdRetryWait *wait = asd_retry_wait_new ();

  g_signal_connect (wait, "due", G_CALLBACK (on_due), seen);
  g_signal_connect (wait, "scheduled", G_CALLBACK (on_scheduled), seen);
  g_signal_connect (wait, "probed", G_CALLBACK (on_probed), seen);
  return wait;
}

static gboolean
on_timeout (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the main loop until *@counter reaches @target or @timeout_ms pass. */
static gboolean
run_until (const guint *counter, guint target, guint timeout_ms)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add (timeout_ms, on_timeout, &timed_out);

  while (*counter < target && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  return *counter >= target;
}

static void
test_timer (void)
{
  Seen seen = { 0, };
  g_autoptr(AsdRetryWait) wait = watched_wait (&seen);
  gint64 start = g_get_monotonic_time ();

  ask (&seen);
  asd_retry_wait_after (wait, 300);
  g_assert_cmpuint (seen.scheduled, ==, 1);
  g_assert_cmpint (seen.last_delay_ms, >=, 300);
  g_assert_cmpint (seen.last_delay_ms, <=, 300 + SLACK_MS);
  g_assert_true (run_until (&seen.due, 1, 5000));
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 300 * 1000);
  g_assert_cmpuint (seen.due, ==, 1);
}

static void
test_cancel (void)
{
  Seen seen = { 0, };
  g_autoptr(AsdRetryWait) wait = watched_wait (&seen);
  guint never = 0;

  asd_retry_wait_after (wait, 100);
  asd_retry_wait_cancel (wait);
  g_assert_false (run_until (&never, 1, 500));
  g_assert_cmpuint (seen.due, ==, 0);
}

/* A port on 127.0.0.1 that nothing listens on (it was free a moment ago). */
static guint16
closed_port (void)
{
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;

  g_socket_listener_add_address (listener, address, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                 NULL, &bound, &error);
  g_assert_no_error (error);
  g_socket_listener_close (listener);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

static GSocketListener *
listen_on (guint16 port)
{
  GSocketListener *listener = g_socket_listener_new ();
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, port);
  g_autoptr(GError) error = NULL;

  g_socket_listener_add_address (listener, address, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                 NULL, NULL, &error);
  g_assert_no_error (error);
  return listener;
}

/* Closed: probes fail and are rescheduled, nothing is due; opened: due
 * at the next probe, which reports its latency. */
static void
test_server_probe (void)
{
  Seen seen = { 0, };
  g_autoptr(AsdRetryWait) wait = watched_wait (&seen);
  g_autoptr(GSocketListener) listener = NULL;
  g_autofree char *port = NULL;
  const char *argv[] = { "ssh", "-F", "/dev/null", "-p", NULL, "127.0.0.1", NULL };
  g_autofree char *ssh = g_find_program_in_path ("ssh");
  g_autoptr(AsdServerAddress) address = asd_server_address_new ();
  guint16 number = closed_port ();

  if (ssh == NULL)
    {
      g_test_skip ("no ssh");
      return;
    }
  port = g_strdup_printf ("%u", number);
  argv[4] = port;
  asd_server_address_set_argv (address, argv);
  ask (&seen);
  asd_retry_wait_for_server (wait, address, 60 * 1000);
  g_assert_cmpuint (seen.scheduled, ==, 1);

  /* The first probe (after a few seconds) fails and schedules the next. */
  g_assert_true (run_until (&seen.scheduled, 2, 10 * 1000));
  g_assert_cmpuint (seen.due, ==, 0);
  g_assert_cmpuint (seen.probed, ==, 0);
  g_assert_cmpint (seen.last_delay_ms, <, 60 * 1000);   /* probing, not the fallback */

  listener = listen_on (number);
  g_assert_true (run_until (&seen.due, 1, 10 * 1000));
  g_assert_cmpuint (seen.probed, ==, 1);
}

/* The backoff: 0, then 1, 2, 4 … s capped, each within the jitter. */
static void
test_backoff_schedule (void)
{
  Seen seen = { 0, };
  g_autoptr(AsdRetryWait) wait = watched_wait (&seen);
  g_autoptr(AsdServerAddress) address = asd_server_address_new ();

  ask (&seen);
  asd_retry_wait_after_failure (wait, ASD_RETRY_BACKOFF, address);
  g_assert_cmpint (seen.last_delay_ms, <=, SLACK_MS);
  for (guint step = 1; step <= 10; step++)
    {
      gdouble nominal = MIN (ASD_RETRY_BACKOFF_MAX_S, 1u << MIN (step - 1, 30u)) * 1000.0;

      ask (&seen);
      asd_retry_wait_after_failure (wait, ASD_RETRY_BACKOFF, address);
      g_test_message ("step %u: %" G_GINT64_FORMAT " ms", step, seen.last_delay_ms);
      g_assert_cmpint (seen.last_delay_ms, >=, (gint64) (nominal * (1 - ASD_RETRY_JITTER)) - 1);
      g_assert_cmpint (seen.last_delay_ms, <=, (gint64) (nominal * (1 + ASD_RETRY_JITTER)) + SLACK_MS);
    }

  asd_retry_wait_reset_backoff (wait);
  ask (&seen);
  asd_retry_wait_after_failure (wait, ASD_RETRY_BACKOFF, address);
  g_assert_cmpint (seen.last_delay_ms, <=, SLACK_MS);

  ask (&seen);
  asd_retry_wait_after_failure (wait, ASD_RETRY_SHORT, address);
  g_assert_cmpint (seen.last_delay_ms, >=, ASD_RETRY_SHORT_S * 1000);
  g_assert_cmpint (seen.last_delay_ms, <=, ASD_RETRY_SHORT_S * 1000 + SLACK_MS);
  asd_retry_wait_cancel (wait);
  g_assert_cmpuint (seen.due, ==, 0);
}

/* Jitter: the same step gives different delays (a herd of tunnels that
 * dropped together does not come back in lockstep). */
static void
test_backoff_jitter (void)
{
  Seen seen = { 0, };
  g_autoptr(AsdRetryWait) wait = watched_wait (&seen);
  g_autoptr(AsdServerAddress) address = asd_server_address_new ();
  gint64 lowest = G_MAXINT64, highest = 0;

  for (guint i = 0; i < 20; i++)
    {
      asd_retry_wait_reset_backoff (wait);
      asd_retry_wait_after_failure (wait, ASD_RETRY_BACKOFF, address);   /* step 0 */
      ask (&seen);
      asd_retry_wait_after_failure (wait, ASD_RETRY_BACKOFF, address);   /* step 1: 1 s */
      lowest = MIN (lowest, seen.last_delay_ms);
      highest = MAX (highest, seen.last_delay_ms);
    }
  asd_retry_wait_cancel (wait);
  g_test_message ("step 1 over 20 draws: %" G_GINT64_FORMAT "–%" G_GINT64_FORMAT " ms", lowest, highest);
  /* 20 draws from a 500 ms range all within 100 ms: odds below 1e-10. */
  g_assert_cmpint (highest - lowest, >, 100);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/retry-wait/timer", test_timer);
  g_test_add_func ("/retry-wait/cancel", test_cancel);
  g_test_add_func ("/retry-wait/server-probe", test_server_probe);
  g_test_add_func ("/retry-wait/backoff-schedule", test_backoff_schedule);
  g_test_add_func ("/retry-wait/backoff-jitter", test_backoff_jitter);

  return g_test_run ();
}
