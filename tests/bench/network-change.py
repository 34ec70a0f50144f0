#!/usr/bin/python3
"""Benchmark: a network change under a connected tunnel → its forward is
usable again, for the session service autosshd (its check through ssh's
control connection) and Debian's autossh 1.4g (`-M 0`, ServerAliveInterval
30, ServerAliveCountMax 3), side by side in one run.  Both tunnels use the
same ServerAlive settings and reach a private sshd in a network namespace
of its own behind a veth pair; the change is the one of a laptop that gets
a new address: the client's address is replaced (ip addr del + add), which
leaves the old TCP connections a black hole.  Prints figures; asserts
nothing.  Needs root and /usr/sbin/sshd, like the integration tests; runs
itself in a network namespace of its own (tests/lib/in-netns.sh).

    tests/bench/network-change.py build/service/daemon/autosshd [ROUNDS]
"""
import os
import socket
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import asdtest.busfixture as ts  # noqa: E402
import asdtest.sshfixture as sf  # noqa: E402

DEBIAN_AUTOSSH = "/usr/lib/autossh/autossh"
ALIVE = ["ServerAliveInterval=30", "ServerAliveCountMax=3"]
GIVE_UP = 200.0          # seconds: ServerAlive 30 × 3, a restart, and slack


def banner(port):
    """Whether 127.0.0.1:port (a forward to the sshd) says "SSH-2.0" at once."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.3) as s:
            s.settimeout(0.3)
            return s.recv(7) == b"SSH-2.0"
    except OSError:
        return False


def until_back(port, start, out, name):
    """Seconds from start until 127.0.0.1:port answers again (in out[name])."""
    while time.monotonic() - start < GIVE_UP:
        if banner(port):
            out[name] = time.monotonic() - start
            return
        time.sleep(0.01)
    out[name] = None


def one_round(fx, ns, sshd, w, x, rounds_done):
    """Both tunnels up; the address replaced; both timed until back."""
    old = "10.23.%d.%d" % (ns.x, 1 if x % 2 == 0 else 5)
    new = "10.23.%d.%d" % (ns.x, 5 if x % 2 == 0 else 1)
    ours = w.bus.tunnel_props("net")
    port_ours = int(ours["Settings"]["LocalForward"]["data"][0].split(":")[0])
    sf.wait_until(lambda: banner(port_ours) and banner(rounds_done["port_14g"]), 30,
                  "both forwards to work")
    out = {}
    start = time.monotonic()
    sf.run([sf.IP, "addr", "del", old + "/30", "dev", ns.host_if])
    sf.run([sf.IP, "addr", "add", new + "/30", "dev", ns.host_if])
    sf.run([sf.IP, "route", "replace", ns.addr + "/32", "dev", ns.host_if, "src", new])
    threads = [threading.Thread(target=until_back, args=(port_ours, start, out, "autosshd")),
               threading.Thread(target=until_back, args=(rounds_done["port_14g"], start, out,
                                                         "autossh 1.4g"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    if os.environ.get("ASD_BENCH_NETNS") != "1":
        env = dict(os.environ, ASD_BENCH_NETNS="1")
        return subprocess.call([os.path.join(HERE, "..", "lib", "in-netns.sh"), "/usr/bin/python3",
                                os.path.abspath(__file__)] + sys.argv[1:], env=env)
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    os.environ["AUTOSSHD_BIN"] = os.path.abspath(sys.argv[1])
    fx = sf.Fixtures()
    try:
        w = ts.World(fx, sshd=False)
        ns = sf.Netns(fx)
        # the client may have either of two addresses; the server reaches both
        ns.exec(["ip", "addr", "add", "10.23.%d.6/30" % ns.x, "dev", ns.ns_if])
        sshd = w.sshd = sf.Sshd(fx, host=ns.addr, netns=ns.name)
        w.known_hosts = os.path.join(w.bus.dir, "known_hosts")
        with open(sshd.host_key + ".pub") as f:
            key = f.read().split()
        with open(w.known_hosts, "w") as f:
            f.write("[%s]:%d %s %s\n" % (ns.addr, sshd.port, key[0], key[1]))
        port_ours, port_14g = sf.free_port(), sf.free_port()
        fwd = "%d:%s:%d"
        res = w.bus.manager("AddTunnel", "net", w.settings(
            Destination=ns.addr, LocalForward=[fwd % (port_ours, ns.addr, sshd.port)],
            SshOptions=["IdentitiesOnly=yes", "UserKnownHostsFile=%s" % w.known_hosts,
                        "StrictHostKeyChecking=yes"] + ALIVE), True)
        if not res.ok:
            raise RuntimeError(res.describe())
        w.connected("net")
        have_14g = os.access(DEBIAN_AUTOSSH, os.X_OK)
        if have_14g:
            argv = [DEBIAN_AUTOSSH, "-M", "0", "-N", "-L", fwd % (port_14g, ns.addr, sshd.port),
                    "-p", str(sshd.port), "-i", sshd.client_key, "-o", "IdentitiesOnly=yes",
                    "-o", "UserKnownHostsFile=%s" % w.known_hosts, "-o", "BatchMode=yes"]
            for o in ALIVE:
                argv += ["-o", o]
            p = subprocess.Popen(argv + ["root@" + ns.addr], stdin=subprocess.DEVNULL,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                 env=dict(os.environ, AUTOSSH_GATETIME="0"))
            fx.defer(lambda: (p.terminate(), p.wait(10)))
        else:
            print("%s is not installed: autosshd alone" % DEBIAN_AUTOSSH)
        results = {"autosshd": [], "autossh 1.4g": []}
        for x in range(rounds):
            out = one_round(fx, ns, sshd, w, x, {"port_14g": port_14g if have_14g else port_ours})
            for name in results:
                if name in out and (have_14g or name == "autosshd"):
                    results[name].append(out[name])
            print("round %d: %s" % (x + 1, ", ".join(
                "%s %s" % (n, "%.2f s" % v if v is not None else "> %.0f s" % GIVE_UP)
                for n, v in out.items() if have_14g or n == "autosshd")))
        print("network change (new client address) → forward usable again, ServerAlive 30 × 3:")
        for name, times in results.items():
            done = [t for t in times if t is not None]
            if done:
                print("  %-13s median %.2f s (min %.2f, max %.2f; %d of %d back within %.0f s)"
                      % (name, statistics.median(done), min(done), max(done), len(done),
                         len(times), GIVE_UP))
    finally:
        fx.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
