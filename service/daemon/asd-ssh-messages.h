/* asd-ssh-messages.h: what ssh's own messages on stderr mean
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include "asd-reason.h"

#include <glib.h>

G_BEGIN_DECLS

/**
 * AsdSshEvent:
 * @ASD_SSH_EVENT_NONE: nothing the supervisor acts on
 * @ASD_SSH_EVENT_AUTHENTICATED: "Authenticated to HOST ..."
 * @ASD_SSH_EVENT_SESSION_READY: "debug1: Entering interactive session." —
 *   local and dynamic forwards are listening
 * @ASD_SSH_EVENT_REMOTE_FORWARDS_READY: "debug1: forwarding_success: all
 *   expected forwarding replies received" — every remote forward is up
 * @ASD_SSH_EVENT_FAILURE: a failure, see #AsdSshFailure
 *
 * ssh runs with `-o LogLevel=DEBUG1`; these lines are checked against
 * OpenSSH 9.2.
 */
typedef enum {
  ASD_SSH_EVENT_NONE,
  ASD_SSH_EVENT_AUTHENTICATED,
  ASD_SSH_EVENT_SESSION_READY,
  ASD_SSH_EVENT_REMOTE_FORWARDS_READY,
  ASD_SSH_EVENT_FAILURE,
} AsdSshEvent;

/**
 * AsdSshFailure:
 * @ASD_SSH_FAILURE_NONE: no failure
 * @ASD_SSH_FAILURE_AUTH: the server refused every authentication
 * @ASD_SSH_FAILURE_HOST_KEY_UNKNOWN: the server's host key is not known
 * @ASD_SSH_FAILURE_HOST_KEY_CHANGED: the server's host key changed
 * @ASD_SSH_FAILURE_BAD_CONFIG: ssh refused an option or its configuration
 * @ASD_SSH_FAILURE_DNS: the host name could not be resolved (no answer:
 *   the network or the name servers are down)
 * @ASD_SSH_FAILURE_REFUSED: nothing listens on the server's ssh port
 * @ASD_SSH_FAILURE_UNREACHABLE: no route, network unreachable, or the
 *   connection attempt timed out
 * @ASD_SSH_FAILURE_TIMEOUT: an established connection stopped answering
 *   ("Timeout, server ... not responding.")
 * @ASD_SSH_FAILURE_CLOSED: the server closed or reset the connection
 * @ASD_SSH_FAILURE_LOCAL_PORT_IN_USE: a local forward's port is taken
 * @ASD_SSH_FAILURE_REMOTE_PORT_IN_USE: the server refused a remote forward
 *   (its port is usually still held by an old session)
 * @ASD_SSH_FAILURE_HOST_NOT_FOUND: the name servers answered that the
 *   host name does not exist (getaddrinfo's EAI_NONAME or EAI_NODATA: a
 *   typo, while other names resolve)
 */
typedef enum {
  ASD_SSH_FAILURE_NONE,
  ASD_SSH_FAILURE_AUTH,
  ASD_SSH_FAILURE_HOST_KEY_UNKNOWN,
  ASD_SSH_FAILURE_HOST_KEY_CHANGED,
  ASD_SSH_FAILURE_BAD_CONFIG,
  ASD_SSH_FAILURE_DNS,
  ASD_SSH_FAILURE_REFUSED,
  ASD_SSH_FAILURE_UNREACHABLE,
  ASD_SSH_FAILURE_TIMEOUT,
  ASD_SSH_FAILURE_CLOSED,
  ASD_SSH_FAILURE_LOCAL_PORT_IN_USE,
  ASD_SSH_FAILURE_REMOTE_PORT_IN_USE,
  ASD_SSH_FAILURE_HOST_NOT_FOUND,
} AsdSshFailure;

/**
 * AsdRetry:
 * @ASD_RETRY_NEVER: permanent: go to "failed" until the user acts
 * @ASD_RETRY_SHORT: retry on a short fixed schedule (a few seconds)
 * @ASD_RETRY_WHEN_REACHABLE: wait until a cheap TCP probe of the server's
 *   ssh port (or a network change) says it is back, then retry at once
 * @ASD_RETRY_BACKOFF: capped exponential backoff with jitter
 * @ASD_RETRY_WHEN_UNLOCKED: the keyring is locked (or its Secret Service
 *   does not answer): wait until it is unlocked, then retry at once
 *
 * What a tunnel does after a failed run: the one decision, from ssh's
 * messages (asd_ssh_failure_retry()) or from what askpass saw
 * (asd_tunnel_askpass_outcome()).
 */
typedef enum {
  ASD_RETRY_NEVER,
  ASD_RETRY_SHORT,
  ASD_RETRY_WHEN_REACHABLE,
  ASD_RETRY_BACKOFF,
  ASD_RETRY_WHEN_UNLOCKED,
} AsdRetry;

/**
 * AsdSshMessage:
 * @event: what the line says
 * @failure: with %ASD_SSH_EVENT_FAILURE, which failure
 * @detail: (nullable): the line's specifics for the reason (a host, a port,
 *   ssh's own words), owned by the message
 *
 * Start from a zeroed message (`AsdSshMessage m = { 0, };`):
 * asd_ssh_message_classify() frees the detail already there.
 */
typedef struct {
  AsdSshEvent event;
  AsdSshFailure failure;
  char *detail;
} AsdSshMessage;

void        asd_ssh_message_classify (const char          *line,
                                      AsdSshMessage       *message);
void        asd_ssh_message_clear    (AsdSshMessage       *message);

AsdRetry    asd_ssh_failure_retry    (AsdSshFailure        failure);
gboolean    asd_ssh_failure_outranks (AsdSshFailure        failure,
                                      AsdSshFailure        other);
AsdReason  *asd_ssh_failure_to_reason (AsdSshFailure       failure,
                                      const char         *detail);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (AsdSshMessage, asd_ssh_message_clear)

G_END_DECLS
