/* asd-log-fifo.c: a private FIFO for ssh's own log (ssh -E)
 *
 * ssh writes the server's pre-authentication banner to its stderr, where
 * its own messages go too: a banner could say "Authenticated to" or
 * "REMOTE HOST IDENTIFICATION HAS CHANGED".  With -E PATH, ssh's own log
 * goes to PATH instead, and its stderr keeps only what others write (the
 * banner, a ProxyCommand's or the askpass helper's messages).  PATH cannot
 * be /dev/fd/N (ssh closes inherited descriptors first), so it is a FIFO:
 *
 * - made 0600 under a fresh random name in a private directory (0700,
 *   ours: the service's runtime directory); mkfifo() never follows nor
 *   reuses what is already there, and the opened file is checked to be
 *   our own FIFO;
 * - opened for reading with O_NONBLOCK before ssh starts (that open does
 *   not wait for a writer, and then ssh's open for writing does not wait
 *   either), and read as a pollable stream: nothing blocks;
 * - held open for writing by us as well until ssh has exited
 *   (asd_log_fifo_close_writer()): a FIFO without writers reads as its
 *   end, and ssh may not have opened it yet;
 * - unlinked once ssh has opened it (its first line has come), or at the
 *   end of the run, whichever comes first.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <gio/gunixinputstream.h>

#include "asd-log-fifo.h"

#define FIFO_PREFIX "ssh-log-"

/* How many names to try when one is taken (it never is, by chance). */
#define NAME_TRIES 4

struct _AsdLogFifo
{
  char *path;                    /* NULL once unlinked */
  GInputStream *stream;          /* the read end */
  int writer;                    /* our own write end, or -1 */
};

static char *
random_name (const char *tag)
{
  guint8 random[8];
  GString *name = g_string_new (FIFO_PREFIX);

  if (getrandom (random, sizeof random, 0) != sizeof random)
    for (gsize i = 0; i < sizeof random; i++)
      random[i] = g_random_int_range (0, 256);
  g_string_append_printf (name, "%s-", tag);
  for (gsize i = 0; i < sizeof random; i++)
    g_string_append_printf (name, "%02x", random[i]);
  return g_string_free (name, FALSE);
}

/* A FIFO of ours at a path nobody used before: mkfifo() fails on anything
 * that is there already (a link too), and then another name is tried. */
static char *
make_fifo (const char *dir, const char *tag, GError **error)
{
  int saved_errno = 0;

  for (guint i = 0; i < NAME_TRIES; i++)
    {
      g_autofree char *name = random_name (tag);
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (mkfifo (path, 0600) == 0)
        return g_steal_pointer (&path);
      saved_errno = errno;
      if (saved_errno != EEXIST)
        break;
    }
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
               _("cannot make a FIFO for ssh's log in %s: %s"), dir, g_strerror (saved_errno));
  return NULL;
}

/* The read end first (O_NONBLOCK: no writer is needed), then ours. */
static gboolean
open_ends (AsdLogFifo *self, GError **error)
{
  struct stat st;
  int reader = open (self->path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
  int saved_errno = errno;

  if (reader >= 0 && (fstat (reader, &st) != 0 || !S_ISFIFO (st.st_mode) ||
                      st.st_uid != getuid ()))
    {
      close (reader);
      reader = -1;
      saved_errno = EPERM;
    }
  if (reader >= 0)
    {
      self->stream = g_unix_input_stream_new (reader, TRUE);
      self->writer = open (self->path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
      saved_errno = errno;
    }
  if (self->writer >= 0)
    return TRUE;
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
               _("cannot open the FIFO %s for ssh's log: %s"), self->path, g_strerror (saved_errno));
  return FALSE;
}

/**
 * asd_log_fifo_remove_stale:
 * @dir: the private directory asd_log_fifo_new() is given
 *
 * Removes the FIFOs of ours that an earlier instance left in @dir (killed
 * between making one and ssh opening it).  Call it only while no run of
 * this instance has one.  Anything else there is left alone.
 */
void
asd_log_fifo_remove_stale (const char *dir)
{
  g_autoptr(GDir) entries = g_dir_open (dir, 0, NULL);
  const char *name;

  while (entries != NULL && (name = g_dir_read_name (entries)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      GStatBuf st;

      if (g_str_has_prefix (name, FIFO_PREFIX) && g_lstat (path, &st) == 0 &&
          S_ISFIFO (st.st_mode) && st.st_uid == getuid ())
        g_unlink (path);
    }
}

/**
 * asd_log_fifo_new:
 * @dir: a private directory (0700, ours)
 * @tag: a part of the name, for people who look (the tunnel's name)
 * @error: return location for an error
 *
 * Makes the FIFO and opens it: give ssh `-E` asd_log_fifo_get_path().
 *
 * Returns: (transfer full) (nullable): the FIFO, or %NULL on error
 */
AsdLogFifo *
asd_log_fifo_new (const char *dir, const char *tag, GError **error)
{
  g_autoptr(AsdLogFifo) self = g_new0 (AsdLogFifo, 1);

  g_return_val_if_fail (dir != NULL && tag != NULL, NULL);

  self->writer = -1;
  self->path = make_fifo (dir, tag, error);
  if (self->path == NULL || !open_ends (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

/**
 * asd_log_fifo_get_path:
 * @self: a FIFO
 *
 * Returns: (nullable): where it is, or %NULL once unlinked
 */
const char *
asd_log_fifo_get_path (AsdLogFifo *self)
{
  return self->path;
}

/**
 * asd_log_fifo_get_stream:
 * @self: a FIFO
 *
 * Returns: (transfer none): its read end, a #GPollableInputStream
 */
GInputStream *
asd_log_fifo_get_stream (AsdLogFifo *self)
{
  return self->stream;
}

/**
 * asd_log_fifo_unlink:
 * @self: a FIFO
 *
 * Removes its name (once ssh has opened it, or when ssh has gone); the
 * open ends go on working.
 */
void
asd_log_fifo_unlink (AsdLogFifo *self)
{
  if (self->path != NULL)
    g_unlink (self->path);
  g_clear_pointer (&self->path, g_free);
}

/**
 * asd_log_fifo_close_writer:
 * @self: a FIFO
 *
 * Lets go of our own write end (when ssh has exited): the stream ends
 * once every other writer has closed it too.
 */
void
asd_log_fifo_close_writer (AsdLogFifo *self)
{
  if (self->writer >= 0)
    close (self->writer);
  self->writer = -1;
}

/**
 * asd_log_fifo_free:
 * @self: (nullable): a FIFO
 *
 * Unlinks it if that is not done yet, and closes both ends.
 */
void
asd_log_fifo_free (AsdLogFifo *self)
{
  if (self == NULL)
    return;
  asd_log_fifo_unlink (self);
  asd_log_fifo_close_writer (self);
  g_clear_object (&self->stream);
  g_free (self);
}
