/* test-control-socket.c: where a tunnel's ssh listens as control master
 *
 * A fresh path per ssh in the private directory, or none when ssh could
 * not bind it (its temporary name is 17 characters longer); the options
 * that make ssh the master; and the clean-up at start-up, which removes
 * our own stale sockets and nothing else.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <glib/gstdio.h>

#include "asd-control-socket.h"

static void
test_new_path (void)
{
  g_autofree char *a = asd_control_socket_new_path ("/run/user/1000/autosshd");
  g_autofree char *b = asd_control_socket_new_path ("/run/user/1000/autosshd");
  g_autofree char *long_dir = g_strnfill (80, 'd');
  g_autofree char *too_long = NULL;
  g_autofree char *dir = g_path_get_dirname (a);
  g_autofree char *name = g_path_get_basename (a);

  g_assert_cmpstr (dir, ==, "/run/user/1000/autosshd");
  g_assert_true (g_str_has_prefix (name, "ssh-ctl-"));
  g_assert_cmpuint (strlen (name), ==, strlen ("ssh-ctl-") + 16);
  g_assert_cmpstr (a, !=, b);
  too_long = asd_control_socket_new_path (long_dir);
  g_assert_null (too_long);
}

static void
test_options (void)
{
  g_auto(GStrv) options = asd_control_socket_ssh_options ("/x/ssh-ctl-1");
  const char *expected[] = { "-o", "ControlMaster=yes", "-o", "ControlPath=/x/ssh-ctl-1",
                             "-o", "ControlPersist=no", NULL };

  g_assert_true (g_strv_equal ((const char * const *) options, expected));
}

static void
make_socket (const char *path)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  int fd = socket (AF_UNIX, SOCK_STREAM, 0);

  g_strlcpy (addr.sun_path, path, sizeof addr.sun_path);
  g_assert_cmpint (bind (fd, (struct sockaddr *) &addr, sizeof addr), ==, 0);
  close (fd);
}

static void
test_remove_stale (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("test-ctl-XXXXXX", &error);
  g_autofree char *stale = g_build_filename (dir, "ssh-ctl-00112233", NULL);
  g_autofree char *other = g_build_filename (dir, "askpass", NULL);
  g_autofree char *file = g_build_filename (dir, "ssh-ctl-file", NULL);

  g_assert_no_error (error);
  make_socket (stale);
  make_socket (other);
  g_assert_true (g_file_set_contents (file, "", 0, NULL));
  asd_control_socket_remove_stale (dir);
  g_assert_false (g_file_test (stale, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (other, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (file, G_FILE_TEST_EXISTS));
  g_unlink (other);
  g_unlink (file);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/control-socket/new-path", test_new_path);
  g_test_add_func ("/control-socket/options", test_options);
  g_test_add_func ("/control-socket/remove-stale", test_remove_stale);
  return g_test_run ();
}
