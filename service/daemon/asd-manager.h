/* asd-manager.h: the set of tunnels, on D-Bus
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include "asd-dbus-generated.h"
#include "asd-names.h"
#include "asd-service-mode.h"

G_BEGIN_DECLS

#define ASD_TYPE_MANAGER (asd_manager_get_type ())
G_DECLARE_FINAL_TYPE (AsdManager, asd_manager, ASD, MANAGER, AsdDbusManagerSkeleton)

AsdManager *asd_manager_new              (AsdServiceMode   mode,
                                          const char      *tunnels_dir,
                                          gboolean         replace,
                                          GError         **error);
gboolean    asd_manager_export           (AsdManager      *self,
                                          GDBusConnection *connection,
                                          GError         **error);
void        asd_manager_start_auto       (AsdManager      *self);
void        asd_manager_shutdown         (AsdManager      *self);

G_END_DECLS
