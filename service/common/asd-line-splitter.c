/* asd-line-splitter.c: bounded lines out of a byte stream from outside
 *
 * ssh's stderr carries the server's banner too, which anyone who runs a
 * server can fill with anything.  So the reader never keeps more than one
 * line's worth of bytes: a line longer than the bound is handed on cut
 * (ending in ASD_LINE_CUT_MARK) and the rest of it is dropped up to its
 * newline.  Every line handed on is valid UTF-8 without NUL bytes, and
 * without its "\n" (a "\r" before it is dropped too).
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <string.h>

#include "asd-line-splitter.h"

struct _AsdLineSplitter
{
  GString *line;
  gsize max_line;
  gboolean skipping;             /* the rest of a cut line, up to "\n" */
  AsdLineFunc func;
  gpointer user_data;
};

/**
 * asd_line_splitter_new:
 * @max_line: the longest line handed on, in bytes (> 0)
 * @func: called with each line
 * @user_data: for @func
 *
 * Returns: (transfer full): a splitter; free with asd_line_splitter_free()
 */
AsdLineSplitter *
asd_line_splitter_new (gsize max_line, AsdLineFunc func, gpointer user_data)
{
  AsdLineSplitter *self = g_new0 (AsdLineSplitter, 1);

  g_return_val_if_fail (max_line > 0, NULL);

  self->line = g_string_sized_new (MIN (max_line, 256) + 1);
  self->max_line = max_line;
  self->func = func;
  self->user_data = user_data;
  return self;
}

void
asd_line_splitter_free (AsdLineSplitter *self)
{
  if (self == NULL)
    return;
  g_string_free (self->line, TRUE);
  g_free (self);
}

static void
hand_on (AsdLineSplitter *self, gboolean cut)
{
  g_autofree char *valid = NULL;

  if (!cut && self->line->len > 0 && self->line->str[self->line->len - 1] == '\r')
    g_string_truncate (self->line, self->line->len - 1);
  for (gsize i = 0; i < self->line->len; i++)
    if (self->line->str[i] == '\0')
      self->line->str[i] = '?';
  if (cut)
    g_string_append (self->line, ASD_LINE_CUT_MARK);
  valid = g_utf8_make_valid (self->line->str, self->line->len);
  self->func (valid, self->user_data);
  g_string_truncate (self->line, 0);
}

/**
 * asd_line_splitter_feed:
 * @self: a splitter
 * @data: the next bytes of the stream
 * @length: how many
 *
 * Hands on every line that @data completes (and a cut one for every line
 * that grows past the bound).
 */
void
asd_line_splitter_feed (AsdLineSplitter *self, const char *data, gsize length)
{
  while (length > 0)
    {
      const char *newline = memchr (data, '\n', length);
      gsize take = newline != NULL ? (gsize) (newline - data) : length;

      if (!self->skipping)
        {
          gsize room = self->max_line - self->line->len;

          g_string_append_len (self->line, data, MIN (take, room));
          if (take > room)
            {
              hand_on (self, TRUE);
              self->skipping = TRUE;
            }
        }
      if (newline == NULL)
        return;
      if (self->skipping)
        self->skipping = FALSE;
      else
        hand_on (self, FALSE);
      data = newline + 1;
      length -= take + 1;
    }
}

/**
 * asd_line_splitter_finish:
 * @self: a splitter
 *
 * The stream has ended: hands on its last line if it had no newline.
 */
void
asd_line_splitter_finish (AsdLineSplitter *self)
{
  if (!self->skipping && self->line->len > 0)
    hand_on (self, FALSE);
  self->skipping = FALSE;
  g_string_truncate (self->line, 0);
}
