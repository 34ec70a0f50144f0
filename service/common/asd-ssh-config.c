/* asd-ssh-config.c: what ssh itself makes of a command line and a path
 *
 * A tunnel's destination may be a ~/.ssh/config alias, so only ssh knows
 * the host, port and user it will use: `ssh -G` (which reads the
 * configuration and connects nowhere) prints them as "key value" lines.
 * The service's server probe and `autosshctl passphrase` both ask it, and
 * `autosshctl list` and `status` ask it for the forwards a tunnel gets
 * from ssh's configuration (asd_ssh_config_forwards()).  The service and
 * `list` ask through asd_ssh_config_query_async(), which never blocks a
 * main loop and bounds what ssh may cost: ASD_SSH_CONFIG_TIMEOUT_S of
 * time, ASD_SSH_CONFIG_MAX_OUTPUT bytes of output.
 * Key files are named as ssh names them, so that the keyring attribute
 * of a passphrase is the same whoever computes it.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <glob.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

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

/* ---- one `ssh -G`, bounded in time and output ---- */

typedef struct {
  GSubprocess *ssh;
  GCancellable *stop;            /* by the time limit, or the caller's */
  GCancellable *caller;
  gulong caller_handler;
  GSource *timeout;
  gboolean timed_out;
  char *output;                  /* ASD_SSH_CONFIG_MAX_OUTPUT + 2 bytes */
} Query;

static void
query_free (Query *query)
{
  if (query->caller_handler != 0)
    g_cancellable_disconnect (query->caller, query->caller_handler);
  g_clear_object (&query->caller);
  if (query->timeout != NULL)
    g_source_destroy (query->timeout);
  g_clear_pointer (&query->timeout, g_source_unref);
  g_clear_object (&query->stop);
  g_clear_object (&query->ssh);
  g_free (query->output);
  g_free (query);
}

static gboolean
on_query_timeout (gpointer user_data)
{
  Query *query = user_data;

  query->timed_out = TRUE;
  g_cancellable_cancel (query->stop);
  return G_SOURCE_REMOVE;
}

static void
on_caller_cancelled (GCancellable *caller, gpointer user_data)
{
  g_cancellable_cancel (user_data);
}

static void
on_query_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  Query *query = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  gsize length = 0;

  if (!g_input_stream_read_all_finish (G_INPUT_STREAM (source), result, &length, &error) ||
      length > ASD_SSH_CONFIG_MAX_OUTPUT)
    g_subprocess_force_exit (query->ssh);
  if (query->timed_out)
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                             _("ssh -G did not answer within %d s"), ASD_SSH_CONFIG_TIMEOUT_S);
  else if (error != NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else if (length > ASD_SSH_CONFIG_MAX_OUTPUT)
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE,
                             _("ssh -G printed more than %d bytes"), ASD_SSH_CONFIG_MAX_OUTPUT);
  else
    {
      query->output[length] = '\0';
      g_task_return_pointer (task, g_steal_pointer (&query->output), g_free);
    }
}

/**
 * asd_ssh_config_query_async:
 * @ssh_argv: an ssh command line, ssh itself first
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with what ssh printed
 * @user_data: for @callback
 *
 * Runs `ssh -G` for @ssh_argv (asd_ssh_config_argv()) and reads what it
 * prints; ssh is killed when it takes longer than ASD_SSH_CONFIG_TIMEOUT_S
 * or prints more than ASD_SSH_CONFIG_MAX_OUTPUT bytes.
 */
void
asd_ssh_config_query_async (const char * const  *ssh_argv,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_auto(GStrv) argv = asd_ssh_config_argv (ssh_argv);
  g_autoptr(GError) error = NULL;
  Query *query = g_new0 (Query, 1);

  g_task_set_source_tag (task, asd_ssh_config_query_async);
  g_task_set_task_data (task, query, (GDestroyNotify) query_free);
  query->ssh = g_subprocess_newv ((const char * const *) argv,
                                  G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                                  &error);
  if (query->ssh == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  query->stop = g_cancellable_new ();
  if (cancellable != NULL)
    {
      query->caller = g_object_ref (cancellable);
      query->caller_handler = g_cancellable_connect (cancellable, G_CALLBACK (on_caller_cancelled),
                                                     query->stop, NULL);
    }
  query->timeout = g_timeout_source_new_seconds (ASD_SSH_CONFIG_TIMEOUT_S);
  g_source_set_callback (query->timeout, on_query_timeout, query, NULL);
  g_source_attach (query->timeout, g_main_context_get_thread_default ());
  query->output = g_malloc (ASD_SSH_CONFIG_MAX_OUTPUT + 2);
  g_input_stream_read_all_async (g_subprocess_get_stdout_pipe (query->ssh), query->output,
                                 ASD_SSH_CONFIG_MAX_OUTPUT + 1, G_PRIORITY_DEFAULT, query->stop,
                                 on_query_read, g_steal_pointer (&task));
}

/**
 * asd_ssh_config_query_finish:
 * @result: the result given to the callback
 * @error: return location for why ssh said nothing usable
 *
 * Returns: (transfer full): what `ssh -G` printed, or %NULL
 */
char *
asd_ssh_config_query_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
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
  g_auto(GStrv) values = asd_ssh_config_values (output, key);

  return g_strdup (values[0]);
}

/**
 * asd_ssh_config_values:
 * @output: what `ssh -G` printed
 * @key: a key as ssh prints it ("identityfile")
 *
 * Returns: (transfer full): the values of every "@key value" line, in
 *   order (an empty array when there is none)
 */
char **
asd_ssh_config_values (const char *output, const char *key)
{
  g_autoptr(GStrvBuilder) values = g_strv_builder_new ();
  gsize key_length = strlen (key);

  for (const char *line = output; line != NULL && *line != '\0'; )
    {
      const char *end = strchr (line, '\n');

      if (end == NULL)
        end = line + strlen (line);
      if (strncmp (line, key, key_length) == 0 && line[key_length] == ' ')
        {
          g_autofree char *value = g_strndup (line + key_length + 1, end - line - key_length - 1);
          g_strv_builder_add (values, g_strstrip (value));
        }
      line = *end == '\n' ? end + 1 : NULL;
    }
  return g_strv_builder_end (values);
}

/* One end of a forward as `ssh -G` prints it ("8080", "[host]:80", a
 * socket path), as ssh's -L takes it: brackets only around an IPv6
 * address. */
static void
append_forward_end (GString *out, const char *end)
{
  const char *close = end[0] == '[' ? strstr (end, "]:") : NULL;

  if (close == NULL || memchr (end, ':', close - end) != NULL)
    {
      g_string_append (out, end);
      return;
    }
  g_string_append_len (out, end + 1, close - end - 1);
  g_string_append (out, close + 1);
}

/* "localforward 8080 [localhost]:80" → "-L 8080:localhost:80"; %NULL for
 * another line. */
static char *
forward_from_line (const char *line)
{
  const struct { const char *key; const char *option; } kinds[] = {
    { "localforward ", "-L " }, { "remoteforward ", "-R " }, { "dynamicforward ", "-D " },
  };
  g_auto(GStrv) ends = NULL;
  GString *out;
  guint i = 0;

  while (i < G_N_ELEMENTS (kinds) && !g_str_has_prefix (line, kinds[i].key))
    i++;
  if (i == G_N_ELEMENTS (kinds))
    return NULL;
  ends = g_strsplit (line + strlen (kinds[i].key), " ", 2);
  if (ends[0] == NULL || ends[0][0] == '\0')
    return NULL;
  out = g_string_new (kinds[i].option);
  append_forward_end (out, ends[0]);
  if (ends[1] != NULL && ends[1][0] != '\0')
    {
      g_string_append_c (out, ':');
      append_forward_end (out, ends[1]);
    }
  return g_string_free (out, FALSE);
}

/**
 * asd_ssh_config_forwards:
 * @output: what `ssh -G` printed
 *
 * Returns: (transfer full): the forwards ssh will set up, as ssh options
 *   in its order ("-L 8080:localhost:80", "-R 2222:localhost:22",
 *   "-D 1080"); empty for none
 */
char **
asd_ssh_config_forwards (const char *output)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) lines = g_strsplit (output != NULL ? output : "", "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autofree char *forward = forward_from_line (g_strchomp (lines[i]));

      if (forward != NULL)
        g_strv_builder_add (builder, forward);
    }
  return g_strv_builder_end (builder);
}

/* ---- whether ssh's configuration could add forwards ---- */

static gboolean file_may_forward (const char *path, const char *base, guint depth);

/* The keyword of a configuration line ("LocalForward 8080 x:80",
 * "localforward=8080 x:80"), in lower case; @args: where its arguments
 * start. */
static char *
line_keyword (const char *line, const char **args)
{
  const char *start = line + strspn (line, " \t");
  const char *end = start;

  while (g_ascii_isalnum (*end))
    end++;
  *args = end + strspn (end, " \t=");
  return g_ascii_strdown (start, end - start);
}

/* Whether a file that Include's @args name could add forwards; %TRUE
 * also when they cannot be followed (too deep, bad quotes, tokens). */
static gboolean
include_may_forward (const char *args, const char *base, guint depth)
{
  g_auto(GStrv) patterns = NULL;

  if (depth >= ASD_SSH_CONFIG_MAX_DEPTH || !g_shell_parse_argv (args, NULL, &patterns, NULL))
    return TRUE;
  for (guint i = 0; patterns[i] != NULL; i++)
    {
      g_autofree char *pattern = NULL;
      gboolean may = FALSE;
      glob_t found;
      int status;

      if (strpbrk (patterns[i], "%$") != NULL)
        return TRUE;
      pattern = patterns[i][0] == '~' ? asd_ssh_expand_path (patterns[i], NULL)
                                      : g_canonicalize_filename (patterns[i], base);
      if (pattern == NULL)
        return TRUE;
      status = glob (pattern, 0, NULL, &found);
      may = status != 0 && status != GLOB_NOMATCH;
      for (gsize j = 0; status == 0 && j < found.gl_pathc && !may; j++)
        may = file_may_forward (found.gl_pathv[j], base, depth + 1);
      globfree (&found);
      if (may)
        return TRUE;
    }
  return FALSE;
}

/* Whether a line sets a forward, or includes a file that could. */
static gboolean
line_may_forward (const char *line, const char *base, guint depth)
{
  const char *args = NULL;
  g_autofree char *keyword = line_keyword (line, &args);

  if (g_str_equal (keyword, "localforward") || g_str_equal (keyword, "remoteforward") ||
      g_str_equal (keyword, "dynamicforward"))
    return TRUE;
  return g_str_equal (keyword, "include") && include_may_forward (args, base, depth);
}

/* A file that does not exist adds nothing; one that cannot be read, is
 * not a plain file or is larger than ASD_SSH_CONFIG_MAX_FILE might. */
static gboolean
file_may_forward (const char *path, const char *base, guint depth)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  GStatBuf info;

  if (g_stat (path, &info) != 0)
    return errno != ENOENT;
  if (!S_ISREG (info.st_mode) || info.st_size > ASD_SSH_CONFIG_MAX_FILE ||
      !g_file_get_contents (path, &text, NULL, NULL))
    return TRUE;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (line_may_forward (lines[i], base, depth))
      return TRUE;
  return FALSE;
}

/**
 * asd_ssh_config_files_may_forward:
 * @user_config: the user's configuration file (~/.ssh/config)
 * @system_config: the system's (ASD_SSH_SYSTEM_CONFIG)
 *
 * Whether a LocalForward, RemoteForward or DynamicForward is in either
 * file or in a file they Include (relative names are taken from each
 * file's directory, as ssh takes them from ~/.ssh and /etc/ssh).  %FALSE
 * means that `ssh -G` would print no forwards for a host without -o
 * options that add some (asd_ssh_config_options_may_forward()), so it
 * need not be asked; %TRUE also when that cannot be told (an Include with
 * tokens, a file that is not plain or larger than
 * ASD_SSH_CONFIG_MAX_FILE).
 *
 * Returns: whether ssh's configuration could add forwards
 */
gboolean
asd_ssh_config_files_may_forward (const char *user_config, const char *system_config)
{
  const char *files[] = { user_config, system_config };

  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *base = g_path_get_dirname (files[i]);

      if (file_may_forward (files[i], base, 0))
        return TRUE;
    }
  return FALSE;
}

/**
 * asd_ssh_config_options_may_forward:
 * @ssh_options: ssh options as -o takes them ("Key=Value")
 *
 * Returns: whether one of @ssh_options adds a forward (or includes a
 *   file, taken from ~/.ssh, that could)
 */
gboolean
asd_ssh_config_options_may_forward (const char * const *ssh_options)
{
  g_autofree char *base = asd_ssh_expand_path ("~/.ssh", NULL);

  for (guint i = 0; ssh_options != NULL && ssh_options[i] != NULL; i++)
    if (line_may_forward (ssh_options[i], base != NULL ? base : "/", 0))
      return TRUE;
  return FALSE;
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
