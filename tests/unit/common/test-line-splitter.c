/* Unit tests of asd-line-splitter: bounded, valid lines from hostile bytes.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <string.h>

#include "asd-line-splitter.h"

static void
collect (const char *line, gpointer user_data)
{
  g_ptr_array_add (user_data, g_strdup (line));
}

/* Feeds @data in pieces of @piece bytes and returns the lines. */
static GPtrArray *
split (const char *data, gsize length, gsize max_line, gsize piece)
{
  GPtrArray *lines = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(AsdLineSplitter) splitter = asd_line_splitter_new (max_line, collect, lines);

  for (gsize at = 0; at < length; at += piece)
    asd_line_splitter_feed (splitter, data + at, MIN (piece, length - at));
  asd_line_splitter_finish (splitter);
  g_ptr_array_add (lines, NULL);
  return lines;
}

static void
test_lines (void)
{
  const char data[] = "one\r\ntwo\n\nlast";
  const char *want[] = { "one", "two", "", "last", NULL };

  /* however the bytes arrive */
  for (gsize piece = 1; piece <= sizeof data; piece++)
    {
      g_autoptr(GPtrArray) lines = split (data, sizeof data - 1, 64, piece);

      g_assert_cmpstrv ((char **) lines->pdata, want);
    }
}

static void
test_cut (void)
{
  g_autofree char *long_line = g_strnfill (100000, 'x');
  g_autofree char *data = g_strconcat ("short\n", long_line, "\nafter\n", NULL);
  g_autofree char *cut = g_strconcat ("xxxxxxxxxx", ASD_LINE_CUT_MARK, NULL);
  const char *want[] = { "short", cut, "after", NULL };

  for (gsize piece = 1; piece <= 4096; piece *= 4)
    {
      g_autoptr(GPtrArray) lines = split (data, strlen (data), 10, piece);

      g_assert_cmpstrv ((char **) lines->pdata, want);
    }
}

static void
test_exactly_max (void)
{
  const char *want[] = { "0123456789", "ab", NULL };
  g_autoptr(GPtrArray) lines = split ("0123456789\nab", 13, 10, 3);

  g_assert_cmpstrv ((char **) lines->pdata, want);
}

static void
test_invalid_bytes (void)
{
  const char data[] = "a\0b\xff\xfe c\n\xe2\x82";   /* NUL, invalid, truncated UTF-8 */
  g_autoptr(GPtrArray) lines = split (data, sizeof data - 1, 64, 2);

  g_assert_cmpuint (lines->len, ==, 3);
  for (guint i = 0; i + 1 < lines->len; i++)
    g_assert_true (g_utf8_validate (lines->pdata[i], -1, NULL));
  g_assert_cmpstr (lines->pdata[0], ==, "a?b\xef\xbf\xbd\xef\xbf\xbd c");
  g_assert_cmpstr (lines->pdata[1], ==, "\xef\xbf\xbd\xef\xbf\xbd");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/line-splitter/lines", test_lines);
  g_test_add_func ("/line-splitter/cut", test_cut);
  g_test_add_func ("/line-splitter/exactly-max", test_exactly_max);
  g_test_add_func ("/line-splitter/invalid-bytes", test_invalid_bytes);
  return g_test_run ();
}
