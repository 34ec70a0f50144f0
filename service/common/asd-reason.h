/* asd-reason.h: why a tunnel is in its state, for scripts and for people
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/**
 * AsdReasonCode:
 *
 * Why a tunnel is in its state: the value of its StateReasonCode property
 * (the nick), stable across releases and locales; new codes may be added,
 * and a client treats a code it does not know as "generic failure".  The
 * details that go with each code are documented in
 * data/io.github.autosshd1.xml.
 */
typedef enum {
  ASD_REASON_NONE,                     /*< nick=none >*/
  ASD_REASON_STOPPED,                  /*< nick=stopped >*/
  ASD_REASON_CONNECTING,               /*< nick=connecting >*/
  ASD_REASON_CONNECTED,                /*< nick=connected >*/
  ASD_REASON_LOGIN_QUEUED,             /*< nick=login-queued >*/
  ASD_REASON_SYSTEM_ASLEEP,            /*< nick=system-asleep >*/
  ASD_REASON_AUTH_DENIED,              /*< nick=auth-denied >*/
  ASD_REASON_SECRET_MISSING,           /*< nick=secret-missing >*/
  ASD_REASON_SECRET_REJECTED,          /*< nick=secret-rejected >*/
  ASD_REASON_KEYRING_LOCKED,           /*< nick=keyring-locked >*/
  ASD_REASON_KEYRING_UNAVAILABLE,      /*< nick=keyring-unavailable >*/
  ASD_REASON_QUESTION_UNANSWERED,      /*< nick=question-unanswered >*/
  ASD_REASON_HOST_KEY_UNKNOWN,         /*< nick=host-key-unknown >*/
  ASD_REASON_HOST_KEY_CHANGED,         /*< nick=host-key-changed >*/
  ASD_REASON_CONFIG_BROKEN,            /*< nick=config-broken >*/
  ASD_REASON_SSH_CONFIG_REJECTED,      /*< nick=ssh-config-rejected >*/
  ASD_REASON_SSH_SPAWN_FAILED,         /*< nick=ssh-spawn-failed >*/
  ASD_REASON_MONITOR_PORT_UNAVAILABLE, /*< nick=monitor-port-unavailable >*/
  ASD_REASON_DNS_FAILED,               /*< nick=dns-failed >*/
  ASD_REASON_CONNECTION_REFUSED,       /*< nick=connection-refused >*/
  ASD_REASON_HOST_UNREACHABLE,         /*< nick=host-unreachable >*/
  ASD_REASON_CONNECT_TIMEOUT,          /*< nick=connect-timeout >*/
  ASD_REASON_SERVER_TIMEOUT,           /*< nick=server-timeout >*/
  ASD_REASON_CONNECTION_CLOSED,        /*< nick=connection-closed >*/
  ASD_REASON_MONITOR_FAILED,           /*< nick=monitor-failed >*/
  ASD_REASON_LOCAL_PORT_IN_USE,        /*< nick=local-port-in-use >*/
  ASD_REASON_REMOTE_PORT_IN_USE,       /*< nick=remote-port-in-use >*/
  ASD_REASON_SSH_EXITED,               /*< nick=ssh-exited >*/
  ASD_REASON_SESSION_UNRESPONSIVE,     /*< nick=session-unresponsive >*/
  ASD_REASON_HOST_NOT_FOUND,           /*< nick=host-not-found >*/
  ASD_REASON_CREDENTIAL_MISSING,       /*< nick=credential-missing >*/
} AsdReasonCode;

/* The keys of a reason's details (a{sv}); which go with which code is
 * documented in data/io.github.autosshd1.xml. */
#define ASD_DETAIL_DESTINATION   "destination"    /* s: [user@]host as ssh was given it */
#define ASD_DETAIL_HOST          "host"           /* s */
#define ASD_DETAIL_PORT          "port"           /* u */
#define ASD_DETAIL_USER          "user"           /* s */
#define ASD_DETAIL_IDENTITY_FILE "identity-file"  /* s: absolute key path */
#define ASD_DETAIL_FINGERPRINT   "fingerprint"    /* s: SHA256:... */
#define ASD_DETAIL_ALGORITHM     "algorithm"      /* s: a host key's type as ssh names it: ED25519 */
#define ASD_DETAIL_TUNNEL        "tunnel"         /* s: the tunnel's name */
#define ASD_DETAIL_HELD_BY       "held-by"        /* s: the other tunnel that holds a local port */
#define ASD_DETAIL_EXIT_STATUS   "exit-status"    /* i */
#define ASD_DETAIL_SIGNAL        "signal"         /* i */
#define ASD_DETAIL_FILE          "file"           /* s */
#define ASD_DETAIL_LINE          "line"           /* u: 0 for the whole file */
#define ASD_DETAIL_SSH_LINE      "ssh-line"       /* s: ssh's own words (English) */
#define ASD_DETAIL_CREDENTIAL    "credential"     /* s: a systemd credential's name */
#define ASD_DETAIL_MESSAGE       "message"        /* s: a system's or library's message */
#define ASD_DETAIL_SECONDS       "seconds"        /* u */
#define ASD_DETAIL_RETRY         "retry"          /* s: never, short, when-reachable, backoff, when-unlocked */

/**
 * AsdReason:
 * @code: why
 * @details: an a{sv} of details (never %NULL; see the keys above)
 *
 * A reason as the service keeps and publishes it.
 */
typedef struct {
  AsdReasonCode code;
  GVariant *details;
} AsdReason;

#define ASD_TYPE_REASON (asd_reason_get_type ())
GType          asd_reason_get_type         (void) G_GNUC_CONST;
AsdReason     *asd_reason_new              (AsdReasonCode  code,
                                            const char    *first_key,
                                            ...);
AsdReason     *asd_reason_new_with_details (AsdReasonCode  code,
                                            GVariant      *details);
AsdReason     *asd_reason_copy             (const AsdReason *reason);
void           asd_reason_free             (AsdReason     *reason);
gboolean       asd_reason_equal            (const AsdReason *a,
                                            const AsdReason *b);
AsdReason     *asd_reason_with             (const AsdReason *reason,
                                            const char    *key,
                                            GVariant      *value);
char          *asd_reason_to_text          (const AsdReason *reason);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AsdReason, asd_reason_free)

const char    *asd_reason_code_to_string   (AsdReasonCode  code);
AsdReasonCode  asd_reason_code_from_string (const char    *text,
                                            gboolean      *known);
char          *asd_reason_describe         (AsdReasonCode  code,
                                            GVariant      *details);
char          *asd_reason_describe_code    (const char    *code,
                                            GVariant      *details);

G_END_DECLS
