/* ctl.h: what the parts of `autosshctl` share
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "asd-dbus-generated.h"
#include "asd-names.h"
#include "asd-service-mode.h"
#include "asd-tunnel-settings.h"

G_BEGIN_DECLS


/**
 * CtlExit:
 * @CTL_EXIT_OK: success
 * @CTL_EXIT_FAILURE: any other failure
 * @CTL_EXIT_INVALID: invalid input: usage, a bad name, settings or
 *   arguments, a tunnel that exists already
 * @CTL_EXIT_NOT_FOUND: no tunnel of that name
 * @CTL_EXIT_UNAVAILABLE: the service cannot be reached or started
 * @CTL_EXIT_TIMED_OUT: a wait (`wait`, --wait) ran out of time
 *
 * The exit codes, documented in autosshctl(1) and `--help`.
 */
typedef enum {
  CTL_EXIT_OK = 0,
  CTL_EXIT_FAILURE = 1,
  CTL_EXIT_INVALID = 2,
  CTL_EXIT_NOT_FOUND = 3,
  CTL_EXIT_UNAVAILABLE = 4,
  CTL_EXIT_TIMED_OUT = 5,
} CtlExit;

#define CTL_ERROR (ctl_error_quark ())

/**
 * CtlError:
 * @CTL_ERROR_USAGE: a command line that cannot be used (exit 2)
 * @CTL_ERROR_UNAVAILABLE: no bus, or the service cannot be started (exit 4)
 * @CTL_ERROR_FAILED: anything else (exit 1)
 * @CTL_ERROR_TIMED_OUT: a wait ran out of time (exit 5)
 */
typedef enum {
  CTL_ERROR_USAGE,
  CTL_ERROR_UNAVAILABLE,
  CTL_ERROR_FAILED,
  CTL_ERROR_TIMED_OUT,
} CtlError;

/**
 * Ctl:
 * @json: print JSON instead of text (--json)
 * @bus: the service's bus, once connected
 * @manager: the Manager proxy, once connected
 * @system: talk to the system service (--system), not the user's (--user)
 */
typedef struct {
  gboolean json;
  GDBusConnection *bus;
  AsdDbusManager *manager;
  gboolean system;
} Ctl;

/* The service the command talks to. */
static inline AsdServiceMode
ctl_mode (const Ctl *ctl)
{
  return ctl->system ? ASD_SERVICE_MODE_SYSTEM : ASD_SERVICE_MODE_SESSION;
}

/**
 * CtlWait:
 * @enabled: --wait was given
 * @seconds: how long at most, 0 for no limit
 *
 * What --wait[=SECONDS] asks for: the user data of the option group that
 * holds CTL_WAIT_OPTION_ENTRY (see ctl_command_context_full()).
 */
typedef struct {
  gboolean enabled;
  guint seconds;
} CtlWait;

#define CTL_WAIT_DEFAULT_SECONDS 60
#define CTL_WAIT_INIT { FALSE, CTL_WAIT_DEFAULT_SECONDS }
#define CTL_WAIT_OPTION_ENTRY \
  { "wait", 0, G_OPTION_FLAG_OPTIONAL_ARG, G_OPTION_ARG_CALLBACK, (gpointer) ctl_wait_parse_option, \
    N_("Then wait until the tunnel is connected, at most SECONDS (default 60, 0: no limit); " \
       "fail with the reason if it fails"), N_("SECONDS") }

/* What ctl_watch_removal() calls when the tunnel is removed. */
typedef void (*CtlRemovedFunc) (gpointer user_data);

/* A subcommand: argv[0] is its name, the global options are gone. */
typedef gboolean (*CtlCommandFunc) (Ctl *ctl, int argc, char **argv, GError **error);

GQuark          ctl_error_quark        (void);
CtlExit         ctl_exit_code          (const GError *error);
char           *ctl_error_message      (const GError *error);

/* ctl-bus.c */
GDBusConnection *ctl_bus               (Ctl          *ctl,
                                        GError      **error);
AsdDbusManager *ctl_manager            (Ctl          *ctl,
                                        GError      **error);
GDBusObjectManager *ctl_object_manager (Ctl          *ctl,
                                        GError      **error);
AsdDbusTunnel  *ctl_tunnel             (Ctl          *ctl,
                                        const char   *name,
                                        GError      **error);
guint           ctl_watch_removal      (Ctl          *ctl,
                                        AsdDbusTunnel *tunnel,
                                        CtlRemovedFunc removed,
                                        gpointer      user_data);
GList          *ctl_sorted_tunnels     (GDBusObjectManager *objects);
void            ctl_clear              (Ctl          *ctl);

/* autosshctl.c */
GOptionContext *ctl_command_context    (const char   *command,
                                        const GOptionEntry *entries);
GOptionContext *ctl_command_context_full (const char *command,
                                        const GOptionEntry *entries,
                                        gpointer      user_data);
gboolean        ctl_parse_command      (GOptionContext *context,
                                        int          *argc,
                                        char       ***argv,
                                        int           min_args,
                                        int           max_args,
                                        GError      **error);

/* ctl-commands.c */
gboolean ctl_cmd_list       (Ctl *ctl, int argc, char **argv, GError **error);
gboolean ctl_cmd_status     (Ctl *ctl, int argc, char **argv, GError **error);
gboolean ctl_cmd_add        (Ctl *ctl, int argc, char **argv, GError **error);
gboolean ctl_cmd_remove     (Ctl *ctl, int argc, char **argv, GError **error);
gboolean ctl_cmd_start      (Ctl *ctl, int argc, char **argv, GError **error);
gboolean ctl_cmd_stop       (Ctl *ctl, int argc, char **argv, GError **error);
gboolean ctl_cmd_restart    (Ctl *ctl, int argc, char **argv, GError **error);
gboolean ctl_cmd_enable     (Ctl *ctl, int argc, char **argv, GError **error);
gboolean ctl_cmd_disable    (Ctl *ctl, int argc, char **argv, GError **error);
gboolean ctl_cmd_trust      (Ctl *ctl, int argc, char **argv, GError **error);
gboolean ctl_cmd_version    (Ctl *ctl, int argc, char **argv, GError **error);

/* ctl-logs.c */
gboolean ctl_cmd_logs       (Ctl *ctl, int argc, char **argv, GError **error);

/* ctl-monitor.c */
gboolean ctl_cmd_monitor    (Ctl *ctl, int argc, char **argv, GError **error);

/* ctl-wait.c */
gboolean ctl_wait_seconds_from_string (const char *text, guint *seconds, GError **error);
gboolean ctl_wait_parse_option (const char *option_name, const char *value, gpointer data,
                                GError **error);
gboolean ctl_wait_for_state (Ctl *ctl, AsdDbusTunnel *tunnel, AsdTunnelState target,
                             guint seconds, GError **error);
gboolean ctl_cmd_wait       (Ctl *ctl, int argc, char **argv, GError **error);

/* ctl-forwards.c */
void     ctl_resolve_ssh_config_forwards (GList *tunnels);
const char * const *ctl_ssh_config_forwards (AsdDbusTunnel *tunnel);

/* ctl-settings.c */
AsdTunnelSettings *ctl_tunnel_settings (AsdDbusTunnel *tunnel, GError **error);
gboolean ctl_cmd_reload     (Ctl *ctl, int argc, char **argv, GError **error);
gboolean ctl_cmd_set        (Ctl *ctl, int argc, char **argv, GError **error);
gboolean ctl_cmd_forward    (Ctl *ctl, int argc, char **argv, GError **error);

/* ctl-edit.c */
gboolean ctl_cmd_edit       (Ctl *ctl, int argc, char **argv, GError **error);

/* ctl-secret.c */
gboolean ctl_cmd_passphrase (Ctl *ctl, int argc, char **argv, GError **error);

G_END_DECLS
