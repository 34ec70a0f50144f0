/* asd-tunnel-settings-private.h: what asd-tunnel-settings.c shares with
 * asd-tunnel-settings-check.c, asd-tunnel-settings-file.c and
 * asd-tunnel-settings-cmdline.c
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include "asd-tunnel-settings.h"

G_BEGIN_DECLS

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

/* The settings keys, asd_settings_n_keys of them. */
extern const Key asd_settings_keys[];
extern const guint asd_settings_n_keys;

/* The forward keys' letters, in the order of their list fields: "LRD". */
extern const char asd_settings_forward_letters[];

char       *asd_settings_shown        (const char               *text);
gboolean    asd_settings_invalid      (GError                  **error,
                                       const char               *format,
                                       ...) G_GNUC_PRINTF (2, 3);
gboolean    asd_settings_parse_number (const Key                *key,
                                       const char               *text,
                                       guint                    *number,
                                       GError                  **error);

/* The keys' CheckFuncs, in asd-tunnel-settings-check.c. */
char *asd_settings_check_host       (const Key *key, const char *text, GError **error);
char *asd_settings_check_user       (const Key *key, const char *text, GError **error);
char *asd_settings_check_path       (const Key *key, const char *text, GError **error);
char *asd_settings_check_forward    (const Key *key, const char *text, GError **error);
char *asd_settings_check_ssh_option (const Key *key, const char *text, GError **error);
char *asd_settings_check_fingerprint (const Key *key, const char *text, GError **error);

const Key  *asd_settings_lookup_key   (const char               *name,
                                       GError                  **error);
gboolean    asd_settings_set_value    (AsdTunnelSettings        *settings,
                                       const Key                *key,
                                       GVariant                 *value,
                                       GError                  **error);
GVariant   *asd_settings_get_value    (const AsdTunnelSettings  *settings,
                                       const Key                *key);
gboolean    asd_settings_check_whole  (const AsdTunnelSettings  *settings,
                                       const char              **culprit,
                                       GError                  **error);

G_END_DECLS
