#!/usr/bin/env python3
"""Benchmark: kill -9 of ssh → the forward works again, for our drop-in
autossh and (when installed) Debian's autossh 1.4g, against the time a
plain `ssh -N -L` needs from exec to a working forward.  Prints figures;
asserts nothing.  Needs root and /usr/sbin/sshd, like the integration tests.

    tests/bench/kill-recovery.py build/service/autossh/autossh [ROUNDS]
"""
import os
import signal
import statistics
import subprocess
import sys
import time

sys.dont_write_bytecode = True
# the integration tests' fixtures: the asdtest package in tests/lib
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import asdtest.sshfixture as sf  # noqa: E402

DEBIAN_AUTOSSH = "/usr/lib/autossh/autossh"


def until_forward(port, payload, deadline=20.0):
    """Seconds until 127.0.0.1:port delivers payload, polling every 2 ms."""
    start = time.monotonic()
    while time.monotonic() - start < deadline:
        if sf.read_expected(port, payload, timeout=0.5):
            return time.monotonic() - start
        time.sleep(0.002)
    raise RuntimeError("forward on %d never came back" % port)


def plain_ssh(fx, sshd, target, rounds):
    times = []
    for _ in range(rounds):
        port = sf.free_port()
        start = time.monotonic()
        p = subprocess.Popen(["ssh", "-N"] + sshd.ssh_opts() +
                             ["-L", "%d:127.0.0.1:%d" % (port, target.port), sshd.dest],
                             stdin=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            until_forward(port, target.payload)
            times.append(time.monotonic() - start)
        finally:
            p.kill()
            p.wait()
    return times


def ssh_child(pid, old=None, deadline=10.0):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        kids = [c for c in sf.live_children_named(pid, "ssh") if c != old]
        if kids:
            return kids[0]
        time.sleep(0.001)
    raise RuntimeError("no ssh child of %d" % pid)


def kill_recovery(fx, binary, sshd, target, rounds):
    port = sf.free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTOSSH_")}
    env.update(AUTOSSH_GATETIME="0", AUTOSSH_LOGFILE="/dev/null")
    p = subprocess.Popen([binary, "-M", "0", "-N"] + sshd.ssh_opts() +
                         ["-L", "%d:127.0.0.1:%d" % (port, target.port), sshd.dest],
                         env=env, stdin=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    fx.defer(lambda: (p.poll() is None and p.send_signal(signal.SIGTERM), p.wait()))
    until_forward(port, target.payload)
    forks, usable = [], []
    for _ in range(rounds):
        old = ssh_child(p.pid)
        start = time.monotonic()
        os.kill(old, signal.SIGKILL)
        ssh_child(p.pid, old)
        forks.append(time.monotonic() - start)
        # The killed ssh's listener is gone at once: this waits for the new one.
        until_forward(port, target.payload)
        usable.append(time.monotonic() - start)
        time.sleep(11)   # past 1.4g's quick-restart window (max(POLL/10, 10) s)
    return forks, usable


def ms(values):
    return "%.1f ms (median of %d; min %.1f, max %.1f)" % (
        statistics.median(values) * 1000, len(values), min(values) * 1000, max(values) * 1000)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    binary = os.path.abspath(sys.argv[1])
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    fx = sf.Fixtures()
    try:
        sshd = sf.Sshd(fx)
        target = sf.hello_server(fx)
        plain = plain_ssh(fx, sshd, target, rounds)
        print("plain ssh -N -L, exec → forward usable:   " + ms(plain))
        results = {"autosshd": kill_recovery(fx, binary, sshd, target, rounds)}
        if os.access(DEBIAN_AUTOSSH, os.X_OK):
            results["autossh 1.4g"] = kill_recovery(fx, DEBIAN_AUTOSSH, sshd, target, rounds)
        for name, (forks, usable) in results.items():
            print("%-13s kill -9 ssh → new ssh running:   %s" % (name, ms(forks)))
            print("%-13s kill -9 ssh → forward usable:    %s" % (name, ms(usable)))
        if "autossh 1.4g" in results:
            ours = statistics.median(results["autosshd"][1])
            theirs = statistics.median(results["autossh 1.4g"][1])
            print("ratio (ours / 1.4g, forward usable): %.2f" % (ours / theirs))
    finally:
        fx.close()


if __name__ == "__main__":
    main()
