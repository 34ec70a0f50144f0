/* test-login-pacer.c: at most N logins at once, in order, never inline
 *
 * The pacer is what keeps a mass reconnect from being refused by a
 * server's MaxStartups; these tests hold it to its contract: the number of
 * slots is a bound, waiters are served first come first served, grants
 * and cancellations arrive from the main loop and never from inside the
 * call that caused them, and a cancelled waiter leaves the queue.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "asd-login-pacer.h"

typedef struct {
  guint index;
  gboolean done;
  AsdLoginSlot *slot;
  GError *error;
  GArray *order;                 /* indexes, in the order they finished */
} Waiter;

static void
on_acquired (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Waiter *w = user_data;

  g_assert_false (w->done);
  w->done = TRUE;
  w->slot = asd_login_pacer_acquire_finish (ASD_LOGIN_PACER (source), result, &w->error);
  g_assert_true ((w->slot == NULL) != (w->error == NULL));
  g_array_append_val (w->order, w->index);
}

static void
drain (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

typedef struct {
  AsdLoginSlot *slot;            /* to release, or NULL */
  GCancellable *cancellable;     /* to cancel, or NULL */
  Waiter *watched;
  gboolean done_inline;          /* @watched finished inside the call */
} InSource;

/* Releases or cancels from inside a main loop source, as the daemon does
 * (GTask alone would defer a return made outside any source). */
static gboolean
act_in_source (gpointer user_data)
{
  InSource *in = user_data;

  if (in->slot != NULL)
    asd_login_slot_release (in->slot);
  if (in->cancellable != NULL)
    g_cancellable_cancel (in->cancellable);
  in->done_inline = in->watched->done;
  return G_SOURCE_REMOVE;
}

static void
act_and_drain (AsdLoginSlot *slot, GCancellable *cancellable, Waiter *watched)
{
  InSource in = { slot, cancellable, watched, FALSE };

  g_idle_add (act_in_source, &in);
  drain ();
  g_assert_false (in.done_inline);
  g_assert_true (watched->done);
}

static Waiter *
waiters_new (guint n, GArray *order)
{
  Waiter *ws = g_new0 (Waiter, n);

  for (guint i = 0; i < n; i++)
    {
      ws[i].index = i;
      ws[i].order = order;
    }
  return ws;
}

static void
waiters_free (Waiter *ws, guint n)
{
  for (guint i = 0; i < n; i++)
    {
      asd_login_slot_release (ws[i].slot);
      g_clear_error (&ws[i].error);
    }
  g_free (ws);
}

static guint
count_granted (Waiter *ws, guint n)
{
  guint granted = 0;

  for (guint i = 0; i < n; i++)
    granted += ws[i].slot != NULL;
  return granted;
}

/* The default bound, FIFO order, and grants only from the main loop. */
static void
test_bounded_fifo (void)
{
  const guint n = ASD_LOGIN_PACER_DEFAULT_SLOTS + 3;
  g_autoptr(AsdLoginPacer) pacer = asd_login_pacer_new (ASD_LOGIN_PACER_DEFAULT_SLOTS);
  g_autoptr(GArray) order = g_array_new (FALSE, FALSE, sizeof (guint));
  Waiter *ws = waiters_new (n, order);

  g_assert_cmpuint (ASD_LOGIN_PACER_DEFAULT_SLOTS, ==, 8);
  for (guint i = 0; i < n; i++)
    asd_login_pacer_acquire_async (pacer, NULL, on_acquired, &ws[i]);
  g_assert_cmpuint (order->len, ==, 0);   /* nothing inline */

  drain ();
  g_assert_cmpuint (count_granted (ws, n), ==, ASD_LOGIN_PACER_DEFAULT_SLOTS);
  for (guint i = 0; i < order->len; i++)
    g_assert_cmpuint (g_array_index (order, guint, i), ==, i);

  /* Each release gives the next waiter a slot, from an idle. */
  for (guint k = 0; k < 3; k++)
    {
      guint next = ASD_LOGIN_PACER_DEFAULT_SLOTS + k;

      g_assert_false (ws[next].done);
      act_and_drain (g_steal_pointer (&ws[k].slot), NULL, &ws[next]);
      g_assert_nonnull (ws[next].slot);
      g_assert_cmpuint (g_array_index (order, guint, next), ==, next);
      g_assert_cmpuint (count_granted (ws, n), ==, ASD_LOGIN_PACER_DEFAULT_SLOTS);
    }
  waiters_free (ws, n);
}

/* The fast path: a slot at once while one is free and nobody waits. */
static void
test_try_acquire (void)
{
  g_autoptr(AsdLoginPacer) pacer = asd_login_pacer_new (2);
  g_autoptr(GArray) order = g_array_new (FALSE, FALSE, sizeof (guint));
  Waiter *ws = waiters_new (1, order);
  AsdLoginSlot *a = asd_login_pacer_try_acquire (pacer);
  AsdLoginSlot *b = asd_login_pacer_try_acquire (pacer);

  g_assert_nonnull (a);
  g_assert_nonnull (b);
  g_assert_null (asd_login_pacer_try_acquire (pacer));

  asd_login_pacer_acquire_async (pacer, NULL, on_acquired, &ws[0]);
  asd_login_slot_release (a);
  /* A slot is free, but someone waits: no jumping the queue. */
  g_assert_null (asd_login_pacer_try_acquire (pacer));
  g_assert_false (ws[0].done);
  drain ();
  g_assert_nonnull (ws[0].slot);

  asd_login_slot_release (b);
  waiters_free (ws, 1);
  drain ();
}

/* A cancelled waiter leaves the queue, finishes CANCELLED (not inline),
 * and the next one gets the slot it would have had. */
static void
test_cancel (void)
{
  g_autoptr(AsdLoginPacer) pacer = asd_login_pacer_new (1);
  g_autoptr(GArray) order = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Waiter *ws = waiters_new (3, order);
  AsdLoginSlot *held = asd_login_pacer_try_acquire (pacer);

  asd_login_pacer_acquire_async (pacer, cancellable, on_acquired, &ws[0]);
  asd_login_pacer_acquire_async (pacer, NULL, on_acquired, &ws[1]);
  asd_login_pacer_acquire_async (pacer, NULL, on_acquired, &ws[2]);
  drain ();
  g_assert_cmpuint (order->len, ==, 0);

  act_and_drain (NULL, cancellable, &ws[0]);   /* not inside cancel() */
  g_assert_error (ws[0].error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (ws[0].slot);
  g_assert_false (ws[1].done);             /* the slot is still held */

  act_and_drain (held, NULL, &ws[1]);
  g_assert_nonnull (ws[1].slot);
  g_assert_false (ws[2].done);
  act_and_drain (g_steal_pointer (&ws[1].slot), NULL, &ws[2]);
  g_assert_nonnull (ws[2].slot);
  waiters_free (ws, 3);
  drain ();
}

/* Cancelled before asking: finishes CANCELLED and takes no slot. */
static void
test_cancel_before (void)
{
  g_autoptr(AsdLoginPacer) pacer = asd_login_pacer_new (1);
  g_autoptr(GArray) order = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(AsdLoginSlot) slot = NULL;
  Waiter *ws = waiters_new (1, order);

  g_cancellable_cancel (cancellable);
  asd_login_pacer_acquire_async (pacer, cancellable, on_acquired, &ws[0]);
  g_assert_false (ws[0].done);
  drain ();
  g_assert_error (ws[0].error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  slot = asd_login_pacer_try_acquire (pacer);
  g_assert_nonnull (slot);
  waiters_free (ws, 1);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/login-pacer/bounded-fifo", test_bounded_fifo);
  g_test_add_func ("/login-pacer/try-acquire", test_try_acquire);
  g_test_add_func ("/login-pacer/cancel", test_cancel);
  g_test_add_func ("/login-pacer/cancel-before", test_cancel_before);

  return g_test_run ();
}
