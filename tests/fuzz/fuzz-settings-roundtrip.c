/* fuzz-settings-roundtrip.c: an autossh command line to a tunnel's
 * settings, to its key file and back
 *
 * The input is an autossh command line as for fuzz-autossh-args (NUL
 * separated).  What asd_tunnel_settings_command_line_to_variant() makes of
 * it is applied to new settings; when that works, the settings must be
 * valid, and saving them to a key file and loading that again must give
 * equal settings: a mismatch aborts, so the fuzzer reports it.  When
 * applying fails, the settings must be unchanged.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "fuzz-common.h"

#include "asd-tunnel-settings.h"

static void G_GNUC_NORETURN
mismatch (const char *what, const char *path, const GError *error)
{
  g_autofree char *contents = NULL;

  fprintf (stderr, "fuzz: %s%s%s\n", what, error != NULL ? ": " : "",
           error != NULL ? error->message : "");
  if (g_file_get_contents (path, &contents, NULL, NULL))
    fprintf (stderr, "fuzz: the key file was:\n%s\n", contents);
  abort ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_auto(GStrv) argv = NULL;
  g_autoptr(GVariant) values = NULL;
  g_autoptr(AsdTunnelSettings) settings = NULL;
  g_autoptr(AsdTunnelSettings) defaults = NULL;
  g_autoptr(AsdTunnelSettings) loaded = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) ssh_argv = NULL;
  const char *path;

  fuzz_init ();
  path = fuzz_tmp_file ("tunnel.conf");
  argv = fuzz_split (data, size, FALSE);

  values = asd_tunnel_settings_command_line_to_variant ((const char * const *) argv, &error);
  if (values == NULL)
    {
      FUZZ_CHECK (error != NULL);
      return 0;
    }
  FUZZ_CHECK (error == NULL);
  FUZZ_CHECK (g_variant_is_of_type (values, G_VARIANT_TYPE_VARDICT));

  settings = asd_tunnel_settings_new ();
  defaults = asd_tunnel_settings_new ();
  if (!asd_tunnel_settings_apply_variant (settings, values, &error))
    {
      FUZZ_CHECK (error != NULL);
      FUZZ_CHECK (asd_tunnel_settings_equal (settings, defaults));
      return 0;
    }
  FUZZ_CHECK (error == NULL);
  if (!asd_tunnel_settings_validate (settings, &error))
    mismatch ("applied settings do not validate", path, error);
  ssh_argv = asd_tunnel_settings_ssh_argv (settings, "ssh");
  FUZZ_CHECK (ssh_argv != NULL);

  /* No file: asd_tunnel_settings_save() then has no old one to fsync. */
  g_unlink (path);
  if (!asd_tunnel_settings_save (settings, path, &error))
    mismatch ("valid settings were not saved", path, error);
  loaded = asd_tunnel_settings_load (path, &error);
  if (loaded == NULL)
    mismatch ("saved settings do not load", path, error);
  if (!asd_tunnel_settings_equal (settings, loaded))
    mismatch ("saved and loaded settings differ", path, NULL);
  return 0;
}
