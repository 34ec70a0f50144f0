/* notify-activation.h: starting the service when tunnels want to come up
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* At most this many directory entries are looked at. */
#define ASD_NOTIFY_ACTIVATION_MAX_FILES 1024

gboolean  asd_notify_activation_wanted      (const char      *tunnels_dir);
void      asd_notify_activation_start       (GDBusConnection *connection);

G_END_DECLS
