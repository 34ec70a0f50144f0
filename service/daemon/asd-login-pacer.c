/* asd-login-pacer.c: how many tunnels may be logging in at once
 *
 * A tunnel acquires a slot before it starts ssh and releases it once ssh
 * is connected or has ended.  When every slot is taken, acquisitions wait
 * in order: after a resume or a network change, hundreds of tunnels come
 * back a few at a time instead of all at once (which a server's
 * MaxStartups would partly refuse).  A waiter whose GCancellable is
 * cancelled leaves the queue and finishes with G_IO_ERROR_CANCELLED.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include "asd-login-pacer.h"

struct _AsdLoginSlot
{
  AsdLoginPacer *pacer;
};

struct _AsdLoginPacer
{
  GObject parent_instance;

  guint slots;
  guint taken;
  GQueue waiting;                /* GTask *, first come first served */
  guint idle_id;
};

G_DEFINE_TYPE (AsdLoginPacer, asd_login_pacer, G_TYPE_OBJECT)

static AsdLoginSlot *
take_slot (AsdLoginPacer *self)
{
  AsdLoginSlot *slot = g_new0 (AsdLoginSlot, 1);

  slot->pacer = g_object_ref (self);
  self->taken++;
  return slot;
}

/* Takes a waiter out of the queue; its cancel handler is gone after. */
static void
unqueue (AsdLoginPacer *self, GList *link)
{
  GTask *task = link->data;
  gulong handler = GPOINTER_TO_SIZE (g_task_get_task_data (task));

  g_queue_delete_link (&self->waiting, link);
  g_cancellable_disconnect (g_task_get_cancellable (task), handler);
}

static void
drop_cancelled (AsdLoginPacer *self)
{
  GList *link = self->waiting.head;

  while (link != NULL)
    {
      GList *next = link->next;
      g_autoptr(GTask) task = link->data;

      if (g_cancellable_is_cancelled (g_task_get_cancellable (task)))
        {
          unqueue (self, link);
          g_task_return_error_if_cancelled (task);
        }
      else
        g_steal_pointer (&task);   /* still queued */
      link = next;
    }
}

/* Grants and cancels from an idle source, never from inside acquire,
 * release or cancel: the caller is in the middle of changing its state. */
static gboolean
on_idle (gpointer user_data)
{
  g_autoptr(AsdLoginPacer) self = g_object_ref (user_data);   /* callbacks may drop theirs */

  self->idle_id = 0;
  drop_cancelled (self);
  while (self->taken < self->slots && !g_queue_is_empty (&self->waiting))
    {
      g_autoptr(GTask) task = self->waiting.head->data;

      unqueue (self, self->waiting.head);
      g_task_return_pointer (task, take_slot (self), (GDestroyNotify) asd_login_slot_release);
    }
  return G_SOURCE_REMOVE;
}

static void
schedule (AsdLoginPacer *self)
{
  if (self->idle_id == 0 && !g_queue_is_empty (&self->waiting))
    self->idle_id = g_idle_add (on_idle, self);
}

static void
on_cancelled (GCancellable *cancellable, gpointer user_data)
{
  schedule (ASD_LOGIN_PACER (user_data));
}

/**
 * asd_login_pacer_try_acquire:
 * @self: the pacer
 *
 * Returns: (transfer full) (nullable): a slot if one is free and nobody
 *   waits, else %NULL (then asd_login_pacer_acquire_async() queues)
 */
AsdLoginSlot *
asd_login_pacer_try_acquire (AsdLoginPacer *self)
{
  g_return_val_if_fail (ASD_IS_LOGIN_PACER (self), NULL);

  if (self->taken >= self->slots || !g_queue_is_empty (&self->waiting))
    return NULL;
  return take_slot (self);
}

/**
 * asd_login_pacer_acquire_async:
 * @self: the pacer
 * @cancellable: (nullable): cancelling it withdraws the request
 * @callback: called from the main loop (never from inside this call)
 *   once a slot is the caller's, or the request was cancelled
 * @user_data: for @callback
 */
void
asd_login_pacer_acquire_async (AsdLoginPacer       *self,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  GTask *task;
  gulong handler = 0;

  g_return_if_fail (ASD_IS_LOGIN_PACER (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, asd_login_pacer_acquire_async);
  g_queue_push_tail (&self->waiting, task);
  if (cancellable != NULL)
    handler = g_cancellable_connect (cancellable, G_CALLBACK (on_cancelled), self, NULL);
  g_task_set_task_data (task, GSIZE_TO_POINTER (handler), NULL);
  schedule (self);
}

/**
 * asd_login_pacer_acquire_finish:
 * @self: the pacer
 * @result: the result given to the callback
 * @error: return location for %G_IO_ERROR_CANCELLED
 *
 * Returns: (transfer full) (nullable): the slot, to release once ssh is
 *   connected or gone; %NULL when cancelled
 */
AsdLoginSlot *
asd_login_pacer_acquire_finish (AsdLoginPacer *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * asd_login_slot_release:
 * @slot: (nullable): a slot; the next waiter gets it (from an idle)
 */
void
asd_login_slot_release (AsdLoginSlot *slot)
{
  if (slot == NULL)
    return;
  slot->pacer->taken--;
  schedule (slot->pacer);
  g_object_unref (slot->pacer);
  g_free (slot);
}

static void
asd_login_pacer_finalize (GObject *object)
{
  AsdLoginPacer *self = ASD_LOGIN_PACER (object);

  /* Every waiter holds a reference: the queue is empty here. */
  g_clear_handle_id (&self->idle_id, g_source_remove);

  G_OBJECT_CLASS (asd_login_pacer_parent_class)->finalize (object);
}

static void
asd_login_pacer_class_init (AsdLoginPacerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = asd_login_pacer_finalize;
}

static void
asd_login_pacer_init (AsdLoginPacer *self)
{
  g_queue_init (&self->waiting);
}

/**
 * asd_login_pacer_new:
 * @slots: how many logins at once (at least 1)
 *
 * Returns: (transfer full): a pacer
 */
AsdLoginPacer *
asd_login_pacer_new (guint slots)
{
  AsdLoginPacer *self = g_object_new (ASD_TYPE_LOGIN_PACER, NULL);

  self->slots = MAX (slots, 1);
  return self;
}
