/* asd-ssh-messages.c: what ssh's own messages (its log, ssh -E) mean
 *
 * One table maps the lines OpenSSH 9.2 prints (with -o LogLevel=DEBUG1
 * -o ExitOnForwardFailure=yes) to events and failures;
 * the lines were checked against the real ssh, see
 * tests/test-ssh-messages.c.  Most lines are debug noise, so a "debug"
 * line is only compared with the few debug rows.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "asd-ssh-messages.h"

#define DEBUG1_PREFIX "debug1: "

typedef enum {
  MATCH_DEBUG1,     /* "debug1: " followed by the pattern, as a prefix */
  MATCH_PREFIX,     /* the line starts with the pattern */
  MATCH_SUBSTRING,  /* the pattern is somewhere in the line */
  MATCH_FORMAT,     /* the whole line, see format_match() */
} MatchKind;

typedef enum {
  DETAIL_NONE,
  DETAIL_FIELD,     /* the %s of a MATCH_FORMAT pattern */
  DETAIL_LINE,      /* the whole line: ssh's own words */
} DetailKind;

typedef struct {
  MatchKind match;
  const char *pattern;
  AsdSshEvent event;
  AsdSshFailure failure;
  DetailKind detail;
} Rule;

#define EVENT(match, pattern, event) \
  { match, pattern, ASD_SSH_EVENT_ ## event, ASD_SSH_FAILURE_NONE, DETAIL_NONE }
#define FAILURE(match, pattern, failure, detail) \
  { match, pattern, ASD_SSH_EVENT_FAILURE, ASD_SSH_FAILURE_ ## failure, DETAIL_ ## detail }
#define IGNORE(match, pattern) \
  { match, pattern, ASD_SSH_EVENT_NONE, ASD_SSH_FAILURE_NONE, DETAIL_NONE }

/* The first row that matches wins: specific rows come before general ones.
 * In MATCH_FORMAT patterns, %s is the captured field (one or more
 * characters), %* any text (maybe empty), %d one or more digits. */
static const Rule rules[] = {
  /* Progress. */
  EVENT (MATCH_DEBUG1, "Entering interactive session.", SESSION_READY),
  EVENT (MATCH_DEBUG1, "forwarding_success: all expected forwarding replies received",
         REMOTE_FORWARDS_READY),
  EVENT (MATCH_PREFIX, "Authenticated to ", AUTHENTICATED),

  /* Authentication. */
  FAILURE (MATCH_FORMAT, "%s: Permission denied (%*).", AUTH, FIELD),
  FAILURE (MATCH_SUBSTRING, "Permission denied (", AUTH, NONE),
  FAILURE (MATCH_SUBSTRING, "Too many authentication failures", AUTH, NONE),

  /* Host keys.  "Host key verification failed." ends both the unknown and
   * the changed case; the changed case's earlier lines outrank it. */
  FAILURE (MATCH_FORMAT, "No %* host key is known for %s and you have requested strict checking.",
           HOST_KEY_UNKNOWN, FIELD),
  FAILURE (MATCH_PREFIX, "Host key verification failed.", HOST_KEY_UNKNOWN, NONE),
  FAILURE (MATCH_SUBSTRING, "WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!",
           HOST_KEY_CHANGED, NONE),
  FAILURE (MATCH_FORMAT, "  ssh-keygen -f %* -R \"%s\"", HOST_KEY_CHANGED, FIELD),
  FAILURE (MATCH_FORMAT, "Host key for %s has changed and you have requested strict checking.",
           HOST_KEY_CHANGED, FIELD),
  FAILURE (MATCH_PREFIX, "Error: forwarding disabled due to host key check failure",
           HOST_KEY_CHANGED, NONE),

  /* Reaching the server. */
  /* An answer that the name does not exist (glibc's gai_strerror of
   * EAI_NONAME, EAI_NODATA) is a typo; no answer ("Temporary failure in
   * name resolution") is the network. */
  FAILURE (MATCH_FORMAT, "ssh: Could not resolve hostname %s: Name or service not known",
           HOST_NOT_FOUND, FIELD),
  FAILURE (MATCH_FORMAT, "ssh: Could not resolve hostname %s: No address associated with hostname",
           HOST_NOT_FOUND, FIELD),
  FAILURE (MATCH_FORMAT, "ssh: Could not resolve hostname %s: %*", DNS, FIELD),
  FAILURE (MATCH_FORMAT, "ssh: connect to host %* port %s: Connection refused", REFUSED, FIELD),
  FAILURE (MATCH_FORMAT, "ssh: connect to host %s port %d: Connection timed out",
           UNREACHABLE, FIELD),
  FAILURE (MATCH_FORMAT, "ssh: connect to host %s port %d: No route to host", UNREACHABLE, FIELD),
  FAILURE (MATCH_FORMAT, "ssh: connect to host %s port %d: Network is unreachable",
           UNREACHABLE, FIELD),
  FAILURE (MATCH_FORMAT, "ssh: connect to host %s port %d: Connection reset by peer",
           CLOSED, FIELD),

  /* A connection that stalls or ends. */
  FAILURE (MATCH_FORMAT, "Timeout, server %s not responding.", TIMEOUT, FIELD),
  FAILURE (MATCH_PREFIX, "Connection timed out during banner exchange", TIMEOUT, NONE),
  FAILURE (MATCH_FORMAT, "Connection to %s port %d timed out", TIMEOUT, FIELD),
  FAILURE (MATCH_FORMAT, "Connection closed by %s port %d", CLOSED, FIELD),
  FAILURE (MATCH_FORMAT, "Connection reset by %s port %d", CLOSED, FIELD),
  FAILURE (MATCH_FORMAT, "Connection to %s closed by remote host.", CLOSED, FIELD),
  FAILURE (MATCH_FORMAT, "Received disconnect from %s port %d:%*", CLOSED, FIELD),
  FAILURE (MATCH_FORMAT, "Disconnected from %s port %d", CLOSED, FIELD),
  FAILURE (MATCH_PREFIX, "kex_exchange_identification: ", CLOSED, NONE),
  FAILURE (MATCH_PREFIX, "client_loop: send disconnect: ", CLOSED, NONE),
  FAILURE (MATCH_FORMAT, "%*Connection to %s port %d: %*", CLOSED, FIELD),

  /* Forwards. */
  FAILURE (MATCH_FORMAT, "bind [%*]:%s: Address already in use", LOCAL_PORT_IN_USE, FIELD),
  FAILURE (MATCH_FORMAT, "bind [%*]:%d: Permission denied", BAD_CONFIG, LINE),
  FAILURE (MATCH_FORMAT, "channel_setup_fwd_listener_tcpip: cannot listen to port: %s",
           LOCAL_PORT_IN_USE, FIELD),
  FAILURE (MATCH_SUBSTRING, "Could not request local forwarding.", LOCAL_PORT_IN_USE, NONE),
  FAILURE (MATCH_FORMAT, "%*remote port forwarding failed for listen port %s",
           REMOTE_PORT_IN_USE, FIELD),

  /* Configuration.  "Unsupported option" is the one "FILE line N:" error
   * that ssh survives; every other one makes it exit. */
  IGNORE (MATCH_FORMAT, "%* line %d: Unsupported option %*"),
  FAILURE (MATCH_FORMAT, "%* line %d: %*", BAD_CONFIG, LINE),
  FAILURE (MATCH_FORMAT, "%*: terminating, %d bad configuration options", BAD_CONFIG, LINE),
  FAILURE (MATCH_PREFIX, "Bad port '", BAD_CONFIG, LINE),
  FAILURE (MATCH_FORMAT, "Bad %* forwarding specification %*", BAD_CONFIG, LINE),
  FAILURE (MATCH_PREFIX, "Can't open user config file ", BAD_CONFIG, LINE),
  FAILURE (MATCH_PREFIX, "Bad owner or permissions on ", BAD_CONFIG, LINE),
};

/* Whether [@text, @end) matches @pattern as a whole; the %s field, if
 * any, is stored in @field and @field_len.  Fields are as short as
 * possible.
 *
 * The text can come from a server (its banner), so the match must not
 * backtrack without bound: like a glob matcher, it only ever goes back to
 * the last %* or %s, whose end moves one character further; a choice made
 * for an earlier one is never undone (the leftmost match of what lies
 * between two wildcards is always a safe choice).  That is at most
 * length of text × length of pattern steps.  %d never backtracks: in the
 * table a digit never follows it. */
static gboolean
format_match (const char  *pattern,
              const char  *text,
              const char  *end,
              const char **field,
              gsize       *field_len)
{
  const char *p = pattern, *t = text;
  const char *star_p = NULL, *star_t = NULL;   /* after the last wildcard; where it ends now */
  const char *field_start = NULL, *field_end = NULL;
  gboolean star_is_field = FALSE;

  for (;;)
    {
      if (*p == '\0' && t == end)
        break;
      if (p[0] == '%' && (p[1] == 's' || p[1] == '*'))
        {
          if (p[1] == 's' && t == end)
            goto mismatch;           /* %s takes one character at least */
          if (star_is_field)
            field_end = star_t;      /* fixed from here on */
          star_is_field = p[1] == 's';
          if (star_is_field)
            field_start = t++;
          star_p = p += 2;
          star_t = t;
          continue;
        }
      if (p[0] == '%' && p[1] == 'd' && t < end && g_ascii_isdigit (*t))
        {
          while (t < end && g_ascii_isdigit (*t))
            t++;
          p += 2;
          continue;
        }
      if (*p != '\0' && *p != '%' && t < end && *t == *p)
        {
          t++;
          p++;
          continue;
        }
    mismatch:
      if (star_p == NULL || star_t == end)
        return FALSE;
      t = ++star_t;
      p = star_p;
    }

  if (star_is_field)
    field_end = star_t;
  if (field_start != NULL)
    {
      *field = field_start;
      *field_len = field_end - field_start;
    }
  return TRUE;
}

static gboolean
rule_matches (const Rule  *rule,
              const char  *line,
              gsize        len,
              const char **field,
              gsize       *field_len)
{
  switch (rule->match)
    {
    case MATCH_DEBUG1:
    case MATCH_PREFIX:
      return strncmp (line, rule->pattern, strlen (rule->pattern)) == 0;
    case MATCH_SUBSTRING:
      return g_strstr_len (line, len, rule->pattern) != NULL;
    case MATCH_FORMAT:
      return format_match (rule->pattern, line, line + len, field, field_len);
    default:
      g_return_val_if_reached (FALSE);
    }
}

/**
 * asd_ssh_message_classify:
 * @line: one line of ssh's stderr, with or without its line end
 * @message: (out caller-allocates): where to store what it means; a
 *   detail it still holds is freed first
 *
 * Looks @line up in the table of ssh's messages.  Lines that mean nothing
 * to the supervisor — most of them — give %ASD_SSH_EVENT_NONE.
 */
void
asd_ssh_message_classify (const char    *line,
                          AsdSshMessage *message)
{
  gboolean debug;
  gsize len;

  g_return_if_fail (line != NULL);
  g_return_if_fail (message != NULL);

  asd_ssh_message_clear (message);

  /* The hot path: debug lines, mostly at other levels than debug1 or not
   * among the debug rows. */
  debug = line[0] == 'd' && strncmp (line, "debug", 5) == 0;
  if (debug)
    {
      if (strncmp (line, DEBUG1_PREFIX, strlen (DEBUG1_PREFIX)) != 0)
        return;
      line += strlen (DEBUG1_PREFIX);
    }

  /* ssh ends its lines with "\r\n" even when stderr is not a terminal.
   * Debug rows are prefixes and need no length. */
  len = debug ? 0 : strlen (line);
  while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
    len--;

  for (gsize i = 0; i < G_N_ELEMENTS (rules); i++)
    {
      const Rule *rule = &rules[i];
      const char *field = NULL;
      gsize field_len = 0;

      if ((rule->match == MATCH_DEBUG1) != debug ||
          !rule_matches (rule, line, len, &field, &field_len))
        continue;

      message->event = rule->event;
      message->failure = rule->failure;
      if (rule->detail == DETAIL_FIELD && field != NULL)
        message->detail = g_strndup (field, field_len);
      else if (rule->detail == DETAIL_LINE)
        message->detail = g_strndup (line, len);
      return;
    }
}

/**
 * asd_ssh_message_clear:
 * @message: a message
 *
 * Frees the message's detail and resets it to %ASD_SSH_EVENT_NONE.
 */
void
asd_ssh_message_clear (AsdSshMessage *message)
{
  g_return_if_fail (message != NULL);

  g_clear_pointer (&message->detail, g_free);
  message->event = ASD_SSH_EVENT_NONE;
  message->failure = ASD_SSH_FAILURE_NONE;
}

/**
 * asd_ssh_failure_retry:
 * @failure: a failure
 *
 * Returns: how to retry after @failure, see DESIGN.md "Errors decide the
 *   retry policy"
 */
AsdRetry
asd_ssh_failure_retry (AsdSshFailure failure)
{
  switch (failure)
    {
    case ASD_SSH_FAILURE_AUTH:
    case ASD_SSH_FAILURE_HOST_KEY_UNKNOWN:
    case ASD_SSH_FAILURE_HOST_KEY_CHANGED:
    case ASD_SSH_FAILURE_BAD_CONFIG:
      return ASD_RETRY_NEVER;
    case ASD_SSH_FAILURE_REMOTE_PORT_IN_USE:
      return ASD_RETRY_SHORT;
    case ASD_SSH_FAILURE_DNS:
    case ASD_SSH_FAILURE_REFUSED:
    case ASD_SSH_FAILURE_UNREACHABLE:
      return ASD_RETRY_WHEN_REACHABLE;
    case ASD_SSH_FAILURE_HOST_NOT_FOUND:   /* slowly: until the name is fixed or exists */
    case ASD_SSH_FAILURE_NONE:
    case ASD_SSH_FAILURE_TIMEOUT:
    case ASD_SSH_FAILURE_CLOSED:
    case ASD_SSH_FAILURE_LOCAL_PORT_IN_USE:
    default:
      return ASD_RETRY_BACKOFF;
    }
}

/* Higher is more serious: none, the connection merely ended, a specific
 * transient failure, a permanent one, a changed host key (a possible
 * attack, and the cause of the refusals that follow it). */
static const guint8 failure_rank[] = {
  [ASD_SSH_FAILURE_NONE] = 0,
  [ASD_SSH_FAILURE_CLOSED] = 1,
  [ASD_SSH_FAILURE_TIMEOUT] = 2,
  [ASD_SSH_FAILURE_DNS] = 2,
  [ASD_SSH_FAILURE_HOST_NOT_FOUND] = 2,
  [ASD_SSH_FAILURE_REFUSED] = 2,
  [ASD_SSH_FAILURE_UNREACHABLE] = 2,
  [ASD_SSH_FAILURE_LOCAL_PORT_IN_USE] = 2,
  [ASD_SSH_FAILURE_REMOTE_PORT_IN_USE] = 2,
  [ASD_SSH_FAILURE_AUTH] = 3,
  [ASD_SSH_FAILURE_HOST_KEY_UNKNOWN] = 3,
  [ASD_SSH_FAILURE_BAD_CONFIG] = 3,
  [ASD_SSH_FAILURE_HOST_KEY_CHANGED] = 4,
};

/**
 * asd_ssh_failure_outranks:
 * @failure: the failure a new line reports
 * @other: the failure kept so far for this run
 *
 * ssh often prints several lines for one failure.  Permanent failures
 * outrank transient ones, any specific failure outranks
 * %ASD_SSH_FAILURE_CLOSED, everything outranks %ASD_SSH_FAILURE_NONE;
 * between equals the first one stays.
 *
 * Returns: whether @failure should replace @other as the run's failure
 */
gboolean
asd_ssh_failure_outranks (AsdSshFailure failure,
                          AsdSshFailure other)
{
  g_return_val_if_fail ((guint) failure < G_N_ELEMENTS (failure_rank), FALSE);
  g_return_val_if_fail ((guint) other < G_N_ELEMENTS (failure_rank), TRUE);

  return failure_rank[failure] > failure_rank[other];
}

/* The failures whose detail is a port (ssh's digits), and the others'
 * detail key. */
static const struct {
  AsdSshFailure failure;
  AsdReasonCode code;
  const char *key;
} failure_reasons[] = {
  { ASD_SSH_FAILURE_NONE, ASD_REASON_NONE, NULL },
  { ASD_SSH_FAILURE_AUTH, ASD_REASON_AUTH_DENIED, ASD_DETAIL_DESTINATION },
  { ASD_SSH_FAILURE_HOST_KEY_UNKNOWN, ASD_REASON_HOST_KEY_UNKNOWN, ASD_DETAIL_HOST },
  { ASD_SSH_FAILURE_HOST_KEY_CHANGED, ASD_REASON_HOST_KEY_CHANGED, ASD_DETAIL_HOST },
  { ASD_SSH_FAILURE_BAD_CONFIG, ASD_REASON_SSH_CONFIG_REJECTED, ASD_DETAIL_SSH_LINE },
  { ASD_SSH_FAILURE_DNS, ASD_REASON_DNS_FAILED, ASD_DETAIL_HOST },
  { ASD_SSH_FAILURE_HOST_NOT_FOUND, ASD_REASON_HOST_NOT_FOUND, ASD_DETAIL_HOST },
  { ASD_SSH_FAILURE_REFUSED, ASD_REASON_CONNECTION_REFUSED, ASD_DETAIL_PORT },
  { ASD_SSH_FAILURE_UNREACHABLE, ASD_REASON_HOST_UNREACHABLE, ASD_DETAIL_HOST },
  { ASD_SSH_FAILURE_TIMEOUT, ASD_REASON_SERVER_TIMEOUT, ASD_DETAIL_HOST },
  { ASD_SSH_FAILURE_CLOSED, ASD_REASON_CONNECTION_CLOSED, ASD_DETAIL_HOST },
  { ASD_SSH_FAILURE_LOCAL_PORT_IN_USE, ASD_REASON_LOCAL_PORT_IN_USE, ASD_DETAIL_PORT },
  { ASD_SSH_FAILURE_REMOTE_PORT_IN_USE, ASD_REASON_REMOTE_PORT_IN_USE, ASD_DETAIL_PORT },
};

/**
 * asd_ssh_failure_to_reason:
 * @failure: a failure
 * @detail: (nullable): the detail of the message that reported it
 *
 * Returns: (transfer full): the failure as a reason code with its detail
 *   (a port as a number; one that is not a number is left out)
 */
AsdReason *
asd_ssh_failure_to_reason (AsdSshFailure  failure,
                           const char    *detail)
{
  for (gsize i = 0; i < G_N_ELEMENTS (failure_reasons); i++)
    {
      const char *key = failure_reasons[i].key;
      gboolean is_port = g_strcmp0 (key, ASD_DETAIL_PORT) == 0;
      GVariant *value = NULL;
      guint64 port;

      if (failure_reasons[i].failure != failure)
        continue;
      if (detail != NULL && is_port &&
          g_ascii_string_to_unsigned (detail, 10, 1, 65535, &port, NULL))
        value = g_variant_new_uint32 (port);
      else if (detail != NULL && key != NULL && !is_port)
        value = g_variant_new_string (detail);
      return asd_reason_new (failure_reasons[i].code, key, value, NULL);
    }
  g_return_val_if_reached (asd_reason_new (ASD_REASON_NONE, NULL));
}
