/* asd-reason.c: why a tunnel is in its state, for scripts and for people
 *
 * The service publishes a reason as a code (stable, never translated) and
 * a details dictionary (host, port, key file, ...).  The sentence a person
 * reads is made here from the two, in the reader's locale: by the service
 * for its StateReason property, and by the clients from the code and
 * details they got over the bus, so a German user reads German reasons
 * from a service that runs in English.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "asd-enums.h"
#include "asd-names.h"
#include "asd-reason.h"

/**
 * asd_reason_code_to_string:
 * @code: a reason code
 *
 * Returns: its name on the bus ("auth-denied", ...)
 */
const char *
asd_reason_code_to_string (AsdReasonCode code)
{
  return asd_enum_to_nick (ASD_TYPE_REASON_CODE, code);
}

/**
 * asd_reason_code_from_string:
 * @text: (nullable): a StateReasonCode from the bus
 * @known: (out) (optional): whether @text names a code this build knows
 *
 * Returns: the code; an unknown one (from a newer service) is
 *   %ASD_REASON_NONE
 */
AsdReasonCode
asd_reason_code_from_string (const char *text, gboolean *known)
{
  return asd_enum_from_nick (ASD_TYPE_REASON_CODE, text, ASD_REASON_NONE, known);
}

static const char *
text_of (GVariant *details, const char *key)
{
  const char *value = NULL;

  if (details != NULL && g_variant_lookup (details, key, "&s", &value) && *value != '\0')
    return value;
  return NULL;
}

/* A number detail as text ("%s" keeps the translations of the sentences
 * that took a port from ssh's words), or NULL. */
static char *
number_of (GVariant *details, const char *key)
{
  guint32 u;
  gint32 i;

  if (details != NULL && g_variant_lookup (details, key, "u", &u))
    return g_strdup_printf ("%u", u);
  if (details != NULL && g_variant_lookup (details, key, "i", &i))
    return g_strdup_printf ("%d", i);
  return NULL;
}

/* With @detail, @with formatted with it; without, @without (a macro:
 * the formats stay literals that the compiler checks). */
#define either(detail, with, without) \
  ((detail) != NULL ? g_strdup_printf (with, detail) : g_strdup (without))

/* What a secret is for: "key /path" or "user@host". */
static char *
secret_subject (GVariant *details)
{
  const char *key = text_of (details, ASD_DETAIL_IDENTITY_FILE);
  const char *user = text_of (details, ASD_DETAIL_USER);
  const char *host = text_of (details, ASD_DETAIL_HOST);

  if (key != NULL)
    return g_strdup_printf (_("key %s"), key);
  return g_strdup_printf ("%s@%s", user != NULL ? user : "?", host != NULL ? host : "?");
}

static char *
describe_secret (AsdReasonCode code, GVariant *details)
{
  g_autofree char *subject = secret_subject (details);
  const char *tunnel = text_of (details, ASD_DETAIL_TUNNEL);
  const char *message = text_of (details, ASD_DETAIL_MESSAGE);
  g_autofree char *first = NULL;

  switch (code)
    {
    case ASD_REASON_SECRET_MISSING:
      return g_strdup_printf (_("no passphrase or password is stored for %s; store it with: autosshctl passphrase %s"),
                              subject, tunnel != NULL ? tunnel : "NAME");
    case ASD_REASON_SECRET_REJECTED:
      return g_strdup_printf (_("the secret stored for %s was not accepted (or the server refused the key): store the right one with “autosshctl passphrase %s”"),
                              subject, tunnel != NULL ? tunnel : "NAME");
    case ASD_REASON_CREDENTIAL_MISSING:
      if (text_of (details, ASD_DETAIL_CREDENTIAL) != NULL)
        return g_strdup_printf (_("the passphrase of %s cannot be read from the systemd credential “%s”: %s"),
                                subject, text_of (details, ASD_DETAIL_CREDENTIAL), message != NULL ? message : "");
      return g_strdup_printf (_("%s asks for a passphrase, but the system service has no keyring and tunnel “%s” names no PassphraseCredential: give the passphrase as a systemd credential"),
                              subject, tunnel != NULL ? tunnel : "NAME");
    case ASD_REASON_KEYRING_LOCKED:
      first = g_strdup_printf (_("the keyring holding %s is locked: unlock it (log in to the desktop, or run gnome-keyring-daemon --unlock)"),
                               subject);
      return g_strdup_printf (_("%s; the tunnel starts again when it is unlocked"), first);
    default:
      first = g_strdup_printf (_("the Secret Service (such as gnome-keyring) cannot give %s: %s"),
                               subject, message != NULL ? message : "");
      return g_strdup_printf (_("%s; the tunnel starts again when it answers"), first);
    }
}

static char *
describe_host_key (AsdReasonCode code, GVariant *details)
{
  const char *host = text_of (details, ASD_DETAIL_HOST);
  const char *fingerprint = text_of (details, ASD_DETAIL_FINGERPRINT);
  const char *tunnel = text_of (details, ASD_DETAIL_TUNNEL);

  if (code == ASD_REASON_HOST_KEY_CHANGED)
    /* Translators: both %s are the same host name, maybe with a port */
    return host != NULL
      ? g_strdup_printf (_("the host key of “%s” has CHANGED: this may be an attack; if the change is expected, remove the old key with ssh-keygen -R \"%s\""),
                         host, host)
      : g_strdup (_("the server's host key has CHANGED: this may be an attack; if the change is expected, remove the old key with ssh-keygen -R and the server's name"));
  if (fingerprint != NULL)
    return g_strdup_printf (_("the server's host key %s is not known; if it is the server's key, approve it with: autosshctl trust %s %s"),
                            fingerprint, tunnel != NULL ? tunnel : "NAME", fingerprint);
  /* Translators: %s is a host name, maybe with a port: [host]:port */
  return either (host, _("the host key of “%s” is not known: connect once with ssh to check and accept it"),
                 _("the server's host key is not known: connect once with ssh to check and accept it"));
}

/* Reaching the server and keeping the connection. */
static char *
describe_network (AsdReasonCode code, GVariant *details)
{
  const char *host = text_of (details, ASD_DETAIL_HOST);
  const char *held_by = text_of (details, ASD_DETAIL_HELD_BY);
  g_autofree char *port = number_of (details, ASD_DETAIL_PORT);

  switch (code)
    {
    case ASD_REASON_HOST_NOT_FOUND:
      /* Translators: %s is a host name */
      return either (host, _("host name “%s” not found: check the spelling"),
                     _("the server's host name was not found: check the spelling"));
    case ASD_REASON_DNS_FAILED:
      /* Translators: %s is a host name */
      return either (host, _("cannot resolve host name “%s”; waiting for the network"),
                     _("cannot resolve the server's host name; waiting for the network"));
    case ASD_REASON_CONNECTION_REFUSED:
      /* Translators: %s is a port number */
      return either (port, _("the server refused the connection on port %s (is sshd running?)"),
                     _("the server refused the connection (is sshd running?)"));
    case ASD_REASON_HOST_UNREACHABLE:
      /* Translators: %s is a host name or address */
      return either (host, _("cannot reach server “%s” (no route, or no answer); waiting until it is reachable"),
                     _("cannot reach the server (no route, or no answer); waiting until it is reachable"));
    case ASD_REASON_SERVER_TIMEOUT:
      /* Translators: %s is a host name or address */
      return either (host, _("server “%s” is not responding (connection stalled)"),
                     _("the server is not responding (connection stalled)"));
    case ASD_REASON_CONNECTION_CLOSED:
      /* Translators: %s is a host name or address */
      return either (host, _("the connection to “%s” was closed or reset"),
                     _("the connection to the server was closed or reset"));
    case ASD_REASON_LOCAL_PORT_IN_USE:
      if (port != NULL && held_by != NULL)
        /* Translators: the first %s is a port number, the second a tunnel's name */
        return g_strdup_printf (_("local port %s is in use by tunnel “%s”: stop that tunnel, or give one of the two another port"),
                                port, held_by);
      /* Translators: %s is a port number */
      return either (port, _("local port %s is already in use by another program"),
                     _("a local forward's port is already in use by another program"));
    default:
      /* Translators: %s is a port number */
      return either (port, _("the server still holds remote port %s, probably for an old session; retrying shortly"),
                     _("the server refused a remote forward, probably because an old session still holds its port; retrying shortly"));
    }
}

/* ssh itself: its configuration, its start, its end. */
static char *
describe_ssh (AsdReasonCode code, GVariant *details)
{
  const char *line = text_of (details, ASD_DETAIL_SSH_LINE);
  const char *message = text_of (details, ASD_DETAIL_MESSAGE);
  g_autofree char *port = number_of (details, ASD_DETAIL_PORT);
  gint32 number = 0;

  switch (code)
    {
    case ASD_REASON_SSH_CONFIG_REJECTED:
      /* Translators: %s is ssh's own message */
      return either (line, _("ssh rejected the configuration: %s"), _("ssh rejected the configuration"));
    case ASD_REASON_QUESTION_UNANSWERED:
      return g_strdup_printf (_("ssh asked something the service cannot answer: %s"), line != NULL ? line : "");
    case ASD_REASON_SSH_SPAWN_FAILED:
      return g_strdup_printf (_("cannot run ssh: %s"), message != NULL ? message : "");
    case ASD_REASON_MONITOR_PORT_UNAVAILABLE:
      return g_strdup_printf (_("cannot use monitor port %s: %s"), port != NULL ? port : "?",
                              message != NULL ? message : "");
    case ASD_REASON_CONFIG_BROKEN:
      return g_strdup_printf (_("%s; fix the file, then call Reload"), message != NULL ? message : "");
    default:
      if (details != NULL && g_variant_lookup (details, ASD_DETAIL_SIGNAL, "i", &number))
        return g_strdup_printf (_("ssh was killed by signal %d"), number);
      if (details != NULL)
        g_variant_lookup (details, ASD_DETAIL_EXIT_STATUS, "i", &number);
      return g_strdup_printf (_("ssh exited with status %d"), number);
    }
}

/**
 * asd_reason_describe:
 * @code: why
 * @details: (nullable): its details, an a{sv}
 *
 * Returns: (transfer full): the reason in words for people, translated
 */
char *
asd_reason_describe (AsdReasonCode code, GVariant *details)
{
  const char *destination = text_of (details, ASD_DETAIL_DESTINATION);
  guint32 seconds = 0;

  g_return_val_if_fail (details == NULL || g_variant_is_of_type (details, G_VARIANT_TYPE_VARDICT), NULL);

  switch (code)
    {
    case ASD_REASON_STOPPED:
      return g_strdup (_("stopped"));
    case ASD_REASON_CONNECTING:
      return g_strdup_printf (_("connecting to %s"), destination != NULL ? destination : "?");
    case ASD_REASON_CONNECTED:
      return g_strdup_printf (_("connected to %s"), destination != NULL ? destination : "?");
    case ASD_REASON_LOGIN_QUEUED:
      return g_strdup (_("waiting for other tunnels to finish logging in"));
    case ASD_REASON_SYSTEM_ASLEEP:
      return g_strdup (_("the system is asleep; the tunnel comes back when it wakes up"));
    case ASD_REASON_AUTH_DENIED:
      /* Translators: %s is user@host */
      return either (destination, _("the server refused the key or password for %s (Permission denied); check IdentityFile and the server's authorized_keys"),
                     _("the server refused the key or password (Permission denied); check IdentityFile and the server's authorized_keys"));
    case ASD_REASON_SECRET_MISSING:
    case ASD_REASON_SECRET_REJECTED:
    case ASD_REASON_CREDENTIAL_MISSING:
    case ASD_REASON_KEYRING_LOCKED:
    case ASD_REASON_KEYRING_UNAVAILABLE:
      return describe_secret (code, details);
    case ASD_REASON_HOST_KEY_UNKNOWN:
    case ASD_REASON_HOST_KEY_CHANGED:
      return describe_host_key (code, details);
    case ASD_REASON_HOST_NOT_FOUND:
    case ASD_REASON_DNS_FAILED:
    case ASD_REASON_CONNECTION_REFUSED:
    case ASD_REASON_HOST_UNREACHABLE:
    case ASD_REASON_SERVER_TIMEOUT:
    case ASD_REASON_CONNECTION_CLOSED:
    case ASD_REASON_LOCAL_PORT_IN_USE:
    case ASD_REASON_REMOTE_PORT_IN_USE:
      return describe_network (code, details);
    case ASD_REASON_CONNECT_TIMEOUT:
      if (details != NULL)
        g_variant_lookup (details, ASD_DETAIL_SECONDS, "u", &seconds);
      return g_strdup_printf (_("no connection after %d s"), (int) seconds);
    case ASD_REASON_SESSION_UNRESPONSIVE:
      if (details != NULL)
        g_variant_lookup (details, ASD_DETAIL_SECONDS, "u", &seconds);
      return g_strdup_printf (_("the connection did not answer a check within %d s"), (int) seconds);
    case ASD_REASON_MONITOR_FAILED:
      return g_strdup (_("the monitor test failed: the connection stalled"));
    case ASD_REASON_NONE:
      return g_strdup (_("no reason given"));
    default:
      return describe_ssh (code, details);
    }
}

/**
 * asd_reason_describe_code:
 * @code: (nullable): a StateReasonCode from the bus
 * @details: (nullable): its StateReasonDetails
 *
 * As asd_reason_describe(), for clients: a code this build does not know
 * (from a newer service) is described as a failure, naming the code.
 *
 * Returns: (transfer full): the reason in the reader's words
 */
char *
asd_reason_describe_code (const char *code, GVariant *details)
{
  gboolean known = FALSE;
  AsdReasonCode value = asd_reason_code_from_string (code, &known);

  if (!known && code != NULL && *code != '\0')
    return g_strdup_printf (_("failed (reason “%s”)"), code);
  return asd_reason_describe (value, details);
}

/* ---- AsdReason ---- */

G_DEFINE_BOXED_TYPE (AsdReason, asd_reason, asd_reason_copy, asd_reason_free)

/**
 * asd_reason_new_with_details:
 * @code: why
 * @details: (nullable): an a{sv}, sunk if floating; %NULL for none
 *
 * Returns: (transfer full): a reason
 */
AsdReason *
asd_reason_new_with_details (AsdReasonCode code, GVariant *details)
{
  AsdReason *self = g_new0 (AsdReason, 1);

  g_return_val_if_fail (details == NULL || g_variant_is_of_type (details, G_VARIANT_TYPE_VARDICT), NULL);

  self->code = code;
  self->details = details != NULL ? g_variant_ref_sink (details)
                                  : g_variant_ref_sink (g_variant_new ("a{sv}", NULL));
  return self;
}

/**
 * asd_reason_new:
 * @code: why
 * @first_key: (nullable): the first detail's key, then its value (a
 *   GVariant, sunk if floating), more pairs, and %NULL
 *
 * asd_reason_new (ASD_REASON_CONNECTION_REFUSED, ASD_DETAIL_PORT,
 * g_variant_new_uint32 (22), NULL).  A %NULL value skips its key.
 *
 * Returns: (transfer full): a reason
 */
AsdReason *
asd_reason_new (AsdReasonCode code, const char *first_key, ...)
{
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);
  va_list args;

  va_start (args, first_key);
  for (const char *key = first_key; key != NULL; key = va_arg (args, const char *))
    {
      GVariant *value = va_arg (args, GVariant *);

      if (value != NULL)
        g_variant_dict_insert_value (&dict, key, value);
    }
  va_end (args);
  return asd_reason_new_with_details (code, g_variant_dict_end (&dict));
}

AsdReason *
asd_reason_copy (const AsdReason *reason)
{
  return asd_reason_new_with_details (reason->code, reason->details);
}

void
asd_reason_free (AsdReason *reason)
{
  if (reason == NULL)
    return;
  g_variant_unref (reason->details);
  g_free (reason);
}

gboolean
asd_reason_equal (const AsdReason *a, const AsdReason *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  return a->code == b->code && g_variant_equal (a->details, b->details);
}

/**
 * asd_reason_with:
 * @reason: a reason
 * @key: a detail's key
 * @value: its value, sunk if floating
 *
 * Returns: (transfer full): a copy of @reason with @key set to @value
 */
AsdReason *
asd_reason_with (const AsdReason *reason, const char *key, GVariant *value)
{
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (reason->details);

  g_variant_dict_insert_value (&dict, key, value);
  return asd_reason_new_with_details (reason->code, g_variant_dict_end (&dict));
}

/**
 * asd_reason_to_text:
 * @reason: a reason
 *
 * Returns: (transfer full): the reason in words for people, translated
 */
char *
asd_reason_to_text (const AsdReason *reason)
{
  return asd_reason_describe (reason->code, reason->details);
}
