/* asd-tunnel-askpass.h: what a tunnel answers when ssh asks
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include "asd-askpass-server.h"
#include "asd-ssh-messages.h"

G_BEGIN_DECLS

typedef struct _AsdTunnelAskpass AsdTunnelAskpass;

AsdTunnelAskpass *asd_tunnel_askpass_new      (const char       *tunnel_name,
                                               const char       *trusted_host_key,
                                               const char       *credential,
                                               gboolean          keyring);
void              asd_tunnel_askpass_free     (AsdTunnelAskpass *self);
void              asd_tunnel_askpass_answer   (AsdTunnelAskpass *self,
                                               AsdAskpassRequest *request,
                                               const char       *prompt);
AsdReason        *asd_tunnel_askpass_outcome  (AsdTunnelAskpass *self,
                                               AsdSshFailure     failure,
                                               AsdRetry         *retry);


G_DEFINE_AUTOPTR_CLEANUP_FUNC (AsdTunnelAskpass, asd_tunnel_askpass_free)

G_END_DECLS
