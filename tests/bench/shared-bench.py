#!/usr/bin/python3
"""Benchmark: many tunnels to one server, shared and unshared side by side
in one run.  Prints figures; asserts nothing.  Needs root and
/usr/sbin/sshd, like the integration tests.

    tests/bench/shared-bench.py build/service/daemon/autosshd [N [shared|unshared]]

The real autosshd on a private bus against a private sshd (the integration
tests' fixtures).  N (default 200) transient tunnels to that sshd, each with
a local forward of its own to a hello server; first with
ShareConnection=true (the default), then, after StopAll, the same N with
ShareConnection=false.  For each:

  - start: StartAll (the N added stopped) → every forward answers (the
    hello server's greeting through it);
  - client: how many ssh processes the service runs, and their RSS summed;
  - server: sshd's per-connection session processes, logins in its log;
  - recovery: every process below the sshd listener killed (every server
    session) → every forward answers again.
"""
import concurrent.futures
import os
import signal
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from gi.repository import Gio, GLib  # noqa: E402
import asdtest.busfixture as bf  # noqa: E402
import asdtest.sshfixture as sf  # noqa: E402


def call(conn, path, iface, method, args, reply=None):
    return conn.call_sync(bf.BUS_NAME, path, iface, method, args,
                          GLib.VariantType(reply) if reply else None,
                          Gio.DBusCallFlags.NONE, 120000, None)


def rss_kib(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def logins(sshd):
    with open(sshd.stderr_path, errors="replace") as f:
        return f.read().count("Accepted publickey")


def all_answer(ports, payload, deadline=300.0):
    """Seconds until every forward in ports delivers payload, asked 32 at a
    time (one after the other, 200 channel opens through one connection
    would measure the asking)."""
    start = time.monotonic()
    pending = list(ports)
    with concurrent.futures.ThreadPoolExecutor(max_workers=32) as pool:
        while pending:
            if time.monotonic() - start > deadline:
                raise RuntimeError("%d forwards still do not answer" % len(pending))
            answers = pool.map(lambda p: sf.read_expected(p, payload, timeout=2.0), pending)
            pending = [p for p, ok in zip(pending, list(answers)) if not ok]
            if pending:
                time.sleep(0.02)
    return time.monotonic() - start


def add_tunnels(conn, w, prefix, n, share):
    ports = []
    for i in range(n):
        port = sf.free_port()
        ports.append(port)
        settings = {
            "Destination": GLib.Variant("s", "127.0.0.1"),
            "Port": GLib.Variant("q", w.sshd.port),
            "User": GLib.Variant("s", "root"),
            "IdentityFile": GLib.Variant("s", w.sshd.client_key),
            "LocalForward": GLib.Variant("as", ["%d:127.0.0.1:%d" % (port, w.target.port)]),
            "SshOptions": GLib.Variant("as", ["IdentitiesOnly=yes",
                                              "UserKnownHostsFile=%s" % w.known_hosts,
                                              "StrictHostKeyChecking=yes"]),
            "Transient": GLib.Variant("b", True),
            "ShareConnection": GLib.Variant("b", share),
        }
        call(conn, bf.MANAGER_PATH, bf.MANAGER_IFACE, "AddTunnel",
             GLib.Variant("(sa{sv}b)", ("%s%04d" % (prefix, i), settings, False)), "(o)")
    return ports


def kill_sessions(sshd):
    victims = [sf.ProcRef(p) for p in sf.descendants(sshd.pid)]
    for v in victims:
        v.signal(signal.SIGKILL)
    return len(victims)


def measure(conn, w, label, n, share):
    logins0 = logins(w.sshd)
    ports = add_tunnels(conn, w, label[:1], n, share)
    start = time.monotonic()
    call(conn, bf.MANAGER_PATH, bf.MANAGER_IFACE, "StartAll", None)
    started = time.monotonic() - start
    up = all_answer(ports, w.target.payload) + started
    time.sleep(1)
    sshs = w.service.ssh_children()
    rss = sum(rss_kib(p) for p in sshs)
    sessions = len(w.sshd.sessions())
    server_rss = sum(rss_kib(p) for p in sf.descendants(w.sshd.pid))
    new_logins = logins(w.sshd) - logins0
    killed = kill_sessions(w.sshd)
    t0 = time.monotonic()
    # the forwards are gone once ssh has seen the session die
    sf.wait_until(lambda: not all(sf.read_expected(p, w.target.payload, timeout=0.5)
                                  for p in ports[:5]), 30, "the forwards to go down", interval=0.01)
    all_answer(ports, w.target.payload, deadline=600)
    back = time.monotonic() - t0
    relogins = logins(w.sshd) - logins0 - new_logins
    print("%-9s %d tunnels: StartAll → all forwards answer after %5.1f s (the call %.1f s); "
          "%3d ssh, client RSS %6.1f MB; server: %3d sessions, %6.1f MB, %3d logins; "
          "%3d server processes killed → all answer again after %5.1f s (%d logins)"
          % (label, n, up, started, len(sshs), rss / 1024.0, sessions, server_rss / 1024.0,
             new_logins, killed, back, relogins))
    call(conn, bf.MANAGER_PATH, bf.MANAGER_IFACE, "StopAll", None)
    sf.wait_until(lambda: not w.service.ssh_children(), 60, "every ssh to end", interval=0.1)
    for i in range(n):
        call(conn, bf.MANAGER_PATH, bf.MANAGER_IFACE, "RemoveTunnel",
             GLib.Variant("(s)", ("%s%04d" % (label[:1], i),)))


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    sys.stdout.reconfigure(line_buffering=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("terminated"))   # the cleanups run
    os.environ["AUTOSSHD_BIN"] = os.path.abspath(sys.argv[1])
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    fx = sf.Fixtures()
    try:
        w = bf.World(fx, start=False)
        w.bus.service_env.pop("G_MESSAGES_DEBUG", None)
        w.start_service()
        conn = Gio.DBusConnection.new_for_address_sync(
            w.bus.address, Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT |
            Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)
        only = sys.argv[3] if len(sys.argv) > 3 else None
        if only in (None, "shared"):
            measure(conn, w, "shared", n, True)
        if only in (None, "unshared"):
            measure(conn, w, "unshared", n, False)
        w.service.check_alive()
    finally:
        fx.close()


if __name__ == "__main__":
    sys.exit(main())
