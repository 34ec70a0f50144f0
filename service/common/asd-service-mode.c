/* asd-service-mode.c: the bus and the directories of each mode
 *
 * The session service keeps its files under the XDG directories; the
 * system service under the directories systemd made for its unit
 * (ConfigurationDirectory=, RuntimeDirectory=: $CONFIGURATION_DIRECTORY,
 * $RUNTIME_DIRECTORY) and, started without them, under the installed
 * sysconfdir and /run.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include "asd-service-mode.h"

/**
 * asd_service_mode_bus_type:
 * @mode: the mode
 *
 * Returns: the bus the service of @mode is on
 */
GBusType
asd_service_mode_bus_type (AsdServiceMode mode)
{
  return mode == ASD_SERVICE_MODE_SYSTEM ? G_BUS_TYPE_SYSTEM : G_BUS_TYPE_SESSION;
}

/* systemd's directory variable may list several directories (separated
 * by ':'); ours is the first. */
static char *
systemd_dir (const char *variable, const char *fallback)
{
  const char *value = g_getenv (variable);
  g_auto(GStrv) dirs = NULL;

  if (value == NULL || value[0] == '\0')
    return g_strdup (fallback);
  dirs = g_strsplit (value, ":", 2);
  return g_strdup (dirs[0]);
}

/**
 * asd_tunnels_dir:
 * @mode: the mode
 *
 * Where the service keeps the tunnels' files: the one place that says it
 * for autosshd, autosshctl edit and the notifier's activation check.
 *
 * Returns: (transfer full): $XDG_CONFIG_HOME/autosshd/tunnels, or for the
 *   system service $CONFIGURATION_DIRECTORY/tunnels (default
 *   SYSCONFDIR/autosshd/tunnels)
 */
char *
asd_tunnels_dir (AsdServiceMode mode)
{
  g_autofree char *config = NULL;

  if (mode == ASD_SERVICE_MODE_SESSION)
    return g_build_filename (g_get_user_config_dir (), "autosshd", "tunnels", NULL);
  config = systemd_dir ("CONFIGURATION_DIRECTORY", SYSCONFDIR "/autosshd");
  return g_build_filename (config, "tunnels", NULL);
}

/**
 * asd_runtime_dir:
 * @mode: the mode
 *
 * Where the service keeps what lives as long as it runs (the askpass
 * socket): only the service's user may enter it.
 *
 * Returns: (transfer full): $XDG_RUNTIME_DIR/autosshd, or for the system
 *   service $RUNTIME_DIRECTORY (default RUNSTATEDIR/autosshd)
 */
char *
asd_runtime_dir (AsdServiceMode mode)
{
  if (mode == ASD_SERVICE_MODE_SESSION)
    return g_build_filename (g_get_user_runtime_dir (), "autosshd", NULL);
  return systemd_dir ("RUNTIME_DIRECTORY", RUNSTATEDIR "/autosshd");
}
