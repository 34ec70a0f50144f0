/* asd-autossh-log.c: the drop-in's log, as autossh 1.4g writes it
 *
 * Every message of the process, ours and GLib's, goes through one GLib log
 * writer: to AUTOSSH_LOGFILE as `YYYY/MM/DD HH:MM:SS autossh[PID]: text`
 * (local time, appended), or to syslog (LOG_USER, ident "autossh",
 * LOG_PID), keeping those at or below AUTOSSH_LOGLEVEL.  With
 * AUTOSSH_DEBUG and syslog, a copy goes to stderr too.
 *
 * The texts are autossh 1.4g's, untranslated: scripts read them.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "asd-autossh-log.h"
#include "asd-error.h"

/* The syslog priority travels with the message in this field. */
#define PRIORITY_FIELD "AUTOSSH_PRIORITY"

static FILE *log_file;
static gint log_level = LOG_INFO;
static gboolean log_to_stderr;

static gint
priority_of_level (GLogLevelFlags level)
{
  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
    return LOG_ERR;
  if (level & G_LOG_LEVEL_WARNING)
    return LOG_WARNING;
  if (level & G_LOG_LEVEL_MESSAGE)
    return LOG_NOTICE;
  if (level & G_LOG_LEVEL_INFO)
    return LOG_INFO;
  return LOG_DEBUG;
}

static void
write_line (FILE *stream, const char *message)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%Y/%m/%d %H:%M:%S");

  fprintf (stream, "%s autossh[%d]: %s\n", stamp, (int) getpid (), message);
  fflush (stream);
}

static GLogWriterOutput
log_writer (GLogLevelFlags   level,
            const GLogField *fields,
            gsize            n_fields,
            gpointer         user_data)
{
  const char *message = NULL;
  const char *domain = NULL;
  gint priority = priority_of_level (level);

  for (gsize i = 0; i < n_fields; i++)
    {
      if (g_strcmp0 (fields[i].key, "MESSAGE") == 0)
        message = fields[i].value;
      else if (g_strcmp0 (fields[i].key, "GLIB_DOMAIN") == 0)
        domain = fields[i].value;
      else if (g_strcmp0 (fields[i].key, PRIORITY_FIELD) == 0)
        priority = atoi (fields[i].value);
    }
  /* GLib's own chatter is no part of autossh's log; its warnings are */
  if (g_strcmp0 (domain, G_LOG_DOMAIN) != 0 && priority > LOG_WARNING)
    return G_LOG_WRITER_HANDLED;
  if (message == NULL || priority > log_level)
    return G_LOG_WRITER_HANDLED;

  if (log_file != NULL)
    write_line (log_file, message);
  else
    {
      syslog (priority, "%s", message);
      if (log_to_stderr)
        write_line (stderr, message);
    }
  return G_LOG_WRITER_HANDLED;
}

/**
 * asd_autossh_log_open:
 * @logfile: AUTOSSH_LOGFILE, or %NULL for syslog
 * @level: AUTOSSH_LOGLEVEL (0..7)
 * @debug: AUTOSSH_DEBUG is set
 * @error: return location for an error (the file cannot be opened)
 *
 * Sends every later log message of the process to the drop-in's log.
 */
gboolean
asd_autossh_log_open (const char *logfile, gint level, gboolean debug, GError **error)
{
  if (logfile != NULL)
    {
      log_file = fopen (logfile, "ae");
      if (log_file == NULL)
        {
          int saved_errno = errno;
          g_set_error (error, ASD_ERROR, ASD_ERROR_INVALID_SETTINGS,
                       "AUTOSSH_LOGFILE “%s”: %s", logfile, g_strerror (saved_errno));
          return FALSE;
        }
    }
  else
    openlog ("autossh", LOG_PID, LOG_USER);

  log_level = level;
  log_to_stderr = debug;
  g_log_set_writer_func (log_writer, NULL, NULL);
  return TRUE;
}

/**
 * asd_autossh_log:
 * @priority: a syslog priority (LOG_ERR, LOG_INFO, ...)
 * @format: printf() format of the message
 *
 * Logs one message at a syslog priority.
 */
void
asd_autossh_log (gint priority, const char *format, ...)
{
  g_autofree char *message = NULL;
  char priority_text[4];
  va_list args;
  GLogField fields[] = {
    { "MESSAGE", NULL, -1 },
    { PRIORITY_FIELD, priority_text, -1 },
    { "GLIB_DOMAIN", G_LOG_DOMAIN, -1 },
  };

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_snprintf (priority_text, sizeof priority_text, "%d", priority);
  fields[0].value = message;
  g_log_structured_array (priority <= LOG_NOTICE ? G_LOG_LEVEL_MESSAGE
                          : priority <= LOG_INFO ? G_LOG_LEVEL_INFO
                          : G_LOG_LEVEL_DEBUG,
                          fields, G_N_ELEMENTS (fields));
}
