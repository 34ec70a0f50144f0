/* fuzz-keyfile-load.c: a tunnel's key file, as the service reads it
 *
 * The input is the file.  asd_tunnel_settings_load() must not crash, leak
 * or log a critical (an error is fine); settings it loads must validate,
 * and saving and loading them again must give equal settings (but for
 * Transient, which asd_tunnel_settings_save() never writes).
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "fuzz-common.h"

#include "asd-tunnel-settings.h"

static void G_GNUC_NORETURN
mismatch (const char *what, const char *contents, const GError *error)
{
  fprintf (stderr, "fuzz: %s%s%s\n", what, error != NULL ? ": " : "",
           error != NULL ? error->message : "");
  fprintf (stderr, "fuzz: the saved key file was:\n%s\n", contents != NULL ? contents : "(none)");
  abort ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(AsdTunnelSettings) settings = NULL;
  g_autoptr(AsdTunnelSettings) loaded = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *saved = NULL;
  const char *path;

  fuzz_init ();
  path = fuzz_tmp_file ("tunnel.conf");

  /* Written in place: no temporary file, no fsync. */
  g_unlink (path);
  if (!g_file_set_contents_full (path, (const char *) data, size,
                                 G_FILE_SET_CONTENTS_NONE, 0600, &error))
    {
      fprintf (stderr, "fuzz: cannot write %s: %s\n", path, error->message);
      abort ();
    }

  settings = asd_tunnel_settings_load (path, &error);
  if (settings == NULL)
    {
      FUZZ_CHECK (error != NULL);
      return 0;
    }
  FUZZ_CHECK (error == NULL);
  if (!asd_tunnel_settings_validate (settings, &error))
    mismatch ("loaded settings do not validate", NULL, error);

  settings->transient = FALSE;
  g_unlink (path);
  if (!asd_tunnel_settings_save (settings, path, &error))
    mismatch ("loaded settings were not saved", NULL, error);
  g_file_get_contents (path, &saved, NULL, NULL);
  loaded = asd_tunnel_settings_load (path, &error);
  if (loaded == NULL)
    mismatch ("saved settings do not load", saved, error);
  if (!asd_tunnel_settings_equal (settings, loaded))
    mismatch ("saved and loaded settings differ", saved, NULL);
  return 0;
}
