/* asd-ssh-config.h: what ssh itself makes of a command line and a path
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The bounds of asd_ssh_config_query_async(): `ssh -G` reads files only,
 * and prints some 3 KiB. */
#define ASD_SSH_CONFIG_TIMEOUT_S    10
#define ASD_SSH_CONFIG_MAX_OUTPUT   (64 * 1024)

/* ssh's system-wide configuration (Debian's OpenSSH); how deep Includes
 * go (ssh's READCONF_MAX_DEPTH) and the largest file read by
 * asd_ssh_config_files_may_forward(). */
#define ASD_SSH_SYSTEM_CONFIG       "/etc/ssh/ssh_config"
#define ASD_SSH_CONFIG_MAX_DEPTH    16
#define ASD_SSH_CONFIG_MAX_FILE     (1024 * 1024)

char  **asd_ssh_config_argv  (const char * const *ssh_argv);
char   *asd_ssh_config_value (const char         *output,
                              const char         *key);
char  **asd_ssh_config_values (const char         *output,
                               const char         *key);
char  **asd_ssh_config_forwards (const char      *output);
gboolean asd_ssh_config_files_may_forward   (const char          *user_config,
                                             const char          *system_config);
gboolean asd_ssh_config_options_may_forward (const char * const  *ssh_options);
void    asd_ssh_config_query_async  (const char * const  *ssh_argv,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data);
char   *asd_ssh_config_query_finish (GAsyncResult        *result,
                                     GError             **error);
char   *asd_ssh_expand_path  (const char         *path,
                              GError            **error);

G_END_DECLS
