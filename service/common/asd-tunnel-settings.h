/* asd-tunnel-settings.h: a tunnel's settings, checked, in and out of
 * a{sv}, key files and autossh command lines
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "asd-names.h"

G_BEGIN_DECLS

#define ASD_TUNNEL_DEFAULT_POLL 30
#define ASD_TUNNEL_KEYFILE_GROUP "Tunnel"
/* The largest tunnel file read, in bytes (one is a few hundred). */
#define ASD_TUNNEL_FILE_MAX (64 * 1024)

/**
 * AsdTunnelSettings:
 *
 * The keys of io.github.autosshd1's settings (data/io.github.autosshd1.xml
 * documents them); unset strings are %NULL, unset lists are empty (never
 * %NULL), unset numbers 0.
 */
typedef struct {
  char *destination;
  char *user;
  guint16 port;
  char *identity_file;
  char **local_forwards;
  char **remote_forwards;
  char **dynamic_forwards;
  char **ssh_options;          /* "Key=Value" */
  guint16 monitor_port;
  guint16 echo_port;
  guint poll_interval;         /* default ASD_TUNNEL_DEFAULT_POLL */
  guint first_poll;            /* 0: same as poll_interval */
  char *trusted_host_key;      /* "SHA256:..." approved by the user */
  gboolean auto_start;         /* default TRUE */
  gboolean share_connection;   /* default TRUE: one ssh for equal connections */
  gboolean transient;
  char *passphrase_credential; /* the systemd credential holding the key's passphrase */
} AsdTunnelSettings;

AsdTunnelSettings *asd_tunnel_settings_new    (void);
AsdTunnelSettings *asd_tunnel_settings_copy   (const AsdTunnelSettings *settings);
void               asd_tunnel_settings_free   (AsdTunnelSettings       *settings);
gboolean           asd_tunnel_settings_equal  (const AsdTunnelSettings *a,
                                               const AsdTunnelSettings *b);

gboolean           asd_tunnel_settings_apply_variant      (AsdTunnelSettings  *settings,
                                                           GVariant           *asv,
                                                           GError            **error);
GVariant          *asd_tunnel_settings_to_variant         (const AsdTunnelSettings *settings);
GVariant          *asd_tunnel_settings_command_line_to_variant (const char * const *autossh_args,
                                                                GError            **error);
gboolean           asd_tunnel_settings_apply_command_line (AsdTunnelSettings  *settings,
                                                           const char * const *autossh_args,
                                                           GError            **error);
gboolean           asd_tunnel_settings_listens_on         (const AsdTunnelSettings *settings,
                                                           guint                    port);
gboolean           asd_tunnel_settings_validate           (const AsdTunnelSettings *settings,
                                                           GError            **error);

AsdTunnelSettings *asd_tunnel_settings_load   (const char               *path,
                                               GError                  **error);
gboolean           asd_tunnel_settings_save   (const AsdTunnelSettings  *settings,
                                               const char               *path,
                                               GError                  **error);
GVariant          *asd_tunnel_settings_parse_file_value (const char     *name,
                                                         const char     *text,
                                                         GError        **error);

char             **asd_tunnel_settings_ssh_argv     (const AsdTunnelSettings *settings,
                                                     const char              *ssh_path);
char             **asd_tunnel_settings_forwards     (const AsdTunnelSettings *settings);
char              *asd_tunnel_settings_display_destination (const AsdTunnelSettings *settings);
char              *asd_tunnel_forward_listener             (const char              *spec);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AsdTunnelSettings, asd_tunnel_settings_free)

G_END_DECLS
