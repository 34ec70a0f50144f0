/* asd-tunnel-log.c: a tunnel's recent history, a bounded ring of entries
 *
 * Each tunnel keeps its last events — state changes with their reasons,
 * ssh's classified log lines, ssh's exit, successful probes, settings
 * applied — for GetLog and `autosshctl logs`: without systemd the
 * activated service's output goes nowhere, and StateReason only tells
 * the last reason.  The ring is bounded twice, in entries and in bytes
 * (the entries' size as sent on the bus); the oldest entries go first,
 * and the newest is always kept.  A message longer than
 * ASD_TUNNEL_LOG_MAX_MESSAGE bytes is cut (the details carry what scripts
 * read).  Every entry has a sequence number, 1 for the tunnel's first and
 * one more for each next: a client that follows the LogEntry signal and
 * also calls GetLog drops what it has seen by it.  The ring lives in
 * memory only, as long as its tunnel object: across Restart and Configure,
 * not across RemoveTunnel or a restart of the service.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <string.h>

#include "asd-tunnel-log.h"

struct _AsdTunnelLog
{
  GQueue entries;         /* of GVariant ASD_TUNNEL_LOG_ENTRY_TYPE, oldest first */
  gsize bytes;            /* their serialised sizes */
  guint max_entries;
  gsize max_bytes;
  guint64 next_sequence;
};

/**
 * asd_tunnel_log_new:
 * @max_entries: how many entries it keeps at most (at least 1)
 * @max_bytes: how many bytes of entries it keeps at most (the newest
 *   entry is kept even when it alone is bigger)
 *
 * Returns: (transfer full): an empty log
 */
AsdTunnelLog *
asd_tunnel_log_new (guint max_entries, gsize max_bytes)
{
  AsdTunnelLog *self = g_new0 (AsdTunnelLog, 1);

  g_queue_init (&self->entries);
  self->max_entries = MAX (max_entries, 1);
  self->max_bytes = max_bytes;
  self->next_sequence = 1;
  return self;
}

void
asd_tunnel_log_free (AsdTunnelLog *self)
{
  if (self == NULL)
    return;
  g_queue_clear_full (&self->entries, (GDestroyNotify) g_variant_unref);
  g_free (self);
}

static void
drop_oldest (AsdTunnelLog *self)
{
  GVariant *oldest = g_queue_pop_head (&self->entries);

  self->bytes -= g_variant_get_size (oldest);
  g_variant_unref (oldest);
}

/* @message, cut to ASD_TUNNEL_LOG_MAX_MESSAGE bytes on a character's
 * boundary (it is UTF-8: D-Bus strings are). */
static char *
bounded_message (const char *message)
{
  static const char ellipsis[] = "…";
  gsize cut = ASD_TUNNEL_LOG_MAX_MESSAGE - (sizeof ellipsis - 1);
  g_autofree char *head = NULL;

  if (strlen (message) <= ASD_TUNNEL_LOG_MAX_MESSAGE)
    return g_strdup (message);
  while (cut > 0 && ((guchar) message[cut] & 0xc0) == 0x80)
    cut--;
  head = g_strndup (message, cut);
  return g_strconcat (head, ellipsis, NULL);
}

/**
 * asd_tunnel_log_append:
 * @self: a log
 * @kind: the entry's kind (ASD_LOG_KIND_STATE, ...)
 * @message: the entry for people, valid UTF-8
 * @details: (nullable): its details, an a{sv}, sunk if floating
 *
 * Adds an entry, stamped now, and drops the oldest ones beyond the
 * bounds.
 *
 * Returns: (transfer none): the new entry, an ASD_TUNNEL_LOG_ENTRY_TYPE
 */
GVariant *
asd_tunnel_log_append (AsdTunnelLog *self, const char *kind, const char *message, GVariant *details)
{
  g_autoptr(GVariant) owned = details != NULL ? g_variant_ref_sink (details) : NULL;
  g_autofree char *text = bounded_message (message);
  GVariant *entry;

  g_return_val_if_fail (owned == NULL || g_variant_is_of_type (owned, G_VARIANT_TYPE_VARDICT), NULL);

  entry = g_variant_ref_sink (g_variant_new ("(tttss@a{sv})", self->next_sequence++,
                                             (guint64) g_get_real_time (), (guint64) g_get_monotonic_time (),
                                             kind, text,
                                             owned != NULL ? owned : g_variant_new ("a{sv}", NULL)));
  g_queue_push_tail (&self->entries, entry);
  self->bytes += g_variant_get_size (entry);
  while (self->entries.length > 1 &&
         (self->entries.length > self->max_entries || self->bytes > self->max_bytes))
    drop_oldest (self);
  return entry;
}

/**
 * asd_tunnel_log_get:
 * @self: a log
 * @max: how many of the newest entries; 0 for every one kept
 *
 * Returns: (transfer floating): the entries, oldest first, an array of
 *   ASD_TUNNEL_LOG_ENTRY_TYPE (never more than the log holds, whatever
 *   @max says)
 */
GVariant *
asd_tunnel_log_get (AsdTunnelLog *self, guint32 max)
{
  guint n = self->entries.length;
  GVariantBuilder builder;

  if (max > 0 && max < n)
    n = max;
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a" ASD_TUNNEL_LOG_ENTRY_TYPE));
  for (GList *l = g_queue_peek_nth_link (&self->entries, self->entries.length - n); l != NULL; l = l->next)
    g_variant_builder_add_value (&builder, l->data);
  return g_variant_builder_end (&builder);
}

guint
asd_tunnel_log_get_length (AsdTunnelLog *self)
{
  return self->entries.length;
}

gsize
asd_tunnel_log_get_bytes (AsdTunnelLog *self)
{
  return self->bytes;
}
