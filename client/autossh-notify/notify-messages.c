/* notify-messages.c: the words of autossh-notify's notifications
 *
 * Every text a notification shows is made here, translated, so the rest of
 * autossh-notify only decides when to show what.  Durations are written
 * the way people read them: "45 s", "2 min 13 s", "1 h 5 min", "2 d 3 h".
 * Reasons are made from the service's StateReasonCode and
 * StateReasonDetails in the notifier's locale (asd-reason.c), and whether
 * a failure needs the user is read from the code, never from words.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "asd-reason.h"
#include "notify-messages.h"

#define MINUTE 60
#define HOUR   (60 * MINUTE)
#define DAY    (24 * HOUR)

/**
 * asd_notify_format_duration:
 * @duration_us: a duration in µs (negative counts as 0)
 *
 * Returns: (transfer full): the duration for people, rounded to seconds
 */
char *
asd_notify_format_duration (gint64 duration_us)
{
  guint64 s = duration_us <= 0 ? 0 : ((guint64) duration_us + G_USEC_PER_SEC / 2) / G_USEC_PER_SEC;

  if (s == 0)
    /* Translators: a duration shorter than one second */
    return g_strdup (_("under 1 s"));
  if (s < MINUTE)
    /* Translators: a duration in seconds, e.g. "45 s" */
    return g_strdup_printf (_("%u s"), (guint) s);
  if (s < HOUR && s % MINUTE == 0)
    /* Translators: a duration in whole minutes, e.g. "2 min" */
    return g_strdup_printf (_("%u min"), (guint) (s / MINUTE));
  if (s < HOUR)
    /* Translators: a duration, e.g. "2 min 13 s" */
    return g_strdup_printf (_("%u min %u s"), (guint) (s / MINUTE), (guint) (s % MINUTE));
  if (s < DAY && s % HOUR < MINUTE)
    /* Translators: a duration in whole hours, e.g. "1 h" */
    return g_strdup_printf (_("%u h"), (guint) (s / HOUR));
  if (s < DAY)
    /* Translators: a duration, e.g. "1 h 5 min" */
    return g_strdup_printf (_("%u h %u min"), (guint) (s / HOUR), (guint) (s % HOUR / MINUTE));
  if (s % DAY < HOUR)
    /* Translators: a duration in whole days, e.g. "2 d" */
    return g_strdup_printf (_("%u d"), (guint) MIN (s / DAY, G_MAXUINT));
  /* Translators: a duration, e.g. "2 d 3 h" */
  return g_strdup_printf (_("%u d %u h"), (guint) MIN (s / DAY, G_MAXUINT), (guint) (s % DAY / HOUR));
}

/**
 * asd_notify_text_dropped:
 * @text: (out caller-allocates): the text
 * @name: the tunnel's name
 * @reason: why it dropped, from the service
 *
 * "web dropped — reconnecting", with the reason as the body.
 */
void
asd_notify_text_dropped (AsdNotifyText *text, const char *name, const char *reason)
{
  /* Translators: %s is a tunnel's name; the service is reconnecting it */
  text->summary = g_strdup_printf (_("%s dropped — reconnecting"), name);
  text->body = g_strdup (reason != NULL ? reason : "");
}

/**
 * asd_notify_text_back:
 * @text: (out caller-allocates): the text
 * @name: the tunnel's name
 * @downtime_us: how long it was down, in µs, or -1 when unknown
 * @reason: the service's StateReason ("connected to HOST"), or %NULL
 *
 * "web is back (down 2 min 13 s)".
 */
void
asd_notify_text_back (AsdNotifyText *text, const char *name, gint64 downtime_us,
                      const char *reason)
{
  if (downtime_us >= 0)
    {
      g_autofree char *duration = asd_notify_format_duration (downtime_us);

      /* Translators: %s is a tunnel's name, then how long it was down,
       * e.g. "web is back (down 2 min 13 s)" */
      text->summary = g_strdup_printf (_("%s is back (down %s)"), name, duration);
    }
  else
    /* Translators: %s is a tunnel's name */
    text->summary = g_strdup_printf (_("%s is back"), name);
  text->body = g_strdup (reason != NULL ? reason : "");
}

/**
 * asd_notify_text_failed:
 * @text: (out caller-allocates): the text
 * @name: the tunnel's name
 * @reason: why, which for a reason that needs the user says what to do
 * @needs_user: whether the reason is one only the user can fix
 *   (asd_notify_reason_needs_user()); else the body adds how to start the
 *   tunnel again
 *
 * "web failed", with what is needed as the body.
 */
void
asd_notify_text_failed (AsdNotifyText *text, const char *name, const char *reason,
                        gboolean needs_user)
{
  /* Translators: %s is a tunnel's name; it stopped trying and needs the user */
  text->summary = g_strdup_printf (_("%s failed"), name);
  if (needs_user)
    text->body = g_strdup (reason != NULL ? reason : "");
  else
    /* Translators: the body of "web failed": the reason, then the
     * command that starts the tunnel again (%2$s is its name) */
    text->body = g_strdup_printf (_("%1$s\nStart it again with: autosshctl start %2$s"),
                                  reason != NULL ? reason : "", name);
}

/**
 * asd_notify_text_prompted:
 * @text: (out caller-allocates): filled, for asd_notify_text_clear()
 * @name: the tunnel's name
 * @host_key: a host key was approved (else a secret stored)
 *
 * What the notification says once the prompt gave what the tunnel needed.
 */
void
asd_notify_text_prompted (AsdNotifyText *text, const char *name, gboolean host_key)
{
  if (host_key)
    /* Translators: %s is a tunnel's name */
    text->summary = g_strdup_printf (_("%s: host key trusted"), name);
  else
    /* Translators: %s is a tunnel's name */
    text->summary = g_strdup_printf (_("%s: secret stored in the keyring"), name);
  text->body = g_strdup (_("Connecting…"));
}

/**
 * asd_notify_text_prompt_failed:
 * @text: (out caller-allocates): filled, for asd_notify_text_clear()
 * @name: the tunnel's name
 * @message: why the prompt could not give it
 */
void
asd_notify_text_prompt_failed (AsdNotifyText *text, const char *name, const char *message)
{
  /* Translators: %s is a tunnel's name */
  text->summary = g_strdup_printf (_("%s failed"), name);
  text->body = g_strdup (message);
}

/**
 * asd_notify_tunnel_label:
 * @name: a tunnel's name
 * @listeners: (array zero-terminated=1): where its local forwards listen
 *   (asd_tunnel_forward_listener()), maybe none
 *
 * Returns: (transfer full): "web (8080, 8443)", or "web" without local
 *   forwards
 */
char *
asd_notify_tunnel_label (const char *name, const char * const *listeners)
{
  g_autofree char *list = NULL;

  if (listeners == NULL || listeners[0] == NULL)
    return g_strdup (name);
  list = g_strjoinv (", ", (char **) listeners);
  /* Translators: a tunnel's name and the local ports it listens on,
   * e.g. "web (8080, 8443)" */
  return g_strdup_printf (_("%s (%s)"), name, list);
}

/**
 * asd_notify_text_group_dropped:
 * @text: (out caller-allocates): the text
 * @server: the server as the tunnels' settings write it ("user@host" or
 *   an alias)
 * @labels: (array zero-terminated=1): the tunnels that are down
 *   (asd_notify_tunnel_label())
 * @reason: (nullable): why, when it is the same for all of them
 *
 * "3 tunnels to myserver dropped — reconnecting", the tunnels and their
 * local ports as the body, then the reason.
 */
void
asd_notify_text_group_dropped (AsdNotifyText *text, const char *server,
                               const char * const *labels, const char *reason)
{
  guint n = g_strv_length ((char **) labels);
  g_autofree char *list = g_strjoinv (", ", (char **) labels);

  /* Translators: %u tunnels to one server (%s, as the user wrote it)
   * dropped at about the same time; the service is reconnecting them */
  text->summary = g_strdup_printf (ngettext ("%u tunnel to %s dropped — reconnecting",
                                             "%u tunnels to %s dropped — reconnecting", n),
                                   n, server);
  if (reason != NULL && reason[0] != '\0')
    text->body = g_strdup_printf ("%s\n%s", list, reason);
  else
    text->body = g_steal_pointer (&list);
}

/**
 * asd_notify_text_group_back:
 * @text: (out caller-allocates): the text
 * @server: the server as the tunnels' settings write it
 * @labels: (array zero-terminated=1): the tunnels that are back
 * @downtime_us: how long the server's outage lasted, in µs
 *
 * "3 tunnels to myserver are back (down 2 min 13 s)", the tunnels and
 * their local ports as the body.
 */
void
asd_notify_text_group_back (AsdNotifyText *text, const char *server,
                            const char * const *labels, gint64 downtime_us)
{
  guint n = g_strv_length ((char **) labels);
  g_autofree char *duration = asd_notify_format_duration (downtime_us);

  /* Translators: %u tunnels to one server (%s) are connected again after
   * an outage, then how long it lasted, e.g. "3 tunnels to myserver are
   * back (down 2 min 13 s)" */
  text->summary = g_strdup_printf (ngettext ("%u tunnel to %s is back (down %s)",
                                             "%u tunnels to %s are back (down %s)", n),
                                   n, server, duration);
  text->body = g_strjoinv (", ", (char **) labels);
}

/**
 * asd_notify_reason_needs_user:
 * @code: (nullable): a StateReasonCode
 * @details: (nullable): its StateReasonDetails, an a{sv}
 *
 * Whether the reason is one that only the user can fix (a key, a secret,
 * a host key, a file, ssh's configuration, a question): waiting does not
 * help.  Decided from the code, never from the words; a reason whose
 * "retry" detail is "backoff" (ssh could not be run for want of file
 * descriptors or memory) is the service's to retry, not the user's.
 *
 * Returns: %TRUE for those codes; %FALSE for any other, unknown or empty
 */
gboolean
asd_notify_reason_needs_user (const char *code, GVariant *details)
{
  static const char * const codes[] = {
    "auth-denied", "secret-missing", "secret-rejected", "host-key-unknown",
    "host-key-changed", "config-broken", "ssh-config-rejected", "ssh-spawn-failed",
    "question-unanswered", NULL
  };
  const char *retry = NULL;

  if (details != NULL && g_variant_is_of_type (details, G_VARIANT_TYPE_VARDICT))
    g_variant_lookup (details, ASD_DETAIL_RETRY, "&s", &retry);
  return code != NULL && g_strv_contains (codes, code) && g_strcmp0 (retry, "backoff") != 0;
}

/**
 * asd_notify_reason_text:
 * @code: (nullable): a StateReasonCode; "" or %NULL from a service
 *   without reason codes
 * @details: (nullable): its StateReasonDetails, an a{sv}
 * @fallback: (nullable): the service's words (a signal's reason, or
 *   StateReason), for when there is no code
 *
 * Returns: (transfer full): the reason in the notifier's locale
 */
char *
asd_notify_reason_text (const char *code, GVariant *details, const char *fallback)
{
  if (code == NULL || code[0] == '\0')
    return g_strdup (fallback != NULL ? fallback : "");
  if (details != NULL && !g_variant_is_of_type (details, G_VARIANT_TYPE_VARDICT))
    details = NULL;
  return asd_reason_describe_code (code, details);
}

void
asd_notify_text_clear (AsdNotifyText *text)
{
  g_clear_pointer (&text->summary, g_free);
  g_clear_pointer (&text->body, g_free);
}

/**
 * asd_notify_escape_markup:
 * @text: plain text
 *
 * For servers with "body-markup": only &, < and > are escaped, not with
 * g_markup_escape_text(), whose &apos; and &quot; some servers show as
 * they are.
 *
 * Returns: (transfer full): @text as markup
 */
char *
asd_notify_escape_markup (const char *text)
{
  GString *out = g_string_sized_new (strlen (text) + 16);

  for (const char *p = text; *p != '\0'; p++)
    switch (*p)
      {
      case '&': g_string_append (out, "&amp;"); break;
      case '<': g_string_append (out, "&lt;"); break;
      case '>': g_string_append (out, "&gt;"); break;
      default: g_string_append_c (out, *p); break;
      }
  return g_string_free (out, FALSE);
}
