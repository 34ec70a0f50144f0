/* asd-authorized-skeleton.c: every guarded D-Bus call passes here
 *
 * The one place where the service's method calls and property writes wait
 * for their authorization.  The Manager and Tunnel skeletons return
 * asd_authorized_vtable() from get_vtable: its method_call asks the
 * skeleton's AsdAuthorizer (if it has one: the system service) which
 * action the call needs and whether the caller may, and only then runs
 * the generated dispatch (the handle_* vfuncs).  Its set_property is
 * NULL, so that GDBusConnection hands Properties.Set to method_call too:
 * a property write can wait for polkit as a method can, then goes to the
 * skeleton's own set_property.  Reads (Properties.Get/GetAll) never wait.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include "asd-authorized-skeleton.h"

#define PROPERTIES_INTERFACE "org.freedesktop.DBus.Properties"

/* A class's vtables, kept for the life of the type (as GDBus keeps its). */
typedef struct {
  GDBusInterfaceVTable guarded;
  GDBusInterfaceVTable inner;
} Vtables;

static GQuark
vtables_quark (void)
{
  return g_quark_from_static_string ("asd-authorized-vtables");
}

static GQuark
authorizer_quark (void)
{
  return g_quark_from_static_string ("asd-authorizer");
}

/* Runs the call as if it had come straight from GDBus. */
static void
dispatch (GDBusInterfaceSkeleton *skeleton, GDBusMethodInvocation *invocation)
{
  Vtables *vtables = g_type_get_qdata (G_TYPE_FROM_INSTANCE (skeleton), vtables_quark ());
  GDBusConnection *connection = g_dbus_method_invocation_get_connection (invocation);
  const char *sender = g_dbus_method_invocation_get_sender (invocation);
  const char *path = g_dbus_method_invocation_get_object_path (invocation);
  GVariant *parameters = g_dbus_method_invocation_get_parameters (invocation);
  const char *interface_name = g_dbus_method_invocation_get_interface_name (invocation);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = NULL;
  const char *property_interface, *property;

  if (!g_str_equal (interface_name, PROPERTIES_INTERFACE))
    {
      vtables->inner.method_call (connection, sender, path, interface_name,
                                  g_dbus_method_invocation_get_method_name (invocation),
                                  parameters, invocation, skeleton);
      return;
    }
  /* Properties.Set, its value's type checked by GDBus already */
  g_variant_get (parameters, "(&s&sv)", &property_interface, &property, &value);
  if (vtables->inner.set_property (connection, sender, path, property_interface, property,
                                   value, &error, skeleton))
    g_dbus_method_invocation_return_value (invocation, NULL);
  else
    g_dbus_method_invocation_return_gerror (invocation, error);
}

typedef struct {
  GDBusInterfaceSkeleton *skeleton;
  GDBusMethodInvocation *invocation;
} Pending;

static void
on_authorized (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Pending *pending = user_data;
  g_autoptr(GError) error = NULL;

  if (asd_authorizer_check_finish (ASD_AUTHORIZER (source), result, &error))
    {
      g_debug ("%s.%s from %s: authorized",
               g_dbus_method_invocation_get_interface_name (pending->invocation),
               g_dbus_method_invocation_get_method_name (pending->invocation),
               g_dbus_method_invocation_get_sender (pending->invocation));
      dispatch (pending->skeleton, pending->invocation);
    }
  else
    {
      g_message ("%s.%s from %s refused: %s",
                 g_dbus_method_invocation_get_interface_name (pending->invocation),
                 g_dbus_method_invocation_get_method_name (pending->invocation),
                 g_dbus_method_invocation_get_sender (pending->invocation), error->message);
      g_dbus_method_invocation_return_gerror (pending->invocation, error);
    }
  g_object_unref (pending->skeleton);
  g_object_unref (pending->invocation);
  g_free (pending);
}

static void
guarded_method_call (GDBusConnection *connection, const char *sender, const char *object_path,
                     const char *interface_name, const char *method_name, GVariant *parameters,
                     GDBusMethodInvocation *invocation, gpointer user_data)
{
  GDBusInterfaceSkeleton *skeleton = user_data;
  AsdAuthorizer *authorizer = g_object_get_qdata (G_OBJECT (skeleton), authorizer_quark ());
  const char *action_id = asd_authorizer_action_for (interface_name, method_name);
  Pending *pending;

  if (authorizer == NULL || action_id == NULL)
    {
      dispatch (skeleton, invocation);
      return;
    }
  pending = g_new0 (Pending, 1);
  pending->skeleton = g_object_ref (skeleton);
  pending->invocation = g_object_ref (invocation);
  asd_authorizer_check_async (authorizer, invocation, action_id, on_authorized, pending);
}

/**
 * asd_authorized_vtable:
 * @skeleton: an exported object's skeleton
 * @inner: the vtable of its class (its get_vtable without this)
 *
 * Returns: (transfer none): the vtable for @skeleton's get_vtable: the
 *   same as @inner, but every call waits for its authorization
 */
GDBusInterfaceVTable *
asd_authorized_vtable (GDBusInterfaceSkeleton *skeleton, const GDBusInterfaceVTable *inner)
{
  GType type = G_TYPE_FROM_INSTANCE (skeleton);
  Vtables *vtables = g_type_get_qdata (type, vtables_quark ());

  if (vtables == NULL)
    {
      vtables = g_new0 (Vtables, 1);
      vtables->inner = *inner;
      vtables->guarded = *inner;
      vtables->guarded.method_call = guarded_method_call;
      vtables->guarded.set_property = NULL;
      g_type_set_qdata (type, vtables_quark (), vtables);
    }
  return &vtables->guarded;
}

/**
 * asd_authorized_skeleton_set_authorizer:
 * @skeleton: a skeleton whose get_vtable is asd_authorized_vtable()
 * @authorizer: (nullable): who decides; %NULL: every call is allowed
 */
void
asd_authorized_skeleton_set_authorizer (GDBusInterfaceSkeleton *skeleton, AsdAuthorizer *authorizer)
{
  g_object_set_qdata_full (G_OBJECT (skeleton), authorizer_quark (),
                           authorizer != NULL ? g_object_ref (authorizer) : NULL,
                           g_object_unref);
}
