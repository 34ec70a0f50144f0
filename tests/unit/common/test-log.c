/* Unit tests of asd-log: the common code logs in the domain of the program
 * that links it, and the supervisor's lines carry the tunnel's name in a
 * TUNNEL field (journalctl --user TUNNEL=web); a repeated fault is logged
 * once per interval, with the count of the lines left out.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <string.h>

#include "asd-log.h"
#include "asd-ssh-process.h"

typedef struct {
  char *domain;
  char *tunnel;
  char *message;
} Record;

static GPtrArray *records;

static void
record_free (gpointer data)
{
  Record *r = data;

  g_free (r->domain);
  g_free (r->tunnel);
  g_free (r->message);
  g_free (r);
}

static GLogWriterOutput
capture (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  Record *r = g_new0 (Record, 1);

  for (gsize i = 0; i < n_fields; i++)
    {
      char **slot = g_str_equal (fields[i].key, "GLIB_DOMAIN") ? &r->domain
                    : g_str_equal (fields[i].key, "TUNNEL") ? &r->tunnel
                    : g_str_equal (fields[i].key, "MESSAGE") ? &r->message : NULL;

      if (slot != NULL)
        *slot = g_strdup (fields[i].value);
    }
  g_ptr_array_add (records, r);
  return G_LOG_WRITER_HANDLED;
}

static void
on_exited (AsdSshProcess *process, gboolean signalled, gint code, gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
}

static void
test_supervisor_lines (void)
{
  const char *argv[] = { "/bin/true", NULL };
  g_autoptr(AsdSshProcess) ssh = asd_ssh_process_new (argv, ASD_SSH_PROCESS_READ_STDERR);
  g_autoptr(GError) error = NULL;
  gboolean exited = FALSE;
  gboolean found = FALSE;

  asd_log_set_domain ("autosshd");
  asd_ssh_process_set_tunnel_name (ssh, "web");
  g_signal_connect (ssh, "exited", G_CALLBACK (on_exited), &exited);
  g_assert_true (asd_ssh_process_start (ssh, &error));
  g_assert_no_error (error);
  while (!exited)
    g_main_context_iteration (NULL, TRUE);

  for (guint i = 0; i < records->len; i++)
    {
      Record *r = g_ptr_array_index (records, i);

      if (r->message != NULL && strstr (r->message, "ended") != NULL)
        {
          g_assert_cmpstr (r->domain, ==, "autosshd");
          g_assert_cmpstr (r->tunnel, ==, "web");
          found = TRUE;
        }
    }
  g_assert_true (found);
}

static void
test_without_tunnel (void)
{
  Record *r;

  asd_log_set_domain ("autossh");
  g_ptr_array_set_size (records, 0);
  asd_log_tunnel (NULL, G_LOG_LEVEL_MESSAGE, "hello %d", 42);
  g_assert_cmpuint (records->len, ==, 1);
  r = g_ptr_array_index (records, 0);
  g_assert_cmpstr (r->domain, ==, "autossh");
  g_assert_null (r->tunnel);
  g_assert_cmpstr (r->message, ==, "hello 42");
}

/* issue 9, finding 2: a flood of faults is one line per interval. */
static void
test_limited (void)
{
  AsdLogLimit limit = { 0, };
  Record *r;

  asd_log_set_domain ("autosshd");
  g_ptr_array_set_size (records, 0);
  for (int i = 0; i < 1000; i++)
    asd_log_limited (&limit, 1, G_LOG_LEVEL_WARNING, "fault %d", i);
  g_assert_cmpuint (records->len, ==, 1);
  r = g_ptr_array_index (records, 0);
  g_assert_cmpstr (r->domain, ==, "autosshd");
  g_assert_cmpstr (r->message, ==, "fault 0");
  g_usleep (1100 * 1000);
  asd_log_limited (&limit, 1, G_LOG_LEVEL_WARNING, "fault %d", 1000);
  asd_log_limited (&limit, 1, G_LOG_LEVEL_WARNING, "fault %d", 1001);
  g_assert_cmpuint (records->len, ==, 2);
  r = g_ptr_array_index (records, 1);
  g_assert_cmpstr (r->message, ==, "fault 1000 (and 999 more like it, not logged, since the last such line)");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  records = g_ptr_array_new_with_free_func (record_free);
  g_log_set_writer_func (capture, NULL, NULL);
  g_test_add_func ("/log/supervisor-lines", test_supervisor_lines);
  g_test_add_func ("/log/without-tunnel", test_without_tunnel);
  g_test_add_func ("/log/limited", test_limited);
  return g_test_run ();
}
