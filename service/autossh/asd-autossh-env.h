/* asd-autossh-env.h: the AUTOSSH_* variables, read and checked
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define ASD_AUTOSSH_MESSAGE_MAX 64

/**
 * AsdAutosshEnv:
 * @gatetime: AUTOSSH_GATETIME, seconds (default 30; 0 disables the gate)
 * @poll: AUTOSSH_POLL, seconds, > 0 (default 600)
 * @first_poll: AUTOSSH_FIRST_POLL, seconds, > 0 (default @poll)
 * @maxstart: AUTOSSH_MAXSTART, -1 for no limit (default)
 * @maxlifetime: AUTOSSH_MAXLIFETIME, seconds, 0 for forever (default)
 * @message: AUTOSSH_MESSAGE, at most 64 bytes (default "")
 * @path: AUTOSSH_PATH, or "ssh" (looked up in PATH)
 * @pidfile: AUTOSSH_PIDFILE, or %NULL
 * @port: AUTOSSH_PORT, or %NULL when unset or empty
 * @logfile: AUTOSSH_LOGFILE, or %NULL for syslog
 * @loglevel: AUTOSSH_LOGLEVEL, 0..7 (default 6; 7 with AUTOSSH_DEBUG)
 * @debug: AUTOSSH_DEBUG is set
 */
typedef struct {
  guint gatetime;
  guint poll;
  guint first_poll;
  gint maxstart;
  guint maxlifetime;
  char *message;
  char *path;
  char *pidfile;
  char *port;
  char *logfile;
  gint loglevel;
  gboolean debug;
} AsdAutosshEnv;

AsdAutosshEnv *asd_autossh_env_load (const char * const *envp,
                                     GError            **error);
void           asd_autossh_env_free (AsdAutosshEnv      *env);


G_DEFINE_AUTOPTR_CLEANUP_FUNC (AsdAutosshEnv, asd_autossh_env_free)

G_END_DECLS
