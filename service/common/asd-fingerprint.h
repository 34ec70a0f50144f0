/* asd-fingerprint.h: host key fingerprints as ssh shows them
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* "SHA256:" and 43 characters of unpadded base64. */
#define ASD_FINGERPRINT_PREFIX "SHA256:"
#define ASD_FINGERPRINT_LENGTH (7 + 43)

gboolean asd_fingerprint_is_valid (const char *text);
char    *asd_fingerprint_find     (const char *text);
char    *asd_fingerprint_find_algorithm (const char *text);

G_END_DECLS
