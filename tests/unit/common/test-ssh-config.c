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

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ssh-config/argv", test_argv);
  g_test_add_func ("/ssh-config/value", test_value);
  g_test_add_func ("/ssh-config/expand-path", test_expand_path);
  return g_test_run ();
}
