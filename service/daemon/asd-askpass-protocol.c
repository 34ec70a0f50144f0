/* asd-askpass-protocol.c: the server's reading of a request
 *
 * A pure function, apart from the socket, so that the fuzz target
 * (tests/fuzz/fuzz-askpass-protocol.c) runs what the server runs.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <string.h>

#include "asd-askpass-protocol.h"

/**
 * asd_askpass_request_parse:
 * @data: (array length=size): a whole request, "TOKEN\nPROMPT"
 * @size: its length
 * @token_length: (out): the token's length: the token is the first
 *   @token_length bytes of @data, the prompt all after the newline
 *
 * Returns: whether @data is a request: at most %ASD_ASKPASS_MAX_REQUEST
 *   bytes, a newline after the token, no NUL byte, a UTF-8 prompt (ssh's
 *   prompts are; what is not could not be matched or shown)
 */
gboolean
asd_askpass_request_parse (const guint8 *data, gsize size, gsize *token_length)
{
  const guint8 *newline;
  const char *prompt;

  if (size == 0 || size > ASD_ASKPASS_MAX_REQUEST || memchr (data, '\0', size) != NULL)
    return FALSE;
  newline = memchr (data, '\n', size);
  if (newline == NULL)
    return FALSE;
  prompt = (const char *) newline + 1;
  if (!g_utf8_validate_len (prompt, size - (prompt - (const char *) data), NULL))
    return FALSE;
  *token_length = newline - data;
  return TRUE;
}
