#!/usr/bin/python3
"""Benchmark of the system service (autosshd --system) starting with 20
AutoStart tunnels: the time from starting the service to the bus name owned,
and to every tunnel connected (and its forward usable), as the system test
world runs it (its own system user, a private system-like bus with the
built policy, the polkitd mock, a private sshd).  Prints figures; asserts
nothing.  Needs root and /usr/sbin/sshd, like the integration tests.
    tests/bench/system-startup.py BUILD_DIR [ROUNDS] [TUNNELS]
"""

import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
# the integration tests' fixtures: the asdtest package in tests/lib (it needs
# PyGObject: Debian's python3-gi, hence /usr/bin/python3 above)
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import asdtest.busfixture as bf  # noqa: E402
import asdtest.sshfixture as sf  # noqa: E402
import asdtest.systemfixture as sysf  # noqa: E402


def ms(values):
    return "%.0f ms (median of %d; min %.0f, max %.0f)" % (
        statistics.median(values) * 1000, len(values), min(values) * 1000, max(values) * 1000)


def states(bus):
    res = bus.busctl("--json=short", "call", bf.BUS_NAME, bf.MANAGER_PATH,
                     "org.freedesktop.DBus.ObjectManager", "GetManagedObjects")
    if not res.ok:
        return {}
    out = {}
    for path, ifaces in res.json()["data"][0].items():
        tunnel = ifaces.get(bf.TUNNEL_IFACE)
        if tunnel:
            out[path] = tunnel["State"]["data"]
    return out


def one_round(n):
    fx = sf.Fixtures()
    try:
        w = sysf.SystemWorld(fx, start=False)
        ports = []
        for i in range(n):
            port = sf.free_port()
            ports.append(port)
            w.bus.write_tunnel_file("t%02d" % i, w.tunnel_text(port))
        start = time.monotonic()
        service = bf.Service(w.bus)
        service.start("--system", timeout=30)
        owned = time.monotonic() - start
        while True:
            now = states(w.bus)
            if len(now) == n and all(s == "connected" for s in now.values()):
                break
            if time.monotonic() - start > 120:
                raise RuntimeError("not all connected after 120 s: %r" % now)
            time.sleep(0.02)
        connected = time.monotonic() - start
        for port in ports:
            sf.wait_forward(port, w.target.payload, timeout=30)
        usable = time.monotonic() - start
        return owned, connected, usable
    finally:
        fx.close()


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    os.environ["AUTOSSHD_BIN"] = os.path.join(build, "service/daemon/autosshd")
    os.environ["AUTOSSHD_ASKPASS"] = os.path.join(build, "service/daemon/autosshd-askpass")
    os.environ["ASD_SYSTEM_BUS_POLICY"] = os.path.join(build, "data/system/io.github.autosshd1.conf")
    for key in ("AUTOSSHD_BIN", "AUTOSSHD_ASKPASS", "ASD_SYSTEM_BUS_POLICY"):
        os.environ[key] = os.path.abspath(os.environ[key])
    results = [one_round(n) for _ in range(rounds)]
    print("system service, %d AutoStart tunnels, %d rounds:" % (n, rounds))
    print("  start → name owned:            %s" % ms([r[0] for r in results]))
    print("  start → all tunnels connected: %s" % ms([r[1] for r in results]))
    print("  start → all forwards usable:   %s" % ms([r[2] for r in results]))


if __name__ == "__main__":
    main()
