/* test-tunnel-settings.c: a tunnel's settings from a{sv}, command lines
 * and key files, and the ssh command made from them
 *
 * Copyright 2026 The autosshd developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "asd-error.h"
#include "asd-tunnel-settings.h"

#define KEYS "Destination, User, Port, IdentityFile, LocalForward, RemoteForward, " \
  "DynamicForward, SshOptions, MonitorPort, EchoPort, PollInterval, FirstPoll, TrustedHostKey, AutoStart, ShareConnection, Transient, PassphraseCredential"

static void
assert_settings_equal (const AsdTunnelSettings *a, const AsdTunnelSettings *b)
{
  g_assert_cmpstr (a->destination, ==, b->destination);
  g_assert_cmpstr (a->user, ==, b->user);
  g_assert_cmpuint (a->port, ==, b->port);
  g_assert_cmpstr (a->identity_file, ==, b->identity_file);
  g_assert_cmpstrv (a->local_forwards, b->local_forwards);
  g_assert_cmpstrv (a->remote_forwards, b->remote_forwards);
  g_assert_cmpstrv (a->dynamic_forwards, b->dynamic_forwards);
  g_assert_cmpstrv (a->ssh_options, b->ssh_options);
  g_assert_cmpuint (a->monitor_port, ==, b->monitor_port);
  g_assert_cmpuint (a->echo_port, ==, b->echo_port);
  g_assert_cmpuint (a->poll_interval, ==, b->poll_interval);
  g_assert_cmpuint (a->first_poll, ==, b->first_poll);
  g_assert_cmpint (a->auto_start, ==, b->auto_start);
  g_assert_cmpint (a->share_connection, ==, b->share_connection);
  g_assert_cmpint (a->transient, ==, b->transient);
  g_assert_true (asd_tunnel_settings_equal (a, b));
}

/* Settings from an a{sv} in GVariant text format, which must apply. */
static AsdTunnelSettings *
settings_from_text (const char *text)
{
  g_autoptr(AsdTunnelSettings) settings = asd_tunnel_settings_new ();
  g_autoptr(GError) error = NULL;

  asd_tunnel_settings_apply_variant (settings, g_variant_new_parsed (text), &error);
  g_assert_no_error (error);
  return g_steal_pointer (&settings);
}

static void
test_defaults (void)
{
  g_autoptr(AsdTunnelSettings) settings = asd_tunnel_settings_new ();
  g_autoptr(GError) error = NULL;

  g_assert_null (settings->destination);
  g_assert_cmpuint (settings->poll_interval, ==, ASD_TUNNEL_DEFAULT_POLL);
  g_assert_cmpuint (settings->first_poll, ==, 0);
  g_assert_true (settings->auto_start);
  g_assert_true (settings->share_connection);
  g_assert_false (settings->transient);
  g_assert_cmpstrv (settings->local_forwards, (const char *[]) { NULL });
  g_assert_cmpstrv (settings->ssh_options, (const char *[]) { NULL });
  g_assert_false (asd_tunnel_settings_validate (settings, &error));
  g_assert_error (error, ASD_ERROR, ASD_ERROR_INVALID_SETTINGS);
  g_assert_cmpstr (error->message, ==,
                   "Destination is required: the host or ~/.ssh/config alias to connect to");
}

/* validate() checks settings made by hand as apply_variant() would. */
static void
test_validate (void)
{
  g_autoptr(AsdTunnelSettings) settings = settings_from_text ("{'Destination': <'host'>}");
  g_autoptr(GError) error = NULL;

  g_assert_true (asd_tunnel_settings_validate (settings, &error));
  g_assert_no_error (error);

  settings->poll_interval = 0;
  g_assert_false (asd_tunnel_settings_validate (settings, &error));
  g_assert_cmpstr (error->message, ==, "PollInterval “0” is not a number from 1 to 86400");
  g_clear_error (&error);
  settings->poll_interval = 10;

  g_strfreev (settings->remote_forwards);
  settings->remote_forwards = g_strsplit ("2222:localhost:22,-R", ",", -1);
  g_assert_false (asd_tunnel_settings_validate (settings, &error));
  g_assert_cmpstr (error->message, ==, "RemoteForward “-R” must not start with “-”");
  g_clear_error (&error);
  g_clear_pointer (&settings->remote_forwards[1], g_free);

  settings->echo_port = 7;
  g_assert_false (asd_tunnel_settings_validate (settings, &error));
  g_assert_cmpstr (error->message, ==,
                   "EchoPort 7 needs MonitorPort: the monitor's test goes out through MonitorPort to the server's echo service on EchoPort");
  g_clear_error (&error);
  settings->monitor_port = 20000;
  g_assert_true (asd_tunnel_settings_validate (settings, &error));
  g_assert_no_error (error);
}

/* ---- a{sv}, key by key ---- */

typedef struct {
  const char *name;
  const char *asv;              /* applied to settings with Destination "host" */
  const char *message;          /* NULL: must apply */
} KeyCase;

static const KeyCase key_cases[] = {
  { "destination", "{'Destination': <'example.org'>}", NULL },
  { "destination-ipv6", "{'Destination': <'::1'>}", NULL },
  { "destination-inject", "{'Destination': <'-oProxyCommand=x'>}",
    "Destination “-oProxyCommand=x” must not start with “-”" },
  { "destination-space", "{'Destination': <'host name'>}",
    "Destination “host name” must not contain spaces" },
  { "destination-newline", "{'Destination': <'a\\nb'>}",
    "Destination “a\\x0ab” must not contain control characters" },
  { "destination-user", "{'Destination': <'u@h'>}",
    "Destination “u@h” must not contain “@”: give the login name as User" },
  { "destination-empty", "{'Destination': <''>}",
    "Destination is required: the host or ~/.ssh/config alias to connect to" },
  { "destination-type", "{'Destination': <uint16 3>}",
    "Destination must have type “s” (string), not “q”" },
  { "user", "{'User': <'bob.smith_1-x'>}", NULL },
  { "user-unset", "{'User': <''>}", NULL },
  { "user-inject", "{'User': <'-oProxyCommand=x'>}",
    "User “-oProxyCommand=x” must not start with “-”" },
  { "user-space", "{'User': <'bob smith'>}", "User “bob smith” must not contain spaces" },
  { "user-chars", "{'User': <'bob;rm'>}",
    "User “bob;rm” may only contain letters, digits, “.”, “_” and “-”" },
  { "user-long", "{'User': <'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'>}",
    "User value of 65 bytes is too long: at most 64 are allowed" },
  { "port", "{'Port': <uint16 2222>}", NULL },
  { "port-int32", "{'Port': <22>}", "Port must have type “q” (uint16), not “i”" },
  { "port-string", "{'Port': <'22'>}", "Port must have type “q” (uint16), not “s”" },
  { "identity", "{'IdentityFile': <'/home/u/My Keys/id_ed25519'>}", NULL },
  { "identity-unset", "{'IdentityFile': <''>}", NULL },
  { "identity-inject", "{'IdentityFile': <'-oProxyCommand=x'>}",
    "IdentityFile “-oProxyCommand=x” must not start with “-”" },
  { "identity-tab", "{'IdentityFile': <'a\\tb'>}",
    "IdentityFile “a\\x09b” must not contain control characters" },
  { "local", "{'LocalForward': <['8080:localhost:80', '127.0.0.1:8080:localhost:80', "
    "'[::1]:8080:[::1]:80', '*:8080:h:80', ':8080:h:80', '8080:/run/s.sock', "
    "'/tmp/l.sock:h:80', '/tmp/a:/tmp/b', 'localhost:8080:/run/s', '65535:h:65535']>}", NULL },
  { "local-empty", "{'LocalForward': <@as []>}", NULL },
  { "local-port-only", "{'LocalForward': <['8080']>}",
    "LocalForward “8080” is not [bind_address:]port:host:hostport or [bind_address:]port:/socket, with ports from 1 to 65535" },
  { "local-port-0", "{'LocalForward': <['0:localhost:80']>}",
    "LocalForward “0:localhost:80” is not [bind_address:]port:host:hostport or [bind_address:]port:/socket, with ports from 1 to 65535" },
  { "local-hostport-0", "{'LocalForward': <['8080:localhost:0']>}",
    "LocalForward “8080:localhost:0” is not [bind_address:]port:host:hostport or [bind_address:]port:/socket, with ports from 1 to 65535" },
  { "local-port-big", "{'LocalForward': <['8080:localhost:65536']>}",
    "LocalForward “8080:localhost:65536” is not [bind_address:]port:host:hostport or [bind_address:]port:/socket, with ports from 1 to 65535" },
  { "local-space", "{'LocalForward': <['8080:localhost:80 -oProxyCommand=x']>}",
    "LocalForward “8080:localhost:80 -oProxyCommand=x” must not contain spaces" },
  { "local-inject", "{'LocalForward': <['-oProxyCommand=x']>}",
    "LocalForward “-oProxyCommand=x” must not start with “-”" },
  { "local-five-fields", "{'LocalForward': <['a:1:b:2:c']>}",
    "LocalForward “a:1:b:2:c” is not [bind_address:]port:host:hostport or [bind_address:]port:/socket, with ports from 1 to 65535" },
  { "local-trailing-colon", "{'LocalForward': <['8080:h:80:']>}",
    "LocalForward “8080:h:80:” is not [bind_address:]port:host:hostport or [bind_address:]port:/socket, with ports from 1 to 65535" },
  { "local-open-bracket", "{'LocalForward': <['[::1:8080:h:80']>}",
    "LocalForward “[::1:8080:h:80” is not [bind_address:]port:host:hostport or [bind_address:]port:/socket, with ports from 1 to 65535" },
  { "local-empty-host", "{'LocalForward': <['8080::80']>}",
    "LocalForward “8080::80” is not [bind_address:]port:host:hostport or [bind_address:]port:/socket, with ports from 1 to 65535" },
  { "local-service-name", "{'LocalForward': <['8080:h:http']>}",
    "LocalForward “8080:h:http” is not [bind_address:]port:host:hostport or [bind_address:]port:/socket, with ports from 1 to 65535" },
  { "local-backslash", "{'LocalForward': <['8080:h\\\\:80']>}",
    "LocalForward “8080:h\\:80” is not [bind_address:]port:host:hostport or [bind_address:]port:/socket, with ports from 1 to 65535" },
  { "local-bracket-junk", "{'LocalForward': <['[::1]x:8080:h:80']>}",
    "LocalForward “[::1]x:8080:h:80” is not [bind_address:]port:host:hostport or [bind_address:]port:/socket, with ports from 1 to 65535" },
  { "local-socket-too-long", "{'LocalForward': <['8080:/ssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssss']>}",
    "LocalForward “8080:/ssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssss” is not [bind_address:]port:host:hostport or [bind_address:]port:/socket, with ports from 1 to 65535" },
  { "local-path-to-port", "{'LocalForward': <['/tmp/a:8080']>}",
    "LocalForward “/tmp/a:8080” is not [bind_address:]port:host:hostport or [bind_address:]port:/socket, with ports from 1 to 65535" },
  { "local-socket-to-path-host", "{'LocalForward': <['/tmp/l.sock:/h:80']>}",
    "LocalForward “/tmp/l.sock:/h:80” is not [bind_address:]port:host:hostport or [bind_address:]port:/socket, with ports from 1 to 65535" },
  { "local-bad-port-to-socket", "{'LocalForward': <['h:x:/run/s']>}",
    "LocalForward “h:x:/run/s” is not [bind_address:]port:host:hostport or [bind_address:]port:/socket, with ports from 1 to 65535" },
  { "local-four-path-bind", "{'LocalForward': <['/a:8080:h:80']>}",
    "LocalForward “/a:8080:h:80” is not [bind_address:]port:host:hostport or [bind_address:]port:/socket, with ports from 1 to 65535" },
  { "local-four-empty-host", "{'LocalForward': <['[::1]:8080::80']>}",
    "LocalForward “[::1]:8080::80” is not [bind_address:]port:host:hostport or [bind_address:]port:/socket, with ports from 1 to 65535" },
  { "dynamic-path-bind", "{'DynamicForward': <['/x:1080']>}",
    "DynamicForward “/x:1080” is not [bind_address:]port, with a port from 1 to 65535" },
  { "local-type", "{'LocalForward': <'8080:h:80'>}",
    "LocalForward must have type “as” (array of strings), not “s”" },
  { "remote", "{'RemoteForward': <['2222:localhost:22', '0:localhost:22', '8080', '0', "
    "'localhost:1080', '[::1]:0', '*:2222:localhost:22', '/tmp/r.sock:localhost:22']>}", NULL },
  { "remote-word", "{'RemoteForward': <['x']>}",
    "RemoteForward “x” is not [bind_address:]port:host:hostport, [bind_address:]port:/socket or [bind_address:]port, with ports from 1 to 65535 (a listening port of 0 lets the server choose)" },
  { "remote-hostport-0", "{'RemoteForward': <['2222:localhost:0']>}",
    "RemoteForward “2222:localhost:0” is not [bind_address:]port:host:hostport, [bind_address:]port:/socket or [bind_address:]port, with ports from 1 to 65535 (a listening port of 0 lets the server choose)" },
  { "dynamic", "{'DynamicForward': <['1080', 'localhost:1080', '[::1]:1080', '*:1080']>}", NULL },
  { "dynamic-0", "{'DynamicForward': <['0']>}",
    "DynamicForward “0” is not [bind_address:]port, with a port from 1 to 65535" },
  { "dynamic-forward", "{'DynamicForward': <['1080:h:80']>}",
    "DynamicForward “1080:h:80” is not [bind_address:]port, with a port from 1 to 65535" },
  { "dynamic-socket", "{'DynamicForward': <['/tmp/socks']>}",
    "DynamicForward “/tmp/socks” is not [bind_address:]port, with a port from 1 to 65535" },
  { "options", "{'SshOptions': <['ServerAliveInterval=30', 'Compression yes', "
    "'ProxyCommand=ssh -W %h:%p jump', 'SendEnv=-LC_*']>}", NULL },
  { "options-no-key", "{'SshOptions': <['=x']>}",
    "SshOptions entry “=x” is not Key=Value, such as ServerAliveInterval=30" },
  { "options-no-value", "{'SshOptions': <['Compression=']>}",
    "SshOptions entry “Compression=” is not Key=Value, such as ServerAliveInterval=30" },
  { "options-key-only", "{'SshOptions': <['Compression']>}",
    "SshOptions entry “Compression” is not Key=Value, such as ServerAliveInterval=30" },
  { "options-digit", "{'SshOptions': <['1Key=x']>}",
    "SshOptions entry “1Key=x” is not Key=Value, such as ServerAliveInterval=30" },
  { "options-newline", "{'SshOptions': <['LocalCommand=a\\nb']>}",
    "SshOptions “LocalCommand=a\\x0ab” must not contain control characters" },
  { "options-inject", "{'SshOptions': <['-oProxyCommand=x']>}",
    "SshOptions “-oProxyCommand=x” must not start with “-”" },
  { "monitor", "{'MonitorPort': <uint16 65534>}", NULL },
  { "monitor-echo", "{'MonitorPort': <uint16 65535>, 'EchoPort': <uint16 7>}", NULL },
  { "monitor-65535", "{'MonitorPort': <uint16 65535>}",
    "MonitorPort 65535 needs EchoPort: without it the monitor also uses MonitorPort + 1, so MonitorPort goes from 1 to 65534" },
  { "echo-alone", "{'EchoPort': <uint16 7>}",
    "EchoPort 7 needs MonitorPort: the monitor's test goes out through MonitorPort to the server's echo service on EchoPort" },
  { "poll", "{'PollInterval': <uint32 1>, 'FirstPoll': <uint32 0>}", NULL },
  { "poll-max", "{'PollInterval': <uint32 86400>, 'FirstPoll': <uint32 86400>}", NULL },
  { "poll-0", "{'PollInterval': <uint32 0>}", "PollInterval “0” is not a number from 1 to 86400" },
  { "poll-big", "{'PollInterval': <uint32 86401>}", "PollInterval “86401” is not a number from 1 to 86400" },
  { "first-poll-big", "{'FirstPoll': <uint32 86401>}", "FirstPoll “86401” is not a number from 0 to 86400" },
  { "poll-type", "{'PollInterval': <uint16 30>}", "PollInterval must have type “u” (uint32), not “q”" },
  { "trusted-host-key", "{'TrustedHostKey': <'SHA256:abcdefghijklmnopqrstuvwxyzABCDEFGH+/0123456'>}", NULL },
  { "trusted-host-key-short", "{'TrustedHostKey': <'SHA256:abc'>}",
    "TrustedHostKey “SHA256:abc” is not a host key fingerprint: expected SHA256: and 43 characters, as ssh shows it" },
  { "trusted-host-key-md5", "{'TrustedHostKey': <'MD5:aa:bb'>}",
    "TrustedHostKey “MD5:aa:bb” is not a host key fingerprint: expected SHA256: and 43 characters, as ssh shows it" },
  { "booleans", "{'AutoStart': <false>, 'Transient': <true>}", NULL },
  { "boolean-type", "{'AutoStart': <'yes'>}", "AutoStart must have type “b” (boolean), not “s”" },
  { "unknown", "{'Host': <'x'>}", "unknown key “Host”: the keys are " KEYS },
  { "unknown-case", "{'destination': <'x'>}", "unknown key “destination”: the keys are " KEYS },
};

static void
test_key (gconstpointer data)
{
  const KeyCase *c = data;
  g_autoptr(AsdTunnelSettings) settings = settings_from_text ("{'Destination': <'host'>}");
  g_autoptr(AsdTunnelSettings) before = asd_tunnel_settings_copy (settings);
  g_autoptr(GError) error = NULL;
  gboolean ok = asd_tunnel_settings_apply_variant (settings, g_variant_new_parsed (c->asv), &error);

  if (c->message == NULL)
    {
      g_assert_no_error (error);
      g_assert_true (ok);
      g_assert_true (asd_tunnel_settings_validate (settings, &error));
      g_assert_no_error (error);
      return;
    }
  g_assert_false (ok);
  g_assert_error (error, ASD_ERROR, ASD_ERROR_INVALID_SETTINGS);
  g_assert_cmpstr (error->message, ==, c->message);
  assert_settings_equal (settings, before);
}

/* Applies one key to settings with Destination "host"; returns the error. */
static GError *
apply_one (const char *key, GVariant *value)
{
  g_autoptr(AsdTunnelSettings) settings = settings_from_text ("{'Destination': <'host'>}");
  g_autoptr(GVariantDict) dict = g_variant_dict_new (NULL);
  GError *error = NULL;

  g_variant_dict_insert_value (dict, key, value);
  asd_tunnel_settings_apply_variant (settings, g_variant_dict_end (dict), &error);
  return error;
}

/* Lists hold at most 64 entries of at most 512 bytes, Destination 255
 * bytes, IdentityFile 4096. */
static void
test_sizes (void)
{
  g_autoptr(GPtrArray) forwards = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *host = g_strnfill (256, 'h');
  g_autofree char *path = g_strnfill (4097, 'p');
  g_autofree char *option = g_strnfill (513, 'O');
  GError *error;

  for (guint i = 1; i <= 65; i++)
    g_ptr_array_add (forwards, g_strdup_printf ("%u:localhost:80", 10000 + i));
  error = apply_one ("LocalForward", g_variant_new_strv ((const char * const *) forwards->pdata, 65));
  g_assert_cmpstr (error->message, ==, "LocalForward has 65 entries: at most 64 are allowed");
  g_clear_error (&error);
  g_assert_null (apply_one ("LocalForward", g_variant_new_strv ((const char * const *) forwards->pdata, 64)));

  error = apply_one ("Destination", g_variant_new_string (host));
  g_assert_cmpstr (error->message, ==, "Destination value of 256 bytes is too long: at most 255 are allowed");
  g_clear_error (&error);
  g_assert_null (apply_one ("Destination", g_variant_new_string (host + 1)));

  error = apply_one ("IdentityFile", g_variant_new_string (path));
  g_assert_cmpstr (error->message, ==, "IdentityFile value of 4097 bytes is too long: at most 4096 are allowed");
  g_clear_error (&error);
  g_assert_null (apply_one ("IdentityFile", g_variant_new_string (path + 1)));

  error = apply_one ("SshOptions", g_variant_new_strv ((const char *[]) { option, NULL }, 1));
  g_assert_cmpstr (error->message, ==, "SshOptions value of 513 bytes is too long: at most 512 are allowed");
  g_clear_error (&error);
  option[2] = '=';
  g_assert_null (apply_one ("SshOptions", g_variant_new_strv ((const char *[]) { option + 1, NULL }, 1)));
}

static void
test_normalised (void)
{
  g_autoptr(AsdTunnelSettings) settings = settings_from_text (
      "{'Destination': <'host'>, 'SshOptions': <['ServerAliveInterval 30', 'Compression = yes', "
      "'ProxyCommand ssh -W %h:%p jump']>}");
  const char *want[] = { "ServerAliveInterval=30", "Compression=yes", "ProxyCommand=ssh -W %h:%p jump", NULL };

  g_assert_cmpstrv (settings->ssh_options, want);
}

/* A failing a{sv} changes nothing, even after good keys were read. */
static void
test_unchanged_on_error (void)
{
  g_autoptr(AsdTunnelSettings) settings = settings_from_text (
      "{'Destination': <'host'>, 'User': <'bob'>, 'LocalForward': <['8080:localhost:80']>, "
      "'PollInterval': <uint32 60>}");
  g_autoptr(AsdTunnelSettings) before = asd_tunnel_settings_copy (settings);
  const char *bad[] = {
    "{'User': <'alice'>, 'LocalForward': <['1:h:2']>, 'Port': <'x'>}",
    "{'Destination': <'other'>, 'EchoPort': <uint16 7>}",
    "{'AutoStart': <false>, 'Nope': <1>}",
    "{'SshOptions': <['A=b']>, 'Destination': <''>}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_false (asd_tunnel_settings_apply_variant (settings, g_variant_new_parsed (bad[i]), &error));
      g_assert_error (error, ASD_ERROR, ASD_ERROR_INVALID_SETTINGS);
      assert_settings_equal (settings, before);
    }
}

/* Every key set, none to its default. */
#define ALL_KEYS \
  "{'Destination': <'example.org'>, 'User': <'bob'>, 'Port': <uint16 2222>, " \
  "'IdentityFile': <'/home/bob/id'>, 'LocalForward': <['8080:localhost:80', '8081:localhost:81']>, " \
  "'RemoteForward': <['0:localhost:22']>, 'DynamicForward': <['1080']>, " \
  "'SshOptions': <['Compression=yes', 'ConnectTimeout=5']>, 'MonitorPort': <uint16 20000>, " \
  "'EchoPort': <uint16 7>, 'PollInterval': <uint32 60>, 'FirstPoll': <uint32 5>, " \
  "'AutoStart': <false>, 'ShareConnection': <false>, 'Transient': <true>}"

/* equal() compares every key, lists entry by entry. */
static void
test_equal (void)
{
  g_autoptr(AsdTunnelSettings) settings = settings_from_text (ALL_KEYS);
  g_autoptr(AsdTunnelSettings) copy = asd_tunnel_settings_copy (settings);
  g_autoptr(AsdTunnelSettings) fresh = asd_tunnel_settings_new ();
  g_autoptr(AsdTunnelSettings) fresh_too = asd_tunnel_settings_new ();
  g_auto(GStrv) names = g_strsplit (KEYS, ", ", -1);
  const char *changes[] = {
    "{'Destination': <'example.net'>}",
    "{'User': <'alice'>}",
    "{'User': <''>}",
    "{'Port': <uint16 2223>}",
    "{'IdentityFile': <'/home/bob/id2'>}",
    "{'IdentityFile': <''>}",
    "{'LocalForward': <['8080:localhost:80', '8081:localhost:82']>}",
    "{'LocalForward': <['8081:localhost:81', '8080:localhost:80']>}",
    "{'LocalForward': <['8080:localhost:80']>}",
    "{'RemoteForward': <['0:localhost:23']>}",
    "{'RemoteForward': <['0:localhost:22', '2222:localhost:22']>}",
    "{'DynamicForward': <@as []>}",
    "{'SshOptions': <['Compression=no', 'ConnectTimeout=5']>}",
    "{'MonitorPort': <uint16 20002>}",
    "{'EchoPort': <uint16 8>}",
    "{'PollInterval': <uint32 61>}",
    "{'FirstPoll': <uint32 0>}",
    "{'TrustedHostKey': <'SHA256:abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ'>}",
    "{'AutoStart': <true>}",
    "{'ShareConnection': <true>}",
    "{'Transient': <false>}",
    "{'PassphraseCredential': <'other-key'>}",
  };

  g_assert_true (asd_tunnel_settings_equal (settings, copy));
  g_assert_true (asd_tunnel_settings_equal (settings, settings));
  g_assert_true (asd_tunnel_settings_equal (fresh, fresh_too));
  g_assert_false (asd_tunnel_settings_equal (settings, fresh));
  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autofree char *quoted = g_strdup_printf ("'%s'", names[i]);
      gboolean changed = FALSE;

      for (guint j = 0; j < G_N_ELEMENTS (changes); j++)
        changed |= strstr (changes[j], quoted) != NULL;
      g_assert_true (changed);
    }
  for (guint i = 0; i < G_N_ELEMENTS (changes); i++)
    {
      g_autoptr(AsdTunnelSettings) other = asd_tunnel_settings_copy (settings);
      g_autoptr(GError) error = NULL;

      g_test_message ("%s", changes[i]);
      g_assert_true (asd_tunnel_settings_apply_variant (other, g_variant_new_parsed (changes[i]), &error));
      g_assert_no_error (error);
      g_assert_false (asd_tunnel_settings_equal (settings, other));
      g_assert_false (asd_tunnel_settings_equal (other, settings));
    }

  /* An unset string is not an empty one. */
  fresh_too->user = g_strdup ("");
  g_assert_false (asd_tunnel_settings_equal (fresh, fresh_too));
  g_assert_false (asd_tunnel_settings_equal (fresh_too, fresh));
}

/* ---- autossh command lines ---- */

typedef struct {
  const char *name;
  const char *argv[20];
  const char *want;             /* the a{sv} it must equal, or the error */
} CommandCase;

static const CommandCase command_cases[] = {
  { "tldr-keepalive", { "-M", "0", "-N", "-o", "ServerAliveInterval 30", "-o", "ServerAliveCountMax 3",
                        "-L", "8080:localhost:80", "user@host", NULL },
    "{'Destination': <'host'>, 'User': <'user'>, 'LocalForward': <['8080:localhost:80']>, "
    "'SshOptions': <['ServerAliveInterval=30', 'ServerAliveCountMax=3']>}" },
  { "tldr-socks", { "-f", "-M", "20000", "-N", "-D", "1080", "user@host", NULL },
    "{'Destination': <'host'>, 'User': <'user'>, 'MonitorPort': <uint16 20000>, 'DynamicForward': <['1080']>}" },
  { "tldr-echo", { "-M", "20000:7", "-N", "-L", "8080:localhost:80", "host", NULL },
    "{'Destination': <'host'>, 'MonitorPort': <uint16 20000>, 'EchoPort': <uint16 7>, "
    "'LocalForward': <['8080:localhost:80']>}" },
  { "tldr-jump", { "-f", "-M", "0", "-N", "-J", "user@jump", "-L", "8080:localhost:80", "user@host", NULL },
    "{'Destination': <'host'>, 'User': <'user'>, 'LocalForward': <['8080:localhost:80']>, "
    "'SshOptions': <['ProxyJump=user@jump']>}" },
  { "tldr-reverse", { "-f", "-M", "20000", "-N", "-R", "2222:localhost:22", "user@host", NULL },
    "{'Destination': <'host'>, 'User': <'user'>, 'MonitorPort': <uint16 20000>, 'RemoteForward': <['2222:localhost:22']>}" },
  { "clusters", { "-NL", "8080:x:80", "-L8081:y:80", "-NfTR2222:localhost:22", "-qvnD", "1080", "host", NULL },
    "{'Destination': <'host'>, 'LocalForward': <['8080:x:80', '8081:y:80']>, "
    "'RemoteForward': <['2222:localhost:22']>, 'DynamicForward': <['1080']>}" },
  { "login", { "-p", "2222", "-l", "bob", "-i", "/home/bob/.ssh/id_ed25519", "host", NULL },
    "{'Destination': <'host'>, 'User': <'bob'>, 'Port': <uint16 2222>, "
    "'IdentityFile': <'/home/bob/.ssh/id_ed25519'>}" },
  { "l-wins", { "-l", "bob", "alice@host", NULL },
    "{'Destination': <'host'>, 'User': <'bob'>}" },
  { "last-at", { "me@example.org@host", NULL },
    "User “me@example.org” may only contain letters, digits, “.”, “_” and “-”" },
  { "flags-to-options", { "-C", "-4", "-oCompression=no", "-6", "host", NULL },
    "{'Destination': <'host'>, 'SshOptions': <['Compression=yes', 'AddressFamily=inet', "
    "'Compression=no', 'AddressFamily=inet6']>}" },
  { "options-after-host", { "host", "-N", "-L", "1:h:2", "-M", "0", NULL },
    "{'Destination': <'host'>, 'LocalForward': <['1:h:2']>}" },
  { "dashdash", { "-N", "--", "host", NULL }, "{'Destination': <'host'>}" },
  { "ssh-dashdash", { "-M", "0", "--", "-N", "--", "host", NULL }, "{'Destination': <'host'>}" },
  { "remote-command", { "-M", "0", "-N", "host", "ls", NULL },
    "the service runs ssh -N: a remote command (“ls”) is not supported" },
  { "remote-command-args", { "host", "-N", "tar", "-cf", "-", ".", NULL },
    "the service runs ssh -N: a remote command (“tar -cf - .”) is not supported" },
  { "remote-command-dashdash", { "host", "--", "--", "-N", NULL },
    "the service runs ssh -N: a remote command (“-N”) is not supported" },
  { "unsupported-X", { "-X", "host", NULL },
    "option -X is not supported by the service: it maps -L, -R, -D, -p, -l, -i, -o, -J, -C, -4, -6 and -M to settings (other ssh options go in as -o Key=Value)" },
  { "unsupported-in-cluster", { "-NA", "host", NULL },
    "option -A is not supported by the service: it maps -L, -R, -D, -p, -l, -i, -o, -J, -C, -4, -6 and -M to settings (other ssh options go in as -o Key=Value)" },
  { "unsupported-F", { "-F", "/tmp/config", "host", NULL },
    "option -F is not supported by the service: it maps -L, -R, -D, -p, -l, -i, -o, -J, -C, -4, -6 and -M to settings (other ssh options go in as -o Key=Value)" },
  { "unknown", { "-Z", "host", NULL }, "unknown option -- Z" },
  /* found by fuzzing: criticals, and a NULL in the forward list */
  { "forward-not-utf8", { "-L", "\x81", "host", NULL },
    "argument 2 (“\xef\xbf\xbd”) is not valid UTF-8" },
  { "destination-not-utf8", { "h\xf6st", NULL }, "argument 1 (“h\xef\xbf\xbdst”) is not valid UTF-8" },
  { "no-value", { "--", "host", "-L", NULL }, "option requires an argument -- L" },
  { "version", { "-V", NULL }, "-V prints autossh's version and starts no tunnel" },
  { "no-destination", { "-M", "0", "-N", NULL },
    "the command line has no destination: give user@host or a ~/.ssh/config alias" },
  { "bad-monitor", { "-M", "abc", "host", NULL },
    "invalid monitor port “abc”: expected 0 (off), a port from 1 to 65534, or PORT:ECHO_PORT" },
  { "bad-forward", { "-L", "8080", "host", NULL },
    "LocalForward “8080” is not [bind_address:]port:host:hostport or [bind_address:]port:/socket, with ports from 1 to 65535" },
  { "bad-port", { "-p", "ssh", "host", NULL }, "Port “ssh” is not a number from 0 to 65535" },
  { "port-twice", { "-p", "22", "-p", "2222", "host", NULL },
    "-p is given twice: the service takes one Port" },
  { "inject-destination", { "--", "--", "-oProxyCommand=x", NULL },
    "Destination “-oProxyCommand=x” must not start with “-”" },
  { "inject-user", { "-l", "-oProxyCommand=x", "host", NULL },
    "User “-oProxyCommand=x” must not start with “-”" },
  { "bad-option", { "-o", "NoValue", "host", NULL },
    "SshOptions entry “NoValue” is not Key=Value, such as ServerAliveInterval=30" },
  { "bad-jump", { "-J", "a b\nc", "host", NULL },
    "SshOptions “ProxyJump=a b\\x0ac” must not contain control characters" },
};

static void
test_command_line (gconstpointer data)
{
  const CommandCase *c = data;
  g_autoptr(AsdTunnelSettings) settings = asd_tunnel_settings_new ();
  g_autoptr(AsdTunnelSettings) before = asd_tunnel_settings_new ();
  g_autoptr(GError) error = NULL;
  gboolean ok = asd_tunnel_settings_apply_command_line (settings, c->argv, &error);

  if (c->want[0] == '{')
    {
      g_autoptr(AsdTunnelSettings) want = settings_from_text (c->want);

      g_assert_no_error (error);
      g_assert_true (ok);
      assert_settings_equal (settings, want);
      return;
    }
  g_assert_false (ok);
  g_assert_error (error, ASD_ERROR, ASD_ERROR_INVALID_SETTINGS);
  g_assert_cmpstr (error->message, ==, c->want);
  assert_settings_equal (settings, before);
}

static void
test_command_line_too_many (void)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(AsdTunnelSettings) settings = asd_tunnel_settings_new ();
  g_autoptr(GError) error = NULL;

  for (guint i = 1; i <= 65; i++)
    g_ptr_array_add (argv, g_strdup_printf ("-L%u:localhost:80", 10000 + i));
  g_ptr_array_add (argv, g_strdup ("host"));
  g_ptr_array_add (argv, NULL);
  g_assert_false (asd_tunnel_settings_apply_command_line (settings, (const char * const *) argv->pdata, &error));
  g_assert_cmpstr (error->message, ==, "LocalForward has 65 entries: at most 64 are allowed");
}

/* ---- key files ---- */

static char *
make_tmp_dir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("test-tunnel-settings-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static void
remove_tree (const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileEnumerator) children =
    g_file_enumerate_children (file, G_FILE_ATTRIBUTE_STANDARD_NAME,
                               G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, NULL);
  GFileInfo *info;

  while (children != NULL && (info = g_file_enumerator_next_file (children, NULL, NULL)) != NULL)
    {
      g_autoptr(GFileInfo) owned = info;
      g_autofree char *child = g_build_filename (path, g_file_info_get_name (owned), NULL);
      remove_tree (child);
    }
  g_remove (path);
}

static void
assert_mode (const char *path, guint mode)
{
  GStatBuf buf;

  g_assert_cmpint (g_stat (path, &buf), ==, 0);
  g_assert_cmpuint (buf.st_mode & 0777, ==, mode);
}

static void
test_save_load (void)
{
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *tunnels = g_build_filename (dir, "autosshd", "tunnels", NULL);
  g_autofree char *path = g_build_filename (tunnels, "web.conf", NULL);
  g_autoptr(AsdTunnelSettings) settings = settings_from_text (
      "{'Destination': <'example.org'>, 'User': <'bob'>, 'Port': <uint16 2222>, "
      "'IdentityFile': <'/home/bob/My Keys/id'>, 'LocalForward': <['8080:localhost:80', '[::1]:8443:h:443']>, "
      "'RemoteForward': <['0:localhost:22']>, 'DynamicForward': <['1080']>, "
      "'SshOptions': <['ProxyCommand=sh -c \"nc %h %p; true\"', 'Compression=yes']>, "
      "'MonitorPort': <uint16 20000>, 'EchoPort': <uint16 7>, 'PollInterval': <uint32 60>, "
      "'FirstPoll': <uint32 5>, 'AutoStart': <false>, 'Transient': <true>}");
  g_autoptr(AsdTunnelSettings) loaded = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  g_assert_true (asd_tunnel_settings_save (settings, path, &error));
  g_assert_no_error (error);
  assert_mode (path, 0600);
  assert_mode (tunnels, 0700);
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_assert_null (strstr (text, "Transient"));

  loaded = asd_tunnel_settings_load (path, &error);
  g_assert_no_error (error);
  settings->transient = FALSE;
  assert_settings_equal (loaded, settings);
  remove_tree (dir);
}

/* to_variant gives every key, defaults included, and applying it to
 * fresh settings gives the same settings back. */
static void
test_to_variant (void)
{
  g_autoptr(AsdTunnelSettings) full = settings_from_text (
      "{'Destination': <'example.org'>, 'User': <'bob'>, 'Port': <uint16 2222>, "
      "'IdentityFile': <'/home/bob/id'>, 'LocalForward': <['8080:localhost:80']>, "
      "'RemoteForward': <['0:localhost:22']>, 'DynamicForward': <['1080']>, "
      "'SshOptions': <['Compression=yes']>, 'MonitorPort': <uint16 20000>, "
      "'EchoPort': <uint16 7>, 'PollInterval': <uint32 60>, 'FirstPoll': <uint32 5>, "
      "'TrustedHostKey': <'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'>, "
      "'AutoStart': <false>, 'ShareConnection': <false>, 'Transient': <true>, 'PassphraseCredential': <'web-key'>}");
  g_autoptr(AsdTunnelSettings) minimal = settings_from_text ("{'Destination': <'h'>}");
  const AsdTunnelSettings *cases[] = { full, minimal };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GVariant) asv = g_variant_ref_sink (asd_tunnel_settings_to_variant (cases[i]));
      g_autoptr(AsdTunnelSettings) back = asd_tunnel_settings_new ();
      g_autoptr(GError) error = NULL;

      g_assert_true (g_variant_is_of_type (asv, G_VARIANT_TYPE_VARDICT));
      g_assert_cmpuint (g_variant_n_children (asv), ==, 17);
      g_assert_true (asd_tunnel_settings_apply_variant (back, asv, &error));
      g_assert_no_error (error);
      assert_settings_equal (back, cases[i]);
      g_assert_cmpstr (back->trusted_host_key, ==, cases[i]->trusted_host_key);
      g_assert_cmpstr (back->passphrase_credential, ==, cases[i]->passphrase_credential);
    }
  {
    g_autoptr(GVariant) asv = g_variant_ref_sink (asd_tunnel_settings_to_variant (minimal));
    g_autoptr(GVariantDict) dict = g_variant_dict_new (asv);
    guint poll = 0;
    gboolean auto_start = FALSE;
    const char *user = NULL;

    g_assert_true (g_variant_dict_lookup (dict, "PollInterval", "u", &poll));
    g_assert_cmpuint (poll, ==, ASD_TUNNEL_DEFAULT_POLL);
    g_assert_true (g_variant_dict_lookup (dict, "AutoStart", "b", &auto_start));
    g_assert_true (auto_start);
    g_assert_true (g_variant_dict_lookup (dict, "User", "&s", &user));
    g_assert_cmpstr (user, ==, "");
  }
}

/* Only Destination and what differs from the defaults is written. */
static void
test_save_minimal (void)
{
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *path = g_build_filename (dir, "min.conf", NULL);
  g_autoptr(AsdTunnelSettings) settings = settings_from_text ("{'Destination': <'host'>, 'Transient': <true>}");
  g_autoptr(AsdTunnelSettings) loaded = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  g_assert_true (asd_tunnel_settings_save (settings, path, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_assert_cmpstr (text, ==, "[Tunnel]\nDestination=host\n");

  /* Saving again replaces the file. */
  settings->port = 22;
  g_assert_true (asd_tunnel_settings_save (settings, path, &error));
  loaded = asd_tunnel_settings_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (loaded->port, ==, 22);
  g_assert_cmpuint (loaded->poll_interval, ==, ASD_TUNNEL_DEFAULT_POLL);
  g_assert_true (loaded->auto_start);
  remove_tree (dir);
}

typedef struct {
  const char *name;
  const char *text;
  const char *message;          /* after "PATH" */
} LoadCase;

static const LoadCase load_cases[] = {
  /* found by fuzzing: two bad escapes made GLib warn (its GError set twice) */
  { "bad-escapes", "[Tunnel]\nDestination=h\nSshOptions=RemoteCommand=a\\;Transient==\\y;\\\n",
    ":3: SshOptions has a backslash that starts no escape a tunnel file knows "
    "(\\s, \\n, \\t, \\r, \\\\, and \\; in lists)" },
  { "bad-escape-string", "[Tunnel]\nDestination=h\\q\n",
    ":2: Destination has a backslash that starts no escape a tunnel file knows "
    "(\\s, \\n, \\t, \\r, \\\\, and \\; in lists)" },
  { "syntax-line-3", "# web\n[Tunnel]\nthis is not valid\nDestination=host\n",
    ":3: the line is not a key=value line, a [group] line or a # comment" },
  { "bad-group-line", "[Tunnel]\nDestination=host\n[Oops\n",
    ":3: the line is not a key=value line, a [group] line or a # comment" },
  { "before-group", "Destination=host\n[Tunnel]\n",
    ":1: a key=value line comes before the [Tunnel] line" },
  { "port-line-4", "# web\n\n[Tunnel]\nPort=abc\nDestination=host\n",
    ":4: Port “abc” is not a number from 0 to 65535" },
  { "port-big", "[Tunnel]\nDestination=host\nPort = 65536\n",
    ":3: Port “65536” is not a number from 0 to 65535" },
  { "port-negative", "[Tunnel]\nDestination=host\nPort=-1\n",
    ":3: Port “-1” is not a number from 0 to 65535" },
  { "unknown-key", "[Tunnel]\nDestination=host\nHost=x\n",
    ":3: unknown key “Host”: the keys are " KEYS },
  { "unknown-group", "[Tunnel]\nDestination=host\n\n[Extra]\nA=b\n",
    ":4: unknown group [Extra]: a tunnel's file has only [Tunnel]" },
  { "no-group", "# nothing\n", ": there is no [Tunnel] group" },
  { "bad-boolean", "[Tunnel]\nDestination=host\nAutoStart=yes\n",
    ":3: AutoStart “yes” is not true or false" },
  { "bad-forward", "[Tunnel]\nDestination=host\nLocalForward=8080:localhost:80;8080 x\n",
    ":3: LocalForward “8080 x” must not contain spaces" },
  { "inject", "[Tunnel]\nDestination=-oProxyCommand=x\n",
    ":2: Destination “-oProxyCommand=x” must not start with “-”" },
  { "escaped-newline", "[Tunnel]\nDestination=a\\nb\n",
    ":2: Destination “a\\x0ab” must not contain control characters" },
  { "last-duplicate", "[Tunnel]\nDestination=host\nPort=22\nPort=x\n",
    ":4: Port “x” is not a number from 0 to 65535" },
  { "no-destination", "[Tunnel]\nPort=22\n",
    ": Destination is required: the host or ~/.ssh/config alias to connect to" },
  { "not-utf8", "[Tunnel]\n# a comment may be anything: caf\xe9\nDestination=caf\xe9\n",
    ":3: Destination is not valid UTF-8" },
  { "not-utf8-then-bad", "[Tunnel]\nDestination=caf\xe9\nthis is bad\n",
    ":2: the line is not valid UTF-8" },
  { "spaces-around", "  [Tunnel]  \n  Destination = host\n\tPort\t=\tx\n",
    ":3: Port “x” is not a number from 0 to 65535" },
  { "not-utf8-key", "[Tunnel]\nDestination=host\nPort\xe9=1\n",
    ":3: unknown key “Port\xef\xbf\xbd”: the keys are " KEYS },
  { "empty-key", "[Tunnel]\n=host\n",
    ":2: the line is not a key=value line, a [group] line or a # comment" },
  { "group-junk", "[Tunnel] x\nDestination=host\n",
    ":1: the line is not a key=value line, a [group] line or a # comment" },
  { "group-nested", "[Tun[nel]\nDestination=host\n",
    ":1: the line is not a key=value line, a [group] line or a # comment" },
  { "group-empty", "[]\nDestination=host\n",
    ":1: the line is not a key=value line, a [group] line or a # comment" },
  { "escape-at-end", "[Tunnel]\nDestination=host\\\n",
    ":2: Destination has a backslash that starts no escape a tunnel file knows "
    "(\\s, \\n, \\t, \\r, \\\\, and \\; in lists)" },
  { "list-escape-in-string", "[Tunnel]\nDestination=a\\;b\n",
    ":2: Destination has a backslash that starts no escape a tunnel file knows "
    "(\\s, \\n, \\t, \\r, \\\\, and \\; in lists)" },
  { "echo-alone", "[Tunnel]\nDestination=host\nEchoPort=7\n",
    ":3: EchoPort 7 needs MonitorPort: the monitor's test goes out through MonitorPort to the server's echo service on EchoPort" },
};

static void
test_load_error (gconstpointer data)
{
  const LoadCase *c = data;
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *path = g_build_filename (dir, "web.conf", NULL);
  g_autofree char *want = g_strconcat (path, c->message, NULL);
  g_autoptr(AsdTunnelSettings) settings = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_set_contents (path, c->text, -1, NULL));
  settings = asd_tunnel_settings_load (path, &error);
  g_assert_null (settings);
  g_assert_error (error, ASD_ERROR, ASD_ERROR_INVALID_SETTINGS);
  g_assert_cmpstr (error->message, ==, want);
  remove_tree (dir);
}

static void
test_load_good (void)
{
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *path = g_build_filename (dir, "web.conf", NULL);
  g_autoptr(AsdTunnelSettings) want = settings_from_text (
      "{'Destination': <'host'>, 'Port': <uint16 22>, 'LocalForward': <['8080:localhost:80', '8443:localhost:443']>, "
      "'SshOptions': <['ServerAliveInterval=30']>, 'AutoStart': <false>}");
  g_autoptr(AsdTunnelSettings) settings = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_set_contents (path,
      "# a tunnel written by hand\n\n[Tunnel]\n  Destination = host\nPort=22 \n"
      "LocalForward=8080:localhost:80;8443:localhost:443;\nSshOptions=ServerAliveInterval 30\n"
      "AutoStart=false\n", -1, NULL));
  settings = asd_tunnel_settings_load (path, &error);
  g_assert_no_error (error);
  assert_settings_equal (settings, want);
  remove_tree (dir);
}

static void
test_load_missing (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_null (asd_tunnel_settings_load ("/nonexistent/web.conf", &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
}

/* Files in the tunnels directory that are not tunnel files: nothing may
 * block (a FIFO with no writer), read without end (/dev/zero), or be
 * quoted in the error (a link to a file with secrets in it). */
static void
test_load_special (void)
{
  g_autofree char *dir = g_dir_make_tmp ("asd-settings-XXXXXX", NULL);
  g_autofree char *fifo = g_build_filename (dir, "fifo.conf", NULL);
  g_autofree char *zero = g_build_filename (dir, "zero.conf", NULL);
  g_autofree char *huge = g_build_filename (dir, "huge.conf", NULL);
  g_autofree char *secret = g_build_filename (dir, "secret", NULL);
  g_autofree char *linked = g_build_filename (dir, "linked.conf", NULL);
  g_autofree char *good = g_build_filename (dir, "good", NULL);
  g_autofree char *to_good = g_build_filename (dir, "to-good.conf", NULL);
  g_autofree char *big = g_malloc0 (ASD_TUNNEL_FILE_MAX + 1);
  const char *not_tunnels[] = { fifo, zero, huge };

  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  g_assert_cmpint (symlink ("/dev/zero", zero), ==, 0);
  memset (big, '#', ASD_TUNNEL_FILE_MAX);
  big[ASD_TUNNEL_FILE_MAX] = '\n';
  g_assert_true (g_file_set_contents (huge, big, ASD_TUNNEL_FILE_MAX + 1, NULL));
  for (guint i = 0; i < G_N_ELEMENTS (not_tunnels); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_null (asd_tunnel_settings_load (not_tunnels[i], &error));
      g_assert_error (error, ASD_ERROR, ASD_ERROR_INVALID_SETTINGS);
      g_assert_true (g_str_has_prefix (error->message, not_tunnels[i]));
    }

  /* content is never quoted */
  g_assert_true (g_file_set_contents (secret, "root:$y$j9T$hash:19000:0:99999:7:::\n", -1, NULL));
  g_assert_cmpint (symlink (secret, linked), ==, 0);
  {
    g_autoptr(GError) error = NULL;

    g_assert_null (asd_tunnel_settings_load (linked, &error));
    g_assert_error (error, ASD_ERROR, ASD_ERROR_INVALID_SETTINGS);
    g_assert_null (strstr (error->message, "hash"));
    g_assert_null (strstr (error->message, "root"));
  }

  /* a link to a good file is read */
  g_assert_true (g_file_set_contents (good, "[Tunnel]\nDestination=host\n", -1, NULL));
  g_assert_cmpint (symlink (good, to_good), ==, 0);
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(AsdTunnelSettings) settings = asd_tunnel_settings_load (to_good, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (settings->destination, ==, "host");
  }

  for (const char *const *f = (const char *const[]) { fifo, zero, huge, secret, linked, good, to_good, NULL };
       *f != NULL; f++)
    g_unlink (*f);
  g_rmdir (dir);
}

/* ---- the ssh command ---- */

typedef struct {
  const char *name;
  const char *asv;
  const char *argv[40];
} ArgvCase;

#define FIXED "ssh", "-N", "-o", "LogLevel=DEBUG1", "-o", "ExitOnForwardFailure=yes", \
  "-o", "NumberOfPasswordPrompts=1"
#define FIXED_AFTER_MONITOR "-N", "-o", "LogLevel=DEBUG1", "-o", "ExitOnForwardFailure=yes", \
  "-o", "NumberOfPasswordPrompts=1"
#define TIMEOUT "-o", "ConnectTimeout=10"
#define ALIVE "-o", "ServerAliveInterval=5", "-o", "ServerAliveCountMax=2"

static const ArgvCase argv_cases[] = {
  { "default", "{'Destination': <'host'>}",
    { FIXED, TIMEOUT, ALIVE, "--", "host", NULL } },
  { "loop-monitor", "{'Destination': <'host'>, 'MonitorPort': <uint16 20000>}",
    { "ssh", "-L", "20000:127.0.0.1:20000", "-R", "20000:127.0.0.1:20001",
      FIXED_AFTER_MONITOR, TIMEOUT, "--", "host", NULL } },
  { "echo-monitor", "{'Destination': <'host'>, 'MonitorPort': <uint16 20000>, 'EchoPort': <uint16 7>}",
    { "ssh", "-L", "20000:127.0.0.1:7", FIXED_AFTER_MONITOR, TIMEOUT, "--", "host", NULL } },
  { "user-alive", "{'Destination': <'host'>, 'SshOptions': <['serveraliveinterval=30']>}",
    { FIXED, TIMEOUT, "-o", "serveraliveinterval=30", "--", "host", NULL } },
  { "user-count", "{'Destination': <'host'>, 'SshOptions': <['ServerAliveCountMax 9']>}",
    { FIXED, TIMEOUT, "-o", "ServerAliveCountMax=9", "--", "host", NULL } },
  { "user-timeout", "{'Destination': <'host'>, 'SshOptions': <['CONNECTTIMEOUT=3']>}",
    { FIXED, ALIVE, "-o", "CONNECTTIMEOUT=3", "--", "host", NULL } },
  { "not-a-prefix", "{'Destination': <'host'>, 'SshOptions': <['ConnectTimeoutX=3']>}",
    { FIXED, TIMEOUT, ALIVE, "-o", "ConnectTimeoutX=3", "--", "host", NULL } },
  /* made absolute and tidied by the rule the keyring attribute follows */
  { "key-path", "{'Destination': <'host'>, 'IdentityFile': <'/k/./x/../id'>}",
    { FIXED, TIMEOUT, ALIVE, "-i", "/k/id", "--", "host", NULL } },
  { "everything", "{'Destination': <'example.org'>, 'User': <'bob'>, 'Port': <uint16 2222>, "
    "'IdentityFile': <'/k/id'>, 'LocalForward': <['8080:localhost:80', '8081:localhost:81']>, "
    "'RemoteForward': <['2222:localhost:22']>, 'DynamicForward': <['1080']>, "
    "'SshOptions': <['ProxyJump=jump', 'Compression=yes']>}",
    { FIXED, TIMEOUT, ALIVE, "-p", "2222", "-l", "bob", "-i", "/k/id",
      "-L", "8080:localhost:80", "-L", "8081:localhost:81", "-R", "2222:localhost:22", "-D", "1080",
      "-o", "ProxyJump=jump", "-o", "Compression=yes", "--", "example.org", NULL } },
};

static void
test_ssh_argv (gconstpointer data)
{
  const ArgvCase *c = data;
  g_autoptr(AsdTunnelSettings) settings = settings_from_text (c->asv);
  g_auto(GStrv) argv = asd_tunnel_settings_ssh_argv (settings, "ssh");

  g_assert_cmpstrv (argv, c->argv);
}

static void
test_forwards (void)
{
  g_autoptr(AsdTunnelSettings) settings = settings_from_text (
      "{'Destination': <'host'>, 'LocalForward': <['8080:localhost:80']>, "
      "'RemoteForward': <['2222:localhost:22']>, 'DynamicForward': <['1080']>, 'MonitorPort': <uint16 20000>}");
  g_auto(GStrv) forwards = asd_tunnel_settings_forwards (settings);
  g_autofree char *plain = asd_tunnel_settings_display_destination (settings);
  g_autofree char *with_user = NULL;
  const char *want[] = { "-L 8080:localhost:80", "-R 2222:localhost:22", "-D 1080", NULL };

  g_assert_cmpstrv (forwards, want);
  g_assert_cmpstr (plain, ==, "host");
  settings->user = g_strdup ("bob");
  with_user = asd_tunnel_settings_display_destination (settings);
  g_assert_cmpstr (with_user, ==, "bob@host");
}

/* Where a forward listens, every form ssh takes; NULL for a non-forward. */
static void
test_forward_listener (void)
{
  static const struct { const char *spec, *want; } cases[] = {
    { "8080:localhost:80", "8080" },
    { "127.0.0.1:8080:db:5432", "8080" },
    { "[::1]:8443:web:443", "8443" },
    { "*:2222:host:22", "2222" },
    { "9000:/run/app.sock", "9000" },
    { "localhost:9001:/run/app.sock", "9001" },
    { "/tmp/local.sock:db:5432", "/tmp/local.sock" },
    { "/tmp/a.sock:/run/b.sock", "/tmp/a.sock" },
    { "0:localhost:80", "0" },
    { "8080", NULL },
    { "", NULL },
    { "a:b:c:d:e", NULL },
    { "8080:localhost:", NULL },
    { "x:localhost:80", NULL },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *got = asd_tunnel_forward_listener (cases[i].spec);

      g_test_message ("%s", cases[i].spec);
      g_assert_cmpstr (got, ==, cases[i].want);
    }
}

/* One KEY=VALUE as a file line would give it: typed and checked, or a
 * named error (autosshctl set). */
static void
test_parse_file_value (void)
{
  static const struct { const char *key, *text, *want, *error; } cases[] = {
    { "Port", " 2222 ", "uint16 2222", NULL },
    { "AutoStart", "false", "false", NULL },
    { "LocalForward", "8080:localhost:80;9090:localhost:90;", "['8080:localhost:80', '9090:localhost:90']", NULL },
    { "User", "", "''", NULL },
    { "User", "a\\sb", NULL, "User" },
    { "Port", "99999", NULL, "Port" },
    { "Port", "abc", NULL, "Port" },
    { "AutoStart", "maybe", NULL, "AutoStart" },
    { "LocalForward", "nonsense", NULL, "LocalForward" },
    { "Destination", "a\\nb", NULL, "Destination" },
    { "Destination", "two\nlines", NULL, "a value is one line" },
    { "User", "bad\\qescape", NULL, "backslash" },
    { "Colour", "red", NULL, "unknown key “Colour”" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GVariant) value = asd_tunnel_settings_parse_file_value (cases[i].key, cases[i].text, &error);

      if (cases[i].want != NULL)
        {
          g_autofree char *got = NULL;

          g_assert_no_error (error);
          got = g_variant_print (value, TRUE);
          g_assert_cmpstr (got, ==, cases[i].want);
          continue;
        }
      g_assert_null (value);
      g_assert_error (error, ASD_ERROR, ASD_ERROR_INVALID_SETTINGS);
      g_assert_nonnull (strstr (error->message, cases[i].error));
    }
}

static void
add_cases (const char *prefix, gconstpointer cases, gsize size, guint n, GTestDataFunc func)
{
  for (guint i = 0; i < n; i++)
    {
      gconstpointer c = (const guint8 *) cases + i * size;
      g_autofree char *path = g_strdup_printf ("%s/%s", prefix, *(const char * const *) c);

      g_test_add_data_func (path, c, func);
    }
}

#define ADD_CASES(prefix, cases, func) \
  add_cases (prefix, cases, sizeof cases[0], G_N_ELEMENTS (cases), func)

/* The local ports a tunnel listens on: -L and -D, never sockets or -R. */
static void
test_listens_on (void)
{
  g_autoptr(AsdTunnelSettings) settings = asd_tunnel_settings_new ();
  const char *local[] = { "8080:localhost:80", "127.0.0.1:8081:h:81", "[::1]:8082:h:82",
                          "8083:/run/s.sock", "/tmp/l.sock:h:84", "localhost:8085:/run/t", NULL };
  const char *dynamic[] = { "1080", "127.0.0.1:1081", NULL };
  const char *remote[] = { "9090:localhost:90", NULL };

  g_strfreev (settings->local_forwards);
  g_strfreev (settings->dynamic_forwards);
  g_strfreev (settings->remote_forwards);
  settings->local_forwards = g_strdupv ((char **) local);
  settings->dynamic_forwards = g_strdupv ((char **) dynamic);
  settings->remote_forwards = g_strdupv ((char **) remote);
  for (guint port = 8080; port <= 8083; port++)
    g_assert_true (asd_tunnel_settings_listens_on (settings, port));
  g_assert_false (asd_tunnel_settings_listens_on (settings, 84));
  g_assert_true (asd_tunnel_settings_listens_on (settings, 8085));
  g_assert_true (asd_tunnel_settings_listens_on (settings, 1080));
  g_assert_true (asd_tunnel_settings_listens_on (settings, 1081));
  g_assert_false (asd_tunnel_settings_listens_on (settings, 9090));
  g_assert_false (asd_tunnel_settings_listens_on (settings, 80));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/tunnel-settings/defaults", test_defaults);
  g_test_add_func ("/tunnel-settings/validate", test_validate);
  ADD_CASES ("/tunnel-settings/key", key_cases, test_key);
  g_test_add_func ("/tunnel-settings/sizes", test_sizes);
  g_test_add_func ("/tunnel-settings/normalised", test_normalised);
  g_test_add_func ("/tunnel-settings/unchanged-on-error", test_unchanged_on_error);
  g_test_add_func ("/tunnel-settings/equal", test_equal);
  ADD_CASES ("/tunnel-settings/command-line", command_cases, test_command_line);
  g_test_add_func ("/tunnel-settings/command-line/too-many", test_command_line_too_many);
  g_test_add_func ("/tunnel-settings/save-load", test_save_load);
  g_test_add_func ("/tunnel-settings/to-variant", test_to_variant);
  g_test_add_func ("/tunnel-settings/save-minimal", test_save_minimal);
  ADD_CASES ("/tunnel-settings/load-error", load_cases, test_load_error);
  g_test_add_func ("/tunnel-settings/load-good", test_load_good);
  g_test_add_func ("/tunnel-settings/load-missing", test_load_missing);
  g_test_add_func ("/tunnel-settings/load-special", test_load_special);
  ADD_CASES ("/tunnel-settings/ssh-argv", argv_cases, test_ssh_argv);
  g_test_add_func ("/tunnel-settings/forwards", test_forwards);
  g_test_add_func ("/tunnel-settings/forward-listener", test_forward_listener);
  g_test_add_func ("/tunnel-settings/parse-file-value", test_parse_file_value);
  g_test_add_func ("/tunnel-settings/listens-on", test_listens_on);
  return g_test_run ();
}
