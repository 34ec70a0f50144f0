/* asd-secrets.h: passphrases and passwords in the Secret Service
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * The schema "io.github.autosshd1.Secret", attributes:
 *   type           "passphrase" (of a key file) or "password" (of user@host)
 *   identity-file  with "passphrase": the key file's absolute path
 *   user, host     with "password": the login name and host as ssh prints
 *                  them in "user@host's password:"
 * One passphrase serves every tunnel using that key file.  Lookups do not
 * require the xdg:schema attribute, so `secret-tool store --label=L type
 * passphrase identity-file /home/me/.ssh/id_ed25519` works too.
 */
#define ASD_SECRET_SCHEMA_NAME "io.github.autosshd1.Secret"

/**
 * AsdSecretKind:
 * @ASD_SECRET_PASSPHRASE: the passphrase of a key file
 * @ASD_SECRET_PASSWORD: the password of user@host
 */
typedef enum {
  ASD_SECRET_PASSPHRASE,
  ASD_SECRET_PASSWORD,
} AsdSecretKind;

/**
 * AsdSecretRef:
 * @kind: which kind of secret
 * @identity_file: with %ASD_SECRET_PASSPHRASE, the absolute key path
 * @user: with %ASD_SECRET_PASSWORD, the login name
 * @host: with %ASD_SECRET_PASSWORD, the host
 */
typedef struct {
  AsdSecretKind kind;
  const char *identity_file;
  const char *user;
  const char *host;
} AsdSecretRef;

/* A lookup finds nothing (G_IO_ERROR_NOT_FOUND), or the keyring is locked
 * (G_IO_ERROR_PERMISSION_DENIED), or the Secret Service is not there
 * (G_IO_ERROR_NOT_CONNECTED); the message says which and what to do. */
void      asd_secret_lookup_async  (const AsdSecretRef  *ref,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data);
char     *asd_secret_lookup_finish (GAsyncResult        *result,
                                    GError             **error);

/* For the command line: store (replacing an older one), synchronously. */
gboolean  asd_secret_store_sync    (const AsdSecretRef  *ref,
                                    const char          *secret,
                                    GError             **error);

/* For the desktop: store in the login keyring (@remember), or in the
 * session collection, which forgets it at logout; the service finds it in
 * either. */
void      asd_secret_store_async   (const AsdSecretRef  *ref,
                                    const char          *secret,
                                    gboolean             remember,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data);
gboolean  asd_secret_store_finish  (GAsyncResult        *result,
                                    GError             **error);

/* Whether the default collection is locked (for retrying after unlock). */
void      asd_secret_locked_async  (GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data);
gboolean  asd_secret_locked_finish (GAsyncResult        *result,
                                    gboolean            *locked,
                                    GError             **error);

/* Frees a secret, overwriting its memory first. */
void      asd_secret_free          (char                *secret);

G_END_DECLS
