#!/usr/bin/env python3
"""The system service, autosshd --system, for real: a private system-like
dbus-daemon that loads the built policy file, python3-dbusmock's polkitd
template on it, a real sshd, the service as a system user of the test run
with the directories systemd would give it and no session bus, callers of
another uid (setpriv), root, busctl and autosshctl --system.

Needs root (users, setpriv, sshd); CI runs as root.
"""

import os
import subprocess
import sys

import asdtest
from asdtest.busfixture import (
    BUS_NAME, ERROR_PREFIX, MANAGER_IFACE, MANAGER_PATH, TUNNEL_IFACE, Raw, tunnel_path,
    wait_state)
from asdtest.sshfixture import (
    SANITIZER_RE, check, free_port, sshd_skip_reason, wait_forward, wait_until)
from asdtest.busfixture import Bus
from asdtest.notifyfixture import MockNotifications, Notifier, write_notify_conf
from asdtest.systemfixture import (
    ALLOW_INTERACTIVE, CONTROL, MANAGE, MethodCalls, PolkitCalls, SystemWorld)

NOT_AUTHORIZED = ERROR_PREFIX + "NotAuthorized"


def need_root():
    return None if os.geteuid() == 0 else "needs root (a system user, setpriv)"


# Every guarded call: (action, method, object path, arguments as gdbus
# takes them); the tunnel is "web".
WEB = tunnel_path("web")
PROPS = "org.freedesktop.DBus.Properties"
GUARDED = [
    (CONTROL, TUNNEL_IFACE + ".Start", WEB, []),
    (CONTROL, TUNNEL_IFACE + ".Stop", WEB, []),
    (CONTROL, TUNNEL_IFACE + ".Restart", WEB, []),
    (CONTROL, TUNNEL_IFACE + ".Probe", WEB, []),
    (CONTROL, MANAGER_IFACE + ".StartAll", MANAGER_PATH, []),
    (CONTROL, MANAGER_IFACE + ".StopAll", MANAGER_PATH, []),
    (MANAGE, TUNNEL_IFACE + ".Configure", WEB, [Raw("{'PollInterval': <uint32 45>}")]),
    (MANAGE, TUNNEL_IFACE + ".TrustHostKey", WEB, ["SHA256:" + "A" * 43]),
    (MANAGE, PROPS + ".Set", WEB, [TUNNEL_IFACE, "AutoStart", Raw("<false>")]),
    (MANAGE, MANAGER_IFACE + ".AddTunnel", MANAGER_PATH,
     ["extra", Raw("{'Destination': <'127.0.0.1'>, 'Transient': <true>}"), False]),
    (MANAGE, MANAGER_IFACE + ".AddTunnelFromCommandLine", MANAGER_PATH,
     ["cmd", ["-M", "0", "-N", "127.0.0.1"], False]),
    (MANAGE, MANAGER_IFACE + ".Reload", MANAGER_PATH, []),
    (MANAGE, MANAGER_IFACE + ".RemoveTunnel", MANAGER_PATH, ["web"]),
]


def call(bus, entry, uid=None, timeout=30):
    """One GUARDED call with `gdbus call --system` (no interactive flag)."""
    action, method, path, args = entry
    return bus.gdbus_call(path, method, *args, uid=uid, timeout=timeout)


class SystemTest(asdtest.TestCase):

    def world(self, start=True):
        """A world with the AutoStart tunnel "web" up: a local forward to the
        target (self.lport) and, as the README's sidedoor, a reverse one
        (self.rport, on the server's side)."""
        w = SystemWorld(self.fx, start=False)
        self.lport = free_port()
        self.rport = free_port()
        w.bus.write_tunnel_file("web", w.tunnel_text(
            self.lport, extra="RemoteForward=%d:127.0.0.1:%d;\n" % (self.rport, w.target.port)))
        if start:
            w.start_service()
            wait_state(w.bus, "web", "connected", 30)
        return w

    @asdtest.requires(need_root, sshd_skip_reason)
    def test_autostart_without_session_bus(self):
        """Tunnels of the config dir come up at start, as the service's user,
        with no session bus anywhere in its environment; what the service
        writes is 0600 and its user's."""
        w = self.world()
        env = open("/proc/%d/environ" % w.service.pid, "rb").read().split(b"\0")
        check(not any(e.startswith((b"DBUS_SESSION_BUS_ADDRESS=", b"XDG_RUNTIME_DIR="))
                      for e in env), "the service has a session in its environment")
        check(os.stat("/proc/%d" % w.service.pid).st_uid == w.bus.user.uid,
              "the service does not run as its user")
        wait_forward(self.lport, w.target.payload)
        wait_forward(self.rport, w.target.payload, what="the reverse forward")
        for pid in w.service.ssh_children():
            check(os.stat("/proc/%d" % pid).st_uid == w.bus.user.uid,
                  "ssh %d does not run as the service's user" % pid)
        # root may change it, and the file stays the service's, 0600
        w.bus.busctl("call", BUS_NAME, WEB, TUNNEL_IFACE, "Configure", "a{sv}", "1",
                     "PollInterval", "u", "45", check_ok=True)
        st = os.stat(w.bus.conf_path("web"))
        check(st.st_mode & 0o777 == 0o600 and st.st_uid == w.bus.user.uid,
              "the tunnel file is %o, uid %d" % (st.st_mode & 0o777, st.st_uid))
        check("PollInterval=45" in open(w.bus.conf_path("web")).read(), "Configure not saved")
        log = w.service.log()
        check("tunnels in %s" % w.bus.tunnels_dir in log, "the service did not use "
              "$CONFIGURATION_DIRECTORY/tunnels")

    @asdtest.requires(need_root, sshd_skip_reason)
    def test_reads_need_no_authorization(self):
        """With polkit denying everything, another uid reads everything."""
        w = self.world()
        uid = w.bus.caller_uid
        objects = w.bus.busctl("--json=short", "call", BUS_NAME, MANAGER_PATH,
                               "org.freedesktop.DBus.ObjectManager", "GetManagedObjects",
                               uid=uid, check_ok=True)
        check(WEB in objects.json()["data"][0], "GetManagedObjects lacks web")
        state = w.bus.busctl("get-property", BUS_NAME, WEB, TUNNEL_IFACE, "State", uid=uid,
                             check_ok=True)
        check('"connected"' in state.stdout, "State read as %r" % state.stdout)
        w.bus.busctl("call", BUS_NAME, MANAGER_PATH, MANAGER_IFACE, "GetTunnel", "s", "web",
                     uid=uid, check_ok=True)
        w.bus.busctl("call", BUS_NAME, WEB, TUNNEL_IFACE, "GetLog", "u", "0", uid=uid,
                     check_ok=True)
        w.bus.busctl("introspect", BUS_NAME, WEB, uid=uid, check_ok=True)
        w.bus.gdbus_call(MANAGER_PATH, "org.freedesktop.DBus.Properties.GetAll", MANAGER_IFACE,
                         uid=uid, check_ok=True)
        features = w.bus.get_property(MANAGER_PATH, MANAGER_IFACE, "Features")
        check("system-mode" in features and "passphrase-credential" in features,
              "Features %r" % features)
        ctl = w.bus.run([os.environ["AUTOSSHCTL_BIN"], "--system", "list"], uid=uid,
                        check_ok=True)
        check("web" in ctl.stdout and "connected" in ctl.stdout, "autosshctl --system list: %r"
              % ctl.stdout)

    @asdtest.requires(need_root, sshd_skip_reason)
    def test_denied_without_polkit(self):
        """Every guarded call of another uid is NotAuthorized, naming the
        action, while polkit denies; nothing changes."""
        w = self.world()
        for entry in GUARDED:
            res = call(w.bus, entry, uid=w.bus.caller_uid)
            check(not res.ok and NOT_AUTHORIZED in res.stderr and entry[0] in res.stderr,
                  "%s as uid %d: %s" % (entry[1], w.bus.caller_uid, res.describe()))
        props = w.bus.tunnel_props("web")
        check(props["State"] == "connected" and props["AutoStart"] is True
              and props["PollInterval"] == 30, "a refused call changed the tunnel: %r" % props)
        check(sorted(os.listdir(w.bus.tunnels_dir)) == ["web.conf"], "files: %r"
              % os.listdir(w.bus.tunnels_dir))
        ctl = w.bus.run([os.environ["AUTOSSHCTL_BIN"], "--system", "stop", "web"],
                        uid=w.bus.caller_uid)
        check(not ctl.ok and CONTROL in ctl.stderr, "autosshctl --system stop: %s"
              % ctl.describe())

    @asdtest.requires(need_root, sshd_skip_reason)
    def test_allowed_by_polkit(self):
        """Every guarded call of another uid succeeds once polkit allows its
        action, and each action covers only its own methods."""
        w = self.world()
        uid = w.bus.caller_uid
        w.polkit.set_allowed([CONTROL])
        res = call(w.bus, GUARDED[6], uid=uid)
        check(not res.ok and NOT_AUTHORIZED in res.stderr and MANAGE in res.stderr,
              "Configure with control only: %s" % res.describe())
        w.polkit.set_allowed([MANAGE])
        res = call(w.bus, GUARDED[1], uid=uid)
        check(not res.ok and NOT_AUTHORIZED in res.stderr and CONTROL in res.stderr,
              "Stop with manage only: %s" % res.describe())
        w.polkit.set_allowed([CONTROL, MANAGE])
        for entry in GUARDED:
            if entry[1].endswith(".Probe"):
                wait_state(w.bus, "web", ("connected", "connecting"), 30)
            res = call(w.bus, entry, uid=uid, timeout=40)
            check(res.ok, "%s allowed by polkit: %s" % (entry[1], res.describe()))
        check(sorted(os.listdir(w.bus.tunnels_dir)) == ["cmd.conf"], "files after the calls: %r"
              % os.listdir(w.bus.tunnels_dir))

    @asdtest.requires(need_root, sshd_skip_reason)
    def test_root_needs_no_polkit(self):
        """Root is allowed without asking polkit (which denies all)."""
        w = self.world()
        w.bus.busctl("call", BUS_NAME, WEB, TUNNEL_IFACE, "Stop", check_ok=True)
        wait_state(w.bus, "web", "stopped", 10)
        w.bus.busctl("set-property", BUS_NAME, WEB, TUNNEL_IFACE, "AutoStart", "b", "false",
                     check_ok=True)
        w.bus.busctl("call", BUS_NAME, WEB, TUNNEL_IFACE, "Start", check_ok=True)
        wait_state(w.bus, "web", "connected", 30)

    @asdtest.requires(need_root, sshd_skip_reason)
    def test_interactive_flag_reaches_polkit(self):
        """The caller's allow-interactive-authorization flag is polkit's
        AllowUserInteraction (flags 1); without it, 0."""
        w = self.world()
        calls = PolkitCalls(w.bus)
        uid = w.bus.caller_uid
        w.bus.busctl("call", BUS_NAME, WEB, TUNNEL_IFACE, "Restart", uid=uid, interactive=True)
        w.bus.busctl("call", BUS_NAME, WEB, TUNNEL_IFACE, "Configure", "a{sv}", "0", uid=uid,
                     interactive=False)
        wait_until(lambda: len(calls.calls()) >= 2, 10, "two CheckAuthorization calls")
        check(calls.calls() == [(CONTROL, 1), (MANAGE, 0)], "polkit was asked %r"
              % calls.calls())
        # autosshctl --system: interactive at a terminal (script gives it
        # one), not in a script
        ctl = os.environ["AUTOSSHCTL_BIN"]
        home = os.path.join(w.bus.dir, "caller")
        os.makedirs(home)
        os.chown(home, uid, uid)
        typescript = os.path.join(home, "typescript")
        w.bus.run(["script", "-qec", "%s --system restart web" % ctl, typescript], uid=uid)
        w.bus.run([ctl, "--system", "stop", "web"], uid=uid)
        wait_until(lambda: len(calls.calls()) >= 4, 10, "two more CheckAuthorization calls")
        check(calls.calls()[2:] == [(CONTROL, 1), (CONTROL, 0)],
              "autosshctl at a terminal, then not: polkit was asked %r" % calls.calls())
        with open(typescript, errors="replace") as f:
            check(CONTROL in f.read(), "autosshctl did not say which action was refused")

    @asdtest.requires(need_root)
    def test_never_as_root(self):
        """autosshd --system refuses to run as root (ssh would)."""
        w = SystemWorld(self.fx, start=False)
        env = dict(w.bus.service_env)
        p = subprocess.run([w.bus.bin, "--system"], env=env, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=30)
        check(p.returncode == 1 and "does not run as root" in p.stdout,
              "autosshd --system as root: status %d, %r" % (p.returncode, p.stdout))
        check(not SANITIZER_RE.search(p.stdout), "sanitizer report: %s" % p.stdout)

    @asdtest.requires(need_root)
    def test_only_service_user_owns_name(self):
        """The policy lets everyone call but no other user own the name."""
        w = SystemWorld(self.fx, start=False)
        res = w.bus.busctl("call", "org.freedesktop.DBus", "/org/freedesktop/DBus",
                           "org.freedesktop.DBus", "RequestName", "su", BUS_NAME, "0",
                           uid=w.bus.caller_uid)
        check(not res.ok and "Access denied" in res.stderr, "another uid owned the name: %s"
              % res.describe())

    @asdtest.requires(need_root, sshd_skip_reason)
    def test_passphrase_from_credential(self):
        """A key with a passphrase: from the credential the tunnel names, the
        tunnel connects; the passphrase is in no argv, environment or log."""
        w = SystemWorld(self.fx, start=False)
        secret = "cred-%d-pass" % os.getpid()
        key = w.add_key("id_locked", secret)
        w.bus.write_credential("web-key", secret + "\n")
        lport = free_port()
        w.bus.write_tunnel_file("web", w.tunnel_text(lport, key=key,
                                                     extra="PassphraseCredential=web-key\n"))
        w.start_service()
        wait_state(w.bus, "web", "connected", 30)
        wait_forward(lport, w.target.payload)
        for pid in [w.service.pid] + w.service.ssh_children():
            for what in ("cmdline", "environ"):
                with open("/proc/%d/%s" % (pid, what), "rb") as f:
                    check(secret.encode() not in f.read(), "the secret is in %s of %d"
                          % (what, pid))
        check(secret not in w.service.log(), "the secret is in the service's log")

    @asdtest.requires(need_root, sshd_skip_reason)
    def test_passphrase_without_credential(self):
        """A key with a passphrase and no credential: failed, and the reason
        says exactly that."""
        w = SystemWorld(self.fx, start=False)
        key = w.add_key("id_locked", "never-given")
        w.bus.write_tunnel_file("web", w.tunnel_text(free_port(), key=key))
        w.start_service()
        props = wait_state(w.bus, "web", "failed", 30)
        check(props["StateReasonCode"] == "credential-missing", "reason %r: %r"
              % (props["StateReasonCode"], props["StateReason"]))
        ctl = w.bus.run([os.environ["AUTOSSHCTL_BIN"], "--system", "passphrase", "web"],
                        input="x\n")
        check(ctl.rc == 2 and "PassphraseCredential" in ctl.stderr,
              "autosshctl --system passphrase: %s" % ctl.describe())
        check("PassphraseCredential" in props["StateReason"] and key in props["StateReason"],
              "StateReason %r" % props["StateReason"])


    @asdtest.requires(need_root, sshd_skip_reason)
    def test_notifier_follows_system_tunnels(self):
        """autossh-notify, on a session bus of its own, also follows the
        system service: a drop says "system tunnel web", and its
        "Reconnect now" is a Restart that allows interactive authorization."""
        w = self.world()
        session = Bus(self.fx, activatable=False)
        session.env["DBUS_SYSTEM_BUS_ADDRESS"] = w.bus.address
        write_notify_conf(session, "[Notify]\nThreshold=1\n")
        mock = MockNotifications(session, caps="body actions")
        restarts = MethodCalls(w.bus, "Restart")
        n = Notifier(session)
        n.wait_log("io.github.autosshd1 on the system bus is running")
        n.wait_log("following tunnel web ")
        w.sshd.stop()
        note = mock.wait_count(1, what="the drop notification")[0]
        check(note.summary == "system tunnel web dropped — reconnecting", "drop notification %r"
              % note)
        mock.invoke_action(1, "reconnect")
        n.wait_log("web: action reconnect")
        wait_until(lambda: restarts.calls(), 10, "the notifier's Restart call")
        check(all(flags & ALLOW_INTERACTIVE for flags in restarts.calls()),
              "Restart without the interactive flag: %r" % restarts.calls())
        w.sshd.start()
        wait_state(w.bus, "web", "connected", 30)


if __name__ == "__main__":
    sys.exit(asdtest.main())
