/* asd-log-entry.c: one entry of a tunnel's log, and its words for people
 *
 * The service keeps, per tunnel, a log of what happened to it (its ring:
 * service/daemon/asd-tunnel-log.c).  Each entry has a kind ("state",
 * "ssh", ...) and typed details, which scripts read, and a message for
 * people.  The message is made here from the kind and the details: by the
 * service, in its own locale, and by autosshctl again, in the reader's,
 * as reasons are (asd-reason.c).  A kind this build does not know (from a
 * newer service) keeps the service's message.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "asd-log-entry.h"
#include "asd-reason.h"

/* "OLD → NEW: REASON", or NULL when the details lack the states. */
static char *
describe_state (GVariant *details)
{
  const char *old_state = NULL, *new_state = NULL, *code = NULL;
  g_autoptr(GVariant) reason_details = NULL;
  g_autofree char *reason = NULL;

  if (!g_variant_lookup (details, ASD_LOG_DETAIL_OLD_STATE, "&s", &old_state) ||
      !g_variant_lookup (details, ASD_LOG_DETAIL_NEW_STATE, "&s", &new_state))
    return NULL;
  g_variant_lookup (details, ASD_LOG_DETAIL_REASON_CODE, "&s", &code);
  reason_details = g_variant_lookup_value (details, ASD_LOG_DETAIL_REASON_DETAILS, G_VARIANT_TYPE_VARDICT);
  reason = asd_reason_describe_code (code, reason_details);
  /* Translators: a tunnel's log: the old state, the new one (both untranslated), and why */
  return g_strdup_printf (_("%s → %s: %s"), old_state, new_state, reason);
}

static char *
describe_probe (GVariant *details)
{
  guint64 latency = 0;

  if (!g_variant_lookup (details, ASD_LOG_DETAIL_LATENCY, "t", &latency))
    return NULL;
  /* Translators: a tunnel's log: how long a probe of the connection took */
  return g_strdup_printf (_("the probe was answered in %.1f ms"), (double) latency / 1000.0);
}

static char *
describe_config (GVariant *details)
{
  const char *fingerprint = NULL;

  if (g_variant_lookup (details, ASD_DETAIL_FINGERPRINT, "&s", &fingerprint))
    return g_strdup_printf (_("host key %s approved"), fingerprint);
  return g_strdup (_("new settings applied"));
}

/**
 * asd_log_entry_describe:
 * @kind: (nullable): the entry's kind (ASD_LOG_KIND_STATE, ...)
 * @details: (nullable): its details, an a{sv}
 * @message: (nullable): the message that came with it, for a kind (or
 *   details) this build does not know
 *
 * Returns: (transfer full): the entry in words for people, translated
 */
char *
asd_log_entry_describe (const char *kind, GVariant *details, const char *message)
{
  g_autoptr(GVariant) empty = g_variant_ref_sink (g_variant_new ("a{sv}", NULL));
  const char *line = NULL;
  char *text = NULL;

  if (details == NULL || !g_variant_is_of_type (details, G_VARIANT_TYPE_VARDICT))
    details = empty;
  if (g_strcmp0 (kind, ASD_LOG_KIND_STATE) == 0)
    text = describe_state (details);
  else if (g_strcmp0 (kind, ASD_LOG_KIND_SSH) == 0 &&
           g_variant_lookup (details, ASD_DETAIL_SSH_LINE, "&s", &line))
    text = g_strdup (line);
  else if (g_strcmp0 (kind, ASD_LOG_KIND_SSH_EXITED) == 0)
    text = asd_reason_describe (ASD_REASON_SSH_EXITED, details);
  else if (g_strcmp0 (kind, ASD_LOG_KIND_PROBE) == 0)
    text = describe_probe (details);
  else if (g_strcmp0 (kind, ASD_LOG_KIND_CONFIG) == 0)
    text = describe_config (details);
  if (text != NULL)
    return text;
  return g_strdup (message != NULL ? message : "");
}
