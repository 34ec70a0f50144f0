/* asd-retry-wait.h: a tunnel's wait before its next try
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "asd-server-address.h"
#include "asd-ssh-messages.h"

G_BEGIN_DECLS

/* The backoff after a failed run: no wait for the first retry after a
 * stable connection, then 1, 2, 4 … s up to ASD_RETRY_BACKOFF_MAX_S, each
 * stretched by a random factor in [1 - J, 1 + J], J = ASD_RETRY_JITTER. */
#define ASD_RETRY_BACKOFF_MAX_S  60
#define ASD_RETRY_JITTER         0.25
/* ASD_RETRY_SHORT: a remote port still held by an old session. */
#define ASD_RETRY_SHORT_S         3

#define ASD_TYPE_RETRY_WAIT (asd_retry_wait_get_type ())
G_DECLARE_FINAL_TYPE (AsdRetryWait, asd_retry_wait, ASD, RETRY_WAIT, GObject)

AsdRetryWait *asd_retry_wait_new          (void);
void          asd_retry_wait_after        (AsdRetryWait       *self,
                                           guint               delay_ms);
void          asd_retry_wait_for_server   (AsdRetryWait       *self,
                                           AsdServerAddress   *address,
                                           guint               fallback_ms);
void          asd_retry_wait_for_keyring  (AsdRetryWait       *self);
void          asd_retry_wait_cancel       (AsdRetryWait       *self);
void          asd_retry_wait_after_failure (AsdRetryWait      *self,
                                           AsdRetry            retry,
                                           AsdServerAddress   *address);
void          asd_retry_wait_reset_backoff (AsdRetryWait      *self);

G_END_DECLS
