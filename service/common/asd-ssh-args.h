/* asd-ssh-args.h: an autossh 1.4g command line, and ssh's argv from it
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * AsdAutosshArgs:
 * @version: `-V` was given
 * @background: `-f` was given (autossh forks; ssh never sees it)
 * @monitor_spec: the value of the last `-M`, or %NULL
 * @ssh_args: the user's ssh arguments in their own order, with autossh's
 *   own options and the first `--` taken out
 *
 * What an autossh command line says.  Options are read where ssh reads
 * them: before the destination and right after it; the first further
 * non-option starts the remote command, which is passed on untouched.
 */
typedef struct {
  gboolean version;
  gboolean background;
  char *monitor_spec;
  char **ssh_args;
} AsdAutosshArgs;

/**
 * AsdMonitorSpec:
 * @port: the monitor port N; 0 turns monitoring off
 * @echo_port: E of `-M N:E` (echo mode), or 0 for loop mode
 */
typedef struct {
  guint16 port;
  guint16 echo_port;
} AsdMonitorSpec;

/**
 * AsdSshClusterFlags:
 * @ASD_SSH_CLUSTER_NONE: ssh's own options
 * @ASD_SSH_CLUSTER_AUTOSSH: an autossh command line: -M takes a value
 */
typedef enum {
  ASD_SSH_CLUSTER_NONE = 0,
  ASD_SSH_CLUSTER_AUTOSSH = 1 << 0,
} AsdSshClusterFlags;

/* One option of a cluster: @value is %NULL for a letter without one;
 * @attached: it was in the same argument ("-L8080:x:80"). */
typedef gboolean (*AsdSshOptionFunc) (char         letter,
                                      const char  *value,
                                      gboolean     attached,
                                      gpointer     user_data,
                                      GError     **error);

gboolean        asd_ssh_args_read_cluster (const char * const *argv,
                                           guint              *i,
                                           AsdSshClusterFlags  flags,
                                           AsdSshOptionFunc    func,
                                           gpointer            user_data,
                                           GError            **error);

AsdAutosshArgs *asd_autossh_args_parse (const char * const *argv,
                                        GError            **error);
void            asd_autossh_args_free  (AsdAutosshArgs     *args);

gboolean        asd_monitor_spec_parse (const char         *text,
                                        AsdMonitorSpec     *spec,
                                        GError            **error);

gboolean        asd_ssh_args_have_server_alive (const char * const *ssh_args);

char          **asd_ssh_argv_build     (const char           *ssh_path,
                                        const AsdMonitorSpec *monitor,
                                        gboolean              add_server_alive,
                                        const char * const   *ssh_args);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AsdAutosshArgs, asd_autossh_args_free)

G_END_DECLS
