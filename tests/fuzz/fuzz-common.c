/* fuzz-common.c: what the fuzz targets share, see fuzz-common.h
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "fuzz-common.h"

static GLogWriterOutput
fuzz_log_writer (GLogLevelFlags   log_level,
                 const GLogField *fields,
                 gsize            n_fields,
                 gpointer         user_data)
{
  if (log_level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING))
    {
      g_log_writer_standard_streams (log_level, fields, n_fields, user_data);
      fprintf (stderr, "fuzz: a GLib critical or warning is a bug: aborting\n");
      abort ();
    }
  return G_LOG_WRITER_HANDLED;
}

/* Once per process: criticals and warnings abort (see above). */
void
fuzz_init (void)
{
  static gboolean done = FALSE;

  if (done)
    return;
  done = TRUE;
  g_log_set_writer_func (fuzz_log_writer, NULL, NULL);
}

/* Splits @data at NUL bytes (and at newlines with @at_newlines) into at
 * most FUZZ_MAX_ITEMS strings; the rest of the input is dropped.  Two
 * separators in a row make an empty string; a trailing one makes none.
 * Free with g_strfreev(). */
char **
fuzz_split (const uint8_t *data, size_t size, gboolean at_newlines)
{
  GPtrArray *items = g_ptr_array_new ();
  size_t start = 0;

  for (size_t i = 0; i < size && items->len < FUZZ_MAX_ITEMS; i++)
    if (data[i] == '\0' || (at_newlines && data[i] == '\n'))
      {
        g_ptr_array_add (items, g_strndup ((const char *) data + start, i - start));
        start = i + 1;
      }
  if (start < size && items->len < FUZZ_MAX_ITEMS)
    g_ptr_array_add (items, g_strndup ((const char *) data + start, size - start));
  g_ptr_array_add (items, NULL);
  return (char **) g_ptr_array_free (items, FALSE);
}

/* The path of a file @name in a directory of the process's own, made once
 * in $TMPDIR (or /tmp) and removed at exit with the file.  The first
 * call's @name counts. */
static char *fuzz_dir;
static char *fuzz_file;

static void
fuzz_tmp_cleanup (void)
{
  if (fuzz_file != NULL)
    g_unlink (fuzz_file);
  if (fuzz_dir != NULL)
    g_rmdir (fuzz_dir);
  g_clear_pointer (&fuzz_file, g_free);
  g_clear_pointer (&fuzz_dir, g_free);
}

const char *
fuzz_tmp_file (const char *name)
{
  if (fuzz_file == NULL)
    {
      g_autoptr(GError) error = NULL;

      fuzz_dir = g_dir_make_tmp ("asd-fuzz-XXXXXX", &error);
      if (fuzz_dir == NULL)
        {
          fprintf (stderr, "fuzz: cannot make a temporary directory: %s\n", error->message);
          abort ();
        }
      fuzz_file = g_build_filename (fuzz_dir, name, NULL);
      atexit (fuzz_tmp_cleanup);
    }
  return fuzz_file;
}
