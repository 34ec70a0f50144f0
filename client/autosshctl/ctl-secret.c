/* ctl-secret.c: `autosshctl passphrase`, a tunnel's secret into the keyring
 *
 * The secret is read without echo from the terminal (the terminal's
 * settings restored on every path, a signal included), or as one line
 * from standard input when that is not a terminal; it is stored with
 * libsecret, which speaks the keyring's own D-Bus protocol.  It never goes
 * to autosshd, never into an argv, the environment or a log, and its
 * buffer is overwritten before it is freed.
 *
 * Which secret: the passphrase of the tunnel's IdentityFile (made
 * absolute as ssh does: "~/" is the home directory of the passwd entry,
 * a relative name is taken from it too), or with --password or without
 * an IdentityFile the password of user@host, as ssh itself resolves them
 * for the tunnel's command (`ssh -G`).
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

#include "asd-secrets.h"
#include "asd-ssh-config.h"
#include "ctl.h"

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

/* ---- which secret ---- */

/* user and host as ssh resolves them for the tunnel's command (its
 * ~/.ssh/config included): `ssh -G` with the same arguments. */
static gboolean
ssh_user_host (const char * const *command, char **user, char **host, GError **error)
{
  g_auto(GStrv) argv = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) ssh = NULL;
  g_autofree char *out = NULL, *err = NULL;

  if (command == NULL || command[0] == NULL)
    {
      g_set_error_literal (error, CTL_ERROR, CTL_ERROR_FAILED,
                           _("the service did not say which ssh command the tunnel runs"));
      return FALSE;
    }
  argv = asd_ssh_config_argv (command);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_set_stdin_file_path (launcher, "/dev/null");
  ssh = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv, error);
  if (ssh == NULL || !g_subprocess_communicate_utf8 (ssh, NULL, NULL, &out, &err, error))
    return FALSE;
  if (!g_subprocess_get_if_exited (ssh) || g_subprocess_get_exit_status (ssh) != 0)
    {
      g_set_error (error, CTL_ERROR, CTL_ERROR_FAILED, _("`%s -G` failed: %s"), command[0],
                   err != NULL ? g_strstrip (err) : "");
      return FALSE;
    }
  *user = asd_ssh_config_value (out, "user");
  /* ssh names the host by its HostKeyAlias when it has one */
  *host = asd_ssh_config_value (out, "hostkeyalias");
  if (*host == NULL)
    *host = asd_ssh_config_value (out, "hostname");
  if (*user == NULL || *host == NULL)
    {
      g_clear_pointer (user, g_free);
      g_clear_pointer (host, g_free);
      g_set_error (error, CTL_ERROR, CTL_ERROR_FAILED,
                   _("`%s -G` did not print the user and the host"), command[0]);
      return FALSE;
    }
  return TRUE;
}

/* ---- the command ---- */

static gboolean
store (AsdSecretRef *ref, const char *what, const char *prompt, GError **error)
{
  char *secret = read_secret (prompt, error);
  gboolean ok;

  if (secret == NULL)
    return FALSE;
  ok = asd_secret_store_sync (ref, secret, error);
  asd_secret_free (secret);
  if (ok)
    g_print (_("Stored %s in the keyring.\n"), what);
  return ok;
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
  g_autofree char *identity = NULL, *user = NULL, *host = NULL;
  g_autofree char *what = NULL, *prompt = NULL;
  AsdSecretRef ref = { ASD_SECRET_PASSPHRASE, NULL, NULL, NULL };
  const char *key;

  g_option_context_set_description (context,
    _("The secret is read without echo from the terminal, or as one line from\n"
      "standard input when that is not a terminal. It goes to the keyring only."));
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
  if (tunnel == NULL)
    return FALSE;
  key = asd_dbus_tunnel_get_identity_file (tunnel);
  if (!password && key != NULL && key[0] != '\0')
    {
      identity = asd_ssh_expand_path (key, error);
      if (identity == NULL)
        return FALSE;
      ref.identity_file = identity;
      what = g_strdup_printf (_("the passphrase of key %s"), identity);
      prompt = g_strdup_printf (_("Passphrase of key %s: "), identity);
    }
  else
    {
      if (!ssh_user_host (asd_dbus_tunnel_get_command (tunnel), &user, &host, error))
        return FALSE;
      ref = (AsdSecretRef) { ASD_SECRET_PASSWORD, NULL, user, host };
      what = g_strdup_printf (_("the password of %s@%s"), user, host);
      prompt = g_strdup_printf (_("Password of %s@%s: "), user, host);
    }
  if (!store (&ref, what, prompt, error))
    return FALSE;
  /* A tunnel that failed for want of this secret tries again. */
  if (asd_tunnel_state_from_string (asd_dbus_tunnel_get_state (tunnel), NULL) == ASD_TUNNEL_STATE_FAILED)
    return asd_dbus_tunnel_call_start_sync (tunnel, G_DBUS_CALL_FLAGS_NONE, -1, NULL, error);
  return TRUE;
}
