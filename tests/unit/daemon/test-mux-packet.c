/* test-mux-packet.c: OpenSSH's multiplexing packets and forwards, without I/O
 *
 * Every packet the daemon sends, every reply a master may send (whole and
 * cut short), and ssh's forward syntax as asd-mux-packet.c reads it.  The
 * client against a real master is test-mux-client.c; against a master
 * that misbehaves, test-mux-hostile.c.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>
#include <gio/gio.h>

#include "asd-error.h"
#include "asd-mux-packet.h"

static void
test_encode (void)
{
  g_autoptr(GBytes) hello = asd_mux_encode_hello ();
  g_autoptr(GBytes) stdio = asd_mux_encode_stdio_fwd (7, "127.0.0.1", 1);
  static const guint8 hello_wire[] = { 0, 0, 0, 8, 0, 0, 0, 1, 0, 0, 0, 4 };
  static const guint8 stdio_wire[] = {
    0, 0, 0, 29, 0x10, 0, 0, 8, 0, 0, 0, 7, 0, 0, 0, 0,
    0, 0, 0, 9, '1', '2', '7', '.', '0', '.', '0', '.', '1', 0, 0, 0, 1 };
  gsize n;
  const guint8 *data = g_bytes_get_data (hello, &n);

  g_assert_cmpmem (data, n, hello_wire, sizeof hello_wire);
  data = g_bytes_get_data (stdio, &n);
  g_assert_cmpmem (data, n, stdio_wire, sizeof stdio_wire);
}

static void
test_decode (void)
{
  static const guint8 failure[] = { 0x80, 0, 0, 3, 0, 0, 0, 9, 0, 0, 0, 3, 'a', '\n', 0xff };
  static const guint8 short_string[] = { 0x80, 0, 0, 3, 0, 0, 0, 9, 0, 0, 0, 30, 'a' };
  static const guint8 unknown[] = { 0x80, 0, 0, 0x99, 0, 0, 0, 9 };
  static const guint8 big[] = { 0, 1, 0, 0 };
  static const guint8 tiny[] = { 0, 0, 0, 3 };
  g_auto(AsdMuxReply) reply = { 0, };
  g_autoptr(GError) error = NULL;
  gsize length;

  g_assert_true (asd_mux_reply_parse (failure, sizeof failure, &reply, &error));
  g_assert_cmpuint (reply.type, ==, ASD_MUX_S_FAILURE);
  g_assert_cmpuint (reply.id, ==, 9);
  g_assert_true (g_utf8_validate (reply.reason, -1, NULL));
  g_assert_null (strchr (reply.reason, '\n'));
  asd_mux_reply_clear (&reply);
  g_assert_false (asd_mux_reply_parse (short_string, sizeof short_string, &reply, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_clear_error (&error);
  g_assert_false (asd_mux_reply_parse (unknown, sizeof unknown, &reply, &error));
  g_clear_error (&error);
  g_assert_false (asd_mux_packet_length (big, &length, &error));
  g_clear_error (&error);
  g_assert_false (asd_mux_packet_length (tiny, &length, &error));
}

static void
check_forward (AsdMuxForwardKind kind, const char *spec, const char *lhost, guint32 lport,
               const char *chost, guint32 cport)
{
  g_auto(AsdMuxForward) fwd = { 0, };
  g_autoptr(GError) error = NULL;

  g_assert_true (asd_mux_forward_parse (kind, spec, &fwd, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (fwd.listen_host, ==, lhost);
  g_assert_cmpuint (fwd.listen_port, ==, lport);
  g_assert_cmpstr (fwd.connect_host, ==, chost);
  g_assert_cmpuint (fwd.connect_port, ==, cport);
}

static void
test_forward_syntax (void)
{
  g_auto(AsdMuxForward) fwd = { 0, };
  g_autoptr(GError) error = NULL;

  check_forward (ASD_MUX_FORWARD_LOCAL, "8080:localhost:80", "", 8080, "localhost", 80);
  check_forward (ASD_MUX_FORWARD_LOCAL, "127.0.0.1:8080:[::1]:80", "127.0.0.1", 8080, "::1", 80);
  check_forward (ASD_MUX_FORWARD_LOCAL, ":8080:h:80", "*", 8080, "h", 80);
  check_forward (ASD_MUX_FORWARD_LOCAL, "/tmp/s:h:80", "/tmp/s", ASD_MUX_PORT_STREAMLOCAL, "h", 80);
  check_forward (ASD_MUX_FORWARD_REMOTE, "9000:/run/x.sock", "", 9000, "/run/x.sock",
                 ASD_MUX_PORT_STREAMLOCAL);
  check_forward (ASD_MUX_FORWARD_DYNAMIC, "1080", "", 1080, "", 0);
  check_forward (ASD_MUX_FORWARD_DYNAMIC, "[::1]:1080", "::1", 1080, "", 0);
  g_assert_false (asd_mux_forward_parse (ASD_MUX_FORWARD_LOCAL, "80:h", &fwd, &error));
  g_assert_error (error, ASD_ERROR, ASD_ERROR_INVALID_SETTINGS);
  g_clear_error (&error);
  g_assert_false (asd_mux_forward_parse (ASD_MUX_FORWARD_LOCAL, "99999:h:80", &fwd, &error));
  g_clear_error (&error);
  g_assert_false (asd_mux_forward_parse (ASD_MUX_FORWARD_REMOTE, "9000", &fwd, &error));
  g_assert_error (error, ASD_ERROR, ASD_ERROR_NOT_SUPPORTED);
}

/* Every reply type whole, and each cut one byte short. */
static void
test_decode_each_type (void)
{
  static const struct {
    guint32 type;
    guint n_u32;           /* numbers after the type */
    gboolean with_reason;  /* a string after them */
    guint32 value;         /* what lands in reply.value */
  } types[] = {
    { ASD_MUX_MSG_HELLO, 1, FALSE, 0 },
    { ASD_MUX_S_OK, 1, FALSE, 0 },
    { ASD_MUX_S_TTY_ALLOC_FAIL, 1, FALSE, 0 },
    { ASD_MUX_S_PERMISSION_DENIED, 1, TRUE, 0 },
    { ASD_MUX_S_FAILURE, 1, TRUE, 0 },
    { ASD_MUX_S_EXIT_MESSAGE, 2, FALSE, 77 },
    { ASD_MUX_S_ALIVE, 2, FALSE, 77 },
    { ASD_MUX_S_SESSION_OPENED, 2, FALSE, 77 },
    { ASD_MUX_S_REMOTE_PORT, 2, FALSE, 77 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    {
      g_autoptr(GByteArray) body = g_byte_array_new ();
      guint32 be = GUINT32_TO_BE (types[i].type);
      g_auto(AsdMuxReply) reply = { 0, };
      g_autoptr(GError) error = NULL;

      g_byte_array_append (body, (const guint8 *) &be, 4);
      be = GUINT32_TO_BE (5);
      g_byte_array_append (body, (const guint8 *) &be, 4);
      if (types[i].n_u32 == 2)
        {
          be = GUINT32_TO_BE (77);
          g_byte_array_append (body, (const guint8 *) &be, 4);
        }
      if (types[i].with_reason)
        {
          be = GUINT32_TO_BE (2);
          g_byte_array_append (body, (const guint8 *) &be, 4);
          g_byte_array_append (body, (const guint8 *) "no", 2);
        }
      g_assert_true (asd_mux_reply_parse (body->data, body->len, &reply, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (reply.type, ==, types[i].type);
      g_assert_cmpuint (reply.id, ==, 5);
      g_assert_cmpuint (reply.value, ==, types[i].value);
      g_assert_cmpstr (reply.reason, ==, types[i].with_reason ? "no" : NULL);
      asd_mux_reply_clear (&reply);

      g_assert_false (asd_mux_reply_parse (body->data, body->len - 1, &reply, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
      g_assert_null (reply.reason);
    }
}

/* HELLO's extensions are skipped whole, or the packet is malformed. */
static void
test_decode_hello_extensions (void)
{
  static const guint8 hello[] = { 0, 0, 0, 1, 0, 0, 0, 4,
                                  0, 0, 0, 1, 'k', 0, 0, 0, 1, 'v' };
  static const guint8 cut[] = { 0, 0, 0, 1, 0, 0, 0, 4, 0, 0, 0, 1, 'k', 0, 0 };
  static const guint8 header[] = { 0, 0, 0x10, 0 };
  g_auto(AsdMuxReply) reply = { 0, };
  g_autoptr(GError) error = NULL;
  gsize length = 0;

  g_assert_true (asd_mux_reply_parse (hello, sizeof hello, &reply, &error));
  g_assert_cmpuint (reply.id, ==, ASD_MUX_VERSION);
  g_assert_false (asd_mux_reply_parse (cut, sizeof cut, &reply, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_clear_error (&error);
  g_assert_false (asd_mux_reply_parse (hello, 2, &reply, &error));
  g_clear_error (&error);
  g_assert_true (asd_mux_packet_length (header, &length, &error));
  g_assert_cmpuint (length, ==, ASD_MUX_PACKET_MAX);
}

static void
refuse_forward (AsdMuxForwardKind kind, const char *spec)
{
  g_auto(AsdMuxForward) fwd = { 0, };
  g_autoptr(GError) error = NULL;

  g_assert_false (asd_mux_forward_parse (kind, spec, &fwd, &error));
  g_assert_error (error, ASD_ERROR, ASD_ERROR_INVALID_SETTINGS);
  g_assert_null (fwd.listen_host);
  g_assert_null (fwd.connect_host);
}

/* The rest of ssh's forms, and what it refuses. */
static void
test_forward_forms (void)
{
  AsdMuxForwardKind kind = 0;
  g_auto(AsdMuxForward) fwd = { 0, };
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) open = NULL;
  g_autoptr(GBytes) close = NULL;
  const guint8 *data;
  gsize n;

  check_forward (ASD_MUX_FORWARD_LOCAL, "8080:/run/s", "", 8080, "/run/s", ASD_MUX_PORT_STREAMLOCAL);
  check_forward (ASD_MUX_FORWARD_LOCAL, "/tmp/a:/run/s", "/tmp/a", ASD_MUX_PORT_STREAMLOCAL,
                 "/run/s", ASD_MUX_PORT_STREAMLOCAL);
  check_forward (ASD_MUX_FORWARD_LOCAL, "127.0.0.1:8080:/run/s", "127.0.0.1", 8080, "/run/s",
                 ASD_MUX_PORT_STREAMLOCAL);
  check_forward (ASD_MUX_FORWARD_REMOTE, "9000:h:80", "", 9000, "h", 80);
  check_forward (ASD_MUX_FORWARD_REMOTE, "[::1]:9000:h:80", "::1", 9000, "h", 80);
  check_forward (ASD_MUX_FORWARD_DYNAMIC, ":1080", "*", 1080, "", 0);
  refuse_forward (ASD_MUX_FORWARD_LOCAL, "8080:h");
  refuse_forward (ASD_MUX_FORWARD_LOCAL, "a:b:c:d:e");
  refuse_forward (ASD_MUX_FORWARD_LOCAL, "8080:h:port");
  refuse_forward (ASD_MUX_FORWARD_LOCAL, "x:8080:h:80:");
  refuse_forward (ASD_MUX_FORWARD_DYNAMIC, "a:b:1080");
  refuse_forward (ASD_MUX_FORWARD_DYNAMIC, "socks");

  g_assert_true (asd_mux_forward_kind_from_string ("remote", &kind));
  g_assert_cmpint (kind, ==, ASD_MUX_FORWARD_REMOTE);
  g_assert_false (asd_mux_forward_kind_from_string ("Local", &kind));
  g_assert_false (asd_mux_forward_kind_from_string (NULL, &kind));

  /* open and close differ in their type alone */
  g_assert_true (asd_mux_forward_parse (ASD_MUX_FORWARD_LOCAL, "8080:h:80", &fwd, &error));
  open = asd_mux_encode_forward (TRUE, 3, &fwd);
  close = asd_mux_encode_forward (FALSE, 3, &fwd);
  g_assert_cmpuint (g_bytes_get_size (open), ==, g_bytes_get_size (close));
  data = g_bytes_get_data (open, &n);
  g_assert_cmpuint (GUINT32_FROM_BE (*(const guint32 *) (data + 4)), ==, ASD_MUX_C_OPEN_FWD);
  data = g_bytes_get_data (close, &n);
  g_assert_cmpuint (GUINT32_FROM_BE (*(const guint32 *) (data + 4)), ==, ASD_MUX_C_CLOSE_FWD);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/mux/encode", test_encode);
  g_test_add_func ("/mux/decode", test_decode);
  g_test_add_func ("/mux/forward-syntax", test_forward_syntax);
  g_test_add_func ("/mux/decode-each-type", test_decode_each_type);
  g_test_add_func ("/mux/decode-hello-extensions", test_decode_hello_extensions);
  g_test_add_func ("/mux/forward-forms", test_forward_forms);
  return g_test_run ();
}
