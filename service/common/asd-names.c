/* asd-names.c: tunnel names, their object paths, and the states' names
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <string.h>

#include <gio/gio.h>
#include <glib/gi18n.h>

#include "asd-enums.h"
#include "asd-error.h"
#include "asd-names.h"

/**
 * asd_enum_to_nick:
 * @type: an enum type made by glib-mkenums
 * @value: one of its values
 *
 * Returns: the value's nick, its name on the bus
 */
const char *
asd_enum_to_nick (GType type, gint value)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (type);
  GEnumValue *found = g_enum_get_value (klass, value);

  g_return_val_if_fail (found != NULL, NULL);
  return found->value_nick;
}

/**
 * asd_enum_from_nick:
 * @type: an enum type made by glib-mkenums
 * @nick: (nullable): a name from the bus
 * @fallback: the value of an unknown name (from a newer service)
 * @known: (out) (optional): whether @nick names a value
 *
 * Returns: the value @nick names, or @fallback
 */
gint
asd_enum_from_nick (GType type, const char *nick, gint fallback, gboolean *known)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (type);
  GEnumValue *found = nick != NULL ? g_enum_get_value_by_nick (klass, nick) : NULL;

  if (known != NULL)
    *known = found != NULL;
  return found != NULL ? found->value : fallback;
}

/**
 * asd_tunnel_state_to_string:
 * @state: a state
 *
 * Returns: the state's name on the bus ("connected", ...)
 */
const char *
asd_tunnel_state_to_string (AsdTunnelState state)
{
  return asd_enum_to_nick (ASD_TYPE_TUNNEL_STATE, state);
}

/**
 * asd_tunnel_state_from_string:
 * @text: (nullable): a State value from the bus
 * @known: (out) (optional): whether @text names a state
 *
 * Returns: the state @text names; an unknown one (from a newer service)
 *   reads as %ASD_TUNNEL_STATE_FAILED
 */
AsdTunnelState
asd_tunnel_state_from_string (const char *text, gboolean *known)
{
  return asd_enum_from_nick (ASD_TYPE_TUNNEL_STATE, text, ASD_TUNNEL_STATE_FAILED, known);
}

/**
 * asd_tunnel_state_display_name:
 * @state: a state
 *
 * Returns: the state's name for people, in the reader's locale; the
 *   bus keeps asd_tunnel_state_to_string()'s name
 */
const char *
asd_tunnel_state_display_name (AsdTunnelState state)
{
  switch (state)
    {
    case ASD_TUNNEL_STATE_STOPPED:
      return C_("tunnel state", "stopped");
    case ASD_TUNNEL_STATE_CONNECTING:
      return C_("tunnel state", "connecting");
    case ASD_TUNNEL_STATE_CONNECTED:
      return C_("tunnel state", "connected");
    case ASD_TUNNEL_STATE_RETRYING:
      return C_("tunnel state", "retrying");
    case ASD_TUNNEL_STATE_FAILED:
    default:
      return C_("tunnel state", "failed");
    }
}

/**
 * asd_tunnel_state_display_name_from_string:
 * @text: (nullable): a State value from the bus
 *
 * Returns: the state's name for people (asd_tunnel_state_display_name());
 *   a state this build does not know (from a newer service) as the bus
 *   names it, and "?" for none
 */
const char *
asd_tunnel_state_display_name_from_string (const char *text)
{
  gboolean known = FALSE;
  AsdTunnelState state = asd_tunnel_state_from_string (text, &known);

  if (!known)
    return text != NULL && text[0] != '\0' ? text : "?";
  return asd_tunnel_state_display_name (state);
}

/**
 * asd_tunnel_name_is_valid:
 * @name: (nullable): a tunnel name
 *
 * A name must not start with "-", which command lines such as
 * `autosshctl start -x` would read as an option.
 *
 * Returns: whether @name matches `[A-Za-z0-9_-]{1,64}` and does not
 *   start with "-"
 */
gboolean
asd_tunnel_name_is_valid (const char *name)
{
  gsize length = name != NULL ? strlen (name) : 0;

  if (length == 0 || length > ASD_TUNNEL_NAME_MAX || name[0] == '-')
    return FALSE;
  for (const char *p = name; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '_' && *p != '-')
      return FALSE;
  return TRUE;
}

/**
 * asd_tunnel_name_check:
 * @name: (nullable): a tunnel name
 * @error: return location for %ASD_ERROR_INVALID_NAME
 *
 * Returns: whether @name is valid; if not, @error says what a name may be
 */
gboolean
asd_tunnel_name_check (const char *name, GError **error)
{
  if (asd_tunnel_name_is_valid (name))
    return TRUE;
  g_set_error (error, ASD_ERROR, ASD_ERROR_INVALID_NAME,
               _("“%s” is not a valid tunnel name: use 1 to %d of A–Z, a–z, 0–9, “_” and “-”, not starting with “-”"),
               name != NULL ? name : "", ASD_TUNNEL_NAME_MAX);
  return FALSE;
}

/**
 * asd_tunnel_object_path:
 * @name: a valid tunnel name
 *
 * The tunnel's object path: every byte of @name other than A-Z, a-z and
 * 0-9 becomes `_xx` (g_dbus_escape_object_path(), systemd's rule), so
 * "web-1" is at /io/github/autosshd1/tunnel/web_2d1.
 *
 * Returns: (transfer full): the object path
 */
char *
asd_tunnel_object_path (const char *name)
{
  g_autofree char *element = g_dbus_escape_object_path (name);

  return g_strconcat (ASD_TUNNEL_PATH_PREFIX, element, NULL);
}
