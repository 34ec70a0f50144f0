/* fuzz-ssh-messages.c: ssh's stderr, as the supervisor reads it
 *
 * The input is what ssh (and through it the server's banner) writes to
 * stderr.  It is classified as one line (up to its first NUL byte), as
 * asd_ssh_message_classify() would get it from a careless caller; and it
 * goes through an AsdLineSplitter (ASD_LINE_MAX) whose every line is
 * classified, as the supervisor does.  The runner gives inputs up to
 * 256 KiB and fails an input that takes more than 10 s: the matcher must
 * stay linear.  Checks the splitter's promises: every line is valid UTF-8
 * without NUL or newline, at most ASD_LINE_MAX bytes before the cut mark
 * (each byte made at most 3 by U+FFFD), and feeding the input in pieces
 * gives the same lines as feeding it at once.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "fuzz-common.h"

#include "asd-line-splitter.h"
#include "asd-ssh-messages.h"

static void
check_message (const AsdSshMessage *message)
{
  FUZZ_CHECK ((guint) message->event <= ASD_SSH_EVENT_FAILURE);
  FUZZ_CHECK ((guint) message->failure <= ASD_SSH_FAILURE_HOST_NOT_FOUND);
  FUZZ_CHECK ((message->event == ASD_SSH_EVENT_FAILURE) == (message->failure != ASD_SSH_FAILURE_NONE));
  FUZZ_CHECK (message->event == ASD_SSH_EVENT_FAILURE || message->detail == NULL);
}

static void
on_line (const char *line, gpointer user_data)
{
  GPtrArray *lines = user_data;
  g_auto(AsdSshMessage) message = { 0, };
  gsize length = strlen (line);

  FUZZ_CHECK (g_utf8_validate (line, -1, NULL));
  FUZZ_CHECK (strchr (line, '\n') == NULL);
  FUZZ_CHECK (length <= 3 * ASD_LINE_MAX + strlen (ASD_LINE_CUT_MARK));
  asd_ssh_message_classify (line, &message);
  check_message (&message);
  if (lines != NULL)
    g_ptr_array_add (lines, g_strdup (line));
}

/* The lines of @data fed in pieces of @piece bytes. */
static GPtrArray *
split (const uint8_t *data, size_t size, size_t piece)
{
  GPtrArray *lines = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(AsdLineSplitter) splitter = asd_line_splitter_new (ASD_LINE_MAX, on_line, lines);

  for (size_t done = 0; done < size; done += piece)
    asd_line_splitter_feed (splitter, (const char *) data + done, MIN (piece, size - done));
  asd_line_splitter_finish (splitter);
  return lines;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *line = g_strndup ((const char *) data, size);
  g_auto(AsdSshMessage) message = { 0, };
  g_autoptr(GPtrArray) whole = NULL;
  g_autoptr(GPtrArray) pieces = NULL;

  fuzz_init ();

  asd_ssh_message_classify (line, &message);
  check_message (&message);
  /* the detail already there is freed */
  asd_ssh_message_classify (line, &message);
  check_message (&message);

  whole = split (data, size, MAX (size, 1));
  /* pieces of 1..64 bytes, from the first byte */
  pieces = split (data, size, size > 0 ? (size_t) (data[0] % 64) + 1 : 1);
  FUZZ_CHECK (whole->len == pieces->len);
  for (guint i = 0; i < whole->len; i++)
    FUZZ_CHECK (strcmp (whole->pdata[i], pieces->pdata[i]) == 0);
  return 0;
}
