/* asd-askpass-server.h: answers ssh's askpass helper, privately
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _AsdAskpassRequest AsdAskpassRequest;

/**
 * AsdAskpassHandler:
 * @request: (nullable): the question; answer it once, now or later, with
 *   asd_askpass_request_answer() or asd_askpass_request_refuse(); %NULL
 *   when ssh asks the same again in the same start: the server has refused
 *   it already (so a wrong secret is never tried twice), and the handler
 *   only takes note
 * @prompt: ssh's prompt
 * @user_data: as registered
 */
typedef void (*AsdAskpassHandler) (AsdAskpassRequest *request,
                                   const char        *prompt,
                                   gpointer           user_data);

#define ASD_TYPE_ASKPASS_SERVER (asd_askpass_server_get_type ())
G_DECLARE_FINAL_TYPE (AsdAskpassServer, asd_askpass_server, ASD, ASKPASS_SERVER, GObject)

AsdAskpassServer *asd_askpass_server_new        (const char        *socket_path,
                                                 gboolean           take_over,
                                                 GError           **error);
const char       *asd_askpass_server_get_path   (AsdAskpassServer  *self);
char             *asd_askpass_server_get_dir    (AsdAskpassServer  *self);
void              asd_askpass_server_set_keyring (AsdAskpassServer *self,
                                                 gboolean           keyring);
gboolean          asd_askpass_server_get_keyring (AsdAskpassServer *self);
char             *asd_askpass_server_register   (AsdAskpassServer  *self,
                                                 AsdAskpassHandler  handler,
                                                 gpointer           user_data);
void              asd_askpass_server_unregister (AsdAskpassServer  *self,
                                                 const char        *token);

void              asd_askpass_request_answer    (AsdAskpassRequest *request,
                                                 const char        *answer);
void              asd_askpass_request_refuse    (AsdAskpassRequest *request,
                                                 const char        *why);

G_END_DECLS
