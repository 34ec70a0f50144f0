/* notify-tracker.h: follows autosshd's tunnels on the session or the system bus
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "notify-config.h"

G_BEGIN_DECLS

#define ASD_TYPE_NOTIFY_TRACKER (asd_notify_tracker_get_type ())
G_DECLARE_FINAL_TYPE (AsdNotifyTracker, asd_notify_tracker, ASD, NOTIFY_TRACKER, GObject)

AsdNotifyTracker *asd_notify_tracker_new        (GDBusConnection       *connection,
                                                 const AsdNotifyConfig *config);
AsdNotifyTracker *asd_notify_tracker_new_system (GDBusConnection       *session,
                                                 GDBusConnection       *system,
                                                 const AsdNotifyConfig *config);
void              asd_notify_tracker_set_config (AsdNotifyTracker      *self,
                                                 const AsdNotifyConfig *config);

G_END_DECLS
