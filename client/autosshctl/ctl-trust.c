/* ctl-trust.c: `autosshctl trust`, a tunnel's approved host key
 *
 * trust NAME FINGERPRINT approves the key (TrustHostKey); the service
 * refuses a fingerprint that is not the one the server offered, with both
 * in its message, and we exit non-zero with it.  --show lists the approved
 * key and the one waiting for approval (PendingHostKey); --forget drops
 * the approval (Configure TrustedHostKey="").
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "ctl.h"

static char *
approved_key (AsdDbusTunnel *tunnel)
{
  GVariant *settings = asd_dbus_tunnel_get_settings (tunnel);
  const char *fingerprint = NULL;

  if (settings == NULL || !g_variant_lookup (settings, "TrustedHostKey", "&s", &fingerprint) ||
      fingerprint[0] == '\0')
    return NULL;
  return g_strdup (fingerprint);
}

static gboolean
show (AsdDbusTunnel *tunnel)
{
  const char *name = asd_dbus_tunnel_get_name (tunnel);
  g_autofree char *approved = approved_key (tunnel);
  GVariant *pending = asd_dbus_tunnel_get_pending_host_key (tunnel);
  const char *algorithm = "", *fingerprint = "";

  if (approved != NULL)
    g_print (_("Approved host key of tunnel “%s”: %s\n"), name, approved);
  else
    g_print (_("No host key is approved for tunnel “%s”.\n"), name);
  if (pending != NULL)
    g_variant_get (pending, "(&s&s)", &algorithm, &fingerprint);
  if (fingerprint[0] != '\0')
    g_print (_("Offered by its server, not approved: %s %s\n"), algorithm, fingerprint);
  return TRUE;
}

static gboolean
forget (AsdDbusTunnel *tunnel, GError **error)
{
  const char *name = asd_dbus_tunnel_get_name (tunnel);
  g_autofree char *approved = approved_key (tunnel);
  g_autoptr(GVariantDict) change = g_variant_dict_new (NULL);

  if (approved == NULL)
    {
      g_print (_("No host key is approved for tunnel “%s”.\n"), name);
      return TRUE;
    }
  g_variant_dict_insert (change, "TrustedHostKey", "s", "");
  if (!asd_dbus_tunnel_call_configure_sync (tunnel, g_variant_dict_end (change),
                                            G_DBUS_CALL_FLAGS_NONE, -1, NULL, error))
    return FALSE;
  g_print (_("Forgot the approved host key %s of tunnel “%s” (ssh’s known_hosts keeps it: ssh-keygen -R HOST removes it there).\n"),
           approved, name);
  return TRUE;
}

gboolean
ctl_cmd_trust (Ctl *ctl, int argc, char **argv, GError **error)
{
  gboolean do_show = FALSE, do_forget = FALSE;
  const GOptionEntry entries[] = {
    { "show", 0, 0, G_OPTION_ARG_NONE, &do_show,
      N_("List the approved host key and the one the server offered"), NULL },
    { "forget", 0, 0, G_OPTION_ARG_NONE, &do_forget, N_("Drop the approved host key"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = ctl_command_context ("trust", entries);
  g_autoptr(AsdDbusTunnel) tunnel = NULL;
  guint args = 2;

  g_option_context_set_description (context,
    _("FINGERPRINT is the host key’s fingerprint as ssh shows it, “SHA256:” and 43\n"
      "base64 characters; the tunnel’s reason shows it when the server’s key is\n"
      "unknown.  A fingerprint other than the one the server offered is refused.\n"
      "A changed host key is never accepted this way."));
  if (!ctl_parse_command (context, &argc, &argv, 1, 2, error))
    return FALSE;
  if (do_show && do_forget)
    {
      g_set_error_literal (error, CTL_ERROR, CTL_ERROR_USAGE, _("--show and --forget exclude each other"));
      return FALSE;
    }
  if (do_show || do_forget)
    args = 1;
  if ((guint) argc - 1 != args)
    {
      g_set_error_literal (error, CTL_ERROR, CTL_ERROR_USAGE,
                           do_show || do_forget ? _("--show and --forget take only NAME")
                                                : _("trust needs NAME and FINGERPRINT"));
      return FALSE;
    }
  tunnel = ctl_tunnel (ctl, argv[1], error);
  if (tunnel == NULL)
    return FALSE;
  if (do_show)
    return show (tunnel);
  if (do_forget)
    return forget (tunnel, error);
  if (!asd_dbus_tunnel_call_trust_host_key_sync (tunnel, argv[2], G_DBUS_CALL_FLAGS_NONE, -1,
                                                 NULL, error))
    return FALSE;
  g_print (_("Approved host key %s for tunnel “%s”.\n"), argv[2], argv[1]);
  return TRUE;
}
