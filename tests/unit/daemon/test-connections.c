/* test-connections.c: which tunnels share a connection
 *
 * The connection key of asd-connections.c, from the real `ssh -G` (with
 * -F /dev/null, so no user configuration leaks in, through a script first
 * on the command line that counts its runs): forwards aside, equal
 * settings share, and so do two names of one server; another port, user
 * or approved host key does not; a remote command never shares; one
 * `ssh -G` answers many tunnels until the keys are forgotten (Reload).
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>

#include <glib/gstdio.h>

#include "asd-connections.h"

typedef struct {
  char *dir;
  char *ssh;                     /* the counting script */
  char *log;                     /* one line per run */
  AsdConnections *connections;
} Fixture;

static void
fixture_set_up (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *script = NULL;

  fx->dir = g_dir_make_tmp ("test-connections-XXXXXX", &error);
  g_assert_no_error (error);
  fx->ssh = g_build_filename (fx->dir, "ssh", NULL);
  fx->log = g_build_filename (fx->dir, "runs", NULL);
  script = g_strdup_printf ("#!/bin/sh\necho \"$*\" >> '%s'\nexec ssh -F /dev/null \"$@\"\n", fx->log);
  g_file_set_contents (fx->ssh, script, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (fx->ssh, 0700), ==, 0);
  fx->connections = asd_connections_new (NULL, NULL, NULL);
}

static void
fixture_tear_down (Fixture *fx, gconstpointer data)
{
  g_clear_object (&fx->connections);
  g_unlink (fx->log);
  g_unlink (fx->ssh);
  g_rmdir (fx->dir);
  g_free (fx->log);
  g_free (fx->ssh);
  g_free (fx->dir);
}

static guint
runs (Fixture *fx)
{
  g_autofree char *text = NULL;
  guint lines = 0;

  if (!g_file_get_contents (fx->log, &text, NULL, NULL))
    return 0;
  for (const char *c = text; *c != '\0'; c++)
    lines += *c == '\n';
  return lines;
}

/* Settings of a tunnel to @destination port 2222 as root, with a forward. */
static AsdTunnelSettings *
settings_for (const char *destination, const char *forward)
{
  AsdTunnelSettings *s = asd_tunnel_settings_new ();
  const char *forwards[] = { forward, NULL };

  s->destination = g_strdup (destination);
  s->port = 2222;
  s->user = g_strdup ("root");
  g_strfreev (s->local_forwards);
  s->local_forwards = g_strdupv ((char **) forwards);
  return s;
}

static void
on_key (GObject *source, GAsyncResult *result, gpointer user_data)
{
  char **key = user_data;

  *key = asd_connections_key_finish (result);
}

/* The keys of @n tunnels asked at once. */
static void
keys_of (Fixture *fx, AsdTunnelSettings **settings, char **keys, guint n)
{
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(AsdTunnelSettings) master = asd_connections_settings_of (settings[i]);
      g_auto(GStrv) argv = asd_tunnel_settings_ssh_argv (master, fx->ssh);
      g_autofree char *name = g_strdup_printf ("t%u", i);

      keys[i] = NULL;
      asd_connections_key_async (fx->connections, name, master, (const char * const *) argv,
                                 NULL, on_key, &keys[i]);
    }
  for (guint i = 0; i < n; i++)
    while (keys[i] == NULL)
      g_main_context_iteration (NULL, TRUE);
}

static void
test_forwards_aside (Fixture *fx, gconstpointer data)
{
  AsdTunnelSettings *s[3] = {
    settings_for ("127.0.0.1", "8001:127.0.0.1:80"),
    settings_for ("127.0.0.1", "8002:127.0.0.1:80"),
    settings_for ("127.0.0.1", "8003:127.0.0.1:80"),
  };
  char *keys[3];

  g_strfreev (s[2]->remote_forwards);
  s[2]->remote_forwards = g_strsplit ("9000:127.0.0.1:22", ";", -1);
  keys_of (fx, s, keys, 3);
  g_assert_cmpstr (keys[0], ==, keys[1]);
  g_assert_cmpstr (keys[0], ==, keys[2]);
  g_assert_null (strstr (keys[0], "8001"));
  g_assert_cmpuint (runs (fx), ==, 1);   /* asked at once: one ssh -G */
  for (guint i = 0; i < 3; i++)
    {
      g_free (keys[i]);
      asd_tunnel_settings_free (s[i]);
    }
}

static void
test_what_differs (Fixture *fx, gconstpointer data)
{
  AsdTunnelSettings *s[5] = {
    settings_for ("127.0.0.1", "8001:127.0.0.1:80"),
    settings_for ("127.0.0.1", "8002:127.0.0.1:80"),
    settings_for ("127.0.0.1", "8003:127.0.0.1:80"),
    settings_for ("127.0.0.1", "8004:127.0.0.1:80"),
    settings_for ("other-name", "8005:127.0.0.1:80"),
  };
  char *keys[5];

  s[1]->port = 2223;
  g_free (s[2]->user);
  s[2]->user = g_strdup ("nobody");
  s[3]->trusted_host_key = g_strdup ("SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
  /* another name of the same server: resolved, it is the same */
  g_strfreev (s[4]->ssh_options);
  s[4]->ssh_options = g_strsplit ("HostName=127.0.0.1", ";", -1);
  keys_of (fx, s, keys, 5);
  for (guint i = 1; i < 4; i++)
    g_assert_cmpstr (keys[0], !=, keys[i]);
  g_assert_cmpstr (keys[0], ==, keys[4]);
  for (guint i = 0; i < 5; i++)
    {
      g_free (keys[i]);
      asd_tunnel_settings_free (s[i]);
    }
}

static void
test_remote_command_alone (Fixture *fx, gconstpointer data)
{
  AsdTunnelSettings *s[2] = {
    settings_for ("127.0.0.1", "8001:127.0.0.1:80"),
    settings_for ("127.0.0.1", "8002:127.0.0.1:80"),
  };
  char *keys[2];

  for (guint i = 0; i < 2; i++)
    {
      g_strfreev (s[i]->ssh_options);
      s[i]->ssh_options = g_strsplit ("RemoteCommand=uptime", ";", -1);
    }
  keys_of (fx, s, keys, 2);
  g_assert_cmpstr (keys[0], !=, keys[1]);
  g_assert_true (g_str_has_prefix (keys[0], "own\n"));
  for (guint i = 0; i < 2; i++)
    {
      g_free (keys[i]);
      asd_tunnel_settings_free (s[i]);
    }
}

static void
test_kept_until_forgotten (Fixture *fx, gconstpointer data)
{
  AsdTunnelSettings *s[1] = { settings_for ("127.0.0.1", "8001:127.0.0.1:80") };
  char *first[1], *again[1], *after[1];

  keys_of (fx, s, first, 1);
  keys_of (fx, s, again, 1);
  g_assert_cmpuint (runs (fx), ==, 1);
  asd_connections_forget_keys (fx->connections);
  keys_of (fx, s, after, 1);
  g_assert_cmpuint (runs (fx), ==, 2);
  g_assert_cmpstr (first[0], ==, again[0]);
  g_assert_cmpstr (first[0], ==, after[0]);
  g_free (first[0]);
  g_free (again[0]);
  g_free (after[0]);
  asd_tunnel_settings_free (s[0]);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/connections/forwards-aside", Fixture, NULL, fixture_set_up,
              test_forwards_aside, fixture_tear_down);
  g_test_add ("/connections/what-differs", Fixture, NULL, fixture_set_up,
              test_what_differs, fixture_tear_down);
  g_test_add ("/connections/remote-command-alone", Fixture, NULL, fixture_set_up,
              test_remote_command_alone, fixture_tear_down);
  g_test_add ("/connections/kept-until-forgotten", Fixture, NULL, fixture_set_up,
              test_kept_until_forgotten, fixture_tear_down);
  return g_test_run ();
}
