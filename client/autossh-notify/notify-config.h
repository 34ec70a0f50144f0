/* notify-config.h: autossh-notify's settings, notify.conf
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define ASD_NOTIFY_DEFAULT_THRESHOLD_S 5
#define ASD_NOTIFY_MAX_THRESHOLD_S     3600

/**
 * AsdNotifyConfig:
 * @mute: (array zero-terminated=1): names of tunnels never announced
 * @mute_servers: (array zero-terminated=1): servers whose tunnels are never
 *   announced, written as the tunnels' Destination (host or alias, with
 *   User@ when set)
 * @threshold_s: how long a drop may last, in seconds, before it is announced
 */
typedef struct {
  char **mute;
  char **mute_servers;
  guint threshold_s;
} AsdNotifyConfig;

char            *asd_notify_config_path        (void);
AsdNotifyConfig *asd_notify_config_new_default (void);
AsdNotifyConfig *asd_notify_config_load        (const char            *path,
                                                GError               **error);
void             asd_notify_config_free        (AsdNotifyConfig       *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AsdNotifyConfig, asd_notify_config_free)

G_END_DECLS
