/* asd-probe.h: one test of a tunnel at a time, its answer shared
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "asd-monitor.h"
#include "asd-mux-client.h"
#include "asd-server-address.h"

G_BEGIN_DECLS

#define ASD_TYPE_PROBE (asd_probe_get_type ())
G_DECLARE_FINAL_TYPE (AsdProbe, asd_probe, ASD, PROBE, GObject)

AsdProbe *asd_probe_new          (void);
void      asd_probe_run_async    (AsdProbe            *self,
                                  AsdMonitor          *monitor,
                                  AsdMuxClient        *session,
                                  AsdServerAddress    *address,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data);
gboolean  asd_probe_run_finish   (AsdProbe            *self,
                                  GAsyncResult        *result,
                                  guint64             *latency_usec,
                                  GError             **error);
gboolean  asd_probe_propagate_latency (GTask         *task,
                                       guint64       *latency_usec,
                                       GError       **error);
gboolean  asd_probe_is_testing_monitor (AsdProbe      *self);
gboolean  asd_probe_is_testing_session (AsdProbe      *self);
void      asd_probe_fail         (AsdProbe            *self,
                                  const char          *why);

G_END_DECLS
