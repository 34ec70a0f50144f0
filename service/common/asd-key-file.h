/* asd-key-file.h: whether a key file can be used, and whether a
 * passphrase opens it
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The askpass helper relays its stdin when this is "1" (see
 * autosshd-askpass.c); a passphrase is at most this many bytes. */
#define ASD_ASKPASS_STDIN_ENV        "AUTOSSHD_ASKPASS_STDIN"
#define ASD_KEY_FILE_MAX_PASSPHRASE  4096

/* A passphrase that does not open the key: G_IO_ERROR_PERMISSION_DENIED. */

gboolean  asd_key_file_check_readable         (const char          *identity_file,
                                               GError             **error);
char     *asd_key_file_askpass_helper         (void);

void      asd_key_file_check_passphrase_async (const char          *path,
                                               const char          *passphrase,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
gboolean  asd_key_file_check_passphrase_finish (GAsyncResult       *result,
                                               GError             **error);
gboolean  asd_key_file_check_passphrase_sync  (const char          *path,
                                               const char          *passphrase,
                                               GError             **error);
gboolean  asd_key_file_is_encrypted_sync      (const char          *path);

G_END_DECLS
