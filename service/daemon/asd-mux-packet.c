/* asd-mux-packet.c: OpenSSH's multiplexing protocol, packets in and out
 *
 * The wire format of PROTOCOL.mux (OpenSSH's, read from its mux.c): each
 * packet is a uint32 length, then the body, whose first uint32 is its
 * type; numbers are big-endian uint32, strings a uint32 length and the
 * bytes.  Only what the daemon asks is encoded here (hello, stdio
 * forward, open and close of a forward); every reply a master
 * sends is decoded.  Pure functions, no I/O: asd-mux-client.c does the
 * talking, and tests/fuzz/fuzz-mux-reply.c feeds the decoder.
 *
 * The master is only half trusted (it is our own ssh, but it relays a
 * server's words in its failure reasons): a packet longer than
 * ASD_MUX_PACKET_MAX is refused before it is read, every field is
 * checked against what is left, and a reason comes out as valid UTF-8
 * without control characters.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>
#include <gio/gio.h>

#include "asd-error.h"
#include "asd-mux-packet.h"

/* ---- out ---- */

static void
put_u32 (GByteArray *out, guint32 value)
{
  guint32 be = GUINT32_TO_BE (value);

  g_byte_array_append (out, (const guint8 *) &be, sizeof be);
}

static void
put_string (GByteArray *out, const char *text)
{
  gsize length = strlen (text);

  put_u32 (out, (guint32) length);
  g_byte_array_append (out, (const guint8 *) text, length);
}

/* A packet of @body: its length first. */
static GBytes *
finish (GByteArray *body)
{
  g_autoptr(GByteArray) packet = g_byte_array_sized_new (body->len + 4);

  put_u32 (packet, body->len);
  g_byte_array_append (packet, body->data, body->len);
  g_byte_array_unref (body);
  return g_byte_array_free_to_bytes (g_steal_pointer (&packet));
}

static GByteArray *
start (guint32 type)
{
  GByteArray *body = g_byte_array_new ();

  put_u32 (body, type);
  return body;
}

GBytes *
asd_mux_encode_hello (void)
{
  GByteArray *body = start (ASD_MUX_MSG_HELLO);

  put_u32 (body, ASD_MUX_VERSION);
  return finish (body);
}

/* MUX_C_NEW_STDIO_FWD; the master then waits for two fds (stdin, stdout). */
GBytes *
asd_mux_encode_stdio_fwd (guint32 request_id, const char *host, guint32 port)
{
  GByteArray *body = start (ASD_MUX_C_NEW_STDIO_FWD);

  put_u32 (body, request_id);
  put_string (body, "");        /* reserved */
  put_string (body, host);
  put_u32 (body, port);
  return finish (body);
}

/* MUX_C_OPEN_FWD (@open) or MUX_C_CLOSE_FWD: the same fields. */
GBytes *
asd_mux_encode_forward (gboolean open, guint32 request_id, const AsdMuxForward *forward)
{
  GByteArray *body = start (open ? ASD_MUX_C_OPEN_FWD : ASD_MUX_C_CLOSE_FWD);

  put_u32 (body, request_id);
  put_u32 (body, forward->kind);
  put_string (body, forward->listen_host);
  put_u32 (body, forward->listen_port);
  put_string (body, forward->connect_host);
  put_u32 (body, forward->connect_port);
  return finish (body);
}

/* ---- in ---- */

typedef struct {
  const guint8 *at;
  gsize left;
} Reader;

static gboolean
get_u32 (Reader *r, guint32 *value)
{
  guint32 be;

  if (r->left < sizeof be)
    return FALSE;
  memcpy (&be, r->at, sizeof be);
  *value = GUINT32_FROM_BE (be);
  r->at += sizeof be;
  r->left -= sizeof be;
  return TRUE;
}

/* A string's bytes, not copied (@length of them at @data). */
static gboolean
get_string (Reader *r, const guint8 **data, gsize *length)
{
  guint32 n;

  if (!get_u32 (r, &n) || n > r->left)
    return FALSE;
  *data = r->at;
  *length = n;
  r->at += n;
  r->left -= n;
  return TRUE;
}

/* A reason for people and logs: valid UTF-8, no control characters. */
static char *
clean_text (const guint8 *data, gsize length)
{
  char *text = g_utf8_make_valid ((const char *) data, length);

  for (char *c = text; *c != '\0'; c++)
    if ((guchar) *c < 0x20 || *c == 0x7f)
      *c = ' ';
  return text;
}

/**
 * asd_mux_packet_length:
 * @header: a packet's first four bytes
 * @length: (out): the length of its body
 * @error: return location for G_IO_ERROR_INVALID_DATA
 *
 * Returns: whether the body is long enough for a type and short enough
 *   to read (ASD_MUX_PACKET_MAX)
 */
gboolean
asd_mux_packet_length (const guint8 header[4], gsize *length, GError **error)
{
  Reader r = { header, 4 };
  guint32 n = 0;

  get_u32 (&r, &n);
  if (n < 4 || n > ASD_MUX_PACKET_MAX)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "control socket: a packet of %u bytes", n);
      return FALSE;
    }
  *length = n;
  return TRUE;
}

/* HELLO's extensions: name and value pairs, none defined; skipped. */
static gboolean
skip_extensions (Reader *r)
{
  while (r->left > 0)
    {
      const guint8 *data;
      gsize length;

      if (!get_string (r, &data, &length) || !get_string (r, &data, &length))
        return FALSE;
    }
  return TRUE;
}

static gboolean
parse_fields (Reader *r, AsdMuxReply *reply)
{
  const guint8 *data;
  gsize length;

  switch (reply->type)
    {
    case ASD_MUX_MSG_HELLO:
      return get_u32 (r, &reply->id) && skip_extensions (r);
    case ASD_MUX_S_OK:
    case ASD_MUX_S_TTY_ALLOC_FAIL:
      return get_u32 (r, &reply->id);
    case ASD_MUX_S_PERMISSION_DENIED:
    case ASD_MUX_S_FAILURE:
      if (!get_u32 (r, &reply->id) || !get_string (r, &data, &length))
        return FALSE;
      reply->reason = clean_text (data, length);
      return TRUE;
    case ASD_MUX_S_EXIT_MESSAGE:
    case ASD_MUX_S_ALIVE:
    case ASD_MUX_S_SESSION_OPENED:
    case ASD_MUX_S_REMOTE_PORT:
      return get_u32 (r, &reply->id) && get_u32 (r, &reply->value);
    default:
      return FALSE;
    }
}

/**
 * asd_mux_reply_parse:
 * @body: a packet's body (after its length)
 * @length: its length
 * @reply: (out caller-allocates): the packet; clear it with
 *   asd_mux_reply_clear() (also after a failure)
 * @error: return location for G_IO_ERROR_INVALID_DATA
 *
 * Decodes any packet a master sends: HELLO and every MUX_S_* type.
 *
 * Returns: whether @body is one, whole
 */
gboolean
asd_mux_reply_parse (const guint8 *body, gsize length, AsdMuxReply *reply, GError **error)
{
  Reader r = { body, length };

  memset (reply, 0, sizeof *reply);
  if (get_u32 (&r, &reply->type) && parse_fields (&r, reply))
    return TRUE;
  g_clear_pointer (&reply->reason, g_free);
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
               "control socket: a malformed packet of type 0x%08x (%" G_GSIZE_FORMAT " bytes)",
               reply->type, length);
  return FALSE;
}

void
asd_mux_reply_clear (AsdMuxReply *reply)
{
  g_clear_pointer (&reply->reason, g_free);
}

/* ---- forwards in ssh's syntax ---- */

/* ssh's fields of a forward (readconf.c, parse_forward): split at colons
 * outside [brackets], the brackets dropped. */
static GPtrArray *
split_fields (const char *spec)
{
  GPtrArray *fields = g_ptr_array_new_with_free_func (g_free);
  GString *field = g_string_new (NULL);
  gboolean bracket = FALSE;

  for (const char *c = spec; *c != '\0'; c++)
    {
      if (*c == '[' && !bracket && field->len == 0)
        bracket = TRUE;
      else if (*c == ']' && bracket)
        bracket = FALSE;
      else if (*c == ':' && !bracket)
        {
          g_ptr_array_add (fields, g_string_free (field, FALSE));
          field = g_string_new (NULL);
        }
      else
        g_string_append_c (field, *c);
    }
  g_ptr_array_add (fields, g_string_free (field, FALSE));
  return fields;
}

static gboolean
is_path (const char *field)
{
  return strchr (field, '/') != NULL;
}

static gboolean
parse_port (const char *text, guint32 *port)
{
  guint64 value;

  if (!g_ascii_string_to_unsigned (text, 10, 0, 65535, &value, NULL))
    return FALSE;
  *port = (guint32) value;
  return TRUE;
}

/* One end of a forward: a host and a port, or (no @port_text) a path. */
static gboolean
set_end (char **host, guint32 *port, const char *host_text, const char *port_text)
{
  *host = g_strdup (host_text);
  if (port_text == NULL)
    {
      *port = ASD_MUX_PORT_STREAMLOCAL;
      return TRUE;
    }
  return parse_port (port_text, port);
}

/* A bind address given: an empty one means every interface, as "*". */
static const char *
bind_address (const char *field)
{
  return field[0] != '\0' ? field : "*";
}

/* readconf.c's parse_forward(), for the forms a master can open. */
static gboolean
parse_fields_into (AsdMuxForwardKind kind, char **f, guint n, AsdMuxForward *fwd)
{
  if (kind == ASD_MUX_FORWARD_DYNAMIC)
    {
      fwd->connect_host = g_strdup ("");
      if (n == 1)
        return set_end (&fwd->listen_host, &fwd->listen_port, "", f[0]);
      return n == 2 && set_end (&fwd->listen_host, &fwd->listen_port, bind_address (f[0]), f[1]);
    }
  switch (n)
    {
    case 2:   /* listen path or port : connect path */
      return is_path (f[1]) &&
             (is_path (f[0]) ? set_end (&fwd->listen_host, &fwd->listen_port, f[0], NULL)
                             : set_end (&fwd->listen_host, &fwd->listen_port, "", f[0])) &&
             set_end (&fwd->connect_host, &fwd->connect_port, f[1], NULL);
    case 3:
      if (is_path (f[0]))
        return set_end (&fwd->listen_host, &fwd->listen_port, f[0], NULL) &&
               set_end (&fwd->connect_host, &fwd->connect_port, f[1], f[2]);
      if (is_path (f[2]))
        return set_end (&fwd->listen_host, &fwd->listen_port, bind_address (f[0]), f[1]) &&
               set_end (&fwd->connect_host, &fwd->connect_port, f[2], NULL);
      return set_end (&fwd->listen_host, &fwd->listen_port, "", f[0]) &&
             set_end (&fwd->connect_host, &fwd->connect_port, f[1], f[2]);
    case 4:
      return set_end (&fwd->listen_host, &fwd->listen_port, bind_address (f[0]), f[1]) &&
             set_end (&fwd->connect_host, &fwd->connect_port, f[2], f[3]);
    default:
      return FALSE;
    }
}

/**
 * asd_mux_forward_parse:
 * @kind: local (-L), remote (-R) or dynamic (-D)
 * @spec: the forward in ssh's syntax, as the tunnel's settings keep it
 * @forward: (out caller-allocates): the forward; clear it with
 *   asd_mux_forward_clear() (also after a failure)
 * @error: return location for %ASD_ERROR_INVALID_SETTINGS, or
 *   %ASD_ERROR_NOT_SUPPORTED for a remote dynamic forward (-R [bind:]port),
 *   which a master cannot open
 *
 * Returns: whether @spec is a forward a master can open and close
 */
gboolean
asd_mux_forward_parse (AsdMuxForwardKind kind, const char *spec, AsdMuxForward *forward,
                       GError **error)
{
  g_autoptr(GPtrArray) fields = split_fields (spec);

  memset (forward, 0, sizeof *forward);
  forward->kind = kind;
  if (kind == ASD_MUX_FORWARD_REMOTE &&
      (fields->len == 1 || (fields->len == 2 && !is_path (g_ptr_array_index (fields, 0)) &&
                            !is_path (g_ptr_array_index (fields, 1)))))
    {
      g_set_error (error, ASD_ERROR, ASD_ERROR_NOT_SUPPORTED,
                   _("a remote dynamic forward (“%s”) cannot be changed while the tunnel runs"), spec);
      return FALSE;
    }
  if (parse_fields_into (kind, (char **) fields->pdata, fields->len, forward) &&
      forward->listen_host != NULL && forward->connect_host != NULL &&
      (kind == ASD_MUX_FORWARD_DYNAMIC || forward->connect_host[0] != '\0'))
    return TRUE;
  asd_mux_forward_clear (forward);
  g_set_error (error, ASD_ERROR, ASD_ERROR_INVALID_SETTINGS,
               _("“%s” is not a forward in ssh’s syntax"), spec);
  return FALSE;
}

/* "local", "remote", "dynamic": the kinds of AddForward and RemoveForward. */
gboolean
asd_mux_forward_kind_from_string (const char *kind, AsdMuxForwardKind *out)
{
  static const char * const names[] = { NULL, "local", "remote", "dynamic" };

  for (guint i = ASD_MUX_FORWARD_LOCAL; i <= ASD_MUX_FORWARD_DYNAMIC; i++)
    if (g_strcmp0 (kind, names[i]) == 0)
      {
        *out = i;
        return TRUE;
      }
  return FALSE;
}

void
asd_mux_forward_clear (AsdMuxForward *forward)
{
  g_clear_pointer (&forward->listen_host, g_free);
  g_clear_pointer (&forward->connect_host, g_free);
}
