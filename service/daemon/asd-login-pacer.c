/* asd-login-pacer.c: how many tunnels may be logging in at once
 *
 * A tunnel asks for a slot before it starts ssh and gives it back once
 * ssh is connected or has ended.  When every slot is taken, requests wait
 * in order: after a resume or a network change, hundreds of tunnels come
 * back a few at a time instead of all at once (which a server's
 * MaxStartups would partly refuse).
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include "asd-login-pacer.h"

typedef struct {
  AsdLoginGranted granted;
  gpointer user_data;
} Waiter;

struct _AsdLoginPacer
{
  GObject parent_instance;

  guint slots;
  GHashTable *holders;           /* user_data of each slot held */
  GQueue waiting;                /* Waiter *, first come first served */
  guint grant_id;
};

G_DEFINE_TYPE (AsdLoginPacer, asd_login_pacer, G_TYPE_OBJECT)

/* Grants from an idle source, never from inside request() or release():
 * the caller is in the middle of changing its own state. */
static gboolean
grant_waiting (gpointer user_data)
{
  AsdLoginPacer *self = user_data;

  self->grant_id = 0;
  while (g_hash_table_size (self->holders) < self->slots && !g_queue_is_empty (&self->waiting))
    {
      g_autofree Waiter *waiter = g_queue_pop_head (&self->waiting);

      g_hash_table_add (self->holders, waiter->user_data);
      waiter->granted (waiter->user_data);
    }
  return G_SOURCE_REMOVE;
}

static void
schedule_grants (AsdLoginPacer *self)
{
  if (self->grant_id == 0 && !g_queue_is_empty (&self->waiting) &&
      g_hash_table_size (self->holders) < self->slots)
    self->grant_id = g_idle_add (grant_waiting, self);
}

/**
 * asd_login_pacer_try:
 * @self: the pacer
 * @user_data: who asks
 *
 * Returns: whether @user_data got a slot now (a slot is free and nobody
 *   waits); if not, asd_login_pacer_request() queues
 */
gboolean
asd_login_pacer_try (AsdLoginPacer *self, gpointer user_data)
{
  if (g_hash_table_size (self->holders) >= self->slots || !g_queue_is_empty (&self->waiting))
    return FALSE;
  g_hash_table_add (self->holders, user_data);
  return TRUE;
}

/**
 * asd_login_pacer_request:
 * @self: the pacer
 * @granted: called (from the main loop) when a slot is @user_data's
 * @user_data: who asks; one request or slot at a time per @user_data
 */
void
asd_login_pacer_request (AsdLoginPacer *self, AsdLoginGranted granted, gpointer user_data)
{
  Waiter *waiter = g_new (Waiter, 1);

  waiter->granted = granted;
  waiter->user_data = user_data;
  g_queue_push_tail (&self->waiting, waiter);
  schedule_grants (self);
}

static gint
waiter_is (gconstpointer waiter, gconstpointer user_data)
{
  return ((const Waiter *) waiter)->user_data == user_data ? 0 : 1;
}

/**
 * asd_login_pacer_cancel:
 * @self: the pacer
 * @user_data: who asked
 *
 * Withdraws a request still waiting, and gives back a slot held.
 */
void
asd_login_pacer_cancel (AsdLoginPacer *self, gpointer user_data)
{
  GList *link = g_queue_find_custom (&self->waiting, user_data, waiter_is);

  if (link != NULL)
    {
      g_free (link->data);
      g_queue_delete_link (&self->waiting, link);
    }
  asd_login_pacer_release (self, user_data);
}

/**
 * asd_login_pacer_release:
 * @self: the pacer
 * @user_data: who holds a slot (nothing happens if it holds none)
 */
void
asd_login_pacer_release (AsdLoginPacer *self, gpointer user_data)
{
  if (g_hash_table_remove (self->holders, user_data))
    schedule_grants (self);
}

static void
asd_login_pacer_finalize (GObject *object)
{
  AsdLoginPacer *self = ASD_LOGIN_PACER (object);

  g_clear_handle_id (&self->grant_id, g_source_remove);
  g_queue_clear_full (&self->waiting, g_free);
  g_hash_table_unref (self->holders);

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
  self->holders = g_hash_table_new (NULL, NULL);
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
