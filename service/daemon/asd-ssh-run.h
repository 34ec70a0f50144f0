/* asd-ssh-run.h: one start of a tunnel's ssh, watched and explained
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include "asd-askpass-server.h"
#include "asd-monitor.h"
#include "asd-ssh-messages.h"

G_BEGIN_DECLS

#define ASD_TYPE_SSH_RUN (asd_ssh_run_get_type ())
G_DECLARE_FINAL_TYPE (AsdSshRun, asd_ssh_run, ASD, SSH_RUN, GObject)

AsdSshRun *asd_ssh_run_new     (const char         *tunnel_name,
                                const char * const *argv,
                                gboolean            remote_forwards,
                                const char         *trusted_host_key,
                                const char         *passphrase_credential,
                                AsdAskpassServer   *askpass,
                                const char         *askpass_helper);
void       asd_ssh_run_watch_with (AsdSshRun       *self,
                                   AsdMonitor      *monitor);
gboolean   asd_ssh_run_start   (AsdSshRun          *self,
                                GError            **error);
void       asd_ssh_run_stop    (AsdSshRun          *self,
                                const AsdReason    *reason);
const char *asd_ssh_run_get_control_path (AsdSshRun  *self);
gint       asd_ssh_run_get_pid (AsdSshRun          *self);
AsdReason *asd_ssh_run_explain (AsdSshRun          *self,
                                AsdRetry           *retry);
GVariant  *asd_ssh_run_exit_details (AsdSshRun     *self);

G_END_DECLS
