#!/usr/bin/env python3
"""Benchmark: memory of the drop-in autossh with a working tunnel and a
loop-mode monitor (-M), against Debian's autossh 1.4g when installed.
Prints RSS, PSS and USS (private pages) for one instance alone, and the
PSS per instance when ten run at once (shared library pages are then
split ten ways, as on a machine where other programs map GLib).
Asserts nothing.  Needs root and /usr/sbin/sshd, like the integration tests.

    tests/bench/dropin-memory.py build/service/autossh/autossh
"""
import os
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True
# the integration tests' fixtures: the asdtest package in tests/lib
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import asdtest.sshfixture as sf  # noqa: E402

DEBIAN_AUTOSSH = "/usr/lib/autossh/autossh"
MANY = 10


def rollup(pid):
    """{field: kB} of /proc/PID/smaps_rollup."""
    out = {}
    with open("/proc/%d/smaps_rollup" % pid) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 3 and parts[2] == "kB":
                out[parts[0].rstrip(":")] = int(parts[1])
    return out


def start(fx, binary, sshd, target):
    """One autossh with a forward and a monitor, once the forward works."""
    lport, mport = sf.free_port(), sf.free_port_pair()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTOSSH_")}
    env.update(AUTOSSH_LOGFILE="/dev/null")
    p = subprocess.Popen([binary, "-M", str(mport), "-N"] + sshd.ssh_opts() +
                         ["-L", "%d:127.0.0.1:%d" % (lport, target.port), sshd.dest],
                         env=env, stdin=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    fx.defer(lambda: (p.poll() is None and p.send_signal(signal.SIGTERM), p.wait()))
    deadline = time.monotonic() + 20
    while not sf.read_expected(lport, target.payload, timeout=0.5):
        if time.monotonic() > deadline:
            raise RuntimeError("%s: the forward never worked" % binary)
        time.sleep(0.05)
    return p


def measure(fx, binary, sshd, target):
    procs = [start(fx, binary, sshd, target)]
    time.sleep(1)
    alone = rollup(procs[0].pid)
    procs += [start(fx, binary, sshd, target) for _ in range(MANY - 1)]
    time.sleep(1)
    many = [rollup(p.pid)["Pss"] for p in procs]
    for p in procs:
        p.send_signal(signal.SIGTERM)
        p.wait()
    return {
        "rss": alone["Rss"],
        "pss": alone["Pss"],
        "uss": alone["Private_Clean"] + alone["Private_Dirty"],
        "pss_many": sum(many) / len(many),
    }


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    binaries = {"autosshd's autossh": os.path.abspath(sys.argv[1])}
    if os.access(DEBIAN_AUTOSSH, os.X_OK):
        binaries["autossh 1.4g"] = DEBIAN_AUTOSSH
    fx = sf.Fixtures()
    try:
        sshd = sf.Sshd(fx)
        target = sf.hello_server(fx)
        results = {name: measure(fx, b, sshd, target) for name, b in binaries.items()}
    finally:
        fx.close()
    for name, r in results.items():
        print("%-19s alone: RSS %5d kB, PSS %5d kB, USS %4d kB;  PSS each of %d: %5.0f kB"
              % (name, r["rss"], r["pss"], r["uss"], MANY, r["pss_many"]))
    if len(results) == 2:
        ours, theirs = results.values()
        print("ratio (ours / 1.4g): PSS alone %.1f, USS %.1f, PSS each of %d %.1f"
              % (ours["pss"] / theirs["pss"], ours["uss"] / theirs["uss"], MANY,
                 ours["pss_many"] / theirs["pss_many"]))


if __name__ == "__main__":
    main()
