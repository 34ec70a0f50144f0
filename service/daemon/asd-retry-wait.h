/* asd-retry-wait.h: a tunnel's wait before its next try
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define ASD_TYPE_RETRY_WAIT (asd_retry_wait_get_type ())
G_DECLARE_FINAL_TYPE (AsdRetryWait, asd_retry_wait, ASD, RETRY_WAIT, GObject)

AsdRetryWait *asd_retry_wait_new          (void);
void          asd_retry_wait_after        (AsdRetryWait       *self,
                                           guint               delay_ms);
void          asd_retry_wait_for_server   (AsdRetryWait       *self,
                                           const char * const *ssh_argv,
                                           guint               fallback_ms);
void          asd_retry_wait_for_keyring  (AsdRetryWait       *self);
void          asd_retry_wait_probe_now    (AsdRetryWait       *self,
                                           const char * const *ssh_argv);
void          asd_retry_wait_cancel       (AsdRetryWait       *self);

G_END_DECLS
