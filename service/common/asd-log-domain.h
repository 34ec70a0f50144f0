/* asd-log-domain.h: the common library's G_LOG_DOMAIN
 *
 * meson compiles the common library with `-include asd-log-domain.h
 * -DG_LOG_DOMAIN=asd_log_domain`, so its messages carry the domain of the
 * program that links it (set by asd_program_init()), declared here before
 * any GLib header expands G_LOG_DOMAIN.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

extern const char *asd_log_domain;
