/* asd-autossh.h: the drop-in's supervision loop
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "asd-autossh-env.h"
#include "asd-ssh-args.h"
#include "asd-ssh-process.h"

G_BEGIN_DECLS

#define ASD_TYPE_AUTOSSH (asd_autossh_get_type ())
G_DECLARE_FINAL_TYPE (AsdAutossh, asd_autossh, ASD, AUTOSSH, GObject)

AsdAutossh *asd_autossh_new      (const char * const   *ssh_argv,
                                  const AsdMonitorSpec *monitor,
                                  const AsdAutosshEnv  *env,
                                  AsdSshProcessFlags    flags);
gboolean    asd_autossh_prepare  (AsdAutossh           *self,
                                  GError              **error);
void        asd_autossh_run      (AsdAutossh           *self);
void        asd_autossh_restart  (AsdAutossh           *self);
void        asd_autossh_shutdown (AsdAutossh           *self,
                                  gint                  signum);

G_END_DECLS
