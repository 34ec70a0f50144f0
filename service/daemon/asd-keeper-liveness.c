/* asd-keeper-liveness.c: is a connected tunnel's session alive?
 *
 * A connected ssh is the control master of its own socket; the keeper
 * holds a client of it (asd-mux-client.c) while the run is connected.
 * After a network change, on resume from sleep when ssh survived it, and
 * for Probe (without a monitor port), the session is checked in one round
 * trip through it (AsdProbe runs the check, so that checks and Probe
 * calls at the same time share one).  A session that does not answer by
 * the deadline (3 s, or 3 round trips when they are longer) is dead:
 * ssh is replaced at once, with the reason session-unresponsive, instead
 * of waiting for ServerAlive to give up (10-15 s on our defaults, 90 s and
 * more with ServerAliveInterval 30).
 *
 * When the control connection cannot be used (ssh made no master: a
 * socket path too long, the user's ssh refused it; or the master refuses
 * the check), the tunnel is kept as it was before control connections:
 * the log says so once, and Probe connects to the server's port.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "asd-keeper-private.h"
#include "asd-log.h"

/* ssh of this run is connected: its control connection can be used. */
void
asd_keeper_session_up (AsdKeeper *self)
{
  const char *path = asd_ssh_run_get_control_path (self->run);

  g_clear_object (&self->session);
  if (path != NULL)
    self->session = asd_mux_client_new (path);
}

/* ssh of this run is gone, or its control connection cannot be used. */
void
asd_keeper_session_down (AsdKeeper *self)
{
  g_clear_object (&self->session);
}

/* The control connection to check a connected ssh's session with, or NULL. */
AsdMuxClient *
asd_keeper_session_to_check (AsdKeeper *self)
{
  if (self->connection != NULL)
    return self->state == ASD_TUNNEL_STATE_CONNECTED ?
           asd_keeper_session_to_check (asd_connection_get_master (self->connection)) : NULL;
  if (self->run == NULL || self->asleep || self->state != ASD_TUNNEL_STATE_CONNECTED)
    return NULL;
  return self->session;
}

/* Checks the session of a connected ssh now (after a network change, on
 * resume), unless it cannot be checked; a check running is joined. */
void
asd_keeper_check_session (AsdKeeper *self)
{
  AsdMuxClient *session = asd_keeper_session_to_check (self);

  if (session == NULL)
    return;
  asd_log_tunnel (self->name, G_LOG_LEVEL_DEBUG, "%s: checking the session through %s",
                  self->name, asd_mux_client_get_path (session));
  asd_probe_run_async (self->probe, NULL, session, self->server, NULL, NULL, NULL);
}

static void
on_session_checked (AsdProbe *probe, gboolean alive, guint64 latency, guint deadline_s,
                    gpointer user_data)
{
  AsdKeeper *self = user_data;
  g_autoptr(AsdReason) reason = NULL;

  if (alive)
    {
      asd_keeper_tell_probed (self, latency);
      return;
    }
  if (self->run == NULL || !self->want_up)
    return;
  asd_log_tunnel (self->name, G_LOG_LEVEL_MESSAGE,
                  "%s: the session did not answer within %u s: replacing ssh %d",
                  self->name, deadline_s, asd_ssh_run_get_pid (self->run));
  reason = asd_reason_new (ASD_REASON_SESSION_UNRESPONSIVE,
                           ASD_DETAIL_SECONDS, g_variant_new_uint32 (deadline_s), NULL);
  self->replace_pending = TRUE;
  asd_ssh_run_stop (self->run, reason);
}

static void
on_control_unusable (AsdProbe *probe, const char *why, gpointer user_data)
{
  AsdKeeper *self = user_data;

  if (!self->told_no_control)
    asd_log_tunnel (self->name, G_LOG_LEVEL_MESSAGE,
                    "%s: no use of the control connection (%s): without it, network "
                    "changes wait for ssh's keep-alives, Probe connects to the server, "
                    "and forwards change with a restart of ssh",
                    self->name, why);
  self->told_no_control = TRUE;
  asd_keeper_session_down (self);
}

/* ssh ended: a check of its session cannot end well any more. */
void
asd_keeper_session_ended (AsdKeeper *self)
{
  if (self->probe != NULL && asd_probe_is_testing_session (self->probe))
    asd_probe_fail (self->probe, _("ssh ended before the check of its session did"));
  asd_keeper_session_down (self);
}

void
asd_keeper_liveness_init (AsdKeeper *self)
{
  g_signal_connect (self->probe, "session-checked", G_CALLBACK (on_session_checked), self);
  g_signal_connect (self->probe, "control-unusable", G_CALLBACK (on_control_unusable), self);
}
