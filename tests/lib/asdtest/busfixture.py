"""Fixtures for the autosshd service tests: a private dbus-daemon with its own
config and servicedir, the service (activated or started by hand), the real
`gdbus` and `busctl` commands and a signal recorder (GVariant text: gvariant.py).

Builds on sshfixture.py (Fixtures, Sshd, waits, /proc helpers).  Every
autosshd a test starts, by hand or by D-Bus activation, is checked at the end
of the test: exit status 0 (killed by SIGKILL if the test sent that), no
sanitizer report in its output.  Activated ones run through a small wrapper
(activation_wrapper) that keeps their output and exit status in the bus's dir.
"""

import contextlib
import json
import os
import pwd
import re
import shlex
import shutil
import signal
import subprocess
import threading
import time

from .gvariant import GV, gvariant_text, parse_gvariant  # noqa: F401
from .sshfixture import (
    ProcRef, Sshd, TestFailure, alive, check, comm, descendants, free_port, hello_server,
    kill_refs, wait_until, write_script)

BUS_NAME = "io.github.autosshd1"
MANAGER_PATH = "/io/github/autosshd1"
MANAGER_IFACE = "io.github.autosshd1.Manager"
TUNNEL_IFACE = "io.github.autosshd1.Tunnel"
ERROR_PREFIX = "io.github.autosshd1.Error."
DBUS_DAEMON = shutil.which("dbus-daemon") or "/usr/bin/dbus-daemon"
GDBUS = shutil.which("gdbus") or "/usr/bin/gdbus"
BUSCTL = shutil.which("busctl") or "/usr/bin/busctl"


def escape_name(name):
    """systemd's object-path escaping: every char outside [A-Za-z0-9] is _xx."""
    return "".join(c if (c.isascii() and c.isalnum()) else
                   "".join("_%02x" % b for b in c.encode()) for c in name)


def tunnel_path(name):
    return MANAGER_PATH + "/tunnel/" + escape_name(name)


# ---------------------------------------------------------------- command results

class CallResult:
    def __init__(self, argv, proc):
        self.argv = argv
        self.rc = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr

    @property
    def ok(self):
        return self.rc == 0

    @property
    def error_name(self):
        """The D-Bus error name from gdbus/busctl's message, or None."""
        m = re.search(r"GDBus\.Error:([A-Za-z0-9_.]+):", self.stderr)
        if m:
            return m.group(1)
        return None

    def value(self):
        """gdbus call's reply, parsed (a tuple)."""
        return parse_gvariant(self.stdout)

    def json(self):
        return json.loads(self.stdout)

    def describe(self):
        return "`%s` → rc %d, stdout %r, stderr %r" % (
            " ".join(self.argv), self.rc, self.stdout.strip(), self.stderr.strip())


# ---------------------------------------------------------------- the bus

BUS_CONF = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <keep_umask/>
  <listen>unix:dir={sockdir}</listen>
  <auth>EXTERNAL</auth>
  <limit name="service_start_timeout">15000</limit>
  <servicedir>{servicedir}</servicedir>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


class Bus:
    """A private session bus in its own temp dir, plus the service's environment.

    Attributes: dir, home, config_home, runtime_dir, tunnels_dir, address,
    service_env (for the service), env (for client commands), log paths.
    The bus only knows the services of its own servicedir, which holds a
    generated io.github.autosshd1.service with Exec= $AUTOSSHD_BIN.
    """

    def __init__(self, fx, service_bin=None, activatable=True, private_home=True):
        self.fx = fx
        self.bin = service_bin or os.environ.get("AUTOSSHD_BIN")
        check(self.bin and os.access(self.bin, os.X_OK),
              "AUTOSSHD_BIN is not set to an executable (%r)" % self.bin)
        self.dir = fx.tempdir()
        d = self.dir
        self.home = os.path.join(d, "home")
        self.config_home = os.path.join(d, "config")
        self.runtime_dir = os.path.join(d, "runtime")
        self.servicedir = os.path.join(d, "services")
        self.sockdir = os.path.join(d, "bus")
        self.tunnels_dir = os.path.join(self.config_home, "autosshd", "tunnels")
        for p in (self.home, self.config_home, self.runtime_dir, self.servicedir,
                  self.sockdir):
            os.makedirs(p, mode=0o700, exist_ok=True)
            os.chmod(p, 0o700)
        self.log_path = os.path.join(d, "dbus-daemon.log")
        self.activated_dir = os.path.join(d, "activated")    # N.pid, N.status
        self.activated_log = os.path.join(d, "autosshd-activated.log")
        self.expected_status = {}       # service pid → returncode, default 0
        os.makedirs(self.activated_dir)
        open(self.activated_log, "w").close()
        self.conf = os.path.join(d, "bus.conf")
        with open(self.conf, "w") as f:
            f.write(BUS_CONF.format(sockdir=self.sockdir, servicedir=self.servicedir))
        if activatable:
            self.write_service_file()
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("DBUS_", "XDG_", "AUTOSSH_", "G_"))
               and k not in ("SSH_AUTH_SOCK", "SSH_AGENT_PID", "DISPLAY",
                             "WAYLAND_DISPLAY")}
        env.update({
            "HOME": self.home,
            "XDG_CONFIG_HOME": self.config_home,
            "XDG_RUNTIME_DIR": self.runtime_dir,
            "XDG_DATA_HOME": os.path.join(d, "data"),
            "XDG_CACHE_HOME": os.path.join(d, "cache"),
            # never the machine's system bus (logind): a test that wants one
            # gives its own (sleep_and_wake)
            "DBUS_SYSTEM_BUS_ADDRESS": "unix:path=%s" % os.path.join(d, "no-system-bus"),
            "G_DEBUG": "fatal-criticals",
            "G_MESSAGES_DEBUG": "all",
            "LC_ALL": "C.UTF-8",
            "LANGUAGE": "C",
        })
        self.daemon_env = dict(env)
        # ssh reads ~/.ssh/config from the passwd entry's home, not $HOME: as
        # root, run the bus (so every activated service) and the service in a
        # private mount namespace with our HOME bind-mounted over that home.
        self.wrap = []
        pw_home = pwd.getpwuid(os.getuid()).pw_dir
        if (private_home and os.geteuid() == 0 and shutil.which("unshare")
                and os.path.isdir(pw_home) and pw_home != "/"
                and not os.path.realpath(self.bin).startswith(pw_home.rstrip("/") + "/")):
            self.wrap = [shutil.which("unshare"), "--mount", "--propagation", "private",
                         "--", "/bin/sh", "-c",
                         'mount --bind "$1" "$2" && shift 2 && exec "$@"', "sh",
                         self.home, pw_home]
        fx.dump_on_failure("dbus-daemon", self.log_path)
        fx.dump_on_failure("D-Bus activated autosshd", self.activated_log)
        self.proc = None
        self.guard = None               # set by Service: raises if it died
        self._start_daemon()
        env["DBUS_SESSION_BUS_ADDRESS"] = self.address
        self.service_env = env          # the service's: with G_DEBUG, G_MESSAGES_DEBUG
        self.env = {k: v for k, v in env.items()    # client commands' (quiet)
                    if k not in ("G_DEBUG", "G_MESSAGES_DEBUG")}

    def write_service_file(self, exec_line=None):
        """The activation file; by default it runs $AUTOSSHD_BIN through
        activation_wrapper(), a test's own exec_line as it is."""
        path = os.path.join(self.servicedir, BUS_NAME + ".service")
        with open(path, "w") as f:
            f.write("[D-BUS Service]\nName=%s\nExec=%s\n"
                    % (BUS_NAME, exec_line or self.activation_wrapper()))
        return path

    def activation_wrapper(self):
        """A script that dbus-daemon runs to activate the service: autosshd's
        output goes to activated_log, and for each activation N (the script's
        pid) activated/N.pid holds the service's pid and activated/N.status
        its exit status once it ends (128+n: killed by signal n)."""
        q = shlex.quote
        return write_script(self.dir, "activate-autosshd", (
            "# run by dbus-daemon for %s (tests/lib/asdtest/busfixture.py)\n"
            "d=%s\n"
            "/bin/sh -c 'echo $$ > \"$0\"; exec \"$@\"' \"$d/$$.pid\" %s \"$@\" >>%s 2>&1\n"
            "echo $? > \"$d/$$.status.tmp\" && mv \"$d/$$.status.tmp\" \"$d/$$.status\"\n"
            % (BUS_NAME, q(self.activated_dir), q(self.bin), q(self.activated_log))))

    def activations(self):
        """{service pid: returncode, or None while it runs} of every activation."""
        out = {}
        for n in os.listdir(self.activated_dir):
            if not n.endswith(".pid"):
                continue
            try:
                with open(os.path.join(self.activated_dir, n)) as f:
                    pid = int(f.read())
            except (OSError, ValueError):
                continue                  # being written
            try:
                with open(os.path.join(self.activated_dir, n[:-4] + ".status")) as f:
                    st = int(f.read())
            except (OSError, ValueError):
                st = None
            out[pid] = -(st - 128) if st is not None and st > 128 else st
        return out

    def _check_activations(self):
        """Stop every activated service still running (SIGTERM, as a Service's
        cleanup does), then check how each one ended and its output."""
        running = [ProcRef(pid) for pid, st in self.activations().items() if st is None]
        for r in kill_refs(running, grace=6.0):
            self.fx.problem("D-Bus activated autosshd (pid %d) did not exit within 6 s of "
                            "SIGTERM" % r.pid)
            self.expected_status[r.pid] = -signal.SIGKILL
        try:
            wait_until(lambda: None not in self.activations().values(), 5,
                       "the activation wrapper to record every exit status")
        except TestFailure as e:
            self.fx.problem(str(e))
        for pid, st in sorted(self.activations().items()):
            if st is not None:
                self.fx.check_exit("D-Bus activated autosshd (pid %d)" % pid, st,
                                   self.expected_status.get(pid, 0))
        self.fx.check_exit("D-Bus activated autosshd", None, None, [self.activated_log])

    def _start_daemon(self):
        r, w = os.pipe()
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            self.wrap + [DBUS_DAEMON, "--config-file=" + self.conf, "--nofork", "--nopidfile",
             "--print-address=%d" % w],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log, pass_fds=(w,),
            env=self.daemon_env)
        log.close()
        os.close(w)
        self.ref = ProcRef(self.proc.pid)
        self.fx.defer(self._stop_daemon)
        self.fx.defer(self._check_activations)
        with os.fdopen(r) as f:
            line = f.readline().strip()
        check(line.startswith("unix:"), "dbus-daemon printed no address (%r), status %s"
              % (line, self.proc.poll()))
        self.address = line

    def _stop_daemon(self):
        if self.proc and self.proc.poll() is None:
            self.ref.signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.ref.signal(signal.SIGKILL)
                self.proc.wait(5)

    # --- commands -------------------------------------------------------------

    def run(self, argv, timeout=30, check_ok=False, input=None):
        # A crashed service would be activated again by the next call and the
        # crash go unnoticed: every command first checks the current one lives.
        if self.guard is not None:
            self.guard()
        try:
            p = subprocess.run(argv, env=self.env, input=input,
                               stdin=subprocess.DEVNULL if input is None else None,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise TestFailure("`%s` did not finish within %d s" % (" ".join(argv), timeout))
        res = CallResult(argv, p)
        if check_ok and not res.ok:
            raise TestFailure("command failed: " + res.describe())
        return res

    def gdbus_call(self, path, method, *args, dest=BUS_NAME, timeout=30, check_ok=False):
        """`gdbus call --session`; method is IFACE.Member; args are Python values
        (or GV) turned into GVariant text, or str already in GVariant text if
        wrapped as Raw."""
        argv = [GDBUS, "call", "--session", "--dest", dest, "--object-path", path,
                "--method", method, "--timeout", str(timeout)]
        for a in args:
            argv.append(a.text if isinstance(a, Raw) else gvariant_text(a))
        return self.run(argv, timeout=timeout + 5, check_ok=check_ok)

    def call(self, path, method, *args, **kw):
        """gdbus call that must succeed; returns the parsed reply tuple."""
        kw["check_ok"] = True
        return self.gdbus_call(path, method, *args, **kw).value()

    def manager(self, member, *args, **kw):
        return self.gdbus_call(MANAGER_PATH, MANAGER_IFACE + "." + member, *args, **kw)

    def tunnel(self, name, member, *args, **kw):
        return self.gdbus_call(tunnel_path(name), TUNNEL_IFACE + "." + member, *args, **kw)

    def busctl(self, *args, timeout=30, check_ok=False):
        return self.run([BUSCTL, "--user"] + list(args), timeout=timeout, check_ok=check_ok)

    def get_property(self, path, iface, prop, dest=BUS_NAME):
        """A property's value via `busctl --user --json=short get-property`."""
        res = self.busctl("--json=short", "get-property", dest, path, iface, prop,
                          check_ok=True)
        return res.json()["data"]

    def get_all(self, path, iface, dest=BUS_NAME):
        """{name: value} via `busctl --user --json=short call ... GetAll`."""
        res = self.busctl("--json=short", "call", dest, path,
                          "org.freedesktop.DBus.Properties", "GetAll", "s", iface,
                          check_ok=True)
        data = res.json()["data"][0]
        return {k: v["data"] for k, v in data.items()}

    def tunnel_props(self, name):
        return self.get_all(tunnel_path(name), TUNNEL_IFACE)

    def tunnel_prop(self, name, prop):
        return self.get_property(tunnel_path(name), TUNNEL_IFACE, prop)

    def tunnel_log(self, name, max=0):
        """Tunnel.GetLog(max) via busctl: [LogEntry] (variants unwrapped)."""
        res = self.busctl("--json=short", "call", BUS_NAME, tunnel_path(name), TUNNEL_IFACE,
                          "GetLog", "u", str(max), check_ok=True)
        return [LogEntry(e) for e in res.json()["data"][0]]

    def name_has_owner(self, name=BUS_NAME):
        res = self.gdbus_call("/org/freedesktop/DBus", "org.freedesktop.DBus.NameHasOwner",
                              name, dest="org.freedesktop.DBus", check_ok=True)
        return res.value()[0]

    def owner_pid(self, name=BUS_NAME):
        res = self.gdbus_call("/org/freedesktop/DBus",
                              "org.freedesktop.DBus.GetConnectionUnixProcessID", name,
                              dest="org.freedesktop.DBus")
        return res.value()[0] if res.ok else None

    def managed_objects(self):
        """{path: {iface: {prop: value}}} from ObjectManager.GetManagedObjects."""
        res = self.busctl("--json=short", "call", BUS_NAME, MANAGER_PATH,
                          "org.freedesktop.DBus.ObjectManager", "GetManagedObjects",
                          check_ok=True)
        out = {}
        for path, ifaces in res.json()["data"][0].items():
            out[path] = {i: {k: v["data"] for k, v in props.items()}
                         for i, props in ifaces.items()}
        return out

    def tunnel_paths(self):
        return sorted(p for p in self.managed_objects() if p.startswith(MANAGER_PATH + "/"))

    # --- files ----------------------------------------------------------------

    def conf_path(self, name):
        return os.path.join(self.tunnels_dir, name + ".conf")

    def tunnel_files(self):
        """{file name: (bytes, mtime_ns, mode)} of the tunnels directory."""
        out = {}
        if os.path.isdir(self.tunnels_dir):
            for n in sorted(os.listdir(self.tunnels_dir)):
                p = os.path.join(self.tunnels_dir, n)
                st = os.stat(p)
                with open(p, "rb") as f:
                    out[n] = (f.read(), st.st_mtime_ns, st.st_mode & 0o7777)
        return out

    def write_ssh_config(self, text):
        """$HOME/.ssh/config of the bus's HOME (ssh sees it as ~/.ssh/config
        when the bus runs with private_home)."""
        d = os.path.join(self.home, ".ssh")
        os.makedirs(d, mode=0o700, exist_ok=True)
        p = os.path.join(d, "config")
        with open(p, "w") as f:
            f.write(text)
        os.chmod(p, 0o600)
        return p

    def write_tunnel_file(self, name, text, mode=0o600):
        os.makedirs(self.tunnels_dir, mode=0o700, exist_ok=True)
        p = self.conf_path(name)
        with open(p, "w") as f:
            f.write(text)
        os.chmod(p, mode)
        return p


def unwrap(value):
    """busctl's JSON of a value without its variant wrappers ({"type", "data"})."""
    if isinstance(value, dict):
        if set(value) == {"type", "data"}:
            return unwrap(value["data"])
        return {k: unwrap(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unwrap(v) for v in value]
    return value


class LogEntry:
    """One entry of a tunnel's log, from GetLog's array or LogEntry's
    arguments (busctl's JSON): sequence, timestamp, monotonic, kind,
    message, details (a dict, variants unwrapped)."""

    def __init__(self, fields):
        (self.sequence, self.timestamp, self.monotonic, self.kind, self.message,
         details) = fields
        self.details = unwrap(details)

    def key(self):
        return (self.sequence, self.timestamp, self.monotonic, self.kind, self.message,
                repr(sorted(self.details.items())))

    def __repr__(self):
        return "#%d %s: %s %r" % (self.sequence, self.kind, self.message, self.details)


class Raw:
    """An argument already in GVariant text."""

    def __init__(self, text):
        self.text = text


def read_keyfile(path):
    """A GKeyFile's [group] → {key: raw value} (comments and blanks skipped)."""
    groups, cur = {}, None
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            if line.startswith("["):
                cur = groups.setdefault(line.strip()[1:-1], {})
            elif "=" in line and cur is not None:
                k, v = line.split("=", 1)
                cur[k.strip()] = v.strip()
    return groups


# ---------------------------------------------------------------- the service

class Service:
    """One autosshd process, started by hand (start()) or by D-Bus activation
    (activate()); its output goes to a log file printed when the test fails.
    Cleanup: SIGTERM, then SIGKILL, and SIGKILL of any ssh it left behind;
    then its exit status must be 0 (killed by SIGKILL if the test sent that)
    and its log free of sanitizer reports (for an activated one the Bus
    checks both at its own teardown)."""

    _count = 0

    def __init__(self, bus):
        self.bus = bus
        Service._count += 1
        self.log_path = os.path.join(bus.dir, "autosshd-%d.log" % Service._count)
        self.proc = None
        self.ref = None
        self.seen = []                  # ProcRefs of every descendant seen
        self.stopping = False           # a test signalled it to end
        self.last_signal = None
        self.expected = 0               # its exit status, unless SIGKILLed
        bus.fx.dump_on_failure("autosshd #%d" % Service._count, self.log_path)
        bus.fx.defer(self.cleanup)

    def start(self, *args, timeout=15):
        log = open(self.log_path, "ab")
        env = dict(self.bus.service_env)
        self.proc = subprocess.Popen(self.bus.wrap + [self.bus.bin] + list(args), env=env,
                                     stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        log.close()
        self.ref = ProcRef(self.proc.pid)
        self.bus.guard = self.check_alive

        def owned():
            check(self.proc.poll() is None, "autosshd exited with status %s at start"
                  % self.proc.returncode)
            return self.bus.owner_pid() == self.proc.pid
        wait_until(owned, timeout, "autosshd (pid %d) to own %s" % (self.proc.pid, BUS_NAME),
                   interval=0.1)
        return self

    def activate(self):
        """The first call activates the service; returns the call's result."""
        res = self.bus.gdbus_call(MANAGER_PATH, "org.freedesktop.DBus.Properties.Get",
                                  MANAGER_IFACE, "Version")
        pid = self.bus.owner_pid()
        if pid:
            self.ref = ProcRef(pid)
            self.bus.guard = self.check_alive
        return res

    def check_alive(self):
        """Raise if the service ended without a test asking it to."""
        if self.stopping or self.ref is None:
            return
        if self.proc is not None:
            status = self.proc.poll()
            if status is not None:
                self.stopping = True
                raise TestFailure("autosshd (pid %d) died unexpectedly, status %s (see its "
                                  "log below)" % (self.proc.pid, status))
        elif not self.ref.alive():
            self.stopping = True
            raise TestFailure("autosshd (%r) died unexpectedly" % self.ref)

    def expect_status(self, status):
        """The exit status the test expects instead of 0."""
        self.expected = status
        if self.proc is None and self.ref is not None:
            self.bus.expected_status[self.ref.pid] = status

    @property
    def pid(self):
        return self.ref.pid if self.ref else None

    def running(self):
        if self.proc is not None:
            return self.proc.poll() is None
        return bool(self.ref and self.ref.alive())

    def ssh_children(self):
        """Live ssh processes below the service (tracked for cleanup)."""
        if not (self.ref and self.ref.same()):
            return []
        out = []
        for p in descendants(self.ref.pid):
            if all(r.pid != p for r in self.seen):
                self.seen.append(ProcRef(p))
            if comm(p) == "ssh" and alive(p):
                out.append(p)
        return out

    def signal(self, sig):
        self.ssh_children()
        if sig in (signal.SIGTERM, signal.SIGKILL, signal.SIGINT):
            self.stopping = True
        self.last_signal = sig
        if sig == signal.SIGKILL:
            self.bus.expected_status[self.ref.pid] = -signal.SIGKILL
        self.ref.signal(sig)

    def wait_exit(self, timeout):
        if self.proc is not None:
            try:
                return self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                raise TestFailure("autosshd (pid %d) did not exit within %.0f s"
                                  % (self.proc.pid, timeout))
        wait_until(lambda: not self.ref.alive(), timeout,
                   "autosshd (%r) to exit" % self.ref)
        return None

    def log(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def cleanup(self):
        if self.ref is None:
            return
        self.stopping = True
        self.ssh_children()
        killed = kill_refs([self.ref], grace=6.0)
        if self.proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(3)
        kill_refs(self.seen, grace=1.0)
        what = "autosshd (pid %d)" % self.ref.pid
        if killed:
            self.bus.fx.problem("%s did not exit within 6 s of SIGTERM" % what)
            self.bus.expected_status[self.ref.pid] = -signal.SIGKILL
        if self.proc is not None:
            expected = -signal.SIGKILL if self.last_signal == signal.SIGKILL else self.expected
            self.bus.fx.check_exit(what, self.proc.returncode, None if killed else expected,
                                   [self.log_path])


# ---------------------------------------------------------------- signals

class Signal:
    def __init__(self, when, path, iface, member, args):
        self.when = when            # time.monotonic() when read
        self.path = path
        self.iface = iface
        self.member = member
        self.args = args

    def __repr__(self):
        return "%.2f %s %s.%s%r" % (self.when, self.path, self.iface, self.member,
                                    tuple(self.args))


class SignalRecorder:
    """`busctl --user monitor --json=short` recording every signal on the bus
    (filtered here, so a service that restarts keeps being recorded) to a list
    and, for the failure dump, to a file."""

    def __init__(self, bus):
        self.bus = bus
        self.path = os.path.join(bus.dir, "signals.log")
        self.signals = []
        self._lines = 0
        self._lock = threading.Lock()
        self._file = open(self.path, "w")
        self.proc = subprocess.Popen([BUSCTL, "--user", "monitor", "--json=short"],
                                     env=bus.env, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=self._file, text=True)
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()
        bus.fx.dump_on_failure("signals", self.path)
        bus.fx.defer(self.stop)
        # busctl is ready once it sees its own NameAcquired/monitor traffic: make
        # some and wait for it, so no later signal can be missed.
        def ready():
            bus.gdbus_call("/org/freedesktop/DBus", "org.freedesktop.DBus.GetId",
                           dest="org.freedesktop.DBus")
            return self._lines > 0
        wait_until(ready, 10, "busctl monitor to start recording", interval=0.2)

    def _read(self):
        for line in self.proc.stdout:
            now = time.monotonic()
            self._lines += 1
            line = line.strip()
            if not line.startswith("{"):
                continue
            try:
                m = json.loads(line)
            except ValueError:
                continue
            if m.get("type") != "signal":
                continue
            payload = m.get("payload") or {}
            sig = Signal(now, m.get("path"), m.get("interface"), m.get("member"),
                         payload.get("data") or [])
            with self._lock:
                self.signals.append(sig)
            self._file.write(repr(sig) + "\n")
            self._file.flush()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(3)
        self._file.close()

    def mark(self):
        """An index to pass as since= to only look at later signals."""
        with self._lock:
            return len(self.signals)

    def find(self, member=None, path=None, since=0, iface=None):
        with self._lock:
            sigs = self.signals[since:]
        return [s for s in sigs
                if (member is None or s.member == member)
                and (path is None or s.path == path)
                and (iface is None or s.iface == iface)]

    def wait(self, member, path=None, since=0, timeout=20, pred=None, what=None):
        """Wait for a signal (with pred(signal) true); returns it."""
        def found():
            for s in self.find(member, path, since):
                if pred is None or pred(s):
                    return s
            return None
        return wait_until(found, timeout, what or "signal %s on %s" % (member, path),
                          interval=0.05)

    def states(self, path, since=0):
        """[(old, new, reason)] of StateChanged on path."""
        return [tuple(s.args) for s in self.find("StateChanged", path, since)]


# ---------------------------------------------------------------- tunnels

def reason_details(props):
    """StateReasonDetails as {key: value} (busctl's JSON wraps each value
    as {"type", "data"})."""
    return {k: v["data"] if isinstance(v, dict) and "data" in v else v
            for k, v in props.get("StateReasonDetails", {}).items()}


def check_reason(props, code, what, **details):
    """The tunnel's properties say why with StateReasonCode == code and these
    details (keys with "_" for "-"), never only in the translated text."""
    got = props.get("StateReasonCode")
    have = reason_details(props)
    check(got == code, "%s: StateReasonCode %r, expected %r (StateReason %r, details %r)"
          % (what, got, code, props.get("StateReason"), have))
    for key, value in details.items():
        key = key.replace("_", "-")
        check(have.get(key) == value, "%s: detail %s is %r, expected %r (details %r)"
              % (what, key, have.get(key), value, have))
    return have


def wait_state(bus, name, states, timeout, what=None):
    """Wait for the tunnel's State to be one of states; returns all properties."""
    if isinstance(states, str):
        states = (states,)
    last = {}

    def ok():
        props = bus.tunnel_props(name)
        last.clear()
        last.update(props)
        return props if props.get("State") in states else None
    try:
        return wait_until(ok, timeout, what or "tunnel %s to be %s" % (name, "/".join(states)),
                          interval=0.2)
    except TestFailure as e:
        raise TestFailure("%s; last State %r, StateReason %r" % (
            e, last.get("State"), last.get("StateReason")))


# ---------------------------------------------------------------- a whole test world

class World:
    """A bus + signal recorder, optionally an sshd with a hello target behind it,
    and the service (started by hand so its pid and log are ours)."""

    def __init__(self, fx, sshd=True, start=True, **sshd_args):
        self.fx = fx
        self.bus = Bus(fx)
        self.rec = SignalRecorder(self.bus)
        self.sshd = Sshd(fx, **sshd_args) if sshd else None
        self.target = hello_server(fx) if sshd else None
        self.known_hosts = None
        if sshd:
            self.known_hosts = os.path.join(self.bus.dir, "known_hosts")
            with open(self.sshd.host_key + ".pub") as f:
                key = f.read().split()
            with open(self.known_hosts, "w") as f:
                f.write("[127.0.0.1]:%d %s %s\n" % (self.sshd.port, key[0], key[1]))
        self.service = None
        if start:
            self.start_service()

    def start_service(self, *args):
        self.service = Service(self.bus).start(*args)
        return self.service

    def restart_service(self, timeout=15):
        """SIGTERM the service, check it and its ssh are gone, start a new one."""
        old = self.service
        sshs = [ProcRef(p) for p in old.ssh_children()]
        old.signal(signal.SIGTERM)
        old.wait_exit(timeout)
        for r in sshs:
            wait_until(lambda: not r.alive(), 6, "ssh %r to exit with the service" % r)
        return self.start_service()

    def settings(self, lport=None, **over):
        s = {
            "Destination": "127.0.0.1",
            "Port": GV("q", self.sshd.port),
            "User": "root",
            "IdentityFile": self.sshd.client_key,
            "SshOptions": ["IdentitiesOnly=yes",
                           "UserKnownHostsFile=%s" % self.known_hosts,
                           "StrictHostKeyChecking=yes"],
        }
        if lport is not None:
            s["LocalForward"] = ["%d:127.0.0.1:%d" % (lport, self.target.port)]
        for k, v in over.items():
            if v is None:
                s.pop(k, None)
            else:
                s[k] = v
        return s

    def keyfile_text(self, lport, autostart=True, extra=""):
        return ("[Tunnel]\nDestination=127.0.0.1\nPort=%d\nUser=root\nIdentityFile=%s\n"
                "LocalForward=%d:127.0.0.1:%d;\n"
                "SshOptions=IdentitiesOnly=yes;UserKnownHostsFile=%s;"
                "StrictHostKeyChecking=yes;\nAutoStart=%s\n%s"
                % (self.sshd.port, self.sshd.client_key, lport, self.target.port,
                   self.known_hosts, "true" if autostart else "false", extra))

    def add(self, name, start=True, **over):
        """AddTunnel with a local forward; returns the forward's local port."""
        lport = free_port()
        res = self.bus.manager("AddTunnel", name, self.settings(lport, **over), start)
        check(res.ok, "AddTunnel %s failed: %s" % (name, res.describe()))
        got = res.value()[0]
        check(got == tunnel_path(name), "AddTunnel returned %r, expected %r"
              % (got, tunnel_path(name)))
        return lport

    def connected(self, name, timeout=20):
        return wait_state(self.bus, name, "connected", timeout)
