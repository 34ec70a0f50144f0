/* ctl-format.h: durations, times and tables for people
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

char     *ctl_format_duration   (gint64      usec);
char     *ctl_format_time       (gint64      usec_since_epoch);
char     *ctl_format_when       (gint64      usec_since_epoch,
                                 gint64      now_usec);
char     *ctl_format_reason     (const char *code,
                                 GVariant   *details,
                                 const char *fallback);
char     *ctl_format_config_error (GVariant *config_error);

typedef struct _CtlTable CtlTable;

CtlTable *ctl_table_new         (const char * const *header);
void      ctl_table_add_row     (CtlTable           *table,
                                 const char * const *cells);
void      ctl_table_set_shrinkable (CtlTable        *table,
                                 guint               column,
                                 guint               min_width);
char     *ctl_table_to_string   (CtlTable           *table);
char     *ctl_table_to_string_full (CtlTable        *table,
                                 guint               max_width,
                                 gboolean            legend);
void      ctl_table_free        (CtlTable           *table);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CtlTable, ctl_table_free)

G_END_DECLS
