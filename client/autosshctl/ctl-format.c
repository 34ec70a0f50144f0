/* ctl-format.c: durations, times and tables for people
 *
 * Durations keep the two largest units ("2 min 13 s", "1 h 5 min",
 * "3 d 4 h"); times are local ("2026-05-01 14:03:59"); tables are
 * left-aligned columns two spaces apart, the last one not padded, widths
 * counted in characters so translated and non-ASCII text lines up; to fit
 * a terminal, the columns made shrinkable are cut short with "…".
 * Reasons are made from StateReasonCode and StateReasonDetails in the
 * reader's locale, so a German user reads German from an English service.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "asd-reason.h"
#include "ctl-format.h"

/**
 * ctl_format_duration:
 * @usec: a duration in µs; negative counts as 0
 *
 * Returns: (transfer full): e.g. "0.3 s" (under a second), "45 s",
 *   "2 min 13 s", "1 h 5 min", "3 d 4 h"
 */
char *
ctl_format_duration (gint64 usec)
{
  guint64 s = usec > 0 ? (guint64) usec / G_USEC_PER_SEC : 0;

  if (usec > 0 && s == 0)
    return g_strdup_printf (_("%.1f s"), MAX (usec / 100000, 1) / 10.0);
  if (s < 60)
    return g_strdup_printf (_("%u s"), (guint) s);
  if (s < 3600)
    return g_strdup_printf (_("%u min %u s"), (guint) (s / 60), (guint) (s % 60));
  if (s < 86400)
    return g_strdup_printf (_("%u h %u min"), (guint) (s / 3600), (guint) (s % 3600 / 60));
  return g_strdup_printf (_("%u d %u h"), (guint) (s / 86400), (guint) (s % 86400 / 3600));
}

/**
 * ctl_format_time:
 * @usec_since_epoch: a time
 *
 * Returns: (transfer full): the local time, "YYYY-MM-DD HH:MM:SS"
 */
char *
ctl_format_time (gint64 usec_since_epoch)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_local (usec_since_epoch / G_USEC_PER_SEC);

  if (time == NULL)
    return g_strdup ("?");
  return g_date_time_format (time, "%Y-%m-%d %H:%M:%S");
}

/**
 * ctl_format_when:
 * @usec_since_epoch: a time
 * @now_usec: now
 *
 * Returns: (transfer full): the time and how far it is from now, e.g.
 *   "2026-05-01 14:03:59 (in 5 s)" or "2026-05-01 14:01:46 (2 min 13 s ago)"
 */
char *
ctl_format_when (gint64 usec_since_epoch, gint64 now_usec)
{
  g_autofree char *time = ctl_format_time (usec_since_epoch);
  g_autofree char *distance = NULL;

  if (usec_since_epoch >= now_usec)
    {
      distance = ctl_format_duration (usec_since_epoch - now_usec);
      /* TRANSLATORS: a time, and how long until it comes */
      return g_strdup_printf (_("%s (in %s)"), time, distance);
    }
  distance = ctl_format_duration (now_usec - usec_since_epoch);
  /* TRANSLATORS: a time, and how long ago it was */
  return g_strdup_printf (_("%s (%s ago)"), time, distance);
}

struct _CtlTable
{
  guint n_columns;
  GPtrArray *rows;     /* of GStrv; the first is the header */
  glong *min_widths;   /* per column: how narrow it may get; 0 = never shrinks */
  GArray *shrink_order;  /* of guint: the shrinkable columns, first to shrink first */
};

/**
 * ctl_table_new:
 * @header: the column titles, %NULL-terminated
 *
 * Returns: (transfer full): a table whose first row is @header
 */
CtlTable *
ctl_table_new (const char * const *header)
{
  CtlTable *table = g_new0 (CtlTable, 1);

  table->n_columns = g_strv_length ((char **) header);
  table->rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  table->min_widths = g_new0 (glong, table->n_columns);
  table->shrink_order = g_array_new (FALSE, FALSE, sizeof (guint));
  ctl_table_add_row (table, header);
  return table;
}

/**
 * ctl_table_add_row:
 * @table: a table
 * @cells: as many cells as the header has (missing ones are empty, extra
 *   ones ignored), %NULL-terminated
 */
void
ctl_table_add_row (CtlTable *table, const char * const *cells)
{
  char **row = g_new0 (char *, table->n_columns + 1);
  gboolean ended = FALSE;

  for (guint i = 0; i < table->n_columns; i++)
    {
      ended = ended || cells[i] == NULL;
      row[i] = g_strdup (ended ? "" : cells[i]);
      g_strdelimit (row[i], "\n\t", ' ');
    }
  g_ptr_array_add (table->rows, row);
}

/**
 * ctl_table_set_shrinkable:
 * @table: a table
 * @column: a column
 * @min_width: the fewest characters it keeps (at least 2, and never
 *   fewer than its title: titles are not cut)
 *
 * Lets @column's cells be cut short, ending in "…", when the table is
 * wider than ctl_table_to_string_full()'s limit.  Columns shrink in the
 * order they were made shrinkable, each down to @min_width before the
 * next one shrinks.
 */
void
ctl_table_set_shrinkable (CtlTable *table, guint column, guint min_width)
{
  char **header = g_ptr_array_index (table->rows, 0);

  g_return_if_fail (column < table->n_columns);

  table->min_widths[column] = MAX (MAX (min_width, 2), g_utf8_strlen (header[column], -1));
  g_array_append_val (table->shrink_order, column);
}

/* Each column as wide as its widest cell, from row @first on. */
static glong *
natural_widths (CtlTable *table, guint first)
{
  glong *widths = g_new0 (glong, table->n_columns);

  for (guint r = first; r < table->rows->len; r++)
    {
      char **row = g_ptr_array_index (table->rows, r);

      for (guint c = 0; c < table->n_columns; c++)
        widths[c] = MAX (widths[c], g_utf8_strlen (row[c], -1));
    }
  return widths;
}

/* Narrows the shrinkable columns until a line fits @max_width, or
 * none can give more. */
static void
fit_widths (CtlTable *table, glong *widths, glong max_width)
{
  glong total = 2 * ((glong) table->n_columns - 1);

  for (guint c = 0; c < table->n_columns; c++)
    total += widths[c];
  for (guint i = 0; i < table->shrink_order->len && total > max_width; i++)
    {
      guint c = g_array_index (table->shrink_order, guint, i);
      glong cut = MIN (total - max_width, widths[c] - table->min_widths[c]);

      if (cut <= 0)
        continue;
      widths[c] -= cut;
      total -= cut;
    }
}

/* Appends @cell, cut to @width characters with "…" when longer. */
static void
append_cell (GString *out, const char *cell, glong width)
{
  g_autofree char *head = NULL;

  if (g_utf8_strlen (cell, -1) <= width)
    {
      g_string_append (out, cell);
      return;
    }
  head = g_utf8_substring (cell, 0, width - 1);
  g_string_append (out, head);
  g_string_append (out, "…");
}

/**
 * ctl_table_to_string_full:
 * @table: a table
 * @max_width: the longest a line may be, in characters (shrinkable
 *   columns are cut short to fit); 0 for no limit
 * @legend: whether the header is shown
 *
 * Returns: (transfer full): every row on its own line
 */
char *
ctl_table_to_string_full (CtlTable *table, guint max_width, gboolean legend)
{
  guint first = legend ? 0 : 1;
  g_autofree glong *widths = natural_widths (table, first);
  GString *out = g_string_new (NULL);

  if (max_width > 0)
    fit_widths (table, widths, max_width);
  for (guint r = first; r < table->rows->len; r++)
    {
      char **row = g_ptr_array_index (table->rows, r);
      gsize line_start = out->len;

      for (guint c = 0; c < table->n_columns; c++)
        {
          append_cell (out, row[c], widths[c]);
          if (c + 1 < table->n_columns)
            for (glong pad = MIN (g_utf8_strlen (row[c], -1), widths[c]); pad < widths[c] + 2; pad++)
              g_string_append_c (out, ' ');
        }
      while (out->len > line_start && out->str[out->len - 1] == ' ')
        g_string_truncate (out, out->len - 1);
      g_string_append_c (out, '\n');
    }
  return g_string_free (out, FALSE);
}

/**
 * ctl_table_to_string:
 * @table: a table
 *
 * Returns: (transfer full): every row on its own line, header first,
 *   nothing cut short
 */
char *
ctl_table_to_string (CtlTable *table)
{
  return ctl_table_to_string_full (table, 0, TRUE);
}

void
ctl_table_free (CtlTable *table)
{
  g_ptr_array_unref (table->rows);
  g_free (table->min_widths);
  g_array_unref (table->shrink_order);
  g_free (table);
}

/**
 * ctl_format_reason:
 * @code: (nullable): a StateReasonCode from the bus; "" or %NULL from a
 *   service older than reason codes
 * @details: (nullable): its StateReasonDetails, an a{sv}
 * @fallback: (nullable): the service's own words (StateReason, or a
 *   signal's reason), for when there is no code
 *
 * Returns: (transfer full): why, for people, in the reader's locale: made
 *   from the code and its details (a code this build does not know is
 *   named as a failure), else @fallback
 */
char *
ctl_format_reason (const char *code, GVariant *details, const char *fallback)
{
  if (code == NULL || code[0] == '\0')
    return g_strdup (fallback != NULL ? fallback : "");
  if (details != NULL && !g_variant_is_of_type (details, G_VARIANT_TYPE_VARDICT))
    details = NULL;
  return asd_reason_describe_code (code, details);
}

/**
 * ctl_format_config_error:
 * @config_error: (nullable): a ConfigError, (sus): file, line, message
 *
 * Returns: (transfer full): "FILE:LINE: MESSAGE", "FILE: MESSAGE" for the
 *   whole file (line 0), or just the message without a file
 */
char *
ctl_format_config_error (GVariant *config_error)
{
  const char *file = "", *message = "";
  guint32 line = 0;

  if (config_error != NULL && g_variant_is_of_type (config_error, G_VARIANT_TYPE ("(sus)")))
    g_variant_get (config_error, "(&su&s)", &file, &line, &message);
  if (file[0] == '\0')
    return g_strdup (message);
  if (line == 0)
    return g_strdup_printf ("%s: %s", file, message);
  return g_strdup_printf ("%s:%u: %s", file, line, message);
}
