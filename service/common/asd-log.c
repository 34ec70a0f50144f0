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
  GLogField fields[4];
  gsize n = 0;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  fields[n++] = (GLogField) { "GLIB_DOMAIN", asd_log_domain, -1 };
  fields[n++] = (GLogField) { "PRIORITY", priority_of (level), -1 };
  fields[n++] = (GLogField) { "MESSAGE", message, -1 };
  if (tunnel != NULL)
    fields[n++] = (GLogField) { "TUNNEL", tunnel, -1 };
  g_log_structured_array (level, fields, n);
}
