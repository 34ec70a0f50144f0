/* asd-tunnel-private.h: what asd-tunnel.c shares with asd-tunnel-dbus.c
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include "asd-error.h"
#include "asd-keeper.h"
#include "asd-log.h"
#include "asd-tunnel.h"
#include "asd-tunnel-log.h"

G_BEGIN_DECLS

#define tunnel_log(self, level, ...) asd_log_tunnel ((self)->name, level, __VA_ARGS__)

struct _AsdTunnel
{
  AsdDbusTunnelSkeleton parent_instance;

  char *name;
  AsdTunnelStore *store;         /* where its file is; NULL: transient */
  AsdTunnelSettings *settings;   /* NULL: the file is broken */
  AsdKeeper *keeper;             /* ssh, and what happens to it */
  AsdTunnelState announced;      /* the last new state of StateChanged */
  char *dropped;                 /* a Dropped to send with the next state */
  GPtrArray *stop_invocations;   /* Stop calls answered when ssh is gone */
  gboolean refusing;             /* every call is refused with refusal */
  AsdError refusal;              /* ASD_ERROR_BUSY, ASD_ERROR_SHUTTING_DOWN */
  AsdTunnelLog *log;             /* its recent events (GetLog) */
  gboolean forwards_changing;    /* a live change of its forwards is under way */
};

static inline AsdDbusTunnel *
iface (AsdTunnel *self)
{
  return ASD_DBUS_TUNNEL (self);
}

void     asd_tunnel_iface_init       (AsdDbusTunnelIface *iface_);
void     asd_tunnel_record           (AsdTunnel          *self,
                                      const char         *kind,
                                      GVariant           *details);
gboolean asd_tunnel_write_auto_start (AsdTunnel          *self,
                                      gboolean            value,
                                      GError            **error);
gboolean asd_tunnel_save_settings    (AsdTunnel          *self,
                                      const AsdTunnelSettings *settings,
                                      GError            **error);
gboolean asd_tunnel_refuse_closed    (AsdTunnel          *self,
                                      GDBusMethodInvocation *invocation);
gboolean asd_tunnel_refuse_broken    (AsdDbusTunnel      *object,
                                      GDBusMethodInvocation *invocation,
                                      gboolean            hint);

/* asd-tunnel-forwards.c */
void     asd_tunnel_change_settings  (AsdTunnel          *self,
                                      AsdTunnelSettings  *settings,
                                      GDBusMethodInvocation *invocation);
gboolean asd_tunnel_handle_add_forward    (AsdDbusTunnel *object,
                                           GDBusMethodInvocation *invocation,
                                           const char *kind,
                                           const char *spec);
gboolean asd_tunnel_handle_remove_forward (AsdDbusTunnel *object,
                                           GDBusMethodInvocation *invocation,
                                           const char *kind,
                                           const char *spec);
/* asd-tunnel-questions.c */
void     asd_tunnel_publish_questions   (AsdTunnel       *self,
                                         const AsdReason *why);
const char *asd_tunnel_pending_fingerprint (AsdTunnel    *self);

G_END_DECLS
