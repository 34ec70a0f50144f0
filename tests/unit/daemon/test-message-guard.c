/* test-message-guard.c: which method calls are too big to handle
 *
 * asd_message_guard_too_big() decides, on GDBus's worker thread, whether a
 * call is refused before any handler runs.  It must count values at every
 * depth (an a{sv} of arrays counts its strings too), stop counting early,
 * and let through every call of ASD_MESSAGE_MAX_VALUES values or fewer.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "asd-message-guard.h"

/* (as) with @n strings: the tuple, the array and each string count. */
static GVariant *
strings (guint n)
{
  g_autoptr(GVariantBuilder) builder = g_variant_builder_new (G_VARIANT_TYPE ("as"));

  for (guint i = 0; i < n; i++)
    g_variant_builder_add (builder, "s", "x");
  return g_variant_ref_sink (g_variant_new ("(as)", builder));
}

/* (sa{sv}b) like AddTunnel's, one list of @n strings inside a variant. */
static GVariant *
nested (guint n)
{
  g_autoptr(GVariantBuilder) list = g_variant_builder_new (G_VARIANT_TYPE ("as"));
  g_autoptr(GVariantDict) settings = g_variant_dict_new (NULL);

  for (guint i = 0; i < n; i++)
    g_variant_builder_add (list, "s", "8080:localhost:80");
  g_variant_dict_insert_value (settings, "LocalForward", g_variant_builder_end (list));
  return g_variant_ref_sink (g_variant_new ("(s@a{sv}b)", "web", g_variant_dict_end (settings), TRUE));
}

static void
test_flat (void)
{
  /* the tuple and the array are values too: 2 + n */
  g_autoptr(GVariant) fits = strings (ASD_MESSAGE_MAX_VALUES - 2);
  g_autoptr(GVariant) over = strings (ASD_MESSAGE_MAX_VALUES - 1);
  g_autoptr(GVariant) huge = strings (ASD_MESSAGE_MAX_VALUES * 4);

  g_assert_false (asd_message_guard_too_big (NULL));
  g_assert_false (asd_message_guard_too_big (fits));
  g_assert_true (asd_message_guard_too_big (over));
  g_assert_true (asd_message_guard_too_big (huge));
}

/* Values inside a variant inside a dictionary count. */
static void
test_nested (void)
{
  g_autoptr(GVariant) small = nested (64);
  g_autoptr(GVariant) over = nested (ASD_MESSAGE_MAX_VALUES);

  g_assert_false (asd_message_guard_too_big (small));
  g_assert_true (asd_message_guard_too_big (over));
}

/* Many small containers add up as well as one big one. */
static void
test_many_small (void)
{
  g_autoptr(GVariantBuilder) builder = g_variant_builder_new (G_VARIANT_TYPE ("aas"));
  g_autoptr(GVariant) body = NULL;
  const char *pair[] = { "a", "b", NULL };

  for (guint i = 0; i < ASD_MESSAGE_MAX_VALUES / 2; i++)
    g_variant_builder_add (builder, "^as", pair);
  body = g_variant_ref_sink (g_variant_new ("(aas)", builder));
  g_assert_true (asd_message_guard_too_big (body));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/message-guard/flat", test_flat);
  g_test_add_func ("/message-guard/nested", test_nested);
  g_test_add_func ("/message-guard/many-small", test_many_small);

  return g_test_run ();
}
