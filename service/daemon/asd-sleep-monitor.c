/* asd-sleep-monitor.c: logind's PrepareForSleep, with a delay inhibitor
 *
 * On the system bus, logind says PrepareForSleep(true) before the machine
 * sleeps and PrepareForSleep(false) after it wakes.  While awake we hold a
 * "delay" sleep inhibitor, so that the tunnels get the moment they need
 * to close ssh cleanly (the server then frees their remote forwards at
 * once); asd_sleep_monitor_ready_to_sleep() lets go of it.  Without a
 * system bus or logind, nothing happens.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <unistd.h>
#include <gio/gunixfdlist.h>

#include "asd-sleep-monitor.h"

#define LOGIN1_NAME "org.freedesktop.login1"
#define LOGIN1_PATH "/org/freedesktop/login1"
#define LOGIN1_MANAGER "org.freedesktop.login1.Manager"

struct _AsdSleepMonitor
{
  GObject parent_instance;

  GCancellable *cancellable;
  GDBusConnection *system_bus;
  guint subscription;
  gint inhibitor;                /* the delay inhibitor's fd, or -1 */
};

enum {
  SIGNAL_PREPARE_FOR_SLEEP,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_TYPE (AsdSleepMonitor, asd_sleep_monitor, G_TYPE_OBJECT)

static void
on_inhibited (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(AsdSleepMonitor) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GUnixFDList) fds = NULL;
  g_autoptr(GVariant) reply =
    g_dbus_connection_call_with_unix_fd_list_finish (G_DBUS_CONNECTION (source), &fds, result, &error);
  gint32 index;

  if (reply == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("no sleep inhibitor: %s", error->message);
      return;
    }
  g_variant_get (reply, "(h)", &index);
  if (self->inhibitor >= 0)
    close (self->inhibitor);
  self->inhibitor = g_unix_fd_list_get (fds, index, NULL);
  g_debug ("holding a delay inhibitor for sleep (fd %d)", self->inhibitor);
}

static void
inhibit (AsdSleepMonitor *self)
{
  if (self->system_bus == NULL || self->inhibitor >= 0)
    return;
  g_dbus_connection_call_with_unix_fd_list (self->system_bus, LOGIN1_NAME, LOGIN1_PATH,
                                            LOGIN1_MANAGER, "Inhibit",
                                            g_variant_new ("(ssss)", "sleep", "autosshd",
                                                           "Closing SSH tunnels cleanly",
                                                           "delay"),
                                            G_VARIANT_TYPE ("(h)"), G_DBUS_CALL_FLAGS_NONE,
                                            -1, NULL, self->cancellable, on_inhibited,
                                            g_object_ref (self));
}

static void
on_prepare_for_sleep (GDBusConnection *connection, const char *sender, const char *path,
                      const char *interface, const char *signal_name, GVariant *parameters,
                      gpointer user_data)
{
  AsdSleepMonitor *self = user_data;
  gboolean start;

  if (!g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(b)")))
    return;
  g_variant_get (parameters, "(b)", &start);
  g_message ("%s", start ? "the system is going to sleep" : "the system woke up");
  if (!start)
    inhibit (self);
  g_signal_emit (self, signals[SIGNAL_PREPARE_FOR_SLEEP], 0, start);
}

static void
on_system_bus (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(AsdSleepMonitor) self = user_data;
  g_autoptr(GError) error = NULL;
  GDBusConnection *bus = g_bus_get_finish (result, &error);

  if (bus == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("no system bus, so no sleep handling: %s", error->message);
      return;
    }
  self->system_bus = bus;
  self->subscription =
    g_dbus_connection_signal_subscribe (bus, LOGIN1_NAME, LOGIN1_MANAGER, "PrepareForSleep",
                                        LOGIN1_PATH, NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                        on_prepare_for_sleep, self, NULL);
  inhibit (self);
}

/**
 * asd_sleep_monitor_ready_to_sleep:
 * @self: the monitor
 *
 * Every tunnel is closed: lets the system sleep (releases the inhibitor).
 */
void
asd_sleep_monitor_ready_to_sleep (AsdSleepMonitor *self)
{
  if (self->inhibitor < 0)
    return;
  g_debug ("releasing the sleep inhibitor");
  close (self->inhibitor);
  self->inhibitor = -1;
}

static void
asd_sleep_monitor_dispose (GObject *object)
{
  AsdSleepMonitor *self = ASD_SLEEP_MONITOR (object);

  g_cancellable_cancel (self->cancellable);
  if (self->subscription != 0)
    g_dbus_connection_signal_unsubscribe (self->system_bus, self->subscription);
  self->subscription = 0;
  asd_sleep_monitor_ready_to_sleep (self);
  g_clear_object (&self->system_bus);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (asd_sleep_monitor_parent_class)->dispose (object);
}

static void
asd_sleep_monitor_class_init (AsdSleepMonitorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = asd_sleep_monitor_dispose;

  /**
   * AsdSleepMonitor::prepare-for-sleep:
   * @start: %TRUE before sleep, %FALSE after waking up
   */
  signals[SIGNAL_PREPARE_FOR_SLEEP] =
    g_signal_new ("prepare-for-sleep", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_BOOLEAN);
}

static void
asd_sleep_monitor_init (AsdSleepMonitor *self)
{
  self->inhibitor = -1;
  self->cancellable = g_cancellable_new ();
}

/**
 * asd_sleep_monitor_new:
 *
 * Connects to the system bus in the background and follows logind.
 *
 * Returns: (transfer full): the monitor
 */
AsdSleepMonitor *
asd_sleep_monitor_new (void)
{
  AsdSleepMonitor *self = g_object_new (ASD_TYPE_SLEEP_MONITOR, NULL);

  g_bus_get (G_BUS_TYPE_SYSTEM, self->cancellable, on_system_bus, g_object_ref (self));
  return self;
}
