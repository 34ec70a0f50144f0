/* fuzz-mux-reply.c: what a ssh control master sends, as the daemon reads it
 *
 * The input is the byte stream read from a control socket
 * (asd-mux-client.c): packets, each a length (asd_mux_packet_length())
 * and a body (asd_mux_reply_parse()), read one after the other as the
 * client does, until the bytes run out or a packet is refused.  Checks
 * the promises: no body longer than ASD_MUX_PACKET_MAX or shorter than
 * its type is read; a reply taken has a type of the protocol's; a reason
 * is present exactly for FAILURE and PERMISSION_DENIED, and is valid
 * UTF-8 without control characters (it goes into errors on the bus).
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "fuzz-common.h"

#include "asd-mux-packet.h"

static void
check_reply (const AsdMuxReply *reply)
{
  gboolean has_reason = reply->type == ASD_MUX_S_FAILURE ||
                        reply->type == ASD_MUX_S_PERMISSION_DENIED;

  FUZZ_CHECK (reply->type == ASD_MUX_MSG_HELLO ||
              (reply->type >= ASD_MUX_S_OK && reply->type <= ASD_MUX_S_TTY_ALLOC_FAIL));
  FUZZ_CHECK ((reply->reason != NULL) == has_reason);
  if (reply->reason == NULL)
    return;
  FUZZ_CHECK (g_utf8_validate (reply->reason, -1, NULL));
  for (const char *c = reply->reason; *c != '\0'; c++)
    FUZZ_CHECK ((guchar) *c >= 0x20 && *c != 0x7f);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  fuzz_init ();

  while (size >= 4)
    {
      g_auto(AsdMuxReply) reply = { 0, };
      g_autoptr(GError) error = NULL;
      gsize length = 0;

      if (!asd_mux_packet_length (data, &length, &error))
        {
          FUZZ_CHECK (error != NULL);
          return 0;
        }
      FUZZ_CHECK (length >= 4 && length <= ASD_MUX_PACKET_MAX);
      data += 4;
      size -= 4;
      if (length > size)
        return 0;                       /* the client waits for the rest */
      if (!asd_mux_reply_parse (data, length, &reply, &error))
        {
          FUZZ_CHECK (error != NULL && reply.reason == NULL);
          return 0;
        }
      check_reply (&reply);
      data += length;
      size -= length;
    }
  return 0;
}
