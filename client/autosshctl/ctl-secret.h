/* ctl-secret.h: which secret `autosshctl passphrase` stores
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include "asd-secrets.h"
#include "ctl.h"

G_BEGIN_DECLS

/* A secret's subject, owning its strings (see AsdSecretRef). */
typedef struct {
  AsdSecretKind kind;
  char *identity_file;
  char *user;
  char *host;
} CtlSecretSubject;

gboolean ctl_secret_subject_find  (AsdDbusTunnel    *tunnel,
                                   gboolean          password,
                                   CtlSecretSubject *subject,
                                   GError          **error);
void     ctl_secret_subject_clear (CtlSecretSubject *subject);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CtlSecretSubject, ctl_secret_subject_clear)

G_END_DECLS
