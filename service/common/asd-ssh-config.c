/* asd-ssh-config.c: what ssh itself makes of a command line and a path
 *
 * A tunnel's destination may be a ~/.ssh/config alias, so only ssh knows
 * the host, port and user it will use: `ssh -G` (which reads the
 * configuration and connects nowhere) prints them as "key value" lines.
 * The service's server probe and `autosshctl passphrase` both ask it.
 * Key files are named as ssh names them, so that the keyring attribute
 * of a passphrase is the same whoever computes it.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <pwd.h>
#include <string.h>
#include <unistd.h>
#include <glib/gi18n.h>

#include "asd-error.h"
#include "asd-ssh-config.h"

/**
 * asd_ssh_config_argv:
 * @ssh_argv: an ssh command line, ssh itself first
 *
 * Returns: (transfer full): the same command line with `-G` after the
 *   program, which makes ssh print its configuration for it and exit
 */
char **
asd_ssh_config_argv (const char * const *ssh_argv)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_return_val_if_fail (ssh_argv != NULL && ssh_argv[0] != NULL, NULL);

  g_strv_builder_add (builder, ssh_argv[0]);
  g_strv_builder_add (builder, "-G");
  g_strv_builder_addv (builder, (const char **) ssh_argv + 1);
  return g_strv_builder_end (builder);
}

/**
 * asd_ssh_config_value:
 * @output: what `ssh -G` printed
 * @key: a key as ssh prints it (lower case: "hostname", "port", "user")
 *
 * Returns: (transfer full) (nullable): the value of the first "@key value"
 *   line, or %NULL
 */
char *
asd_ssh_config_value (const char *output, const char *key)
{
  gsize key_length = strlen (key);

  for (const char *line = output; line != NULL && *line != '\0'; )
    {
      const char *end = strchr (line, '\n');

      if (end == NULL)
        end = line + strlen (line);

      if (strncmp (line, key, key_length) == 0 && line[key_length] == ' ')
        {
          g_autofree char *value = g_strndup (line + key_length + 1, end - line - key_length - 1);
          return g_strdup (g_strstrip (value));
        }
      line = *end == '\n' ? end + 1 : NULL;
    }
  return NULL;
}

/* The home directory of @user (%NULL: ours) from the passwd entry, as ssh
 * takes it (not $HOME). */
static char *
passwd_home (const char *user)
{
  struct passwd *pw = user != NULL ? getpwnam (user) : getpwuid (getuid ());

  if (pw != NULL && pw->pw_dir != NULL && pw->pw_dir[0] == '/')
    return g_strdup (pw->pw_dir);
  return user != NULL ? NULL : g_strdup (g_get_home_dir ());
}

/**
 * asd_ssh_expand_path:
 * @path: a key file as the user wrote it (-i, IdentityFile, ssh's prompt)
 * @error: return location for an %ASD_ERROR_INVALID_SETTINGS error
 *
 * Makes @path absolute as the service's ssh sees it: "~" and "~/k" are in
 * our home directory, "~user/k" in user's, a relative "k" is taken from
 * our home directory (the service runs ssh there); an absolute path is
 * only tidied ("//", "/./" and "/../" resolved, no links followed).
 *
 * Returns: (transfer full): the absolute path, or %NULL when the user
 *   of "~user" does not exist
 */
char *
asd_ssh_expand_path (const char *path, GError **error)
{
  g_autofree char *user = NULL;
  g_autofree char *home = NULL;
  const char *rest = path;

  if (g_path_is_absolute (path))
    return g_canonicalize_filename (path, NULL);
  if (path[0] == '~')
    {
      const char *slash = strchr (path, '/');

      user = slash != NULL ? g_strndup (path + 1, slash - path - 1) : g_strdup (path + 1);
      rest = slash != NULL ? slash + 1 : "";
    }
  home = passwd_home (user != NULL && user[0] != '\0' ? user : NULL);
  if (home == NULL)
    {
      g_set_error (error, ASD_ERROR, ASD_ERROR_INVALID_SETTINGS,
                   _("cannot find the home directory of “%s” for the key file %s"), user, path);
      return NULL;
    }
  return g_canonicalize_filename (rest, home);
}
