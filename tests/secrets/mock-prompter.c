/* mock-prompter.c: gcr's mock system prompter on the session bus, for tests
 *
 *   mock-prompter [--timeout S] [--forget] STEP [PROPERTY=VALUE...] [STEP ...]...
 *
 * Starts gcr_mock_prompter_start() on $DBUS_SESSION_BUS_ADDRESS, prints its
 * bus name (one line: what autossh-notify takes in AUTOSSH_NOTIFY_PROMPTER),
 * and answers the prompts in order:
 *   password         "Continue" with the next line of stdin (the test
 *                    types it there, so it is in no argv)
 *   password-cancel  "Cancel" on a password prompt
 *   confirm          "Continue" on a confirmation
 *   confirm-cancel   "Cancel" on a confirmation
 * PROPERTY=VALUE after password or confirm: a string property the prompt
 * must have then (title, message, description, warning, choice-label,
 * continue-label, cancel-label).  A wrong value, an unexpected prompt or
 * a wrong kind of prompt is a critical, fatal here: the exit status is
 * then not 0.  Exits 0 once every step is answered and no prompt is open
 * any more; 3 after --timeout seconds (default 60) without that.
 * --forget: on every password step the user unticks the prompt's choice
 * (choice-chosen FALSE: "remember" is not chosen).
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define GCR_API_SUBJECT_TO_CHANGE
#include <gcr/gcr-base.h>

#define MAX_PROPERTIES 6

typedef struct {
  const char *kind;
  char *names[MAX_PROPERTIES + 1];
  char *values[MAX_PROPERTIES + 1];
} Step;

static char *
read_stdin_line (void)
{
  char buffer[4096];

  if (fgets (buffer, sizeof buffer, stdin) == NULL)
    {
      fprintf (stderr, "mock-prompter: no line on stdin for a password step\n");
      exit (2);
    }
  buffer[strcspn (buffer, "\n")] = '\0';
  return g_strdup (buffer);
}

/* The expectations take their properties as varargs: up to
 * MAX_PROPERTIES pairs, NULL-terminated by the first unused name. */
#define PROPS(s) \
  (s)->names[0], (s)->values[0], (s)->names[1], (s)->values[1], (s)->names[2], (s)->values[2], \
  (s)->names[3], (s)->values[3], (s)->names[4], (s)->values[4], (s)->names[5], (s)->values[5], NULL

static gboolean forget;

static void
expect (Step *step)
{
  if (g_str_equal (step->kind, "password"))
    {
      g_autofree char *secret = read_stdin_line ();

      if (forget)
        gcr_mock_prompter_expect_password_ok (secret, "choice-chosen", FALSE, PROPS (step));
      else
        gcr_mock_prompter_expect_password_ok (secret, PROPS (step));
    }
  else if (g_str_equal (step->kind, "password-cancel"))
    gcr_mock_prompter_expect_password_cancel ();
  else if (g_str_equal (step->kind, "confirm"))
    gcr_mock_prompter_expect_confirm_ok (PROPS (step));
  else if (g_str_equal (step->kind, "confirm-cancel"))
    gcr_mock_prompter_expect_confirm_cancel ();
  else
    {
      fprintf (stderr, "mock-prompter: unknown step %s\n", step->kind);
      exit (2);
    }
}

static void
parse (int argc, char **argv, GPtrArray *steps, guint *timeout_s)
{
  Step *step = NULL;

  for (int i = 1; i < argc; i++)
    {
      const char *eq = strchr (argv[i], '=');
      guint n = 0;

      if (g_str_equal (argv[i], "--timeout") && i + 1 < argc)
        {
          *timeout_s = (guint) atoi (argv[++i]);
          continue;
        }
      if (g_str_equal (argv[i], "--forget"))
        {
          forget = TRUE;
          continue;
        }
      if (eq == NULL)
        {
          step = g_new0 (Step, 1);
          step->kind = argv[i];
          g_ptr_array_add (steps, step);
          continue;
        }
      if (step == NULL)
        {
          fprintf (stderr, "mock-prompter: %s before any step\n", argv[i]);
          exit (2);
        }
      while (n < MAX_PROPERTIES && step->names[n] != NULL)
        n++;
      if (n == MAX_PROPERTIES)
        {
          fprintf (stderr, "mock-prompter: more than %d properties\n", MAX_PROPERTIES);
          exit (2);
        }
      step->names[n] = g_strndup (argv[i], eq - argv[i]);
      step->values[n] = g_strdup (eq + 1);
    }
}

static void
step_free (Step *step)
{
  for (guint i = 0; i < MAX_PROPERTIES; i++)
    {
      g_free (step->names[i]);
      g_free (step->values[i]);
    }
  g_free (step);
}

int
main (int argc, char **argv)
{
  g_autoptr(GPtrArray) steps = g_ptr_array_new_with_free_func ((GDestroyNotify) step_free);
  guint timeout_s = 60;
  gint64 deadline;
  const char *name;

  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  parse (argc, argv, steps, &timeout_s);
  name = gcr_mock_prompter_start ();
  for (guint i = 0; i < steps->len; i++)
    expect (g_ptr_array_index (steps, i));
  printf ("%s\n", name);
  fflush (stdout);

  deadline = g_get_monotonic_time () + (gint64) timeout_s * G_USEC_PER_SEC;
  while (gcr_mock_prompter_is_expecting () || gcr_mock_prompter_is_prompting ())
    {
      if (g_get_monotonic_time () > deadline)
        {
          fprintf (stderr, "mock-prompter: after %u s still %s\n", timeout_s,
                   gcr_mock_prompter_is_expecting () ? "expecting a prompt" : "showing a prompt");
          return 3;
        }
      g_usleep (20 * 1000);
    }
  gcr_mock_prompter_stop ();
  return 0;
}
