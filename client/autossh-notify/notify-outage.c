/* notify-outage.c: one notification per server for tunnels that drop
 * together
 *
 * When a server goes away, every tunnel to it drops at about the same
 * time.  Each tunnel still decides alone whether its drop is worth telling
 * (it lasted the threshold: notify-tunnel.c); this file decides how: the
 * drops of tunnels to the same server, written the same way (the
 * Destination property: the host or alias as the user wrote it, with
 * User@), are one outage with one notification.
 *
 *  - A drop that is due joins its server's outage.  While other tunnels to
 *    that server still wait for their threshold, the outage waits for them
 *    (at most ASD_NOTIFY_OUTAGE_COLLECT_MS), so they appear together:
 *    "3 tunnels to myserver dropped — reconnecting", with each tunnel's
 *    name and local ports.  A tunnel that drops later while the outage is
 *    shown rewrites it in place.
 *  - Tunnels that come back while others are still down change nothing
 *    shown (a mass reconnect would rewrite it once per tunnel); when the
 *    last one is back, one "3 tunnels to myserver are back (down 45 s)"
 *    replaces the drop.
 *  - A tunnel that fails, is stopped, muted or removed leaves the outage;
 *    when no tunnel of it is left down, the outage's notification is
 *    withdrawn.  Failures are announced per tunnel (notify-tunnel.c): each
 *    needs its own action.
 *  - An outage of one tunnel uses the single tunnel's words ("web dropped
 *    — reconnecting", "web is back (down 45 s)").
 *
 * The notification is the first tunnel's own, lent for the outage and given
 * back when it ends, so a lone tunnel keeps one notification updated in
 * place through drop, back and failure.  Its actions act on every tunnel
 * of the outage that is still down.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include "asd-log.h"
#include "notify-messages.h"
#include "notify-outage.h"

typedef struct {
  AsdNotifyTunnel *tunnel;
  char *label;               /* "web (8080)" */
  char *reason;              /* why it dropped; once back, the back's reason */
  gint64 downtime_us;        /* once back; -1 unknown */
  gboolean back;
} Member;

typedef struct {
  AsdNotifyOutages *board;
  char *server;
  GPtrArray *members;                 /* Member, in the order they dropped */
  AsdNotifyTunnel *owner;             /* lent the notification; NULL once gone */
  NotifyNotification *notification;   /* NULL until shown */
  guint collect_id;
  gint64 since;                       /* monotonic µs of the first drop */
} Outage;

struct _AsdNotifyOutages
{
  AsdNotifyServer *server;
  GHashTable *tunnels;       /* the tracker's: object path → AsdNotifyTunnel */
  GHashTable *outages;       /* server as written → Outage */
};

static void
member_free (gpointer data)
{
  Member *member = data;

  g_free (member->label);
  g_free (member->reason);
  g_free (member);
}

static void
outage_free (gpointer data)
{
  Outage *outage = data;

  g_clear_handle_id (&outage->collect_id, g_source_remove);
  if (outage->notification != NULL)
    notify_notification_clear_actions (outage->notification);
  g_clear_object (&outage->notification);
  g_ptr_array_unref (outage->members);
  g_free (outage->server);
  g_free (outage);
}

static Member *
find_member (Outage *outage, AsdNotifyTunnel *tunnel, guint *index)
{
  for (guint i = 0; i < outage->members->len; i++)
    {
      Member *member = g_ptr_array_index (outage->members, i);

      if (member->tunnel == tunnel)
        {
          if (index != NULL)
            *index = i;
          return member;
        }
    }
  return NULL;
}

/* The outage @tunnel is in, searched in all: its Destination may have
 * changed since it joined. */
static Outage *
find_outage (AsdNotifyOutages *self, AsdNotifyTunnel *tunnel)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->outages);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (find_member (value, tunnel, NULL) != NULL)
      return value;
  return NULL;
}

static guint
count_down (Outage *outage)
{
  guint n = 0;

  for (guint i = 0; i < outage->members->len; i++)
    n += ((Member *) g_ptr_array_index (outage->members, i))->back ? 0 : 1;
  return n;
}

/* Whether another tunnel to @server has a drop waiting for its threshold. */
static gboolean
siblings_waiting (AsdNotifyOutages *self, const char *server)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->tunnels);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (asd_notify_tunnel_drop_waiting (value) &&
        g_strcmp0 (asd_notify_tunnel_get_server (value), server) == 0)
      return TRUE;
  return FALSE;
}

/* The labels of the members that are down (@back FALSE) or back. */
static GStrv
labels (Outage *outage, gboolean back)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; i < outage->members->len; i++)
    {
      Member *member = g_ptr_array_index (outage->members, i);

      if (member->back == back)
        g_strv_builder_add (builder, member->label);
    }
  return g_strv_builder_end (builder);
}

/* The down members' reason when they all have the same, else NULL. */
static const char *
common_reason (Outage *outage)
{
  const char *reason = NULL;

  for (guint i = 0; i < outage->members->len; i++)
    {
      Member *member = g_ptr_array_index (outage->members, i);

      if (member->back)
        continue;
      if (reason != NULL && g_strcmp0 (reason, member->reason) != 0)
        return NULL;
      reason = member->reason;
    }
  return reason;
}

static void
on_action (NotifyNotification *notification, char *action, gpointer user_data)
{
  Outage *outage = user_data;

  for (guint i = 0; i < outage->members->len; i++)
    {
      Member *member = g_ptr_array_index (outage->members, i);

      if (!member->back)
        asd_notify_tunnel_act (member->tunnel, action);
    }
}

static void
show (Outage *outage, AsdNotifyKind kind, const AsdNotifyText *text)
{
  g_autoptr(GError) error = NULL;
  const char *who = outage->server;

  if (outage->notification == NULL)
    {
      Member *first = g_ptr_array_index (outage->members, 0);

      outage->owner = first->tunnel;
      outage->notification = asd_notify_tunnel_lend_notification (first->tunnel);
    }
  /* logged as the tunnel's own when it is alone, else as the server's */
  if (outage->members->len == 1)
    who = asd_notify_tunnel_get_name (((Member *) g_ptr_array_index (outage->members, 0))->tunnel);
  asd_log_tunnel (outage->members->len == 1 ? who : NULL, G_LOG_LEVEL_MESSAGE,
                  "%s: notify: %s | %s", who, text->summary, text->body);
  if (!asd_notify_server_show (outage->board->server, outage->notification, kind, text,
                               on_action, outage, &error))
    g_warning ("%s: cannot show a notification: %s", who, error->message);
}

static void
show_dropped (Outage *outage)
{
  AsdNotifyText text = { NULL, };

  g_clear_handle_id (&outage->collect_id, g_source_remove);
  if (outage->members->len == 1)
    {
      Member *member = g_ptr_array_index (outage->members, 0);

      asd_notify_text_dropped (&text, asd_notify_tunnel_get_title (member->tunnel),
                               member->reason);
    }
  else
    {
      g_auto(GStrv) down = labels (outage, FALSE);

      asd_notify_text_group_dropped (&text, outage->server, (const char * const *) down,
                                     common_reason (outage));
    }
  show (outage, ASD_NOTIFY_KIND_DROPPED, &text);
  asd_notify_text_clear (&text);
}

static void
show_back (Outage *outage)
{
  AsdNotifyText text = { NULL, };

  if (outage->members->len == 1)
    {
      Member *member = g_ptr_array_index (outage->members, 0);

      asd_notify_text_back (&text, asd_notify_tunnel_get_title (member->tunnel),
                            member->downtime_us, member->reason);
    }
  else
    {
      g_auto(GStrv) back = labels (outage, TRUE);

      asd_notify_text_group_back (&text, outage->server, (const char * const *) back,
                                  g_get_monotonic_time () - outage->since);
    }
  show (outage, ASD_NOTIFY_KIND_BACK, &text);
  asd_notify_text_clear (&text);
}

/* No tunnel of @outage is down any more.  With @leaving NULL the last one
 * came back: "back" replaces the drop.  Else @leaving was the last one
 * down and fails, stops or goes: what was shown is withdrawn, by @leaving
 * itself when the notification is its own (a failure replaces it in
 * place).  The notification goes back to its owner; the outage is freed. */
static void
end (Outage *outage, AsdNotifyTunnel *leaving)
{
  AsdNotifyKind shown = ASD_NOTIFY_KIND_NONE;
  g_autoptr(GError) error = NULL;

  if (outage->notification != NULL)
    {
      if (leaving == NULL)
        {
          show_back (outage);
          shown = ASD_NOTIFY_KIND_BACK;
        }
      else if (outage->owner == leaving)
        shown = ASD_NOTIFY_KIND_DROPPED;
      else if (!notify_notification_close (outage->notification, &error))
        g_debug ("%s: cannot close its notification: %s", outage->server, error->message);
      notify_notification_clear_actions (outage->notification);
      if (outage->owner != NULL)
        asd_notify_tunnel_return_notification (outage->owner, outage->notification, shown);
    }
  g_hash_table_remove (outage->board->outages, outage->server);
}

static gboolean
on_collected (gpointer user_data)
{
  Outage *outage = user_data;

  outage->collect_id = 0;
  show_dropped (outage);
  return G_SOURCE_REMOVE;
}

/**
 * asd_notify_outages_new:
 * @server: the notification server; must outlive the result
 * @tunnels: the tracker's tunnels (object path → AsdNotifyTunnel), to see
 *   which drops are still waiting
 *
 * Returns: (transfer full): the outages, none yet
 */
AsdNotifyOutages *
asd_notify_outages_new (AsdNotifyServer *server, GHashTable *tunnels)
{
  AsdNotifyOutages *self = g_new0 (AsdNotifyOutages, 1);

  self->server = server;
  self->tunnels = g_hash_table_ref (tunnels);
  self->outages = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, outage_free);
  return self;
}

static Outage *
outage_for (AsdNotifyOutages *self, const char *server, gint64 since)
{
  Outage *outage = g_hash_table_lookup (self->outages, server);

  if (outage == NULL)
    {
      outage = g_new0 (Outage, 1);
      outage->board = self;
      outage->server = g_strdup (server);
      outage->members = g_ptr_array_new_with_free_func (member_free);
      outage->since = since;
      g_hash_table_insert (self->outages, outage->server, outage);
    }
  outage->since = MIN (outage->since, since);
  return outage;
}

/**
 * asd_notify_outages_dropped:
 * @self: the outages
 * @tunnel: a tunnel whose drop lasted the threshold (its own drop no longer
 *   waits)
 * @reason: why it dropped
 *
 * Joins @tunnel to its server's outage, shown at once unless other tunnels
 * to that server are still within their threshold.
 */
void
asd_notify_outages_dropped (AsdNotifyOutages *self, AsdNotifyTunnel *tunnel, const char *reason)
{
  const char *server = asd_notify_tunnel_get_server (tunnel);
  Outage *outage = outage_for (self, server, asd_notify_tunnel_get_down_since (tunnel));
  Member *member = find_member (outage, tunnel, NULL);

  if (member == NULL)
    {
      member = g_new0 (Member, 1);
      member->tunnel = tunnel;
      member->label = asd_notify_tunnel_make_label (tunnel);
      g_ptr_array_add (outage->members, member);
    }
  member->back = FALSE;
  g_free (member->reason);
  member->reason = g_strdup (reason);
  if (outage->notification != NULL || !siblings_waiting (self, server))
    show_dropped (outage);
  else if (outage->collect_id == 0)
    outage->collect_id = g_timeout_add (ASD_NOTIFY_OUTAGE_COLLECT_MS, on_collected, outage);
}

/**
 * asd_notify_outages_recheck:
 * @self: the outages
 * @server: the server of a tunnel whose drop stopped waiting without
 *   becoming due (it healed, stopped or failed)
 *
 * An outage that waited for that drop is shown now if it waits for no
 * other.
 */
void
asd_notify_outages_recheck (AsdNotifyOutages *self, const char *server)
{
  Outage *outage = g_hash_table_lookup (self->outages, server);

  if (outage != NULL && outage->collect_id != 0 && !siblings_waiting (self, server))
    show_dropped (outage);
}

/**
 * asd_notify_outages_back:
 * @self: the outages
 * @tunnel: a tunnel of an outage that is connected again
 * @downtime_us: how long it was down, -1 when unknown
 * @reason: what its back notification says alone ("connected to HOST")
 *
 * When it was the last one down, its outage is answered with "back".
 */
void
asd_notify_outages_back (AsdNotifyOutages *self, AsdNotifyTunnel *tunnel,
                         gint64 downtime_us, const char *reason)
{
  Outage *outage = find_outage (self, tunnel);
  guint at = 0;
  Member *member;

  if (outage == NULL)
    return;
  member = find_member (outage, tunnel, &at);
  if (outage->notification == NULL)
    g_ptr_array_remove_index (outage->members, at);   /* never shown: nor is its return */
  else
    {
      member->back = TRUE;
      member->downtime_us = downtime_us;
      g_free (member->reason);
      member->reason = g_strdup (reason);
    }
  if (count_down (outage) == 0)
    end (outage, NULL);
}

/**
 * asd_notify_outages_leave:
 * @self: the outages
 * @tunnel: a tunnel that fails, stops, is muted or goes away
 *
 * @tunnel is no longer part of any outage; one with no tunnel down left is
 * withdrawn.  Called for every tunnel that goes away, in an outage or not.
 */
void
asd_notify_outages_leave (AsdNotifyOutages *self, AsdNotifyTunnel *tunnel)
{
  Outage *outage = find_outage (self, tunnel);
  guint at = 0;

  if (outage == NULL)
    return;
  find_member (outage, tunnel, &at);
  g_ptr_array_remove_index (outage->members, at);
  if (count_down (outage) == 0)
    end (outage, tunnel);
  else if (outage->owner == tunnel)
    outage->owner = NULL;
}

void
asd_notify_outages_free (AsdNotifyOutages *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->outages);
  g_hash_table_unref (self->tunnels);
  g_free (self);
}
