/* asd-credential.h: a secret from a systemd credential
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

void  asd_credential_read_async  (const char          *name,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data);
char *asd_credential_read_finish (GAsyncResult        *result,
                                  GError             **error);

G_END_DECLS
