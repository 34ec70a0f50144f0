/* test-tunnel-store.c: the tunnels' files (AsdTunnelStore) in a temp dir
 *
 * The store is what the manager asks for the tunnels on disk and what a
 * tunnel saves through: listing, loading (a broken file gives its file and
 * line), atomic 0600 saving, deleting.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <glib/gstdio.h>

#include "asd-error.h"
#include "asd-tunnel-store.h"

typedef struct {
  char *tmp;          /* removed at teardown */
  char *dir;          /* tmp/tunnels, not made yet */
  AsdTunnelStore *store;
} Fixture;

static void
rm_rf (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        rm_rf (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static void
setup (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  fx->tmp = g_dir_make_tmp ("asd-store-XXXXXX", &error);
  g_assert_no_error (error);
  fx->dir = g_build_filename (fx->tmp, "tunnels", NULL);
  fx->store = asd_tunnel_store_new (fx->dir);
}

static void
teardown (Fixture *fx, gconstpointer data)
{
  g_clear_object (&fx->store);
  rm_rf (fx->tmp);
  g_free (fx->dir);
  g_free (fx->tmp);
}

static char *
write_file (Fixture *fx, const char *file, const char *text)
{
  g_autofree char *path = g_build_filename (fx->dir, file, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (fx->dir, 0700), ==, 0);
  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
  return g_steal_pointer (&path);
}

static void
assert_names (GPtrArray *names, const char * const *expected)
{
  g_ptr_array_add (names, NULL);
  g_assert_cmpstrv ((const char * const *) names->pdata, expected);
}

static void
test_list_missing_dir (Fixture *fx, gconstpointer data)
{
  g_autoptr(GPtrArray) names = asd_tunnel_store_list (fx->store);

  g_assert_cmpstr (asd_tunnel_store_get_dir (fx->store), ==, fx->dir);
  assert_names (names, (const char *[]) { NULL });
}

/* Only NAME.conf with a valid NAME is a tunnel; the rest is left alone
 * (an invalid name is logged: the listing runs in a child, where a
 * warning is not fatal, on the parent's directory). */
static void
test_list (Fixture *fx, gconstpointer data)
{
  g_autoptr(GPtrArray) names = NULL;

  if (g_test_subprocess ())
    {
      g_autoptr(AsdTunnelStore) store = asd_tunnel_store_new (g_getenv ("TEST_STORE_DIR"));

      g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL);
      names = asd_tunnel_store_list (store);
      for (guint i = 0; i < names->len; i++)
        g_print ("[%s]", (char *) g_ptr_array_index (names, i));
      return;
    }
  g_free (write_file (fx, "web.conf", "[Tunnel]\n"));
  g_free (write_file (fx, "a-1_B.conf", "[Tunnel]\n"));
  g_free (write_file (fx, "notes.txt", "[Tunnel]\n"));
  g_free (write_file (fx, "web.conf~", "[Tunnel]\n"));
  g_free (write_file (fx, "web.conf.bak", "[Tunnel]\n"));
  g_free (write_file (fx, "web.conf.Ab12cD", "[Tunnel]\n"));   /* a save cut short */
  g_free (write_file (fx, "web.conf.Ab12c-", "[Tunnel]\n"));   /* not one of ours */
  g_free (write_file (fx, "bad name.conf", "[Tunnel]\n"));
  g_free (write_file (fx, "bäd.conf", "[Tunnel]\n"));
  g_free (write_file (fx, ".conf", "[Tunnel]\n"));
  g_setenv ("TEST_STORE_DIR", fx->dir, TRUE);
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("[a-1_B][web]");
  {
    g_autofree char *leftover = g_build_filename (fx->dir, "web.conf.Ab12cD", NULL);
    g_autofree char *kept = g_build_filename (fx->dir, "web.conf.Ab12c-", NULL);
    g_autofree char *bak = g_build_filename (fx->dir, "web.conf.bak", NULL);

    g_assert_false (g_file_test (leftover, G_FILE_TEST_EXISTS));
    g_assert_true (g_file_test (kept, G_FILE_TEST_EXISTS));
    g_assert_true (g_file_test (bak, G_FILE_TEST_EXISTS));
  }
  g_test_trap_assert_stderr ("*/bad name.conf: *bad name* is not a valid tunnel name*");
  g_test_trap_assert_stderr ("*/b*d.conf: *b*d* is not a valid tunnel name*");
  g_test_trap_assert_stderr ("*/.conf: * is not a valid tunnel name*");
}

static void
test_load (Fixture *fx, gconstpointer data)
{
  g_autoptr(AsdTunnelSettings) settings = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = write_file (fx, "web.conf",
                                      "# a comment\n[Tunnel]\nDestination=example.org\nPort=2222\n"
                                      "LocalForward=8080:localhost:80;\nAutoStart=false\n");
  g_autofree char *expected = asd_tunnel_store_path (fx->store, "web");

  g_assert_cmpstr (path, ==, expected);
  settings = asd_tunnel_store_load (fx->store, "web", &error);
  g_assert_no_error (error);
  g_assert_nonnull (settings);
  g_assert_cmpstr (settings->destination, ==, "example.org");
  g_assert_cmpuint (settings->port, ==, 2222);
  g_assert_cmpstrv (settings->local_forwards, ((const char *[]) { "8080:localhost:80", NULL }));
  g_assert_false (settings->auto_start);
}

/* A broken file: the error names the file and the line. */
static void
test_load_broken (Fixture *fx, gconstpointer data)
{
  g_autofree char *path = write_file (fx, "bad.conf",
                                      "[Tunnel]\nDestination=example.org\nthis is not a key\n");
  g_autofree char *bad_value = write_file (fx, "bad2.conf", "[Tunnel]\nPort=abc\n");
  g_autofree char *prefix = g_strdup_printf ("%s:3: ", path);
  g_autofree char *prefix2 = g_strdup_printf ("%s:2: ", bad_value);
  g_autoptr(GError) error = NULL;
  AsdTunnelSettings *settings = asd_tunnel_store_load (fx->store, "bad", &error);

  g_assert_null (settings);
  g_assert_error (error, ASD_ERROR, ASD_ERROR_INVALID_SETTINGS);
  g_assert_true (g_str_has_prefix (error->message, prefix));
  g_clear_error (&error);

  settings = asd_tunnel_store_load (fx->store, "bad2", &error);
  g_assert_null (settings);
  g_assert_error (error, ASD_ERROR, ASD_ERROR_INVALID_SETTINGS);
  g_assert_true (g_str_has_prefix (error->message, prefix2));
  g_clear_error (&error);

  settings = asd_tunnel_store_load (fx->store, "missing", &error);
  g_assert_null (settings);
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
}

static AsdTunnelSettings *
some_settings (const char *destination)
{
  AsdTunnelSettings *settings = asd_tunnel_settings_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) values = g_variant_ref_sink (g_variant_new_parsed (
    "{'Destination': <%s>, 'Port': <uint16 2222>, 'LocalForward': <['8080:localhost:80']>,"
    " 'SshOptions': <['ServerAliveInterval=7']>, 'AutoStart': <false>}", destination));

  asd_tunnel_settings_apply_variant (settings, values, &error);
  g_assert_no_error (error);
  return settings;
}

static char *
read_fd (int fd)
{
  char buffer[4096];
  gssize n = pread (fd, buffer, sizeof buffer - 1, 0);

  g_assert_cmpint (n, >=, 0);
  buffer[n] = '\0';
  return g_strdup (buffer);
}

/* Saved: the directory is made, the file is 0600, loads back equal, and a
 * second save replaces the file by a new one (rename) instead of writing
 * into it, leaving nothing else behind. */
static void
test_save (Fixture *fx, gconstpointer data)
{
  g_autoptr(AsdTunnelSettings) first = some_settings ("one.example.org");
  g_autoptr(AsdTunnelSettings) second = some_settings ("two.example.org");
  g_autoptr(AsdTunnelSettings) loaded = NULL;
  g_autoptr(GPtrArray) names = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = asd_tunnel_store_path (fx->store, "web");
  g_autofree char *old_text = NULL;
  GStatBuf before, after;
  int fd;

  g_assert_true (asd_tunnel_store_save (fx->store, "web", first, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (path, &before), ==, 0);
  g_assert_cmpint (before.st_mode & 07777, ==, 0600);
  loaded = asd_tunnel_store_load (fx->store, "web", &error);
  g_assert_no_error (error);
  g_assert_true (asd_tunnel_settings_equal (loaded, first));
  g_clear_pointer (&loaded, asd_tunnel_settings_free);

  fd = g_open (path, O_RDONLY, 0);
  g_assert_cmpint (fd, >=, 0);
  g_assert_true (asd_tunnel_store_save (fx->store, "web", second, &error));
  g_assert_no_error (error);
  old_text = read_fd (fd);          /* the old file, untouched */
  g_close (fd, NULL);
  g_assert_nonnull (strstr (old_text, "one.example.org"));
  g_assert_null (strstr (old_text, "two.example.org"));
  g_assert_cmpint (g_stat (path, &after), ==, 0);
  g_assert_cmpint (after.st_mode & 07777, ==, 0600);
  g_assert_cmpuint (after.st_ino, !=, before.st_ino);
  loaded = asd_tunnel_store_load (fx->store, "web", &error);
  g_assert_no_error (error);
  g_assert_true (asd_tunnel_settings_equal (loaded, second));

  names = asd_tunnel_store_list (fx->store);
  assert_names (names, (const char *[]) { "web", NULL });
  {
    g_autoptr(GDir) dir = g_dir_open (fx->dir, 0, NULL);
    g_assert_cmpstr (g_dir_read_name (dir), ==, "web.conf");
    g_assert_null (g_dir_read_name (dir));   /* no temp file left */
  }
}

/* A save that cannot be written is an error of ours (it goes over D-Bus). */
static void
test_save_fails (Fixture *fx, gconstpointer data)
{
  g_autoptr(AsdTunnelSettings) settings = some_settings ("example.org");
  g_autoptr(AsdTunnelStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *blocker = write_file (fx, "file", "not a directory\n");
  g_autofree char *dir = g_build_filename (blocker, "tunnels", NULL);

  store = asd_tunnel_store_new (dir);
  g_assert_false (asd_tunnel_store_save (store, "web", settings, &error));
  g_assert_error (error, ASD_ERROR, ASD_ERROR_FAILED);
}

static void
test_delete (Fixture *fx, gconstpointer data)
{
  g_autoptr(AsdTunnelSettings) settings = some_settings ("example.org");
  g_autoptr(GPtrArray) names = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = asd_tunnel_store_path (fx->store, "web");
  g_autofree char *in_the_way = NULL;

  g_assert_true (asd_tunnel_store_save (fx->store, "web", settings, &error));
  g_assert_true (asd_tunnel_store_save (fx->store, "other", settings, &error));
  g_assert_true (asd_tunnel_store_delete (fx->store, "web", &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  names = asd_tunnel_store_list (fx->store);
  assert_names (names, (const char *[]) { "other", NULL });

  /* gone already: nothing to do */
  g_assert_true (asd_tunnel_store_delete (fx->store, "web", &error));
  g_assert_no_error (error);

  /* a file that cannot be removed (a directory in its place) */
  g_assert_cmpint (g_mkdir (path, 0700), ==, 0);
  in_the_way = write_file (fx, "web.conf/x", "");
  g_assert_false (asd_tunnel_store_delete (fx->store, "web", &error));
  g_assert_error (error, ASD_ERROR, ASD_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, path));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(name, func) g_test_add ("/tunnel-store/" name, Fixture, NULL, setup, func, teardown)
  ADD ("list/missing-dir", test_list_missing_dir);
  ADD ("list", test_list);
  ADD ("load", test_load);
  ADD ("load/broken", test_load_broken);
  ADD ("save", test_save);
  ADD ("save/fails", test_save_fails);
  ADD ("delete", test_delete);
#undef ADD

  return g_test_run ();
}
