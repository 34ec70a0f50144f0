/* autosshd-askpass.c: ssh's SSH_ASKPASS for tunnels of autosshd
 *
 * ssh runs this with its prompt as argv[1] and reads the answer from our
 * stdout.  We only relay: the prompt goes to the service that started
 * ssh, over its private socket with the token of this start, and the
 * service's answer (a secret from the keyring, or "yes"/"no" to a host key
 * question) comes back and is printed.  Nothing is logged or stored.
 *
 * With AUTOSSHD_ASKPASS_STDIN=1 (asd-key-file.c checking a passphrase with
 * ssh-keygen) it relays its own stdin instead: the first line, which the
 * checking program writes into a pipe, so that the passphrase is never in
 * an argv, the environment or a file.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>

#include "asd-askpass-protocol.h"
#include "asd-key-file.h"

static int
refuse (const char *message)
{
  fprintf (stderr, "autosshd-askpass: %s\n", message);
  return EXIT_FAILURE;
}

/* The whole answer, up to the service's closing of the connection. */
static GByteArray *
read_answer (GInputStream *input, GError **error)
{
  g_autoptr(GByteArray) answer = g_byte_array_new ();
  guint8 buffer[4096];
  gssize n;

  while ((n = g_input_stream_read (input, buffer, sizeof buffer, NULL, error)) > 0)
    {
      if (answer->len + n > ASD_ASKPASS_MAX_MESSAGE)
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE, "answer too long");
          return NULL;
        }
      g_byte_array_append (answer, buffer, n);
    }
  return n < 0 ? NULL : g_steal_pointer (&answer);
}

/* AUTOSSHD_ASKPASS_STDIN: the first line of stdin, at most
 * ASD_KEY_FILE_MAX_PASSPHRASE bytes, to stdout; the buffer is wiped. */
static int
relay_stdin (void)
{
  char buffer[ASD_KEY_FILE_MAX_PASSPHRASE + 1];
  gsize length = 0;

  while (length < ASD_KEY_FILE_MAX_PASSPHRASE)
    {
      ssize_t n = read (STDIN_FILENO, buffer + length, 1);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0 || buffer[length] == '\n')
        break;
      length++;
    }
  fwrite (buffer, 1, length, stdout);
  fputc ('\n', stdout);
  fflush (stdout);
  explicit_bzero (buffer, sizeof buffer);
  return EXIT_SUCCESS;
}

int
main (int argc, char **argv)
{
  const char *path = g_getenv (ASD_ASKPASS_SOCKET_ENV);
  const char *token = g_getenv (ASD_ASKPASS_TOKEN_ENV);
  const char *prompt = argc > 1 ? argv[1] : "";
  g_autoptr(GSocketClient) client = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GByteArray) answer = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *request = NULL;
  GOutputStream *output;

  if (g_strcmp0 (g_getenv (ASD_ASKPASS_STDIN_ENV), "1") == 0)
    return relay_stdin ();
  if (path == NULL || token == NULL)
    return refuse ("not started by autosshd (" ASD_ASKPASS_SOCKET_ENV " or " ASD_ASKPASS_TOKEN_ENV " unset)");

  address = g_unix_socket_address_new (path);
  client = g_socket_client_new ();
  g_socket_client_set_timeout (client, 30);
  connection = g_socket_client_connect (client, G_SOCKET_CONNECTABLE (address), NULL, &error);
  if (connection == NULL)
    return refuse (error->message);

  request = g_strconcat (token, "\n", prompt, NULL);
  if (strlen (request) > ASD_ASKPASS_MAX_REQUEST)
    return refuse ("prompt too long");   /* the service would close unanswered */
  output = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  if (!g_output_stream_write_all (output, request, strlen (request), NULL, NULL, &error) ||
      !g_socket_shutdown (g_socket_connection_get_socket (connection), FALSE, TRUE, &error))
    return refuse (error->message);

  answer = read_answer (g_io_stream_get_input_stream (G_IO_STREAM (connection)), &error);
  if (answer == NULL)
    return refuse (error->message);

  if (answer->len >= strlen (ASD_ASKPASS_YES) &&
      memcmp (answer->data, ASD_ASKPASS_YES, strlen (ASD_ASKPASS_YES)) == 0)
    {
      gsize skip = strlen (ASD_ASKPASS_YES);

      fwrite (answer->data + skip, 1, answer->len - skip, stdout);
      fputc ('\n', stdout);
      fflush (stdout);
      memset (answer->data, 0, answer->len);
      return EXIT_SUCCESS;
    }
  g_byte_array_append (answer, (const guint8 *) "", 1);
  return refuse (answer->len > 3 ? (const char *) answer->data + 3 : "refused");
}
