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

typedef struct {
  AsdAutosshArgs *args;
  GPtrArray *out;             /* the ssh arguments kept */
  const char * const *argv;
  guint i;                    /* index of the argument being read */
} Parser;

/* Reads one cluster such as "-NfL8080:x:80" (with its value from the next
 * argument where needed), records autossh's own letters and keeps the
 * rest for ssh, in order. */
static gboolean
parse_cluster (Parser *p, GError **error)
{
  const char *arg = p->argv[p->i];
  g_autoptr(GString) kept = g_string_new ("-");
  const char *value_arg = NULL;

  for (const char *c = arg + 1; *c != '\0'; c++)
    {
      gboolean takes_value = FALSE;
      const char *value;

      if (*c != 'M' && !ssh_option_known (*c, &takes_value))
        {
          g_set_error (error, ASD_ERROR, ASD_ERROR_INVALID_ARGS,
                       _("unknown option -- %c"), *c);
          return FALSE;
        }
      if (*c == 'f')
        {
          p->args->background = TRUE;
          continue;
        }
      if (*c == 'V')
        {
          p->args->version = TRUE;
          continue;
        }
      if (*c != 'M' && !takes_value)
        {
          g_string_append_c (kept, *c);
          continue;
        }

      /* A letter with a value: the rest of this argument, or the next one. */
      value = c[1] != '\0' ? c + 1 : p->argv[p->i + 1];
      if (value == NULL)
        {
          g_set_error (error, ASD_ERROR, ASD_ERROR_INVALID_ARGS,
                       _("option requires an argument -- %c"), *c);
          return FALSE;
        }
      if (c[1] == '\0')
        p->i++;
      if (*c == 'M')
        {
          g_free (p->args->monitor_spec);
          p->args->monitor_spec = g_strdup (value);
        }
      else if (c[1] != '\0')
        g_string_append (kept, c);
      else
        {
          g_string_append_c (kept, *c);
          value_arg = value;
        }
      break;
    }

  if (kept->len > 1)
    g_ptr_array_add (p->out, g_strdup (kept->str));
  if (value_arg != NULL)
    g_ptr_array_add (p->out, g_strdup (value_arg));
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
  Parser p = { args, out, argv, 0 };
  gboolean options_open = TRUE;
  gboolean seen_destination = FALSE;
  gboolean seen_dashdash = FALSE;

  for (p.i = 0; argv[p.i] != NULL; p.i++)
    {
      const char *arg = argv[p.i];

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
          if (!parse_cluster (&p, error))
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
is_server_alive_option (const char *option)
{
  return g_ascii_strncasecmp (option, "ServerAliveInterval", 19) == 0 ||
         g_ascii_strncasecmp (option, "ServerAliveCountMax", 19) == 0;
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

  for (guint i = 0; ssh_args[i] != NULL; i++)
    {
      const char *arg = ssh_args[i];
      gboolean takes_value = FALSE;

      if (strcmp (arg, "--") == 0)
        return FALSE;   /* what follows is no option of ssh's */
      if (arg[0] != '-' || arg[1] == '\0')
        {
          if (seen_destination)
            return FALSE;   /* the remote command */
          seen_destination = TRUE;
          continue;
        }
      for (const char *c = arg + 1; *c != '\0'; c++)
        {
          if (!ssh_option_known (*c, &takes_value) || !takes_value)
            continue;
          if (*c == 'o')
            {
              const char *value = c[1] != '\0' ? c + 1 : ssh_args[i + 1];
              if (value != NULL && is_server_alive_option (value))
                return TRUE;
            }
          if (c[1] == '\0' && ssh_args[i + 1] != NULL)
            i++;
          break;
        }
    }
  return FALSE;
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
