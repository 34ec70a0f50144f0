/* notify-prompt.h: the desktop's prompts for a tunnel's secret or host key
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "asd-dbus-generated.h"

G_BEGIN_DECLS

/* The system prompter to use instead of GNOME's (a test's mock prompter). */
#define ASD_NOTIFY_PROMPTER_ENV "AUTOSSH_NOTIFY_PROMPTER"

/**
 * AsdNotifyAsk:
 * @ASD_NOTIFY_ASK_NONE: the tunnel waits for nothing the user can give here
 * @ASD_NOTIFY_ASK_PASSPHRASE: a key's passphrase (NeedsSecret)
 * @ASD_NOTIFY_ASK_PASSWORD: a login's password (NeedsSecret)
 * @ASD_NOTIFY_ASK_HOST_KEY: approval of a host key (PendingHostKey)
 */
typedef enum {
  ASD_NOTIFY_ASK_NONE,
  ASD_NOTIFY_ASK_PASSPHRASE,
  ASD_NOTIFY_ASK_PASSWORD,
  ASD_NOTIFY_ASK_HOST_KEY,
} AsdNotifyAsk;

AsdNotifyAsk asd_notify_prompt_what         (AsdDbusTunnel       *proxy);
const char  *asd_notify_prompt_action_label (AsdNotifyAsk         ask);

void         asd_notify_prompt_async        (AsdDbusTunnel       *proxy,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
gboolean     asd_notify_prompt_finish       (GAsyncResult        *result,
                                             AsdNotifyAsk        *asked,
                                             GError             **error);

G_END_DECLS
