/* fuzz-main.c: runs inputs through a fuzz target without libFuzzer
 *
 *   fuzz-corpus-NAME FILE|DIR...
 *
 * Calls LLVMFuzzerTestOneInput() once for each FILE and for each file in
 * each DIR (in name order), as libFuzzer does when it runs a corpus, so the
 * seed corpora are checked in every normal build's unit tests (and under
 * valgrind), and a crash file can be replayed with gdb.  A crash or a
 * failed check aborts; otherwise prints TAP and exits 0.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "fuzz-common.h"

static guint n_inputs;

static void
run_file (const char *path)
{
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  gsize length;

  if (!g_file_get_contents (path, &contents, &length, &error))
    {
      printf ("Bail out! %s\n", error->message);
      exit (1);
    }
  /* libFuzzer hands on a copy of exactly the input's bytes: so do we, for
   * ASan and valgrind to catch reads past its end */
  {
    g_autofree uint8_t *copy = g_memdup2 (contents, length);
    LLVMFuzzerTestOneInput (copy, length);
  }
  printf ("ok %u - %s\n", ++n_inputs, path);
  fflush (stdout);
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

static void
run_dir (const char *path)
{
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  const char *name;

  dir = g_dir_open (path, 0, &error);
  if (dir == NULL)
    {
      printf ("Bail out! %s\n", error->message);
      exit (1);
    }
  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_build_filename (path, name, NULL));
  g_ptr_array_sort (names, compare_names);
  for (guint i = 0; i < names->len; i++)
    run_file (names->pdata[i]);
}

int
main (int argc, char **argv)
{
  if (argc < 2)
    {
      fprintf (stderr, "usage: %s FILE|DIR...\n", argv[0]);
      return 2;
    }
  for (int i = 1; i < argc; i++)
    {
      if (g_file_test (argv[i], G_FILE_TEST_IS_DIR))
        run_dir (argv[i]);
      else
        run_file (argv[i]);
    }
  if (n_inputs == 0)
    {
      printf ("Bail out! no inputs\n");
      return 1;
    }
  printf ("1..%u\n", n_inputs);
  return 0;
}
