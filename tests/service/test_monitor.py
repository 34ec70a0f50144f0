#!/usr/bin/env python3
"""The service's checks of a running tunnel and its reaction to network
changes (autosshd(8), "Checks of a running tunnel" and "Network changes"):
the monitor test in loop mode (MonitorPort N: the sshd in a network
namespace of its own, since N is bound on both ends) and in echo mode
(MonitorPort N, EchoPort E: an echo service the test controls), and a
retrying tunnel that tries at once when the network changes, unless it
was closed for the system's sleep (a mock logind).  Real sshd, ssh,
dbus-daemon and autosshd, as in test_service.py.

Run by meson, one test per case (`meson test -C build service-monitor_loop_mode`);
by hand: PYTHONPATH=tests/lib AUTOSSHD_BIN=/path/to/autosshd
tests/lib/in-netns.sh /usr/bin/python3 test_monitor.py [NAME ...]
Exit status: 0 pass, 1 fail, 77 skipped (not root, or no /usr/sbin/sshd).
"""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True      # no __pycache__ in the source tree

from asdtest import TestCase, main, requires  # noqa: E402
from asdtest.busfixture import (  # noqa: E402
    GV, Bus, World, check_reason, reason_details, tunnel_path, wait_state)
from asdtest.sshfixture import (  # noqa: E402
    IP, SSH_KEYGEN, Netns, ProcRef, Sshd, _Server, check, free_port, free_port_pair,
    kill_refs, port_accepts, run, sshd_skip_reason, wait_until)

# Every test here has PollInterval 1 (the least the settings allow) and
# FirstPoll 1: a test every second, each step of it bounded by 1 s
# (PollInterval / 2, at least 1), two attempts per test.
POLL = {"PollInterval": GV("u", 1), "FirstPoll": GV("u", 1)}


def own_netns_skip_reason():
    """Why this test cannot change the network it runs in, or None: it must
    be alone in a network namespace of its own (tests/lib/in-netns.sh)."""
    reason = sshd_skip_reason()
    if reason:
        return reason
    links = run([IP, "-o", "link", "show"]).stdout.decode().splitlines()
    if len(links) != 1:
        return "not in a network namespace of our own (run through tests/lib/in-netns.sh)"
    return None


class EchoService(_Server):
    """The server's echo service on 127.0.0.1:port, in one of three modes:
    "echo" (every byte back), "wrong" (as many bytes back, all different),
    "silent" (reads, never answers)."""

    def __init__(self, fx):
        self.mode = "echo"
        super().__init__(fx, self._handle)

    def _handle(self, conn):
        while True:
            data = conn.recv(4096)
            if not data:
                return b""
            if self.mode == "echo":
                conn.sendall(data)
            elif self.mode == "wrong":
                conn.sendall(bytes(b ^ 0x20 for b in data))


class Relay(_Server):
    """A TCP relay to 127.0.0.1:port in one of two modes: "close" (accepts and
    closes at once: ssh says the connection was closed, a failure that backs
    off) or "relay" (relays both ways)."""

    def __init__(self, fx, port):
        self.mode = "close"
        self.to = port
        super().__init__(fx, self._handle)

    def _handle(self, conn):
        if self.mode == "close":
            return b""
        conn.settimeout(None)           # a tunnel idles for long
        up = socket.create_connection(("127.0.0.1", self.to))

        def pump(src, dst):
            try:
                while True:
                    data = src.recv(65536)
                    if not data:
                        break
                    dst.sendall(data)
            except OSError:
                pass
            finally:
                with contextlib.suppress(OSError):
                    dst.shutdown(socket.SHUT_WR)

        back = threading.Thread(target=pump, args=(up, conn), daemon=True)
        back.start()
        pump(conn, up)
        back.join()
        up.close()
        return b""


def trust(w, host, port):
    """The world's known_hosts also knows the sshd's key as [host]:port."""
    with open(w.sshd.host_key + ".pub") as f:
        key = f.read().split()
    with open(w.known_hosts, "a") as f:
        f.write("[%s]:%d %s %s\n" % (host, port, key[0], key[1]))


def add_tunnel(w, name, settings, start=True):
    res = w.bus.manager("AddTunnel", name, settings, start)
    check(res.ok, "AddTunnel %s failed: %s" % (name, res.describe()))
    return tunnel_path(name)


def prop(sig, name):
    """A property's value in a recorded PropertiesChanged, or None."""
    value = sig.args[1].get(name) if len(sig.args) > 1 else None
    return value["data"] if isinstance(value, dict) and "data" in value else value


def tests_seen(w, path, since):
    """The monitor tests (or probes) that succeeded: PropertiesChanged with a
    new LastProbeTimestamp."""
    return [s for s in w.rec.find("PropertiesChanged", path, since)
            if prop(s, "LastProbeTimestamp") is not None]


def wait_tests(w, path, count, timeout, what):
    """Wait for count successful monitor tests after now; returns the times
    (monotonic, as recorded) between them."""
    mark = w.rec.mark()
    seen = wait_until(lambda: (lambda t: t if len(t) >= count else None)(
        tests_seen(w, path, mark)), timeout, "%d successful monitor tests %s" % (count, what),
        interval=0.05)
    return [b.when - a.when for a, b in zip(seen, seen[1:])]


def wait_drop(w, path, since, timeout, what):
    """Wait for Dropped; returns (the signal, StateReasonCode and details that
    the PropertiesChanged sent before it carry)."""
    drop = w.rec.wait("Dropped", path, since=since, timeout=timeout, what=what)
    code, details = None, {}
    for s in w.rec.find(None, path, since):
        if s is drop:
            break
        if s.member == "PropertiesChanged" and prop(s, "StateReasonCode") is not None:
            code = prop(s, "StateReasonCode")
            details = reason_details({"StateReasonDetails": prop(s, "StateReasonDetails")
                                      or {}})
    return drop, code, details


def wait_connected(w, path, since, timeout, what):
    """Wait for a StateChanged to "connected" after since; returns the signal
    (its .when: when the recorder read it)."""
    return w.rec.wait("StateChanged", path, since=since, timeout=timeout, what=what,
                      pred=lambda s: s.args[1] == "connected")


def check_monitor_failed(code, details, what):
    check(code == "monitor-failed" and details.get("retry") == "backoff",
          "%s: the tunnel went down with StateReasonCode %r, details %r (expected "
          "monitor-failed, retry backoff)" % (what, code, details))


class MockLogind:
    """python3-dbusmock's logind on a private system bus (as in
    test_service.py's test_sleep_and_wake): PrepareForSleep on demand, and
    the service's delay inhibitors."""

    def __init__(self, fx):
        self.system = Bus(fx, activatable=False, private_home=False)
        self.address = self.system.address
        mock = subprocess.Popen(["/usr/bin/python3", "-m", "dbusmock", "--system", "-t",
                                 "logind"],
                                env=dict(self.system.env, DBUS_SYSTEM_BUS_ADDRESS=self.address),
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        fx.defer(lambda: (mock.terminate(), mock.wait(5)))
        wait_until(lambda: self.inhibitors() == 0, 10, "the mock logind on the private "
                   "system bus")

    def gdbus(self, *args):
        return self.system.run(["gdbus", "call", "--address", self.address, "--dest",
                                "org.freedesktop.login1", "--object-path",
                                "/org/freedesktop/login1"] + list(args), timeout=10)

    def inhibitors(self):
        res = self.gdbus("--method", "org.freedesktop.login1.Manager.ListInhibitors")
        return res.stdout.count("'autosshd'") if res.ok else -1

    def prepare_for_sleep(self, start):
        res = self.gdbus("--method", "org.freedesktop.DBus.Mock.EmitSignal",
                         "org.freedesktop.login1.Manager", "PrepareForSleep", "b",
                         "[<%s>]" % ("true" if start else "false"))
        check(res.ok, "emitting PrepareForSleep: " + res.describe())


NETWORK_CHANGED = "network changed (available: 1)"     # asd-manager.c's debug line


class MonitorTest(TestCase):
    """The monitor test and network changes, in the service (one method per
    meson test)."""

    @requires(sshd_skip_reason)
    def test_monitor_loop_mode(self):
        """MonitorPort N, loop mode: the service writes to 127.0.0.1:N and reads
        it back on its N+1 through the server's N.  Tests run every
        PollInterval; Probe runs one; a stalled server session (SIGSTOP, the
        kernel still ACKs) is found by it within a few seconds, where ssh's
        keep-alives (not used with a monitor) would take 10-15 s; then it
        connects again."""
        fx = self.fx
        w = World(fx, sshd=False)
        ns = Netns(fx)
        w.sshd = Sshd(fx, host=ns.addr, netns=ns.name)
        w.known_hosts = os.path.join(w.bus.dir, "known_hosts")
        trust(w, ns.addr, w.sshd.port)
        mport = free_port_pair()
        path = add_tunnel(w, "loop", w.settings(Destination=ns.addr,
                                                 MonitorPort=GV("q", mport), **POLL))
        props = w.connected("loop")
        check(props["MonitorPort"] == mport and props["PollInterval"] == 1,
              "MonitorPort %r, PollInterval %r" % (props["MonitorPort"], props["PollInterval"]))
        cmd = props["Command"]
        for opt, spec in (("-L", "%d:127.0.0.1:%d" % (mport, mport)),
                          ("-R", "%d:127.0.0.1:%d" % (mport, mport + 1))):
            check(any(a == opt and b == spec for a, b in zip(cmd, cmd[1:])),
                  "loop mode's %s %s is not in the Command %r" % (opt, spec, cmd))
        check("ServerAliveInterval=5" not in cmd, "keep-alives with a monitor: %r" % cmd)

        # a test every PollInterval, without anyone asking (measured: 1.0 s apart)
        gaps = wait_tests(w, path, 3, 6, "while connected")
        print("loop mode: gaps between monitor tests: %s s"
              % ", ".join("%.2f" % g for g in gaps))
        check(max(gaps) < 2, "monitor tests %r s apart with PollInterval 1" % gaps)
        props = w.bus.tunnel_props("loop")
        check(0 < props["ProbeLatencyUSec"] < 1000000,
              "ProbeLatencyUSec %r after monitor tests" % props["ProbeLatencyUSec"])

        # Probe: a latency, through the monitor
        before = props["LastProbeTimestamp"]
        res = w.bus.tunnel("loop", "Probe")
        check(res.ok, "Probe: " + res.describe())
        latency = res.value()[0]
        print("loop mode: Probe's latency %d µs" % latency)
        check(0 < latency < 1000000, "Probe's latency %r µs" % latency)
        props = w.bus.tunnel_props("loop")
        check(props["LastProbeTimestamp"] > before, "LastProbeTimestamp %r did not move "
              "(before Probe: %r)" % (props["LastProbeTimestamp"], before))

        # the server's session stalls: the monitor finds it
        session = ProcRef(wait_until(lambda: (lambda s: s[0] if len(s) == 1 else None)(
            w.sshd.sessions()), 5, "exactly one sshd session in the namespace"))
        fx.defer(kill_refs, [session])          # SIGCONT + SIGTERM, then SIGKILL
        check(port_accepts(ns.addr, w.sshd.port), "the sshd listener does not answer")
        mark = w.rec.mark()
        t0 = time.monotonic()
        session.signal(signal.SIGSTOP)
        # measured: 2.6-3.7 s (a test within 1 s, two attempts of 1 s each)
        drop, code, details = wait_drop(w, path, mark, 7, "Dropped within 7 s of stalling "
                                        "the server's session (ssh's keep-alives: 10-15 s)")
        print("loop mode: stall found %.2f s after SIGSTOP (%s)" % (drop.when - t0, code))
        check_monitor_failed(code, details, "the stalled session")
        # The next ssh (at once) logs in, but the stalled session still holds
        # the server's N: the loop's -R is refused, and the tunnel must not
        # say connected (nor Reconnected) for that moment, as it did.
        def refused(s):
            return (prop(s, "State") == "retrying"
                    and prop(s, "StateReasonCode") == "remote-port-in-use")
        w.rec.wait("PropertiesChanged", path, since=mark, timeout=5, pred=refused,
                   what="retrying with remote-port-in-use while the stalled session "
                   "holds the server's port %d" % mport)
        check(not w.rec.find("Reconnected", path, mark) and
              not [s for s in w.rec.find("StateChanged", path, mark) if s.args[1] == "connected"],
              "the tunnel said connected (or Reconnected) while the server refused the "
              "monitor's -R %d: %r" % (mport, w.rec.states(path, mark)))
        mark = w.rec.mark()
        t1 = time.monotonic()
        session.signal(signal.SIGCONT)          # it sees its client gone, and frees N
        # measured: 3.8-4.0 s (the next try is 3 s after the refused -R)
        up = wait_connected(w, path, mark, 8, "connected again within 8 s of SIGCONT")
        w.rec.wait("Reconnected", path, since=mark, timeout=2)
        print("loop mode: connected again %.2f s after SIGCONT" % (up.when - t1))
        wait_tests(w, path, 2, 4, "after the reconnection")

        # Probe of a stalled session fails: it is the monitor's test, not a
        # connect to the server's port (which still answers)
        session = ProcRef(wait_until(lambda: (lambda s: s[0] if len(s) == 1 else None)(
            w.sshd.sessions()), 5, "the new sshd session"))
        fx.defer(kill_refs, [session])
        mark = w.rec.mark()
        session.signal(signal.SIGSTOP)
        t0 = time.monotonic()
        res = w.bus.tunnel("loop", "Probe")
        took = time.monotonic() - t0
        print("loop mode: Probe of a stalled session: %.2f s, %s" % (took, res.stderr.strip()))
        check(took < 4, "Probe took %.2f s to fail (measured: 2.0 s)" % took)
        check(not res.ok and res.error_name == "io.github.autosshd1.Error.ProbeFailed"
              and "monitor" in res.stderr,
              "Probe of a stalled session: expected ProbeFailed from the monitor test: "
              + res.describe())
        check(port_accepts(ns.addr, w.sshd.port), "the sshd listener does not answer")
        _, code, details = wait_drop(w, path, mark, 2, "Dropped after the failed Probe")
        check_monitor_failed(code, details, "the Probe of a stalled session")
        mark = w.rec.mark()
        session.signal(signal.SIGCONT)
        wait_connected(w, path, mark, 8, "connected again within 8 s of SIGCONT")

    @requires(sshd_skip_reason)
    def test_monitor_echo_mode(self):
        """MonitorPort N with EchoPort E: ssh forwards N to the server's echo
        service on E; tests run every PollInterval and Probe runs one; an echo
        service that answers wrongly or not at all fails the test: Dropped
        (monitor-failed), retrying; answering again, connected again."""
        fx = self.fx
        w = World(fx)
        echo = EchoService(fx)
        mport = free_port()
        path = add_tunnel(w, "echo", w.settings(MonitorPort=GV("q", mport),
                                                 EchoPort=GV("q", echo.port), **POLL))
        props = w.connected("echo")
        cmd = props["Command"]
        spec = "%d:127.0.0.1:%d" % (mport, echo.port)
        check(any(a == "-L" and b == spec for a, b in zip(cmd, cmd[1:])) and "-R" not in cmd,
              "echo mode's -L %s (and no -R) in the Command %r" % (spec, cmd))

        n0 = echo.connections
        gaps = wait_tests(w, path, 3, 6, "while connected")     # measured: 1.0 s apart
        print("echo mode: gaps between monitor tests: %s s"
              % ", ".join("%.2f" % g for g in gaps))
        check(max(gaps) < 2, "monitor tests %r s apart with PollInterval 1" % gaps)
        check(echo.connections - n0 >= 3, "%d connections to the echo service for 3 monitor "
              "tests" % (echo.connections - n0))

        n0 = echo.connections
        before = w.bus.tunnel_prop("echo", "LastProbeTimestamp")
        res = w.bus.tunnel("echo", "Probe")
        check(res.ok, "Probe: " + res.describe())
        latency = res.value()[0]
        print("echo mode: Probe's latency %d µs" % latency)
        check(0 < latency < 1000000, "Probe's latency %r µs" % latency)
        check(echo.connections > n0, "Probe did not reach the echo service")
        check(w.bus.tunnel_prop("echo", "LastProbeTimestamp") > before,
              "LastProbeTimestamp did not move")

        # measured: wrong answers found in 0.7-1.8 s (at the next test), none in
        # 3.0 s (two attempts of 1 s); connected again 0.2-0.7 s, then 1.1-2.1 s
        # later (the second drop backs off 1 s)
        for mode, bound in (("wrong", 4), ("silent", 6)):
            mark = w.rec.mark()
            t0 = time.monotonic()
            echo.mode = mode
            drop, code, details = wait_drop(w, path, mark, bound, "Dropped within %d s of an "
                                            "echo service that answers %s" % (bound, mode))
            print("echo mode: %s answers found in %.2f s" % (mode, drop.when - t0))
            check_monitor_failed(code, details, "an echo service that answers " + mode)
            mark = w.rec.mark()
            echo.mode = "echo"
            t1 = time.monotonic()
            up = wait_connected(w, path, mark, 4.5, "connected again within 4.5 s once the "
                                "echo service answers")
            print("echo mode: connected again %.2f s later" % (up.when - t1))
            mark = w.rec.mark()
            wait_tests(w, path, 2, 4, "after the reconnection")
            check(not w.rec.find("Dropped", path, mark), "Dropped with a good echo service")

        # Probe while the echo service says nothing: ProbeFailed, and a drop
        mark = w.rec.mark()
        echo.mode = "silent"
        t0 = time.monotonic()
        res = w.bus.tunnel("echo", "Probe")
        took = time.monotonic() - t0
        print("echo mode: Probe with a silent echo service: %.2f s, %s"
              % (took, res.stderr.strip()))
        check(not res.ok and res.error_name == "io.github.autosshd1.Error.ProbeFailed"
              and "monitor" in res.stderr,
              "Probe with a silent echo service: expected ProbeFailed from the monitor "
              "test: " + res.describe())
        check(took < 4, "Probe took %.2f s to fail (measured: 2.0 s)" % took)
        _, code, details = wait_drop(w, path, mark, 2, "Dropped after the failed Probe")
        check_monitor_failed(code, details, "the Probe with a silent echo service")

    @requires(own_netns_skip_reason)
    def test_network_change_retries_at_once(self):
        """A tunnel retrying with a long backoff (a server that closes every
        connection) tries at once when the network changes (a route is added
        in the test's own network namespace), long before its NextRetry; a
        failed tunnel (a key the server refuses) waits for its user, a
        stopped one stays stopped."""
        fx = self.fx
        w = World(fx)
        relay = Relay(fx, w.sshd.port)
        trust(w, "127.0.0.1", relay.port)
        path = add_tunnel(w, "net", w.settings(Port=GV("q", relay.port)))
        other_key = os.path.join(w.bus.dir, "other_key")
        run([SSH_KEYGEN, "-q", "-t", "ed25519", "-N", "", "-f", other_key])
        denied = add_tunnel(w, "denied", w.settings(IdentityFile=other_key))
        stopped = add_tunnel(w, "stopped", w.settings(), start=False)
        props = wait_state(w.bus, "denied", "failed", 20)
        check(props["StateReasonCode"] == "auth-denied",
              "the tunnel with a refused key: %r" % props["StateReasonCode"])
        last = {}

        def long_wait():
            last.clear()
            last.update(w.bus.tunnel_props("net"))
            left = last["NextRetryTimestampMonotonic"] / 1e6 - time.monotonic()
            return (last, left) if last["State"] == "retrying" and left >= 5 else None
        props, left = wait_until(long_wait, 30, "the tunnel to back off 5 s or more")
        details = reason_details(props)
        check(props["StateReasonCode"] == "connection-closed" and
              details.get("retry") == "backoff",
              "retrying with %r %r (expected connection-closed, backoff)"
              % (props["StateReasonCode"], details))
        next_retry = props["NextRetryTimestampMonotonic"] / 1e6
        print("retrying after %d restarts, the next try %.1f s away"
              % (props["Restarts"], left))

        relay.mode = "relay"                    # the server is reachable now
        mark = w.rec.mark()
        t0 = time.monotonic()
        run([IP, "route", "add", "blackhole", "198.51.100.0/24"])   # GNetworkMonitor: changed
        # measured: 0.2-0.7 s (the next try 6-9 s away)
        up = wait_connected(w, path, mark, 1.5, "connected within 1.5 s of the network "
                            "change (the next try was %.1f s away)" % left)
        print("connected %.2f s after the network change, %.1f s before NextRetry"
              % (up.when - t0, next_retry - up.when))
        check(up.when < next_retry - 1, "connected only at NextRetry")
        # the others were told in the same turn of the service's main loop
        for what, p in (("failed", denied), ("stopped", stopped)):
            check(not w.rec.find("StateChanged", p, mark),
                  "the %s tunnel changed state with the network: %r"
                  % (what, w.rec.states(p, mark)))

    @requires(own_netns_skip_reason)
    def test_network_change_while_asleep(self):
        """A tunnel closed for the system's sleep is retrying ("the system is
        asleep"), but a network change while the system sleeps must not
        start its ssh (autosshd(8), "Sleep and resume": ssh is closed so that
        the server frees its forwards, and the inhibitor is already gone);
        it connects on waking."""
        fx = self.fx
        logind = MockLogind(fx)
        w = World(fx, start=False)
        w.bus.service_env["DBUS_SYSTEM_BUS_ADDRESS"] = logind.address
        w.start_service()
        path = add_tunnel(w, "nap", w.settings())
        pid = w.connected("nap")["Pid"]
        wait_until(lambda: logind.inhibitors() == 1, 10, "the service's delay inhibitor")
        logind.prepare_for_sleep(True)
        props = wait_state(w.bus, "nap", "retrying", 10)
        check_reason(props, "system-asleep", "asleep")
        wait_until(lambda: not ProcRef(pid).alive(), 10, "ssh %d to be closed for sleep" % pid)
        wait_until(lambda: logind.inhibitors() == 0, 10, "the inhibitor to be released")

        seen = w.service.log().count(NETWORK_CHANGED)
        mark = w.rec.mark()
        run([IP, "route", "add", "blackhole", "198.51.100.0/24"])   # GNetworkMonitor: changed
        wait_until(lambda: w.service.log().count(NETWORK_CHANGED) > seen, 5,
                   "the service to see the network change (%r in its log)" % NETWORK_CHANGED)
        # the handler starts ssh (State connecting, a Pid) in the same turn
        props = w.bus.tunnel_props("nap")
        check(props["State"] == "retrying" and props["Pid"] == 0
              and not w.service.ssh_children(),
              "a network change while asleep: State %r (%r), Pid %r, the service's ssh %r"
              % (props["State"], props["StateReason"], props["Pid"], w.service.ssh_children()))
        check(not w.rec.find("StateChanged", path, mark), "a network change while asleep: %r"
              % w.rec.states(path, mark))

        mark = w.rec.mark()
        t0 = time.monotonic()
        logind.prepare_for_sleep(False)
        # measured: 0.4-0.5 s
        up = wait_connected(w, path, mark, 1.2, "connected within 1.2 s of waking")
        print("connected %.2f s after waking" % (up.when - t0))
        wait_until(lambda: logind.inhibitors() == 1, 10, "the inhibitor to be taken again")


if __name__ == "__main__":
    sys.exit(main())
