/* ctl-edit.c: `autosshctl edit`, a tunnel's settings in a text editor
 *
 * As `systemctl edit` and `crontab -e`: a private copy (0600, in a 0700
 * directory under $XDG_RUNTIME_DIR, else the temp dir) is opened in
 * $VISUAL, $EDITOR, `editor` or `vi`.  The copy is the tunnel's file when
 * it holds the settings the service has; else, and for a transient
 * tunnel, the settings written as a file.  When the editor is closed, the
 * copy is read by the service's own parser (asd_tunnel_settings_load());
 * valid and changed, the whole settings go to Configure, so the service
 * saves them (and refuses to overwrite a file changed on disk since it
 * read it) and a transient tunnel stays transient.  Invalid: FILE:LINE
 * and the message, and on a terminal the question whether to edit again;
 * without one, the error.  A copy that was not applied is kept, and the
 * message says where.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "asd-error.h"
#include "ctl.h"

/* A directory only we can enter, for the copy. */
static char *
make_private_dir (GError **error)
{
  const char *runtime = g_getenv ("XDG_RUNTIME_DIR");
  const char *base = runtime != NULL && g_path_is_absolute (runtime) &&
                     g_file_test (runtime, G_FILE_TEST_IS_DIR) ? runtime : g_get_tmp_dir ();
  g_autofree char *dir = g_build_filename (base, "autosshctl-edit-XXXXXX", NULL);

  if (g_mkdtemp_full (dir, 0700) != NULL)
    return g_steal_pointer (&dir);
  g_set_error (error, CTL_ERROR, CTL_ERROR_FAILED, _("cannot make a private directory in %s: %s"), base,
               g_strerror (errno));
  return NULL;
}

/* The tunnel's file when it holds @settings (the service reads the same
 * directory), so its comments and order show; else NULL. */
static char *
file_text (AsdServiceMode mode, AsdDbusTunnel *tunnel, const AsdTunnelSettings *settings)
{
  g_autofree char *base = g_strdup_printf ("%s.conf", asd_dbus_tunnel_get_name (tunnel));
  g_autofree char *dir = asd_tunnels_dir (mode);
  g_autofree char *path = g_build_filename (dir, base, NULL);
  g_autoptr(AsdTunnelSettings) on_disk = NULL;
  char *text = NULL;

  if (g_strcmp0 (asd_dbus_tunnel_get_config_state (tunnel), "loaded") != 0)
    return NULL;
  on_disk = asd_tunnel_settings_load (path, NULL);
  if (on_disk == NULL || !asd_tunnel_settings_equal (on_disk, settings) ||
      !g_file_get_contents (path, &text, NULL, NULL))
    return NULL;
  return text;
}

static gboolean
write_copy (AsdServiceMode mode, AsdDbusTunnel *tunnel, const AsdTunnelSettings *settings,
            const char *path, GError **error)
{
  g_autofree char *text = file_text (mode, tunnel, settings);

  if (text == NULL)
    return asd_tunnel_settings_save (settings, path, error);
  return g_file_set_contents_full (path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
}

/* $VISUAL, $EDITOR (each may have arguments), `editor`, `vi`; then @path. */
static char **
editor_argv (const char *path, GError **error)
{
  static const char *variables[] = { "VISUAL", "EDITOR" };
  g_autoptr(GStrvBuilder) argv = g_strv_builder_new ();
  g_autoptr(GError) local_error = NULL;
  g_auto(GStrv) words = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (variables) && words == NULL; i++)
    {
      const char *value = g_getenv (variables[i]);

      if (value == NULL || *value == '\0')
        continue;
      if (!g_shell_parse_argv (value, NULL, &words, &local_error))
        {
          g_set_error (error, CTL_ERROR, CTL_ERROR_USAGE, _("$%s (“%s”) is not a command: %s"), variables[i],
                       value, local_error->message);
          return NULL;
        }
    }
  if (words == NULL)
    {
      g_autofree char *editor = g_find_program_in_path ("editor");

      words = g_strdupv ((char *[]) { editor != NULL ? (char *) "editor" : (char *) "vi", NULL });
    }
  g_strv_builder_addv (argv, (const char **) words);
  g_strv_builder_add (argv, path);
  return g_strv_builder_end (argv);
}

static gboolean
run_editor (const char *path, GError **error)
{
  g_auto(GStrv) argv = editor_argv (path, error);
  g_autoptr(GError) local_error = NULL;
  int status = 0;

  if (argv == NULL)
    return FALSE;
  if (g_spawn_sync (NULL, argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_CHILD_INHERITS_STDIN, NULL, NULL,
                    NULL, NULL, &status, &local_error) &&
      g_spawn_check_wait_status (status, &local_error))
    return TRUE;
  g_set_error (error, CTL_ERROR, CTL_ERROR_FAILED,
               _("the editor “%s” failed (%s); set VISUAL or EDITOR to the editor you want"),
               argv[0], local_error->message);
  return FALSE;
}

/* Whether to edit again: only asked on a terminal; end of input is no. */
static gboolean
ask_again (void)
{
  char answer[64];

  if (!isatty (STDIN_FILENO))
    return FALSE;
  for (;;)
    {
      int yes;

      /* TRANSLATORS: the answers are read by rpmatch(3) in the locale */
      g_printerr ("%s", _("Edit it again? [y/n] "));
      if (fgets (answer, sizeof answer, stdin) == NULL)
        return FALSE;
      yes = rpmatch (answer);
      if (yes >= 0)
        return yes == 1;
    }
}

/* Configure with every key but Transient, which only AddTunnel sets. */
static gboolean
configure_whole (AsdDbusTunnel *tunnel, const AsdTunnelSettings *settings, GError **error)
{
  g_autoptr(GVariant) all = g_variant_ref_sink (asd_tunnel_settings_to_variant (settings));
  g_autoptr(GVariantDict) dict = g_variant_dict_new (all);

  g_variant_dict_remove (dict, "Transient");
  return asd_dbus_tunnel_call_configure_sync (tunnel, g_variant_dict_end (dict), G_DBUS_CALL_FLAGS_NONE, -1,
                                              NULL, error);
}

typedef enum {
  EDIT_APPLIED,
  EDIT_UNCHANGED,
  EDIT_INVALID,
  EDIT_FAILED,
} EditResult;

/* Reads the edited copy and applies it if it is valid and changed. */
static EditResult
apply_copy (AsdDbusTunnel *tunnel, const AsdTunnelSettings *original, const char *path, GError **error)
{
  g_autoptr(AsdTunnelSettings) edited = asd_tunnel_settings_load (path, error);

  if (edited == NULL)
    return g_error_matches (*error, ASD_ERROR, ASD_ERROR_INVALID_SETTINGS) ? EDIT_INVALID : EDIT_FAILED;
  edited->transient = original->transient;
  if (asd_tunnel_settings_equal (edited, original))
    return EDIT_UNCHANGED;
  if (configure_whole (tunnel, edited, error))
    return EDIT_APPLIED;
  return g_error_matches (*error, ASD_ERROR, ASD_ERROR_INVALID_SETTINGS) ? EDIT_INVALID : EDIT_FAILED;
}

/* Edits until the copy is applied, unchanged, or the user gives up;
 * *@edited tells whether the user has edited it. */
static gboolean
edit_loop (AsdDbusTunnel *tunnel, const AsdTunnelSettings *original, const char *path, gboolean *edited,
           GError **error)
{
  for (;;)
    {
      g_autoptr(GError) local_error = NULL;
      EditResult result;

      if (!run_editor (path, error))
        return FALSE;
      *edited = TRUE;
      result = apply_copy (tunnel, original, path, &local_error);
      if (result == EDIT_UNCHANGED)
        g_printerr (_("%s: %s: no change\n"), g_get_prgname (), asd_dbus_tunnel_get_name (tunnel));
      if (result == EDIT_APPLIED || result == EDIT_UNCHANGED)
        return TRUE;
      if (result == EDIT_FAILED || !isatty (STDIN_FILENO))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      g_dbus_error_strip_remote_error (local_error);
      g_printerr ("%s: %s\n", g_get_prgname (), local_error->message);
      if (!ask_again ())
        {
          g_set_error_literal (error, CTL_ERROR, CTL_ERROR_FAILED, _("nothing was changed"));
          return FALSE;
        }
    }
}

gboolean
ctl_cmd_edit (Ctl *ctl, int argc, char **argv, GError **error)
{
  g_autoptr(GOptionContext) context = ctl_command_context ("edit", NULL);
  g_autoptr(AsdDbusTunnel) tunnel = NULL;
  g_autoptr(AsdTunnelSettings) original = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  gboolean edited = FALSE, ok;

  g_option_context_set_description (context,
    _("Opens $VISUAL, $EDITOR, “editor” or “vi” on a private copy of the tunnel’s\n"
      "file.  When the editor exits, the copy is checked as the service checks its\n"
      "files; if it is valid and changed, the service takes it and saves it (it\n"
      "writes the file anew: comments are not kept).  If it is not valid, the file,\n"
      "line and problem are shown, and on a terminal you may edit it again.  A\n"
      "transient tunnel’s settings are shown as a file too; it stays transient.\n"));
  if (!ctl_parse_command (context, &argc, &argv, 1, 1, error))
    return FALSE;
  tunnel = ctl_tunnel (ctl, argv[1], error);
  if (tunnel == NULL || (original = ctl_tunnel_settings (tunnel, error)) == NULL ||
      (dir = make_private_dir (error)) == NULL)
    return FALSE;
  path = g_strdup_printf ("%s/%s.conf", dir, argv[1]);
  ok = write_copy (ctl_mode (ctl), tunnel, original, path, error) && edit_loop (tunnel, original, path, &edited, error);
  if (!ok && edited)
    {
      /* the user's work is not thrown away */
      g_autofree char *message = g_steal_pointer (&(*error)->message);

      (*error)->message = g_strdup_printf (_("%s (your edited copy stays in %s)"), message, path);
      return FALSE;
    }
  g_unlink (path);
  g_rmdir (dir);
  return ok;
}
