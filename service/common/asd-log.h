/* asd-log.h: the log of whichever program links the common library
 *
 * The common code logs under the program's own domain ("autossh",
 * "autosshd", ...), set once by asd_program_init(); meson compiles the
 * common library with G_LOG_DOMAIN=asd_log_domain.  Lines about one
 * tunnel carry its name in a TUNNEL field (journalctl TUNNEL=web).
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>

#include "asd-log-domain.h"

G_BEGIN_DECLS

void asd_log_set_domain (const char     *domain);
void asd_log_tunnel     (const char     *tunnel,
                         GLogLevelFlags  level,
                         const char     *format,
                         ...) G_GNUC_PRINTF (3, 4);

G_END_DECLS
