/* asd-tunnel-questions.c: NeedsSecret and PendingHostKey
 *
 * What a failed tunnel waits for, as data a client can act on without
 * reading a sentence: the secret ssh asked for (kind and subject, the
 * keyring entry's own attributes) and the unknown host key it offered.
 * Both follow from the reason the keeper publishes (its details hold what
 * asd-tunnel-askpass recorded from ssh's prompts, checked there), so they
 * change in the same PropertiesChanged as the state, and are cleared by
 * any other reason: connecting, connected, a reconfiguration.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include "asd-tunnel-private.h"

static const char *
detail (GVariant *details, const char *key)
{
  const char *value = NULL;

  if (details == NULL || !g_variant_lookup (details, key, "&s", &value))
    return NULL;
  return value;
}

static GVariant *
needs_secret (const AsdReason *why)
{
  const char *key = detail (why->details, ASD_DETAIL_IDENTITY_FILE);
  const char *user = detail (why->details, ASD_DETAIL_USER);
  const char *host = detail (why->details, ASD_DETAIL_HOST);
  g_autofree char *login = NULL;

  if (why->code != ASD_REASON_SECRET_MISSING && why->code != ASD_REASON_SECRET_REJECTED)
    return g_variant_new ("(ss)", "", "");
  if (key != NULL)
    return g_variant_new ("(ss)", "passphrase", key);
  if (user == NULL || host == NULL)
    return g_variant_new ("(ss)", "", "");
  login = g_strdup_printf ("%s@%s", user, host);
  return g_variant_new ("(ss)", "password", login);
}

static GVariant *
pending_host_key (const AsdReason *why)
{
  const char *fingerprint = detail (why->details, ASD_DETAIL_FINGERPRINT);
  const char *algorithm = detail (why->details, ASD_DETAIL_ALGORITHM);

  if (why->code != ASD_REASON_HOST_KEY_UNKNOWN || fingerprint == NULL)
    return g_variant_new ("(ss)", "", "");
  return g_variant_new ("(ss)", algorithm != NULL ? algorithm : "", fingerprint);
}

/**
 * asd_tunnel_publish_questions:
 * @self: a tunnel
 * @why: (nullable): its reason; %NULL clears both properties
 */
void
asd_tunnel_publish_questions (AsdTunnel *self, const AsdReason *why)
{
  static const AsdReason none = { ASD_REASON_NONE, NULL };

  if (why == NULL)
    why = &none;
  asd_dbus_tunnel_set_needs_secret (iface (self), needs_secret (why));
  asd_dbus_tunnel_set_pending_host_key (iface (self), pending_host_key (why));
}

/**
 * asd_tunnel_pending_fingerprint:
 * @self: a tunnel
 *
 * Returns: (nullable): the fingerprint of the pending host key, or %NULL
 */
const char *
asd_tunnel_pending_fingerprint (AsdTunnel *self)
{
  const char *fingerprint = NULL;
  GVariant *pending = asd_dbus_tunnel_get_pending_host_key (iface (self));

  if (pending == NULL)
    return NULL;
  g_variant_get (pending, "(&s&s)", NULL, &fingerprint);
  return fingerprint[0] != '\0' ? fingerprint : NULL;
}
