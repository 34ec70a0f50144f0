/* asd-sleep-monitor.h: logind's PrepareForSleep, with a delay inhibitor
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define ASD_TYPE_SLEEP_MONITOR (asd_sleep_monitor_get_type ())
G_DECLARE_FINAL_TYPE (AsdSleepMonitor, asd_sleep_monitor, ASD, SLEEP_MONITOR, GObject)

AsdSleepMonitor *asd_sleep_monitor_new          (void);
void             asd_sleep_monitor_ready_to_sleep (AsdSleepMonitor *self);

G_END_DECLS
