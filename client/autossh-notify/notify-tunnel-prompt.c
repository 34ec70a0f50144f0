/* notify-tunnel-prompt.c: a tunnel notification's "prompt" action
 *
 * "Enter passphrase…", "Enter password…" or "Trust host key…" on a
 * failure opens the system prompt (notify-prompt.c), one at a time per
 * tunnel.  Its outcome replaces the failure: "web: secret stored in the
 * keyring — Connecting…" (then "web is back" when it connects), or why it
 * could not be done; after Cancel the failure is shown again as it was.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include "notify-prompt.h"
#include "notify-tunnel-private.h"

static void
on_prompted (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GCancellable) prompting = user_data;
  AsdNotifyTunnel *self;
  g_autoptr(GError) error = NULL;
  AsdNotifyText text = { NULL, };
  AsdNotifyAsk asked = ASD_NOTIFY_ASK_NONE;
  gboolean ok = asd_notify_prompt_finish (result, &asked, &error);

  if (g_cancellable_is_cancelled (prompting))
    return;   /* the tunnel is gone */
  self = g_object_get_data (G_OBJECT (prompting), "tunnel");
  g_clear_object (&self->prompting);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      tunnel_log (self, G_LOG_LEVEL_MESSAGE, "%s: prompt: cancelled", self->name);
      asd_notify_tunnel_show_failure_again (self);
      return;
    }
  tunnel_log (self, ok ? G_LOG_LEVEL_MESSAGE : G_LOG_LEVEL_WARNING, "%s: prompt: %s",
              self->name, ok ? "done" : error->message);
  g_clear_pointer (&self->failed_reason, g_free);
  if (ok)
    asd_notify_text_prompted (&text, self->name, asked == ASD_NOTIFY_ASK_HOST_KEY);
  else
    {
      asd_notify_text_prompt_failed (&text, self->name, error->message);
      text.prompt_label = asd_notify_prompt_action_label (asd_notify_prompt_what (self->proxy));
    }
  asd_notify_tunnel_show (self, ok ? ASD_NOTIFY_KIND_DROPPED : ASD_NOTIFY_KIND_FAILED, &text);
  asd_notify_text_clear (&text);
}

/**
 * asd_notify_tunnel_prompt:
 * @self: the tunnel
 *
 * Opens the prompt for what the tunnel waits for, unless one is open.
 */
void
asd_notify_tunnel_prompt (AsdNotifyTunnel *self)
{
  if (self->prompting != NULL)
    return;
  self->prompting = g_cancellable_new ();
  g_object_set_data (G_OBJECT (self->prompting), "tunnel", self);
  asd_notify_prompt_async (self->proxy, self->prompting, on_prompted,
                           g_object_ref (self->prompting));
}

/**
 * asd_notify_tunnel_prompt_stop:
 * @self: the tunnel, going away
 *
 * Closes its prompt; the prompt's callback sees the cancellation and
 * touches nothing.
 */
void
asd_notify_tunnel_prompt_stop (AsdNotifyTunnel *self)
{
  if (self->prompting == NULL)
    return;
  g_cancellable_cancel (self->prompting);
  g_clear_object (&self->prompting);
}
