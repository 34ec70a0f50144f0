#!/usr/bin/env python3
"""The control connection (autosshd(8), "Control connection"): every ssh the
service starts is the control master of a private socket; through it the
service checks a connected tunnel's session in one round trip (Probe, a
network change) and replaces an ssh whose session does not answer, and
adds or removes forwards without restarting ssh.  Real sshd, ssh,
dbus-daemon and autosshd, as in test_service.py; the network changes are
made in the test's own network namespace (tests/lib/in-netns.sh), with
the sshd in a second one behind a veth pair.

Run by meson, one test per case (`meson test -C build service-probe_session`);
by hand: PYTHONPATH=tests/lib AUTOSSHD_BIN=/path/to/autosshd
tests/lib/in-netns.sh /usr/bin/python3 test_control.py [NAME ...]
"""

import os
import signal
import socket
import stat
import sys
import threading
import time

sys.dont_write_bytecode = True      # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from asdtest import TestCase, main, requires  # noqa: E402
from asdtest.busfixture import GV, World, reason_details, tunnel_path  # noqa: E402
from asdtest.sshfixture import (  # noqa: E402
    IP, Netns, ProcRef, Sshd, check, free_port, kill_refs, run,
    sshd_skip_reason, wait_until)
import test_monitor as tm  # noqa: E402

# the deadline of a check of the session (asd-mux-client.h)
DEADLINE = 3.0


def option(argv, name):
    """The value of ssh's first -o NAME=VALUE in argv, or None."""
    for a, b in zip(argv, argv[1:]):
        if a == "-o" and b.startswith(name + "="):
            return b.split("=", 1)[1]
    return None


def banner(port, host="127.0.0.1", timeout=3.0):
    """The first bytes a server says on host:port ('SSH-2.0' through a forward
    to an sshd), or None."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as s:
            s.settimeout(timeout)
            return s.recv(7).decode(errors="replace")
    except OSError:
        return None


def session_of(w):
    return ProcRef(wait_until(lambda: (lambda s: s[0] if len(s) == 1 else None)(
        w.sshd.sessions()), 5, "exactly one sshd session"))


def check_unresponsive(code, details, what):
    check(code == "session-unresponsive" and details.get("seconds") == int(DEADLINE),
          "%s: the tunnel went down with StateReasonCode %r, details %r (expected "
          "session-unresponsive, seconds 3)" % (what, code, details))


class NetWorld:
    """The service in the test's namespace (the client), the sshd in a
    namespace of its own behind a veth pair, a tunnel whose forward reaches
    that sshd's port."""

    def __init__(self, fx):
        self.w = World(fx, sshd=False)
        self.ns = Netns(fx)
        self.w.sshd = Sshd(fx, host=self.ns.addr, netns=self.ns.name)
        self.w.known_hosts = os.path.join(self.w.bus.dir, "known_hosts")
        tm.trust(self.w, self.ns.addr, self.w.sshd.port)
        self.lport = free_port()
        spec = "%d:%s:%d" % (self.lport, self.ns.addr, self.w.sshd.port)
        self.path = tm.add_tunnel(self.w, "net", self.w.settings(
            Destination=self.ns.addr, LocalForward=[spec]))
        self.pid = self.w.connected("net")["Pid"]
        check(banner(self.lport) == "SSH-2.0", "the forward does not reach the server")

    def forward_works(self):
        return banner(self.lport, timeout=0.5) == "SSH-2.0"


class ControlTest(TestCase):
    """The control connection, in the service (one method per meson test)."""

    @requires(sshd_skip_reason)
    def test_probe_session(self):
        """ssh is the control master of a 0600 socket in the service's private
        directory, set on its command line; Probe without a monitor port
        checks the session through it (a latency, LastProbe moves); with the
        server's session stopped (SIGSTOP: the kernel still ACKs, the server's
        port still answers) Probe fails within the deadline, and ssh is
        replaced at once with the reason session-unresponsive."""
        fx = self.fx
        w = World(fx)
        lport = free_port()
        path = tm.add_tunnel(w, "probe", w.settings(lport))
        props = w.connected("probe")
        pid = props["Pid"]
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            argv = f.read().decode().split("\0")
        control = option(argv, "ControlPath")
        check(option(argv, "ControlMaster") == "yes" and control is not None
              and option(argv, "ControlPersist") == "no",
              "ssh's command line has no control master: %r" % argv)
        runtime = os.path.join(w.bus.env["XDG_RUNTIME_DIR"], "autosshd")
        check(os.path.dirname(control) == runtime, "ControlPath %r is not in %r"
              % (control, runtime))
        st = os.stat(control)
        check(stat.S_ISSOCK(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o600,
              "the control socket: mode %o" % st.st_mode)
        check(option(props["Command"], "ControlPath") is None,
              "the Command property shows the control socket: %r" % props["Command"])

        before = props["LastProbeTimestamp"]
        res = w.bus.tunnel("probe", "Probe")
        check(res.ok, "Probe: " + res.describe())
        latency = res.value()[0]
        print("Probe through the control connection: %d µs" % latency)
        check(0 < latency < 1000000, "Probe's latency %r µs" % latency)
        props = w.bus.tunnel_props("probe")
        check(props["LastProbeTimestamp"] > before and props["ProbeLatencyUSec"] == latency,
              "LastProbeTimestamp %r (before %r), ProbeLatencyUSec %r"
              % (props["LastProbeTimestamp"], before, props["ProbeLatencyUSec"]))

        session = session_of(w)
        fx.defer(kill_refs, [session])
        mark = w.rec.mark()
        session.signal(signal.SIGSTOP)
        t0 = time.monotonic()
        res = w.bus.tunnel("probe", "Probe")
        took = time.monotonic() - t0
        print("Probe of a stopped session: %.2f s, %s" % (took, res.stderr.strip()))
        check(not res.ok and res.error_name == "io.github.autosshd1.Error.ProbeFailed",
              "Probe of a stopped session: " + res.describe())
        check(DEADLINE - 0.1 < took < 2 * DEADLINE, "Probe took %.2f s to fail" % took)
        _, code, details = tm.wait_drop(w, path, mark, 2, "Dropped after the failed Probe")
        check_unresponsive(code, details, "a failed Probe")
        up = tm.wait_connected(w, path, mark, 5, "connected again with a new ssh")
        print("connected again %.2f s after the Probe failed" % (up.when - t0 - took))
        new = w.bus.tunnel_props("probe")
        check(new["Pid"] != pid, "ssh was not replaced (pid %d)" % pid)
        check(not os.path.exists(control), "the old control socket %s is left" % control)
        check(banner(lport) is not None, "the forward does not work after the replacement")
        check(len(w.rec.find("Dropped", path, mark)) == 1
              and len(w.rec.find("Reconnected", path, mark)) == 1,
              "Dropped/Reconnected: %r" % w.rec.states(path, mark))

    def _recovers(self, net, change, heal=None):
        """Makes the change; the tunnel must be connected with a working
        forward again within the deadline and one login; Dropped and
        Reconnected once each.  Returns the seconds it took."""
        w = net.w
        mark = w.rec.mark()
        t0 = time.monotonic()
        change()
        if heal is not None:
            tm.wait_drop(w, net.path, mark, DEADLINE + 2, "Dropped within the deadline")
            t0 = time.monotonic()
            heal()
        up = tm.wait_connected(w, net.path, mark, DEADLINE + 3,
                               "connected within %.0f s and one login" % DEADLINE)
        wait_until(net.forward_works, 3, "the forward to work again")
        took = time.monotonic() - t0
        drops = w.rec.find("Dropped", net.path, mark)
        check(len(drops) == 1 and len(w.rec.find("Reconnected", net.path, mark)) == 1,
              "Dropped/Reconnected: %r" % w.rec.states(net.path, mark))
        _, code, details = tm.wait_drop(w, net.path, mark, 1, "Dropped")
        check_unresponsive(code, details, "the network change")
        print("connected %.2f s after the change (forward working)" % (up.when - t0))
        return took

    @requires(tm.own_netns_skip_reason)
    def test_network_change_address(self):
        """The client's address is replaced (ip addr del + add): the old TCP
        connection is a black hole.  The service checks the connected
        tunnel's session at once, finds no answer within the deadline and
        replaces ssh: connected, with a working forward, in about 3 s and
        one login (ServerAlive alone: 10-15 s)."""
        fx = self.fx
        net = NetWorld(fx)
        ns = net.ns
        new_addr = "10.23.%d.5" % ns.x
        ns.exec(["ip", "addr", "add", "10.23.%d.6/30" % ns.x, "dev", ns.ns_if])

        def change():
            run([IP, "addr", "del", ns.host_addr + "/30", "dev", ns.host_if])
            run([IP, "addr", "add", new_addr + "/30", "dev", ns.host_if])
            run([IP, "route", "add", ns.addr + "/32", "dev", ns.host_if, "src", new_addr])

        took = self._recovers(net, change)
        print("network change (new address): forward usable again after %.2f s" % took)
        check(took < 2 * (DEADLINE + 1), "took %.2f s" % took)

    @requires(tm.own_netns_skip_reason)
    def test_network_change_blackhole(self):
        """A blackhole route to the server stalls the connection: the check
        finds it within the deadline; once the route is gone again the
        tunnel is back within a login."""
        fx = self.fx
        net = NetWorld(fx)
        route = [net.ns.addr + "/32"]

        def change():
            run([IP, "route", "add", "blackhole"] + route)

        def heal():
            run([IP, "route", "del", "blackhole"] + route)

        took = self._recovers(net, change, heal)
        print("blackhole removed: forward usable again after %.2f s" % took)
        check(took < 2, "took %.2f s after the route was removed (measured: 0.25 s)" % took)


    @requires(sshd_skip_reason)
    def test_fallback_without_master(self):
        """A runtime directory too long for a control socket: ssh runs as before
        (no ControlPath), the log says so once, Probe connects to the server's
        port, and AddForward restarts ssh to apply the forward."""
        fx = self.fx
        w = World(fx, start=False)
        # the askpass socket still fits (dir + 17), ssh's control socket not (dir + 51)
        runtime = os.path.join(w.bus.dir, "r" * max(1, 70 - len(w.bus.dir) - 1))
        os.mkdir(runtime, 0o700)
        w.bus.service_env["XDG_RUNTIME_DIR"] = runtime
        w.start_service()
        lport, port_b = free_port(), free_port()
        for name in ("one", "two"):
            tm.add_tunnel(w, name, w.settings(lport if name == "one" else None))
            w.connected(name)
        pid = w.bus.tunnel_props("one")["Pid"]
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            argv = f.read().decode().split("\0")
        check(option(argv, "ControlPath") is None, "a control socket after all: %r" % argv)
        check(w.service.log().count("too long for a control socket") == 1,
              "the log does not say once that there is no control socket:\n" + w.service.log())
        res = w.bus.tunnel("one", "Probe")
        check(res.ok and res.value()[0] > 0, "Probe without a master: " + res.describe())
        res = w.bus.tunnel("one", "AddForward", "local",
                           "%d:127.0.0.1:%d" % (port_b, w.sshd.port))
        check(res.ok, "AddForward without a master: " + res.describe())
        props = w.connected("one")
        check(props["Pid"] != pid, "AddForward without a master did not restart ssh")
        wait_until(lambda: banner(port_b) == "SSH-2.0", 5, "forward B after the restart")

    @requires(sshd_skip_reason)
    def test_resume_checks_session(self):
        """After a resume that ssh survived (PrepareForSleep(false) without the
        service having closed ssh), the session is checked: a dead one (the
        server's session stopped) is replaced within the deadline."""
        fx = self.fx
        logind = tm.MockLogind(fx)
        w = World(fx, start=False)
        w.bus.service_env["DBUS_SYSTEM_BUS_ADDRESS"] = logind.address
        w.start_service()
        lport = free_port()
        path = tm.add_tunnel(w, "nap", w.settings(lport))
        pid = w.connected("nap")["Pid"]
        wait_until(lambda: logind.inhibitors() == 1, 10, "the service's delay inhibitor")
        session = session_of(w)
        fx.defer(kill_refs, [session])
        session.signal(signal.SIGSTOP)
        mark = w.rec.mark()
        t0 = time.monotonic()
        logind.prepare_for_sleep(False)
        drop, code, details = tm.wait_drop(w, path, mark, DEADLINE + 2,
                                           "Dropped within the deadline after the resume")
        print("dead session found %.2f s after the resume" % (drop.when - t0))
        check_unresponsive(code, details, "the resume")
        tm.wait_connected(w, path, mark, 5, "connected again")
        check(w.bus.tunnel_props("nap")["Pid"] != pid, "ssh was not replaced")

    @requires(sshd_skip_reason)
    def test_forwards_live(self):
        """Forwards added and removed while connected: ssh keeps running, a
        connection through forward A keeps flowing while B is added and
        removed; a busy local port, and a remote port the server refuses,
        are ForwardFailed and change nothing; the file holds only what took
        effect; a Configure that changes only forwards restarts nothing."""
        fx = self.fx
        w = World(fx)
        echo = tm.EchoService(fx)
        port_a, port_b = free_port(), free_port()
        spec_a = "%d:127.0.0.1:%d" % (port_a, echo.port)
        spec_b = "%d:127.0.0.1:%d" % (port_b, w.sshd.port)
        path = tm.add_tunnel(w, "fw", w.settings(LocalForward=[spec_a]))
        pid = w.connected("fw")["Pid"]
        conf = w.bus.conf_path("fw")

        conn = socket.create_connection(("127.0.0.1", port_a), timeout=3)
        fx.defer(conn.close)
        count = [0]

        def flows():
            count[0] += 1
            msg = b"ping %d\n" % count[0]
            conn.sendall(msg)
            got = b""
            while len(got) < len(msg):
                data = conn.recv(len(msg) - len(got))
                check(data, "the connection through forward A was closed")
                got += data
            check(got == msg, "forward A echoed %r for %r" % (got, msg))

        def state():
            props = w.bus.tunnel_props("fw")
            with open(conf) as f:
                text = f.read()
            return props, text

        flows()
        mark = w.rec.mark()
        # autosshctl forward add: AddForward
        res = w.bus.run([os.environ["AUTOSSHCTL_BIN"], "forward", "add", "fw", "-L", spec_b])
        check(res.rc == 0, "autosshctl forward add: " + res.describe())
        check(banner(port_b) == "SSH-2.0", "forward B does not work after AddForward")
        flows()
        props, text = state()
        check(props["Pid"] == pid and props["State"] == "connected",
              "AddForward restarted ssh: pid %r (was %d), %r" % (props["Pid"], pid, props["State"]))
        check("-L " + spec_b in props["Forwards"] and spec_b in text,
              "forward B is not in Forwards %r or the file" % props["Forwards"])

        res = w.bus.tunnel("fw", "RemoveForward", "local", spec_b)
        check(res.ok, "RemoveForward: " + res.describe())
        check(banner(port_b, timeout=1) in (None, ""), "forward B still answers after RemoveForward")
        flows()
        props, text = state()
        check(props["Pid"] == pid and spec_b not in text and "-L " + spec_b not in props["Forwards"],
              "after RemoveForward: pid %r, Forwards %r" % (props["Pid"], props["Forwards"]))

        # a busy local port: ForwardFailed, nothing changes
        busy = socket.socket()
        fx.defer(busy.close)
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        spec_busy = "127.0.0.1:%d:127.0.0.1:%d" % (busy.getsockname()[1], echo.port)
        before = state()[1]
        res = w.bus.tunnel("fw", "AddForward", "local", spec_busy)
        print("AddForward of a busy port: %s" % res.stderr.strip())
        check(not res.ok and res.error_name == "io.github.autosshd1.Error.ForwardFailed",
              "AddForward of a busy port: " + res.describe())
        res = w.bus.run([os.environ["AUTOSSHCTL_BIN"], "forward", "add", "fw", "-L", spec_busy])
        check(res.rc == 1 and "Port forwarding failed" in res.stderr,
              "autosshctl forward add of a busy port: " + res.describe())
        # a remote port the server refuses (it is taken on the server's side)
        spec_taken = "127.0.0.1:%d:127.0.0.1:%d" % (busy.getsockname()[1], echo.port)
        res = w.bus.tunnel("fw", "AddForward", "remote", spec_taken)
        print("AddForward of a taken remote port: %s" % res.stderr.strip())
        check(not res.ok and res.error_name == "io.github.autosshd1.Error.ForwardFailed",
              "AddForward of a taken remote port: " + res.describe())
        # two new forwards, the second busy: the first is closed again
        port_c = free_port()
        spec_c = "%d:127.0.0.1:%d" % (port_c, w.sshd.port)
        res = w.bus.tunnel("fw", "Configure", {"LocalForward": GV("as", [spec_a, spec_c, spec_busy])})
        check(not res.ok and res.error_name == "io.github.autosshd1.Error.ForwardFailed",
              "Configure with a busy port: " + res.describe())
        check(banner(port_c, timeout=1) in (None, ""), "the forward opened before the busy one "
              "was not closed again")
        props, text = state()
        check(text == before and props["Pid"] == pid and props["State"] == "connected"
              and props["Forwards"] == ["-L " + spec_a],
              "a failed AddForward changed something: pid %r, %r, Forwards %r, file:\n%s"
              % (props["Pid"], props["State"], props["Forwards"], text))
        flows()

        # Configure with only forwards: live too
        res = w.bus.tunnel("fw", "Configure", {"LocalForward": GV("as", [spec_a, spec_b])})
        check(res.ok, "Configure: " + res.describe())
        check(banner(port_b) == "SSH-2.0", "forward B does not work after Configure")
        flows()
        check(w.bus.tunnel_props("fw")["Pid"] == pid, "Configure of forwards restarted ssh")
        check(not w.rec.find("Dropped", path, mark) and
              not [s for s in w.rec.find("StateChanged", path, mark)],
              "state changes during live forward changes: %r" % w.rec.states(path, mark))

        # unknown kind, a forward the tunnel does not have
        res = w.bus.tunnel("fw", "AddForward", "sideways", spec_b)
        check(res.error_name == "io.github.autosshd1.Error.InvalidSettings", res.describe())
        res = w.bus.tunnel("fw", "RemoveForward", "remote", spec_b)
        check(res.error_name == "io.github.autosshd1.Error.InvalidSettings", res.describe())


if __name__ == "__main__":
    sys.exit(main())
