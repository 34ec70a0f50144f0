#!/usr/bin/python3
"""Benchmark of the session service autosshd, on a private bus against a
private sshd (the integration tests' fixtures).  Prints figures; asserts
nothing.  Needs root and /usr/sbin/sshd, like the integration tests.

    tests/bench/service-bench.py build/service/daemon/autosshd [ROUNDS]

Figures: kill -9 of ssh → forward usable again (against plain ssh's exec →
forward usable); a stalled server session → Dropped on default settings;
sshd back after an outage → tunnel connected; the service's memory with 100
tunnels defined (stopped) and with 20 connected.
"""
import os
import signal
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
# the integration tests' fixtures: the asdtest package in tests/lib (it needs
# PyGObject: Debian's python3-gi, hence /usr/bin/python3 above)
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import asdtest.busfixture as ts  # noqa: E402  (World, wait_state, tunnel_path)
import asdtest.sshfixture as sf  # noqa: E402


def ms(values):
    return "%.0f ms (median of %d; min %.0f, max %.0f)" % (
        statistics.median(values) * 1000, len(values), min(values) * 1000, max(values) * 1000)


def until(pred, deadline=60.0, interval=0.002):
    start = time.monotonic()
    while time.monotonic() - start < deadline:
        if pred():
            return time.monotonic() - start
        time.sleep(interval)
    raise RuntimeError("timed out")


def memory(pid):
    def field(path, name):
        with open(path) as f:
            for line in f:
                if line.startswith(name):
                    return int(line.split()[1])
        return 0
    return field("/proc/%d/status" % pid, "VmRSS:"), field("/proc/%d/smaps_rollup" % pid, "Pss:")


def plain_ssh(w, rounds):
    times = []
    for _ in range(rounds):
        port = sf.free_port()
        start = time.monotonic()
        p = subprocess.Popen(["ssh", "-N"] + w.sshd.ssh_opts() +
                             ["-L", "%d:127.0.0.1:%d" % (port, w.target.port), w.sshd.dest],
                             stdin=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        until(lambda: sf.read_expected(port, w.target.payload, timeout=0.5))
        times.append(time.monotonic() - start)
        p.kill()
        p.wait()
    return times


def kill_recovery(w, rounds):
    lport = w.add("kill")
    w.connected("kill")
    times = []
    for _ in range(rounds):
        old = w.service.ssh_children()[0]
        start = time.monotonic()
        os.kill(old, signal.SIGKILL)
        until(lambda: sf.read_expected(lport, w.target.payload, timeout=0.5)
              and old not in w.service.ssh_children())
        times.append(time.monotonic() - start)
        time.sleep(11)   # past the 10 s after which a connection counts as stable
    w.bus.manager("RemoveTunnel", "kill")
    return times


def stall(w):
    w.add("stall")
    w.connected("stall")
    path = ts.tunnel_path("stall")
    refs = [sf.ProcRef(p) for p in sf.wait_until(w.sshd.sessions, 5, "session")]
    mark = w.rec.mark()
    start = time.monotonic()
    for r in refs:
        r.signal(signal.SIGSTOP)
    w.rec.wait("Dropped", path, since=mark, timeout=60)
    dropped = time.monotonic() - start
    ts.wait_state(w.bus, "stall", "connected", 30)
    back = time.monotonic() - start
    sf.kill_refs(refs)
    w.bus.manager("RemoveTunnel", "stall")
    return dropped, back


def outage(w, seconds):
    w.add("outage")
    w.connected("outage")
    w.sshd.stop()
    time.sleep(seconds)
    w.sshd.start()
    start = time.monotonic()
    ts.wait_state(w.bus, "outage", "connected", 60)
    back = time.monotonic() - start
    w.bus.manager("RemoveTunnel", "outage")
    return back


def many(w, defined, connected):
    for i in range(defined):
        w.add("idle%03d" % i, start=False)
    rss_idle = memory(w.service.pid)
    for i in range(connected):
        w.bus.tunnel("idle%03d" % i, "Start")
    for i in range(connected):
        ts.wait_state(w.bus, "idle%03d" % i, "connected", 60)
    time.sleep(1)
    return rss_idle, memory(w.service.pid)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    os.environ["AUTOSSHD_BIN"] = os.path.abspath(sys.argv[1])
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    fx = sf.Fixtures()
    try:
        w = ts.World(fx)
        print("plain ssh -N -L, exec → forward usable:        " + ms(plain_ssh(w, rounds)))
        print("autosshd: kill -9 ssh → forward usable again:  " + ms(kill_recovery(w, rounds)))
        dropped, back = stall(w)
        print("autosshd: server session stalled → Dropped:    %.1f s (default settings), "
              "connected again after %.1f s" % (dropped, back))
        print("autosshd: sshd back after a 20 s outage → connected: %.1f s" % outage(w, 20))
        (rss0, pss0), (rss1, pss1) = many(w, 100, 20)
        print("autosshd memory, 100 tunnels defined, stopped: RSS %.1f MB, PSS %.1f MB"
              % (rss0 / 1024, pss0 / 1024))
        print("autosshd memory, 100 defined, 20 connected:    RSS %.1f MB, PSS %.1f MB "
              "(plus one ssh per connected tunnel)" % (rss1 / 1024, pss1 / 1024))
    finally:
        fx.close()


if __name__ == "__main__":
    main()
