/* asd-server-address.c: the host and port a tunnel's ssh connects to
 *
 * The server probe (asd-server-probe) connects where ssh would; only
 * `ssh -G` knows where that is (~/.ssh/config aliases, Port, ProxyJump).
 * Running it for every probe was most of what many retrying tunnels cost
 * (issue 9, finding 12: 500 tunnels, 145 spawns a second), so the answer
 * is kept, failures too:
 *   - for one ssh command line: new settings ask again
 *     (asd_server_address_set_argv());
 *   - until the keeper forgets it (asd_server_address_forget(): Start,
 *     Restart, Reload, a network change);
 *   - for at most ASD_SERVER_ADDRESS_LIFETIME_S (±10 %, so that tunnels
 *     started together do not all ask at once), since ~/.ssh/config and
 *     the files it includes can change without us knowing.
 * Callers that ask while `ssh -G` runs share its answer.  The host name
 * is not resolved here: each probe's connect resolves it (GResolver,
 * async), so a server that comes back under a new address is found.
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "asd-server-address.h"
#include "asd-ssh-config.h"

struct _AsdServerAddress
{
  GObject parent_instance;

  char **argv;                   /* the tunnel's ssh command, or NULL */
  GCancellable *query;           /* the `ssh -G` running, or NULL */
  GPtrArray *waiting;            /* GTasks waiting for its answer */

  gint64 expires;                /* monotonic; 0: no answer kept */
  char *host;                    /* the answer: host and port, */
  guint16 port;
  GError *error;                 /* or why there is none */
};

G_DEFINE_TYPE (AsdServerAddress, asd_server_address, G_TYPE_OBJECT)

static void start_query (AsdServerAddress *self);

static void
clear_answer (AsdServerAddress *self)
{
  self->expires = 0;
  g_clear_pointer (&self->host, g_free);
  g_clear_error (&self->error);
}

typedef struct {
  char *host;
  guint16 port;
} Answer;

static void
answer_free (Answer *answer)
{
  g_free (answer->host);
  g_free (answer);
}

/* Answers @task with what is kept. */
static void
answer (AsdServerAddress *self, GTask *task)
{
  Answer *kept;

  if (self->error != NULL)
    {
      g_task_return_error (task, g_error_copy (self->error));
      return;
    }
  kept = g_new (Answer, 1);
  kept->host = g_strdup (self->host);
  kept->port = self->port;
  g_task_return_pointer (task, kept, (GDestroyNotify) answer_free);
}

/* Answers every waiting caller: with what is kept, or @error. */
static void
answer_waiting (AsdServerAddress *self, const GError *error)
{
  g_autoptr(GPtrArray) waiting = g_steal_pointer (&self->waiting);

  self->waiting = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < waiting->len; i++)
    {
      GTask *task = g_ptr_array_index (waiting, i);

      if (error != NULL)
        g_task_return_error (task, g_error_copy (error));
      else
        answer (self, task);
    }
}

/* Keeps what `ssh -G` printed: host and port, or why not. */
static void
keep_answer (AsdServerAddress *self, const char *output)
{
  g_autofree char *host = asd_ssh_config_value (output, "hostname");
  g_autofree char *port = asd_ssh_config_value (output, "port");
  g_autofree char *jump = asd_ssh_config_value (output, "proxyjump");
  g_autofree char *proxy = asd_ssh_config_value (output, "proxycommand");
  guint64 port_number = 22;

  if ((jump != NULL && strcmp (jump, "none") != 0) || (proxy != NULL && strcmp (proxy, "none") != 0))
    self->error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                                       _("the server is reached through a proxy"));
  else if (host == NULL || host[0] == '\0' ||
           (port != NULL && !g_ascii_string_to_unsigned (port, 10, 1, 65535, &port_number, NULL)))
    self->error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED,
                                       _("ssh -G gave no host name or port"));
  else
    {
      self->host = g_steal_pointer (&host);
      self->port = port_number;
    }
}

static void
on_query_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(AsdServerAddress) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *output = asd_ssh_config_query_finish (result, &error);
  gdouble lifetime_s = ASD_SERVER_ADDRESS_LIFETIME_S * g_random_double_range (0.9, 1.1);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;   /* forgotten: a new query runs for the callers */
  g_clear_object (&self->query);
  clear_answer (self);
  if (output != NULL)
    keep_answer (self, output);
  else
    self->error = g_steal_pointer (&error);
  self->expires = g_get_monotonic_time () + (gint64) (lifetime_s * G_USEC_PER_SEC);
  g_debug ("ssh -G for %s: %s:%u%s%s", self->argv[g_strv_length (self->argv) - 1],
           self->host != NULL ? self->host : "", self->port,
           self->error != NULL ? " " : "", self->error != NULL ? self->error->message : "");
  answer_waiting (self, NULL);
}

static GError *
no_command (void)
{
  return g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED, _("the tunnel has no ssh command"));
}

static void
start_query (AsdServerAddress *self)
{
  self->query = g_cancellable_new ();
  asd_ssh_config_query_async ((const char * const *) self->argv, self->query,
                              on_query_done, g_object_ref (self));
}

/**
 * asd_server_address_lookup_async:
 * @self: a server address
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the host and port are known
 * @user_data: for @callback
 *
 * Asks `ssh -G` unless its answer is kept.
 */
void
asd_server_address_lookup_async (AsdServerAddress    *self,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, asd_server_address_lookup_async);
  if (self->argv == NULL)
    {
      g_task_return_error (task, no_command ());
      return;
    }
  if (self->expires > g_get_monotonic_time ())
    {
      answer (self, task);
      return;
    }
  g_ptr_array_add (self->waiting, g_steal_pointer (&task));
  if (self->query == NULL)
    start_query (self);
}

/**
 * asd_server_address_lookup_finish:
 * @self: a server address
 * @result: the result given to the callback
 * @host: (out) (transfer full): the host name or address ssh connects to
 * @port: (out): its port
 * @error: return location for why not: %G_IO_ERROR_NOT_SUPPORTED when a
 *   proxy hides the server
 *
 * Returns: whether @host and @port are known
 */
gboolean
asd_server_address_lookup_finish (AsdServerAddress  *self,
                                  GAsyncResult      *result,
                                  char             **host,
                                  guint16           *port,
                                  GError           **error)
{
  Answer *kept;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  kept = g_task_propagate_pointer (G_TASK (result), error);
  if (kept == NULL)
    return FALSE;
  *host = g_steal_pointer (&kept->host);
  *port = kept->port;
  answer_free (kept);
  return TRUE;
}

/**
 * asd_server_address_forget:
 * @self: a server address
 *
 * The next lookup asks `ssh -G` again; one running now is given up and
 * asked again for its callers.
 */
void
asd_server_address_forget (AsdServerAddress *self)
{
  g_autoptr(GError) error = NULL;

  clear_answer (self);
  if (self->query == NULL)
    return;
  g_cancellable_cancel (self->query);
  g_clear_object (&self->query);
  if (self->argv != NULL)
    {
      start_query (self);
      return;
    }
  error = no_command ();
  answer_waiting (self, error);
}

/**
 * asd_server_address_set_argv:
 * @self: a server address
 * @ssh_argv: (nullable): the tunnel's ssh command line
 *
 * A new command line: forgets the answer for another one.
 */
void
asd_server_address_set_argv (AsdServerAddress *self, const char * const *ssh_argv)
{
  if (self->argv != NULL && ssh_argv != NULL && g_strv_equal ((const char * const *) self->argv, ssh_argv))
    return;
  g_strfreev (self->argv);
  self->argv = g_strdupv ((char **) ssh_argv);
  asd_server_address_forget (self);
}

static void
asd_server_address_finalize (GObject *object)
{
  AsdServerAddress *self = ASD_SERVER_ADDRESS (object);

  /* a query holds a reference: none runs, and nobody waits */
  g_ptr_array_unref (self->waiting);
  g_strfreev (self->argv);
  clear_answer (self);

  G_OBJECT_CLASS (asd_server_address_parent_class)->finalize (object);
}

static void
asd_server_address_class_init (AsdServerAddressClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = asd_server_address_finalize;
}

static void
asd_server_address_init (AsdServerAddress *self)
{
  self->waiting = g_ptr_array_new_with_free_func (g_object_unref);
}

AsdServerAddress *
asd_server_address_new (void)
{
  return g_object_new (ASD_TYPE_SERVER_ADDRESS, NULL);
}
