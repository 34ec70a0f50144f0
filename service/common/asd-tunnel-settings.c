/* asd-tunnel-settings.c: a tunnel's settings, checked, in and out of
 * a{sv}, key files and autossh command lines
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "asd-ssh-args.h"
#include "asd-error.h"
#include "asd-ssh-config.h"
#include "asd-tunnel-settings-private.h"

#define MAX_LIST_LENGTH 64

#define AT(field) G_STRUCT_OFFSET (AsdTunnelSettings, field)

const Key asd_settings_keys[] = {
  { "Destination", "s", AT (destination), asd_settings_check_host, 0, 0, 0,
    N_("the host or ~/.ssh/config alias to connect to") },
  { "User", "s", AT (user), asd_settings_check_user, 0, 0, 0, NULL },
  { "Port", "q", AT (port), NULL, 0, 0, 65535, NULL },
  { "IdentityFile", "s", AT (identity_file), asd_settings_check_path, 0, 0, 0, NULL },
  { "LocalForward", "as", AT (local_forwards), asd_settings_check_forward, 'L', 0, 0, NULL },
  { "RemoteForward", "as", AT (remote_forwards), asd_settings_check_forward, 'R', 0, 0, NULL },
  { "DynamicForward", "as", AT (dynamic_forwards), asd_settings_check_forward, 'D', 0, 0, NULL },
  { "SshOptions", "as", AT (ssh_options), asd_settings_check_ssh_option, 0, 0, 0, NULL },
  { "MonitorPort", "q", AT (monitor_port), NULL, 0, 0, 65535, NULL },
  { "EchoPort", "q", AT (echo_port), NULL, 0, 0, 65535, NULL },
  { "PollInterval", "u", AT (poll_interval), NULL, 0, 1, 86400, NULL },
  { "FirstPoll", "u", AT (first_poll), NULL, 0, 0, 86400, NULL },
  { "TrustedHostKey", "s", AT (trusted_host_key), asd_settings_check_fingerprint, 0, 0, 0, NULL },
  { "AutoStart", "b", AT (auto_start), NULL, 0, 0, 0, NULL },
  { "ShareConnection", "b", AT (share_connection), NULL, 0, 0, 0, NULL },
  { "Transient", "b", AT (transient), NULL, 0, 0, 0, NULL },
  /* a credential's name: the characters of a login name */
  { "PassphraseCredential", "s", AT (passphrase_credential), asd_settings_check_user, 0, 0, 0, NULL },
};

const guint asd_settings_n_keys = G_N_ELEMENTS (asd_settings_keys);

/* The forward keys' letters, in the order of their list fields. */
const char asd_settings_forward_letters[] = "LRD";

#define FIELD(settings, key, type) ((type *) (void *) ((guint8 *) (settings) + (key)->offset))

/* ---- keys and their values ---- */

const Key *
asd_settings_lookup_key (const char *name, GError **error)
{
  g_autoptr(GString) names = g_string_new (NULL);
  g_autofree char *name_shown = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (asd_settings_keys); i++)
    {
      if (strcmp (asd_settings_keys[i].name, name) == 0)
        return &asd_settings_keys[i];
      g_string_append_printf (names, "%s%s", i > 0 ? ", " : "", asd_settings_keys[i].name);
    }
  name_shown = asd_settings_shown (name);
  asd_settings_invalid (error, _("unknown key “%s”: the keys are %s"), name_shown, names->str);
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
  return asd_settings_invalid (error, _("%s is required: %s"), key->name, _(key->required));
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
    return asd_settings_invalid (error, _("%s has %u entries: at most %u are allowed"),
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

/* Numbers from any source go through asd_settings_parse_number(), for one message. */
static gboolean
set_number (AsdTunnelSettings *settings, const Key *key, guint64 value, GError **error)
{
  g_autofree char *text = g_strdup_printf ("%" G_GUINT64_FORMAT, value);
  guint number;

  if (!asd_settings_parse_number (key, text, &number, error))
    return FALSE;
  if (key->type[0] == 'q')
    *FIELD (settings, key, guint16) = number;
  else
    *FIELD (settings, key, guint) = number;
  return TRUE;
}

/* The one way in for every value: its type, then its check. */
gboolean
asd_settings_set_value (AsdTunnelSettings *settings, const Key *key, GVariant *value, GError **error)
{
  g_autofree const char **items = NULL;

  if (!g_variant_is_of_type (value, G_VARIANT_TYPE (key->type)))
    return asd_settings_invalid (error, _("%s must have type “%s” (%s), not “%s”"), key->name,
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

GVariant *
asd_settings_get_value (const AsdTunnelSettings *settings, const Key *key)
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
gboolean
asd_settings_check_whole (const AsdTunnelSettings *settings, const char **culprit, GError **error)
{
  for (guint i = 0; i < G_N_ELEMENTS (asd_settings_keys); i++)
    if (asd_settings_keys[i].required != NULL && *FIELD (settings, &asd_settings_keys[i], char *) == NULL)
      return missing (&asd_settings_keys[i], error);
  if (culprit != NULL)
    *culprit = "EchoPort";
  if (settings->echo_port != 0 && settings->monitor_port == 0)
    return asd_settings_invalid (error, _("EchoPort %u needs MonitorPort: the monitor's test goes out through MonitorPort to the server's echo service on EchoPort"),
                                 settings->echo_port);
  if (culprit != NULL)
    *culprit = "MonitorPort";
  if (settings->monitor_port == 65535 && settings->echo_port == 0)
    return asd_settings_invalid (error, _("MonitorPort 65535 needs EchoPort: without it the monitor also uses MonitorPort + 1, so MonitorPort goes from 1 to 65534"));
  return TRUE;
}

/* ---- settings ---- */

/**
 * asd_tunnel_settings_new:
 *
 * Returns: (transfer full): settings with the defaults: nothing set,
 *   PollInterval 30, AutoStart true, ShareConnection true
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
  settings->share_connection = TRUE;
  return settings;
}

AsdTunnelSettings *
asd_tunnel_settings_copy (const AsdTunnelSettings *settings)
{
  AsdTunnelSettings *copy = g_memdup2 (settings, sizeof *settings);

  copy->destination = g_strdup (settings->destination);
  copy->user = g_strdup (settings->user);
  copy->identity_file = g_strdup (settings->identity_file);
  copy->trusted_host_key = g_strdup (settings->trusted_host_key);
  copy->passphrase_credential = g_strdup (settings->passphrase_credential);
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
  g_free (settings->trusted_host_key);
  g_free (settings->passphrase_credential);
  g_strfreev (settings->local_forwards);
  g_strfreev (settings->remote_forwards);
  g_strfreev (settings->dynamic_forwards);
  g_strfreev (settings->ssh_options);
  g_free (settings);
}

/**
 * asd_tunnel_settings_equal:
 * @a: settings
 * @b: other settings
 *
 * Compares every key, Transient too, lists entry by entry; an unset
 * string differs from an empty one.
 *
 * Returns: whether @a and @b are the same settings
 */
gboolean
asd_tunnel_settings_equal (const AsdTunnelSettings *a, const AsdTunnelSettings *b)
{
  g_return_val_if_fail (a != NULL, FALSE);
  g_return_val_if_fail (b != NULL, FALSE);

  for (guint i = 0; i < G_N_ELEMENTS (asd_settings_keys); i++)
    {
      const Key *key = &asd_settings_keys[i];
      gboolean same;

      switch (key->type[0])
        {
        case 's':
          same = g_strcmp0 (*FIELD (a, key, char *), *FIELD (b, key, char *)) == 0;
          break;
        case 'a':
          same = g_strv_equal (*FIELD (a, key, const char * const *), *FIELD (b, key, const char * const *));
          break;
        case 'b':
          same = !*FIELD (a, key, gboolean) == !*FIELD (b, key, gboolean);
          break;
        case 'q':
          same = *FIELD (a, key, guint16) == *FIELD (b, key, guint16);
          break;
        default:
          same = *FIELD (a, key, guint) == *FIELD (b, key, guint);
          break;
        }
      if (!same)
        return FALSE;
    }
  return TRUE;
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
  g_variant_iter_init (&iter, owned);
  while (g_variant_iter_next (&iter, "{&sv}", &name, &value))
    {
      g_autoptr(GVariant) item = value;
      const Key *key = asd_settings_lookup_key (name, error);

      if (key == NULL || !asd_settings_set_value (copy, key, item, error))
        return FALSE;
    }
  if (!asd_settings_check_whole (copy, NULL, error))
    return FALSE;
  old = *settings;
  *settings = *copy;
  *copy = old;
  return TRUE;
}

/**
 * asd_tunnel_settings_to_variant:
 * @settings: settings
 *
 * Every key, defaults included, as asd_tunnel_settings_apply_variant()
 * takes them (the Tunnel's Settings property): an unset string is "".
 *
 * Returns: (transfer floating): an a{sv}
 */
GVariant *
asd_tunnel_settings_to_variant (const AsdTunnelSettings *settings)
{
  GVariantBuilder builder;

  g_return_val_if_fail (settings != NULL, NULL);

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  for (guint i = 0; i < G_N_ELEMENTS (asd_settings_keys); i++)
    g_variant_builder_add (&builder, "{sv}", asd_settings_keys[i].name,
                           asd_settings_get_value (settings, &asd_settings_keys[i]));
  return g_variant_builder_end (&builder);
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

  for (guint i = 0; i < G_N_ELEMENTS (asd_settings_keys); i++)
    {
      g_autoptr(GVariant) value = g_variant_ref_sink (asd_settings_get_value (settings, &asd_settings_keys[i]));

      if (asd_settings_keys[i].required != NULL && *FIELD (settings, &asd_settings_keys[i], char *) == NULL)
        continue;       /* asd_settings_check_whole() says so */
      if (!asd_settings_set_value (scratch, &asd_settings_keys[i], value, error))
        return FALSE;
    }
  return asd_settings_check_whole (settings, NULL, error);
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
 * (LogLevel=DEBUG1, ExitOnForwardFailure; NumberOfPasswordPrompts=1 and
 * ConnectTimeout=10
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

  /* No BatchMode: ssh's questions go to the service's askpass helper. */
  g_strv_builder_addv (builder, (const char *[]) { "-N", "-o", "LogLevel=DEBUG1",
      "-o", "ExitOnForwardFailure=yes", NULL });
  /* A refused password question still sends an empty password: once. */
  if (!has_option (settings, "NumberOfPasswordPrompts"))
    g_strv_builder_addv (builder, (const char *[]) { "-o", "NumberOfPasswordPrompts=1", NULL });
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
    {
      /* absolute, so that ssh's prompt names the key as the keyring does */
      g_autofree char *key = asd_ssh_expand_path (settings->identity_file, NULL);

      g_strv_builder_addv (builder, (const char *[]) { "-i", key != NULL ? key : settings->identity_file, NULL });
    }
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
        g_autofree char *forward = g_strdup_printf ("-%c %s", asd_settings_forward_letters[i], lists[i][j]);
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
