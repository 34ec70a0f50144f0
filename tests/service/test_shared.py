#!/usr/bin/env python3
"""Shared connections (autosshd(8), "Shared connections"): tunnels whose
connection settings are equal ride one ssh control master, each with its
own state, reason and forwards.  Real sshd, ssh, dbus-daemon and autosshd,
as in test_service.py; logins are counted in sshd's own log, server
sessions as sshd's per-connection processes.

Run by meson, one test per case (`meson test -C build service-shared_one_login`);
by hand: PYTHONPATH=tests/lib AUTOSSHD_BIN=/path/to/autosshd
/usr/bin/python3 test_shared.py [NAME ...]
"""

import os
import signal
import socket
import sys
import time

sys.dont_write_bytecode = True      # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from asdtest import TestCase, main, requires  # noqa: E402
from asdtest.busfixture import GV, World, check_reason, tunnel_path, wait_state  # noqa: E402
from asdtest.sshfixture import (  # noqa: E402
    ProcRef, check, free_port, read_expected, sshd_skip_reason, stays_true,
    wait_forward, wait_until)
import test_monitor as tm  # noqa: E402

# asd-connection.h: a master without tunnels lives on this long
GRACE = 3.0


def logins(w):
    """Logins sshd accepted so far (its LogLevel VERBOSE log)."""
    with open(w.sshd.stderr_path, errors="replace") as f:
        return f.read().count("Accepted publickey")


def add(w, name, lport, **over):
    """A tunnel with a local forward on lport (to the hello target), started."""
    res = w.bus.manager("AddTunnel", name, w.settings(lport, **over), True)
    check(res.ok, "AddTunnel %s failed: %s" % (name, res.describe()))


def add_three(w):
    ports = {}
    for name in ("a", "b", "c"):
        ports[name] = free_port()
        add(w, name, ports[name])
    for name in ports:
        w.connected(name)
    return ports


class Flow:
    """A long-lived connection through a forward to an echo service."""

    def __init__(self, fx, port):
        self.conn = socket.create_connection(("127.0.0.1", port), timeout=3)
        fx.defer(self.conn.close)
        self.count = 0

    def check(self, what):
        self.count += 1
        msg = b"ping %d\n" % self.count
        self.conn.sendall(msg)
        got = b""
        while len(got) < len(msg):
            data = self.conn.recv(len(msg) - len(got))
            check(data, "%s: the connection was closed" % what)
            got += data
        check(got == msg, "%s: echoed %r for %r" % (what, got, msg))


class SharedTest(TestCase):

    @requires(sshd_skip_reason)
    def test_shared_one_login(self):
        """Three tunnels with equal settings: one ssh, one login, one server
        session, three working forwards, SharedWith naming the others; a
        fourth with ShareConnection=false has an ssh of its own."""
        w = World(self.fx)
        ports = add_three(w)
        for name, port in ports.items():
            wait_forward(port, w.target.payload, timeout=10, what="tunnel %s's forward" % name)
        props = {n: w.bus.tunnel_props(n) for n in ports}
        pids = {p["Pid"] for p in props.values()}
        check(len(pids) == 1 and 0 not in pids, "Pids %r: not one shared ssh" % pids)
        check(len(w.service.ssh_children()) == 1, "the service runs ssh %r, expected one"
              % w.service.ssh_children())
        check(len(w.sshd.sessions()) == 1 and logins(w) == 1,
              "server sessions %r and %d logins, expected one" % (w.sshd.sessions(), logins(w)))
        for name in ports:
            others = sorted(set(ports) - {name})
            check(props[name]["SharedWith"] == others, "%s: SharedWith %r, expected %r"
                  % (name, props[name]["SharedWith"], others))
        status = w.bus.run([os.environ["AUTOSSHCTL_BIN"], "status", "a"])
        check(status.rc == 0 and "b, c" in status.stdout,
              "autosshctl status a does not show the tunnels it shares with: %s"
              % status.describe())

        lport = free_port()
        add(w, "own", lport, ShareConnection=False)
        own = w.connected("own")
        wait_forward(lport, w.target.payload, timeout=10, what="the unshared tunnel's forward")
        check(own["Pid"] not in pids and own["SharedWith"] == [],
              "ShareConnection=false: Pid %r (shared %r), SharedWith %r"
              % (own["Pid"], pids, own["SharedWith"]))
        check(len(w.service.ssh_children()) == 2 and len(w.sshd.sessions()) == 2,
              "with the unshared tunnel: ssh %r, sessions %r, expected two each"
              % (w.service.ssh_children(), w.sshd.sessions()))
        share = w.bus.tunnel_prop("own", "Settings").get("ShareConnection")
        check(share is not None and share["data"] is False,
              "Settings has ShareConnection %r, expected false" % share)

    @requires(sshd_skip_reason)
    def test_shared_remote_port_held(self):
        """A remote port held on the server makes only the tunnel that asked
        for it retrying; freeing it brings that tunnel back with no login."""
        w = World(self.fx)
        ports = {"a": free_port(), "b": free_port()}
        for name, port in ports.items():
            add(w, name, port)
            w.connected(name)
        pid = w.bus.tunnel_prop("a", "Pid")
        rport = free_port()
        holders = []
        for fam, addr in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
            try:
                s = socket.socket(fam, socket.SOCK_STREAM)
                s.bind((addr, rport))
                s.listen(1)
                holders.append(s)
            except OSError:
                pass
        check(holders, "could not hold port %d" % rport)
        self.fx.defer(lambda: [s.close() for s in holders])
        mark = w.rec.mark()
        res = w.bus.manager("AddTunnel", "rem", w.settings(
            RemoteForward=["%d:127.0.0.1:%d" % (rport, w.target.port)]), True)
        check(res.ok, res.describe())
        props = wait_state(w.bus, "rem", "retrying", 15)
        check_reason(props, "remote-port-in-use", "remote port held", port=rport, retry="short")
        check(props["Pid"] == pid, "the tunnel with the held port has Pid %r, not the shared %d"
              % (props["Pid"], pid))
        r0 = props["Restarts"]
        wait_until(lambda: w.bus.tunnel_prop("rem", "Restarts") > r0, 8,
                   "another try of the held port on its own schedule")
        for name, port in ports.items():
            p = w.bus.tunnel_props(name)
            check(p["State"] == "connected" and p["Pid"] == pid,
                  "%s: %s, Pid %r while another tunnel's port is held" % (name, p["State"], p["Pid"]))
            check(read_expected(port, w.target.payload), "%s's forward stopped working" % name)
            check(not w.rec.find("StateChanged", tunnel_path(name), since=mark),
                  "%s changed state because of another tunnel's port" % name)
        check(logins(w) == 1, "%d logins while a port was held, expected one" % logins(w))
        for s in holders:
            s.close()
        wait_state(w.bus, "rem", "connected", 8, "connected within 8 s of the port's release")
        wait_until(lambda: read_expected(rport, w.target.payload), 5,
                   "the remote forward on 127.0.0.1:%d to deliver" % rport)
        check(logins(w) == 1 and w.bus.tunnel_prop("rem", "Pid") == pid,
              "freeing the port cost a login (%d logins) or a new ssh" % logins(w))

    @requires(sshd_skip_reason)
    def test_shared_master_killed(self):
        """kill -9 of the shared ssh: every tunnel says Dropped, one login
        brings them all back, each says Reconnected; one new server session."""
        w = World(self.fx)
        ports = add_three(w)
        pid = w.bus.tunnel_prop("a", "Pid")
        check(logins(w) == 1, "%d logins for three shared tunnels" % logins(w))
        mark = w.rec.mark()
        ProcRef(pid).signal(signal.SIGKILL)
        for name in ports:
            w.rec.wait("Dropped", tunnel_path(name), since=mark, timeout=10)
        for name in ports:
            w.rec.wait("Reconnected", tunnel_path(name), since=mark, timeout=20)
            w.connected(name)
        pids = {w.bus.tunnel_prop(n, "Pid") for n in ports}
        check(len(pids) == 1 and pid not in pids, "Pids %r after the kill of %d" % (pids, pid))
        for name, port in ports.items():
            wait_forward(port, w.target.payload, timeout=10, what="%s's forward again" % name)
            for member in ("Dropped", "Reconnected"):
                n = len(w.rec.find(member, tunnel_path(name), since=mark))
                check(n == 1, "%s: %d %s signals, expected one" % (name, n, member))
        check(logins(w) == 2, "%d logins in all, expected one more after the kill" % logins(w))
        check(len(w.sshd.sessions()) == 1, "server sessions %r" % w.sshd.sessions())
        # A tunnel removed after it connected twice leaves no timer behind:
        # its first connection's stable-time timer (10 s) once fired on the
        # freed tunnel and crashed the service.
        w.bus.manager("RemoveTunnel", "c", check_ok=True)
        check(stays_true(lambda: w.bus.tunnel_prop("a", "State") == "connected", 11),
              "the service did not live on after the removal of c")

    @requires(sshd_skip_reason)
    def test_shared_stop_one(self):
        """Stop of one of three: the other two keep their open connections
        flowing; its forward is closed; Start again is no new login."""
        w = World(self.fx)
        echo = tm.EchoService(self.fx)
        ports = {n: free_port() for n in ("a", "b", "c")}
        for name, port in ports.items():
            add(w, name, port, LocalForward=["%d:127.0.0.1:%d" % (port, echo.port)])
        for name in ports:
            w.connected(name)
        pid = w.bus.tunnel_prop("a", "Pid")
        flows = {n: Flow(self.fx, ports[n]) for n in ("a", "b")}
        for name, flow in flows.items():
            flow.check(name)
        mark = w.rec.mark()
        res = w.bus.tunnel("c", "Stop")
        check(res.ok, res.describe())
        wait_state(w.bus, "c", "stopped", 5)
        wait_until(lambda: not read_expected(ports["c"], b"x", timeout=0.5), 5,
                   "the stopped tunnel's forward to close")
        check(w.bus.tunnel_prop("c", "Pid") == 0, "a stopped tunnel has a Pid")
        check(stays_true(lambda: all(w.bus.tunnel_prop(n, "State") == "connected"
                                     for n in flows), GRACE + 1),
              "the others did not stay connected")
        for name, flow in flows.items():
            flow.check(name + " after the Stop of c")
            check(not w.rec.find("StateChanged", tunnel_path(name), since=mark),
                  "%s changed state when c stopped" % name)
        check(w.bus.tunnel_prop("a", "Pid") == pid and w.bus.tunnel_prop("a", "SharedWith") == ["b"],
              "a's Pid or SharedWith changed: %r" % w.bus.tunnel_props("a"))
        t0 = time.monotonic()
        check(w.bus.tunnel("c", "Start").ok, "Start c")
        w.connected("c")
        print("a stopped tunnel on a running master connected again in %.0f ms"
              % ((time.monotonic() - t0) * 1000))
        check(logins(w) == 1 and w.bus.tunnel_prop("c", "Pid") == pid,
              "Start of c cost a login (%d) or an ssh" % logins(w))
        # the last one out: the master ends after its grace time
        for name in ports:
            check(w.bus.tunnel(name, "Stop").ok, "Stop " + name)
        wait_until(lambda: not w.service.ssh_children(), GRACE + 5,
                   "the shared ssh to end after its last tunnel stopped")

    @requires(sshd_skip_reason)
    def test_shared_configure_moves(self):
        """Configure that changes a tunnel's connection settings moves it to
        a master of its own, and back, without disturbing the other."""
        w = World(self.fx)
        ports = {"a": free_port(), "b": free_port()}
        for name, port in ports.items():
            add(w, name, port)
            w.connected(name)
        pid = w.bus.tunnel_prop("a", "Pid")
        mark = w.rec.mark()
        other = w.settings(ports["b"])
        other["SshOptions"] = other["SshOptions"] + ["ServerAliveCountMax=3"]
        check(w.bus.tunnel("b", "Configure", other).ok, "Configure b")
        wait_until(lambda: w.bus.tunnel_prop("b", "Pid") not in (0, pid)
                   and w.bus.tunnel_prop("b", "State") == "connected", 10,
                   "b on a master of its own")
        wait_forward(ports["b"], w.target.payload, timeout=10, what="b's forward on its own master")
        check(w.bus.tunnel_prop("a", "SharedWith") == [] and w.bus.tunnel_prop("b", "SharedWith") == [],
              "SharedWith after the move: a %r, b %r" % (w.bus.tunnel_prop("a", "SharedWith"),
                                                         w.bus.tunnel_prop("b", "SharedWith")))
        check(w.bus.tunnel_prop("a", "Pid") == pid and read_expected(ports["a"], w.target.payload)
              and not w.rec.find("StateChanged", tunnel_path("a"), since=mark),
              "a was disturbed by b's move")
        check(w.bus.tunnel("b", "Configure", w.settings(ports["b"])).ok, "Configure b back")
        wait_until(lambda: w.bus.tunnel_prop("b", "Pid") == pid
                   and w.bus.tunnel_prop("b", "State") == "connected", 10, "b back on a's master")
        check(w.bus.tunnel_prop("a", "SharedWith") == ["b"], "a's SharedWith %r"
              % w.bus.tunnel_prop("a", "SharedWith"))
        wait_until(lambda: len(w.service.ssh_children()) == 1, GRACE + 5,
                   "b's own master to end once nobody rides it")
        check(not w.rec.find("StateChanged", tunnel_path("a"), since=mark), "a was disturbed")


if __name__ == "__main__":
    sys.exit(main())
