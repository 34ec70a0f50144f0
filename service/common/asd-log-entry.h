/* asd-log-entry.h: one entry of a tunnel's log, and its words for people
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The kinds of entry (API values, never translated; GetLog and LogEntry
 * in data/io.github.autosshd1.xml), with the keys of their details. */
#define ASD_LOG_KIND_STATE      "state"       /* old-state, new-state, reason-code, reason-details */
#define ASD_LOG_KIND_SSH        "ssh"         /* ssh-line */
#define ASD_LOG_KIND_SSH_EXITED "ssh-exited"  /* exit-status | signal */
#define ASD_LOG_KIND_PROBE      "probe"       /* latency-usec */
#define ASD_LOG_KIND_CONFIG     "config"      /* fingerprint (a host key approved), or none */

#define ASD_LOG_DETAIL_OLD_STATE      "old-state"       /* s */
#define ASD_LOG_DETAIL_NEW_STATE      "new-state"       /* s */
#define ASD_LOG_DETAIL_REASON_CODE    "reason-code"     /* s: a StateReasonCode */
#define ASD_LOG_DETAIL_REASON_DETAILS "reason-details"  /* a{sv}: its StateReasonDetails */
#define ASD_LOG_DETAIL_LATENCY        "latency-usec"    /* t */
/* ssh-line, exit-status, signal and fingerprint are the reasons' keys
 * (ASD_DETAIL_SSH_LINE, ... in asd-reason.h). */

char *asd_log_entry_describe (const char *kind,
                              GVariant   *details,
                              const char *message);

G_END_DECLS
