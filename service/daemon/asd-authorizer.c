/* asd-authorizer.c: who may call what, asked of polkit
 *
 * The system service lets everyone read (properties, introspection,
 * GetTunnel, GetLog, signals); a call that changes something needs a
 * polkit action: io.github.autosshd1.control to start and stop tunnels,
 * io.github.autosshd1.manage for everything else (adding, removing and
 * configuring tunnels, trusting host keys, Reload, writing properties).
 * A method this table does not know needs "manage": a new method is
 * guarded until someone decides otherwise.  Callers with uid 0 are allowed
 * without asking.  Everything is asynchronous: the uid from the bus
 * (GetConnectionUnixUser), then polkit's CheckAuthorization, with the
 * caller's allow-interactive-authorization flag passed on, so polkit may
 * ask for a password on the caller's side.  The session service has no
 * authorizer (its bus is the user's own).
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <polkit/polkit.h>

#include "asd-authorizer.h"
#include "asd-error.h"
#include "asd-names.h"

struct _AsdAuthorizer
{
  GObject parent_instance;

  GCancellable *cancellable;     /* every check under way */
};

G_DEFINE_TYPE (AsdAuthorizer, asd_authorizer, G_TYPE_OBJECT)

typedef struct {
  const char *interface_name;
  const char *method_name;
  const char *action_id;         /* NULL: everyone may call it */
} Rule;

static const Rule rules[] = {
  { ASD_MANAGER_INTERFACE, "GetTunnel", NULL },
  { ASD_MANAGER_INTERFACE, "StartAll", ASD_ACTION_CONTROL },
  { ASD_MANAGER_INTERFACE, "StopAll", ASD_ACTION_CONTROL },
  { ASD_TUNNEL_INTERFACE, "GetLog", NULL },
  { ASD_TUNNEL_INTERFACE, "Start", ASD_ACTION_CONTROL },
  { ASD_TUNNEL_INTERFACE, "Stop", ASD_ACTION_CONTROL },
  { ASD_TUNNEL_INTERFACE, "Restart", ASD_ACTION_CONTROL },
  { ASD_TUNNEL_INTERFACE, "Probe", ASD_ACTION_CONTROL },
  { "org.freedesktop.DBus.Properties", "Get", NULL },
  { "org.freedesktop.DBus.Properties", "GetAll", NULL },
};

/**
 * asd_authorizer_action_for:
 * @interface_name: the called interface
 * @method_name: the called method
 *
 * Returns: (nullable): the polkit action the call needs, %NULL for none
 */
const char *
asd_authorizer_action_for (const char *interface_name, const char *method_name)
{
  for (guint i = 0; i < G_N_ELEMENTS (rules); i++)
    if (g_str_equal (rules[i].interface_name, interface_name) &&
        g_str_equal (rules[i].method_name, method_name))
      return rules[i].action_id;
  return ASD_ACTION_MANAGE;
}

typedef struct {
  GDBusMethodInvocation *invocation;
  const char *action_id;         /* static */
} Check;

static void
check_free (Check *check)
{
  g_object_unref (check->invocation);
  g_free (check);
}

static void
refuse (GTask *task, const char *why)
{
  Check *check = g_task_get_task_data (task);
  const char *what = g_str_equal (check->action_id, ASD_ACTION_CONTROL)
    ? _("start and stop the system’s tunnels")
    : _("add, remove and configure the system’s tunnels");

  if (why != NULL)
    /* Translators: the first %s says what was refused, the second is the
     * polkit action's name, the third polkit's own message */
    g_task_return_new_error (task, ASD_ERROR, ASD_ERROR_NOT_AUTHORIZED,
                             _("you are not allowed to %s (polkit action %s): %s"),
                             what, check->action_id, why);
  else
    g_task_return_new_error (task, ASD_ERROR, ASD_ERROR_NOT_AUTHORIZED,
                             _("you are not allowed to %s (polkit action %s)"),
                             what, check->action_id);
}

static void
on_checked (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(PolkitAuthorizationResult) answer =
    polkit_authority_check_authorization_finish (POLKIT_AUTHORITY (source), result, &error);

  if (answer == NULL)
    refuse (task, error->message);
  else if (polkit_authorization_result_get_is_authorized (answer))
    g_task_return_boolean (task, TRUE);
  else if (polkit_authorization_result_get_is_challenge (answer))
    refuse (task, _("authentication is needed; call again allowing interactive authorization"));
  else
    refuse (task, NULL);
}

static void
on_authority (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  Check *check = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(PolkitAuthority) authority = polkit_authority_get_finish (result, &error);
  g_autoptr(PolkitSubject) subject = NULL;
  GDBusMessage *message = g_dbus_method_invocation_get_message (check->invocation);
  GCancellable *cancellable = g_task_get_cancellable (task);
  PolkitCheckAuthorizationFlags flags = POLKIT_CHECK_AUTHORIZATION_FLAGS_NONE;

  if (authority == NULL)
    {
      refuse (task, error->message);
      return;
    }
  if (g_dbus_message_get_flags (message) & G_DBUS_MESSAGE_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION)
    flags |= POLKIT_CHECK_AUTHORIZATION_FLAGS_ALLOW_USER_INTERACTION;
  subject = polkit_system_bus_name_new (g_dbus_method_invocation_get_sender (check->invocation));
  polkit_authority_check_authorization (authority, subject, check->action_id, NULL, flags,
                                        cancellable, on_checked, g_steal_pointer (&task));
}

static void
on_uid (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  GCancellable *cancellable;
  guint32 uid = G_MAXUINT32;

  if (reply != NULL)
    g_variant_get (reply, "(u)", &uid);
  if (uid == 0)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  cancellable = g_task_get_cancellable (task);
  polkit_authority_get_async (cancellable, on_authority, g_steal_pointer (&task));
}

/**
 * asd_authorizer_check_async:
 * @self: the authorizer
 * @invocation: the call
 * @action_id: the polkit action it needs (asd_authorizer_action_for())
 * @callback: called when polkit has answered
 * @user_data: for @callback
 *
 * Asks whether the caller of @invocation may do @action_id.
 */
void
asd_authorizer_check_async (AsdAuthorizer *self, GDBusMethodInvocation *invocation,
                            const char *action_id, GAsyncReadyCallback callback,
                            gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (self, self->cancellable, callback, user_data);
  Check *check = g_new0 (Check, 1);

  g_task_set_source_tag (task, asd_authorizer_check_async);
  check->invocation = g_object_ref (invocation);
  check->action_id = action_id;
  g_task_set_task_data (task, check, (GDestroyNotify) check_free);
  g_dbus_connection_call (g_dbus_method_invocation_get_connection (invocation),
                          "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                          "GetConnectionUnixUser",
                          g_variant_new ("(s)", g_dbus_method_invocation_get_sender (invocation)),
                          G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1,
                          self->cancellable, on_uid, g_steal_pointer (&task));
}

/**
 * asd_authorizer_check_finish:
 * @self: the authorizer
 * @result: the result
 * @error: return location for %ASD_ERROR_NOT_AUTHORIZED
 *
 * Returns: whether the caller may
 */
gboolean
asd_authorizer_check_finish (AsdAuthorizer *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * asd_authorizer_cancel:
 * @self: the authorizer
 *
 * Ends every check under way (the service exits): they fail.
 */
void
asd_authorizer_cancel (AsdAuthorizer *self)
{
  g_cancellable_cancel (self->cancellable);
}

static void
asd_authorizer_dispose (GObject *object)
{
  AsdAuthorizer *self = ASD_AUTHORIZER (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (asd_authorizer_parent_class)->dispose (object);
}

static void
asd_authorizer_class_init (AsdAuthorizerClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = asd_authorizer_dispose;
}

static void
asd_authorizer_init (AsdAuthorizer *self)
{
  self->cancellable = g_cancellable_new ();
}

/**
 * asd_authorizer_new:
 *
 * Returns: (transfer full): the system service's authorizer
 */
AsdAuthorizer *
asd_authorizer_new (void)
{
  return g_object_new (ASD_TYPE_AUTHORIZER, NULL);
}
