/* autossh-notify.c: `autossh-notify`, autosshd's desktop notifier
 *
 * Options, logging, signals, the settings file; following the service is
 * AsdNotifyTracker's job.  Started at login by the XDG autostart file
 * autossh-notify.desktop; it starts the service (D-Bus activation) only
 * when a tunnel would start by itself (notify-activation.c).
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <glib/gi18n.h>
#include <glib-unix.h>
#include <libnotify/notify.h>

#include "asd-names.h"
#include "asd-program.h"
#include "asd-service-mode.h"
#include "notify-activation.h"
#include "notify-config.h"
#include "notify-tracker.h"

typedef struct {
  GMainLoop *loop;
  AsdNotifyTracker *tracker;
  AsdNotifyTracker *system_tracker;     /* the system service's tunnels */
  char *config_path;
} Context;

static gboolean
on_quit_signal (gpointer user_data)
{
  g_main_loop_quit (((Context *) user_data)->loop);
  return G_SOURCE_CONTINUE;
}

/* NULL (after a warning) when the file cannot be used. */
static AsdNotifyConfig *
load_config (const char *path)
{
  g_autoptr(GError) error = NULL;
  AsdNotifyConfig *config = asd_notify_config_load (path, &error);

  if (config == NULL)
    g_warning ("%s", error->message);
  else
    g_debug ("%s: threshold %u s, %u muted tunnel(s)", path, config->threshold_s,
             g_strv_length (config->mute));
  return config;
}

static gboolean
on_hangup (gpointer user_data)
{
  Context *ctx = user_data;
  g_autoptr(AsdNotifyConfig) config = load_config (ctx->config_path);

  if (config != NULL)
    {
      g_message ("read %s again", ctx->config_path);
      asd_notify_tracker_set_config (ctx->tracker, config);
      if (ctx->system_tracker != NULL)
        asd_notify_tracker_set_config (ctx->system_tracker, config);
    }
  else
    g_message ("keeping the previous settings");
  return G_SOURCE_CONTINUE;
}

/* Tunnels with AutoStart come up at login with only the autostart file. */
static void
start_service_if_wanted (GDBusConnection *bus)
{
  g_autofree char *dir = asd_tunnels_dir (ASD_SERVICE_MODE_SESSION);

  if (asd_notify_activation_wanted (dir))
    asd_notify_activation_start (bus);
  else
    g_debug ("no tunnel in %s starts by itself: not starting the service", dir);
}

/* The system service's tunnels too, when there is a system bus. */
static AsdNotifyTracker *
follow_system_service (GDBusConnection *session, const AsdNotifyConfig *config)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) system = g_bus_get_sync (G_BUS_TYPE_SYSTEM, NULL, &error);

  if (system == NULL)
    {
      g_message ("no system bus (%s): following the session's tunnels only", error->message);
      return NULL;
    }
  return asd_notify_tracker_new_system (session, system, config);
}

static char *
describe_config (const char *path)
{
  /* Translators: the end of --help; %s is the settings file's path */
  return g_strdup_printf (_("Settings, read at start and on SIGHUP, in %s:\n"
                            "  [Notify]\n"
                            "  Mute=web;db;   tunnels whose drops and failures are never shown\n"
                            "  MuteServer=me@lab;  servers (as the tunnels write them)\n"
                            "                 whose tunnels are never shown\n"
                            "  Threshold=5    seconds a drop may last before it is shown\n"
                            "                 (a drop that heals sooner is never shown)"), path);
}

int
main (int argc, char **argv)
{
  g_autoptr(GOptionContext) options = NULL;
  g_autoptr(GDBusConnection) bus = NULL;
  g_autoptr(AsdNotifyConfig) config = NULL;
  g_autofree char *description = NULL;
  Context ctx = { NULL, NULL, NULL, NULL };
  int exit_code;

  asd_program_init ("autossh-notify", G_LOG_DOMAIN);

  ctx.config_path = asd_notify_config_path ();
  description = describe_config (ctx.config_path);
  options = g_option_context_new (NULL);
  g_option_context_set_summary (options, _("Shows a notification when an autosshd tunnel "
                                           "drops, comes back or needs you."));
  g_option_context_set_description (options, description);
  bus = asd_program_start_session (options, &argc, &argv, &exit_code);
  if (bus == NULL)
    return exit_code;
  if (!notify_init ("autosshd"))
    {
      g_printerr ("%s: %s\n", g_get_prgname (), _("cannot initialise libnotify"));
      return EXIT_FAILURE;
    }

  config = load_config (ctx.config_path);
  if (config == NULL)
    config = asd_notify_config_new_default ();
  ctx.loop = g_main_loop_new (NULL, FALSE);
  start_service_if_wanted (bus);
  ctx.tracker = asd_notify_tracker_new (bus, config);
  ctx.system_tracker = follow_system_service (bus, config);
  g_unix_signal_add (SIGTERM, on_quit_signal, &ctx);
  g_unix_signal_add (SIGINT, on_quit_signal, &ctx);
  g_unix_signal_add (SIGHUP, on_hangup, &ctx);
  g_message ("%s %s started", g_get_prgname (), VERSION);
  g_main_loop_run (ctx.loop);

  g_clear_object (&ctx.tracker);
  g_clear_object (&ctx.system_tracker);
  g_main_loop_unref (ctx.loop);
  g_free (ctx.config_path);
  notify_uninit ();
  return EXIT_SUCCESS;
}
