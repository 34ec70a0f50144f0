/* notify-tunnel-private.h: one tunnel's notification, for its parts
 *
 * notify-tunnel.c follows the tunnel's signals; notify-tunnel-prompt.c
 * handles the "prompt" action.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <libnotify/notify.h>

#include "asd-log.h"
#include "notify-tunnel.h"

G_BEGIN_DECLS

#define tunnel_log(self, level, ...) asd_log_tunnel ((self)->name, level, __VA_ARGS__)

struct _AsdNotifyTunnel
{
  AsdDbusTunnel *proxy;
  const AsdNotifyContext *context;
  char *name;
  char *title;                        /* the name as the texts show it */
  gboolean muted;                     /* named in the context's mute lists */

  NotifyNotification *notification;   /* NULL until first shown, or lent */
  AsdNotifyKind shown;                /* what the notification shows */
  gboolean in_outage;                 /* its drop was handed to its outage */
  char *failed_reason;                /* what the failure notification says */
  char *drop_reason;                  /* the drop waiting for the threshold */
  gboolean drop_pending;              /* a Dropped not announced yet */
  gboolean drop_waits_state;          /* ... whose reason comes with the next StateChanged */
  guint drop_id;                      /* the threshold's timer */
  gint64 down_since;                  /* monotonic µs; 0: up or unknown */
  GCancellable *prompting;            /* a prompt is open (notify-prompt.c) */
};

void asd_notify_tunnel_show               (AsdNotifyTunnel     *self,
                                           AsdNotifyKind        kind,
                                           const AsdNotifyText *text);
void asd_notify_tunnel_show_failure_again (AsdNotifyTunnel     *self);

/* notify-tunnel-prompt.c */
void asd_notify_tunnel_prompt             (AsdNotifyTunnel     *self);
void asd_notify_tunnel_prompt_stop        (AsdNotifyTunnel     *self);

G_END_DECLS
