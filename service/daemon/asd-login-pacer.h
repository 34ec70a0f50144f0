/* asd-login-pacer.h: how many tunnels may be logging in at once
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Fewer than OpenSSH's default MaxStartups (10): a mass reconnect never
 * has logins refused by a server. */
#define ASD_LOGIN_PACER_DEFAULT_SLOTS 8

/* One login's right to run; give it back with asd_login_slot_release(). */
typedef struct _AsdLoginSlot AsdLoginSlot;

#define ASD_TYPE_LOGIN_PACER (asd_login_pacer_get_type ())
G_DECLARE_FINAL_TYPE (AsdLoginPacer, asd_login_pacer, ASD, LOGIN_PACER, GObject)

AsdLoginPacer *asd_login_pacer_new            (guint                slots);
AsdLoginSlot  *asd_login_pacer_try_acquire    (AsdLoginPacer       *self);
void           asd_login_pacer_acquire_async  (AsdLoginPacer       *self,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
AsdLoginSlot  *asd_login_pacer_acquire_finish (AsdLoginPacer       *self,
                                               GAsyncResult        *result,
                                               GError             **error);
void           asd_login_slot_release         (AsdLoginSlot        *slot);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AsdLoginSlot, asd_login_slot_release)

G_END_DECLS
