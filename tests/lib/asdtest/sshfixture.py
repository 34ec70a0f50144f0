"""Fixtures for the integration tests: a real sshd on loopback or in a network
namespace, small TCP target servers, /proc process helpers, the drop-in
autossh, and the checks every program under test gets at the end of a test
(its exit status, and no sanitizer report in its output).

Standard library only.  Every fixture registers its own cleanup on the
Fixtures stack (closed by the test case's cleanup, and again at exit), and
every wait has a deadline: no fixed long sleeps, no global process-name
matching — processes are only ever found as descendants of pids we started.
"""

import atexit
import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

SSHD = "/usr/sbin/sshd"
SSH_KEYGEN = shutil.which("ssh-keygen") or "/usr/bin/ssh-keygen"
IP = shutil.which("ip") or "/usr/sbin/ip"


class TestFailure(AssertionError):
    """A check failed; the message says what was expected and what was seen
    (an AssertionError, so unittest counts it as a failure)."""


def check(cond, msg):
    if not cond:
        raise TestFailure(msg)


# ---------------------------------------------------------------- waiting

def wait_until(pred, timeout, what, interval=0.05):
    """Poll pred() until it returns a true value (returned) or fail after timeout s."""
    deadline = time.monotonic() + timeout
    while True:
        value = pred()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise TestFailure("timed out after %.1f s waiting for %s" % (timeout, what))
        time.sleep(interval)


def stays_true(pred, duration, interval=0.1):
    """True if pred() holds for the whole duration (checked every interval)."""
    deadline = time.monotonic() + duration
    while time.monotonic() < deadline:
        if not pred():
            return False
        time.sleep(interval)
    return bool(pred())


# ---------------------------------------------------------------- ports

def free_port(host="127.0.0.1"):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def port_is_free(port, host="127.0.0.1"):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((host, port))
        except OSError:
            return False
        return True


def free_port_pair(host="127.0.0.1"):
    """A port N (N < 65535) with N and N+1 both free (autossh loop mode)."""
    for _ in range(200):
        n = free_port(host)
        if n < 65535 and port_is_free(n + 1, host):
            return n
    raise TestFailure("could not find two adjacent free ports")


def port_accepts(host, port, timeout=0.5):
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


# ---------------------------------------------------------------- processes

def _stat_fields(pid):
    """Fields of /proc/PID/stat after the comm: [state, ppid, ...], or None."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            data = f.read()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    return data[data.rindex(")") + 2:].split()


def proc_ppid(pid):
    fields = _stat_fields(pid)
    return int(fields[1]) if fields else None


def proc_starttime(pid):
    fields = _stat_fields(pid)
    return int(fields[19]) if fields else None


def proc_state(pid):
    fields = _stat_fields(pid)
    return fields[0] if fields else None


def comm(pid):
    try:
        with open("/proc/%d/comm" % pid) as f:
            return f.read().strip()
    except OSError:
        return None


def cmdline(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            raw = f.read()
    except OSError:
        return ""
    return raw.replace(b"\0", b" ").decode(errors="replace").strip()


def alive(pid):
    """Exists and is not a zombie."""
    state = proc_state(pid)
    return state is not None and state != "Z"


def children(pid):
    """Pids whose parent is pid (found by scanning /proc/*/stat)."""
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit() and proc_ppid(int(name)) == pid:
            found.append(int(name))
    return sorted(found)


def descendants(pid):
    out, todo = [], [pid]
    while todo:
        kids = children(todo.pop())
        out.extend(kids)
        todo.extend(kids)
    return out


def live_children_named(pid, name):
    return [c for c in children(pid) if comm(c) == name and alive(c)]


class ProcRef:
    """A pid plus its start time, so a recycled pid is never signalled."""

    def __init__(self, pid):
        self.pid = pid
        self.start = proc_starttime(pid)

    def same(self):
        return self.start is not None and proc_starttime(self.pid) == self.start

    def alive(self):
        return self.same() and alive(self.pid)

    def signal(self, sig):
        if self.same():
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, sig)

    def __repr__(self):
        return "pid %d (%s)" % (self.pid, comm(self.pid) or "gone")


def kill_refs(refs, grace=2.0):
    """SIGCONT + SIGTERM the live ones, then SIGKILL whatever is left after
    grace; returns the ones that needed the SIGKILL."""
    refs = [r for r in refs if r.alive()]
    for r in refs:
        r.signal(signal.SIGCONT)
        r.signal(signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and any(r.alive() for r in refs):
        time.sleep(0.05)
    left = [r for r in refs if r.alive()]
    for r in left:
        r.signal(signal.SIGKILL)
    return left


# ---------------------------------------------------------------- exit checks

# What the sanitizers (ASan, LSan, UBSan; CI runs the suites in such a build)
# print; any of it in a program's output fails the test.
SANITIZER_RE = re.compile(r"ERROR: AddressSanitizer|LeakSanitizer|runtime error:|==ERROR"
                          r"|ERROR: ThreadSanitizer|WARNING: MemorySanitizer")


def built_with_asan(program):
    """Whether the program has AddressSanitizer in it (its allocator keeps
    freed memory in a quarantine: no figure of RSS means much there)."""
    with open(program, "rb") as f:
        return b"__asan_init" in f.read()


def sanitizer_report(path, context=40):
    """The first sanitizer report in the file (up to context lines), or None."""
    try:
        with open(path, errors="replace") as f:
            lines = f.read().splitlines()
    except OSError:
        return None
    for i, line in enumerate(lines):
        if SANITIZER_RE.search(line):
            return "\n".join(lines[i:i + context])
    return None


def describe_status(status):
    """subprocess's returncode (negative: killed by that signal) in words."""
    if status is None:
        return "no exit status"
    if status < 0:
        try:
            return "killed by %s" % signal.Signals(-status).name
        except ValueError:
            return "killed by signal %d" % -status
    return "exit status %d" % status


# ---------------------------------------------------------------- fixtures stack

class Fixtures:
    """A LIFO cleanup stack, files to print when a test fails, and the
    problems the cleanups find (a program that ended with the wrong status or
    printed a sanitizer report): close() raises TestFailure listing them,
    with the files printed, before the temp dirs go."""

    def __init__(self):
        self._stack = contextlib.ExitStack()
        self._dumps = []          # (label, path)
        self._tempdirs = []
        self._problems = []
        self._closed = False
        self.dumped = False       # the files were printed (the test failed)
        atexit.register(self.close)

    def defer(self, fn, *args, **kw):
        self._stack.callback(fn, *args, **kw)

    def dump_on_failure(self, label, path):
        self._dumps.append((label, path))

    def print_dumps(self, out=sys.stdout):
        self.dumped = True
        for label, path in self._dumps:
            try:
                with open(path, errors="replace") as f:
                    text = f.read()
            except OSError as e:
                text = "(unreadable: %s)\n" % e
            out.write("----- %s (%s) -----\n%s" % (label, path, text))
            if text and not text.endswith("\n"):
                out.write("\n")
        out.write("----- end -----\n")
        out.flush()

    def problem(self, msg):
        """Something a cleanup found wrong: the test fails at close()."""
        self._problems.append(msg)

    def check_exit(self, what, status, expected, logs=()):
        """The end of a program under test: status (a returncode) must be
        expected (None: any status, the test checked it), and none of its
        logs may hold a sanitizer report."""
        if expected is not None and status != expected:
            self.problem("%s ended with %s, expected %s" % (
                what, describe_status(status), describe_status(expected)))
        for path in logs:
            report = sanitizer_report(path)
            if report:
                self.problem("%s printed a sanitizer report (%s):\n%s" % (what, path, report))

    def close(self):
        if self._closed:
            return
        self._closed = True
        try:
            self._stack.close()
        finally:
            problems = list(self._problems)
            if problems:
                print("FAIL at the end of the test:\n  " + "\n  ".join(problems))
                if not self.dumped:
                    self.print_dumps()
            for path in self._tempdirs:
                shutil.rmtree(path, ignore_errors=True)
        if problems:
            raise TestFailure("\n  ".join(["at the end of the test:"] + problems))

    def tempdir(self):
        path = tempfile.mkdtemp(prefix="autossh-it-")
        self._tempdirs.append(path)
        return path


# ---------------------------------------------------------------- target servers

class _Server:
    """A tiny threaded TCP server on 127.0.0.1 (or host); handler(conn) per client."""

    def __init__(self, fx, handler, host="127.0.0.1", port=0):
        self.handler = handler
        self.connections = 0
        self.received = []                # bytes read from each connection
        self._lock = threading.Lock()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((host, port))
        self._sock.listen(64)
        self._sock.settimeout(0.2)
        self.port = self._sock.getsockname()[1]
        self._stop = False
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        fx.defer(self.stop)

    def _run(self):
        while not self._stop:
            try:
                conn, _ = self._sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            with self._lock:
                self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        with conn:
            conn.settimeout(10)
            try:
                data = self.handler(conn)
            except OSError:
                data = b""
            with self._lock:
                self.received.append(data or b"")

    def stop(self):
        self._stop = True
        self._thread.join(2)
        self._sock.close()


def hello_server(fx, payload=None):
    """Sends payload (default b'hello <random>\\n') to each client, then closes."""
    payload = payload or ("hello %d\n" % int.from_bytes(os.urandom(4), "big")).encode()

    def handler(conn):
        conn.sendall(payload)
        return b""

    srv = _Server(fx, handler)
    srv.payload = payload
    return srv


def echo_server(fx):
    """Echoes every byte back until the client closes; records what it read."""

    def handler(conn):
        got = b""
        while True:
            data = conn.recv(4096)
            if not data:
                return got
            got += data
            conn.sendall(data)

    return _Server(fx, handler)


def read_expected(port, expected, host="127.0.0.1", timeout=3.0):
    """Connect to host:port and read until len(expected) bytes; True if they match."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as s:
            s.settimeout(timeout)
            got = b""
            while len(got) < len(expected):
                data = s.recv(4096)
                if not data:
                    break
                got += data
    except OSError:
        return False
    return got[:len(expected)] == expected


def wait_forward(port, expected, timeout=30, what=None):
    """Wait until a forward on 127.0.0.1:port delivers the expected bytes."""
    wait_until(lambda: read_expected(port, expected), timeout,
               what or "forward on 127.0.0.1:%d to deliver %r" % (port, expected),
               interval=0.1)


def socks5_read(proxy_port, dest_host, dest_port, expected, timeout=3.0):
    """A minimal SOCKS5 (no auth) CONNECT through 127.0.0.1:proxy_port."""
    try:
        with socket.create_connection(("127.0.0.1", proxy_port), timeout=timeout) as s:
            s.settimeout(timeout)
            s.sendall(b"\x05\x01\x00")
            if _recv_exact(s, 2) != b"\x05\x00":
                return False
            s.sendall(b"\x05\x01\x00\x01" + socket.inet_aton(dest_host)
                      + dest_port.to_bytes(2, "big"))
            reply = _recv_exact(s, 10)
            if len(reply) != 10 or reply[1] != 0:
                return False
            return _recv_exact(s, len(expected)) == expected
    except OSError:
        return False


def _recv_exact(s, n):
    got = b""
    while len(got) < n:
        data = s.recv(n - len(got))
        if not data:
            break
        got += data
    return got


# ---------------------------------------------------------------- sshd

def run(cmd, **kw):
    return subprocess.run(cmd, check=True, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, **kw)


SESSION_RE = re.compile(r"^sshd: root(@\S+)?$")


class Sshd:
    """A private sshd (its own keys, config and port), optionally in a netns;
    banner: text the server shows before authentication (sshd's Banner), which
    ssh prints on its stderr."""

    def __init__(self, fx, host="127.0.0.1", port=None, netns=None, name="sshd",
                 max_startups=100, banner=None):
        self.fx = fx
        self.host = host
        self.netns = netns
        self.port = port or free_port()
        self.dir = fx.tempdir()
        d = self.dir
        self.host_key = os.path.join(d, "host_ed25519")
        self.client_key = os.path.join(d, "id_ed25519")
        self.known_hosts = os.path.join(d, "known_hosts")
        self.config = os.path.join(d, "sshd_config")
        self.stderr_path = os.path.join(d, "sshd.stderr")
        for key in (self.host_key, self.client_key):
            run([SSH_KEYGEN, "-q", "-t", "ed25519", "-N", "", "-C", "autossh-it",
                 "-f", key])
        shutil.copy(self.client_key + ".pub", os.path.join(d, "authorized_keys"))
        banner_line = []
        if banner is not None:
            banner_path = os.path.join(d, "banner")
            with open(banner_path, "w") as f:
                f.write(banner)
            banner_line = ["Banner %s" % banner_path]
        with open(self.config, "w") as f:
            f.write("\n".join([
                "ListenAddress %s" % host,
                "Port %d" % self.port,
                "HostKey %s" % self.host_key,
                "PidFile none",
                "UsePAM no",
                "StrictModes no",
                "PermitRootLogin prohibit-password",
                "AuthorizedKeysFile %s" % os.path.join(d, "authorized_keys"),
                "LogLevel VERBOSE",
                "AllowTcpForwarding yes",
                "GatewayPorts no",
                "MaxStartups %d" % max_startups,
            ] + banner_line + [""]))
        os.makedirs("/run/sshd", exist_ok=True)
        self.proc = None
        self.ref = None
        fx.dump_on_failure(name + " stderr", self.stderr_path)
        fx.defer(self.stop)
        self.start()

    def start(self, timeout=10):
        cmd = [SSHD, "-D", "-e", "-f", self.config]
        if self.netns:
            cmd = [IP, "netns", "exec", self.netns] + cmd
        err = open(self.stderr_path, "a")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                     stdout=err, stderr=err)
        err.close()
        self.ref = ProcRef(self.proc.pid)

        def up():
            check(self.proc.poll() is None,
                  "sshd exited with status %s at start" % self.proc.returncode)
            return port_accepts(self.host, self.port)

        wait_until(up, timeout, "sshd on %s:%d" % (self.host, self.port))

    def stop(self):
        """Kill the listener and every descendant (sessions), by our own pid only."""
        if not self.proc:
            return
        refs = [ProcRef(p) for p in descendants(self.proc.pid)]
        kill_refs([self.ref] + refs)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(5)
        self.proc = None

    def restart(self, timeout=10):
        self.stop()
        wait_until(lambda: not port_accepts(self.host, self.port, 0.2) or None, 5,
                   "old sshd to release the port")
        self.start(timeout)

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def sessions(self):
        """Live per-connection session processes of this sshd: 'sshd: root@notty',
        or plain 'sshd: root' for a root login with -N (no session channel);
        never the '[priv]', '[preauth]', '[net]' or '[accepted]' helpers."""
        if not self.proc:
            return []
        return [p for p in descendants(self.proc.pid)
                if SESSION_RE.match(cmdline(p)) and alive(p)]

    def ssh_opts(self):
        return ["-F", "/dev/null", "-p", str(self.port), "-i", self.client_key,
                "-o", "IdentitiesOnly=yes",
                "-o", "UserKnownHostsFile=%s" % self.known_hosts,
                "-o", "StrictHostKeyChecking=accept-new",
                "-o", "BatchMode=yes"]

    @property
    def dest(self):
        return "root@%s" % self.host


# ---------------------------------------------------------------- network namespace

class Netns:
    """asdt-<pid>: a veth pair 10.23.X.1/30 (host) <-> 10.23.X.2/30 (inside)."""

    def __init__(self, fx):
        self.fx = fx
        pid = os.getpid()
        self.name = "asdt-%d" % pid
        self.x = self._pick_subnet(pid)
        self.host_if = "asdh%d" % pid
        self.ns_if = "asdn%d" % pid
        self.host_addr = "10.23.%d.1" % self.x
        self.addr = "10.23.%d.2" % self.x
        self.subnet = "10.23.%d.0/24" % self.x
        self._route = False
        fx.defer(self.teardown)
        run([IP, "netns", "add", self.name])
        run([IP, "link", "add", self.host_if, "type", "veth", "peer", "name", self.ns_if])
        run([IP, "link", "set", self.ns_if, "netns", self.name])
        run([IP, "addr", "add", self.host_addr + "/30", "dev", self.host_if])
        run([IP, "link", "set", self.host_if, "up"])
        self.exec(["ip", "addr", "add", self.addr + "/30", "dev", self.ns_if])
        self.exec(["ip", "link", "set", self.ns_if, "up"])
        self.exec(["ip", "link", "set", "lo", "up"])
        wait_until(lambda: subprocess.run(
            [IP, "netns", "exec", self.name, "ip", "-o", "addr", "show", "dev", self.ns_if],
            stdout=subprocess.PIPE, text=True).stdout.find("tentative") < 0, 5,
            "namespace address to settle")

    @staticmethod
    def _pick_subnet(pid):
        used = subprocess.run([IP, "-o", "addr"], stdout=subprocess.PIPE,
                              text=True).stdout
        routes = subprocess.run([IP, "route", "show", "table", "all"],
                                stdout=subprocess.PIPE, text=True).stdout
        for i in range(250):
            x = (pid + i) % 250 + 1
            if not re.search(r"\b10\.23\.%d\." % x, used + routes):
                return x
        raise TestFailure("no free 10.23.X.0/24 subnet")

    def exec(self, cmd):
        return run([IP, "netns", "exec", self.name] + cmd)

    def add_safety_route(self):
        """Call before any host-side veth goes down: nothing may leave via eth0."""
        if not self._route:
            run([IP, "route", "add", "blackhole", self.subnet, "metric", "4000"])
            self._route = True

    def link_down(self):
        self.add_safety_route()
        run([IP, "link", "set", self.host_if, "down"])

    def link_up(self):
        run([IP, "link", "set", self.host_if, "up"])

    def teardown(self):
        subprocess.run([IP, "link", "del", self.host_if],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if self._route:
            subprocess.run([IP, "route", "del", "blackhole", self.subnet, "metric", "4000"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        subprocess.run([IP, "netns", "del", self.name],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


# ---------------------------------------------------------------- autossh

LOG_RE = re.compile(r"^\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2} autossh\[(\d+)\]: (.*)$")


class Autossh:
    """One autossh run: its own temp dir, log file, env and cleanup.

    env: extra/override variables (value None removes one).  Every AUTOSSH_*
    variable of the caller's environment is dropped first.  Unless the test
    overrides them, AUTOSSH_LOGFILE is a temp file and AUTOSSH_LOGLEVEL=7.

    At the end of the test its exit status is checked (unless the test was
    handed it by run()/wait_exit() and checks it itself): killed by SIGKILL
    when the test sent that, else 1 (autossh's exit on SIGTERM/SIGINT, also
    how the cleanup stops one still running); its stderr must hold no
    sanitizer report.
    """

    def __init__(self, fx, args, env=None, workdir=None, dump=True):
        self.fx = fx
        self.bin = os.environ.get("AUTOSSH_BIN")
        check(self.bin and os.access(self.bin, os.X_OK),
              "AUTOSSH_BIN is not set to an executable (%r)" % self.bin)
        self.dir = workdir or fx.tempdir()
        self.logfile = os.path.join(self.dir, "autossh.log")
        self.stdout_path = os.path.join(self.dir, "autossh.stdout")
        self.stderr_path = os.path.join(self.dir, "autossh.stderr")
        e = {k: v for k, v in os.environ.items()
             if not k.startswith("AUTOSSH_") and k != "SSH_AUTH_SOCK"}
        e["AUTOSSH_LOGFILE"] = self.logfile
        e["AUTOSSH_LOGLEVEL"] = "7"
        for k, v in (env or {}).items():
            if v is None:
                e.pop(k, None)
            else:
                e[k] = v
        self.env = e
        self.args = [self.bin] + list(args)
        self.proc = None
        self.ref = None
        self.tracked = []            # ProcRefs of ssh children seen, for cleanup
        self.last_signal = None      # the last one the test sent
        self.status_seen = False     # run()/wait_exit() gave the test the status
        if dump:        # table-driven tests put the details in their message instead
            fx.dump_on_failure("autossh log", self.logfile)
            fx.dump_on_failure("autossh stderr", self.stderr_path)
        fx.defer(self.cleanup)

    def start(self):
        out = open(self.stdout_path, "ab")
        err = open(self.stderr_path, "ab")
        self.proc = subprocess.Popen(self.args, env=self.env, stdin=subprocess.DEVNULL,
                                     stdout=out, stderr=err)
        out.close()
        err.close()
        self.ref = ProcRef(self.proc.pid)
        return self

    def run(self, timeout=15):
        """Run to completion; returns the exit status."""
        self.start()
        try:
            status = self.proc.wait(timeout)
            self.status_seen = True
            return status
        except subprocess.TimeoutExpired:
            raise TestFailure("autossh %s did not exit within %d s"
                              % (" ".join(self.args[1:]), timeout))

    def wait_exit(self, timeout):
        try:
            status = self.proc.wait(timeout)
            self.status_seen = True
            return status
        except subprocess.TimeoutExpired:
            raise TestFailure("autossh did not exit within %.1f s" % timeout)

    def adopt(self, pid):
        """Track a background (-f) autossh by pid: it is signalled via ProcRef."""
        self.ref = ProcRef(pid)

    @property
    def pid(self):
        return self.ref.pid

    def running(self):
        if self.proc and self.proc.pid == self.ref.pid:
            return self.proc.poll() is None
        return self.ref.alive()

    def signal(self, sig):
        self.last_signal = sig
        self.ref.signal(sig)

    def ssh_pids(self):
        pids = live_children_named(self.ref.pid, "ssh") if self.ref.same() else []
        for p in pids:
            if all(r.pid != p for r in self.tracked):
                self.tracked.append(ProcRef(p))
        return pids

    def wait_ssh(self, timeout=15, exclude=()):
        """Wait for a live ssh child (not in exclude) of autossh; return its pid."""
        def new():
            check(self.running(), "autossh exited (status %s) while waiting for ssh"
                  % (self.proc.poll() if self.proc else "?"))
            pids = [p for p in self.ssh_pids() if p not in exclude]
            return pids[0] if len(pids) == 1 else None
        return wait_until(new, timeout, "a new ssh child of autossh (excluding %s)"
                          % (list(exclude),))

    # --- log
    def log_lines(self):
        try:
            with open(self.logfile, errors="replace") as f:
                text = f.read()
        except FileNotFoundError:
            return []
        return text.splitlines()

    def messages(self):
        """The message part of every well-formed log line."""
        out = []
        for line in self.log_lines():
            m = LOG_RE.match(line)
            if m:
                out.append(m.group(2))
        return out

    def count(self, text):
        """Messages containing text as a whole word sequence ('starting ssh' does
        not match 'restarting ssh')."""
        pat = re.compile(r"(?<![A-Za-z])" + re.escape(text))
        return sum(1 for m in self.messages() if pat.search(m))

    def wait_log(self, text, timeout=20, count=1):
        wait_until(lambda: self.count(text) >= count, timeout,
                   "%d log line(s) containing %r" % (count, text))

    def ssh_pid_from_log(self):
        pids = [int(m.split()[-1]) for m in self.messages()
                if m.startswith("ssh child pid is ")]
        return pids[-1] if pids else None

    def stderr(self, limit=None):
        try:
            with open(self.stderr_path, errors="replace") as f:
                text = f.read()
        except FileNotFoundError:
            return ""
        return text if limit is None or len(text) <= limit else text[:limit] + "..."

    def cleanup(self):
        if self.ref is None:
            return
        if self.ref.same():
            self.ssh_pids()
            self.tracked.extend(ProcRef(p) for p in descendants(self.ref.pid))
        ours = self.proc is not None and self.proc.pid == self.ref.pid
        running = ours and self.proc.poll() is None
        killed = kill_refs([self.ref], grace=5.0 if running else 2.0)
        if self.proc:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(3)
        kill_refs(self.tracked)
        what = "autossh (pid %d)" % self.ref.pid
        if killed and ours:
            self.fx.problem("%s did not exit within 5 s of SIGTERM" % what)
        if self.last_signal == signal.SIGKILL:
            expected = -signal.SIGKILL
        elif running or self.last_signal in (signal.SIGTERM, signal.SIGINT):
            expected = 1
        else:
            expected = None if self.status_seen else 0
        if not ours or killed:       # a background (-f) one: not our child
            expected = None
        self.fx.check_exit(what, self.proc.returncode if self.proc else None, expected,
                           [self.stderr_path])


def write_script(directory, name, body):
    """Write an executable /bin/sh script and return its path."""
    path = os.path.join(directory, name)
    with open(path, "w") as f:
        f.write("#!/bin/sh\n" + body)
    os.chmod(path, 0o755)
    return path


# ---------------------------------------------------------------- skips

def sshd_skip_reason():
    """Why a test that starts sshd cannot run here, or None."""
    if os.geteuid() != 0:
        return "needs root (sshd with root logins, /run/sshd)"
    if not os.access(SSHD, os.X_OK):
        return "%s is missing" % SSHD
    return None
