/* asd-server-address.h: the host and port a tunnel's ssh connects to
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* How long an answer of `ssh -G` is kept at most (see asd-server-address.c). */
#define ASD_SERVER_ADDRESS_LIFETIME_S  (10 * 60)

#define ASD_TYPE_SERVER_ADDRESS (asd_server_address_get_type ())
G_DECLARE_FINAL_TYPE (AsdServerAddress, asd_server_address, ASD, SERVER_ADDRESS, GObject)

AsdServerAddress *asd_server_address_new          (void);
void              asd_server_address_set_argv     (AsdServerAddress    *self,
                                                   const char * const  *ssh_argv);
void              asd_server_address_forget       (AsdServerAddress    *self);
void              asd_server_address_lookup_async (AsdServerAddress    *self,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
gboolean          asd_server_address_lookup_finish (AsdServerAddress   *self,
                                                   GAsyncResult        *result,
                                                   char               **host,
                                                   guint16             *port,
                                                   GError             **error);

G_END_DECLS
