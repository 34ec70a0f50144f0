/* asd-mux-client.h: talks to a ssh control master (OpenSSH's PROTOCOL.mux)
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "asd-mux-packet.h"

G_BEGIN_DECLS

#define ASD_MUX_ERROR (asd_mux_error_quark ())
GQuark asd_mux_error_quark (void);

/**
 * AsdMuxError:
 * @ASD_MUX_ERROR_NO_MASTER: nothing listens on the control socket (ssh
 *   is no master, or has gone), or what listens is not a master
 * @ASD_MUX_ERROR_PROTOCOL: the master's answer makes no sense, or it
 *   closed the connection
 * @ASD_MUX_ERROR_REFUSED: the master said no; the message is its reason
 * @ASD_MUX_ERROR_TIMEOUT: no answer by the deadline
 */
typedef enum {
  ASD_MUX_ERROR_NO_MASTER,
  ASD_MUX_ERROR_PROTOCOL,
  ASD_MUX_ERROR_REFUSED,
  ASD_MUX_ERROR_TIMEOUT,
} AsdMuxError;

/* The least time a liveness check waits for its answer. */
#define ASD_MUX_ALIVE_DEADLINE_MS 3000
/* How long an open or close of a forward may take (the server answers a
 * remote one). */
#define ASD_MUX_FORWARD_DEADLINE_MS 10000

#define ASD_TYPE_MUX_CLIENT (asd_mux_client_get_type ())
G_DECLARE_FINAL_TYPE (AsdMuxClient, asd_mux_client, ASD, MUX_CLIENT, GObject)

AsdMuxClient *asd_mux_client_new               (const char          *path);
const char   *asd_mux_client_get_path          (AsdMuxClient        *self);
guint         asd_mux_client_get_alive_deadline (AsdMuxClient       *self);
void          asd_mux_client_check_alive_async (AsdMuxClient        *self,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
gboolean      asd_mux_client_check_alive_finish (AsdMuxClient       *self,
                                                 GAsyncResult       *result,
                                                 guint64            *latency_usec,
                                                 GError            **error);
void          asd_mux_client_forward_async     (AsdMuxClient        *self,
                                                gboolean             open,
                                                const AsdMuxForward *forward,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
gboolean      asd_mux_client_forward_finish    (AsdMuxClient        *self,
                                                GAsyncResult        *result,
                                                GError             **error);

G_END_DECLS
