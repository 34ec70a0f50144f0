/* asd-tunnel-askpass.c: what a tunnel answers when ssh asks
 *
 * ssh asks through the askpass helper (asd-askpass-server) for a key's
 * passphrase, a password, or whether to trust an unknown host key.  A
 * key's passphrase comes from the systemd credential the tunnel names
 * (PassphraseCredential, asd-credential), else from the keyring
 * (asd-secrets), which the system service does not have; a host key is trusted only
 * when ssh shows exactly the fingerprint the user approved.  What happened
 * is remembered for the run, so that a failed run gets a reason that says
 * what to do (store a passphrase, unlock the keyring, approve a key), and
 * whose details name exactly the key file, user@host or host key (the
 * tunnel's NeedsSecret and PendingHostKey, asd-tunnel-questions.c).
 * Prompt text is hostile input (a server or a config chooses names): a key
 * path must be a bounded, valid UTF-8, absolute path without control
 * characters, a user and host bounded valid UTF-8 without them; any other
 * such prompt is refused and nothing is recorded.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "asd-credential.h"
#include "asd-fingerprint.h"
#include "asd-secrets.h"
#include "asd-ssh-config.h"
#include "asd-tunnel-askpass.h"

/* Bounds of what a prompt may name (ssh's PATH_MAX; user and host as
 * the settings bound them). */
#define MAX_PATH_BYTES 4096
#define MAX_USER_BYTES 64
#define MAX_HOST_BYTES 255

/* What a run's questions came to; a later note replaces an earlier one
 * only if it says more (a larger value). */
typedef enum {
  NOTE_NONE,
  NOTE_SECRET_MISSING,
  NOTE_SECRET_GIVEN,       /* a secret was handed to ssh */
  NOTE_SECRET_REJECTED,    /* ssh asked again after getting it: wrong */
  NOTE_KEYRING_LOCKED,
  NOTE_KEYRING_FAILED,
  NOTE_HOST_KEY_UNKNOWN,
  NOTE_UNANSWERABLE,
  /* no keyring, no credential (or an unreadable one): the cause, even
   * when ssh then asks for a password it cannot have either */
  NOTE_CREDENTIAL_MISSING,
} Note;

struct _AsdTunnelAskpass
{
  char *name;
  char *trusted_host_key;
  char *credential;        /* PassphraseCredential, or NULL */
  gboolean keyring;        /* secrets may come from the Secret Service */
  Note note;
  GVariant *details;       /* what the note is about (an a{sv} of reason details) */
  GCancellable *cancellable;
};

/* @details: an a{sv}, sunk if floating */
static void
note (AsdTunnelAskpass *self, Note what, GVariant *details)
{
  g_autoptr(GVariant) owned = g_variant_ref_sink (details);

  /* The first trouble of a run is its cause: after a key's passphrase was
   * missing or given, the password ssh asks for next is not the story. */
  if (self->note != NOTE_NONE && what <= self->note)
    return;
  self->note = what;
  g_clear_pointer (&self->details, g_variant_unref);
  self->details = g_steal_pointer (&owned);
}

/* The details that name a secret: the key file, or user and host. */
static GVariant *
secret_details (const AsdSecretRef *ref, const char *message)
{
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);

  if (ref->identity_file != NULL)
    g_variant_dict_insert (&dict, ASD_DETAIL_IDENTITY_FILE, "s", ref->identity_file);
  if (ref->user != NULL)
    g_variant_dict_insert (&dict, ASD_DETAIL_USER, "s", ref->user);
  if (ref->host != NULL)
    g_variant_dict_insert (&dict, ASD_DETAIL_HOST, "s", ref->host);
  if (message != NULL)
    g_variant_dict_insert (&dict, ASD_DETAIL_MESSAGE, "s", message);
  return g_variant_dict_end (&dict);
}

/**
 * asd_tunnel_askpass_new:
 * @tunnel_name: the tunnel's name
 * @trusted_host_key: (nullable): the fingerprint the user approved
 * @credential: (nullable): the credential with the key's passphrase
 * @keyring: whether secrets may come from the Secret Service (the session
 *   service; the system service has none)
 *
 * Returns: (transfer full): the answers of one run of ssh
 */
AsdTunnelAskpass *
asd_tunnel_askpass_new (const char *tunnel_name, const char *trusted_host_key,
                        const char *credential, gboolean keyring)
{
  AsdTunnelAskpass *self = g_new0 (AsdTunnelAskpass, 1);

  self->name = g_strdup (tunnel_name);
  self->trusted_host_key = g_strdup (trusted_host_key);
  self->credential = g_strdup (credential);
  self->keyring = keyring;
  self->cancellable = g_cancellable_new ();
  return self;
}

void
asd_tunnel_askpass_free (AsdTunnelAskpass *self)
{
  if (self == NULL)
    return;
  g_cancellable_cancel (self->cancellable);
  g_object_unref (self->cancellable);
  g_free (self->name);
  g_free (self->trusted_host_key);
  g_free (self->credential);
  g_clear_pointer (&self->details, g_variant_unref);
  g_free (self);
}

typedef struct {
  AsdTunnelAskpass *self;        /* not to be touched once cancelled */
  AsdAskpassRequest *request;
  char *identity_file;           /* the secret's AsdSecretRef, owned */
  char *user;
  char *host;
} Lookup;

/* Answers ssh with @secret (freed), noting that it was given unless the
 * tunnel is going away. */
static void
give (Lookup *lookup, GAsyncResult *result, const AsdSecretRef *ref, char *secret)
{
  if (!g_cancellable_is_cancelled (g_task_get_cancellable (G_TASK (result))))
    note (lookup->self, NOTE_SECRET_GIVEN, secret_details (ref, NULL));
  asd_askpass_request_answer (lookup->request, secret);
  asd_secret_free (secret);
}

static void
lookup_free (Lookup *lookup)
{
  g_free (lookup->identity_file);
  g_free (lookup->user);
  g_free (lookup->host);
  g_free (lookup);
}

static void
on_secret (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Lookup *lookup = user_data;
  g_autoptr(GError) error = NULL;
  char *secret = asd_secret_lookup_finish (result, &error);
  AsdSecretRef ref = { ASD_SECRET_PASSPHRASE, lookup->identity_file, lookup->user, lookup->host };
  gboolean missing = g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  gboolean locked = g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);

  if (secret != NULL)
    give (lookup, result, &ref, secret);
  else
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        note (lookup->self,
              missing ? NOTE_SECRET_MISSING : locked ? NOTE_KEYRING_LOCKED : NOTE_KEYRING_FAILED,
              secret_details (&ref, missing || locked ? NULL : error->message));
      asd_askpass_request_refuse (lookup->request, error->message);
    }
  lookup_free (lookup);
}

static void
look_up (AsdTunnelAskpass *self, AsdAskpassRequest *request, const AsdSecretRef *ref)
{
  Lookup *lookup = g_new0 (Lookup, 1);

  lookup->self = self;
  lookup->request = request;
  lookup->identity_file = g_strdup (ref->identity_file);
  lookup->user = g_strdup (ref->user);
  lookup->host = g_strdup (ref->host);
  asd_secret_lookup_async (ref, self->cancellable, on_secret, lookup);
}

/* Prompt text is ssh's, but a server or a config can put anything in a
 * host or user name: what is recorded is bounded valid UTF-8 without
 * control characters, or nothing. */
static gboolean
is_clean (const char *text, gsize max)
{
  if (strlen (text) > max || !g_utf8_validate (text, -1, NULL))
    return FALSE;
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    if (g_unichar_iscntrl (g_utf8_get_char (p)))
      return FALSE;
  return TRUE;
}

static void
on_credential (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Lookup *lookup = user_data;
  g_autoptr(GError) error = NULL;
  char *secret = asd_credential_read_finish (result, &error);
  AsdSecretRef ref = { ASD_SECRET_PASSPHRASE, lookup->identity_file, NULL, NULL };

  if (secret != NULL)
    give (lookup, result, &ref, secret);
  else
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_autoptr(GVariant) base = g_variant_ref_sink (secret_details (&ref, error->message));
          g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (base);

          g_variant_dict_insert (&dict, ASD_DETAIL_CREDENTIAL, "s", lookup->self->credential);
          note (lookup->self, NOTE_CREDENTIAL_MISSING, g_variant_dict_end (&dict));
        }
      asd_askpass_request_refuse (lookup->request, error->message);
    }
  lookup_free (lookup);
}

/* A key's passphrase: from the credential, the keyring, or nowhere. */
static void
answer_passphrase (AsdTunnelAskpass *self, AsdAskpassRequest *request, const AsdSecretRef *ref)
{
  Lookup *lookup;

  if (self->credential == NULL && self->keyring)
    {
      look_up (self, request, ref);
      return;
    }
  if (self->credential == NULL)
    {
      note (self, NOTE_CREDENTIAL_MISSING, secret_details (ref, NULL));
      asd_askpass_request_refuse (request, "no PassphraseCredential");
      return;
    }
  lookup = g_new0 (Lookup, 1);
  lookup->self = self;
  lookup->request = request;
  lookup->identity_file = g_strdup (ref->identity_file);
  asd_credential_read_async (self->credential, self->cancellable, on_credential, lookup);
}

/* The keyring attribute of the key ssh names in its prompt: the same
 * rule as `autosshctl passphrase` (asd_ssh_expand_path()); %NULL unless it
 * is a clean absolute path (ssh names a key by the absolute path the
 * service gave it, or that it expanded from its configuration). */
static char *
key_path (const char *shown)
{
  g_autofree char *path = NULL;

  if (!is_clean (shown, MAX_PATH_BYTES) || !g_path_is_absolute (shown))
    return NULL;
  path = asd_ssh_expand_path (shown, NULL);
  if (path == NULL || !g_path_is_absolute (path) || !is_clean (path, MAX_PATH_BYTES))
    return NULL;
  return g_steal_pointer (&path);
}

/* Refused, and nothing recorded: the prompt cannot be trusted to say what
 * it is about. */
static void
refuse_unclean (AsdTunnelAskpass *self, AsdAskpassRequest *request)
{
  g_warning ("%s: ssh asked about a key or login whose name is not a clean path or user@host; not answered",
             self->name);
  asd_askpass_request_refuse (request, "autosshd does not answer for this name");
}

/* The fingerprint and, when ssh names it, the key's algorithm. */
static GVariant *
host_key_details (const char *prompt, const char *fingerprint)
{
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);
  g_autofree char *algorithm = asd_fingerprint_find_algorithm (prompt);

  if (fingerprint != NULL)
    {
      g_variant_dict_insert (&dict, ASD_DETAIL_FINGERPRINT, "s", fingerprint);
      if (algorithm != NULL)
        g_variant_dict_insert (&dict, ASD_DETAIL_ALGORITHM, "s", algorithm);
    }
  return g_variant_dict_end (&dict);
}

static void
answer_host_key (AsdTunnelAskpass *self, AsdAskpassRequest *request, const char *prompt)
{
  g_autofree char *fingerprint = asd_fingerprint_find (prompt);

  if (fingerprint != NULL && g_strcmp0 (fingerprint, self->trusted_host_key) == 0)
    {
      g_message ("%s: accepting the host key %s approved for this tunnel", self->name, fingerprint);
      asd_askpass_request_answer (request, "yes");
      return;
    }
  note (self, NOTE_HOST_KEY_UNKNOWN, host_key_details (prompt, fingerprint));
  asd_askpass_request_answer (request, "no");
}

/**
 * asd_tunnel_askpass_answer:
 * @self: the tunnel's askpass state
 * @request: the question, to answer once
 * @prompt: ssh's prompt (argv[1] of the helper)
 */
void
asd_tunnel_askpass_answer (AsdTunnelAskpass *self, AsdAskpassRequest *request, const char *prompt)
{
  g_auto(GStrv) parts = NULL;
  g_autofree char *shown = NULL;

  if (request == NULL)
    {
      /* Asked again: what we gave was wrong (the server refused it). */
      if (self->note == NOTE_SECRET_GIVEN)
        note (self, NOTE_SECRET_REJECTED, self->details);
      return;
    }
  if (strstr (prompt, "Are you sure you want to continue connecting") != NULL)
    {
      answer_host_key (self, request, prompt);
      return;
    }
  if (g_str_has_prefix (prompt, "Enter passphrase for key '") && strrchr (prompt, '\'') > prompt + 26)
    {
      g_autofree char *quoted = g_strndup (prompt + 26, strrchr (prompt, '\'') - (prompt + 26));
      g_autofree char *path = key_path (quoted);
      AsdSecretRef ref = { ASD_SECRET_PASSPHRASE, path, NULL, NULL };

      if (path == NULL)
        refuse_unclean (self, request);
      else
        answer_passphrase (self, request, &ref);
      return;
    }
  parts = g_regex_split_simple ("^\\(?([^@ ]+)@([^' )]+)(?:'s password: |\\) Password: )$", prompt, 0, 0);
  if (g_strv_length (parts) >= 3 && self->keyring)
    {
      AsdSecretRef ref = { ASD_SECRET_PASSWORD, NULL, parts[1], parts[2] };

      if (!is_clean (parts[1], MAX_USER_BYTES) || !is_clean (parts[2], MAX_HOST_BYTES))
        refuse_unclean (self, request);
      else
        look_up (self, request, &ref);
      return;
    }
  shown = g_utf8_make_valid (prompt, MIN (strlen (prompt), MAX_PATH_BYTES));
  note (self, NOTE_UNANSWERABLE, g_variant_new_parsed ("{%s: <%s>}", ASD_DETAIL_SSH_LINE, shown));
  asd_askpass_request_refuse (request, "autosshd cannot answer this question");
}

/**
 * asd_tunnel_askpass_outcome:
 * @self: the tunnel's askpass state
 * @failure: how the run failed, from ssh's messages
 * @retry: (out): what to do next, when a reason is returned
 *
 * Returns: (transfer full) (nullable): the run's reason if askpass explains
 *   it, else %NULL
 */
AsdReason *
asd_tunnel_askpass_outcome (AsdTunnelAskpass *self, AsdSshFailure failure,
                            AsdRetry *retry)
{
  static const AsdReasonCode codes[] = {
    [NOTE_SECRET_MISSING] = ASD_REASON_SECRET_MISSING,
    [NOTE_CREDENTIAL_MISSING] = ASD_REASON_CREDENTIAL_MISSING,
    [NOTE_SECRET_GIVEN] = ASD_REASON_SECRET_REJECTED,
    [NOTE_SECRET_REJECTED] = ASD_REASON_SECRET_REJECTED,
    [NOTE_KEYRING_LOCKED] = ASD_REASON_KEYRING_LOCKED,
    [NOTE_KEYRING_FAILED] = ASD_REASON_KEYRING_UNAVAILABLE,
    [NOTE_HOST_KEY_UNKNOWN] = ASD_REASON_HOST_KEY_UNKNOWN,
    [NOTE_UNANSWERABLE] = ASD_REASON_QUESTION_UNANSWERED,
  };
  g_autoptr(AsdReason) reason = NULL;

  /* A secret that was given explains only a refused login. */
  if (self->note == NOTE_NONE || (self->note == NOTE_SECRET_GIVEN && failure != ASD_SSH_FAILURE_AUTH))
    return NULL;
  *retry = self->note == NOTE_KEYRING_LOCKED || self->note == NOTE_KEYRING_FAILED
    ? ASD_RETRY_WHEN_UNLOCKED     /* until the keyring opens, or answers */
    : ASD_RETRY_NEVER;
  reason = asd_reason_new_with_details (codes[self->note], self->details);
  return asd_reason_with (reason, ASD_DETAIL_TUNNEL, g_variant_new_string (self->name));
}
