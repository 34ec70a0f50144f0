/* ctl-forwards.c: the forwards a tunnel gets from ssh's configuration
 *
 * A tunnel without forwards of its own may still have some: a
 * LocalForward, RemoteForward or DynamicForward for its host in
 * ~/.ssh/config (or /etc/ssh/ssh_config, or an -o of its SshOptions).
 * Only ssh knows which apply, so `list` and `status` ask `ssh -G` with
 * the tunnel's own ssh command (made from its settings, without the
 * monitor's forwards) and show what it prints, marked as ssh's.  ssh runs
 * as this client's user, the service's: the same ~/.ssh/config.
 *
 * ssh is asked only when it may name some: for a tunnel without forwards
 * of its own, and when ssh's configuration files (with their Includes)
 * or the tunnel's SshOptions have a forward at all; without any, `list`
 * runs no ssh.  The tunnels are asked all at once, each bounded in time
 * and output (asd_ssh_config_query_async()).
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include "asd-ssh-config.h"
#include "ctl.h"

static GQuark
ssh_config_forwards_quark (void)
{
  return g_quark_from_static_string ("ctl-ssh-config-forwards");
}

typedef struct {
  guint *pending;
  AsdDbusTunnel *tunnel;
} Query;

/* The ssh command whose `ssh -G` tells the forwards from ssh's
 * configuration; %NULL when the tunnel has forwards of its own, no
 * usable settings, or when neither @files_may_forward nor its SshOptions
 * may add one. */
static char **
query_argv (AsdDbusTunnel *tunnel, gboolean files_may_forward)
{
  const char * const *forwards = asd_dbus_tunnel_get_forwards (tunnel);
  const char * const *command = asd_dbus_tunnel_get_command (tunnel);
  g_autoptr(AsdTunnelSettings) settings = NULL;

  if (forwards != NULL && forwards[0] != NULL)
    return NULL;
  settings = ctl_tunnel_settings (tunnel, NULL);
  if (settings == NULL || settings->destination == NULL ||
      (!files_may_forward && !asd_ssh_config_options_may_forward ((const char * const *) settings->ssh_options)))
    return NULL;
  settings->monitor_port = 0;
  settings->echo_port = 0;
  return asd_tunnel_settings_ssh_argv (settings, command != NULL && command[0] != NULL ? command[0] : "ssh");
}

static void
on_config_printed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Query *query = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *output = asd_ssh_config_query_finish (result, &error);

  if (output != NULL)
    g_object_set_qdata_full (G_OBJECT (query->tunnel), ssh_config_forwards_quark (),
                             asd_ssh_config_forwards (output), (GDestroyNotify) g_strfreev);
  else
    g_debug ("%s: ssh -G: %s", asd_dbus_tunnel_get_name (query->tunnel), error->message);
  (*query->pending)--;
  g_object_unref (query->tunnel);
  g_free (query);
}

/**
 * ctl_resolve_ssh_config_forwards:
 * @tunnels: (element-type AsdDbusTunnel): tunnel proxies
 *
 * Asks ssh, for every tunnel without forwards of its own, which forwards
 * its configuration adds (when it may add some), and returns when all
 * have answered (or ran out of time); ctl_ssh_config_forwards() then
 * tells.
 */
void
ctl_resolve_ssh_config_forwards (GList *tunnels)
{
  g_autofree char *user_config = asd_ssh_expand_path ("~/.ssh/config", NULL);
  gboolean files_may_forward = user_config == NULL ||
                               asd_ssh_config_files_may_forward (user_config, ASD_SSH_SYSTEM_CONFIG);
  guint pending = 0;

  for (GList *l = tunnels; l != NULL; l = l->next)
    {
      g_auto(GStrv) argv = query_argv (l->data, files_may_forward);
      Query *query;

      if (argv == NULL)
        continue;
      query = g_new0 (Query, 1);
      query->pending = &pending;
      query->tunnel = g_object_ref (l->data);
      pending++;
      asd_ssh_config_query_async ((const char * const *) argv, NULL, on_config_printed, query);
    }
  while (pending > 0)
    g_main_context_iteration (NULL, TRUE);
}

/**
 * ctl_ssh_config_forwards:
 * @tunnel: a tunnel proxy
 *
 * Returns: (nullable): the forwards ssh takes from its configuration for
 *   @tunnel, as ssh options ("-L 8080:localhost:80"), found by
 *   ctl_resolve_ssh_config_forwards(); %NULL when it was not asked
 */
const char * const *
ctl_ssh_config_forwards (AsdDbusTunnel *tunnel)
{
  return g_object_get_qdata (G_OBJECT (tunnel), ssh_config_forwards_quark ());
}
