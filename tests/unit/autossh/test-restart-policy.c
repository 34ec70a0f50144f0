/* test-restart-policy.c: autossh 1.4g's restart table and backoff
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "asd-restart-policy.h"

typedef struct {
  const char *name;
  AsdSshExit exit;
  guint gatetime;
  AsdRestartVerdict verdict;
} JudgeCase;

#define SIG TRUE
#define STATUS FALSE

/* One row per rule of AUTOSSH-COMPAT's "Restart policy". */
static const JudgeCase judge_cases[] = {
  { "signal-restarts",                 { SIG, 9, 3, 100 },    30, ASD_RESTART_AGAIN },
  { "signal-restarts-inside-gate",     { SIG, 15, 1, 0.5 },   30, ASD_RESTART_AGAIN },
  { "first-run-in-gate-255",           { STATUS, 255, 1, 2 }, 30, ASD_RESTART_EXIT_PREMATURE },
  { "first-run-in-gate-0",             { STATUS, 0, 1, 2 },   30, ASD_RESTART_EXIT_PREMATURE },
  { "first-run-at-gate-edge",          { STATUS, 255, 1, 30 }, 30, ASD_RESTART_EXIT_PREMATURE },
  { "first-run-past-gate-255",         { STATUS, 255, 1, 31 }, 30, ASD_RESTART_AGAIN },
  { "later-run-in-gate-255",           { STATUS, 255, 2, 1 }, 30, ASD_RESTART_AGAIN },
  { "no-gate-first-run-255",           { STATUS, 255, 1, 0 }, 0,  ASD_RESTART_AGAIN },
  { "status-0-exits-ok",               { STATUS, 0, 2, 1 },   30, ASD_RESTART_EXIT_OK },
  { "no-gate-status-0-exits-ok",       { STATUS, 0, 1, 0 },   0,  ASD_RESTART_EXIT_OK },
  { "status-1-first-run-past-gate",    { STATUS, 1, 1, 40 },  30, ASD_RESTART_EXIT_ERROR },
  { "status-2-first-run-past-gate",    { STATUS, 2, 1, 40 },  30, ASD_RESTART_EXIT_ERROR },
  { "status-1-later-run",              { STATUS, 1, 2, 1 },   30, ASD_RESTART_AGAIN },
  { "status-2-later-run",              { STATUS, 2, 5, 1 },   30, ASD_RESTART_AGAIN },
  { "status-1-no-gate",                { STATUS, 1, 1, 0 },   0,  ASD_RESTART_AGAIN },
  { "status-2-no-gate",                { STATUS, 2, 1, 0 },   0,  ASD_RESTART_AGAIN },
  { "status-3-exits-error",            { STATUS, 3, 2, 100 }, 30, ASD_RESTART_EXIT_ERROR },
  { "status-3-no-gate",                { STATUS, 3, 1, 0 },   0,  ASD_RESTART_EXIT_ERROR },
  { "status-254-exits-error",          { STATUS, 254, 4, 100 }, 0, ASD_RESTART_EXIT_ERROR },
};

static void
test_judge (gconstpointer data)
{
  const JudgeCase *c = data;

  g_assert_cmpint (asd_restart_policy_judge (&c->exit, c->gatetime), ==, c->verdict);
}

/* ssh dies at once every time: the waits before each start. */
static void
check_quick_failures (guint poll, const guint *expected, guint n_expected)
{
  AsdBackoff backoff = ASD_BACKOFF_INIT;
  gint64 now = 1000 * G_USEC_PER_SEC;

  for (guint i = 0; i < n_expected; i++)
    {
      guint delay = asd_backoff_next_delay (&backoff, poll, now);

      g_assert_cmpuint (delay, ==, expected[i]);
      now += delay * G_USEC_PER_SEC;
      asd_backoff_started (&backoff, now);
      now += G_USEC_PER_SEC / 10;   /* ssh lasts 0.1 s */
    }
}

static void
test_backoff_poll_600 (void)
{
  /* AUTOSSH-COMPAT: 6 quick tries, then 2, 8, 18, 32, 50, 72, 98, 128 … up to 600. */
  const guint expected[] = { 0, 0, 0, 0, 0, 0, 2, 8, 18, 32, 50, 72, 98, 128,
                             162, 200, 242, 288, 338, 392, 450, 512, 578, 600, 600 };

  check_quick_failures (600, expected, G_N_ELEMENTS (expected));
}

static void
test_backoff_poll_30 (void)
{
  /* (int) (0.3 × t × t/3): t = 1 → 0.1 → 0, 2 → 0.4 → 0, 3 → 0.9 → 0, 4 → 1.6 → 1, … */
  const guint expected[] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 6, 8, 10, 12, 14, 16, 19, 22, 25, 28, 30, 30 };

  check_quick_failures (30, expected, G_N_ELEMENTS (expected));
}

static void
test_backoff_poll_10 (void)
{
  /* (int) (0.1 × t × t/3): zero until t = 6 (1.2), capped at POLL = 10 from t = 18. */
  const guint expected[] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 2, 2, 3, 4, 4, 5, 6, 7, 8, 9, 10, 10, 10, 10 };

  check_quick_failures (10, expected, G_N_ELEMENTS (expected));
}

static void
test_backoff_resets (void)
{
  AsdBackoff backoff = ASD_BACKOFF_INIT;
  gint64 now = 0;

  for (guint i = 0; i < 8; i++)
    {
      now += asd_backoff_next_delay (&backoff, 600, now) * G_USEC_PER_SEC;
      asd_backoff_started (&backoff, now);
      now += G_USEC_PER_SEC;
    }
  g_assert_cmpuint (backoff.tries, ==, 7);

  /* A run that lasted min_time = max(600/10, 10) = 60 s resets the count. */
  now += 60 * G_USEC_PER_SEC;
  g_assert_cmpuint (asd_backoff_next_delay (&backoff, 600, now), ==, 0);
  g_assert_cmpuint (backoff.tries, ==, 0);

  /* With POLL=30, min_time is 10 s: 9.9 s is still quick, 10 s is not. */
  backoff = (AsdBackoff) ASD_BACKOFF_INIT;
  asd_backoff_started (&backoff, 0);
  asd_backoff_next_delay (&backoff, 30, 9900 * 1000);
  g_assert_cmpuint (backoff.tries, ==, 1);
  asd_backoff_started (&backoff, 9900 * 1000);
  asd_backoff_next_delay (&backoff, 30, 19900 * 1000);
  g_assert_cmpuint (backoff.tries, ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (judge_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/restart-policy/judge/%s", judge_cases[i].name);
      g_test_add_data_func (path, &judge_cases[i], test_judge);
    }
  g_test_add_func ("/restart-policy/backoff/poll-600", test_backoff_poll_600);
  g_test_add_func ("/restart-policy/backoff/poll-30", test_backoff_poll_30);
  g_test_add_func ("/restart-policy/backoff/poll-10", test_backoff_poll_10);
  g_test_add_func ("/restart-policy/backoff/resets", test_backoff_resets);
  return g_test_run ();
}
