/* Unit tests of asd-fingerprint: one strict rule for host key fingerprints.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include "asd-fingerprint.h"

#define GOOD "SHA256:tQbJNhpn3/RnmjcfTKhRcOhuCFZczYnPyA3ylQxmZuw"

static void
test_valid (void)
{
  const char *invalid[] = {
    "", "SHA256:", "sha256:tQbJNhpn3/RnmjcfTKhRcOhuCFZczYnPyA3ylQxmZuw",
    GOOD "\n",                  /* a trailing newline: PCRE's $ let it in */
    GOOD " ", " " GOOD, GOOD "=", GOOD "A",
    "SHA256:tQbJNhpn3/RnmjcfTKhRcOhuCFZczYnPyA3ylQxmZu",   /* 42 */
    "SHA256:tQbJNhpn3/RnmjcfTKhRcOhuCFZczYnPyA3ylQxm-uw",  /* not base64 */
    "MD5:aa:bb", NULL,
  };

  g_assert_true (asd_fingerprint_is_valid (GOOD));
  g_assert_true (asd_fingerprint_is_valid ("SHA256:+++++++++++++++++++++++++++++++++++++++++++"));
  for (guint i = 0; invalid[i] != NULL; i++)
    g_assert_false (asd_fingerprint_is_valid (invalid[i]));
  g_assert_false (asd_fingerprint_is_valid (NULL));
}

static void
test_find (void)
{
  const char *question =
    "The authenticity of host '[127.0.0.1]:2222 ([127.0.0.1]:2222)' can't be established.\n"
    "ED25519 key fingerprint is " GOOD ".\n"
    "This key is not known by any other names.\n"
    "Are you sure you want to continue connecting (yes/no/[fingerprint])? ";
  g_autofree char *found = asd_fingerprint_find (question);
  g_autofree char *at_end = asd_fingerprint_find ("key " GOOD);
  g_autofree char *too_long = asd_fingerprint_find ("key " GOOD "x.");
  g_autofree char *none = asd_fingerprint_find ("SHA256: SHA256:abc");

  g_assert_cmpstr (found, ==, GOOD);
  g_assert_cmpstr (at_end, ==, GOOD);
  g_assert_null (too_long);
  g_assert_null (none);
}

/* The key type of ssh's "ED25519 key fingerprint is" line, at a line's
 * start only, upper case, digits and "-". */
static void
test_find_algorithm (void)
{
  const char *cases[][2] = {
    { "can't be established.\nED25519 key fingerprint is " GOOD ".\nAre you sure", "ED25519" },
    { "ECDSA-SK key fingerprint is " GOOD ".", "ECDSA-SK" },
    { "RSA key fingerprint is " GOOD, "RSA" },
    { "an evil ED25519 key fingerprint is " GOOD, NULL },
    { "\nrsa key fingerprint is " GOOD, NULL },
    { " key fingerprint is " GOOD, NULL },
    { "ED25519 key fingerprint is MD5:aa:bb", NULL },
    { "no question at all", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *found = asd_fingerprint_find_algorithm (cases[i][0]);

      g_assert_cmpstr (found, ==, cases[i][1]);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/fingerprint/valid", test_valid);
  g_test_add_func ("/fingerprint/find", test_find);
  g_test_add_func ("/fingerprint/find-algorithm", test_find_algorithm);
  return g_test_run ();
}
