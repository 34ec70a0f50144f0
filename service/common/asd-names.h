/* asd-names.h: the names of the D-Bus API and a tunnel's states, in one place
 *
 * The service and both clients use these; the D-Bus API is documented in
 * data/io.github.autosshd1.xml.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define ASD_BUS_NAME           "io.github.autosshd1"
#define ASD_MANAGER_PATH       "/io/github/autosshd1"
#define ASD_TUNNEL_PATH_PREFIX ASD_MANAGER_PATH "/tunnel/"
#define ASD_MANAGER_INTERFACE  "io.github.autosshd1.Manager"
#define ASD_TUNNEL_INTERFACE   "io.github.autosshd1.Tunnel"
#define ASD_ERROR_PREFIX       "io.github.autosshd1.Error."

/**
 * AsdTunnelState:
 * @ASD_TUNNEL_STATE_STOPPED: not wanted up (`stopped`)
 * @ASD_TUNNEL_STATE_CONNECTING: ssh is starting or logging in (`connecting`)
 * @ASD_TUNNEL_STATE_CONNECTED: every forward is up (`connected`)
 * @ASD_TUNNEL_STATE_RETRYING: down, waiting for its next try (`retrying`)
 * @ASD_TUNNEL_STATE_FAILED: down until the user acts (`failed`)
 *
 * A tunnel's states; the nick in brackets is the value of the State
 * property on the bus, which never changes with the locale.  People read
 * asd_tunnel_state_display_name(), translated.
 */
typedef enum {
  ASD_TUNNEL_STATE_STOPPED,     /*< nick=stopped >*/
  ASD_TUNNEL_STATE_CONNECTING,  /*< nick=connecting >*/
  ASD_TUNNEL_STATE_CONNECTED,   /*< nick=connected >*/
  ASD_TUNNEL_STATE_RETRYING,    /*< nick=retrying >*/
  ASD_TUNNEL_STATE_FAILED,      /*< nick=failed >*/
} AsdTunnelState;

const char     *asd_enum_to_nick             (GType           type,
                                              gint            value);
gint            asd_enum_from_nick           (GType           type,
                                              const char     *nick,
                                              gint            fallback,
                                              gboolean       *known);

const char     *asd_tunnel_state_to_string   (AsdTunnelState  state);
AsdTunnelState  asd_tunnel_state_from_string (const char     *text,
                                              gboolean       *known);
const char     *asd_tunnel_state_display_name (AsdTunnelState state);
const char     *asd_tunnel_state_display_name_from_string (const char *text);

/* Tunnel names: [A-Za-z0-9_-]{1,64}, not starting with "-". */
#define ASD_TUNNEL_NAME_MAX 64
gboolean        asd_tunnel_name_is_valid     (const char     *name);
gboolean        asd_tunnel_name_check        (const char     *name,
                                              GError        **error);
char           *asd_tunnel_object_path       (const char     *name);

G_END_DECLS
