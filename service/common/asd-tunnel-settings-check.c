/* asd-tunnel-settings-check.c: the checks of asd-tunnel-settings.c, one
 * per kind of value, and the messages they give
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "asd-error.h"
#include "asd-fingerprint.h"
#include "asd-tunnel-settings-private.h"

#define MAX_ENTRY_BYTES 512
#define MAX_SOCKET_PATH 107     /* sizeof (sockaddr_un.sun_path) - 1 on Linux */

/* @text as a message may show it: valid UTF-8, control characters as \xNN. */
char *
asd_settings_shown (const char *text)
{
  g_autofree char *valid = g_utf8_make_valid (text, -1);
  GString *out = g_string_new (NULL);

  for (const char *p = valid; *p != '\0'; p++)
    {
      if ((guchar) *p < 0x20 || *p == 0x7f)
        g_string_append_printf (out, "\\x%02x", (guchar) *p);
      else
        g_string_append_c (out, *p);
    }
  return g_string_free (out, FALSE);
}

gboolean
asd_settings_invalid (GError **error, const char *format, ...)
{
  va_list args;

  va_start (args, format);
  g_propagate_error (error, g_error_new_valist (ASD_ERROR, ASD_ERROR_INVALID_SETTINGS,
                                                format, args));
  va_end (args);
  return FALSE;
}

/* What every string value obeys, so that none can pass for an option:
 * at most @max bytes of UTF-8, no control characters, no spaces unless
 * @spaces_ok, no leading "-". */
static gboolean
check_text (const Key *key, const char *text, gsize max, gboolean spaces_ok, GError **error)
{
  g_autofree char *value = asd_settings_shown (text);
  gsize length = strlen (text);

  if (length > max)
    return asd_settings_invalid (error, _("%s value of %zu bytes is too long: at most %zu are allowed"),
                                 key->name, length, max);
  if (!g_utf8_validate (text, -1, NULL))
    return asd_settings_invalid (error, _("%s “%s” is not valid UTF-8"), key->name, value);
  for (const char *p = text; *p != '\0'; p++)
    {
      if ((guchar) *p < 0x20 || *p == 0x7f)
        return asd_settings_invalid (error, _("%s “%s” must not contain control characters"), key->name, value);
      if (*p == ' ' && !spaces_ok)
        return asd_settings_invalid (error, _("%s “%s” must not contain spaces"), key->name, value);
    }
  if (text[0] == '-')
    return asd_settings_invalid (error, _("%s “%s” must not start with “-”"), key->name, value);
  return TRUE;
}

/* Destination: a host name, address or ~/.ssh/config alias. */
char *
asd_settings_check_host (const Key *key, const char *text, GError **error)
{
  if (!check_text (key, text, 255, FALSE, error))
    return NULL;
  if (strchr (text, '@') != NULL)
    {
      asd_settings_invalid (error, _("%s “%s” must not contain “@”: give the login name as User"),
                            key->name, text);
      return NULL;
    }
  return g_strdup (text);
}

char *
asd_settings_check_user (const Key *key, const char *text, GError **error)
{
  if (!check_text (key, text, 64, FALSE, error))
    return NULL;
  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr ("._-", *p) == NULL)
      {
        asd_settings_invalid (error, _("%s “%s” may only contain letters, digits, “.”, “_” and “-”"),
                              key->name, text);
        return NULL;
      }
  return g_strdup (text);
}

/* IdentityFile: a file name, spaces allowed (ssh gets it as one argument). */
char *
asd_settings_check_path (const Key *key, const char *text, GError **error)
{
  return check_text (key, text, 4096, TRUE, error) ? g_strdup (text) : NULL;
}

typedef struct {
  const char *text;
  gboolean is_path;             /* has a "/": a Unix socket */
} ForwardField;

/* Splits a forward spec at ":" as ssh's parse_fwd_field() does, with
 * "[...]" taken literally (IPv6); backslash escapes are not supported.
 * Returns the number of fields, or -1. */
static int
split_forward (char *spec, ForwardField fields[4])
{
  int n = 0;

  if (strchr (spec, '\\') != NULL)
    return -1;
  for (char *p = spec; *p != '\0'; n++)
    {
      char *end;

      if (n == 4)
        return -1;
      if (*p == '[')
        {
          fields[n].text = ++p;
          end = strchr (p, ']');
          if (end == NULL || (end[1] != ':' && end[1] != '\0'))
            return -1;
          *end++ = '\0';
        }
      else
        {
          fields[n].text = p;
          end = p + strcspn (p, ":");
        }
      if (*end == ':')
        {
          *end++ = '\0';
          if (*end == '\0')
            return -1;          /* a trailing ":" */
        }
      fields[n].is_path = strchr (fields[n].text, '/') != NULL;
      p = end;
    }
  return n;
}

static gboolean
port_ok (const ForwardField *field, guint min)
{
  return g_ascii_string_to_unsigned (field->text, 10, min, 65535, NULL, NULL);
}

static gboolean
socket_ok (const ForwardField *field)
{
  return field->is_path && strlen (field->text) <= MAX_SOCKET_PATH;
}

static gboolean
host_ok (const ForwardField *field)
{
  return !field->is_path && field->text[0] != '\0';
}

/* The local TCP port of an -L or -D spec (the forms of forward_ok() and
 * dynamic_forward_ok() below), 0 for a socket or a bad spec. */
static guint
listen_port (const char *spec, char letter)
{
  g_autofree char *copy = g_strdup (spec);
  ForwardField f[4];
  int n = split_forward (copy, f);
  int at = 0;
  guint64 port = 0;

  if (letter == 'D')
    at = n == 2 ? 1 : 0;
  else if (n == 4 || (n == 3 && f[2].is_path))
    at = 1;                     /* bind:port:host:hostport, bind:port:/socket */
  if (n < 1 || f[at].is_path)
    return 0;
  g_ascii_string_to_unsigned (f[at].text, 10, 1, 65535, &port, NULL);
  return port;
}

/**
 * asd_tunnel_settings_listens_on:
 * @settings: a tunnel's settings
 * @port: a local TCP port
 *
 * Returns: whether one of its LocalForward or DynamicForward listens on @port
 */
gboolean
asd_tunnel_settings_listens_on (const AsdTunnelSettings *settings, guint port)
{
  for (guint i = 0; settings->local_forwards != NULL && settings->local_forwards[i] != NULL; i++)
    if (listen_port (settings->local_forwards[i], 'L') == port)
      return TRUE;
  for (guint i = 0; settings->dynamic_forwards != NULL && settings->dynamic_forwards[i] != NULL; i++)
    if (listen_port (settings->dynamic_forwards[i], 'D') == port)
      return TRUE;
  return FALSE;
}

/* [bind_address:]port */
static gboolean
dynamic_forward_ok (const ForwardField *f, int n, guint min_port)
{
  if (n == 1)
    return port_ok (&f[0], min_port);
  return n == 2 && !f[0].is_path && port_ok (&f[1], min_port);
}

/* The forms of ssh's parse_forward() for -L and -R, with numeric ports. */
static gboolean
forward_ok (const ForwardField *f, int n, guint min_port)
{
  switch (n)
    {
    case 2:   /* port:/socket, /socket:/socket */
      return socket_ok (&f[1]) && (f[0].is_path ? socket_ok (&f[0]) : port_ok (&f[0], min_port));
    case 3:   /* /socket:host:hostport, bind:port:/socket, port:host:hostport */
      if (f[0].is_path)
        return socket_ok (&f[0]) && host_ok (&f[1]) && port_ok (&f[2], 1);
      if (f[2].is_path)
        return port_ok (&f[1], min_port) && socket_ok (&f[2]);
      return port_ok (&f[0], min_port) && host_ok (&f[1]) && port_ok (&f[2], 1);
    case 4:   /* bind:port:host:hostport */
      return !f[0].is_path && port_ok (&f[1], min_port) && host_ok (&f[2]) && port_ok (&f[3], 1);
    default:
      return FALSE;
    }
}

/* LocalForward, RemoteForward (which may also be dynamic, and listen on
 * port 0 for the server to choose) and DynamicForward. */
char *
asd_settings_check_forward (const Key *key, const char *text, GError **error)
{
  static const char *expected[] = {
    N_("[bind_address:]port:host:hostport or [bind_address:]port:/socket, with ports from 1 to 65535"),
    N_("[bind_address:]port:host:hostport, [bind_address:]port:/socket or [bind_address:]port, with ports from 1 to 65535 (a listening port of 0 lets the server choose)"),
    N_("[bind_address:]port, with a port from 1 to 65535"),
  };
  g_autofree char *copy = g_strdup (text);
  ForwardField fields[4];
  int n;
  gboolean ok;

  if (!check_text (key, text, MAX_ENTRY_BYTES, FALSE, error))
    return NULL;
  n = split_forward (copy, fields);
  if (key->forward == 'D')
    ok = dynamic_forward_ok (fields, n, 1);
  else if (key->forward == 'R')
    ok = forward_ok (fields, n, 0) || dynamic_forward_ok (fields, n, 0);
  else
    ok = forward_ok (fields, n, 1);
  if (!ok)
    {
      asd_settings_invalid (error, _("%s “%s” is not %s"), key->name, text,
                            _(expected[strchr (asd_settings_forward_letters, key->forward) - asd_settings_forward_letters]));
      return NULL;
    }
  return g_strdup (text);
}

/**
 * asd_tunnel_forward_listener:
 * @spec: a LocalForward or RemoteForward value, as the settings hold it
 *
 * Where the forward listens, as a person would look for it: the port
 * ("8080" of "127.0.0.1:8080:db:5432") or the Unix socket's path.
 *
 * Returns: (transfer full) (nullable): the listening port or socket, or
 *   %NULL when @spec is not a forward
 */
char *
asd_tunnel_forward_listener (const char *spec)
{
  g_autofree char *copy = g_strdup (spec);
  ForwardField fields[4];
  int n = split_forward (copy, fields);

  if (!forward_ok (fields, n, 0))
    return NULL;
  /* bind:port:... has 4 fields, or 3 with a socket at the end */
  if (n == 4 || (n == 3 && fields[2].is_path))
    return g_strdup (fields[1].text);
  return g_strdup (fields[0].text);
}

/* "Key=Value" or "Key Value" (as ssh -o takes it), normalised to
 * "Key=Value"; the value may hold spaces (ProxyCommand). */
char *
asd_settings_check_ssh_option (const Key *key, const char *text, GError **error)
{
  const char *end = text, *value;

  if (!check_text (key, text, MAX_ENTRY_BYTES, TRUE, error))
    return NULL;
  if (g_ascii_isalpha (*end))
    while (g_ascii_isalnum (*end))
      end++;
  value = end + strspn (end, " ");
  if (*value == '=')
    value += 1 + strspn (value + 1, " ");
  if (end == text || value == end || *value == '\0')
    {
      asd_settings_invalid (error, _("%s entry “%s” is not Key=Value, such as ServerAliveInterval=30"),
                            key->name, text);
      return NULL;
    }
  return g_strdup_printf ("%.*s=%s", (int) (end - text), text, value);
}

gboolean
asd_settings_parse_number (const Key *key, const char *text, guint *number, GError **error)
{
  guint64 value;

  if (!g_ascii_string_to_unsigned (text, 10, key->min, key->max, &value, NULL))
    {
      g_autofree char *value_shown = asd_settings_shown (text);
      return asd_settings_invalid (error, _("%s “%s” is not a number from %u to %u"),
                                   key->name, value_shown, key->min, key->max);
    }
  *number = value;
  return TRUE;
}

/* TrustedHostKey: a fingerprint as ssh shows it, or "" to unset. */
char *
asd_settings_check_fingerprint (const Key *key, const char *text, GError **error)
{
  if (*text == '\0' || asd_fingerprint_is_valid (text))
    return g_strdup (text);
  asd_settings_invalid (error, _("%s “%s” is not a host key fingerprint: expected SHA256: and 43 characters, as ssh shows it"),
                        key->name, text);
  return NULL;
}
