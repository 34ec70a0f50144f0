/* asd-keeper-private.h: what asd-keeper.c shares with asd-keeper-control.c
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include "asd-keeper.h"
#include "asd-monitor.h"
#include "asd-probe.h"
#include "asd-retry-wait.h"
#include "asd-server-address.h"
#include "asd-ssh-run.h"
#include "asd-connections.h"

G_BEGIN_DECLS

struct _AsdKeeper
{
  GObject parent_instance;

  char *name;
  AsdTunnelSettings *settings;   /* NULL: the tunnel's file is broken */
  char **argv;
  char *destination;             /* the server, for people */

  AsdTunnelState state;          /* the properties */
  AsdReason *reason;
  guint pid;
  guint restarts;                /* ssh starts again since the last Start */
  guint64 next_retry;            /* µs, real time and monotonic */
  guint64 next_retry_monotonic;
  guint64 connected_since;
  guint64 connected_since_monotonic;

  gboolean want_up;              /* Start was called, Stop was not */
  gboolean restart_pending;      /* start again as soon as ssh is gone */
  gboolean asleep;               /* closed for the system's sleep */
  AsdSshRun *run;                /* the ssh running now */
  AsdMonitor *monitor;

  guint attempts;                /* ssh starts since the last drop */
  gint64 down_since;             /* monotonic time the connection dropped, or 0 */
  AsdRetryWait *wait;            /* before the next try */
  AsdServerAddress *server;      /* where ssh connects: probes go there */
  guint stable_id;

  AsdAskpassServer *askpass_server;
  char *askpass_helper;
  AsdLoginPacer *pacer;          /* NULL: no limit on logins at once */
  AsdPortOwnerFunc port_owner;   /* NULL: no other tunnels to ask */
  gpointer port_owner_data;
  AsdLoginSlot *slot;            /* held while ssh logs in */
  GCancellable *slot_wait;       /* waiting for a slot */

  AsdProbe *probe;               /* Probe calls' test, and checks of the session */
  AsdMuxClient *session;         /* the connected ssh's control connection, or NULL */
  gboolean replace_pending;      /* ssh is stopped because its session is dead */
  gboolean told_no_control;      /* the log said the control connection is unusable */

  /* a shared connection (asd-keeper-shared.c) */
  AsdConnections *connections;   /* the service's; NULL: always an ssh of its own */
  AsdConnection *connection;     /* the one it rides, or NULL */
  GCancellable *keying;          /* working out its key */
  char **shared_with;            /* the other tunnels on it */
  gboolean forwards_open;        /* the master has the tunnel's forwards open */
  AsdMuxClient *forwards_via;    /* on this control connection */
  guint requests;                /* opens on their way */
  guint closing;                 /* closes on their way (opened again after) */
  guint round;                   /* answers of an older round are late */
  AsdMuxForward *failed_forward; /* of this round, the first refused */
  gboolean own_retry;            /* retrying for its own forwards, not the master */
  gboolean cannot_share;         /* a master had no control connection */
};

void       asd_keeper_tell_state        (AsdKeeper      *self,
                                         AsdTunnelState  state,
                                         AsdReason      *reason);
AsdReason *asd_keeper_about_destination (AsdKeeper      *self,
                                         AsdReasonCode   code);
AsdReason *asd_keeper_name_port_owner   (AsdKeeper      *self,
                                         AsdReason      *reason);
void       asd_keeper_give_up           (AsdKeeper      *self,
                                         AsdReason      *why);
void       asd_keeper_spawn_ssh         (AsdKeeper      *self);
void       asd_keeper_clear_run         (AsdKeeper      *self);
void       asd_keeper_cancel_slot       (AsdKeeper      *self);
void       asd_keeper_set_restarts      (AsdKeeper      *self,
                                         guint           restarts);
void       asd_keeper_tell_probed       (AsdKeeper      *self,
                                         guint64         latency);

void       asd_keeper_after_failed_run  (AsdKeeper      *self,
                                         gboolean        was_connected,
                                         AsdReason      *reason,
                                         AsdRetry        retry);
void       asd_keeper_become_connected  (AsdKeeper      *self);
void       asd_keeper_emit_dropped      (AsdKeeper      *self,
                                         const char     *text);
void       asd_keeper_emit_event        (AsdKeeper      *self,
                                         const char     *kind,
                                         GVariant       *details);
void       asd_keeper_set_pid           (AsdKeeper      *self,
                                         guint           pid);
void       asd_keeper_set_next_retry    (AsdKeeper      *self,
                                         gint64          real);
void       asd_keeper_set_shared_with   (AsdKeeper      *self,
                                         const char * const *names);

/* asd-keeper-shared.c */
gboolean   asd_keeper_rides             (AsdKeeper      *self);
void       asd_keeper_ride              (AsdKeeper      *self);
void       asd_keeper_ride_again        (AsdKeeper      *self);
void       asd_keeper_leave_connection  (AsdKeeper      *self,
                                         gboolean        disposing);
AsdSshRun *asd_keeper_master_run        (AsdKeeper      *self);

/* asd-keeper-liveness.c */
void          asd_keeper_liveness_init     (AsdKeeper *self);
void          asd_keeper_session_up        (AsdKeeper *self);
void          asd_keeper_session_down      (AsdKeeper *self);
void          asd_keeper_session_ended     (AsdKeeper *self);
AsdMuxClient *asd_keeper_session_to_check  (AsdKeeper *self);
void          asd_keeper_check_session     (AsdKeeper *self);

G_END_DECLS
