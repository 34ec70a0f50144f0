/* ctl-json.h: a tiny JSON writer for `autosshctl --json`
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

void     ctl_json_string  (GString    *out,
                           const char *text);
gboolean ctl_json_variant (GString    *out,
                           GVariant   *value);
void     ctl_json_member  (GString    *out,
                           gboolean   *first,
                           const char *key);
void     ctl_json_reason  (GString    *out,
                           gboolean   *first,
                           const char *code,
                           GVariant   *details);

G_END_DECLS
