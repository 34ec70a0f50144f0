/* asd-askpass-protocol.h: between ssh's askpass helper and the service
 *
 * The helper connects to the service's socket (a path in
 * AUTOSSHD_ASKPASS_SOCKET, under $XDG_RUNTIME_DIR, reachable only by the
 * user), writes "TOKEN\n" and ssh's prompt, and closes its side.  The
 * service answers "OK\n" and the secret, or "NO\n" and why, and closes.
 * TOKEN (AUTOSSHD_ASKPASS_TOKEN) is made for one start of ssh and dies
 * with it; each prompt of that start is answered once.
 *
 * A request is at most ASD_ASKPASS_MAX_REQUEST bytes (ssh's longest
 * prompt, a host key question, is well under 1 KiB; a key's path may be
 * up to PATH_MAX), has no NUL byte, and its prompt is UTF-8:
 * asd_askpass_request_parse() is the server's reading of it.  An answer
 * is at most ASD_ASKPASS_MAX_MESSAGE bytes.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>

#define ASD_ASKPASS_SOCKET_ENV "AUTOSSHD_ASKPASS_SOCKET"
#define ASD_ASKPASS_TOKEN_ENV  "AUTOSSHD_ASKPASS_TOKEN"
#define ASD_ASKPASS_MAX_MESSAGE (64 * 1024)
#define ASD_ASKPASS_MAX_REQUEST (16 * 1024)
#define ASD_ASKPASS_YES "OK\n"
#define ASD_ASKPASS_NO  "NO\n"

/* The server's side only (libasd-daemon); the helper links nothing of ours. */
gboolean asd_askpass_request_parse (const guint8 *data,
                                    gsize         size,
                                    gsize        *token_length);
