/* ctl-secret.c: `autosshctl passphrase`, a tunnel's secret into the keyring
 *
 * The secret is read without echo from the terminal (the terminal's
 * settings restored on every path, a signal included), or as one line
 * from standard input when that is not a terminal; it is stored with
 * libsecret, which speaks the keyring's own D-Bus protocol.  It never goes
 * to autosshd, never into an argv, the environment or a log, and its
 * buffer is overwritten before it is freed.
 *
 * Which secret: ctl-secret-subject.c.  A key's passphrase is checked
 * (asd-key-file.c) before it is stored, and a tunnel that failed or waits
 * to retry is started again.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <glib/gi18n.h>

#include "asd-key-file.h"
#include "ctl-secret.h"

#define SECRET_MAX 4096

/* ---- the terminal ---- */

static struct termios saved_termios;
static volatile sig_atomic_t termios_fd = -1;
static const int fatal_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
static struct sigaction saved_actions[G_N_ELEMENTS (fatal_signals)];

static void
restore_termios (void)
{
  if (termios_fd >= 0)
    tcsetattr (termios_fd, TCSAFLUSH, &saved_termios);
  termios_fd = -1;
}

/* Restores the terminal and dies of the signal as if it were not caught
 * (SA_RESETHAND: the raise() is delivered once the handler returns). */
static void
on_fatal_signal (int signum)
{
  int saved_errno = errno;

  if (termios_fd >= 0)
    tcsetattr (termios_fd, TCSAFLUSH, &saved_termios);
  termios_fd = -1;
  raise (signum);
  errno = saved_errno;
}

static gboolean
echo_off (int fd, sigset_t *old_mask, GError **error)
{
  struct termios quiet;
  struct sigaction action = { 0 };
  sigset_t stop_signals;

  if (tcgetattr (fd, &saved_termios) != 0)
    {
      int saved_errno = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("cannot read the terminal’s settings: %s"), g_strerror (saved_errno));
      return FALSE;
    }
  /* No suspending with echo off: Ctrl+Z waits until the line is read. */
  sigemptyset (&stop_signals);
  sigaddset (&stop_signals, SIGTSTP);
  sigaddset (&stop_signals, SIGTTIN);
  sigaddset (&stop_signals, SIGTTOU);
  sigprocmask (SIG_BLOCK, &stop_signals, old_mask);

  action.sa_handler = on_fatal_signal;
  action.sa_flags = SA_RESETHAND;
  sigemptyset (&action.sa_mask);
  for (guint i = 0; i < G_N_ELEMENTS (fatal_signals); i++)
    sigaction (fatal_signals[i], &action, &saved_actions[i]);

  quiet = saved_termios;
  quiet.c_lflag &= ~(tcflag_t) (ECHO | ECHOE | ECHOK | ECHONL);
  termios_fd = fd;
  if (tcsetattr (fd, TCSAFLUSH, &quiet) != 0)
    {
      int saved_errno = errno;
      termios_fd = -1;
      for (guint i = 0; i < G_N_ELEMENTS (fatal_signals); i++)
        sigaction (fatal_signals[i], &saved_actions[i], NULL);
      sigprocmask (SIG_SETMASK, old_mask, NULL);
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("cannot turn off the terminal’s echo: %s"), g_strerror (saved_errno));
      return FALSE;
    }
  return TRUE;
}

static void
echo_on (const sigset_t *old_mask)
{
  restore_termios ();
  for (guint i = 0; i < G_N_ELEMENTS (fatal_signals); i++)
    sigaction (fatal_signals[i], &saved_actions[i], NULL);
  sigprocmask (SIG_SETMASK, old_mask, NULL);
}

/* One line from fd, byte by byte so nothing is buffered elsewhere;
 * without its newline (and a trailing CR). */
static char *
read_line (int fd, GError **error)
{
  char *buffer = g_malloc0 (SECRET_MAX + 1);
  gsize length = 0;
  gboolean got_any = FALSE;

  for (;;)
    {
      char c;
      ssize_t n = read (fd, &c, 1);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved_errno = errno;
          asd_secret_free (buffer);
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                       _("cannot read the secret: %s"), g_strerror (saved_errno));
          return NULL;
        }
      if (n == 0 || c == '\n')
        {
          got_any = got_any || n == 1;
          break;
        }
      got_any = TRUE;
      if (length == SECRET_MAX)
        {
          asd_secret_free (buffer);
          g_set_error (error, CTL_ERROR, CTL_ERROR_USAGE,
                       _("the secret is longer than %d bytes"), SECRET_MAX);
          return NULL;
        }
      buffer[length++] = c;
    }
  if (length > 0 && buffer[length - 1] == '\r')
    buffer[--length] = '\0';
  if (!got_any || length == 0)
    {
      asd_secret_free (buffer);
      g_set_error_literal (error, CTL_ERROR, CTL_ERROR_USAGE,
                           _("no secret was given; nothing was stored"));
      return NULL;
    }
  return buffer;
}

/* Returns: (transfer full): the secret, for asd_secret_free() */
static char *
read_secret (const char *prompt, GError **error)
{
  sigset_t old_mask;
  char *secret;

  if (!isatty (STDIN_FILENO))
    return read_line (STDIN_FILENO, error);
  if (!echo_off (STDIN_FILENO, &old_mask, error))
    return NULL;
  g_printerr ("%s", prompt);
  secret = read_line (STDIN_FILENO, error);
  echo_on (&old_mask);
  g_printerr ("\n");
  return secret;
}

/* ---- the command ---- */

/* A key's passphrase is checked before it is stored: a wrong one would
 * only make the tunnel fail again. */
static gboolean
store (const CtlSecretSubject *subject, const char *what, const char *prompt, GError **error)
{
  AsdSecretRef ref = { subject->kind, subject->identity_file, subject->user, subject->host };
  char *secret = read_secret (prompt, error);
  gboolean ok;

  if (secret == NULL)
    return FALSE;
  ok = (subject->kind != ASD_SECRET_PASSPHRASE ||
        asd_key_file_check_passphrase_sync (subject->identity_file, secret, error)) &&
       asd_secret_store_sync (&ref, secret, error);
  asd_secret_free (secret);
  if (ok)
    g_print (_("Stored %s in the keyring.\n"), what);
  return ok;
}

/* A tunnel that failed or waits to retry tries again at once. */
static gboolean
try_again (AsdDbusTunnel *tunnel, GError **error)
{
  AsdTunnelState state = asd_tunnel_state_from_string (asd_dbus_tunnel_get_state (tunnel), NULL);

  if (state != ASD_TUNNEL_STATE_FAILED && state != ASD_TUNNEL_STATE_RETRYING)
    return TRUE;
  if (!asd_dbus_tunnel_call_start_sync (tunnel, G_DBUS_CALL_FLAGS_NONE, -1, NULL, error))
    return FALSE;
  g_print (_("Started tunnel “%s” again.\n"), asd_dbus_tunnel_get_name (tunnel));
  return TRUE;
}

gboolean
ctl_cmd_passphrase (Ctl *ctl, int argc, char **argv, GError **error)
{
  gboolean password = FALSE;
  const GOptionEntry entries[] = {
    { "password", 0, 0, G_OPTION_ARG_NONE, &password,
      N_("Store the login password of the tunnel’s user@host, even if it has a key file"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = ctl_command_context ("passphrase", entries);
  g_autoptr(AsdDbusTunnel) tunnel = NULL;
  g_auto(CtlSecretSubject) subject = { 0 };
  g_autofree char *what = NULL, *prompt = NULL;

  g_option_context_set_description (context,
    _("The secret is the one the tunnel waits for (see its reason), else the\n"
      "passphrase of its key file (IdentityFile, or the key ssh would use), else\n"
      "the password of user@host.  It is read without echo from the terminal, or\n"
      "as one line from standard input when that is not a terminal.  A key’s\n"
      "passphrase is checked before it is stored.  It goes to the keyring only."));
  if (!ctl_parse_command (context, &argc, &argv, 1, 1, error))
    return FALSE;
  if (ctl->system)
    {
      g_set_error (error, CTL_ERROR, CTL_ERROR_USAGE,
                   _("the system service has no keyring: give the passphrase as a systemd credential "
                     "and name it in the tunnel’s PassphraseCredential (see autosshd(8))"));
      return FALSE;
    }
  tunnel = ctl_tunnel (ctl, argv[1], error);
  if (tunnel == NULL || !ctl_secret_subject_find (tunnel, password, &subject, error))
    return FALSE;
  if (subject.kind == ASD_SECRET_PASSPHRASE)
    {
      what = g_strdup_printf (_("the passphrase of key %s"), subject.identity_file);
      prompt = g_strdup_printf (_("Passphrase of key %s: "), subject.identity_file);
    }
  else
    {
      what = g_strdup_printf (_("the password of %s@%s"), subject.user, subject.host);
      prompt = g_strdup_printf (_("Password of %s@%s: "), subject.user, subject.host);
    }
  return store (&subject, what, prompt, error) && try_again (tunnel, error);
}
