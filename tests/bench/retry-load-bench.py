#!/usr/bin/python3
"""Benchmark: what many tunnels cost the session service while they retry
against a server that is away.  Prints figures; asserts nothing.

    tests/bench/retry-load-bench.py build/service/daemon/autosshd [N] [WINDOW_S] [HOST]

The real autosshd on a private bus (the integration tests' fixtures), in a
network namespace of its own (tests/lib/in-netns.sh: a private loopback, so
the closed port stays closed); N (default 500) transient tunnels to a closed
port of HOST (default 127.0.0.1; "localhost" adds a name lookup to every
probe).  Once every tunnel is retrying, for WINDOW_S seconds (default 60):

  - the service's CPU, as % of one core: its own utime+stime from
    /proc/PID/stat (and, apart, that of the children it reaped);
  - how often it ran ssh, and `ssh -G`, per second: an `ssh` first in the
    service's PATH logs each run and execs the real one;
  - its RSS at the end (VmRSS).

The service runs without G_MESSAGES_DEBUG, as a user's would.
"""
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

IN_NETNS = os.path.join(HERE, "..", "lib", "in-netns.sh")
CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_ticks(pid):
    """(own utime+stime, reaped children's cutime+cstime) in clock ticks."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12]), int(fields[13]) + int(fields[14])


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def ssh_runs(log):
    """(ssh runs, of which `ssh -G`) logged so far by the wrapper."""
    try:
        with open(log) as f:
            lines = f.read().splitlines()
    except FileNotFoundError:
        return 0, 0
    return len(lines), sum(1 for line in lines if line.split()[:1] == ["-G"])


def counting_ssh(directory, log):
    """A directory holding an `ssh` that logs its arguments and runs the real one."""
    bindir = os.path.join(directory, "bin")
    os.makedirs(bindir)
    sf.write_script(bindir, "ssh", 'echo "$*" >> %s\nexec /usr/bin/ssh "$@"\n' % log)
    return bindir


def call(conn, path, iface, method, args, reply=None):
    return conn.call_sync(bf.BUS_NAME, path, iface, method, args,
                          GLib.VariantType(reply) if reply else None,
                          Gio.DBusCallFlags.NONE, 60000, None)


def states(conn):
    """{state: count} of every tunnel, from GetManagedObjects."""
    objects = call(conn, bf.MANAGER_PATH, "org.freedesktop.DBus.ObjectManager",
                   "GetManagedObjects", None).unpack()[0]
    out = {}
    for ifaces in objects.values():
        props = ifaces.get(bf.TUNNEL_IFACE)
        if props is not None:
            out[props["State"]] = out.get(props["State"], 0) + 1
    return out


def settled(counts, n):
    """Every tunnel tried once: retrying (or failed, which the figures say)."""
    return counts.get("retrying", 0) + counts.get("failed", 0) == n


def add_tunnels(conn, n, host, port):
    for i in range(n):
        settings = {
            "Destination": GLib.Variant("s", host),
            "Port": GLib.Variant("q", port),
            "User": GLib.Variant("s", "nobody"),
            "Transient": GLib.Variant("b", True),
            "SshOptions": GLib.Variant("as", ["BatchMode=yes", "ConnectTimeout=3"]),
        }
        call(conn, bf.MANAGER_PATH, bf.MANAGER_IFACE, "AddTunnel",
             GLib.Variant("(sa{sv}b)", ("load%04d" % i, settings, True)), "(o)")


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    if os.environ.get("RETRY_LOAD_BENCH_NETNS") is None and os.geteuid() == 0:
        os.environ["RETRY_LOAD_BENCH_NETNS"] = "1"
        os.execv("/bin/sh", ["sh", IN_NETNS, sys.executable] + sys.argv)
    sys.stdout.reconfigure(line_buffering=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("terminated"))   # the cleanups run
    binary = os.path.abspath(sys.argv[1])
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 500
    window = float(sys.argv[3]) if len(sys.argv) > 3 else 60.0
    host = sys.argv[4] if len(sys.argv) > 4 else "127.0.0.1"
    fx = sf.Fixtures()
    try:
        bus = bf.Bus(fx, service_bin=binary, activatable=False)
        log = os.path.join(bus.dir, "ssh-runs.log")
        bus.service_env["PATH"] = counting_ssh(bus.dir, log) + ":" + bus.service_env["PATH"]
        del bus.service_env["G_MESSAGES_DEBUG"]
        service = bf.Service(bus).start()
        conn = Gio.DBusConnection.new_for_address_sync(
            bus.address, Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT |
            Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)
        port = sf.free_port()          # nothing listens there
        start = time.monotonic()
        add_tunnels(conn, n, host, port)
        sf.wait_until(lambda: settled(states(conn), n), 300,
                      "all %d tunnels to be retrying (or failed)" % n, interval=1)
        print("%d tunnels to %s:%d (closed) added after %.1f s: %r"
              % (n, host, port, time.monotonic() - start, states(conn)))
        time.sleep(5)                  # past the first probes of the last ones
        cpu0, children0 = cpu_ticks(service.pid)
        runs0, g0 = ssh_runs(log)
        t0 = time.monotonic()
        time.sleep(window)
        cpu1, children1 = cpu_ticks(service.pid)
        runs1, g1 = ssh_runs(log)
        elapsed = time.monotonic() - t0
        print("window %.0f s, states at the end: %r" % (elapsed, states(conn)))
        print("autosshd CPU: %.1f %% of a core (its own utime+stime); "
              "reaped children: %.1f %% of a core"
              % (100.0 * (cpu1 - cpu0) / CLK_TCK / elapsed,
                 100.0 * (children1 - children0) / CLK_TCK / elapsed))
        print("spawns: ssh -G %.1f /s, other ssh %.1f /s"
              % ((g1 - g0) / elapsed, (runs1 - runs0 - (g1 - g0)) / elapsed))
        print("autosshd RSS at the end: %.1f MB" % (rss_kib(service.pid) / 1024))
    finally:
        fx.close()


if __name__ == "__main__":
    sys.exit(main())
