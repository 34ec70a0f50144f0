/* asd-message-guard.c: method calls too big to handle are refused early
 *
 * GDBus builds a message's arguments (a GVariant per value) before any
 * filter or handler sees them: a call with an array of 2 million strings
 * costs some 330 MB while it is parsed (issue 9, finding 12).  The bus
 * bounds a message's size (max_message_size), not us, so that peak
 * cannot be avoided here.  A connection filter (on GDBus's worker thread)
 * counts the values of every incoming method call, stopping at
 * ASD_MESSAGE_MAX_VALUES; a call with more is answered LimitsExceeded at
 * once, whatever its method or signature, and dropped before dispatch.
 * Each method's handler still checks its own, smaller limits (64 entries
 * a list, 512 bytes an entry).  With GLib before 2.76 the values of such
 * a message live in GSlice, which never gives memory back: autosshd runs
 * with G_SLICE=always-malloc (autosshd-main.c), and the memory is trimmed
 * here once the message is dropped.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <malloc.h>
#include <glib/gi18n.h>

#include "asd-message-guard.h"

/* Counts the values of @value into @count, stopping past the limit. */
static void
count_values (GVariant *value, gsize *count)
{
  gsize n;

  if (++*count > ASD_MESSAGE_MAX_VALUES || !g_variant_is_container (value))
    return;
  n = g_variant_n_children (value);
  if (n > ASD_MESSAGE_MAX_VALUES)
    {
      *count = n;
      return;
    }
  for (gsize i = 0; i < n && *count <= ASD_MESSAGE_MAX_VALUES; i++)
    {
      g_autoptr(GVariant) child = g_variant_get_child_value (value, i);

      count_values (child, count);
    }
}

/**
 * asd_message_guard_too_big:
 * @body: (nullable): a message's arguments
 *
 * Returns: whether @body holds more than ASD_MESSAGE_MAX_VALUES values
 */
gboolean
asd_message_guard_too_big (GVariant *body)
{
  gsize count = 0;

  if (body == NULL)
    return FALSE;
  count_values (body, &count);
  return count > ASD_MESSAGE_MAX_VALUES;
}

static gboolean
trim_memory (gpointer user_data)
{
  malloc_trim (0);
  return G_SOURCE_REMOVE;
}

static GDBusMessage *
filter (GDBusConnection *connection, GDBusMessage *message, gboolean incoming, gpointer user_data)
{
  g_autoptr(GDBusMessage) reply = NULL;
  g_autofree char *text = NULL;

  if (!incoming || g_dbus_message_get_message_type (message) != G_DBUS_MESSAGE_TYPE_METHOD_CALL ||
      !asd_message_guard_too_big (g_dbus_message_get_body (message)))
    return message;
  g_debug ("refused %s.%s from %s: more than %d values", g_dbus_message_get_interface (message),
           g_dbus_message_get_member (message), g_dbus_message_get_sender (message),
           ASD_MESSAGE_MAX_VALUES);
  text = g_strdup_printf (_("the call holds more than %d values (strings, entries, numbers)"),
                          ASD_MESSAGE_MAX_VALUES);
  if (!(g_dbus_message_get_flags (message) & G_DBUS_MESSAGE_FLAGS_NO_REPLY_EXPECTED))
    {
      reply = g_dbus_message_new_method_error_literal (message, "org.freedesktop.DBus.Error.LimitsExceeded", text);
      g_dbus_connection_send_message (connection, reply, G_DBUS_SEND_MESSAGE_FLAGS_NONE, NULL, NULL);
    }
  g_object_unref (message);
  /* GDBus lets go of the message once the filters have run: then give its
   * memory back (see use_malloc_for_slices() in autosshd-main.c) */
  g_timeout_add_seconds_full (G_PRIORITY_LOW, 1, trim_memory, NULL, NULL);
  return NULL;
}

/**
 * asd_message_guard_install:
 * @connection: the service's connection
 *
 * Refuses every method call with more than ASD_MESSAGE_MAX_VALUES values.
 */
void
asd_message_guard_install (GDBusConnection *connection)
{
  g_dbus_connection_add_filter (connection, filter, NULL, NULL);
}
