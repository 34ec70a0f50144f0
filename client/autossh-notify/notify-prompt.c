/* notify-prompt.c: the desktop's prompts for a tunnel's secret or host key
 *
 * The "Enter passphrase…", "Enter password…" and "Trust host key…"
 * actions of a failure notification open GNOME's system prompt through
 * gcr (GcrSystemPrompt: GNOME Shell draws it in GNOME, /usr/libexec/
 * gcr-prompter elsewhere; AUTOSSH_NOTIFY_PROMPTER names another prompter,
 * for tests).  What is asked is exactly what the tunnel waits for: its
 * NeedsSecret (a key path, or user@host) or PendingHostKey (algorithm and
 * fingerprint), as the service recorded them from ssh's own prompt.
 *
 * A secret: a key's passphrase is checked first (asd-key-file.c, as
 * `autosshctl passphrase` does), and asked again with a warning when it is
 * wrong; then it is stored in the Secret Service, in the login keyring
 * when "remember" is chosen, else in the session collection that forgets
 * it at logout (the service finds it in either), and the tunnel is
 * started.  The secret goes to gnome-keyring only: never to autosshd, an
 * argv, the environment or a log; our copy is wiped.
 * A host key: Trust calls TrustHostKey with the fingerprint shown, which
 * the service accepts only while the server offers that key.
 * Cancel changes nothing.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>
#define GCR_API_SUBJECT_TO_CHANGE
#include <gcr/gcr-base.h>

#include "asd-key-file.h"
#include "asd-secrets.h"
#include "notify-prompt.h"

#define PROMPTER_WAIT_S 30      /* for a prompter busy with another prompt */

typedef struct {
  AsdDbusTunnel *proxy;
  AsdNotifyAsk ask;
  char *subject;                /* key path, user@host, or fingerprint */
  char *algorithm;              /* of a host key */
  GcrPrompt *prompt;
  char *secret;                 /* being checked and stored; wiped */
} Prompt;

/* The prompter's window goes away now, not when the last reference does. */
static void
close_prompt (Prompt *p)
{
  if (p->prompt != NULL)
    gcr_prompt_close (p->prompt);
  g_clear_object (&p->prompt);
}

static void
prompt_free (Prompt *p)
{
  close_prompt (p);
  g_clear_object (&p->proxy);
  g_free (p->subject);
  g_free (p->algorithm);
  g_clear_pointer (&p->secret, asd_secret_free);
  g_free (p);
}

/* The (ss) property's two strings; "" when unset. */
static void
pair (GVariant *value, const char **first, const char **second)
{
  *first = *second = "";
  if (value != NULL && g_variant_is_of_type (value, G_VARIANT_TYPE ("(ss)")))
    g_variant_get (value, "(&s&s)", first, second);
}

/**
 * asd_notify_prompt_what:
 * @proxy: a tunnel
 *
 * Returns: what the tunnel waits for that a prompt can give
 */
AsdNotifyAsk
asd_notify_prompt_what (AsdDbusTunnel *proxy)
{
  const char *kind, *subject, *algorithm, *fingerprint;

  pair (asd_dbus_tunnel_get_needs_secret (proxy), &kind, &subject);
  if (g_str_equal (kind, "passphrase") && subject[0] == '/')
    return ASD_NOTIFY_ASK_PASSPHRASE;
  if (g_str_equal (kind, "password") && strchr (subject, '@') != NULL)
    return ASD_NOTIFY_ASK_PASSWORD;
  pair (asd_dbus_tunnel_get_pending_host_key (proxy), &algorithm, &fingerprint);
  if (fingerprint[0] != '\0')
    return ASD_NOTIFY_ASK_HOST_KEY;
  return ASD_NOTIFY_ASK_NONE;
}

/**
 * asd_notify_prompt_action_label:
 * @ask: what is asked
 *
 * Returns: (nullable): the notification button that opens the prompt
 */
const char *
asd_notify_prompt_action_label (AsdNotifyAsk ask)
{
  switch (ask)
    {
    case ASD_NOTIFY_ASK_PASSPHRASE:
      return _("Enter passphrase…");
    case ASD_NOTIFY_ASK_PASSWORD:
      return _("Enter password…");
    case ASD_NOTIFY_ASK_HOST_KEY:
      return _("Trust host key…");
    case ASD_NOTIFY_ASK_NONE:
    default:
      return NULL;
    }
}

/* ---- the end: the tunnel goes on ---- */

static void
on_tunnel_called (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  Prompt *p = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  gboolean ok = p->ask == ASD_NOTIFY_ASK_HOST_KEY
    ? asd_dbus_tunnel_call_trust_host_key_finish (ASD_DBUS_TUNNEL (source), result, &error)
    : asd_dbus_tunnel_call_start_finish (ASD_DBUS_TUNNEL (source), result, &error);

  if (ok)
    g_task_return_boolean (task, TRUE);
  else
    {
      g_dbus_error_strip_remote_error (error);
      g_task_return_error (task, g_steal_pointer (&error));
    }
}

static void
call_tunnel (GTask *task)
{
  Prompt *p = g_task_get_task_data (task);

  if (p->ask == ASD_NOTIFY_ASK_HOST_KEY)
    asd_dbus_tunnel_call_trust_host_key (p->proxy, p->subject, G_DBUS_CALL_FLAGS_NO_AUTO_START, -1,
                                         g_task_get_cancellable (task), on_tunnel_called, task);
  else
    asd_dbus_tunnel_call_start (p->proxy, G_DBUS_CALL_FLAGS_NO_AUTO_START, -1,
                                g_task_get_cancellable (task), on_tunnel_called, task);
}

/* ---- a secret ---- */

static void ask_secret (GTask *task);

static void
on_stored (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Prompt *p = g_task_get_task_data (task);
  GError *error = NULL;

  g_clear_pointer (&p->secret, asd_secret_free);
  if (!asd_secret_store_finish (result, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  close_prompt (p);
  call_tunnel (task);
}

static void
store (GTask *task)
{
  Prompt *p = g_task_get_task_data (task);
  AsdSecretRef ref = { ASD_SECRET_PASSPHRASE, p->subject, NULL, NULL };
  const char *at = strrchr (p->subject, '@');
  g_autofree char *user = NULL;

  if (p->ask == ASD_NOTIFY_ASK_PASSWORD)
    {
      user = g_strndup (p->subject, at - p->subject);   /* the host is after the last "@" */
      ref = (AsdSecretRef) { ASD_SECRET_PASSWORD, NULL, user, at + 1 };
    }
  asd_secret_store_async (&ref, p->secret, gcr_prompt_get_choice_chosen (p->prompt),
                          g_task_get_cancellable (task), on_stored, task);
}

static void
on_checked (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Prompt *p = g_task_get_task_data (task);
  GError *error = NULL;

  if (asd_key_file_check_passphrase_finish (result, &error))
    {
      store (task);
      return;
    }
  g_clear_pointer (&p->secret, asd_secret_free);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED))
    {
      g_clear_error (&error);
      gcr_prompt_set_warning (p->prompt, _("That is not the passphrase of this key. Try again."));
      ask_secret (task);
      return;
    }
  g_task_return_error (task, error);
  g_object_unref (task);
}

/* Cancel (no @error) or a failure of the prompt: the task ends with it. */
static void
give_up (GTask *task, GError *error)
{
  if (error == NULL)
    error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, _("cancelled"));
  g_task_return_error (task, error);
  g_object_unref (task);
}

static void
on_secret (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Prompt *p = g_task_get_task_data (task);
  GError *error = NULL;
  const char *secret = gcr_prompt_password_finish (p->prompt, result, &error);

  if (secret == NULL)
    {
      give_up (task, error);
      return;
    }
  p->secret = g_strdup (secret);
  if (p->ask == ASD_NOTIFY_ASK_PASSPHRASE)
    asd_key_file_check_passphrase_async (p->subject, p->secret, g_task_get_cancellable (task),
                                         on_checked, task);
  else
    store (task);
}

static void
ask_secret (GTask *task)
{
  Prompt *p = g_task_get_task_data (task);

  gcr_prompt_password_async (p->prompt, g_task_get_cancellable (task), on_secret, task);
}

static void
describe_secret (Prompt *p)
{
  const char *name = asd_dbus_tunnel_get_name (p->proxy);
  g_autofree char *message = NULL, *description = NULL;

  if (p->ask == ASD_NOTIFY_ASK_PASSPHRASE)
    {
      message = g_strdup_printf (_("Enter the passphrase of key %s"), p->subject);
      description = g_strdup_printf (_("Tunnel “%s” needs it to log in. It is checked, then kept in your keyring."),
                                     name);
    }
  else
    {
      message = g_strdup_printf (_("Enter the password of %s"), p->subject);
      description = g_strdup_printf (_("Tunnel “%s” needs it to log in. It is kept in your keyring."),
                                     name);
    }
  gcr_prompt_set_message (p->prompt, message);
  gcr_prompt_set_description (p->prompt, description);
  gcr_prompt_set_choice_label (p->prompt, _("Remember it after I log out"));
  gcr_prompt_set_choice_chosen (p->prompt, TRUE);
  gcr_prompt_set_continue_label (p->prompt, _("Connect"));
}

/* ---- a host key ---- */

static void
on_confirmed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Prompt *p = g_task_get_task_data (task);
  GError *error = NULL;
  GcrPromptReply reply = gcr_prompt_confirm_finish (p->prompt, result, &error);

  if (reply != GCR_PROMPT_REPLY_CONTINUE)
    {
      give_up (task, error);
      return;
    }
  close_prompt (p);
  call_tunnel (task);
}

static void
describe_host_key (Prompt *p)
{
  g_autofree char *description = NULL;

  gcr_prompt_set_message (p->prompt, _("Trust the server’s host key?"));
  /* Translators: %1$s is a key type such as ED25519, %2$s its fingerprint */
  description = g_strdup_printf (_("The server offers this %1$s key:\n%2$s\nTrust it only if its administrator gave you the same fingerprint. ssh then remembers the key."),
                                 p->algorithm[0] != '\0' ? p->algorithm : "SSH", p->subject);
  gcr_prompt_set_description (p->prompt, description);
  gcr_prompt_set_continue_label (p->prompt, _("Trust"));
}

/* ---- opening the prompt ---- */

static void
on_opened (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Prompt *p = g_task_get_task_data (task);
  g_autofree char *title = NULL;
  GError *error = NULL;

  p->prompt = gcr_system_prompt_open_finish (result, &error);
  if (p->prompt == NULL)
    {
      g_prefix_error (&error, _("cannot open the system prompt: "));
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  title = g_strdup_printf (_("Tunnel “%s”"), asd_dbus_tunnel_get_name (p->proxy));
  gcr_prompt_set_title (p->prompt, title);
  gcr_prompt_set_cancel_label (p->prompt, _("Cancel"));
  if (p->ask == ASD_NOTIFY_ASK_HOST_KEY)
    {
      describe_host_key (p);
      gcr_prompt_confirm_async (p->prompt, g_task_get_cancellable (task), on_confirmed, task);
    }
  else
    {
      describe_secret (p);
      ask_secret (task);
    }
}

/**
 * asd_notify_prompt_async:
 * @proxy: the tunnel, waiting for a secret or a host key
 * @cancellable: (nullable): a #GCancellable (closes the prompt)
 * @callback: called when the prompt is done
 * @user_data: for @callback
 *
 * Asks the user for what the tunnel waits for (asd_notify_prompt_what())
 * and gives it (see above).
 */
void
asd_notify_prompt_async (AsdDbusTunnel *proxy, GCancellable *cancellable,
                         GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  Prompt *p = g_new0 (Prompt, 1);
  const char *prompter = g_getenv (ASD_NOTIFY_PROMPTER_ENV);
  const char *first, *second;

  g_task_set_source_tag (task, asd_notify_prompt_async);
  g_task_set_task_data (task, p, (GDestroyNotify) prompt_free);
  p->proxy = g_object_ref (proxy);
  p->ask = asd_notify_prompt_what (proxy);
  if (p->ask == ASD_NOTIFY_ASK_HOST_KEY)
    {
      pair (asd_dbus_tunnel_get_pending_host_key (proxy), &first, &second);
      p->algorithm = g_strdup (first);
      p->subject = g_strdup (second);
    }
  else
    {
      pair (asd_dbus_tunnel_get_needs_secret (proxy), &first, &second);
      p->subject = g_strdup (second);
    }
  if (p->ask == ASD_NOTIFY_ASK_NONE)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                               _("the tunnel waits for no passphrase, password or host key any more"));
      g_object_unref (task);
      return;
    }
  if (prompter != NULL && prompter[0] != '\0')
    gcr_system_prompt_open_for_prompter_async (prompter, PROMPTER_WAIT_S, cancellable, on_opened, task);
  else
    gcr_system_prompt_open_async (PROMPTER_WAIT_S, cancellable, on_opened, task);
}

/**
 * asd_notify_prompt_finish:
 * @result: the result
 * @asked: (out): what was asked
 * @error: %G_IO_ERROR_CANCELLED when the user cancelled, else why it failed
 *
 * Returns: whether the secret is stored and the tunnel started, or the
 *   host key approved
 */
gboolean
asd_notify_prompt_finish (GAsyncResult *result, AsdNotifyAsk *asked, GError **error)
{
  Prompt *p = g_task_get_task_data (G_TASK (result));

  *asked = p->ask;
  return g_task_propagate_boolean (G_TASK (result), error);
}
