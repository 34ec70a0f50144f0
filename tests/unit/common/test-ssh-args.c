/* test-autossh-args.c: the autossh command line and ssh's argv from it
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "asd-ssh-args.h"
#include "asd-error.h"

typedef struct {
  const char *name;
  const char *argv[16];          /* autossh's arguments */
  gboolean background;
  const char *monitor;           /* the -M value, or NULL */
  const char *ssh_args[16];      /* what goes on to ssh */
} ParseCase;

/* The tldr examples for autossh, AUTOSSH-COMPAT's rules, and odd corners. */
static const ParseCase parse_cases[] = {
  { "tldr-forward", { "-M", "20000", "-L", "8080:localhost:80", "user@host", NULL },
    FALSE, "20000", { "-L", "8080:localhost:80", "user@host", NULL } },
  { "tldr-two-forwards", { "-M", "20000", "-L", "8080:localhost:80", "-L", "8443:localhost:443", "user@host", NULL },
    FALSE, "20000", { "-L", "8080:localhost:80", "-L", "8443:localhost:443", "user@host", NULL } },
  { "tldr-background", { "-f", "-M", "0", "-N", "-o", "ServerAliveInterval 30", "-o", "ServerAliveCountMax 3", "-L", "8080:localhost:80", "user@host", NULL },
    TRUE, "0", { "-N", "-o", "ServerAliveInterval 30", "-o", "ServerAliveCountMax 3", "-L", "8080:localhost:80", "user@host", NULL } },
  { "tldr-socks", { "-f", "-M", "20000", "-N", "-D", "1080", "user@host", NULL },
    TRUE, "20000", { "-N", "-D", "1080", "user@host", NULL } },
  { "tldr-jump", { "-f", "-M", "0", "-N", "-J", "user@jump", "-L", "8080:localhost:80", "user@host", NULL },
    TRUE, "0", { "-N", "-J", "user@jump", "-L", "8080:localhost:80", "user@host", NULL } },
  { "tldr-reverse", { "-f", "-M", "20000", "-N", "-R", "2222:localhost:22", "user@host", NULL },
    TRUE, "20000", { "-N", "-R", "2222:localhost:22", "user@host", NULL } },
  { "seed-example", { "-M", "0", "-N", "-o", "ServerAliveInterval 30", "-o", "ServerAliveCountMax 3", "-i", "KEY", "-L", "8080:localhost:80", "user@remotehost", NULL },
    FALSE, "0", { "-N", "-o", "ServerAliveInterval 30", "-o", "ServerAliveCountMax 3", "-i", "KEY", "-L", "8080:localhost:80", "user@remotehost", NULL } },
  { "no-reordering", { "-M", "0", "host", "ls", "-la", NULL },
    FALSE, "0", { "host", "ls", "-la", NULL } },
  { "command-keeps-f", { "-M", "0", "host", "tar", "-cf", "-", ".", NULL },
    FALSE, "0", { "host", "tar", "-cf", "-", ".", NULL } },
  { "options-after-host", { "host", "-M", "0", "-N", "-f", NULL },
    TRUE, "0", { "host", "-N", NULL } },
  { "f-in-cluster", { "-afx", "host", NULL },
    TRUE, NULL, { "-ax", "host", NULL } },
  { "f-cluster-with-value", { "-NfL", "8080:foo:80", "host", NULL },
    TRUE, NULL, { "-NL", "8080:foo:80", "host", NULL } },
  { "f-not-in-values", { "-L8080:foo:80", "-ofoo=f", "host", NULL },
    FALSE, NULL, { "-L8080:foo:80", "-ofoo=f", "host", NULL } },
  { "f-alone-dropped", { "-f", "host", NULL },
    TRUE, NULL, { "host", NULL } },
  { "M-attached", { "-M20000:7", "host", NULL },
    FALSE, "20000:7", { "host", NULL } },
  { "M-in-cluster", { "-NfM", "0", "host", NULL },
    TRUE, "0", { "-N", "host", NULL } },
  { "last-M-wins", { "-M", "1", "-M", "0", "host", NULL },
    FALSE, "0", { "host", NULL } },
  { "first-dashdash-dropped", { "-M", "0", "--", "-N", "host", "--", "cmd", NULL },
    FALSE, "0", { "-N", "host", "--", "cmd", NULL } },
  { "after-dashdash-untouched", { "--", "-f", "-M", "0", "host", NULL },
    FALSE, NULL, { "-f", "-M", "0", "host", NULL } },
  { "dash-is-a-destination", { "-M", "0", "-", NULL },
    FALSE, "0", { "-", NULL } },
  { "empty", { NULL },
    FALSE, NULL, { NULL } },
};

static void
test_parse (gconstpointer data)
{
  const ParseCase *c = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(AsdAutosshArgs) args = asd_autossh_args_parse (c->argv, &error);

  g_assert_no_error (error);
  g_assert_nonnull (args);
  g_assert_cmpint (args->background, ==, c->background);
  g_assert_cmpstr (args->monitor_spec, ==, c->monitor);
  g_assert_false (args->version);
  g_assert_cmpstrv (args->ssh_args, c->ssh_args);
}

static void
test_version (void)
{
  const char *argv[] = { "-V", NULL };
  g_autoptr(AsdAutosshArgs) args = asd_autossh_args_parse (argv, NULL);

  g_assert_nonnull (args);
  g_assert_true (args->version);
}

typedef struct {
  const char *name;
  const char *argv[6];
  const char *message;
} BadCase;

static const BadCase bad_cases[] = {
  { "unknown-option", { "-Z", "host", NULL }, "unknown option -- Z" },
  { "unknown-in-cluster", { "-NZ", "host", NULL }, "unknown option -- Z" },
  { "M-without-value", { "-M", NULL }, "option requires an argument -- M" },
  { "L-without-value", { "host", "-L", NULL }, "option requires an argument -- L" },
  { "colon-is-no-option", { "-:", "host", NULL }, "unknown option -- :" },
};

static void
test_parse_bad (gconstpointer data)
{
  const BadCase *c = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(AsdAutosshArgs) args = asd_autossh_args_parse (c->argv, &error);

  g_assert_null (args);
  g_assert_error (error, ASD_ERROR, ASD_ERROR_INVALID_ARGS);
  g_assert_cmpstr (error->message, ==, c->message);
}

static void
test_monitor_spec (void)
{
  const struct { const char *text; guint16 port, echo; } good[] = {
    { "0", 0, 0 }, { "20000", 20000, 0 }, { "20000:7", 20000, 7 },
    { "65534", 65534, 0 }, { "65535:7", 65535, 7 }, { "1:65535", 1, 65535 },
    { "0:7", 0, 0 },
  };
  const char *bad[] = {
    "", "abc", "-1", "65535", "70000", "20000:", "20000:0", "20000:x",
    "20000:70000", " 20000", "20000 ", "2e4", "0x10", ":7",
  };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      AsdMonitorSpec spec = { 1, 1 };
      g_autoptr(GError) error = NULL;

      g_assert_true (asd_monitor_spec_parse (good[i].text, &spec, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (spec.port, ==, good[i].port);
      g_assert_cmpuint (spec.echo_port, ==, good[i].echo);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      AsdMonitorSpec spec = { 0, 0 };
      g_autoptr(GError) error = NULL;

      g_assert_false (asd_monitor_spec_parse (bad[i], &spec, &error));
      g_assert_error (error, ASD_ERROR, ASD_ERROR_INVALID_ARGS);
      g_assert_nonnull (strstr (error->message, bad[i]));
    }
}

static void
test_server_alive (void)
{
  const char *set[][5] = {
    { "-o", "ServerAliveInterval 30", "host", NULL },
    { "-oServerAliveCountMax=3", "host", NULL },
    { "-No", "serveraliveinterval=5", "host", NULL },
    { "-NoServerAliveInterval=5", "host", NULL },
    { "host", "-o", "ServerAliveInterval=5", "cmd", NULL },
  };
  const char *unset[][5] = {
    { "host", NULL },
    { "-o", "Compression=yes", "host", NULL },
    { "-L", "ServerAliveInterval", "host", NULL },
    { "host", "ServerAliveInterval", NULL },
    { "-l", "o", "host", NULL },
    { "host", "cmd", "-o", "ServerAliveInterval=5", NULL },
    { "--", "-o", "ServerAliveInterval=5", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (set); i++)
    g_assert_true (asd_ssh_args_have_server_alive (set[i]));
  for (guint i = 0; i < G_N_ELEMENTS (unset); i++)
    g_assert_false (asd_ssh_args_have_server_alive (unset[i]));
}

static void
test_build_argv (void)
{
  const char *user[] = { "-N", "host", NULL };
  AsdMonitorSpec loop = { 20000, 0 }, echo = { 20000, 7 }, off = { 0, 0 };
  g_auto(GStrv) a = asd_ssh_argv_build ("ssh", &loop, FALSE, user);
  g_auto(GStrv) b = asd_ssh_argv_build ("/opt/ssh", &echo, FALSE, user);
  g_auto(GStrv) c = asd_ssh_argv_build ("ssh", &off, TRUE, user);
  g_auto(GStrv) d = asd_ssh_argv_build ("ssh", NULL, FALSE, user);
  const char *want_a[] = { "ssh", "-L", "20000:127.0.0.1:20000", "-R", "20000:127.0.0.1:20001", "-N", "host", NULL };
  const char *want_b[] = { "/opt/ssh", "-L", "20000:127.0.0.1:7", "-N", "host", NULL };
  const char *want_c[] = { "ssh", "-o", "ServerAliveInterval=30", "-o", "ServerAliveCountMax=3", "-N", "host", NULL };
  const char *want_d[] = { "ssh", "-N", "host", NULL };

  g_assert_cmpstrv (a, want_a);
  g_assert_cmpstrv (b, want_b);
  g_assert_cmpstrv (c, want_c);
  g_assert_cmpstrv (d, want_d);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (parse_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/autossh-args/parse/%s", parse_cases[i].name);
      g_test_add_data_func (path, &parse_cases[i], test_parse);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/autossh-args/bad/%s", bad_cases[i].name);
      g_test_add_data_func (path, &bad_cases[i], test_parse_bad);
    }
  g_test_add_func ("/autossh-args/version", test_version);
  g_test_add_func ("/autossh-args/monitor-spec", test_monitor_spec);
  g_test_add_func ("/autossh-args/server-alive", test_server_alive);
  g_test_add_func ("/autossh-args/build-argv", test_build_argv);
  return g_test_run ();
}
