/* asd-mux-packet.h: OpenSSH's multiplexing protocol, packets in and out
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* PROTOCOL.mux, "Protocol numbers" */
#define ASD_MUX_MSG_HELLO            0x00000001u
#define ASD_MUX_C_ALIVE_CHECK        0x10000004u
#define ASD_MUX_C_OPEN_FWD           0x10000006u
#define ASD_MUX_C_CLOSE_FWD          0x10000007u
#define ASD_MUX_C_NEW_STDIO_FWD      0x10000008u
#define ASD_MUX_S_OK                 0x80000001u
#define ASD_MUX_S_PERMISSION_DENIED  0x80000002u
#define ASD_MUX_S_FAILURE            0x80000003u
#define ASD_MUX_S_EXIT_MESSAGE       0x80000004u
#define ASD_MUX_S_ALIVE              0x80000005u
#define ASD_MUX_S_SESSION_OPENED     0x80000006u
#define ASD_MUX_S_REMOTE_PORT        0x80000007u
#define ASD_MUX_S_TTY_ALLOC_FAIL     0x80000008u

#define ASD_MUX_VERSION              4
/* a port that names a Unix socket path instead ((u_int) -2) */
#define ASD_MUX_PORT_STREAMLOCAL     0xfffffffeu
/* The longest packet body read from a master: its replies are a few
 * words and a reason of a line or so. */
#define ASD_MUX_PACKET_MAX           4096

typedef enum {
  ASD_MUX_FORWARD_LOCAL = 1,
  ASD_MUX_FORWARD_REMOTE = 2,
  ASD_MUX_FORWARD_DYNAMIC = 3,
} AsdMuxForwardKind;

/* A forward as MUX_C_OPEN_FWD and MUX_C_CLOSE_FWD carry it. */
typedef struct {
  AsdMuxForwardKind kind;
  char *listen_host;             /* "" for ssh's default */
  guint32 listen_port;           /* or ASD_MUX_PORT_STREAMLOCAL: listen_host is a path */
  char *connect_host;            /* "" for a dynamic forward */
  guint32 connect_port;          /* or ASD_MUX_PORT_STREAMLOCAL */
} AsdMuxForward;

/* A master's packet: the fields PROTOCOL.mux gives each type. */
typedef struct {
  guint32 type;
  guint32 id;                    /* client request id, session id, or HELLO's version */
  guint32 value;                 /* pid, session id, remote port, exit value; else 0 */
  char *reason;                  /* of PERMISSION_DENIED and FAILURE (valid UTF-8), else NULL */
} AsdMuxReply;

gboolean asd_mux_forward_parse (AsdMuxForwardKind  kind,
                                const char        *spec,
                                AsdMuxForward     *forward,
                                GError           **error);
gboolean asd_mux_forward_kind_from_string (const char        *kind,
                                           AsdMuxForwardKind *out);
void     asd_mux_forward_clear (AsdMuxForward     *forward);

GBytes  *asd_mux_encode_hello       (void);
GBytes  *asd_mux_encode_stdio_fwd   (guint32 request_id,
                                     const char *host,
                                     guint32 port);
GBytes  *asd_mux_encode_forward     (gboolean open,
                                     guint32 request_id,
                                     const AsdMuxForward *forward);

gboolean asd_mux_packet_length      (const guint8 header[4],
                                     gsize       *length,
                                     GError     **error);
gboolean asd_mux_reply_parse        (const guint8 *body,
                                     gsize         length,
                                     AsdMuxReply  *reply,
                                     GError      **error);
void     asd_mux_reply_clear        (AsdMuxReply  *reply);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (AsdMuxReply, asd_mux_reply_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (AsdMuxForward, asd_mux_forward_clear)

G_END_DECLS
