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

typedef void (*AsdLoginGranted) (gpointer user_data);

#define ASD_TYPE_LOGIN_PACER (asd_login_pacer_get_type ())
G_DECLARE_FINAL_TYPE (AsdLoginPacer, asd_login_pacer, ASD, LOGIN_PACER, GObject)

AsdLoginPacer *asd_login_pacer_new     (guint            slots);
gboolean       asd_login_pacer_try     (AsdLoginPacer   *self,
                                        gpointer         user_data);
void           asd_login_pacer_request (AsdLoginPacer   *self,
                                        AsdLoginGranted  granted,
                                        gpointer         user_data);
void           asd_login_pacer_cancel  (AsdLoginPacer   *self,
                                        gpointer         user_data);
void           asd_login_pacer_release (AsdLoginPacer   *self,
                                        gpointer         user_data);

G_END_DECLS
