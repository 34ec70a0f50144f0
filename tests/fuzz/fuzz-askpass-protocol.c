/* fuzz-askpass-protocol.c: a request to the askpass socket, as the server reads it
 *
 * The input is what a client of the service's askpass socket sends before
 * it closes its side: "TOKEN\nPROMPT" from autosshd-askpass, or anything
 * from another process of the user's.  asd_askpass_request_parse() is the
 * server's own reading of it (asd-askpass-server.c calls it on the bytes
 * read).  Checks its promises: a request it takes is at most
 * ASD_ASKPASS_MAX_REQUEST bytes without a NUL byte, its token ends at the
 * first newline, and its prompt is UTF-8 (the handler puts it in reasons
 * on the bus); and it takes every input that keeps them.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "fuzz-common.h"

#include "asd-askpass-protocol.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const uint8_t *newline = size > 0 ? memchr (data, '\n', size) : NULL;
  gboolean well_formed;
  gsize token_length = G_MAXSIZE;
  gboolean taken;

  fuzz_init ();

  well_formed = size > 0 && size <= ASD_ASKPASS_MAX_REQUEST && newline != NULL &&
                memchr (data, '\0', size) == NULL &&
                g_utf8_validate_len ((const char *) newline + 1, size - (newline + 1 - data), NULL);
  taken = asd_askpass_request_parse (data, size, &token_length);
  FUZZ_CHECK (taken == well_formed);
  if (!taken)
    {
      FUZZ_CHECK (token_length == G_MAXSIZE);   /* untouched */
      return 0;
    }
  FUZZ_CHECK (token_length < size);
  FUZZ_CHECK (data + token_length == newline);
  {
    /* what the server makes of it: two strings, the same bytes */
    g_autofree char *token = g_strndup ((const char *) data, token_length);
    g_autofree char *prompt = g_strndup ((const char *) data + token_length + 1, size - token_length - 1);

    FUZZ_CHECK (strlen (token) == token_length);
    FUZZ_CHECK (strlen (prompt) == size - token_length - 1);
    FUZZ_CHECK (g_utf8_validate (prompt, -1, NULL));
  }
  return 0;
}
