/* asd-control-socket.h: where a tunnel's ssh listens as control master
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

char     *asd_control_socket_new_path     (const char *dir);
char    **asd_control_socket_ssh_options  (const char *path);
void      asd_control_socket_remove_stale (const char *dir);

G_END_DECLS
