/* asd-program.h: how every program of the project starts
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

void             asd_program_init          (const char      *prgname,
                                            const char      *log_domain);
GDBusConnection *asd_program_start         (GOptionContext  *context,
                                            int             *argc,
                                            char          ***argv,
                                            const gboolean  *system,
                                            int             *exit_code);
GDBusConnection *asd_program_start_session (GOptionContext  *context,
                                            int             *argc,
                                            char          ***argv,
                                            int             *exit_code);

G_END_DECLS
