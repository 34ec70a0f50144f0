/* asd-fingerprint.c: host key fingerprints as ssh shows them
 *
 * A fingerprint a user approves (TrustedHostKey, TrustHostKey, autosshctl
 * trust) and the one ssh offers in its question are compared as strings,
 * so both are checked here by one strict rule: exactly "SHA256:" and 43
 * base64 characters, nothing before or after (not even a newline).
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <string.h>

#include "asd-fingerprint.h"

static gboolean
is_base64 (char c)
{
  return g_ascii_isalnum (c) || c == '+' || c == '/';
}

/* Whether @text starts with a fingerprint. */
static gboolean
starts_with_fingerprint (const char *text)
{
  if (strncmp (text, ASD_FINGERPRINT_PREFIX, strlen (ASD_FINGERPRINT_PREFIX)) != 0)
    return FALSE;
  for (gsize i = strlen (ASD_FINGERPRINT_PREFIX); i < ASD_FINGERPRINT_LENGTH; i++)
    if (!is_base64 (text[i]))
      return FALSE;
  return TRUE;
}

/**
 * asd_fingerprint_is_valid:
 * @text: (nullable): a fingerprint from a user
 *
 * Returns: whether @text is exactly one SHA256 fingerprint
 */
gboolean
asd_fingerprint_is_valid (const char *text)
{
  return text != NULL && starts_with_fingerprint (text) && text[ASD_FINGERPRINT_LENGTH] == '\0';
}

/**
 * asd_fingerprint_find:
 * @text: ssh's text (its host key question)
 *
 * Returns: (transfer full) (nullable): the first fingerprint in @text that
 *   stands alone (no base64 character right after it), or %NULL
 */
char *
asd_fingerprint_find (const char *text)
{
  for (const char *p = strstr (text, ASD_FINGERPRINT_PREFIX); p != NULL;
       p = strstr (p + 1, ASD_FINGERPRINT_PREFIX))
    if (starts_with_fingerprint (p) && !is_base64 (p[ASD_FINGERPRINT_LENGTH]))
      return g_strndup (p, ASD_FINGERPRINT_LENGTH);
  return NULL;
}

/**
 * asd_fingerprint_find_algorithm:
 * @text: ssh's host key question
 *
 * Returns: (transfer full) (nullable): the key type of ssh's line
 *   "ED25519 key fingerprint is SHA256:..." (upper-case letters, digits
 *   and "-", at most 32), or %NULL
 */
char *
asd_fingerprint_find_algorithm (const char *text)
{
  static const char marker[] = " key fingerprint is " ASD_FINGERPRINT_PREFIX;
  const char *found = strstr (text, marker);
  const char *start = found;

  if (found == NULL)
    return NULL;
  while (start > text && (g_ascii_isupper (start[-1]) || g_ascii_isdigit (start[-1]) ||
                          start[-1] == '-') && found - start < 32)
    start--;
  if (start == found || (start > text && start[-1] != '\n'))
    return NULL;
  return g_strndup (start, found - start);
}
