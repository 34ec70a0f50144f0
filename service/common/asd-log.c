/* asd-log.c: the log of whichever program links the common library
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include "asd-log.h"

const char *asd_log_domain = "autosshd";

/**
 * asd_log_set_domain:
 * @domain: (not nullable): the program's log domain, a static string
 */
void
asd_log_set_domain (const char *domain)
{
  asd_log_domain = domain;
}

static const char *
priority_of (GLogLevelFlags level)
{
  if (level & (G_LOG_LEVEL_ERROR | G_LOG_FLAG_FATAL))
    return "3";
  if (level & (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING))
    return "4";
  if (level & G_LOG_LEVEL_MESSAGE)
    return "5";
  if (level & G_LOG_LEVEL_INFO)
    return "6";
  return "7";
}

static void
log_line (const char *tunnel, GLogLevelFlags level, const char *message)
{
  GLogField fields[4];
  gsize n = 0;

  fields[n++] = (GLogField) { "GLIB_DOMAIN", asd_log_domain, -1 };
  fields[n++] = (GLogField) { "PRIORITY", priority_of (level), -1 };
  fields[n++] = (GLogField) { "MESSAGE", message, -1 };
  if (tunnel != NULL)
    fields[n++] = (GLogField) { "TUNNEL", tunnel, -1 };
  g_log_structured_array (level, fields, n);
}

/**
 * asd_log_tunnel:
 * @tunnel: (nullable): the tunnel the line is about
 * @level: its level
 * @format: printf() format of the message
 *
 * Logs one line in the program's domain, with a TUNNEL field when
 * @tunnel is given.
 */
void
asd_log_tunnel (const char *tunnel, GLogLevelFlags level, const char *format, ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  log_line (tunnel, level, message);
}

/**
 * asd_log_limited:
 * @limit: the kind of fault
 * @interval_s: at most one line per this many seconds
 * @level: its level
 * @format: printf() format of the message
 *
 * Logs one line in the program's domain, unless a line of @limit was
 * logged less than @interval_s ago: then the line is only counted, and
 * the next line logged says how many were left out.
 */
void
asd_log_limited (AsdLogLimit *limit, guint interval_s, GLogLevelFlags level, const char *format, ...)
{
  gint64 now = g_get_monotonic_time ();
  g_autofree char *message = NULL;
  g_autofree char *counted = NULL;
  va_list args;

  if (limit->next != 0 && now < limit->next)
    {
      if (limit->dropped < G_MAXUINT)
        limit->dropped++;
      return;
    }
  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  if (limit->dropped > 0)
    counted = g_strdup_printf ("%s (and %u more like it, not logged, since the last such line)",
                               message, limit->dropped);
  log_line (NULL, level, counted != NULL ? counted : message);
  limit->dropped = 0;
  limit->next = now + (gint64) interval_s * G_USEC_PER_SEC;
}
