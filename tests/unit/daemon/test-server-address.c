/* test-server-address.c: `ssh -G` asked once per tunnel configuration
 *
 * A retrying tunnel probes its server every 2 s; asking ssh where that is
 * each time was most of what 500 such tunnels cost (issue 9, finding 12).
 * The real ssh answers (with -F /dev/null, so no user configuration leaks
 * in), through a script first on its command line that counts its runs.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib/gstdio.h>

#include "asd-server-address.h"

typedef struct {
  char *dir;
  char *ssh;                     /* the counting script */
  char *log;                     /* one line per run */
  AsdServerAddress *address;
} Fixture;

typedef struct {
  guint answers;
  char *host;
  guint16 port;
  GError *error;
} Answer;

static void
fixture_set_up (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *script = NULL;

  fx->dir = g_dir_make_tmp ("test-server-address-XXXXXX", &error);
  g_assert_no_error (error);
  fx->ssh = g_build_filename (fx->dir, "ssh", NULL);
  fx->log = g_build_filename (fx->dir, "runs", NULL);
  script = g_strdup_printf ("#!/bin/sh\necho \"$*\" >> '%s'\nexec ssh -F /dev/null \"$@\"\n", fx->log);
  g_file_set_contents (fx->ssh, script, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (fx->ssh, 0700), ==, 0);
  fx->address = asd_server_address_new ();
}

static void
fixture_tear_down (Fixture *fx, gconstpointer data)
{
  g_clear_object (&fx->address);
  g_unlink (fx->log);
  g_unlink (fx->ssh);
  g_rmdir (fx->dir);
  g_free (fx->log);
  g_free (fx->ssh);
  g_free (fx->dir);
}

/* How many times ssh ran. */
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

/* The command line of a tunnel to 127.0.0.1:@port, through the script. */
static void
set_port (Fixture *fx, const char *port, const char *extra)
{
  const char *argv[] = { fx->ssh, "-N", "-p", port, extra != NULL ? extra : "127.0.0.1",
                         extra != NULL ? "127.0.0.1" : NULL, NULL };

  asd_server_address_set_argv (fx->address, argv);
}

static void
on_looked_up (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Answer *answer = user_data;

  g_clear_pointer (&answer->host, g_free);
  g_clear_error (&answer->error);
  asd_server_address_lookup_finish (ASD_SERVER_ADDRESS (source), result, &answer->host,
                                    &answer->port, &answer->error);
  answer->answers++;
}

static void
answer_clear (Answer *answer)
{
  g_clear_pointer (&answer->host, g_free);
  g_clear_error (&answer->error);
}

static void
wait_answers (Answer *answer, guint answers)
{
  while (answer->answers < answers)
    g_main_context_iteration (NULL, TRUE);
}

/* Looks up and waits for the answer. */
static void
look_up (Fixture *fx, Answer *answer)
{
  guint before = answer->answers;

  asd_server_address_lookup_async (fx->address, NULL, on_looked_up, answer);
  wait_answers (answer, before + 1);
}

/* The first lookup runs ssh; the next ones do not, until forgotten. */
static void
test_kept (Fixture *fx, gconstpointer data)
{
  Answer answer = { 0, };

  set_port (fx, "2222", NULL);
  look_up (fx, &answer);
  g_assert_no_error (answer.error);
  g_assert_cmpstr (answer.host, ==, "127.0.0.1");
  g_assert_cmpuint (answer.port, ==, 2222);
  g_assert_cmpuint (runs (fx), ==, 1);
  for (guint i = 0; i < 5; i++)
    look_up (fx, &answer);
  g_assert_cmpstr (answer.host, ==, "127.0.0.1");
  g_assert_cmpuint (answer.port, ==, 2222);
  g_assert_cmpuint (runs (fx), ==, 1);

  asd_server_address_forget (fx->address);
  look_up (fx, &answer);
  g_assert_cmpuint (answer.port, ==, 2222);
  g_assert_cmpuint (runs (fx), ==, 2);
  answer_clear (&answer);
}

/* Callers that ask while ssh runs share its answer. */
static void
test_shared (Fixture *fx, gconstpointer data)
{
  Answer answer = { 0, };

  set_port (fx, "2222", NULL);
  for (guint i = 0; i < 3; i++)
    asd_server_address_lookup_async (fx->address, NULL, on_looked_up, &answer);
  wait_answers (&answer, 3);
  g_assert_cmpuint (answer.port, ==, 2222);
  g_assert_cmpuint (runs (fx), ==, 1);
  answer_clear (&answer);
}

/* The same command line keeps the answer; another one asks again; one
 * forgotten while ssh runs is asked again for the waiting callers. */
static void
test_new_argv (Fixture *fx, gconstpointer data)
{
  Answer answer = { 0, };

  set_port (fx, "2222", NULL);
  look_up (fx, &answer);
  set_port (fx, "2222", NULL);
  look_up (fx, &answer);
  g_assert_cmpuint (runs (fx), ==, 1);

  set_port (fx, "2223", NULL);
  look_up (fx, &answer);
  g_assert_cmpuint (answer.port, ==, 2223);
  g_assert_cmpuint (runs (fx), ==, 2);

  asd_server_address_forget (fx->address);
  asd_server_address_lookup_async (fx->address, NULL, on_looked_up, &answer);
  set_port (fx, "2224", NULL);
  wait_answers (&answer, 4);
  g_assert_no_error (answer.error);
  g_assert_cmpuint (answer.port, ==, 2224);
  answer_clear (&answer);
}

/* Behind a proxy there is nothing to probe; that answer is kept too. */
static void
test_proxy (Fixture *fx, gconstpointer data)
{
  Answer answer = { 0, };

  set_port (fx, "2222", "-Jjump.example");
  look_up (fx, &answer);
  g_assert_error (answer.error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  look_up (fx, &answer);
  g_assert_error (answer.error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  g_assert_cmpuint (runs (fx), ==, 1);
  answer_clear (&answer);
}

static void
test_no_command (Fixture *fx, gconstpointer data)
{
  Answer answer = { 0, };

  look_up (fx, &answer);
  g_assert_error (answer.error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED);
  g_assert_cmpuint (runs (fx), ==, 0);
  answer_clear (&answer);
}

int
main (int argc, char **argv)
{
  g_autofree char *ssh = NULL;

  g_test_init (&argc, &argv, NULL);
  ssh = g_find_program_in_path ("ssh");
  if (ssh == NULL)
    {
      g_test_skip ("no ssh");
      return g_test_run ();
    }
#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD ("/server-address/kept", test_kept);
  ADD ("/server-address/shared", test_shared);
  ADD ("/server-address/new-argv", test_new_argv);
  ADD ("/server-address/proxy", test_proxy);
  ADD ("/server-address/no-command", test_no_command);
  return g_test_run ();
}
