/* ctl-output.h: tunnels as text and as JSON
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include "asd-dbus-generated.h"

G_BEGIN_DECLS

void  ctl_json_tunnel        (GString       *out,
                              AsdDbusTunnel *tunnel);
char *ctl_tunnel_reason      (AsdDbusTunnel *tunnel,
                              const char    *fallback);
void  ctl_json_tunnel_reason (GString       *out,
                              gboolean      *first,
                              AsdDbusTunnel *tunnel);
char *ctl_uptime_or_reason   (AsdDbusTunnel *tunnel,
                              gint64         now_usec);
char *ctl_format_tunnel_list (GList         *tunnels,
                              gboolean       json,
                              guint          max_width,
                              gboolean       legend);
char *ctl_format_status      (AsdDbusTunnel *tunnel,
                              gboolean       json);
guint ctl_terminal_width     (void);
char *ctl_quote_command      (const char * const *argv);

G_END_DECLS
