/* asd-keeper.h: keeps one tunnel's ssh up, and says what happens to it
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include "asd-askpass-server.h"
#include "asd-login-pacer.h"
#include "asd-tunnel-settings.h"

G_BEGIN_DECLS

/**
 * AsdKeeperEvents:
 * @state_changed: the state and why, for people
 * @pid_changed: ssh's pid, 0 when none runs
 * @restarts_changed: how many times ssh started again since the last start
 * @next_retry: real time in µs of the next try, probe or check
 * @probed: a probe succeeded, its latency in µs
 * @dropped: a connection went down, and why
 * @reconnected: it is up again after @downtime µs and @attempts starts of ssh
 * @ssh_ended: ssh is gone (a new one may already be starting)
 *
 * What a keeper tells its tunnel; every member is called with the
 * user_data given to asd_keeper_new().
 */
typedef struct {
  void (*state_changed)    (gpointer user_data, AsdTunnelState state, const char *reason);
  void (*pid_changed)      (gpointer user_data, guint pid);
  void (*restarts_changed) (gpointer user_data, guint restarts);
  void (*next_retry)       (gpointer user_data, gint64 when);
  void (*probed)           (gpointer user_data, guint64 latency);
  void (*dropped)          (gpointer user_data, const char *reason);
  void (*reconnected)      (gpointer user_data, gint64 downtime, guint attempts);
  void (*ssh_ended)        (gpointer user_data);
} AsdKeeperEvents;

#define ASD_TYPE_KEEPER (asd_keeper_get_type ())
G_DECLARE_FINAL_TYPE (AsdKeeper, asd_keeper, ASD, KEEPER, GObject)

AsdKeeper *asd_keeper_new             (const char              *name,
                                       const AsdKeeperEvents   *events,
                                       gpointer                 user_data);
void       asd_keeper_set_pacer       (AsdKeeper               *self,
                                       AsdLoginPacer           *pacer);
void       asd_keeper_set_askpass     (AsdKeeper               *self,
                                       AsdAskpassServer        *server,
                                       const char              *helper);
void       asd_keeper_reconfigure     (AsdKeeper               *self,
                                       const AsdTunnelSettings *settings,
                                       const char * const      *argv);
gboolean   asd_keeper_has_ssh         (AsdKeeper               *self);

void       asd_keeper_start           (AsdKeeper               *self);
void       asd_keeper_stop            (AsdKeeper               *self);
void       asd_keeper_restart         (AsdKeeper               *self);
void       asd_keeper_probe           (AsdKeeper               *self);
void       asd_keeper_sleep           (AsdKeeper               *self);
void       asd_keeper_wake            (AsdKeeper               *self);
void       asd_keeper_network_changed (AsdKeeper               *self);

G_END_DECLS
