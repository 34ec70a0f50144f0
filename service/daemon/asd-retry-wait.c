/* asd-retry-wait.c: a tunnel's wait before its next try
 *
 * Three ways to wait, none of which touches the server with a login: a
 * plain timer (backoff); TCP probes of the server's ssh port every few
 * seconds until it answers (asd-server-probe), falling back to the timer
 * when a proxy hides the server; checks that the keyring has been
 * unlocked.  #AsdRetryWait::due says it is time to try; ::scheduled tells
 * when the next look is (the tunnel's NextRetry); ::probed reports a
 * successful probe (LastProbe, ProbeLatency).  The Probe method's own
 * probe is the keeper's (asd_keeper_probe_async()).  After a failed run,
 * asd_retry_wait_after_failure() picks the wait that the run's #AsdRetry
 * asks for, with the tunnel's exponential backoff.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include "asd-retry-wait.h"
#include "asd-secrets.h"
#include "asd-server-probe.h"

#define PROBE_INTERVAL_S  2   /* while the server is unreachable */
#define PROBE_TIMEOUT_S   3
#define KEYRING_CHECK_S   5   /* while the keyring is locked */

typedef enum {
  WAIT_NONE,
  WAIT_TIMER,
  WAIT_SERVER,
  WAIT_KEYRING,
} Mode;

struct _AsdRetryWait
{
  GObject parent_instance;

  Mode mode;
  guint timer_id;
  GCancellable *cancellable;     /* the probe or check under way */
  AsdServerAddress *address;     /* WAIT_SERVER: where the tunnel's ssh connects */
  guint fallback_ms;
  guint backoff_step;            /* failed runs since the backoff was reset */
};

enum {
  SIGNAL_DUE,
  SIGNAL_SCHEDULED,
  SIGNAL_PROBED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_TYPE (AsdRetryWait, asd_retry_wait, G_TYPE_OBJECT)

static void look (AsdRetryWait *self);

static void
clear (AsdRetryWait *self)
{
  g_clear_handle_id (&self->timer_id, g_source_remove);
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
}

static void
due (AsdRetryWait *self)
{
  asd_retry_wait_cancel (self);
  g_signal_emit (self, signals[SIGNAL_DUE], 0);
}

static gboolean
on_timer (gpointer user_data)
{
  AsdRetryWait *self = user_data;

  self->timer_id = 0;
  if (self->mode == WAIT_TIMER)
    due (self);
  else
    look (self);
  return G_SOURCE_REMOVE;
}

/* The next timer, probe or keyring check in @ms.  Whole seconds (probes,
 * keyring checks, short retries) are coalesced with the other waits
 * (g_timeout_add_seconds, up to a second later): hundreds of retrying
 * tunnels wake the service about once a second, not each on its own. */
static void
schedule (AsdRetryWait *self, guint ms)
{
  g_clear_handle_id (&self->timer_id, g_source_remove);
  if (ms > 0 && ms % 1000 == 0)
    self->timer_id = g_timeout_add_seconds (ms / 1000, on_timer, self);
  else
    self->timer_id = g_timeout_add (ms, on_timer, self);
  g_signal_emit (self, signals[SIGNAL_SCHEDULED], 0, g_get_real_time () + ms * (gint64) 1000);
}

static void
on_probe_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(AsdRetryWait) self = user_data;
  g_autoptr(GError) error = NULL;
  gint64 latency = 0;

  if (!asd_server_probe_finish (result, &latency, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      g_clear_object (&self->cancellable);
      g_debug ("probe: %s", error->message);
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED))
        {
          /* Behind a proxy: only a full try can tell. */
          self->mode = WAIT_TIMER;
          schedule (self, self->fallback_ms);
        }
      else if (self->mode == WAIT_SERVER)
        schedule (self, PROBE_INTERVAL_S * 1000);
      return;
    }
  g_clear_object (&self->cancellable);
  g_signal_emit (self, signals[SIGNAL_PROBED], 0, latency);
  if (self->mode == WAIT_SERVER)
    due (self);
}

static void
on_keyring_checked (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(AsdRetryWait) self = user_data;
  g_autoptr(GError) error = NULL;
  gboolean locked = TRUE;

  if (!asd_secret_locked_finish (result, &locked, &error) &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&self->cancellable);
  if (!locked)
    due (self);
  else
    schedule (self, KEYRING_CHECK_S * 1000);
}

/* One probe of the server, or one check of the keyring. */
static void
look (AsdRetryWait *self)
{
  clear (self);
  self->cancellable = g_cancellable_new ();
  if (self->mode == WAIT_KEYRING)
    asd_secret_locked_async (self->cancellable, on_keyring_checked, g_object_ref (self));
  else
    asd_server_probe_async (self->address, PROBE_TIMEOUT_S,
                            self->cancellable, on_probe_done, g_object_ref (self));
}

/**
 * asd_retry_wait_after:
 * @self: the wait
 * @delay_ms: how long (0: due at the next main loop iteration)
 */
void
asd_retry_wait_after (AsdRetryWait *self, guint delay_ms)
{
  asd_retry_wait_cancel (self);
  self->mode = WAIT_TIMER;
  schedule (self, delay_ms);
}

/**
 * asd_retry_wait_for_server:
 * @self: the wait
 * @address: where the tunnel's ssh connects
 * @fallback_ms: the wait when a proxy makes probing impossible
 *
 * Probes the server's ssh port every few seconds; due when it answers.
 */
void
asd_retry_wait_for_server (AsdRetryWait *self, AsdServerAddress *address, guint fallback_ms)
{
  asd_retry_wait_cancel (self);
  self->mode = WAIT_SERVER;
  self->address = g_object_ref (address);
  self->fallback_ms = fallback_ms;
  schedule (self, PROBE_INTERVAL_S * 1000);
}

/**
 * asd_retry_wait_for_keyring:
 * @self: the wait
 *
 * Due when the default keyring is unlocked.
 */
void
asd_retry_wait_for_keyring (AsdRetryWait *self)
{
  asd_retry_wait_cancel (self);
  self->mode = WAIT_KEYRING;
  schedule (self, KEYRING_CHECK_S * 1000);
}

/**
 * asd_retry_wait_cancel:
 * @self: the wait
 *
 * Stops waiting; nothing will be due.
 */
void
asd_retry_wait_cancel (AsdRetryWait *self)
{
  clear (self);
  self->mode = WAIT_NONE;
  g_clear_object (&self->address);
}

static void
asd_retry_wait_dispose (GObject *object)
{
  asd_retry_wait_cancel (ASD_RETRY_WAIT (object));

  G_OBJECT_CLASS (asd_retry_wait_parent_class)->dispose (object);
}

static void
asd_retry_wait_class_init (AsdRetryWaitClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = asd_retry_wait_dispose;

  /**
   * AsdRetryWait::due:
   *
   * Time for the next try.
   */
  signals[SIGNAL_DUE] =
    g_signal_new ("due", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  /**
   * AsdRetryWait::scheduled:
   * @when: real time in µs of the next timer, probe or check
   */
  signals[SIGNAL_SCHEDULED] =
    g_signal_new ("scheduled", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT64);

  /**
   * AsdRetryWait::probed:
   * @latency: how long the server's port took to accept, in µs
   */
  signals[SIGNAL_PROBED] =
    g_signal_new ("probed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT64);
}

static void
asd_retry_wait_init (AsdRetryWait *self)
{
}

AsdRetryWait *
asd_retry_wait_new (void)
{
  return g_object_new (ASD_TYPE_RETRY_WAIT, NULL);
}

/* See ASD_RETRY_BACKOFF_MAX_S. */
static guint
backoff_delay_ms (AsdRetryWait *self)
{
  guint step = self->backoff_step++;
  gdouble seconds;

  if (step == 0)
    return 0;
  seconds = MIN (ASD_RETRY_BACKOFF_MAX_S, 1u << MIN (step - 1, 6u));
  return seconds * g_random_double_range (1 - ASD_RETRY_JITTER, 1 + ASD_RETRY_JITTER) * 1000;
}

/**
 * asd_retry_wait_after_failure:
 * @self: the wait
 * @retry: what the failed run asks for, not %ASD_RETRY_NEVER
 * @address: where the tunnel's ssh connects (to probe the server)
 *
 * Waits as @retry says; %ASD_RETRY_BACKOFF and the probing fallback of
 * %ASD_RETRY_WHEN_REACHABLE take the next step of the backoff.
 */
void
asd_retry_wait_after_failure (AsdRetryWait *self, AsdRetry retry, AsdServerAddress *address)
{
  switch (retry)
    {
    case ASD_RETRY_WHEN_UNLOCKED:
      asd_retry_wait_for_keyring (self);
      break;
    case ASD_RETRY_SHORT:
      asd_retry_wait_after (self, ASD_RETRY_SHORT_S * 1000);
      break;
    case ASD_RETRY_WHEN_REACHABLE:
      asd_retry_wait_for_server (self, address, backoff_delay_ms (self));
      break;
    case ASD_RETRY_NEVER:
    case ASD_RETRY_BACKOFF:
    default:
      asd_retry_wait_after (self, backoff_delay_ms (self));
      break;
    }
}

/**
 * asd_retry_wait_reset_backoff:
 * @self: the wait
 *
 * The next failure retries at once (a fresh start, a stable connection).
 */
void
asd_retry_wait_reset_backoff (AsdRetryWait *self)
{
  self->backoff_step = 0;
}
