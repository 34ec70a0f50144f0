/* asd-control-socket.c: where a tunnel's ssh listens as control master
 *
 * Every ssh the service starts is the control master (ControlMaster,
 * OpenSSH's PROTOCOL.mux) of a socket of its own, so that the daemon can
 * check the connection in one round trip and add or remove forwards
 * without a new login (asd-mux-client.c).  The socket:
 *
 * - lives in the service's private directory (0700, ours; the askpass
 *   socket and ssh's log FIFOs are there too) under a fresh random name,
 *   so no other ssh can share it or have made it first;
 * - is set on ssh's command line, before the tunnel's own options (ssh
 *   takes the first value it is given), so ~/.ssh/config cannot move,
 *   share or disable it: ControlMaster=yes, ControlPath=PATH,
 *   ControlPersist=no;
 * - is made by ssh with umask 0177 (mode 0600), first under PATH.XXXX
 *   (16 random characters), then linked to PATH: both must fit a Unix
 *   socket address, or there is no master (the caller falls back to
 *   running ssh without one);
 * - is removed by ssh when it exits cleanly, by its supervisor when ssh
 *   was killed (asd-ssh-process.c), and at start-up when an earlier
 *   instance of the service left one (asd_control_socket_remove_stale()).
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <string.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <glib/gstdio.h>

#include "asd-control-socket.h"

#define SOCKET_PREFIX "ssh-ctl-"
/* ssh binds PATH + "." + 16 random characters first (mux.c, muxserver_listen) */
#define SSH_TEMP_SUFFIX 17

static char *
random_name (void)
{
  guint8 random[8];
  GString *name = g_string_new (SOCKET_PREFIX);

  if (getrandom (random, sizeof random, 0) != sizeof random)
    for (gsize i = 0; i < sizeof random; i++)
      random[i] = g_random_int_range (0, 256);
  for (gsize i = 0; i < sizeof random; i++)
    g_string_append_printf (name, "%02x", random[i]);
  return g_string_free (name, FALSE);
}

/**
 * asd_control_socket_new_path:
 * @dir: the service's private directory (0700, ours)
 *
 * A fresh path for one ssh's control socket (nothing is made there yet).
 *
 * Returns: (transfer full) (nullable): the path, or %NULL when it would
 *   not fit a Unix socket address (@dir is too long)
 */
char *
asd_control_socket_new_path (const char *dir)
{
  g_autofree char *name = random_name ();
  g_autofree char *path = g_build_filename (dir, name, NULL);

  if (strlen (path) + SSH_TEMP_SUFFIX >= sizeof ((struct sockaddr_un *) NULL)->sun_path)
    return NULL;
  return g_steal_pointer (&path);
}

/**
 * asd_control_socket_ssh_options:
 * @path: from asd_control_socket_new_path()
 *
 * Returns: (transfer full): ssh's options that make it the control
 *   master of @path, to go before any of the tunnel's own
 */
char **
asd_control_socket_ssh_options (const char *path)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autofree char *control_path = g_strconcat ("ControlPath=", path, NULL);

  g_strv_builder_addv (builder, (const char *[]) {
    "-o", "ControlMaster=yes", "-o", control_path, "-o", "ControlPersist=no", NULL });
  return g_strv_builder_end (builder);
}

/**
 * asd_control_socket_remove_stale:
 * @dir: the private directory asd_control_socket_new_path() is given
 *
 * Removes the control sockets of ours that an earlier instance left in
 * @dir (its ssh killed with it).  Call it only while no ssh of this
 * instance runs.  Anything else there is left alone.
 */
void
asd_control_socket_remove_stale (const char *dir)
{
  g_autoptr(GDir) entries = g_dir_open (dir, 0, NULL);
  const char *name;

  while (entries != NULL && (name = g_dir_read_name (entries)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      GStatBuf st;

      if (g_str_has_prefix (name, SOCKET_PREFIX) && g_lstat (path, &st) == 0 &&
          S_ISSOCK (st.st_mode) && st.st_uid == getuid ())
        g_unlink (path);
    }
}
