/* asd-error.c: the project's one error domain, mapped to D-Bus errors
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <gio/gio.h>

#include "asd-error.h"

static const GDBusErrorEntry asd_error_entries[] = {
  { ASD_ERROR_FAILED, "io.github.autosshd1.Error.Failed" },
  /* ASD_ERROR_INVALID_ARGS has no D-Bus name: the API never returns it */
  { ASD_ERROR_INVALID_SETTINGS, "io.github.autosshd1.Error.InvalidSettings" },
  { ASD_ERROR_INVALID_NAME, "io.github.autosshd1.Error.InvalidName" },
  { ASD_ERROR_NOT_FOUND, "io.github.autosshd1.Error.NotFound" },
  { ASD_ERROR_EXISTS, "io.github.autosshd1.Error.Exists" },
  { ASD_ERROR_BROKEN_CONFIG, "io.github.autosshd1.Error.BrokenConfig" },
  { ASD_ERROR_NOT_RUNNING, "io.github.autosshd1.Error.NotRunning" },
  { ASD_ERROR_PROBE_FAILED, "io.github.autosshd1.Error.ProbeFailed" },
  { ASD_ERROR_NOT_SUPPORTED, "io.github.autosshd1.Error.NotSupported" },
  { ASD_ERROR_BUSY, "io.github.autosshd1.Error.Busy" },
  { ASD_ERROR_SHUTTING_DOWN, "io.github.autosshd1.Error.ShuttingDown" },
  { ASD_ERROR_FORWARD_FAILED, "io.github.autosshd1.Error.ForwardFailed" },
  { ASD_ERROR_IDENTITY_FILE, "io.github.autosshd1.Error.IdentityFile" },
  { ASD_ERROR_HOST_KEY_MISMATCH, "io.github.autosshd1.Error.HostKeyMismatch" },
  { ASD_ERROR_NOT_AUTHORIZED, "io.github.autosshd1.Error.NotAuthorized" },
};

/**
 * asd_error_ensure_domain:
 * @error: (inout): an error of any domain, or %NULL
 *
 * Turns an error of another domain (a file that cannot be written, say)
 * into %ASD_ERROR_FAILED with the same message, so that it travels over
 * D-Bus under a name of ours.
 */
void
asd_error_ensure_domain (GError **error)
{
  if (error == NULL || *error == NULL || (*error)->domain == ASD_ERROR)
    return;
  (*error)->domain = ASD_ERROR;
  (*error)->code = ASD_ERROR_FAILED;
}

GQuark
asd_error_quark (void)
{
  static gsize quark = 0;

  g_dbus_error_register_error_domain ("asd-error-quark", &quark,
                                      asd_error_entries,
                                      G_N_ELEMENTS (asd_error_entries));
  return (GQuark) quark;
}
