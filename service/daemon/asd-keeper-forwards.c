/* asd-keeper-forwards.c: a connected tunnel's forwards changed without a restart
 *
 * A change that touches nothing but a connected tunnel's forwards is made
 * through its ssh's control connection (asd-mux-client.c): each forward
 * that is new is opened, each one gone is closed, one after the other;
 * ssh keeps running, so the connections through the other forwards stay
 * open.  When one step fails (a local port in use, a remote port the
 * server refuses), the steps already made are undone in reverse order and
 * the change fails with ForwardFailed and the master's reason: the tunnel
 * keeps the forwards it had.  Only a change that took effect becomes the
 * keeper's settings (and its ssh command for the next start).
 *
 * What cannot be done this way says so (G_IO_ERROR_NOT_SUPPORTED), and
 * the caller changes the settings as before, restarting ssh: a tunnel not
 * connected, an ssh without a control connection, a remote dynamic
 * forward (-R [bind:]port, which a master cannot open).
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "asd-error.h"
#include "asd-keeper-private.h"
#include "asd-log.h"

typedef struct {
  gboolean open;
  AsdMuxForward forward;
  char *spec;                    /* as the settings have it, for messages */
} Step;

typedef struct {
  AsdTunnelSettings *settings;   /* the tunnel's, once the change is made */
  char **argv;
  AsdSshRun *run;                /* the ssh it is made to */
  AsdMuxClient *session;
  GPtrArray *steps;              /* of Step */
  guint next;
  gboolean undoing;              /* a step failed: the done ones are undone */
  GError *error;                 /* why */
} Change;

static void
step_free (Step *step)
{
  asd_mux_forward_clear (&step->forward);
  g_free (step->spec);
  g_free (step);
}

static void
change_free (Change *change)
{
  asd_tunnel_settings_free (change->settings);
  g_strfreev (change->argv);
  g_clear_object (&change->run);
  g_clear_object (&change->session);
  g_ptr_array_unref (change->steps);
  g_clear_error (&change->error);
  g_free (change);
}

static const char *
option_of (AsdMuxForwardKind kind)
{
  return kind == ASD_MUX_FORWARD_LOCAL ? "-L" : kind == ASD_MUX_FORWARD_REMOTE ? "-R" : "-D";
}

/* A step for each forward in @from and not in @to. */
static gboolean
add_steps (GPtrArray *steps, gboolean open, AsdMuxForwardKind kind,
           char **from, char **to, GError **error)
{
  for (guint i = 0; from != NULL && from[i] != NULL; i++)
    {
      Step *step;

      if (to != NULL && g_strv_contains ((const char * const *) to, from[i]))
        continue;
      step = g_new0 (Step, 1);
      step->open = open;
      step->spec = g_strdup (from[i]);
      g_ptr_array_add (steps, step);
      if (!asd_mux_forward_parse (kind, from[i], &step->forward, error))
        return FALSE;
    }
  return TRUE;
}

/* Opens first, closes after: a tunnel that cannot get its new forward
 * still has its old ones while it is undone. */
static GPtrArray *
steps_between (const AsdTunnelSettings *old, const AsdTunnelSettings *new, GError **error)
{
  g_autoptr(GPtrArray) steps = g_ptr_array_new_with_free_func ((GDestroyNotify) step_free);

  if (add_steps (steps, TRUE, ASD_MUX_FORWARD_LOCAL, new->local_forwards, old->local_forwards, error) &&
      add_steps (steps, TRUE, ASD_MUX_FORWARD_REMOTE, new->remote_forwards, old->remote_forwards, error) &&
      add_steps (steps, TRUE, ASD_MUX_FORWARD_DYNAMIC, new->dynamic_forwards, old->dynamic_forwards, error) &&
      add_steps (steps, FALSE, ASD_MUX_FORWARD_LOCAL, old->local_forwards, new->local_forwards, error) &&
      add_steps (steps, FALSE, ASD_MUX_FORWARD_REMOTE, old->remote_forwards, new->remote_forwards, error) &&
      add_steps (steps, FALSE, ASD_MUX_FORWARD_DYNAMIC, old->dynamic_forwards, new->dynamic_forwards, error))
    return g_steal_pointer (&steps);
  return NULL;
}

/* Whether @new differs from the keeper's settings in its forwards alone
 * (and AutoStart, which changes nothing in ssh). */
static gboolean
only_forwards_differ (AsdKeeper *self, const AsdTunnelSettings *new)
{
  g_autoptr(AsdTunnelSettings) same = asd_tunnel_settings_copy (new);

  g_strfreev (same->local_forwards);
  g_strfreev (same->remote_forwards);
  g_strfreev (same->dynamic_forwards);
  same->local_forwards = g_strdupv (self->settings->local_forwards);
  same->remote_forwards = g_strdupv (self->settings->remote_forwards);
  same->dynamic_forwards = g_strdupv (self->settings->dynamic_forwards);
  same->auto_start = self->settings->auto_start;
  return asd_tunnel_settings_equal (same, self->settings);
}

static void run_step (GTask *task);

static void
on_step_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  AsdKeeper *self = g_task_get_source_object (task);
  Change *change = g_task_get_task_data (task);
  Step *step = g_ptr_array_index (change->steps, change->next);
  g_autoptr(GError) error = NULL;

  if (!asd_mux_client_forward_finish (ASD_MUX_CLIENT (source), result, &error) && !change->undoing)
    {
      asd_log_tunnel (self->name, G_LOG_LEVEL_MESSAGE, "%s: %s forward %s %s failed: %s",
                      self->name, step->open ? "opening" : "closing",
                      option_of (step->forward.kind), step->spec, error->message);
      if (change->next == 0 && g_error_matches (error, ASD_MUX_ERROR, ASD_MUX_ERROR_NO_MASTER))
        change->error = g_error_new (G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "%s", error->message);
      else
        change->error = g_error_new (ASD_ERROR, ASD_ERROR_FORWARD_FAILED,
                                     step->open ? _("cannot open the forward %s %s: %s")
                                                : _("cannot close the forward %s %s: %s"),
                                     option_of (step->forward.kind), step->spec, error->message);
      change->undoing = TRUE;
    }
  else if (error != NULL)
    asd_log_tunnel (self->name, G_LOG_LEVEL_WARNING, "%s: undoing forward %s %s failed: %s",
                    self->name, option_of (step->forward.kind), step->spec, error->message);
  else if (!change->undoing)
    change->next++;
  run_step (g_steal_pointer (&task));
}

static void
finish (GTask *task)
{
  AsdKeeper *self = g_task_get_source_object (task);
  Change *change = g_task_get_task_data (task);

  if (change->error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&change->error));
      return;
    }
  if (asd_keeper_master_run (self) != change->run)
    {
      g_task_return_new_error (task, ASD_ERROR, ASD_ERROR_FORWARD_FAILED,
                               _("ssh was restarted while its forwards changed: try again"));
      return;
    }
  asd_tunnel_settings_free (self->settings);
  self->settings = g_steal_pointer (&change->settings);
  g_strfreev (self->argv);
  self->argv = g_steal_pointer (&change->argv);
  asd_log_tunnel (self->name, G_LOG_LEVEL_MESSAGE, "%s: %u forwards changed without a restart",
                  self->name, change->steps->len);
  g_task_return_boolean (task, TRUE);
}

/* The next step; undoing, the one before (opened: closed, and so on). */
static void
run_step (GTask *task)
{
  Change *change = g_task_get_task_data (task);
  Step *step;

  if (change->undoing ? change->next == 0 : change->next >= change->steps->len)
    {
      finish (task);
      g_object_unref (task);
      return;
    }
  if (change->undoing)
    change->next--;
  step = g_ptr_array_index (change->steps, change->next);
  asd_mux_client_forward_async (change->session, change->undoing ? !step->open : step->open,
                                &step->forward, NULL, on_step_done, task);
}

/**
 * asd_keeper_change_forwards_async:
 * @self: a keeper
 * @settings: the tunnel's new settings
 * @argv: the ssh command made from them
 * @callback: called when the change is made, undone, or cannot be made
 * @user_data: for @callback
 *
 * Changes the forwards of a connected ssh to those of @settings without
 * restarting it; see the top of the file.
 */
void
asd_keeper_change_forwards_async (AsdKeeper *self, const AsdTunnelSettings *settings,
                                  const char * const *argv, GAsyncReadyCallback callback,
                                  gpointer user_data)
{
  GTask *task = g_task_new (self, NULL, callback, user_data);
  AsdMuxClient *session = asd_keeper_session_to_check (self);
  g_autoptr(GError) error = NULL;
  Change *change;

  g_task_set_source_tag (task, asd_keeper_change_forwards_async);
  if (session == NULL || self->settings == NULL || !only_forwards_differ (self, settings))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               "not a change of a connected tunnel's forwards alone");
      g_object_unref (task);
      return;
    }
  change = g_new0 (Change, 1);
  g_task_set_task_data (task, change, (GDestroyNotify) change_free);
  change->settings = asd_tunnel_settings_copy (settings);
  change->argv = g_strdupv ((char **) argv);
  change->run = g_object_ref (asd_keeper_master_run (self));
  change->session = g_object_ref (session);
  change->steps = steps_between (self->settings, settings, &error);
  if (change->steps == NULL)
    {
      change->steps = g_ptr_array_new ();
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "%s", error->message);
      g_object_unref (task);
      return;
    }
  run_step (task);
}

/**
 * asd_keeper_change_forwards_finish:
 * @self: a keeper
 * @result: the result given to the callback
 * @error: return location for %ASD_ERROR_FORWARD_FAILED (nothing
 *   changed), or %G_IO_ERROR_NOT_SUPPORTED (nothing tried: change the
 *   settings as usual)
 *
 * Returns: whether the forwards changed; the keeper has the new settings
 */
gboolean
asd_keeper_change_forwards_finish (AsdKeeper *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
