/* asd-authorized-skeleton.h: every guarded D-Bus call passes here
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include "asd-authorizer.h"

G_BEGIN_DECLS

GDBusInterfaceVTable *asd_authorized_vtable              (GDBusInterfaceSkeleton     *skeleton,
                                                          const GDBusInterfaceVTable *inner);
void                  asd_authorized_skeleton_set_authorizer (GDBusInterfaceSkeleton *skeleton,
                                                          AsdAuthorizer              *authorizer);

G_END_DECLS
