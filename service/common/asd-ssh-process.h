/* asd-ssh-process.h: one run of ssh, supervised
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * AsdSshProcessFlags:
 * @ASD_SSH_PROCESS_NONE: ssh stays in its supervisor's session and process
 *   group and inherits its stdin, stdout and stderr
 * @ASD_SSH_PROCESS_NEW_SESSION: ssh runs in a session of its own (setsid),
 *   and stopping it signals its whole process group (its ProxyCommand too)
 * @ASD_SSH_PROCESS_READ_STDERR: ssh's stdin is /dev/null, its stdout is
 *   dropped, and each line it writes to stderr is an
 *   #AsdSshProcess::stderr-line signal; #AsdSshProcess::exited comes after
 *   the last line
 */
typedef enum {
  ASD_SSH_PROCESS_NONE = 0,
  ASD_SSH_PROCESS_NEW_SESSION = 1 << 0,
  ASD_SSH_PROCESS_READ_STDERR = 1 << 1,
} AsdSshProcessFlags;

/* How long ssh has to exit after SIGTERM before it gets SIGKILL. */
#define ASD_SSH_PROCESS_STOP_GRACE_S 5

#define ASD_TYPE_SSH_PROCESS (asd_ssh_process_get_type ())
G_DECLARE_FINAL_TYPE (AsdSshProcess, asd_ssh_process, ASD, SSH_PROCESS, GObject)

AsdSshProcess *asd_ssh_process_new      (const char * const *argv,
                                         AsdSshProcessFlags  flags);
void           asd_ssh_process_setenv   (AsdSshProcess      *self,
                                         const char         *name,
                                         const char         *value);
void           asd_ssh_process_set_log_dir (AsdSshProcess   *self,
                                            const char      *dir);
void           asd_ssh_process_set_control_path (AsdSshProcess *self,
                                                 const char    *path);
const char    *asd_ssh_process_get_control_path (AsdSshProcess *self);
gboolean       asd_ssh_process_start    (AsdSshProcess      *self,
                                         GError            **error);
void           asd_ssh_process_stop     (AsdSshProcess      *self);
gboolean       asd_ssh_process_error_is_lasting (const GError *error);
gint           asd_ssh_process_get_pid  (AsdSshProcess      *self);
gboolean       asd_ssh_process_is_running (AsdSshProcess    *self);

void asd_ssh_process_set_tunnel_name (AsdSshProcess *self,
                                       const char *tunnel);

G_END_DECLS
