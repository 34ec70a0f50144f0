/* asd-probe.c: one test of a tunnel at a time, its answer shared
 *
 * Tunnel.Probe answers when its test has ended.  The test is the monitor
 * test while ssh is connected with a monitor port; else, while ssh is
 * connected as a control master, a liveness check of its session through
 * the control connection (asd-mux-client.c: one round trip to the server,
 * a deadline of 3 s or more); else a plain TCP connect to the server's ssh
 * port (no login).  Calls made while a test runs wait for the same
 * answer.  A connect that succeeds is also the #AsdProbe::server-answered
 * signal: the keeper then tries at once if it was waiting to.  A liveness
 * check's outcome is #AsdProbe::session-checked: the keeper replaces an
 * ssh whose session did not answer.  When the control connection cannot
 * be used (no master, a refusal), the test is the connect instead, and
 * #AsdProbe::control-unusable says why.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "asd-error.h"
#include "asd-probe.h"
#include "asd-server-probe.h"

#define PROBE_TIMEOUT_S 5   /* the TCP connect */

struct _AsdProbe
{
  GObject parent_instance;

  GPtrArray *tasks;              /* GTasks waiting for the answer, or NULL */
  AsdMonitor *monitor;           /* the test is its, or NULL */
  GCancellable *cancel;          /* the test is a liveness check or a connect */
  AsdServerAddress *address;     /* while a liveness check runs: the fallback */
};

enum {
  SIGNAL_SERVER_ANSWERED,
  SIGNAL_SESSION_CHECKED,
  SIGNAL_CONTROL_UNUSABLE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_TYPE (AsdProbe, asd_probe, G_TYPE_OBJECT)

/* Answers every waiting caller: @latency, or @error. */
static void
answer (AsdProbe *self, guint64 latency, const GError *error)
{
  g_autoptr(GPtrArray) tasks = g_steal_pointer (&self->tasks);

  if (self->monitor != NULL)
    g_signal_handlers_disconnect_by_data (self->monitor, self);
  g_clear_object (&self->monitor);
  g_clear_object (&self->cancel);
  g_clear_object (&self->address);
  for (guint i = 0; tasks != NULL && i < tasks->len; i++)
    {
      GTask *task = g_ptr_array_index (tasks, i);
      guint64 *value;

      if (error != NULL)
        {
          g_task_return_error (task, g_error_copy (error));
          continue;
        }
      value = g_new (guint64, 1);
      *value = latency;
      g_task_return_pointer (task, value, g_free);
    }
}

static void
on_tested (AsdMonitor *monitor, gboolean ok, guint64 latency, gpointer user_data)
{
  AsdProbe *self = user_data;
  g_autoptr(GError) error = NULL;

  if (!ok)
    error = g_error_new (ASD_ERROR, ASD_ERROR_PROBE_FAILED,
                         _("the monitor test failed: no answer through the tunnel"));
  answer (self, latency, error);
}

static void
on_connected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(AsdProbe) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) failed = NULL;
  gint64 latency = 0;

  if (!asd_server_probe_finish (result, &latency, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;   /* whoever cancelled has answered */
      failed = g_error_new (ASD_ERROR, ASD_ERROR_PROBE_FAILED,
                            _("the server did not answer: %s"), error->message);
      answer (self, 0, failed);
      return;
    }
  answer (self, latency, NULL);
  g_signal_emit (self, signals[SIGNAL_SERVER_ANSWERED], 0, (guint64) latency);
}

static void
start_connect (AsdProbe *self, AsdServerAddress *address)
{
  g_clear_object (&self->cancel);
  self->cancel = g_cancellable_new ();
  asd_server_probe_async (address, PROBE_TIMEOUT_S, self->cancel, on_connected, g_object_ref (self));
}

static void
on_session_checked (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(AsdProbe) self = user_data;
  AsdMuxClient *session = ASD_MUX_CLIENT (source);
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) failed = NULL;
  guint64 latency = 0;
  guint deadline_s;

  if (asd_mux_client_check_alive_finish (session, result, &latency, &error))
    {
      answer (self, latency, NULL);
      g_signal_emit (self, signals[SIGNAL_SESSION_CHECKED], 0, TRUE, latency, 0u);
      return;
    }
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;   /* whoever cancelled has answered */
  if (!g_error_matches (error, ASD_MUX_ERROR, ASD_MUX_ERROR_TIMEOUT))
    {
      g_autoptr(AsdServerAddress) address = g_steal_pointer (&self->address);

      g_signal_emit (self, signals[SIGNAL_CONTROL_UNUSABLE], 0, error->message);
      start_connect (self, address);
      return;
    }
  deadline_s = (asd_mux_client_get_alive_deadline (session) + 999) / 1000;
  failed = g_error_new (ASD_ERROR, ASD_ERROR_PROBE_FAILED,
                        _("the connection did not answer within %u s"), deadline_s);
  answer (self, 0, failed);
  g_signal_emit (self, signals[SIGNAL_SESSION_CHECKED], 0, FALSE, (guint64) 0, deadline_s);
}

/**
 * asd_probe_run_async:
 * @self: a probe
 * @monitor: (nullable): the monitor of a connected ssh, whose test it runs
 * @session: (nullable): else, the control connection of a connected ssh,
 *   whose session it checks
 * @address: else, where the tunnel's ssh connects (its server is connected to)
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the answer
 * @user_data: for @callback
 *
 * Starts a test unless one runs, and waits for its answer.
 */
void
asd_probe_run_async (AsdProbe *self, AsdMonitor *monitor, AsdMuxClient *session,
                     AsdServerAddress *address,
                     GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, asd_probe_run_async);
  if (self->tasks != NULL)
    {
      g_ptr_array_add (self->tasks, task);
      return;
    }
  self->tasks = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (self->tasks, task);
  if (monitor != NULL)
    {
      self->monitor = g_object_ref (monitor);
      g_signal_connect (self->monitor, "tested", G_CALLBACK (on_tested), self);
      asd_monitor_test_now (self->monitor);
      return;
    }
  if (session != NULL)
    {
      self->cancel = g_cancellable_new ();
      self->address = g_object_ref (address);
      asd_mux_client_check_alive_async (session, self->cancel, on_session_checked, g_object_ref (self));
      return;
    }
  start_connect (self, address);
}

/**
 * asd_probe_run_finish:
 * @self: a probe
 * @result: the result given to the callback
 * @latency_usec: (out) (optional): how long the test took, in µs
 * @error: return location for %ASD_ERROR_PROBE_FAILED
 *
 * Returns: whether the test got its answer
 */
gboolean
asd_probe_run_finish (AsdProbe *self, GAsyncResult *result, guint64 *latency_usec, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return asd_probe_propagate_latency (G_TASK (result), latency_usec, error);
}

/**
 * asd_probe_propagate_latency:
 * @task: a task that returned a g_new()ed guint64 (the latency in µs) or
 *   an error
 * @latency_usec: (out) (optional): the latency
 * @error: return location for the task's error
 *
 * The end of every probe's _finish(): the tunnel's and the keeper's.
 *
 * Returns: whether the task returned a latency
 */
gboolean
asd_probe_propagate_latency (GTask *task, guint64 *latency_usec, GError **error)
{
  g_autofree guint64 *latency = g_task_propagate_pointer (task, error);

  if (latency == NULL)
    return FALSE;
  if (latency_usec != NULL)
    *latency_usec = *latency;
  return TRUE;
}

/* Whether the test running is a check of a session (which ends with its ssh). */
gboolean
asd_probe_is_testing_session (AsdProbe *self)
{
  return self->address != NULL;
}

/* Whether the test running is a monitor test (which ends with its ssh). */
gboolean
asd_probe_is_testing_monitor (AsdProbe *self)
{
  return self->monitor != NULL;
}

/**
 * asd_probe_fail:
 * @self: a probe
 * @why: what ended the test
 *
 * Ends the test running, if any: every waiting caller gets ProbeFailed.
 */
void
asd_probe_fail (AsdProbe *self, const char *why)
{
  g_autoptr(GError) error = NULL;

  if (self->tasks == NULL)
    return;
  error = g_error_new_literal (ASD_ERROR, ASD_ERROR_PROBE_FAILED, why);
  if (self->cancel != NULL)
    g_cancellable_cancel (self->cancel);
  answer (self, 0, error);
}

static void
asd_probe_dispose (GObject *object)
{
  AsdProbe *self = ASD_PROBE (object);

  asd_probe_fail (self, _("the tunnel is gone"));

  G_OBJECT_CLASS (asd_probe_parent_class)->dispose (object);
}

static void
asd_probe_class_init (AsdProbeClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = asd_probe_dispose;

  /* AsdProbe::server-answered: a connect to the server's port succeeded
   * (after the callers got their answer); its latency in µs. */
  signals[SIGNAL_SERVER_ANSWERED] =
    g_signal_new ("server-answered", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT64);
  /* AsdProbe::session-checked: a liveness check through the control
   * connection ended (after the callers got their answer): whether the
   * session answered, its latency in µs, else the deadline in s. */
  signals[SIGNAL_SESSION_CHECKED] =
    g_signal_new ("session-checked", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 3, G_TYPE_BOOLEAN, G_TYPE_UINT64, G_TYPE_UINT);
  /* AsdProbe::control-unusable: the control connection cannot check the
   * session (why, in GIO's or the master's words); the test was a connect. */
  signals[SIGNAL_CONTROL_UNUSABLE] =
    g_signal_new ("control-unusable", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
asd_probe_init (AsdProbe *self)
{
}

AsdProbe *
asd_probe_new (void)
{
  return g_object_new (ASD_TYPE_PROBE, NULL);
}
