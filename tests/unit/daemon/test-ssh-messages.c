/* test-ssh-messages.c: ssh's stderr lines, their meaning and retry policy
 *
 * The lines are copied from OpenSSH 9.2p1 (Debian 12) run with
 * -o LogLevel=DEBUG1 -o ExitOnForwardFailure=yes against
 * a throwaway sshd on 127.0.0.1, unless marked "not observed".
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>

#include "asd-ssh-messages.h"

#define FAIL ASD_SSH_EVENT_FAILURE
#define NO_EVENT ASD_SSH_EVENT_NONE
#define F(x) ASD_SSH_FAILURE_ ## x

typedef struct {
  const char *name;
  const char *line;
  AsdSshEvent event;
  AsdSshFailure failure;
  const char *detail;
} LineCase;

static const LineCase line_cases[] = {
  /* Progress. */
  { "authenticated", "Authenticated to 127.0.0.1 ([127.0.0.1]:34741) using \"publickey\".",
    ASD_SSH_EVENT_AUTHENTICATED, F (NONE), NULL },
  { "session-ready", "debug1: Entering interactive session.",
    ASD_SSH_EVENT_SESSION_READY, F (NONE), NULL },
  { "remote-forwards-ready",
    "debug1: forwarding_success: all expected forwarding replies received",
    ASD_SSH_EVENT_REMOTE_FORWARDS_READY, F (NONE), NULL },

  /* Authentication. */
  { "permission-denied", "root@127.0.0.1: Permission denied (publickey).",
    FAIL, F (AUTH), "root@127.0.0.1" },
  { "permission-denied-methods",
    "root@127.0.0.1: Permission denied (publickey,password,keyboard-interactive).",
    FAIL, F (AUTH), "root@127.0.0.1" },
  { "too-many-auth-failures",
    "Received disconnect from 127.0.0.1 port 34647:2: Too many authentication failures",
    FAIL, F (AUTH), NULL },

  /* Host keys. */
  { "host-key-not-known",
    "No ED25519 host key is known for [127.0.0.1]:34741 and you have requested strict checking.",
    FAIL, F (HOST_KEY_UNKNOWN), "[127.0.0.1]:34741" },
  { "host-key-verification-failed", "Host key verification failed.",
    FAIL, F (HOST_KEY_UNKNOWN), NULL },
  { "host-identification-changed",
    "@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @",
    FAIL, F (HOST_KEY_CHANGED), NULL },
  { "host-key-remove-with",
    "  ssh-keygen -f \"/tmp/asdmsg/kh_changed\" -R \"[127.0.0.1]:34741\"",
    FAIL, F (HOST_KEY_CHANGED), "[127.0.0.1]:34741" },
  { "host-key-changed-strict",
    "Host key for [127.0.0.1]:34741 has changed and you have requested strict checking.",
    FAIL, F (HOST_KEY_CHANGED), "[127.0.0.1]:34741" },
  { "host-key-forwarding-disabled", "Error: forwarding disabled due to host key check failure",
    FAIL, F (HOST_KEY_CHANGED), NULL },

  /* Reaching the server. */
  { "dns-unknown",
    "ssh: Could not resolve hostname no-such-host.invalid: Name or service not known",
    FAIL, F (HOST_NOT_FOUND), "no-such-host.invalid" },
  { "dns-no-address",
    "ssh: Could not resolve hostname mail-only.example: No address associated with hostname",
    FAIL, F (HOST_NOT_FOUND), "mail-only.example" },
  { "dns-temporary",
    "ssh: Could not resolve hostname example.com: Temporary failure in name resolution",
    FAIL, F (DNS), "example.com" },
  { "connect-refused", "ssh: connect to host 127.0.0.1 port 1: Connection refused",
    FAIL, F (REFUSED), "1" },
  { "connect-timed-out", "ssh: connect to host 127.0.0.1 port 48945: Connection timed out",
    FAIL, F (UNREACHABLE), "127.0.0.1" },
  { "connect-no-route", "ssh: connect to host 2001:db8::1 port 22: No route to host",
    FAIL, F (UNREACHABLE), "2001:db8::1" },
  { "connect-net-unreachable", "ssh: connect to host 10.9.9.9 port 22: Network is unreachable",
    FAIL, F (UNREACHABLE), "10.9.9.9" },
  { "connect-reset", "ssh: connect to host 127.0.0.1 port 45247: Connection reset by peer",
    FAIL, F (CLOSED), "127.0.0.1" },

  /* A connection that stalls or ends. */
  { "banner-timeout", "Connection timed out during banner exchange",
    FAIL, F (TIMEOUT), NULL },
  { "banner-timeout-host", "Connection to 127.0.0.1 port 42757 timed out",
    FAIL, F (TIMEOUT), "127.0.0.1" },
  { "server-not-responding", "Timeout, server 127.0.0.1 not responding.",
    FAIL, F (TIMEOUT), "127.0.0.1" },
  { "kex-closed", "kex_exchange_identification: Connection closed by remote host",
    FAIL, F (CLOSED), NULL },
  { "closed-by", "Connection closed by 127.0.0.1 port 36853", FAIL, F (CLOSED), "127.0.0.1" },
  { "kex-reset", "kex_exchange_identification: read: Connection reset by peer",
    FAIL, F (CLOSED), NULL },
  { "reset-by", "Connection reset by 127.0.0.1 port 40573", FAIL, F (CLOSED), "127.0.0.1" },
  { "closed-by-remote", "Connection to 127.0.0.1 closed by remote host.",
    FAIL, F (CLOSED), "127.0.0.1" },
  { "disconnected", "Disconnected from 127.0.0.1 port 34647", FAIL, F (CLOSED), "127.0.0.1" },
  { "broken-pipe", "client_loop: send disconnect: Broken pipe", FAIL, F (CLOSED), NULL },
  /* Not observed: packet.c's general form for other errors. */
  { "dispatch-fatal",
    "ssh_dispatch_run_fatal: Connection to 192.0.2.7 port 22: message authentication code incorrect",
    FAIL, F (CLOSED), "192.0.2.7" },

  /* Forwards. */
  { "bind-in-use", "bind [127.0.0.1]:36307: Address already in use",
    FAIL, F (LOCAL_PORT_IN_USE), "36307" },
  /* Not observed: the same line for an IPv6 listener. */
  { "bind-in-use-ipv6", "bind [::1]:8080: Address already in use",
    FAIL, F (LOCAL_PORT_IN_USE), "8080" },
  { "cannot-listen", "channel_setup_fwd_listener_tcpip: cannot listen to port: 36307",
    FAIL, F (LOCAL_PORT_IN_USE), "36307" },
  { "local-forwarding-failed", "Could not request local forwarding.",
    FAIL, F (LOCAL_PORT_IN_USE), NULL },
  { "bind-privileged", "bind [127.0.0.1]:81: Permission denied",
    FAIL, F (BAD_CONFIG), "bind [127.0.0.1]:81: Permission denied" },
  { "remote-forward-error", "Error: remote port forwarding failed for listen port 35267",
    FAIL, F (REMOTE_PORT_IN_USE), "35267" },
  { "remote-forward-warning", "Warning: remote port forwarding failed for listen port 35267",
    FAIL, F (REMOTE_PORT_IN_USE), "35267" },

  /* Configuration: the detail is ssh's own words. */
#define BAD(name, line) { name, line, FAIL, F (BAD_CONFIG), line }
  BAD ("option-bad", "command-line: line 0: Bad configuration option: foo"),
  BAD ("option-bad-port", "command-line line 0: Bad port 'x'."),
  BAD ("option-no-argument", "command-line line 0: no argument after keyword \"port\""),
  BAD ("option-missing-target", "command-line line 0: Missing target argument."),
  BAD ("option-bad-time", "command-line line 0: invalid time value."),
  BAD ("option-bad-value", "command-line line 0: unsupported option \"maybe\"."),
  BAD ("option-bad-cipher", "command-line line 0: Bad SSH2 cipher spec 'foo'."),
  BAD ("file-bad-option", "/tmp/asdmsg/badconf: line 2: Bad configuration option: foo"),
  BAD ("file-extra-arguments",
       "/tmp/asdmsg/badconf line 3: keyword port extra arguments at end of line"),
  BAD ("file-terminating", "/tmp/asdmsg/badconf: terminating, 2 bad configuration options"),
  BAD ("bad-port", "Bad port 'x'"),
  BAD ("bad-local-forward", "Bad local forwarding specification 'x'"),
  BAD ("bad-remote-forward", "Bad remote forwarding specification 'y'"),
  BAD ("bad-dynamic-forward", "Bad dynamic forwarding specification 'z'"),
  BAD ("no-config-file",
       "Can't open user config file /tmp/asdmsg/nonexist: No such file or directory"),
  /* Not observed (root skips the check): readconf.c's message. */
  BAD ("config-permissions", "Bad owner or permissions on /home/u/.ssh/config"),
#undef BAD

  /* Noise, including lines ssh survives. */
#define NOISE(name, line) { name, line, NO_EVENT, F (NONE), NULL }
  NOISE ("unsupported-option", "command-line line 0: Unsupported option \"compressionlevel\""),
  NOISE ("debug-connecting", "debug1: Connecting to 127.0.0.1 [127.0.0.1] port 34741."),
  NOISE ("debug-connect-refused", "debug1: connect to address 127.0.0.1 port 1: Connection refused"),
  NOISE ("debug-applying", "debug1: /tmp/asdmsg/badconf line 1: Applying options for *"),
  NOISE ("debug-remote-forward-failure",
         "debug1: remote forward failure for: listen 35267, connect 127.0.0.1:22"),
  NOISE ("debug-remote-forward-success",
         "debug1: remote forward success for: listen 35267, connect 127.0.0.1:22"),
  NOISE ("debug2", "debug2: channel 0: open confirm rwindow 0 rmax 32768"),
  NOISE ("debug1-bare", "debug1:"),
  NOISE ("permanently-added",
         "Warning: Permanently added '[127.0.0.1]:34647' (ED25519) to the list of known hosts."),
  NOISE ("identity-missing",
         "Warning: Identity file /nonexistent not accessible: No such file or directory."),
  NOISE ("password-disabled",
         "Password authentication is disabled to avoid man-in-the-middle attacks."),
  NOISE ("transferred", "Transferred: sent 3360, received 3168 bytes, in 1.4 seconds"),
  NOISE ("empty", ""),
#undef NOISE
};

static void
check_line (const LineCase *c, const char *line)
{
  AsdSshMessage message = { 0, };

  asd_ssh_message_classify (line, &message);
  g_assert_cmpint (message.event, ==, c->event);
  g_assert_cmpint (message.failure, ==, c->failure);
  g_assert_cmpstr (message.detail, ==, c->detail);

  /* Classifying again frees the old detail. */
  asd_ssh_message_classify (line, &message);
  g_assert_cmpstr (message.detail, ==, c->detail);

  asd_ssh_message_clear (&message);
  g_assert_cmpint (message.event, ==, ASD_SSH_EVENT_NONE);
  g_assert_cmpint (message.failure, ==, ASD_SSH_FAILURE_NONE);
  g_assert_null (message.detail);
}

static void
test_classify (gconstpointer data)
{
  const LineCase *c = data;
  g_autofree char *crlf = g_strconcat (c->line, "\r\n", NULL);

  check_line (c, c->line);
  check_line (c, crlf);   /* as ssh writes it */
}

typedef struct {
  AsdSshFailure failure;
  AsdRetry retry;
} RetryCase;

static const RetryCase retry_cases[] = {
  { F (AUTH), ASD_RETRY_NEVER },
  { F (HOST_KEY_UNKNOWN), ASD_RETRY_NEVER },
  { F (HOST_KEY_CHANGED), ASD_RETRY_NEVER },
  { F (BAD_CONFIG), ASD_RETRY_NEVER },
  { F (REMOTE_PORT_IN_USE), ASD_RETRY_SHORT },
  { F (DNS), ASD_RETRY_WHEN_REACHABLE },
  { F (HOST_NOT_FOUND), ASD_RETRY_BACKOFF },
  { F (REFUSED), ASD_RETRY_WHEN_REACHABLE },
  { F (UNREACHABLE), ASD_RETRY_WHEN_REACHABLE },
  { F (TIMEOUT), ASD_RETRY_BACKOFF },
  { F (CLOSED), ASD_RETRY_BACKOFF },
  { F (LOCAL_PORT_IN_USE), ASD_RETRY_BACKOFF },
};

static void
test_retry (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (retry_cases); i++)
    g_assert_cmpint (asd_ssh_failure_retry (retry_cases[i].failure), ==, retry_cases[i].retry);
}

#define N_FAILURES (ASD_SSH_FAILURE_HOST_NOT_FOUND + 1)

static void
test_outranks (void)
{
  static const struct {
    AsdSshFailure failure, other;
    gboolean outranks;
  } cases[] = {
    { F (HOST_KEY_CHANGED), F (HOST_KEY_UNKNOWN), TRUE },
    { F (HOST_KEY_UNKNOWN), F (HOST_KEY_CHANGED), FALSE },
    { F (HOST_KEY_CHANGED), F (AUTH), TRUE },
    { F (AUTH), F (HOST_KEY_CHANGED), FALSE },
    { F (LOCAL_PORT_IN_USE), F (LOCAL_PORT_IN_USE), FALSE },
    { F (HOST_KEY_UNKNOWN), F (HOST_KEY_UNKNOWN), FALSE },
    { F (BAD_CONFIG), F (LOCAL_PORT_IN_USE), TRUE },
    { F (LOCAL_PORT_IN_USE), F (BAD_CONFIG), FALSE },
    { F (AUTH), F (CLOSED), TRUE },
    { F (TIMEOUT), F (CLOSED), TRUE },
    { F (CLOSED), F (TIMEOUT), FALSE },
    { F (REMOTE_PORT_IN_USE), F (CLOSED), TRUE },
    { F (CLOSED), F (CLOSED), FALSE },
    { F (NONE), F (NONE), FALSE },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    g_assert_cmpint (asd_ssh_failure_outranks (cases[i].failure, cases[i].other),
                     ==, cases[i].outranks);

  /* Permanent failures outrank transient ones; everything outranks none;
   * nothing outranks itself. */
  for (AsdSshFailure a = F (AUTH); a < N_FAILURES; a++)
    {
      g_assert_true (asd_ssh_failure_outranks (a, F (NONE)));
      g_assert_false (asd_ssh_failure_outranks (F (NONE), a));
      g_assert_false (asd_ssh_failure_outranks (a, a));
      for (AsdSshFailure b = F (AUTH); b < N_FAILURES; b++)
        if (asd_ssh_failure_retry (a) == ASD_RETRY_NEVER &&
            asd_ssh_failure_retry (b) != ASD_RETRY_NEVER)
          g_assert_true (asd_ssh_failure_outranks (a, b));
    }
}

/* Whole runs as ssh printed them, folded as the supervisor does. */
typedef struct {
  const char *name;
  AsdSshFailure failure;
  const char *detail;
  const char *lines[8];
} RunCase;

static const RunCase run_cases[] = {
  { "unknown-host-strict", F (HOST_KEY_UNKNOWN), "[127.0.0.1]:34741",
    { "debug1: Server host key: ssh-ed25519 SHA256:faxCXa5iI/dyePvgbBWbiitzWapj1y70kraeZTumwXk",
      "No ED25519 host key is known for [127.0.0.1]:34741 and you have requested strict checking.",
      "Host key verification failed.", NULL } },
  { "changed-host-key", F (HOST_KEY_CHANGED), NULL,
    { "@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @",
      "IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!",
      "Offending ED25519 key in /tmp/asdmsg/kh_changed:1",
      "  ssh-keygen -f \"/tmp/asdmsg/kh_changed\" -R \"[127.0.0.1]:34741\"",
      "Host key for [127.0.0.1]:34741 has changed and you have requested strict checking.",
      "Host key verification failed.", NULL } },
  { "changed-host-key-not-strict", F (HOST_KEY_CHANGED), NULL,
    { "@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @",
      "Password authentication is disabled to avoid man-in-the-middle attacks.",
      "Port forwarding is disabled to avoid man-in-the-middle attacks.",
      "Error: forwarding disabled due to host key check failure", NULL } },
  { "local-port-in-use", F (LOCAL_PORT_IN_USE), "36307",
    { "Authenticated to 127.0.0.1 ([127.0.0.1]:34741) using \"publickey\".",
      "debug1: Local forwarding listening on 127.0.0.1 port 36307.",
      "bind [127.0.0.1]:36307: Address already in use",
      "channel_setup_fwd_listener_tcpip: cannot listen to port: 36307",
      "Could not request local forwarding.", NULL } },
  { "privileged-port", F (BAD_CONFIG), "bind [127.0.0.1]:81: Permission denied",
    { "bind [127.0.0.1]:81: Permission denied",
      "channel_setup_fwd_listener_tcpip: cannot listen to port: 81",
      "Could not request local forwarding.", NULL } },
  { "too-many-auth-failures", F (AUTH), NULL,
    { "Warning: Permanently added '[127.0.0.1]:34647' (ED25519) to the list of known hosts.",
      "Received disconnect from 127.0.0.1 port 34647:2: Too many authentication failures",
      "Disconnected from 127.0.0.1 port 34647", NULL } },
  { "banner-timeout", F (TIMEOUT), NULL,
    { "debug1: fd 3 clearing O_NONBLOCK", "Connection timed out during banner exchange",
      "Connection to 127.0.0.1 port 42757 timed out", NULL } },
  { "session-killed", F (CLOSED), "127.0.0.1",
    { "debug1: Entering interactive session.",
      "Connection to 127.0.0.1 closed by remote host.",
      "Transferred: sent 3360, received 3168 bytes, in 1.4 seconds", NULL } },
  { "unsupported-then-dns", F (DNS), "example.com",
    { "command-line line 0: Unsupported option \"compressionlevel\"",
      "ssh: Could not resolve hostname example.com: Temporary failure in name resolution",
      NULL } },
};

static void
test_run (gconstpointer data)
{
  const RunCase *c = data;
  AsdSshMessage kept = { 0, };

  for (gsize i = 0; c->lines[i] != NULL; i++)
    {
      AsdSshMessage message = { 0, };

      asd_ssh_message_classify (c->lines[i], &message);
      if (message.event == ASD_SSH_EVENT_FAILURE &&
          asd_ssh_failure_outranks (message.failure, kept.failure))
        {
          asd_ssh_message_clear (&kept);
          kept = message;
          continue;
        }
      asd_ssh_message_clear (&message);
    }
  g_assert_cmpint (kept.failure, ==, c->failure);
  g_assert_cmpstr (kept.detail, ==, c->detail);
  asd_ssh_message_clear (&kept);
}

/* Every failure has a reason code of its own and a sentence; a detail
 * becomes the code's detail (a port as a number). */
static void
test_reasons (void)
{
  g_autoptr(GHashTable) codes = g_hash_table_new (NULL, NULL);

  for (AsdSshFailure failure = F (NONE); failure < N_FAILURES; failure++)
    {
      g_autoptr(AsdReason) plain = asd_ssh_failure_to_reason (failure, NULL);
      g_autoptr(AsdReason) detailed = asd_ssh_failure_to_reason (failure, "4242");
      g_autofree char *text = asd_reason_to_text (plain);
      g_autofree char *detailed_text = asd_reason_to_text (detailed);

      g_assert_true (text != NULL && *text != '\0' && g_utf8_validate (text, -1, NULL));
      g_assert_null (strstr (text, "%"));
      g_assert_false (g_hash_table_contains (codes, GINT_TO_POINTER (plain->code)));
      g_hash_table_add (codes, GINT_TO_POINTER (plain->code));
      if (failure != F (NONE))
        {
          g_assert_cmpint (plain->code, !=, ASD_REASON_NONE);
          g_assert_cmpuint (g_variant_n_children (detailed->details), ==, 1);
          g_assert_nonnull (strstr (detailed_text, "4242"));
        }
    }
}

/* Every detail the table gives ends up in its reason, typed. */
static void
test_reasons_use_details (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (line_cases); i++)
    {
      const LineCase *c = &line_cases[i];
      g_autoptr(AsdReason) reason = NULL;
      g_autofree char *text = NULL;
      guint32 port;

      if (c->detail == NULL)
        continue;
      reason = asd_ssh_failure_to_reason (c->failure, c->detail);
      text = asd_reason_to_text (reason);
      g_assert_nonnull (strstr (text, c->detail));
      if (g_variant_lookup (reason->details, ASD_DETAIL_PORT, "u", &port))
        g_assert_cmpuint (port, ==, g_ascii_strtoull (c->detail, NULL, 10));
      else
        g_assert_cmpuint (g_variant_n_children (reason->details), ==, 1);
    }
}

/* Lines a server can send in its banner, made to make a backtracking
 * matcher take time quadratic in their length (a 200 KB one took 14.7 s
 * of CPU): the matcher must stay linear, so these 1 MB lines are over in
 * milliseconds; a quadratic matcher runs into the test's time limit. */
static void
test_hostile_lines (void)
{
  const struct { const char *head, *unit, *tail; AsdSshFailure failure; } cases[] = {
    { "bind [", "]:", "", ASD_SSH_FAILURE_NONE },
    { "bind [", "]:", "1: Address already in use", ASD_SSH_FAILURE_LOCAL_PORT_IN_USE },
    { "", "Connection to ", "", ASD_SSH_FAILURE_NONE },
    { "", " line 1: ", "", ASD_SSH_FAILURE_BAD_CONFIG },
    { "x", "remote port forwarding failed for listen port ", "", ASD_SSH_FAILURE_REMOTE_PORT_IN_USE },
    { "No ", " host key is known for ", "", ASD_SSH_FAILURE_NONE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GString) line = g_string_new (cases[i].head);
      g_auto(AsdSshMessage) message = { 0, };

      while (line->len < 1024 * 1024)
        g_string_append (line, cases[i].unit);
      g_string_append (line, cases[i].tail);
      asd_ssh_message_classify (line->str, &message);
      g_assert_cmpint (message.failure, ==, cases[i].failure);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (line_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/ssh-messages/line/%s", line_cases[i].name);

      g_test_add_data_func (path, &line_cases[i], test_classify);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (run_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/ssh-messages/run/%s", run_cases[i].name);

      g_test_add_data_func (path, &run_cases[i], test_run);
    }
  g_test_add_func ("/ssh-messages/hostile-lines", test_hostile_lines);
  g_test_add_func ("/ssh-messages/retry", test_retry);
  g_test_add_func ("/ssh-messages/outranks", test_outranks);
  g_test_add_func ("/ssh-messages/reasons", test_reasons);
  g_test_add_func ("/ssh-messages/reasons-use-details", test_reasons_use_details);

  return g_test_run ();
}
