/* asd-restart-policy.h: autossh 1.4g's rules for when ssh runs again
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * AsdRestartVerdict:
 * @ASD_RESTART_AGAIN: start ssh again
 * @ASD_RESTART_EXIT_OK: stop, autossh exits 0
 * @ASD_RESTART_EXIT_ERROR: stop, autossh exits 1
 * @ASD_RESTART_EXIT_PREMATURE: the first run ended inside the gate time:
 *   stop, autossh exits 1
 */
typedef enum {
  ASD_RESTART_AGAIN,
  ASD_RESTART_EXIT_OK,
  ASD_RESTART_EXIT_ERROR,
  ASD_RESTART_EXIT_PREMATURE,
} AsdRestartVerdict;

/**
 * AsdSshExit:
 * @signalled: ssh was killed by a signal
 * @code: the signal number, or the exit status
 * @start_count: how many times ssh has been started, this run included
 * @ran_for: how long this run of ssh lasted, in seconds
 */
typedef struct {
  gboolean signalled;
  gint code;
  guint start_count;
  gdouble ran_for;
} AsdSshExit;

AsdRestartVerdict asd_restart_policy_judge (const AsdSshExit *exit,
                                            guint             gatetime);

/**
 * AsdBackoff:
 * @tries: quick restarts in a row so far
 * @last_start: monotonic time of the previous start in µs, or -1
 *
 * autossh's pacing of quick restarts; initialise with %ASD_BACKOFF_INIT.
 */
typedef struct {
  guint tries;
  gint64 last_start;
} AsdBackoff;

#define ASD_BACKOFF_INIT { 0, -1 }

guint asd_backoff_next_delay (AsdBackoff *backoff,
                              guint       poll,
                              gint64      now);
void  asd_backoff_started    (AsdBackoff *backoff,
                              gint64      now);

G_END_DECLS
