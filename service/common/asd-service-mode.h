/* asd-service-mode.h: the session service or the system service
 *
 * The two modes of autosshd share everything except their bus, their
 * directories, where secrets come from and who may change what.  This is
 * where the bus and the directories are decided, for the service and the
 * clients alike.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * AsdServiceMode:
 * @ASD_SERVICE_MODE_SESSION: the user's service on the session bus
 * @ASD_SERVICE_MODE_SYSTEM: the machine's service on the system bus
 *   (`autosshd --system`), run by systemd as the user `autosshd`
 */
typedef enum {
  ASD_SERVICE_MODE_SESSION,
  ASD_SERVICE_MODE_SYSTEM,
} AsdServiceMode;

GBusType  asd_service_mode_bus_type (AsdServiceMode mode);
char     *asd_tunnels_dir           (AsdServiceMode mode);
char     *asd_runtime_dir           (AsdServiceMode mode);

void      asd_bus_allow_interactive_authorization (GDBusConnection *bus);

G_END_DECLS
