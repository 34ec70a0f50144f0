/* asd-restart-policy.c: autossh 1.4g's rules for when ssh runs again
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "asd-restart-policy.h"

/**
 * asd_restart_policy_judge:
 * @exit: how ssh ended
 * @gatetime: AUTOSSH_GATETIME in seconds (0: no gate)
 *
 * autossh 1.4g's table: a signal restarts; the first run ending within the
 * gate is "could not connect"; then 255 restarts, 0 ends well, 1 and 2
 * restart once ssh had run before (or without a gate), anything else ends
 * with an error.
 *
 * Returns: what to do next
 */
AsdRestartVerdict
asd_restart_policy_judge (const AsdSshExit *exit, guint gatetime)
{
  if (exit->signalled)
    return ASD_RESTART_AGAIN;
  if (exit->start_count == 1 && gatetime != 0 && exit->ran_for <= gatetime)
    return ASD_RESTART_EXIT_PREMATURE;

  switch (exit->code)
    {
    case 255:
      return ASD_RESTART_AGAIN;
    case 0:
      return ASD_RESTART_EXIT_OK;
    case 1:
    case 2:
      if (exit->start_count > 1 || gatetime == 0)
        return ASD_RESTART_AGAIN;
      return ASD_RESTART_EXIT_ERROR;
    default:
      return ASD_RESTART_EXIT_ERROR;
    }
}

/**
 * asd_backoff_next_delay:
 * @backoff: the pacing state
 * @poll: AUTOSSH_POLL in seconds
 * @now: monotonic time in µs
 *
 * Counts a start that comes within max(POLL/10, 10) s of the previous one
 * as a quick retry; after five of them in a row, waits
 * min(POLL, (int) (POLL/100 × t × t/3)) s with t = tries − 5.
 *
 * Returns: seconds to wait before the next start
 */
guint
asd_backoff_next_delay (AsdBackoff *backoff, guint poll, gint64 now)
{
  gint64 min_time = MAX (poll / 10, 10) * G_USEC_PER_SEC;
  gdouble t;
  gint64 delay;

  if (backoff->last_start >= 0 && now - backoff->last_start < min_time)
    backoff->tries++;
  else
    backoff->tries = 0;

  if (backoff->tries <= 5)
    return 0;
  t = backoff->tries - 5;
  delay = (gint64) ((poll / 100.0) * t * (t / 3.0));
  return MIN (delay, (gint64) poll);
}

/**
 * asd_backoff_started:
 * @backoff: the pacing state
 * @now: monotonic time in µs at which ssh was started
 */
void
asd_backoff_started (AsdBackoff *backoff, gint64 now)
{
  backoff->last_start = now;
}
