#!/usr/bin/env python3
"""Integration tests for the drop-in `autossh` against a real sshd.

Run by meson, one test per case (`meson test -C build autossh-kill9_ssh`);
by hand: PYTHONPATH=tests/lib AUTOSSH_BIN=/path/to/autossh
/usr/bin/python3 test_autossh.py [AutosshTest.test_NAME | NAME ...]
Exit status: 0 pass, 1 fail, 77 skipped (not root, or no /usr/sbin/sshd).
"""

import os
import re
import signal
import sys
import time

sys.dont_write_bytecode = True      # no __pycache__ in the source tree

from asdtest import TestCase, main, requires  # noqa: E402
from asdtest.sshfixture import (  # noqa: E402
    sshd_skip_reason,
    Autossh, Netns, ProcRef, Sshd, TestFailure, check, echo_server,
    free_port, free_port_pair, hello_server, port_accepts, socks5_read,
    stays_true, wait_forward, wait_until, write_script)


# ---------------------------------------------------------------- shared setups

def tunnel(fx, extra_args, env=None, forward="-L"):
    """sshd + hello target + autossh started with `extra_args FORWARD P:127.0.0.1:T`."""
    sshd = Sshd(fx)
    target = hello_server(fx)
    port = free_port()
    args = list(extra_args) + [forward, "%d:127.0.0.1:%d" % (port, target.port)]
    a = Autossh(fx, args + sshd.ssh_opts() + [sshd.dest], env=env)
    return sshd, target, port, a


def read_pidfile(path, timeout=10):
    """Wait for PATH to hold '<pid>\\n' and return the pid."""
    def content():
        try:
            with open(path) as f:
                text = f.read()
        except FileNotFoundError:
            return None
        return text if re.fullmatch(r"\d+\n", text) else None
    text = wait_until(content, timeout, "pidfile %s to hold '<pid>\\n'" % path)
    return int(text)


def gone(ref, timeout, what):
    wait_until(lambda: not ref.alive(), timeout, what + " (%r) to be gone" % ref)


def stand_in(fx, directory, body):
    """A fake ssh for AUTOSSH_PATH; $D in body is its directory."""
    return write_script(directory, "fake-ssh", 'D="%s"\n%s' % (directory, body))


def lines_of(path):
    try:
        with open(path) as f:
            return f.read().splitlines()
    except FileNotFoundError:
        return None


def _single(items):
    return items[0] if len(items) == 1 else None


EXIT_CASES = [
    # (description, env, statuses the stand-in returns in turn, exit, log lines)
    ("255 restarts, then 0 exits 0 (GATETIME=0)", {"AUTOSSH_GATETIME": "0"},
     ["255", "0"], 0, ["ssh exited with error status 255; restarting ssh",
                       "ssh exited with status 0; autossh exiting"]),
    ("status 1 on the first run inside the gate exits 1", {}, ["1"], 1,
     ["ssh exited prematurely with status 1; autossh exiting"]),
    ("status 255 on the first run inside the gate exits 1", {}, ["255"], 1,
     ["ssh exited prematurely with status 255; autossh exiting"]),
    ("1 and 2 restart with GATETIME=0", {"AUTOSSH_GATETIME": "0"}, ["1", "2", "0"], 0,
     ["ssh exited with error status 1; restarting ssh",
      "ssh exited with error status 2; restarting ssh"]),
    ("status 3 exits 1 (GATETIME=0)", {"AUTOSSH_GATETIME": "0"}, ["3"], 1,
     ["ssh exited with status 3; autossh exiting"]),
    ("a signal restarts even inside the gate; 1 on a later run restarts", {},
     ["kill", "1", "0"], 0, ["ssh exited on signal 9, restarting ssh",
                             "ssh exited with error status 1; restarting ssh"]),
]


BAD_INPUT = [
    # (description, args, env, strings of which one must appear in stderr)
    ("unknown option -Z", ["-Z", "-N", "host"], {}, ["Z"]),
    ("-M without a value", ["-M"], {}, ["M"]),
    ("-M abc", ["-M", "abc", "-N", "host"], {}, ["abc", "port", "-M"]),
    ("-M 70000", ["-M", "70000", "-N", "host"], {}, ["70000", "port", "-M"]),
    ("-M 65535 (loop mode needs N+1)", ["-M", "65535", "-N", "host"], {},
     ["65535", "port", "-M"]),
    ("-M 20000:0", ["-M", "20000:0", "-N", "host"], {}, ["20000:0", "port", "-M"]),
    ("-M 20000:x", ["-M", "20000:x", "-N", "host"], {}, ["20000:x", "port", "-M"]),
    ("AUTOSSH_POLL=0", ["-M", "0", "-N", "host"], {"AUTOSSH_POLL": "0"},
     ["AUTOSSH_POLL"]),
    ("AUTOSSH_POLL=abc", ["-M", "0", "-N", "host"], {"AUTOSSH_POLL": "abc"},
     ["AUTOSSH_POLL"]),
    ("AUTOSSH_GATETIME=-1", ["-M", "0", "-N", "host"], {"AUTOSSH_GATETIME": "-1"},
     ["AUTOSSH_GATETIME"]),
    ("AUTOSSH_MAXSTART=x", ["-M", "0", "-N", "host"], {"AUTOSSH_MAXSTART": "x"},
     ["AUTOSSH_MAXSTART"]),
    ("AUTOSSH_LOGLEVEL=9", ["-M", "0", "-N", "host"], {"AUTOSSH_LOGLEVEL": "9"},
     ["AUTOSSH_LOGLEVEL"]),
    ("AUTOSSH_PORT=abc", ["-N", "host"], {"AUTOSSH_PORT": "abc"},
     ["AUTOSSH_PORT", "abc"]),
    ("AUTOSSH_MESSAGE of 65 bytes", ["-M", "0", "-N", "host"],
     {"AUTOSSH_MESSAGE": "x" * 65}, ["AUTOSSH_MESSAGE"]),
    ("AUTOSSH_MAXLIFETIME=-5", ["-M", "0", "-N", "host"], {"AUTOSSH_MAXLIFETIME": "-5"},
     ["AUTOSSH_MAXLIFETIME"]),
    ("-f with -M abc", ["-f", "-M", "abc", "-N", "host"], {}, ["abc", "port", "-M"]),
    ("-f with AUTOSSH_POLL=abc", ["-f", "-M", "0", "-N", "host"],
     {"AUTOSSH_POLL": "abc"}, ["AUTOSSH_POLL"]),
]


def _loop(n):
    return ["-L", "%d:127.0.0.1:%d" % (n, n), "-R", "%d:127.0.0.1:%d" % (n, n + 1)]


ALIVE_DEFAULTS = ["-o", "ServerAliveInterval=30", "-o", "ServerAliveCountMax=3"]


def argv_cases():
    m = free_port_pair()
    return [
        # (description, args, env, expected ssh argv)
        ("-M 0 host ls -la", ["-M", "0", "host", "ls", "-la"], {}, ["host", "ls", "-la"]),
        ("no -M, no AUTOSSH_PORT adds ServerAlive defaults", ["host", "ls", "-la"], {},
         ALIVE_DEFAULTS + ["host", "ls", "-la"]),
        ("no -M, user ServerAlive options: no defaults added",
         ["-o", "ServerAliveInterval=5", "-o", "ServerAliveCountMax=2", "host"], {},
         ["-o", "ServerAliveInterval=5", "-o", "ServerAliveCountMax=2", "host"]),
        ("-M N loop mode", ["-M", str(m), "-N", "host"], {}, _loop(m) + ["-N", "host"]),
        ("-M N:7 echo mode", ["-M", "%d:7" % m, "-N", "host"], {},
         ["-L", "%d:127.0.0.1:7" % m, "-N", "host"]),
        ("-afx loses only the f", ["-M", "0", "-afx", "host"], {}, ["-ax", "host"]),
        ("-L8080:foo:80 untouched", ["-M", "0", "-L8080:foo:80", "host"], {},
         ["-L8080:foo:80", "host"]),
        ("-J keeps its argument", ["-M", "0", "-J", "jump", "host"], {},
         ["-J", "jump", "host"]),
        ("first -- dropped, later -- kept", ["-M", "0", "-N", "--", "host", "ls", "--",
                                             "-x"], {}, ["-N", "host", "ls", "--", "-x"]),
        ("AUTOSSH_PORT used without -M", ["-N", "host"], {"AUTOSSH_PORT": str(m)},
         _loop(m) + ["-N", "host"]),
        ("-M 0 beats AUTOSSH_PORT", ["-M", "0", "-N", "host"], {"AUTOSSH_PORT": str(m)},
         ["-N", "host"]),
    ]


# ---------------------------------------------------------------- tests

class AutosshTest(TestCase):
    """The drop-in autossh against a real sshd (one method per meson test)."""

    # ---------------------------------------------------------------- tldr examples

    @requires(sshd_skip_reason)
    def test_tldr_monitor_off(self):
        fx = self.fx
        _, target, port, a = tunnel(fx, ["-M", "0", "-N", "-o", "ServerAliveInterval 30",
                                         "-o", "ServerAliveCountMax 3"])
        a.start()
        wait_forward(port, target.payload)
        ssh = a.wait_ssh()
        check(a.ssh_pid_from_log() == ssh,
              "log 'ssh child pid is N' says %s, /proc says %d" % (a.ssh_pid_from_log(), ssh))
        check(a.count("starting ssh (count 1)") == 1, "no 'starting ssh (count 1)' in log")
        check(a.running(), "autossh is not running")

    @requires(sshd_skip_reason)
    def test_tldr_background(self):
        fx = self.fx
        sshd, target, port, a = tunnel(fx, ["-M", "0", "-f", "-N"])
        pidfile = os.path.join(fx.tempdir(), "autossh.pid")
        a.env["AUTOSSH_PIDFILE"] = pidfile
        t0 = time.monotonic()
        rc = a.run(timeout=10)
        check(rc == 0, "autossh -f parent exited %d, expected 0" % rc)
        check(time.monotonic() - t0 < 5, "autossh -f parent took %.1f s to exit"
              % (time.monotonic() - t0))
        bg = read_pidfile(pidfile)
        check(bg != a.proc.pid, "pidfile holds the parent's pid %d, not the background's" % bg)
        a.adopt(bg)
        check(a.ref.alive(), "background autossh %d from the pidfile is not alive" % bg)
        wait_forward(port, target.payload)
        ssh = ProcRef(a.wait_ssh())
        a.signal(signal.SIGTERM)
        gone(a.ref, 10, "background autossh after SIGTERM")
        gone(ssh, 5, "ssh child after autossh's SIGTERM")
        wait_until(lambda: not os.path.exists(pidfile), 3, "pidfile removal")
        check(not port_accepts("127.0.0.1", port), "forward port still open after exit")

    @requires(sshd_skip_reason)
    def test_tldr_socks(self):
        fx = self.fx
        sshd = Sshd(fx)
        target = hello_server(fx)
        port = free_port()
        pidfile = os.path.join(fx.tempdir(), "autossh.pid")
        a = Autossh(fx, ["-M", "0", "-f", "-N", "-D", str(port)] + sshd.ssh_opts()
                    + [sshd.dest], env={"AUTOSSH_PIDFILE": pidfile})
        rc = a.run(timeout=10)
        check(rc == 0, "autossh -f parent exited %d, expected 0" % rc)
        a.adopt(read_pidfile(pidfile))
        wait_until(lambda: socks5_read(port, "127.0.0.1", target.port, target.payload), 30,
                   "SOCKS5 CONNECT through 127.0.0.1:%d to the target" % port, interval=0.1)

    @requires(sshd_skip_reason)
    def test_tldr_remote_forward(self):
        fx = self.fx
        _, target, port, a = tunnel(fx, ["-M", "0", "-N"], forward="-R")
        a.start()
        wait_forward(port, target.payload,
                     what="remote forward 127.0.0.1:%d (server side) to the target" % port)

    @requires(sshd_skip_reason)
    def test_tldr_echo_monitor(self):
        fx = self.fx
        sshd = Sshd(fx)
        echo = echo_server(fx)
        mport = free_port()
        a = Autossh(fx, ["-M", "%d:%d" % (mport, echo.port), "-N"] + sshd.ssh_opts()
                    + [sshd.dest],
                    env={"AUTOSSH_POLL": "2", "AUTOSSH_FIRST_POLL": "1",
                         "AUTOSSH_MESSAGE": "it-msg"}).start()
        a.wait_ssh()
        ok = stays_true(lambda: a.running() and a.count("starting ssh") == 1
                        and a.count("port down") == 0, 5.5)
        check(ok, "ssh was restarted or autossh exited during healthy polls: running=%s, "
              "'starting ssh' lines=%d, 'port down' lines=%d"
              % (a.running(), a.count("starting ssh"), a.count("port down")))
        check(echo.connections >= 2, "only %d monitor connection(s) reached the echo "
              "service in 5.5 s (POLL=2, FIRST_POLL=1)" % echo.connections)
        data = [d for d in echo.received if d]
        check(data, "the echo service got no test string")
        s = data[0].decode(errors="replace")
        node = os.uname().nodename
        check(s.startswith(node + " ") and s.endswith("it-msg\r\n"),
              "test string %r is not '<nodename=%s> <progname> <pid> <random> it-msg\\r\\n'"
              % (s, node))

    # ---------------------------------------------------------------- faults and signals

    @requires(sshd_skip_reason)
    def test_kill9_ssh(self):
        fx = self.fx
        _, target, port, a = tunnel(fx, ["-M", "0", "-N"])
        a.start()
        wait_forward(port, target.payload)
        ssh1 = a.wait_ssh()
        os.kill(ssh1, signal.SIGKILL)
        ssh2 = a.wait_ssh(exclude=[ssh1])
        wait_forward(port, target.payload, what="the forward to work again after kill -9 ssh")
        a.wait_log("ssh exited on signal 9, restarting ssh", timeout=5)
        a.wait_log("ssh child pid is %d" % ssh2, timeout=5)

    @requires(sshd_skip_reason)
    def test_sigusr1_restart(self):
        fx = self.fx
        _, target, port, a = tunnel(fx, ["-M", "0", "-N"])
        a.start()
        wait_forward(port, target.payload)
        seen = [a.wait_ssh()]
        for n, sig in enumerate((signal.SIGUSR1, signal.SIGHUP), 1):
            a.signal(sig)
            a.wait_log("signalled to kill and restart ssh", timeout=10, count=n)
            seen.append(a.wait_ssh(exclude=seen))
            wait_forward(port, target.payload,
                         what="the forward to work again after %s" % sig.name)
            check(a.running(), "autossh exited after %s" % sig.name)

    @requires(sshd_skip_reason)
    def test_sigusr2_survived(self):
        """autossh 1.4g survives SIGUSR2, and so do ssh and the tunnel."""
        fx = self.fx
        _, target, port, a = tunnel(fx, ["-M", "0", "-N"])
        a.start()
        wait_forward(port, target.payload)
        ssh = a.wait_ssh()
        a.signal(signal.SIGUSR2)
        a.signal(signal.SIGUSR1)   # handled after SIGUSR2: autossh is alive
        a.wait_log("signalled to kill and restart ssh", timeout=10)
        check(a.running(), "autossh died of SIGUSR2")
        a.wait_ssh(exclude=[ssh])
        wait_forward(port, target.payload, what="the forward after SIGUSR2")

    @requires(sshd_skip_reason)
    def test_sigterm_exit(self):
        fx = self.fx
        _, target, port, a = tunnel(fx, ["-M", "0", "-N"])
        pidfile = os.path.join(fx.tempdir(), "autossh.pid")
        a.env["AUTOSSH_PIDFILE"] = pidfile
        a.start()
        wait_forward(port, target.payload)
        check(read_pidfile(pidfile) == a.proc.pid, "pidfile does not hold autossh's pid")
        ssh = ProcRef(a.wait_ssh())
        a.signal(signal.SIGTERM)
        rc = a.wait_exit(10)
        check(rc == 1, "autossh exited %s after SIGTERM, expected 1" % rc)
        gone(ssh, 5, "ssh child after autossh's SIGTERM")
        check(not os.path.exists(pidfile), "pidfile %s not removed" % pidfile)
        a.wait_log("received signal to exit (15)", timeout=1)

    @requires(sshd_skip_reason)
    def test_kill9_autossh(self):
        fx = self.fx
        _, target, port, a = tunnel(fx, ["-M", "0", "-N"])
        a.start()
        wait_forward(port, target.payload)
        ssh = ProcRef(a.wait_ssh())
        a.signal(signal.SIGKILL)
        a.wait_exit(5)
        wait_until(lambda: not ssh.alive(), 2.5,
                   "ssh %r to die with its SIGKILLed autossh (orphaned ssh)" % ssh)
        wait_until(lambda: not port_accepts("127.0.0.1", port), 2,
                   "forward port %d to close" % port)

    # ---------------------------------------------------------------- stalls

    @requires(sshd_skip_reason)
    def test_stall_echo_mode(self):
        fx = self.fx
        sshd, target, port, a = tunnel(fx, [])
        echo = echo_server(fx)
        mport = free_port()
        a.args[1:1] = ["-M", "%d:%d" % (mport, echo.port), "-N"]
        a.env.update({"AUTOSSH_POLL": "4", "AUTOSSH_FIRST_POLL": "2"})
        a.start()
        wait_forward(port, target.payload)
        ssh1 = a.wait_ssh()
        session = ProcRef(wait_until(lambda: _single(sshd.sessions()), 10,
                                     "exactly one sshd session process"))
        fx.defer(session.signal, signal.SIGCONT)
        session.signal(signal.SIGSTOP)
        t0 = time.monotonic()
        # measured: 6.0 s (AUTOSSH_POLL=4)
        a.wait_log("port down, restarting ssh", timeout=12)
        print("port down %.1f s after the stall" % (time.monotonic() - t0))
        a.wait_ssh(exclude=[ssh1])
        wait_forward(port, target.payload, what="the forward to work with the new ssh")

    @requires(sshd_skip_reason)
    def test_stall_loop_mode(self):
        fx = self.fx
        ns = Netns(fx)
        sshd = Sshd(fx, host=ns.addr, netns=ns.name)
        mport = free_port_pair()
        port = free_port()
        banner = b"SSH-2.0-"
        a = Autossh(fx, ["-M", str(mport), "-N", "-L", "%d:%s:%d" % (port, ns.addr, sshd.port)]
                    + sshd.ssh_opts() + [sshd.dest],
                    env={"AUTOSSH_POLL": "4", "AUTOSSH_FIRST_POLL": "2"}).start()
        wait_forward(port, banner)
        ssh1 = a.wait_ssh()
        ok = stays_true(lambda: a.running() and a.count("starting ssh") == 1
                        and a.count("port down") == 0, 9)
        check(ok, "ssh restarted or autossh exited while the loop was healthy: running=%s, "
              "'starting ssh' lines=%d, 'port down' lines=%d"
              % (a.running(), a.count("starting ssh"), a.count("port down")))
        session = ProcRef(wait_until(lambda: _single(sshd.sessions()), 10,
                                     "exactly one sshd session process in the namespace"))
        fx.defer(session.signal, signal.SIGCONT)
        session.signal(signal.SIGSTOP)
        t0 = time.monotonic()
        # measured: 7.9 s (AUTOSSH_POLL=4)
        a.wait_log("port down, restarting ssh", timeout=16)
        print("port down %.1f s after the stall" % (time.monotonic() - t0))
        a.wait_ssh(exclude=[ssh1])
        session.signal(signal.SIGCONT)
        wait_forward(port, banner, what="the -L forward to the namespace sshd to work again")
        check(a.running(), "autossh exited")

    # ---------------------------------------------------------------- limits

    @requires(sshd_skip_reason)
    def test_maxlifetime(self):
        fx = self.fx
        _, target, port, a = tunnel(fx, ["-M", "0", "-N"], env={"AUTOSSH_MAXLIFETIME": "3"})
        t0 = time.monotonic()
        a.start()
        ssh = ProcRef(a.wait_ssh())
        rc = a.wait_exit(8)
        took = time.monotonic() - t0
        check(rc == 0, "autossh exited %d at max lifetime, expected 0" % rc)
        check(took <= 6.5, "autossh took %.1f s to exit with AUTOSSH_MAXLIFETIME=3" % took)
        gone(ssh, 3, "ssh after the max lifetime")
        a.wait_log("exceeded maximum time to live, shutting down", timeout=1)

    def test_maxstart(self):
        fx = self.fx
        d = fx.tempdir()
        fake = stand_in(fx, d, 'echo start >> "$D/starts"\nexit 255\n')
        a = Autossh(fx, ["-M", "0", "-N", "host"],
                    env={"AUTOSSH_PATH": fake, "AUTOSSH_MAXSTART": "2",
                         "AUTOSSH_GATETIME": "0"})
        rc = a.run(timeout=15)
        starts = lines_of(os.path.join(d, "starts")) or []
        check(rc == 0, "MAXSTART=2: autossh exited %d, expected 0" % rc)
        check(len(starts) == 2, "MAXSTART=2: ssh started %d times, expected 2" % len(starts))
        check(a.count("starting ssh") == 2, "MAXSTART=2: %d 'starting ssh' log lines"
              % a.count("starting ssh"))
        check(a.count("max start count reached") == 1, "no 'max start count reached' line")

        os.unlink(os.path.join(d, "starts"))
        b = Autossh(fx, ["-M", "0", "-N", "host"],
                    env={"AUTOSSH_PATH": fake, "AUTOSSH_MAXSTART": "0"})
        rc = b.run(timeout=10)
        check(rc == 0, "MAXSTART=0: autossh exited %d, expected 0" % rc)
        check(not os.path.exists(os.path.join(d, "starts")), "MAXSTART=0: ssh was started")

    def test_exit_status_table(self):
        fx = self.fx
        errors = []
        for desc, env, seq, want_rc, want_log in EXIT_CASES:
            d = fx.tempdir()
            with open(os.path.join(d, "seq"), "w") as f:
                f.write("\n".join(seq) + "\n")
            fake = stand_in(fx, d, 'n=$(cat "$D/count" 2>/dev/null || echo 0)\n'
                            'n=$((n + 1)); echo "$n" > "$D/count"\n'
                            'st=$(sed -n "${n}p" "$D/seq")\n'
                            '[ "$st" = kill ] && kill -KILL $$\n'
                            'exit "$st"\n')
            e = dict(env, AUTOSSH_PATH=fake)
            a = Autossh(fx, ["-M", "0", "-N", "host"], env=e, workdir=d, dump=False)
            try:
                rc = a.run(timeout=15)
            except TestFailure as ex:
                errors.append("%s: %s" % (desc, ex))
                continue
            runs = int((lines_of(os.path.join(d, "count")) or ["0"])[0])
            problems = []
            if rc != want_rc:
                problems.append("exit %d, expected %d" % (rc, want_rc))
            if runs != len(seq):
                problems.append("ssh ran %d times, expected %d" % (runs, len(seq)))
            for line in want_log:
                if a.count(line) == 0:
                    problems.append("no log line %r" % line)
            if problems:
                errors.append("%s: %s; log: %r" % (desc, "; ".join(problems), a.messages()))
        check(not errors, "\n  ".join(["exit status table:"] + errors))

    # ---------------------------------------------------------------- command line

    def test_version(self):
        fx = self.fx
        d = fx.tempdir()
        fake = stand_in(fx, d, 'touch "$D/started"\nexit 0\n')
        a = Autossh(fx, ["-V"], env={"AUTOSSH_PATH": fake})
        rc = a.run(timeout=10)
        with open(a.stdout_path, errors="replace") as f:
            out = f.read()
        check(rc == 0, "-V exited %d" % rc)
        check(re.search(r"autossh.*\d+\.\d+", out),
              "-V printed no version line on stdout: %r (stderr %r)" % (out, a.stderr()))
        check(not os.path.exists(os.path.join(d, "started")), "-V started ssh")

    def test_bad_input(self):
        fx = self.fx
        errors = []
        for desc, args, env, needles in BAD_INPUT:
            d = fx.tempdir()
            fake = stand_in(fx, d, 'touch "$D/started"\nexit 0\n')
            # GATETIME=0 so a wrongly started stand-in is not judged premature;
            # the case's own variables win.
            a = Autossh(fx, args, env=dict({"AUTOSSH_GATETIME": "0"}, **env, AUTOSSH_PATH=fake),
                        workdir=d, dump=False)
            try:
                rc = a.run(timeout=10)
            except TestFailure as ex:
                errors.append("%s: %s" % (desc, ex))
                continue
            err = a.stderr()
            # a -f child that went on would start ssh a moment after the parent exits
            started = os.path.join(d, "started")
            if "-f" in args:
                stays_true(lambda: not os.path.exists(started), 0.5)
            problems = []
            if rc != 1:
                problems.append("exit %d, expected 1" % rc)
            if not any(n in err for n in needles):
                problems.append("stderr does not name the problem (one of %r): %r"
                                % (needles, a.stderr(160)))
            if os.path.exists(started):
                problems.append("ssh was started")
            if problems:
                errors.append("%s: %s" % (desc, "; ".join(problems)))
        check(not errors, "\n  ".join(["bad input:"] + errors))

    def test_argv_passthrough(self):
        fx = self.fx
        errors = []
        for desc, args, env, want in argv_cases():
            d = fx.tempdir()
            out = os.path.join(d, "argv")
            fake = stand_in(fx, d, 'printf "%s\\n" "$@" > "$D/argv.tmp"\n'
                            'mv "$D/argv.tmp" "$D/argv"\nexit 0\n')
            e = dict(env, AUTOSSH_PATH=fake, AUTOSSH_GATETIME="0",
                     AUTOSSH_PIDFILE=os.path.join(d, "pid"))
            a = Autossh(fx, args, env=e, workdir=d, dump=False)
            try:
                rc = a.run(timeout=10)
                check(rc == 0, "exit %d, expected 0; stderr %r" % (rc, a.stderr(160)))
                if "-afx" in args:          # background: wait for its ssh and its exit
                    wait_until(lambda: os.path.exists(out), 10, "the background ssh run")
                    wait_until(lambda: not os.path.exists(os.path.join(d, "pid")), 10,
                               "the background autossh to exit")
                got = lines_of(out)
                check(got == want, "ssh argv %r, expected %r; stderr %r"
                      % (got, want, a.stderr(160)))
            except TestFailure as ex:
                errors.append("%s: %s" % (desc, ex))
        check(not errors, "\n  ".join(["argv passthrough:"] + errors))

    # ---------------------------------------------------------------- extra

    @requires(sshd_skip_reason)
    def test_server_restart(self):
        """sshd stopped and started again on the same port: the tunnel comes back."""
        fx = self.fx
        sshd, target, port, a = tunnel(fx, ["-M", "0", "-N"],
                                       env={"AUTOSSH_GATETIME": "0", "AUTOSSH_POLL": "10"})
        a.start()
        wait_forward(port, target.payload)
        ssh1 = a.wait_ssh()
        sshd.stop()
        a.wait_log("ssh exited with error status 255; restarting ssh", timeout=10)
        time.sleep(1)
        sshd.start()
        wait_forward(port, target.payload, what="the forward after sshd came back")
        check(a.running(), "autossh exited while sshd was down")
        check(ssh1 not in a.ssh_pids(), "the first ssh is still the child")


if __name__ == "__main__":
    sys.exit(main())
