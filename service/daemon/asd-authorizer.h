/* asd-authorizer.h: who may call what, asked of polkit
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define ASD_ACTION_CONTROL "io.github.autosshd1.control"
#define ASD_ACTION_MANAGE  "io.github.autosshd1.manage"

#define ASD_TYPE_AUTHORIZER (asd_authorizer_get_type ())
G_DECLARE_FINAL_TYPE (AsdAuthorizer, asd_authorizer, ASD, AUTHORIZER, GObject)

AsdAuthorizer *asd_authorizer_new          (void);
const char    *asd_authorizer_action_for   (const char            *interface_name,
                                            const char            *method_name);
void           asd_authorizer_check_async  (AsdAuthorizer         *self,
                                            GDBusMethodInvocation *invocation,
                                            const char            *action_id,
                                            GAsyncReadyCallback    callback,
                                            gpointer               user_data);
gboolean       asd_authorizer_check_finish (AsdAuthorizer         *self,
                                            GAsyncResult          *result,
                                            GError               **error);
void           asd_authorizer_cancel       (AsdAuthorizer         *self);

G_END_DECLS
