/* asd-message-guard.h: method calls too big to handle are refused early
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The most values (strings, numbers, entries, ... at any depth) the
 * arguments of one method call may hold; the largest call the API takes
 * (AddTunnel with every list at its limit of 64) holds some 600. */
#define ASD_MESSAGE_MAX_VALUES  4096

void asd_message_guard_install (GDBusConnection *connection);
gboolean asd_message_guard_too_big (GVariant     *body);

G_END_DECLS
