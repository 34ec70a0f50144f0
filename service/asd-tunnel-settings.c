/* asd-tunnel-settings.c: a tunnel's settings, checked, in and out of
 * a{sv}, key files and autossh command lines
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "asd-autossh-args.h"
#include "asd-error.h"
#include "asd-tunnel-settings.h"

#define MAX_LIST_LENGTH 64
#define MAX_ENTRY_BYTES 512
#define MAX_SOCKET_PATH 107     /* sizeof (sockaddr_un.sun_path) - 1 on Linux */

typedef struct _Key Key;

/* Checks one string value; returns its normalised copy, or %NULL. */
typedef char *(*CheckFunc) (const Key *key, const char *text, GError **error);

/* One settings key: its D-Bus type, its field in AsdTunnelSettings, and how
 * a value is checked: @check for strings and list entries (@forward: 'L',
 * 'R' or 'D' for forwards), @min..@max for numbers.  @required explains a
 * key that must be set. */
struct _Key {
  const char *name;
  const char *type;
  gsize offset;
  CheckFunc check;
  char forward;
  guint min, max;
  const char *required;
};

static char *check_host        (const Key *key, const char *text, GError **error);
static char *check_user        (const Key *key, const char *text, GError **error);
static char *check_path        (const Key *key, const char *text, GError **error);
static char *check_forward     (const Key *key, const char *text, GError **error);
static char *check_ssh_option  (const Key *key, const char *text, GError **error);

#define AT(field) G_STRUCT_OFFSET (AsdTunnelSettings, field)

static const Key keys[] = {
  { "Destination", "s", AT (destination), check_host, 0, 0, 0,
    N_("the host or ~/.ssh/config alias to connect to") },
  { "User", "s", AT (user), check_user, 0, 0, 0, NULL },
  { "Port", "q", AT (port), NULL, 0, 0, 65535, NULL },
  { "IdentityFile", "s", AT (identity_file), check_path, 0, 0, 0, NULL },
  { "LocalForward", "as", AT (local_forwards), check_forward, 'L', 0, 0, NULL },
  { "RemoteForward", "as", AT (remote_forwards), check_forward, 'R', 0, 0, NULL },
  { "DynamicForward", "as", AT (dynamic_forwards), check_forward, 'D', 0, 0, NULL },
  { "SshOptions", "as", AT (ssh_options), check_ssh_option, 0, 0, 0, NULL },
  { "MonitorPort", "q", AT (monitor_port), NULL, 0, 0, 65535, NULL },
  { "EchoPort", "q", AT (echo_port), NULL, 0, 0, 65535, NULL },
  { "PollInterval", "u", AT (poll_interval), NULL, 0, 1, 86400, NULL },
  { "FirstPoll", "u", AT (first_poll), NULL, 0, 0, 86400, NULL },
  { "AutoStart", "b", AT (auto_start), NULL, 0, 0, 0, NULL },
  { "Transient", "b", AT (transient), NULL, 0, 0, 0, NULL },
};

/* The forward keys' letters, in the order of their list fields. */
static const char forward_letters[] = "LRD";

#define FIELD(settings, key, type) ((type *) (void *) ((guint8 *) (settings) + (key)->offset))

/* ---- names ---- */

/**
 * asd_tunnel_name_is_valid:
 * @name: (nullable): a tunnel name
 *
 * Returns: whether @name matches `[A-Za-z0-9_-]{1,64}`
 */
gboolean
asd_tunnel_name_is_valid (const char *name)
{
  gsize length = name != NULL ? strlen (name) : 0;

  if (length == 0 || length > ASD_TUNNEL_NAME_MAX)
    return FALSE;
  for (const char *p = name; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '_' && *p != '-')
      return FALSE;
  return TRUE;
}

/**
 * asd_tunnel_name_to_path_element:
 * @name: a tunnel name
 *
 * Escapes @name for a D-Bus object path as systemd's bus_label_escape()
 * does: every byte other than A-Z, a-z, 0-9 becomes `_xx` (lowercase
 * hex), and the empty string becomes `_`.  "web-1" is "web_2d1".
 *
 * Returns: (transfer full): the path element
 */
char *
asd_tunnel_name_to_path_element (const char *name)
{
  GString *element = g_string_new (NULL);

  g_return_val_if_fail (name != NULL, NULL);

  if (*name == '\0')
    g_string_append_c (element, '_');
  for (const char *p = name; *p != '\0'; p++)
    {
      if (g_ascii_isalnum (*p))
        g_string_append_c (element, *p);
      else
        g_string_append_printf (element, "_%02x", (guchar) *p);
    }
  return g_string_free (element, FALSE);
}

/* ---- checks, one per kind of value ---- */

/* @text as a message may show it: valid UTF-8, control characters as \xNN. */
static char *
shown (const char *text)
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

G_GNUC_PRINTF (2, 3)
static gboolean
invalid (GError **error, const char *format, ...)
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
  g_autofree char *value = shown (text);
  gsize length = strlen (text);

  if (length > max)
    return invalid (error, _("%s value of %" G_GSIZE_FORMAT " bytes is too long: at most %" G_GSIZE_FORMAT " are allowed"),
                    key->name, length, max);
  if (!g_utf8_validate (text, -1, NULL))
    return invalid (error, _("%s “%s” is not valid UTF-8"), key->name, value);
  for (const char *p = text; *p != '\0'; p++)
    {
      if ((guchar) *p < 0x20 || *p == 0x7f)
        return invalid (error, _("%s “%s” must not contain control characters"), key->name, value);
      if (*p == ' ' && !spaces_ok)
        return invalid (error, _("%s “%s” must not contain spaces"), key->name, value);
    }
  if (text[0] == '-')
    return invalid (error, _("%s “%s” must not start with “-”"), key->name, value);
  return TRUE;
}

/* Destination: a host name, address or ~/.ssh/config alias. */
static char *
check_host (const Key *key, const char *text, GError **error)
{
  if (!check_text (key, text, 255, FALSE, error))
    return NULL;
  if (strchr (text, '@') != NULL)
    {
      invalid (error, _("%s “%s” must not contain “@”: give the login name as User"),
               key->name, text);
      return NULL;
    }
  return g_strdup (text);
}

static char *
check_user (const Key *key, const char *text, GError **error)
{
  if (!check_text (key, text, 64, FALSE, error))
    return NULL;
  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr ("._-", *p) == NULL)
      {
        invalid (error, _("%s “%s” may only contain letters, digits, “.”, “_” and “-”"),
                 key->name, text);
        return NULL;
      }
  return g_strdup (text);
}

/* IdentityFile: a file name, spaces allowed (ssh gets it as one argument). */
static char *
check_path (const Key *key, const char *text, GError **error)
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
static char *
check_forward (const Key *key, const char *text, GError **error)
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
      invalid (error, _("%s “%s” is not %s"), key->name, text,
               _(expected[strchr (forward_letters, key->forward) - forward_letters]));
      return NULL;
    }
  return g_strdup (text);
}

/* "Key=Value" or "Key Value" (as ssh -o takes it), normalised to
 * "Key=Value"; the value may hold spaces (ProxyCommand). */
static char *
check_ssh_option (const Key *key, const char *text, GError **error)
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
      invalid (error, _("%s entry “%s” is not Key=Value, such as ServerAliveInterval=30"),
               key->name, text);
      return NULL;
    }
  return g_strdup_printf ("%.*s=%s", (int) (end - text), text, value);
}

static gboolean
parse_number (const Key *key, const char *text, guint *number, GError **error)
{
  guint64 value;

  if (!g_ascii_string_to_unsigned (text, 10, key->min, key->max, &value, NULL))
    {
      g_autofree char *value_shown = shown (text);
      return invalid (error, _("%s “%s” is not a number from %u to %u"),
                      key->name, value_shown, key->min, key->max);
    }
  *number = value;
  return TRUE;
}

/* ---- keys and their values ---- */

static const Key *
lookup_key (const char *name, GError **error)
{
  g_autoptr(GString) names = g_string_new (NULL);
  g_autofree char *name_shown = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      if (strcmp (keys[i].name, name) == 0)
        return &keys[i];
      g_string_append_printf (names, "%s%s", i > 0 ? ", " : "", keys[i].name);
    }
  name_shown = shown (name);
  invalid (error, _("unknown key “%s”: the keys are %s"), name_shown, names->str);
  return NULL;
}

static const char *
describe_type (const char *type)
{
  static const char codes[] = "saqub";
  static const char *names[] = { "string", "array of strings", "uint16", "uint32", "boolean" };

  return names[strchr (codes, type[0]) - codes];
}

static gboolean
missing (const Key *key, GError **error)
{
  return invalid (error, _("%s is required: %s"), key->name, _(key->required));
}

/* An empty string unsets an optional key. */
static gboolean
set_string (AsdTunnelSettings *settings, const Key *key, const char *text, GError **error)
{
  char **field = FIELD (settings, key, char *);
  char *value = NULL;

  if (*text == '\0' && key->required != NULL)
    return missing (key, error);
  if (*text != '\0' && (value = key->check (key, text, error)) == NULL)
    return FALSE;
  g_free (*field);
  *field = value;
  return TRUE;
}

static gboolean
set_list (AsdTunnelSettings *settings, const Key *key, const char * const *items, GError **error)
{
  char ***field = FIELD (settings, key, char **);
  guint length = g_strv_length ((char **) items);
  g_autoptr(GPtrArray) list = NULL;

  if (length > MAX_LIST_LENGTH)
    return invalid (error, _("%s has %u entries: at most %u are allowed"),
                    key->name, length, MAX_LIST_LENGTH);
  list = g_ptr_array_new_full (length + 1, g_free);
  for (guint i = 0; i < length; i++)
    {
      char *value = key->check (key, items[i], error);

      if (value == NULL)
        return FALSE;
      g_ptr_array_add (list, value);
    }
  g_ptr_array_add (list, NULL);
  g_strfreev (*field);
  *field = (char **) g_ptr_array_free (g_steal_pointer (&list), FALSE);
  return TRUE;
}

/* Numbers from any source go through parse_number(), for one message. */
static gboolean
set_number (AsdTunnelSettings *settings, const Key *key, guint64 value, GError **error)
{
  g_autofree char *text = g_strdup_printf ("%" G_GUINT64_FORMAT, value);
  guint number;

  if (!parse_number (key, text, &number, error))
    return FALSE;
  if (key->type[0] == 'q')
    *FIELD (settings, key, guint16) = number;
  else
    *FIELD (settings, key, guint) = number;
  return TRUE;
}

/* The one way in for every value: its type, then its check. */
static gboolean
set_value (AsdTunnelSettings *settings, const Key *key, GVariant *value, GError **error)
{
  g_autofree const char **items = NULL;

  if (!g_variant_is_of_type (value, G_VARIANT_TYPE (key->type)))
    return invalid (error, _("%s must have type “%s” (%s), not “%s”"), key->name,
                    key->type, describe_type (key->type), g_variant_get_type_string (value));
  switch (key->type[0])
    {
    case 's':
      return set_string (settings, key, g_variant_get_string (value, NULL), error);
    case 'a':
      items = g_variant_get_strv (value, NULL);
      return set_list (settings, key, items, error);
    case 'b':
      *FIELD (settings, key, gboolean) = g_variant_get_boolean (value);
      return TRUE;
    case 'q':
      return set_number (settings, key, g_variant_get_uint16 (value), error);
    default:
      return set_number (settings, key, g_variant_get_uint32 (value), error);
    }
}

static GVariant *
get_value (const AsdTunnelSettings *settings, const Key *key)
{
  const char *text;

  switch (key->type[0])
    {
    case 's':
      text = *FIELD (settings, key, char *);
      return g_variant_new_string (text != NULL ? text : "");
    case 'a':
      return g_variant_new_strv (*FIELD (settings, key, const char * const *), -1);
    case 'b':
      return g_variant_new_boolean (*FIELD (settings, key, gboolean));
    case 'q':
      return g_variant_new_uint16 (*FIELD (settings, key, guint16));
    default:
      return g_variant_new_uint32 (*FIELD (settings, key, guint));
    }
}

/* What no single key can check; *@culprit is the key to blame. */
static gboolean
check_whole (const AsdTunnelSettings *settings, const char **culprit, GError **error)
{
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    if (keys[i].required != NULL && *FIELD (settings, &keys[i], char *) == NULL)
      return missing (&keys[i], error);
  if (culprit != NULL)
    *culprit = "EchoPort";
  if (settings->echo_port != 0 && settings->monitor_port == 0)
    return invalid (error, _("EchoPort %u needs MonitorPort: the monitor's test goes out through MonitorPort to the server's echo service on EchoPort"),
                    settings->echo_port);
  if (culprit != NULL)
    *culprit = "MonitorPort";
  if (settings->monitor_port == 65535 && settings->echo_port == 0)
    return invalid (error, _("MonitorPort 65535 needs EchoPort: without it the monitor also uses MonitorPort + 1, so MonitorPort goes from 1 to 65534"));
  return TRUE;
}

/* ---- settings ---- */

/**
 * asd_tunnel_settings_new:
 *
 * Returns: (transfer full): settings with the defaults: nothing set,
 *   PollInterval 30, AutoStart true
 */
AsdTunnelSettings *
asd_tunnel_settings_new (void)
{
  AsdTunnelSettings *settings = g_new0 (AsdTunnelSettings, 1);

  settings->local_forwards = g_new0 (char *, 1);
  settings->remote_forwards = g_new0 (char *, 1);
  settings->dynamic_forwards = g_new0 (char *, 1);
  settings->ssh_options = g_new0 (char *, 1);
  settings->poll_interval = ASD_TUNNEL_DEFAULT_POLL;
  settings->auto_start = TRUE;
  return settings;
}

AsdTunnelSettings *
asd_tunnel_settings_copy (const AsdTunnelSettings *settings)
{
  AsdTunnelSettings *copy = g_memdup2 (settings, sizeof *settings);

  copy->destination = g_strdup (settings->destination);
  copy->user = g_strdup (settings->user);
  copy->identity_file = g_strdup (settings->identity_file);
  copy->local_forwards = g_strdupv (settings->local_forwards);
  copy->remote_forwards = g_strdupv (settings->remote_forwards);
  copy->dynamic_forwards = g_strdupv (settings->dynamic_forwards);
  copy->ssh_options = g_strdupv (settings->ssh_options);
  return copy;
}

void
asd_tunnel_settings_free (AsdTunnelSettings *settings)
{
  if (settings == NULL)
    return;
  g_free (settings->destination);
  g_free (settings->user);
  g_free (settings->identity_file);
  g_strfreev (settings->local_forwards);
  g_strfreev (settings->remote_forwards);
  g_strfreev (settings->dynamic_forwards);
  g_strfreev (settings->ssh_options);
  g_free (settings);
}

/**
 * asd_tunnel_settings_apply_variant:
 * @settings: the settings to change
 * @asv: (transfer floating): an a{sv} of settings keys
 * @error: return location for an %ASD_ERROR_INVALID_SETTINGS error
 *
 * Sets the keys of @asv, each checked, then checks the result as a whole
 * (asd_tunnel_settings_validate()).  An empty string unsets User or
 * IdentityFile; an empty array empties a list; SshOptions entries are
 * normalised to "Key=Value".  On error @settings is unchanged.
 *
 * Returns: whether the settings were applied
 */
gboolean
asd_tunnel_settings_apply_variant (AsdTunnelSettings *settings, GVariant *asv, GError **error)
{
  g_autoptr(GVariant) owned = g_variant_ref_sink (asv);
  g_autoptr(AsdTunnelSettings) copy = NULL;
  AsdTunnelSettings old;
  GVariantIter iter;
  const char *name;
  GVariant *value;

  g_return_val_if_fail (settings != NULL, FALSE);
  g_return_val_if_fail (g_variant_is_of_type (asv, G_VARIANT_TYPE_VARDICT), FALSE);

  copy = asd_tunnel_settings_copy (settings);
  g_variant_iter_init (&iter, asv);
  while (g_variant_iter_next (&iter, "{&sv}", &name, &value))
    {
      g_autoptr(GVariant) item = value;
      const Key *key = lookup_key (name, error);

      if (key == NULL || !set_value (copy, key, value, error))
        return FALSE;
    }
  if (!check_whole (copy, NULL, error))
    return FALSE;
  old = *settings;
  *settings = *copy;
  *copy = old;
  return TRUE;
}

/**
 * asd_tunnel_settings_validate:
 * @settings: settings, however they were made
 * @error: return location for an %ASD_ERROR_INVALID_SETTINGS error
 *
 * Checks every value as asd_tunnel_settings_apply_variant() does, and the
 * settings as a whole: Destination is set, EchoPort comes with MonitorPort.
 *
 * Returns: whether the settings can be used
 */
gboolean
asd_tunnel_settings_validate (const AsdTunnelSettings *settings, GError **error)
{
  g_autoptr(AsdTunnelSettings) scratch = asd_tunnel_settings_new ();

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      g_autoptr(GVariant) value = g_variant_ref_sink (get_value (settings, &keys[i]));

      if (keys[i].required != NULL && *FIELD (settings, &keys[i], char *) == NULL)
        continue;       /* check_whole() says so */
      if (!set_value (scratch, &keys[i], value, error))
        return FALSE;
    }
  return check_whole (settings, NULL, error);
}

/* ---- autossh command lines ---- */

/* The letters this mapping knows that take a value. */
#define VALUE_LETTERS "DJLRilop"

typedef struct {
  GVariantDict *dict;
  GPtrArray *lists[4];          /* LocalForward, RemoteForward, DynamicForward, SshOptions */
} CommandLine;

static void
command_line_clear (CommandLine *line)
{
  g_clear_pointer (&line->dict, g_variant_dict_unref);
  for (guint i = 0; i < G_N_ELEMENTS (line->lists); i++)
    g_clear_pointer (&line->lists[i], g_ptr_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CommandLine, command_line_clear)

static const char *list_keys[] = { "LocalForward", "RemoteForward", "DynamicForward", "SshOptions" };

static void
add_option (CommandLine *line, const char *name, const char *value)
{
  g_ptr_array_add (line->lists[3], g_strconcat (name, value, NULL));
}

static gboolean
set_once (CommandLine *line, char letter, const char *name, GVariant *value, GError **error)
{
  g_autoptr(GVariant) owned = g_variant_ref_sink (value);

  if (g_variant_dict_contains (line->dict, name))
    return invalid (error, _("-%c is given twice: the service takes one %s"), letter, name);
  g_variant_dict_insert_value (line->dict, name, value);
  return TRUE;
}

static gboolean
read_letter (CommandLine *line, char letter, const char *value, GError **error)
{
  const char *forward = strchr (forward_letters, letter);
  guint port;

  if (strchr ("NTnqv", letter) != NULL)
    return TRUE;        /* the service always runs ssh -N, quietly */
  if (forward != NULL)
    g_ptr_array_add (line->lists[forward - forward_letters], g_strdup (value));
  else if (letter == 'o')
    add_option (line, "", value);
  else if (letter == 'J')
    add_option (line, "ProxyJump=", value);
  else if (letter == 'C')
    add_option (line, "Compression=yes", "");
  else if (letter == '4' || letter == '6')
    add_option (line, "AddressFamily=", letter == '4' ? "inet" : "inet6");
  else if (letter == 'p')
    return parse_number (lookup_key ("Port", NULL), value, &port, error) &&
           set_once (line, letter, "Port", g_variant_new_uint16 (port), error);
  else if (letter == 'l' || letter == 'i')
    return set_once (line, letter, letter == 'l' ? "User" : "IdentityFile",
                     g_variant_new_string (value), error);
  else
    return invalid (error, _("option -%c is not supported by the service: it maps -L, -R, -D, -p, -l, -i, -o, -J, -C, -4, -6 and -M to settings (other ssh options go in as -o Key=Value)"),
                    letter);
  return TRUE;
}

/* One cluster such as "-NL8080:x:80", with its value from the next
 * argument where needed. */
static gboolean
read_cluster (CommandLine *line, const char * const *argv, guint *i, GError **error)
{
  for (const char *c = argv[*i] + 1; *c != '\0'; c++)
    {
      const char *value = NULL;

      if (strchr (VALUE_LETTERS, *c) != NULL)
        {
          value = c[1] != '\0' ? c + 1 : argv[*i + 1];
          if (value == NULL)
            return invalid (error, _("option requires an argument -- %c"), *c);
          if (c[1] == '\0')
            (*i)++;
        }
      if (!read_letter (line, *c, value, error))
        return FALSE;
      if (value != NULL)
        break;
    }
  return TRUE;
}

/* "user@host" (split at the last "@", as ssh does) or "host"; a User from
 * -l wins, as in ssh. */
static void
read_destination (CommandLine *line, const char *arg)
{
  const char *at = strrchr (arg, '@');

  if (at == NULL || at == arg || at[1] == '\0')
    {
      g_variant_dict_insert (line->dict, "Destination", "s", arg);
      return;
    }
  g_variant_dict_insert (line->dict, "Destination", "s", at + 1);
  if (!g_variant_dict_contains (line->dict, "User"))
    {
      g_autofree char *user = g_strndup (arg, at - arg);
      g_variant_dict_insert (line->dict, "User", "s", user);
    }
}

/* Reads ssh's arguments as ssh does: options, the destination, options
 * again; "--" ends options; a further argument is a remote command. */
static gboolean
read_ssh_args (CommandLine *line, const char * const *argv, GError **error)
{
  gboolean options_open = TRUE, have_destination = FALSE;

  for (guint i = 0; argv[i] != NULL; i++)
    {
      const char *arg = argv[i];

      if (options_open && strcmp (arg, "--") == 0)
        options_open = FALSE;
      else if (options_open && arg[0] == '-' && arg[1] != '\0')
        {
          if (!read_cluster (line, argv, &i, error))
            return FALSE;
        }
      else if (!have_destination)
        {
          read_destination (line, arg);
          have_destination = options_open = TRUE;
        }
      else
        {
          g_autofree char *command = g_strjoinv (" ", (char **) argv + i);
          g_autofree char *command_shown = shown (command);
          return invalid (error, _("the service runs ssh -N: a remote command (“%s”) is not supported"),
                          command_shown);
        }
    }
  if (!have_destination)
    return invalid (error, _("the command line has no destination: give user@host or a ~/.ssh/config alias"));
  return TRUE;
}

static gboolean
read_monitor (CommandLine *line, const char *spec_text, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  AsdMonitorSpec spec;

  if (!asd_monitor_spec_parse (spec_text, &spec, &local_error))
    return invalid (error, "%s", local_error->message);
  g_variant_dict_insert (line->dict, "MonitorPort", "q", spec.port);
  g_variant_dict_insert (line->dict, "EchoPort", "q", spec.echo_port);
  return TRUE;
}

/**
 * asd_tunnel_settings_apply_command_line:
 * @settings: the settings to change
 * @autossh_args: an autossh command line without the program name
 * @error: return location for an %ASD_ERROR_INVALID_SETTINGS error
 *
 * Maps the command line to settings keys (see AddTunnelFromCommandLine in
 * data/io.github.autosshd1.xml) and applies them with
 * asd_tunnel_settings_apply_variant(); keys the command line does not
 * give keep their values.  -N, -T, -n, -f, -q and -v have no effect;
 * -V, any other option and a remote command are errors.
 *
 * Returns: whether the settings were applied
 */
gboolean
asd_tunnel_settings_apply_command_line (AsdTunnelSettings  *settings,
                                        const char * const *autossh_args,
                                        GError            **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(AsdAutosshArgs) args = asd_autossh_args_parse (autossh_args, &local_error);
  g_auto(CommandLine) line = { g_variant_dict_new (NULL), { NULL } };

  if (args == NULL)
    return invalid (error, "%s", local_error->message);
  if (args->version)
    return invalid (error, _("-V prints autossh's version and starts no tunnel"));
  for (guint i = 0; i < G_N_ELEMENTS (line.lists); i++)
    line.lists[i] = g_ptr_array_new_with_free_func (g_free);
  if ((args->monitor_spec != NULL && !read_monitor (&line, args->monitor_spec, error)) ||
      !read_ssh_args (&line, (const char * const *) args->ssh_args, error))
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (line.lists); i++)
    if (line.lists[i]->len > 0)
      g_variant_dict_insert_value (line.dict, list_keys[i],
                                   g_variant_new_strv ((const char * const *) line.lists[i]->pdata,
                                                       line.lists[i]->len));
  return asd_tunnel_settings_apply_variant (settings, g_variant_dict_end (line.dict), error);
}

/* ---- key files ---- */

static const char *
skip_blanks (const char *line)
{
  while (g_ascii_isspace (*line))
    line++;
  return line;
}

/* Whether @line (blanks skipped) is a "[group]" line as GKeyFile reads it. */
static gboolean
is_group_line (const char *line)
{
  const char *end = strchr (line, ']');

  return end != NULL && end > line + 1 && strcspn (line + 1, "[") > (gsize) (end - line - 1) &&
         *skip_blanks (end + 1) == '\0';
}

/* GKeyFile's parse errors carry no line number: finds the first line that
 * is neither blank, a comment, a [group] nor key=value after a group.
 * Returns its number (from 1) and why, or 0. */
static guint
find_bad_line (char **lines, char **reason)
{
  gboolean in_group = FALSE;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = skip_blanks (lines[i]);
      g_autofree char *line_shown = NULL;

      if (*line == '\0' || *line == '#')
        continue;
      line_shown = shown (g_strchomp (lines[i]));
      if (!g_utf8_validate (lines[i], -1, NULL))
        *reason = g_strdup (_("the line is not valid UTF-8"));
      else if (*line == '[' ? !is_group_line (line) : (*line == '=' || strchr (line, '=') == NULL))
        *reason = g_strdup_printf (_("“%s” is not a key=value line, a [group] line or a # comment"),
                                   line_shown);
      else if (*line != '[' && !in_group)
        *reason = g_strdup_printf (_("“%s” comes before the [%s] line"),
                                   line_shown, ASD_TUNNEL_KEYFILE_GROUP);
      else
        {
          in_group = TRUE;
          continue;
        }
      return i + 1;
    }
  return 0;
}

/* The number of the line that sets @key (the last one, as GKeyFile takes
 * it) in @group, or of the [@group] line when @key is %NULL; or 0. */
static guint
find_line (char **lines, const char *group, const char *key)
{
  g_autofree char *header = g_strdup_printf ("[%s]", group);
  gboolean in_group = FALSE;
  guint found = 0;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = skip_blanks (lines[i]);

      if (*line == '[')
        {
          in_group = g_str_has_prefix (line, header) && *skip_blanks (line + strlen (header)) == '\0';
          if (in_group && key == NULL)
            return i + 1;
        }
      else if (in_group && key != NULL && g_str_has_prefix (line, key) &&
               *skip_blanks (line + strlen (key)) == '=')
        found = i + 1;
    }
  return found;
}

static gboolean
file_error (GError **error, const char *path, guint line, const char *message)
{
  if (line > 0)
    return invalid (error, "%s:%u: %s", path, line, message);
  return invalid (error, "%s: %s", path, message);
}

/* Reads @key's value from the [Tunnel] group as a GVariant of its type. */
static GVariant *
read_key (GKeyFile *file, const Key *key, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *raw = g_key_file_get_value (file, ASD_TUNNEL_KEYFILE_GROUP, key->name, NULL);
  g_autofree char *text = NULL;
  g_auto(GStrv) list = NULL;
  gboolean boolean;
  guint number;

  switch (key->type[0])
    {
    case 's':
      text = g_key_file_get_string (file, ASD_TUNNEL_KEYFILE_GROUP, key->name, &local_error);
      if (text != NULL)
        return g_variant_new_string (text);
      break;
    case 'a':
      list = g_key_file_get_string_list (file, ASD_TUNNEL_KEYFILE_GROUP, key->name, NULL, &local_error);
      if (local_error == NULL)
        return g_variant_new_strv ((const char * const *) list, -1);
      break;
    case 'b':
      boolean = g_key_file_get_boolean (file, ASD_TUNNEL_KEYFILE_GROUP, key->name, &local_error);
      if (local_error == NULL)
        return g_variant_new_boolean (boolean);
      text = shown (raw);
      invalid (error, _("%s “%s” is not true or false"), key->name, text);
      return NULL;
    default:
      if (!parse_number (key, g_strstrip (raw), &number, error))
        return NULL;
      return key->type[0] == 'q' ? g_variant_new_uint16 (number) : g_variant_new_uint32 (number);
    }
  invalid (error, "%s: %s", key->name, local_error->message);
  return NULL;
}

static gboolean
check_groups (GKeyFile *file, char **lines, const char *path, GError **error)
{
  g_auto(GStrv) groups = g_key_file_get_groups (file, NULL);

  for (guint i = 0; groups[i] != NULL; i++)
    if (strcmp (groups[i], ASD_TUNNEL_KEYFILE_GROUP) != 0)
      {
        g_autofree char *message = g_strdup_printf (_("unknown group [%s]: a tunnel's file has only [%s]"),
                                                    groups[i], ASD_TUNNEL_KEYFILE_GROUP);
        return file_error (error, path, find_line (lines, groups[i], NULL), message);
      }
  if (groups[0] == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("there is no [%s] group"), ASD_TUNNEL_KEYFILE_GROUP);
      return file_error (error, path, 0, message);
    }
  return TRUE;
}

static gboolean
read_keys (AsdTunnelSettings *settings, GKeyFile *file, char **lines, const char *path, GError **error)
{
  g_auto(GStrv) names = g_key_file_get_keys (file, ASD_TUNNEL_KEYFILE_GROUP, NULL, NULL);
  const char *culprit = NULL;
  g_autoptr(GError) local_error = NULL;
  guint line;

  for (guint i = 0; names[i] != NULL; i++)
    {
      const Key *key = lookup_key (names[i], &local_error);
      g_autoptr(GVariant) value = NULL;

      if (key != NULL && (value = read_key (file, key, &local_error)) != NULL)
        g_variant_ref_sink (value);
      if (value == NULL || !set_value (settings, key, value, &local_error))
        return file_error (error, path, find_line (lines, ASD_TUNNEL_KEYFILE_GROUP, names[i]),
                           local_error->message);
    }
  if (check_whole (settings, &culprit, &local_error))
    return TRUE;
  line = culprit != NULL ? find_line (lines, ASD_TUNNEL_KEYFILE_GROUP, culprit) : 0;
  return file_error (error, path, line, local_error->message);
}

/**
 * asd_tunnel_settings_load:
 * @path: a tunnel's key file
 * @error: return location for a #GFileError when the file cannot be read,
 *   or an %ASD_ERROR_INVALID_SETTINGS error that names the file, the line
 *   where it can, and the reason
 *
 * Reads the [Tunnel] group: the keys of asd_tunnel_settings_apply_variant(),
 * lists as string lists, numbers as integers, true or false.  Unknown
 * groups and keys, bad values and missing settings are errors.
 *
 * Returns: (transfer full): the settings, or %NULL
 */
AsdTunnelSettings *
asd_tunnel_settings_load (const char *path, GError **error)
{
  g_autoptr(AsdTunnelSettings) settings = asd_tunnel_settings_new ();
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autoptr(GError) local_error = NULL;
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  gsize length;

  if (!g_file_get_contents (path, &text, &length, error))
    return NULL;
  lines = g_strsplit (text, "\n", -1);
  if (!g_key_file_load_from_data (file, text, length, G_KEY_FILE_NONE, &local_error))
    {
      g_autofree char *reason = NULL;
      guint line = find_bad_line (lines, &reason);

      file_error (error, path, line, line > 0 ? reason : local_error->message);
      return NULL;
    }
  if (!check_groups (file, lines, path, error) ||
      !read_keys (settings, file, lines, path, error))
    return NULL;
  return g_steal_pointer (&settings);
}

static void
write_key (GKeyFile *file, const Key *key, GVariant *value)
{
  g_autofree const char **list = NULL;

  switch (key->type[0])
    {
    case 's':
      g_key_file_set_string (file, ASD_TUNNEL_KEYFILE_GROUP, key->name, g_variant_get_string (value, NULL));
      break;
    case 'a':
      list = g_variant_get_strv (value, NULL);
      g_key_file_set_string_list (file, ASD_TUNNEL_KEYFILE_GROUP, key->name, list, g_strv_length ((char **) list));
      break;
    case 'b':
      g_key_file_set_boolean (file, ASD_TUNNEL_KEYFILE_GROUP, key->name, g_variant_get_boolean (value));
      break;
    case 'q':
      g_key_file_set_uint64 (file, ASD_TUNNEL_KEYFILE_GROUP, key->name, g_variant_get_uint16 (value));
      break;
    default:
      g_key_file_set_uint64 (file, ASD_TUNNEL_KEYFILE_GROUP, key->name, g_variant_get_uint32 (value));
      break;
    }
}

/**
 * asd_tunnel_settings_save:
 * @settings: valid settings
 * @path: the tunnel's key file
 * @error: return location for a #GFileError
 *
 * Writes Destination and every key that differs from its default (never
 * Transient) atomically, mode 0600, creating the directory (0700) if
 * needed.
 *
 * Returns: whether the file was written
 */
gboolean
asd_tunnel_settings_save (const AsdTunnelSettings *settings, const char *path, GError **error)
{
  g_autoptr(AsdTunnelSettings) defaults = asd_tunnel_settings_new ();
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *data = NULL;
  gsize length;

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      g_autoptr(GVariant) value = g_variant_ref_sink (get_value (settings, &keys[i]));
      g_autoptr(GVariant) fallback = g_variant_ref_sink (get_value (defaults, &keys[i]));

      if (keys[i].offset == AT (transient) ||
          (keys[i].required == NULL && g_variant_equal (value, fallback)))
        continue;
      write_key (file, &keys[i], value);
    }
  data = g_key_file_to_data (file, &length, NULL);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   _("Cannot create %s: %s"), dir, g_strerror (saved_errno));
      return FALSE;
    }
  return g_file_set_contents_full (path, data, length, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
}

/* ---- what the tunnel runs and shows ---- */

/* Whether SshOptions sets @keyword (ssh's keywords ignore case). */
static gboolean
has_option (const AsdTunnelSettings *settings, const char *keyword)
{
  gsize length = strlen (keyword);

  for (guint i = 0; settings->ssh_options[i] != NULL; i++)
    if (g_ascii_strncasecmp (settings->ssh_options[i], keyword, length) == 0 &&
        settings->ssh_options[i][length] == '=')
      return TRUE;
  return FALSE;
}

static void
add_each (GStrvBuilder *builder, const char *option, char **values)
{
  for (guint i = 0; values[i] != NULL; i++)
    g_strv_builder_addv (builder, (const char *[]) { option, values[i], NULL });
}

/**
 * asd_tunnel_settings_ssh_argv:
 * @settings: valid settings
 * @ssh_path: the ssh program
 *
 * The service's ssh command: -N, the options the supervisor relies on
 * (LogLevel=DEBUG1, BatchMode, ExitOnForwardFailure; ConnectTimeout=10
 * and, without a monitor port, ServerAliveInterval=5 and
 * ServerAliveCountMax=2 unless SshOptions sets them), the monitor's
 * forwards as asd_ssh_argv_build() adds them, then -p, -l, -i, the
 * forwards, SshOptions as -o, "--" and the destination.
 *
 * Returns: (transfer full): ssh's argv
 */
char **
asd_tunnel_settings_ssh_argv (const AsdTunnelSettings *settings, const char *ssh_path)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) args = NULL;
  g_autofree char *port = g_strdup_printf ("%u", settings->port);
  AsdMonitorSpec monitor = { settings->monitor_port, settings->echo_port };

  g_return_val_if_fail (settings->destination != NULL, NULL);

  g_strv_builder_addv (builder, (const char *[]) { "-N", "-o", "LogLevel=DEBUG1",
      "-o", "BatchMode=yes", "-o", "ExitOnForwardFailure=yes", NULL });
  if (!has_option (settings, "ConnectTimeout"))
    g_strv_builder_addv (builder, (const char *[]) { "-o", "ConnectTimeout=10", NULL });
  if (monitor.port == 0 && !has_option (settings, "ServerAliveInterval") &&
      !has_option (settings, "ServerAliveCountMax"))
    g_strv_builder_addv (builder, (const char *[]) {
        "-o", "ServerAliveInterval=5", "-o", "ServerAliveCountMax=2", NULL });
  if (settings->port != 0)
    g_strv_builder_addv (builder, (const char *[]) { "-p", port, NULL });
  if (settings->user != NULL)
    g_strv_builder_addv (builder, (const char *[]) { "-l", settings->user, NULL });
  if (settings->identity_file != NULL)
    g_strv_builder_addv (builder, (const char *[]) { "-i", settings->identity_file, NULL });
  add_each (builder, "-L", settings->local_forwards);
  add_each (builder, "-R", settings->remote_forwards);
  add_each (builder, "-D", settings->dynamic_forwards);
  add_each (builder, "-o", settings->ssh_options);
  g_strv_builder_addv (builder, (const char *[]) { "--", settings->destination, NULL });

  args = g_strv_builder_end (builder);
  return asd_ssh_argv_build (ssh_path, &monitor, FALSE, (const char * const *) args);
}

/**
 * asd_tunnel_settings_forwards:
 * @settings: settings
 *
 * Returns: (transfer full): every forward as ssh options, such as
 *   "-L 8080:localhost:80", "-R 2222:localhost:22", "-D 1080"
 */
char **
asd_tunnel_settings_forwards (const AsdTunnelSettings *settings)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  char **lists[] = { settings->local_forwards, settings->remote_forwards, settings->dynamic_forwards };

  for (guint i = 0; i < G_N_ELEMENTS (lists); i++)
    for (guint j = 0; lists[i][j] != NULL; j++)
      {
        g_autofree char *forward = g_strdup_printf ("-%c %s", forward_letters[i], lists[i][j]);
        g_strv_builder_add (builder, forward);
      }
  return g_strv_builder_end (builder);
}

/**
 * asd_tunnel_settings_display_destination:
 * @settings: settings
 *
 * Returns: (transfer full): "user@host", or "host" without User
 */
char *
asd_tunnel_settings_display_destination (const AsdTunnelSettings *settings)
{
  const char *host = settings->destination != NULL ? settings->destination : "";

  if (settings->user != NULL)
    return g_strdup_printf ("%s@%s", settings->user, host);
  return g_strdup (host);
}
