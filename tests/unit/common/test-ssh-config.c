/* Unit tests of asd-ssh-config: `ssh -G` and key file names.
 *
 * The service's askpass answer and `autosshctl passphrase` name a key's
 * keyring entry with asd_ssh_expand_path(); these cases are the ones where
 * two rules used to differ (~user/, relative names).
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <pwd.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "asd-error.h"
#include "asd-ssh-config.h"

static void
test_argv (void)
{
  const char *command[] = { "/usr/bin/ssh", "-N", "-p", "2222", "web", NULL };
  const char *expected[] = { "/usr/bin/ssh", "-G", "-N", "-p", "2222", "web", NULL };
  g_auto(GStrv) argv = asd_ssh_config_argv (command);

  g_assert_cmpstrv (argv, expected);
}

static void
test_value (void)
{
  const char *output = "user root\nhostname 127.0.0.1\nport 2222\nhostkeyalias  spaced \n"
                       "portal 1\nidentityfile ~/.ssh/id_work\nidentityfile ~/.ssh/id_rsa";
  const struct { const char *key, *value; } cases[] = {
    { "user", "root" }, { "hostname", "127.0.0.1" }, { "port", "2222" },
    { "hostkeyalias", "spaced" }, { "identityfile", "~/.ssh/id_work" },
    { "proxyjump", NULL }, { "host", NULL }, { "portal", "1" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *value = asd_ssh_config_value (output, cases[i].key);

      g_assert_cmpstr (value, ==, cases[i].value);
    }
  g_assert_null (asd_ssh_config_value ("", "user"));
  g_assert_null (asd_ssh_config_value ("user", "user"));
}

static void
test_expand_path (void)
{
  struct passwd *pw = getpwuid (getuid ());
  struct passwd *root = getpwnam ("root");
  g_autofree char *home = g_strdup (pw->pw_dir);
  g_autofree char *root_home = g_strdup (root->pw_dir);
  g_autofree char *in_home = g_build_filename (home, ".ssh", "id_work", NULL);
  g_autofree char *in_root_home = g_build_filename (root_home, "k", NULL);
  g_autofree char *relative = g_build_filename (home, "keys", "id", NULL);
  const struct { const char *path, *expected; } cases[] = {
    { "~/.ssh/id_work", in_home },
    { "~root/k", in_root_home },
    { "keys/id", relative },
    { "./keys//id", relative },
    { "~", home },
    { "/etc/ssh/../ssh/key", "/etc/ssh/key" },
    { "/abs/key", "/abs/key" },
  };
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = asd_ssh_expand_path (cases[i].path, &error);

      g_assert_no_error (error);
      g_assert_cmpstr (path, ==, cases[i].expected);
    }
  g_assert_null (asd_ssh_expand_path ("~no-such-user-here/k", &error));
  g_assert_error (error, ASD_ERROR, ASD_ERROR_INVALID_SETTINGS);
}

/* ---- asd_ssh_config_query_async(): bounded in time and output ---- */

typedef struct {
  gboolean done;
  char *output;
  GError *error;
} Query;

static void
on_query (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Query *query = user_data;

  query->output = asd_ssh_config_query_finish (result, &query->error);
  query->done = TRUE;
}

/* Runs the query for "ssh -N 127.0.0.1" where ssh is a script of body
 * @script (NULL: the real ssh). */
static void
query_run (Query *query, const char *script, GCancellable *cancellable)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("test-ssh-config-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "ssh", NULL);
  g_autofree char *text = g_strdup_printf ("#!/bin/sh\n%s\n", script != NULL ? script : "exec ssh -F /dev/null \"$@\"");
  const char *argv[] = { path, "-N", "127.0.0.1", NULL };

  g_assert_no_error (error);
  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (path, 0700), ==, 0);
  asd_ssh_config_query_async (argv, cancellable, on_query, query);
  if (cancellable != NULL)
    g_cancellable_cancel (cancellable);
  while (!query->done)
    g_main_context_iteration (NULL, TRUE);
  g_unlink (path);
  g_rmdir (dir);
}

static void
query_clear (Query *query)
{
  g_clear_pointer (&query->output, g_free);
  g_clear_error (&query->error);
}

static void
test_query (void)
{
  Query query = { 0, };
  g_autofree char *host = NULL;

  query_run (&query, NULL, NULL);
  g_assert_no_error (query.error);
  host = asd_ssh_config_value (query.output, "hostname");
  g_assert_cmpstr (host, ==, "127.0.0.1");
  query_clear (&query);
}

/* A program that prints without end is stopped at the bound. */
static void
test_query_too_much (void)
{
  Query query = { 0, };

  query_run (&query, "exec yes hostname", NULL);
  g_assert_error (query.error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE);
  g_assert_null (query.output);
  query_clear (&query);
}

/* A program that never ends is killed after ASD_SSH_CONFIG_TIMEOUT_S,
 * even when it leaves its output open. */
static void
test_query_timeout (void)
{
  Query query = { 0, };

  query_run (&query, "echo hostname x; exec sleep 60", NULL);
  g_assert_error (query.error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  query_clear (&query);
}

/* The forwards, from lines as `ssh -G` prints them. */
static void
test_forwards (void)
{
  const char *output = "user root\nlocalforward 8080 [localhost]:80\n"
                       "localforward [127.0.0.1]:8081 [::1]:81\nlocalforward [::1]:8082 [h]:82\n"
                       "remoteforward 2222 [localhost]:22\nremoteforward 0 /run/sock\n"
                       "localforward /tmp/a.sock [h]:83\ndynamicforward 1080\n"
                       "dynamicforward [127.0.0.1]:1081\nlocalforward\nlocalforwarding 1 2\n";
  const char *expected[] = { "-L 8080:localhost:80", "-L 127.0.0.1:8081:[::1]:81", "-L [::1]:8082:h:82",
                             "-R 2222:localhost:22", "-R 0:/run/sock", "-L /tmp/a.sock:h:83", "-D 1080",
                             "-D 127.0.0.1:1081", NULL };
  g_auto(GStrv) forwards = asd_ssh_config_forwards (output);
  g_auto(GStrv) none = asd_ssh_config_forwards ("hostname x\nport 22\n");

  g_assert_cmpstrv (forwards, expected);
  g_assert_cmpstrv (none, ((const char *[]) { NULL }));
}

/* ...and from what the real ssh prints for a ~/.ssh/config with forwards,
 * in its order: dynamic, local, remote. */
static void
test_forwards_from_ssh (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("test-ssh-config-XXXXXX", &error);
  g_autofree char *config = g_build_filename (dir, "config", NULL);
  g_autofree char *script = g_strdup_printf ("exec ssh -F '%s' \"$@\"", config);
  const char *expected[] = { "-D 1080", "-L 8080:localhost:80", "-L 127.0.0.1:8081:[::1]:81",
                             "-R 2222:localhost:22", NULL };
  g_auto(GStrv) forwards = NULL;
  Query query = { 0, };

  g_assert_no_error (error);
  g_file_set_contents (config, "Host 127.0.0.1\n  LocalForward 8080 localhost:80\n"
                       "  LocalForward 127.0.0.1:8081 [::1]:81\n  RemoteForward 2222 localhost:22\n"
                       "  DynamicForward 1080\nHost other\n  LocalForward 9999 localhost:99\n", -1, &error);
  g_assert_no_error (error);
  query_run (&query, script, NULL);
  g_assert_no_error (query.error);
  forwards = asd_ssh_config_forwards (query.output);
  g_assert_cmpstrv (forwards, expected);
  query_clear (&query);
  g_unlink (config);
  g_rmdir (dir);
}

/* Writes @text to @dir/@name. */
static char *
write_in (const char *dir, const char *name, const char *text)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (dir, name, NULL);

  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
  return path;
}

/* Whether ssh's configuration files could add forwards: keywords in any
 * case and form, Includes followed (relative, globs, nested), bounded. */
static void
test_files_may_forward (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("test-ssh-config-XXXXXX", &error);
  g_autofree char *missing = g_build_filename (dir, "missing", NULL);
  g_autofree char *sub = g_build_filename (dir, "conf.d", NULL);
  const struct { const char *text; gboolean may; } cases[] = {
    { "Host x\n  HostName 127.0.0.1\n  # LocalForward 1 x:2\n  ForwardAgent yes\n", FALSE },
    { "Host x\n  LocalForward 8080 localhost:80\n", TRUE },
    { "Host x\n\tremoteforward=2222 localhost:22\n", TRUE },
    { "DYNAMICFORWARD 1080\n", TRUE },
    { "Include conf.d/*.conf\n", TRUE },               /* b.conf forwards */
    { "Include conf.d/a.conf\n", FALSE },
    { "Include \"conf.d/none*.conf\" conf.d/a.conf\n", FALSE },
    { "Include conf.d/%h.conf\n", TRUE },              /* tokens: cannot tell */
    { "Include self\n", TRUE },                        /* too deep: cannot tell */
    { "Include /dev/null\n", TRUE },                   /* not a plain file */
  };
  g_autofree char *a = NULL, *b = NULL, *self = NULL;

  g_assert_no_error (error);
  g_assert_cmpint (g_mkdir (sub, 0700), ==, 0);
  a = write_in (sub, "a.conf", "Host a\n  Port 2222\n");
  b = write_in (sub, "b.conf", "Host b\n  LocalForward 1 x:2\n");
  self = write_in (dir, "self", "Include self\n");
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *config = write_in (dir, "config", cases[i].text);

      g_assert_cmpint (asd_ssh_config_files_may_forward (config, missing), ==, cases[i].may);
      g_assert_cmpint (asd_ssh_config_files_may_forward (missing, config), ==, cases[i].may);
      g_unlink (config);
    }
  g_assert_false (asd_ssh_config_files_may_forward (missing, missing));
  g_assert_true (asd_ssh_config_options_may_forward ((const char *[]) { "Port=1", "LocalForward=1 x:2", NULL }));
  g_assert_false (asd_ssh_config_options_may_forward ((const char *[]) { "Port=1", "ForwardX11=yes", NULL }));
  g_assert_false (asd_ssh_config_options_may_forward (NULL));
  g_unlink (a);
  g_unlink (b);
  g_unlink (self);
  g_rmdir (sub);
  g_rmdir (dir);
}

static void
test_query_cancelled (void)
{
  Query query = { 0, };
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();

  query_run (&query, "exec sleep 60", cancellable);
  g_assert_error (query.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  query_clear (&query);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ssh-config/argv", test_argv);
  g_test_add_func ("/ssh-config/value", test_value);
  g_test_add_func ("/ssh-config/expand-path", test_expand_path);
  g_test_add_func ("/ssh-config/query", test_query);
  g_test_add_func ("/ssh-config/query-too-much", test_query_too_much);
  g_test_add_func ("/ssh-config/query-timeout", test_query_timeout);
  g_test_add_func ("/ssh-config/query-cancelled", test_query_cancelled);
  g_test_add_func ("/ssh-config/forwards", test_forwards);
  g_test_add_func ("/ssh-config/forwards-from-ssh", test_forwards_from_ssh);
  g_test_add_func ("/ssh-config/files-may-forward", test_files_may_forward);
  return g_test_run ();
}
