/* asd-error.h: the project's one error domain, mapped to D-Bus errors
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define ASD_ERROR (asd_error_quark ())

/**
 * AsdError:
 * @ASD_ERROR_FAILED: something went wrong that has no better code
 *   (io.github.autosshd1.Error.Failed)
 * @ASD_ERROR_INVALID_ARGS: an autossh command line that cannot be used
 *   (the autossh drop-in's parser; no D-Bus name: over D-Bus such a
 *   command line is %ASD_ERROR_INVALID_SETTINGS)
 * @ASD_ERROR_INVALID_SETTINGS: a setting (variable, key, value) that cannot
 *   be used (io.github.autosshd1.Error.InvalidSettings)
 * @ASD_ERROR_INVALID_NAME: a tunnel name outside [A-Za-z0-9_-]{1,64}
 *   (io.github.autosshd1.Error.InvalidName)
 * @ASD_ERROR_NOT_FOUND: no tunnel of that name
 *   (io.github.autosshd1.Error.NotFound)
 * @ASD_ERROR_EXISTS: a tunnel of that name exists already
 *   (io.github.autosshd1.Error.Exists)
 * @ASD_ERROR_BROKEN_CONFIG: the tunnel's file cannot be read
 *   (io.github.autosshd1.Error.BrokenConfig)
 * @ASD_ERROR_NOT_RUNNING: the call needs a running tunnel
 *   (io.github.autosshd1.Error.NotRunning)
 * @ASD_ERROR_PROBE_FAILED: a probe ended without an answer
 *   (io.github.autosshd1.Error.ProbeFailed)
 * @ASD_ERROR_NOT_SUPPORTED: this service cannot do it
 *   (io.github.autosshd1.Error.NotSupported)
 * @ASD_ERROR_BUSY: the tunnel is being removed
 *   (io.github.autosshd1.Error.Busy)
 * @ASD_ERROR_SHUTTING_DOWN: the service is exiting
 *   (io.github.autosshd1.Error.ShuttingDown)
 * @ASD_ERROR_FORWARD_FAILED: a forward could not be opened or closed
 *   through the control connection (io.github.autosshd1.Error.ForwardFailed)
 * @ASD_ERROR_IDENTITY_FILE: the IdentityFile does not exist or cannot be
 *   read (io.github.autosshd1.Error.IdentityFile)
 * @ASD_ERROR_HOST_KEY_MISMATCH: the fingerprint is not the one the server
 *   offered (io.github.autosshd1.Error.HostKeyMismatch)
 * @ASD_ERROR_NOT_AUTHORIZED: polkit does not allow the caller this call
 *   (the system service; io.github.autosshd1.Error.NotAuthorized)
 *
 * Every fallible call of the core reports one of these, with a message a
 * person can act on; over D-Bus they travel under the names above.
 */
typedef enum {
  ASD_ERROR_FAILED,
  ASD_ERROR_INVALID_ARGS,
  ASD_ERROR_INVALID_SETTINGS,
  ASD_ERROR_INVALID_NAME,
  ASD_ERROR_NOT_FOUND,
  ASD_ERROR_EXISTS,
  ASD_ERROR_BROKEN_CONFIG,
  ASD_ERROR_NOT_RUNNING,
  ASD_ERROR_PROBE_FAILED,
  ASD_ERROR_NOT_SUPPORTED,
  ASD_ERROR_BUSY,
  ASD_ERROR_SHUTTING_DOWN,
  ASD_ERROR_FORWARD_FAILED,
  ASD_ERROR_IDENTITY_FILE,
  ASD_ERROR_HOST_KEY_MISMATCH,
  ASD_ERROR_NOT_AUTHORIZED,
} AsdError;

GQuark asd_error_quark (void);
void   asd_error_ensure_domain (GError **error);

G_END_DECLS
