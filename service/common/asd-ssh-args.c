/* asd-ssh-args.c: parse an autossh command line, build ssh's argv
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "asd-ssh-args.h"
#include "asd-error.h"

/* The option letters of OpenSSH 9.2's getopt string; a letter followed by
 * ':' takes a value.  autossh adds -M (with a value), -f and -V. */
#define SSH_OPTIONS "1246ab:c:e:fgi:kl:m:no:p:qstvxAB:CD:E:F:GI:J:KL:MNO:PQ:R:S:TVw:W:XYy"

static gboolean
ssh_option_known (char letter, gboolean *takes_value)
{
  const char *p;

  if (letter == ':' || letter == '\0')
    return FALSE;
  p = strchr (SSH_OPTIONS, letter);
  if (p == NULL)
    return FALSE;
  *takes_value = p[1] == ':';
  return TRUE;
}

/**
 * asd_ssh_args_read_cluster:
 * @argv: a command line, %NULL-terminated
 * @i: (inout): the index of a cluster of options such as "-NfL8080:x:80";
 *   moved on past a value given as the next argument
 * @flags: %ASD_SSH_CLUSTER_AUTOSSH: -M takes a value (autossh's monitor
 *   port) instead of being ssh's ControlMaster flag
 * @func: called for each option, in order
 * @user_data: for @func
 * @error: return location for an %ASD_ERROR_INVALID_ARGS error
 *
 * Reads one cluster as ssh's getopt() does: letters without a value, then
 * at most one letter with a value, which is the rest of the argument or
 * the next argument.  The one walk over option clusters that the parsers
 * of autossh command lines, ssh arguments and settings share.
 *
 * Returns: %FALSE for an unknown letter, a missing value, or when @func
 *   returned %FALSE
 */
gboolean
asd_ssh_args_read_cluster (const char * const *argv,
                           guint              *i,
                           AsdSshClusterFlags  flags,
                           AsdSshOptionFunc    func,
                           gpointer            user_data,
                           GError            **error)
{
  for (const char *c = argv[*i] + 1; *c != '\0'; c++)
    {
      gboolean takes_value = FALSE;
      const char *value;

      if (!ssh_option_known (*c, &takes_value))
        {
          g_set_error (error, ASD_ERROR, ASD_ERROR_INVALID_ARGS, _("unknown option -- %c"), *c);
          return FALSE;
        }
      if (*c == 'M' && (flags & ASD_SSH_CLUSTER_AUTOSSH))
        takes_value = TRUE;
      if (!takes_value)
        {
          if (!func (*c, NULL, FALSE, user_data, error))
            return FALSE;
          continue;
        }
      value = c[1] != '\0' ? c + 1 : argv[*i + 1];
      if (value == NULL)
        {
          g_set_error (error, ASD_ERROR, ASD_ERROR_INVALID_ARGS,
                       _("option requires an argument -- %c"), *c);
          return FALSE;
        }
      if (c[1] == '\0')
        (*i)++;
      return func (*c, value, c[1] != '\0', user_data, error);
    }
  return TRUE;
}

typedef struct {
  AsdAutosshArgs *args;
  GString *kept;              /* the cluster's letters for ssh */
  const char *value_arg;      /* and its value as an argument of its own */
} Parser;

/* Records autossh's own letters and keeps the rest for ssh, in order. */
static gboolean
parse_option (char letter, const char *value, gboolean attached, gpointer user_data, GError **error)
{
  Parser *p = user_data;

  if (letter == 'f')
    p->args->background = TRUE;
  else if (letter == 'V')
    p->args->version = TRUE;
  else if (letter == 'M')
    {
      g_free (p->args->monitor_spec);
      p->args->monitor_spec = g_strdup (value);
    }
  else
    {
      g_string_append_c (p->kept, letter);
      if (attached)
        g_string_append (p->kept, value);
      else
        p->value_arg = value;
    }
  return TRUE;
}

/* Reads one cluster; what is ssh's stays one cluster, in its order. */
static gboolean
parse_cluster (AsdAutosshArgs *args, GPtrArray *out, const char * const *argv, guint *i,
               GError **error)
{
  g_autoptr(GString) kept = g_string_new ("-");
  Parser p = { args, kept, NULL };

  if (!asd_ssh_args_read_cluster (argv, i, ASD_SSH_CLUSTER_AUTOSSH, parse_option, &p, error))
    return FALSE;
  if (kept->len > 1)
    g_ptr_array_add (out, g_strdup (kept->str));
  if (p.value_arg != NULL)
    g_ptr_array_add (out, g_strdup (p.value_arg));
  return TRUE;
}

/**
 * asd_autossh_args_parse:
 * @argv: the arguments after the program name, %NULL-terminated
 * @error: return location for an %ASD_ERROR_INVALID_ARGS error
 *
 * Returns: (transfer full): the parsed command line, or %NULL
 */
AsdAutosshArgs *
asd_autossh_args_parse (const char * const *argv, GError **error)
{
  g_autoptr(AsdAutosshArgs) args = g_new0 (AsdAutosshArgs, 1);
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func (g_free);
  gboolean options_open = TRUE;
  gboolean seen_destination = FALSE;
  gboolean seen_dashdash = FALSE;

  for (guint i = 0; argv[i] != NULL; i++)
    {
      const char *arg = argv[i];

      if (!options_open)
        g_ptr_array_add (out, g_strdup (arg));
      else if (strcmp (arg, "--") == 0 && !seen_dashdash)
        {
          /* The first "--" is autossh's: it ends autossh's options and
           * is dropped, the rest goes to ssh as it stands. */
          seen_dashdash = TRUE;
          options_open = FALSE;
        }
      else if (arg[0] == '-' && arg[1] != '\0')
        {
          if (!parse_cluster (args, out, argv, &i, error))
            return NULL;
        }
      else
        {
          /* ssh reads options before the destination and right after
           * it; the next non-option starts the remote command. */
          options_open = !seen_destination;
          seen_destination = TRUE;
          g_ptr_array_add (out, g_strdup (arg));
        }
    }

  g_ptr_array_add (out, NULL);
  args->ssh_args = (char **) g_ptr_array_steal (out, NULL);
  return g_steal_pointer (&args);
}

void
asd_autossh_args_free (AsdAutosshArgs *args)
{
  if (args == NULL)
    return;
  g_free (args->monitor_spec);
  g_strfreev (args->ssh_args);
  g_free (args);
}

static gboolean
parse_port (const char *text, guint64 min, guint64 max, guint64 *port)
{
  return g_ascii_string_to_unsigned (text, 10, min, max, port, NULL);
}

/**
 * asd_monitor_spec_parse:
 * @text: `N` or `N:E`, as given to `-M` or in `AUTOSSH_PORT`
 * @spec: (out): the parsed ports
 * @error: return location for an %ASD_ERROR_INVALID_ARGS error
 *
 * `0` turns monitoring off; `N` (1..65534) is loop mode, which also uses
 * N+1; `N:E` is echo mode with an echo service on the server's port E.
 */
gboolean
asd_monitor_spec_parse (const char *text, AsdMonitorSpec *spec, GError **error)
{
  g_auto(GStrv) parts = g_strsplit (text, ":", 2);
  guint64 port = 0, echo_port = 0;
  gboolean echo_mode = parts[0] != NULL && parts[1] != NULL;

  if (parts[0] == NULL || !parse_port (parts[0], 0, echo_mode ? 65535 : 65534, &port))
    {
      g_set_error (error, ASD_ERROR, ASD_ERROR_INVALID_ARGS,
                   _("invalid monitor port “%s”: expected 0 (off), a port from 1 to 65534, or PORT:ECHO_PORT"),
                   text);
      return FALSE;
    }
  if (echo_mode && !parse_port (parts[1], 1, 65535, &echo_port))
    {
      g_set_error (error, ASD_ERROR, ASD_ERROR_INVALID_ARGS,
                   _("invalid echo port “%s” in “%s”: expected a port from 1 to 65535"),
                   parts[1], text);
      return FALSE;
    }
  spec->port = port;
  spec->echo_port = port == 0 ? 0 : echo_port;
  return TRUE;
}

static gboolean
find_server_alive (char letter, const char *value, gboolean attached, gpointer user_data, GError **error)
{
  gboolean *found = user_data;

  if (letter == 'o' && (g_ascii_strncasecmp (value, "ServerAliveInterval", 19) == 0 ||
                        g_ascii_strncasecmp (value, "ServerAliveCountMax", 19) == 0))
    *found = TRUE;
  return TRUE;
}

/**
 * asd_ssh_args_have_server_alive:
 * @ssh_args: ssh arguments, %NULL-terminated
 *
 * Returns: whether the arguments set ServerAliveInterval or
 *   ServerAliveCountMax with `-o` (alone or at the end of a cluster), among
 *   ssh's options: the remote command does not count
 */
gboolean
asd_ssh_args_have_server_alive (const char * const *ssh_args)
{
  gboolean seen_destination = FALSE;
  gboolean found = FALSE;

  for (guint i = 0; ssh_args[i] != NULL && !found; i++)
    {
      const char *arg = ssh_args[i];

      if (strcmp (arg, "--") == 0)
        return FALSE;   /* what follows is no option of ssh's */
      if (arg[0] != '-' || arg[1] == '\0')
        {
          if (seen_destination)
            return FALSE;   /* the remote command */
          seen_destination = TRUE;
          continue;
        }
      /* the arguments were checked when they were made: stop at a bad one */
      if (!asd_ssh_args_read_cluster (ssh_args, &i, ASD_SSH_CLUSTER_NONE, find_server_alive, &found, NULL))
        break;
    }
  return found;
}

static void
add_forward (GStrvBuilder *builder, const char *option, guint listen, guint to)
{
  g_autofree char *spec = g_strdup_printf ("%u:127.0.0.1:%u", listen, to);

  g_strv_builder_add (builder, option);
  g_strv_builder_add (builder, spec);
}

/**
 * asd_ssh_argv_build:
 * @ssh_path: the ssh program (a path, or a name looked up in PATH)
 * @monitor: the monitor ports, or %NULL for none
 * @add_server_alive: add ServerAliveInterval=30 and ServerAliveCountMax=3
 * @ssh_args: the user's ssh arguments
 *
 * The extra arguments come first, as autossh puts them: the monitor's
 * forwards (`-L N:127.0.0.1:N -R N:127.0.0.1:N+1`, or `-L N:127.0.0.1:E`
 * in echo mode), then the keep-alive defaults, then the user's arguments
 * in their order.
 *
 * Returns: (transfer full): ssh's argv
 */
char **
asd_ssh_argv_build (const char           *ssh_path,
                    const AsdMonitorSpec *monitor,
                    gboolean              add_server_alive,
                    const char * const   *ssh_args)
{
  GStrvBuilder *builder = g_strv_builder_new ();
  char **argv;

  g_strv_builder_add (builder, ssh_path);
  if (monitor != NULL && monitor->port != 0 && monitor->echo_port != 0)
    add_forward (builder, "-L", monitor->port, monitor->echo_port);
  else if (monitor != NULL && monitor->port != 0)
    {
      add_forward (builder, "-L", monitor->port, monitor->port);
      add_forward (builder, "-R", monitor->port, monitor->port + 1);
    }
  if (add_server_alive)
    g_strv_builder_addv (builder, (const char *[]) {
        "-o", "ServerAliveInterval=30", "-o", "ServerAliveCountMax=3", NULL });
  g_strv_builder_addv (builder, (const char **) ssh_args);

  argv = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);
  return argv;
}
