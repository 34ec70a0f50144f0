/* Unit tests of asd-names: tunnel names, object paths, state names.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <locale.h>
#include <string.h>
#include <glib/gi18n.h>

#include "asd-error.h"
#include "asd-names.h"
#include "asd-service-mode.h"

static void
test_names (void)
{
  const char *valid[] = { "web", "web-1", "a_b", "A", "0", "x-_-y", "x-", "_x", NULL };
  const char *invalid[] = { "", "a b", "a/b", "a.b", "ä", "web\n", "a:b", "-x", "-", NULL };
  g_autofree char *longest = g_strnfill (64, 'a');
  g_autofree char *too_long = g_strnfill (65, 'a');
  g_autoptr(GError) error = NULL;

  for (guint i = 0; valid[i] != NULL; i++)
    g_assert_true (asd_tunnel_name_is_valid (valid[i]));
  for (guint i = 0; invalid[i] != NULL; i++)
    g_assert_false (asd_tunnel_name_is_valid (invalid[i]));
  g_assert_true (asd_tunnel_name_is_valid (longest));
  g_assert_false (asd_tunnel_name_is_valid (too_long));
  g_assert_false (asd_tunnel_name_is_valid (NULL));

  g_assert_true (asd_tunnel_name_check ("web", &error));
  g_assert_no_error (error);
  g_assert_false (asd_tunnel_name_check ("a b", &error));
  g_assert_error (error, ASD_ERROR, ASD_ERROR_INVALID_NAME);
  g_assert_nonnull (strstr (error->message, "“a b” is not a valid tunnel name"));
}

static void
test_object_paths (void)
{
  const struct { const char *name, *path; } cases[] = {
    { "web-1", "/io/github/autosshd1/tunnel/web_2d1" },
    { "a_b", "/io/github/autosshd1/tunnel/a_5fb" },
    { "Web9", "/io/github/autosshd1/tunnel/Web9" },
    { "_", "/io/github/autosshd1/tunnel/_5f" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = asd_tunnel_object_path (cases[i].name);

      g_assert_cmpstr (path, ==, cases[i].path);
      g_assert_true (g_variant_is_object_path (path));
    }
}

static void
test_states (void)
{
  const char *names[] = { "stopped", "connecting", "connected", "retrying", "failed" };
  gboolean known = FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      AsdTunnelState state = asd_tunnel_state_from_string (names[i], &known);

      g_assert_true (known);
      g_assert_cmpint (state, ==, i);
      g_assert_cmpstr (asd_tunnel_state_to_string (state), ==, names[i]);
    }
  /* An unknown state (a newer service) reads as failed, and says so. */
  g_assert_cmpint (asd_tunnel_state_from_string ("hibernating", &known), ==, ASD_TUNNEL_STATE_FAILED);
  g_assert_false (known);
  g_assert_cmpint (asd_tunnel_state_from_string (NULL, NULL), ==, ASD_TUNNEL_STATE_FAILED);
}

/* People read a state's name in their language; the bus keeps its own. */
static void
test_state_display_names (void)
{
  const char *localedir = g_getenv ("ASD_TEST_LOCALEDIR");
  const char *german[] = { "gestoppt", "verbindet", "verbunden", "wartet", "fehlgeschlagen" };

  g_assert_cmpstr (asd_tunnel_state_display_name (ASD_TUNNEL_STATE_RETRYING), ==, "retrying");
  g_assert_cmpstr (asd_tunnel_state_display_name_from_string ("connected"), ==, "connected");
  /* a state from a newer service is shown as the bus names it */
  g_assert_cmpstr (asd_tunnel_state_display_name_from_string ("hibernating"), ==, "hibernating");
  g_assert_cmpstr (asd_tunnel_state_display_name_from_string (NULL), ==, "?");
  if (localedir == NULL)
    {
      g_test_skip ("ASD_TEST_LOCALEDIR is not set");
      return;
    }
  bindtextdomain (GETTEXT_PACKAGE, localedir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_setenv ("LANGUAGE", "de", TRUE);
  setlocale (LC_ALL, "C.UTF-8");
  for (guint i = 0; i < G_N_ELEMENTS (german); i++)
    {
      g_assert_cmpstr (asd_tunnel_state_display_name (i), ==, german[i]);
      g_assert_cmpstr (asd_tunnel_state_display_name_from_string (asd_tunnel_state_to_string (i)), ==,
                       german[i]);
    }
  g_assert_cmpstr (asd_tunnel_state_to_string (ASD_TUNNEL_STATE_CONNECTED), ==, "connected");
}

/* The one place that says where the tunnels' files are. */
static void
test_tunnels_dir (void)
{
  g_autofree char *dir = asd_tunnels_dir (ASD_SERVICE_MODE_SESSION);
  g_autofree char *want = g_build_filename (g_get_user_config_dir (), "autosshd", "tunnels", NULL);

  g_assert_cmpstr (dir, ==, want);
  g_assert_true (g_str_has_suffix (dir, "/autosshd/tunnels"));
}

/* The system service's directories: systemd's variables (the first of a
 * list), else the installed defaults. */
static void
test_system_dirs (void)
{
  g_autofree char *tunnels = NULL, *runtime = NULL, *fallback = NULL, *fallback_runtime = NULL;

  g_setenv ("CONFIGURATION_DIRECTORY", "/etc/autosshd:/etc/other", TRUE);
  g_setenv ("RUNTIME_DIRECTORY", "/run/autosshd", TRUE);
  tunnels = asd_tunnels_dir (ASD_SERVICE_MODE_SYSTEM);
  runtime = asd_runtime_dir (ASD_SERVICE_MODE_SYSTEM);
  g_assert_cmpstr (tunnels, ==, "/etc/autosshd/tunnels");
  g_assert_cmpstr (runtime, ==, "/run/autosshd");
  g_unsetenv ("CONFIGURATION_DIRECTORY");
  g_unsetenv ("RUNTIME_DIRECTORY");
  fallback = asd_tunnels_dir (ASD_SERVICE_MODE_SYSTEM);
  fallback_runtime = asd_runtime_dir (ASD_SERVICE_MODE_SYSTEM);
  g_assert_cmpstr (fallback, ==, SYSCONFDIR "/autosshd/tunnels");
  g_assert_cmpstr (fallback_runtime, ==, RUNSTATEDIR "/autosshd");
  /* set but empty: as if unset */
  g_setenv ("RUNTIME_DIRECTORY", "", TRUE);
  g_clear_pointer (&fallback_runtime, g_free);
  fallback_runtime = asd_runtime_dir (ASD_SERVICE_MODE_SYSTEM);
  g_assert_cmpstr (fallback_runtime, ==, RUNSTATEDIR "/autosshd");
  g_unsetenv ("RUNTIME_DIRECTORY");
  g_assert_cmpint (asd_service_mode_bus_type (ASD_SERVICE_MODE_SYSTEM), ==, G_BUS_TYPE_SYSTEM);
  g_assert_cmpint (asd_service_mode_bus_type (ASD_SERVICE_MODE_SESSION), ==, G_BUS_TYPE_SESSION);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/names/tunnel-names", test_names);
  g_test_add_func ("/names/object-paths", test_object_paths);
  g_test_add_func ("/names/states", test_states);
  g_test_add_func ("/names/state-display-names", test_state_display_names);
  g_test_add_func ("/names/tunnels-dir", test_tunnels_dir);
  g_test_add_func ("/names/system-dirs", test_system_dirs);
  return g_test_run ();
}
