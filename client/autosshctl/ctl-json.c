/* ctl-json.c: a tiny JSON writer for `autosshctl --json`
 *
 * Only what the command line prints: strings, numbers, booleans, arrays
 * and objects from GVariant values.  Strings are escaped per RFC 8259:
 * '"' and '\' with a backslash, control characters (and DEL) as \uXXXX,
 * everything else as UTF-8; bytes that are not UTF-8 become U+FFFD, so
 * the output is always valid JSON.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "ctl-json.h"

static void
append_escaped_valid (GString *out, const char *text, gsize length)
{
  for (gsize i = 0; i < length; i++)
    {
      guchar c = (guchar) text[i];

      if (c == '"' || c == '\\')
        {
          g_string_append_c (out, '\\');
          g_string_append_c (out, (char) c);
        }
      else if (c < 0x20 || c == 0x7f)
        g_string_append_printf (out, "\\u%04x", c);
      else
        g_string_append_c (out, (char) c);
    }
}

/**
 * ctl_json_string:
 * @out: where to append
 * @text: (nullable): the string; %NULL is written as ""
 *
 * Appends @text as a JSON string, quotes included.
 */
void
ctl_json_string (GString *out, const char *text)
{
  const char *p = text != NULL ? text : "";
  const char *end = p + strlen (p);

  g_string_append_c (out, '"');
  while (p < end)
    {
      const char *bad = NULL;

      if (g_utf8_validate (p, end - p, &bad))
        {
          append_escaped_valid (out, p, end - p);
          break;
        }
      append_escaped_valid (out, p, bad - p);
      g_string_append (out, "\xef\xbf\xbd");   /* U+FFFD */
      p = bad + 1;
    }
  g_string_append_c (out, '"');
}

/**
 * ctl_json_member:
 * @out: where to append
 * @first: (inout): %TRUE before the first member of an object
 * @key: the member's name
 *
 * Appends `"key":`, preceded by a comma unless it is the first member.
 */
void
ctl_json_member (GString *out, gboolean *first, const char *key)
{
  if (!*first)
    g_string_append_c (out, ',');
  *first = FALSE;
  ctl_json_string (out, key);
  g_string_append_c (out, ':');
}

static gboolean
append_container (GString *out, GVariant *value)
{
  gboolean dict = g_variant_is_of_type (value, G_VARIANT_TYPE_DICTIONARY) &&
    g_variant_type_equal (g_variant_type_key (g_variant_type_element (g_variant_get_type (value))),
                          G_VARIANT_TYPE_STRING);
  gboolean ok = TRUE, first = TRUE;
  gsize n = g_variant_n_children (value);

  g_string_append_c (out, dict ? '{' : '[');
  for (gsize i = 0; i < n; i++)
    {
      g_autoptr(GVariant) child = g_variant_get_child_value (value, i);

      if (dict)
        {
          g_autoptr(GVariant) key = g_variant_get_child_value (child, 0);
          g_autoptr(GVariant) item = g_variant_get_child_value (child, 1);

          ctl_json_member (out, &first, g_variant_get_string (key, NULL));
          ok = ctl_json_variant (out, item) && ok;
          continue;
        }
      if (!first)
        g_string_append_c (out, ',');
      first = FALSE;
      ok = ctl_json_variant (out, child) && ok;
    }
  g_string_append_c (out, dict ? '}' : ']');
  return ok;
}

/**
 * ctl_json_variant:
 * @out: where to append
 * @value: (nullable): a value
 *
 * Appends @value as JSON: numbers as numbers, booleans, strings (also
 * object paths and signatures), arrays and tuples as arrays, a{s*} as
 * objects, variants as their content.  %NULL, and a type JSON cannot
 * hold (a double that is not finite), are written as null.
 *
 * Returns: %FALSE when something was written as null
 */
gboolean
ctl_json_variant (GString *out, GVariant *value)
{
  if (value == NULL)
    {
      g_string_append (out, "null");
      return FALSE;
    }
  switch (g_variant_classify (value))
    {
    case G_VARIANT_CLASS_BOOLEAN:
      g_string_append (out, g_variant_get_boolean (value) ? "true" : "false");
      return TRUE;
    case G_VARIANT_CLASS_BYTE:
      g_string_append_printf (out, "%u", g_variant_get_byte (value));
      return TRUE;
    case G_VARIANT_CLASS_INT16:
      g_string_append_printf (out, "%d", g_variant_get_int16 (value));
      return TRUE;
    case G_VARIANT_CLASS_UINT16:
      g_string_append_printf (out, "%u", g_variant_get_uint16 (value));
      return TRUE;
    case G_VARIANT_CLASS_INT32:
      g_string_append_printf (out, "%d", g_variant_get_int32 (value));
      return TRUE;
    case G_VARIANT_CLASS_UINT32:
      g_string_append_printf (out, "%u", g_variant_get_uint32 (value));
      return TRUE;
    case G_VARIANT_CLASS_INT64:
      g_string_append_printf (out, "%" G_GINT64_FORMAT, g_variant_get_int64 (value));
      return TRUE;
    case G_VARIANT_CLASS_UINT64:
      g_string_append_printf (out, "%" G_GUINT64_FORMAT, g_variant_get_uint64 (value));
      return TRUE;
    case G_VARIANT_CLASS_HANDLE:
      g_string_append_printf (out, "%d", g_variant_get_handle (value));
      return TRUE;
    case G_VARIANT_CLASS_DOUBLE:
      {
        double d = g_variant_get_double (value);
        char buffer[G_ASCII_DTOSTR_BUF_SIZE];

        if (!isfinite (d))
          {
            g_string_append (out, "null");
            return FALSE;
          }
        g_string_append (out, g_ascii_dtostr (buffer, sizeof buffer, d));
        return TRUE;
      }
    case G_VARIANT_CLASS_STRING:
    case G_VARIANT_CLASS_OBJECT_PATH:
    case G_VARIANT_CLASS_SIGNATURE:
      ctl_json_string (out, g_variant_get_string (value, NULL));
      return TRUE;
    case G_VARIANT_CLASS_VARIANT:
      {
        g_autoptr(GVariant) inner = g_variant_get_variant (value);

        return ctl_json_variant (out, inner);
      }
    case G_VARIANT_CLASS_MAYBE:
      {
        g_autoptr(GVariant) inner = g_variant_get_maybe (value);

        if (inner == NULL)
          {
            g_string_append (out, "null");
            return TRUE;
          }
        return ctl_json_variant (out, inner);
      }
    case G_VARIANT_CLASS_ARRAY:
    case G_VARIANT_CLASS_TUPLE:
    case G_VARIANT_CLASS_DICT_ENTRY:
      return append_container (out, value);
    default:
      g_string_append (out, "null");
      return FALSE;
    }
}

/**
 * ctl_json_reason:
 * @out: where to append
 * @first: (inout): %TRUE before the first member of an object
 * @code: (nullable): a StateReasonCode; %NULL (a service without reason
 *   codes) is written as ""
 * @details: (nullable): its StateReasonDetails, an a{sv}; %NULL, or a
 *   value of another type, is written as {}
 *
 * Appends the members "reason_code" (a string) and "reason_details" (an
 * object whose values keep their types: strings, numbers).  Neither
 * depends on the locale: scripts read these, people read "reason".
 */
void
ctl_json_reason (GString *out, gboolean *first, const char *code, GVariant *details)
{
  ctl_json_member (out, first, "reason_code");
  ctl_json_string (out, code);
  ctl_json_member (out, first, "reason_details");
  if (details != NULL && g_variant_is_of_type (details, G_VARIANT_TYPE_VARDICT))
    ctl_json_variant (out, details);
  else
    g_string_append (out, "{}");
}
