/* autosshd-main.c: `autosshd`, the session service, or with --system the
 * system service
 *
 * Options, logging, signals, the bus name; everything else is AsdManager.
 * The objects are built before the name is owned, so a client that
 * enumerates at once never sees an empty service.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <glib/gi18n.h>
#include <glib-unix.h>

#include "asd-manager.h"
#include "asd-names.h"
#include "asd-program.h"
#include "asd-service-mode.h"

#define SHUTDOWN_GRACE_S 8   /* ssh gets SIGKILL after 5 s: this is a safety net */

typedef struct {
  GMainLoop *loop;
  AsdManager *manager;
  gint exit_code;
  gboolean quitting;
  gboolean owned;
} Context;

static gboolean
on_shutdown_timeout (gpointer user_data)
{
  g_warning ("ssh processes still running after %d s; quitting anyway", SHUTDOWN_GRACE_S);
  g_main_loop_quit (((Context *) user_data)->loop);
  return G_SOURCE_REMOVE;
}

static void
quit (Context *ctx)
{
  if (ctx->quitting)
    return;
  ctx->quitting = TRUE;
  g_message ("stopping every tunnel");
  g_timeout_add_seconds (SHUTDOWN_GRACE_S, on_shutdown_timeout, ctx);
  asd_manager_shutdown (ctx->manager);
}

static void
on_shut_down (AsdManager *manager, gpointer user_data)
{
  g_main_loop_quit (((Context *) user_data)->loop);
}

static gboolean
on_signal (gpointer user_data)
{
  quit (user_data);
  return G_SOURCE_REMOVE;
}

static void
on_name_acquired (GDBusConnection *connection, const char *name, gpointer user_data)
{
  Context *ctx = user_data;

  ctx->owned = TRUE;
  g_message ("%s %s owns %s", g_get_prgname (), VERSION, name);
  asd_manager_start_auto (ctx->manager);
}

static void
on_name_lost (GDBusConnection *connection, const char *name, gpointer user_data)
{
  Context *ctx = user_data;

  /* Handing over to a --replace instance is a clean end: exit 0, so that
   * a service manager does not count it as a failure. */
  if (connection != NULL && ctx->owned)
    g_message ("%s was taken over by another instance (--replace)", name);
  else
    {
      if (connection == NULL)
        g_warning ("lost the connection to the bus");
      else
        g_warning ("%s is owned by another instance; use --replace to take over", name);
      ctx->exit_code = EXIT_FAILURE;
    }
  quit (ctx);
}

/* GLib before 2.76 keeps the memory of freed GVariants in GSlice for
 * good: one huge D-Bus call, refused or not, would leave hundreds of MB
 * behind (issue 9, finding 12).  G_SLICE=always-malloc gives it back to
 * malloc, where asd-message-guard trims it; GLib reads G_SLICE before
 * main(), so the service runs itself again with it set. */
#if defined(__SANITIZE_ADDRESS__)
#define ASD_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ASD_ASAN 1
#endif
#endif

static void
use_malloc_for_slices (char **argv)
{
#ifdef ASD_ASAN
  /* ASan's allocator keeps freed memory anyway (its quarantine) */
  return;
#else
  const char *slice = g_getenv ("G_SLICE");
  g_autofree char *value = NULL;

  if (glib_check_version (2, 76, 0) == NULL ||
      (slice != NULL && strstr (slice, "always-malloc") != NULL))
    return;
  value = slice != NULL && *slice != '\0' ? g_strconcat (slice, ",always-malloc", NULL)
                                           : g_strdup ("always-malloc");
  g_setenv ("G_SLICE", value, TRUE);
  execv ("/proc/self/exe", argv);
  /* cannot: go on with GSlice */
#endif
}

int
main (int argc, char **argv)
{
  gboolean replace = FALSE, system = FALSE;
  const GOptionEntry entries[] = {
    { "replace", 'r', 0, G_OPTION_ARG_NONE, &replace, N_("Replace a running instance"), NULL },
    { "system", 0, 0, G_OPTION_ARG_NONE, &system,
      N_("Be the system service, on the system bus (as the unit autosshd.service runs it)"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) options = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) bus = NULL;
  g_autofree char *tunnels_dir = NULL;
  Context ctx = { NULL, NULL, EXIT_SUCCESS, FALSE, FALSE };
  AsdServiceMode mode;
  guint owner_id;

  use_malloc_for_slices (argv);
  asd_program_init ("autosshd", G_LOG_DOMAIN);

  options = g_option_context_new (NULL);
  g_option_context_set_summary (options, _("Keeps SSH tunnels alive for the session, or with --system for the machine, on D-Bus."));
  g_option_context_add_main_entries (options, entries, GETTEXT_PACKAGE);
  bus = asd_program_start (options, &argc, &argv, &system, &ctx.exit_code);
  if (bus == NULL)
    return ctx.exit_code;

  mode = system ? ASD_SERVICE_MODE_SYSTEM : ASD_SERVICE_MODE_SESSION;
  tunnels_dir = asd_tunnels_dir (mode);
  g_message ("tunnels in %s", tunnels_dir);
  ctx.manager = asd_manager_new (mode, tunnels_dir, replace, &error);
  if (ctx.manager == NULL || !asd_manager_export (ctx.manager, bus, &error))
    {
      g_printerr ("%s: %s\n", g_get_prgname (), error->message);
      g_clear_object (&ctx.manager);
      return EXIT_FAILURE;
    }
  ctx.loop = g_main_loop_new (NULL, FALSE);
  g_signal_connect (ctx.manager, "shut-down", G_CALLBACK (on_shut_down), &ctx);

  g_unix_signal_add (SIGTERM, on_signal, &ctx);
  g_unix_signal_add (SIGINT, on_signal, &ctx);
  owner_id = g_bus_own_name_on_connection (bus, ASD_BUS_NAME,
                                           G_BUS_NAME_OWNER_FLAGS_ALLOW_REPLACEMENT |
                                           (replace ? G_BUS_NAME_OWNER_FLAGS_REPLACE : 0),
                                           on_name_acquired, on_name_lost, &ctx, NULL);
  g_main_loop_run (ctx.loop);

  g_bus_unown_name (owner_id);
  g_clear_object (&ctx.manager);
  g_main_loop_unref (ctx.loop);
  return ctx.exit_code;
}
