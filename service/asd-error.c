/* asd-error.c
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "asd-error.h"

G_DEFINE_QUARK (asd-error-quark, asd_error)
