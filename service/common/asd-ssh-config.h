/* asd-ssh-config.h: what ssh itself makes of a command line and a path
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

char  **asd_ssh_config_argv  (const char * const *ssh_argv);
char   *asd_ssh_config_value (const char         *output,
                              const char         *key);
char   *asd_ssh_expand_path  (const char         *path,
                              GError            **error);

G_END_DECLS
