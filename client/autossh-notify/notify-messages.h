/* notify-messages.h: the words of autossh-notify's notifications
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * AsdNotifyText:
 * @summary: the notification's title
 * @body: its body, plain text ("" when there is none)
 * @prompt_label: (nullable): a static string: a failure notification
 *   offers the action "prompt" with this label (notify-prompt.c)
 *
 * One notification's text, before any markup escaping.
 */
typedef struct {
  char *summary;
  char *body;
  const char *prompt_label;
} AsdNotifyText;

char *asd_notify_format_duration (gint64 duration_us);

void  asd_notify_text_dropped    (AsdNotifyText *text,
                                  const char    *name,
                                  const char    *reason);
void  asd_notify_text_back       (AsdNotifyText *text,
                                  const char    *name,
                                  gint64         downtime_us,
                                  const char    *reason);
void  asd_notify_text_failed     (AsdNotifyText *text,
                                  const char    *name,
                                  const char    *reason,
                                  gboolean       needs_user);
void  asd_notify_text_prompted   (AsdNotifyText *text,
                                  const char    *name,
                                  gboolean       host_key);
void  asd_notify_text_prompt_failed (AsdNotifyText *text,
                                     const char    *name,
                                     const char    *message);
char *asd_notify_tunnel_label    (const char         *name,
                                  const char * const *listeners);
void  asd_notify_text_group_dropped (AsdNotifyText      *text,
                                     const char         *server,
                                     const char * const *labels,
                                     const char         *reason);
void  asd_notify_text_group_back (AsdNotifyText      *text,
                                  const char         *server,
                                  const char * const *labels,
                                  gint64              downtime_us);
gboolean asd_notify_reason_needs_user (const char *code,
                                       GVariant   *details);
char *asd_notify_reason_text     (const char    *code,
                                  GVariant      *details,
                                  const char    *fallback);
void  asd_notify_text_clear      (AsdNotifyText *text);
char *asd_notify_escape_markup   (const char    *text);

G_END_DECLS
