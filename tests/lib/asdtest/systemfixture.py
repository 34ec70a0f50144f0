"""Fixtures for the system service (autosshd --system) tests: a private
system-like bus that loads the built D-Bus policy file
(build/data/system/io.github.autosshd1.conf, exported to the service as
DBUS_SYSTEM_BUS_ADDRESS; the machine's own system bus is never touched),
python3-dbusmock's polkitd template on it, a system user of the test run
for the service, and callers of other uids (setpriv).

Builds on busfixture.py (Bus, Service, the waits) and sshfixture.py.  The
service runs as its user with the directories systemd would give it
(CONFIGURATION_DIRECTORY, STATE_DIRECTORY, RUNTIME_DIRECTORY and, when a
test gives credentials, CREDENTIALS_DIRECTORY) and no session bus in its
environment at all.  Every program started here is checked at the end of
the test: the service exits 0 with no sanitizer report (busfixture's
Service), dbus-daemon and the polkit mock end by the SIGTERM sent them.
"""

import fcntl
import glob
import json
import os
import pwd
import re
import shutil
import signal
import subprocess
import tempfile

from .busfixture import BUS_NAME, GDBUS, BUSCTL, DBUS_DAEMON, Bus, Raw, Service, gvariant_text
from .sshfixture import ProcRef, Sshd, check, hello_server, kill_refs, run, wait_until

SETPRIV = shutil.which("setpriv") or "/usr/bin/setpriv"
SYSTEM_PYTHON = "/usr/bin/python3"       # Debian's, with python3-dbusmock
DBUS_MONITOR = shutil.which("dbus-monitor") or "/usr/bin/dbus-monitor"
POLKIT = "org.freedesktop.PolicyKit1"
POLKIT_PATH = "/org/freedesktop/PolicyKit1/Authority"
MOCK_IFACE = "org.freedesktop.DBus.Mock"
CONTROL = "io.github.autosshd1.control"
MANAGE = "io.github.autosshd1.manage"

# Like Debian's /usr/share/dbus-1/system.conf: method calls are denied
# unless a policy allows them; root may own anything (the polkit mock).
SYSTEM_BUS_CONF = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Properties"/>
    <!-- as polkit's own system.d file -->
    <allow send_destination="org.freedesktop.PolicyKit1"/>
  </policy>
  <policy user="root">
    <allow own="*"/>
    <allow send_type="method_call"/>
  </policy>
  <!-- the installed file names the user autosshd; this run's service user
       stands in for it -->
  <policy user="{user}">
    <allow own="io.github.autosshd1"/>
  </policy>
  <include>{policy}</include>
</busconfig>
"""


def as_uid(uid, gid=None):
    """The prefix that runs a command as uid (and gid), without groups."""
    return [SETPRIV, "--reuid=%d" % uid, "--regid=%d" % (uid if gid is None else gid),
            "--clear-groups"]


class ServiceUser:
    """A system user of this test run (PREFIX + pid, created if absent,
    removed at the end; dbus-daemon refuses uids without one), whose home
    is the service's state directory: ssh reads its ~/.ssh (keys,
    known_hosts) from the passwd entry."""

    def __init__(self, fx, home, prefix="asdt"):
        self.name = "%s%d" % (prefix, os.getpid())
        try:
            pwd.getpwnam(self.name)
        except KeyError:
            run(["useradd", "--system", "--user-group", "--home-dir", home, "--no-create-home",
                 "--shell", "/usr/sbin/nologin", self.name])
            fx.defer(self.remove)
        pw = pwd.getpwnam(self.name)
        self.uid, self.gid = pw.pw_uid, pw.pw_gid

    def remove(self):
        subprocess.run(["userdel", self.name], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def own(self, path, mode):
        os.chown(path, self.uid, self.gid)
        os.chmod(path, mode)

    def mkdir(self, path, mode=0o700):
        os.makedirs(path, exist_ok=True)
        self.own(path, mode)
        return path


class Coverage:
    """In a coverage build (-Db_coverage=true) the service, running as its
    own user, cannot write the build tree's .gcda files: it writes them
    under a directory of its own (GCOV_PREFIX), and at the end of the test
    they are merged into the build tree with gcov-tool, each file under the
    same lock (fcntl) that gcov's runtime takes, so services of other tests
    ending at the same time lose nothing.  Outside coverage builds: nothing."""

    def __init__(self, fx, bus):
        self.fx = fx
        build = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(bus.bin))))
        self.enabled = bool(glob.glob(os.path.join(build, "service", "*", "*.p", "*.gcno")))
        self.prefix = os.path.join(bus.dir, "gcov")
        self.env = {}
        if self.enabled:
            bus.user.mkdir(self.prefix)
            self.env = {"GCOV_PREFIX": self.prefix, "GCOV_PREFIX_STRIP": "0"}
            fx.defer(self.merge)

    def merge(self):
        for root, _, files in os.walk(self.prefix):
            for name in files:
                if name.endswith(".gcda"):
                    ours = os.path.join(root, name)
                    self._merge_one(ours, ours[len(self.prefix):])

    def _merge_one(self, ours, target):
        tool = shutil.which("gcov-tool") or "/usr/bin/gcov-tool"
        fd = os.open(target, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX)
            with tempfile.TemporaryDirectory() as tmp:
                a, b, out = (os.path.join(tmp, d) for d in ("a", "b", "out"))
                os.makedirs(a)
                os.makedirs(b)
                shutil.copy(ours, os.path.join(a, "f.gcda"))
                if os.fstat(fd).st_size == 0:
                    merged = os.path.join(a, "f.gcda")
                else:
                    shutil.copy(target, os.path.join(b, "f.gcda"))
                    res = subprocess.run([tool, "merge", "-o", out, a, b],
                                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
                    merged = os.path.join(out, "f.gcda")
                    if res.returncode != 0 or not os.path.exists(merged):
                        self.fx.problem("gcov-tool merge of %s failed: %s" % (target, res.stdout))
                        return
                with open(merged, "rb") as f:
                    data = f.read()
                os.lseek(fd, 0, os.SEEK_SET)
                os.ftruncate(fd, 0)
                os.write(fd, data)
        finally:
            os.close(fd)


class SystemBus(Bus):
    """The system-like bus and the service's environment and directories.
    Attributes as Bus (dir, tunnels_dir, address, env, service_env, wrap),
    plus user (ServiceUser), home (its ~), state_dir, runtime_dir,
    credentials_dir and caller_uid, the uid of another user of the test
    run (asdcPID), for unprivileged callers."""

    def __init__(self, fx):
        self.fx = fx
        self.bin = os.environ.get("AUTOSSHD_BIN")
        check(self.bin and os.access(self.bin, os.X_OK),
              "AUTOSSHD_BIN is not set to an executable (%r)" % self.bin)
        self.policy = os.environ.get("ASD_SYSTEM_BUS_POLICY", "")
        check(os.path.isfile(self.policy),
              "ASD_SYSTEM_BUS_POLICY is not the built policy file (%r)" % self.policy)
        self.dir = fx.tempdir()
        os.chmod(self.dir, 0o755)           # the service's user passes through
        d = self.dir
        self.state_dir = self.home = os.path.join(d, "state")
        self.user = ServiceUser(fx, self.home)
        self.config_dir = os.path.join(d, "etc", "autosshd")
        self.tunnels_dir = os.path.join(self.config_dir, "tunnels")
        self.runtime_dir = os.path.join(d, "run")
        self.credentials_dir = os.path.join(d, "credentials")
        os.makedirs(os.path.join(d, "etc"))
        os.chmod(os.path.join(d, "etc"), 0o755)
        os.makedirs(self.config_dir, mode=0o755)
        for p in (self.home, os.path.join(self.home, ".ssh"), self.tunnels_dir,
                  self.runtime_dir, self.credentials_dir):
            self.user.mkdir(p)
        self.caller_uid = ServiceUser(fx, "/nonexistent", prefix="asdc").uid
        self.sockdir = os.path.join(d, "bus")
        os.makedirs(self.sockdir, mode=0o755)
        self.socket = os.path.join(self.sockdir, "system_bus_socket")
        self.conf = os.path.join(d, "system-bus.conf")
        with open(self.conf, "w") as f:
            f.write(SYSTEM_BUS_CONF.format(socket=self.socket, user=self.user.name,
                                           policy=self.policy))
        self.log_path = os.path.join(d, "dbus-daemon.log")
        self.expected_status = {}
        self.guard = None
        fx.dump_on_failure("system dbus-daemon", self.log_path)
        self._start_system_daemon()
        base = {k: v for k, v in os.environ.items()
                if not k.startswith(("DBUS_", "XDG_", "AUTOSSH_", "G_", "CREDENTIALS_"))
                and k not in ("SSH_AUTH_SOCK", "SSH_AGENT_PID", "DISPLAY", "WAYLAND_DISPLAY",
                              "HOME", "CONFIGURATION_DIRECTORY", "STATE_DIRECTORY",
                              "RUNTIME_DIRECTORY")}
        base.update({"DBUS_SYSTEM_BUS_ADDRESS": self.address, "LC_ALL": "C.UTF-8",
                     "LANGUAGE": "C"})
        self.env = dict(base)
        # what systemd gives the unit, and nothing of a session
        self.service_env = dict(base)
        self.service_env.update({
            "HOME": self.home,
            "CONFIGURATION_DIRECTORY": self.config_dir,
            "STATE_DIRECTORY": self.state_dir,
            "RUNTIME_DIRECTORY": self.runtime_dir,
            "G_DEBUG": "fatal-criticals",
            "G_MESSAGES_DEBUG": "all",
        })
        if os.environ.get("AUTOSSHD_ASKPASS"):
            self.service_env["AUTOSSHD_ASKPASS"] = os.environ["AUTOSSHD_ASKPASS"]
        self.service_env.update(Coverage(fx, self).env)
        self.wrap = as_uid(self.user.uid, self.user.gid)

    def _start_system_daemon(self):
        r, w = os.pipe()
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [DBUS_DAEMON, "--config-file=" + self.conf, "--nofork", "--nopidfile",
             "--print-address=%d" % w],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log, pass_fds=(w,))
        log.close()
        os.close(w)
        self.ref = ProcRef(self.proc.pid)
        self.fx.defer(self._stop_system_daemon)
        with os.fdopen(r) as f:
            line = f.readline().strip()
        check(line.startswith("unix:"), "dbus-daemon printed no address (%r), status %s; "
              "did it refuse the policy file?" % (line, self.proc.poll()))
        self.address = line

    def _stop_system_daemon(self):
        if self.proc.poll() is None:
            self.ref.signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.ref.signal(signal.SIGKILL)
                self.proc.wait(5)
                self.fx.problem("dbus-daemon did not exit within 5 s of SIGTERM")
                return
        if self.proc.returncode not in (0, -signal.SIGTERM):
            self.fx.problem("dbus-daemon ended with status %s" % self.proc.returncode)

    # --- commands, as root or as another uid -----------------------------------

    def run(self, argv, timeout=30, check_ok=False, input=None, uid=None):
        if uid is not None:
            argv = as_uid(uid) + argv
        return Bus.run(self, argv, timeout=timeout, check_ok=check_ok, input=input)

    def gdbus_call(self, path, method, *args, dest=BUS_NAME, timeout=30, check_ok=False,
                   uid=None):
        argv = [GDBUS, "call", "--system", "--dest", dest, "--object-path", path,
                "--method", method, "--timeout", str(timeout)]
        for a in args:
            argv.append(a.text if isinstance(a, Raw) else gvariant_text(a))
        return self.run(argv, timeout=timeout + 5, check_ok=check_ok, uid=uid)

    def busctl(self, *args, timeout=30, check_ok=False, uid=None, interactive=False):
        argv = [BUSCTL, "--address=" + self.address,
                "--allow-interactive-authorization=" + ("yes" if interactive else "no")]
        return self.run(argv + list(args), timeout=timeout, check_ok=check_ok, uid=uid)

    def write_tunnel_file(self, name, text, mode=0o600):
        p = Bus.write_tunnel_file(self, name, text, mode)
        self.user.own(p, mode)
        return p

    def write_credential(self, name, text):
        p = os.path.join(self.credentials_dir, name)
        with open(p, "w") as f:
            f.write(text)
        self.user.own(p, 0o400)
        self.service_env["CREDENTIALS_DIRECTORY"] = self.credentials_dir
        return p


class PolkitMock:
    """python3-dbusmock's polkitd template on the system-like bus: denies
    every action until set_allowed(); records nothing itself (see
    PolkitCalls)."""

    def __init__(self, bus):
        self.bus = bus
        self.out_path = os.path.join(bus.dir, "polkitd-mock.out")
        out = open(self.out_path, "ab")
        self.proc = subprocess.Popen([SYSTEM_PYTHON, "-m", "dbusmock", "--system",
                                      "--template", "polkitd"],
                                     env=bus.env, stdin=subprocess.DEVNULL, stdout=out,
                                     stderr=out)
        out.close()
        self.ref = ProcRef(self.proc.pid)
        bus.fx.defer(self.stop)
        bus.fx.dump_on_failure("polkitd mock", self.out_path)

        def up():
            check(self.proc.poll() is None, "the polkitd mock exited with status %s"
                  % self.proc.returncode)
            res = bus.gdbus_call("/org/freedesktop/DBus", "org.freedesktop.DBus.NameHasOwner",
                                 POLKIT, dest="org.freedesktop.DBus", check_ok=True)
            return res.value()[0]
        wait_until(up, 15, "the polkitd mock to own %s" % POLKIT, interval=0.1)

    def set_allowed(self, actions):
        self.bus.gdbus_call(POLKIT_PATH, MOCK_IFACE + ".SetAllowed", list(actions),
                            dest=POLKIT, check_ok=True)

    def stop(self):
        if self.proc.poll() is None:
            kill_refs([self.ref], grace=5.0)
        self.proc.wait(5)
        if self.proc.returncode not in (0, -signal.SIGTERM):
            self.bus.fx.problem("the polkitd mock ended with status %s" % self.proc.returncode)


class PolkitCalls:
    """dbus-monitor (as root) recording CheckAuthorization calls on the bus:
    calls() gives [(action_id, flags)]."""

    def __init__(self, bus):
        self.bus = bus
        self.path = os.path.join(bus.dir, "polkit-calls.log")
        self._file = open(self.path, "w")
        self.proc = subprocess.Popen(
            [DBUS_MONITOR, "--address", bus.address,
             "type='method_call',interface='org.freedesktop.PolicyKit1.Authority',"
             "member='CheckAuthorization'"],
            stdin=subprocess.DEVNULL, stdout=self._file, stderr=subprocess.STDOUT)
        bus.fx.defer(self.stop)
        bus.fx.dump_on_failure("CheckAuthorization calls", self.path)
        wait_until(lambda: os.path.getsize(self.path) > 0, 10, "dbus-monitor to start")

    def calls(self):
        with open(self.path, errors="replace") as f:
            text = f.read()
        out = []
        for block in text.split("method call ")[1:]:
            if "member=CheckAuthorization" not in block:
                continue
            action = re.search(r'^   string "(io\.github\.[^"]+)"$', block, re.M)
            flags = re.search(r"^   uint32 (\d+)$", block, re.M)
            if action and flags:
                out.append((action.group(1), int(flags.group(1))))
        return out

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(5)
        self._file.close()


ALLOW_INTERACTIVE = 0x4      # the D-Bus header flag ALLOW_INTERACTIVE_AUTHORIZATION


class MethodCalls:
    """`busctl monitor --json=short` (as root) recording the calls of one
    method of the service: calls() gives each call's header flags."""

    def __init__(self, bus, member):
        self.bus = bus
        self.member = member
        self.path = os.path.join(bus.dir, "calls-%s.log" % member)
        self._file = open(self.path, "w")
        self.proc = subprocess.Popen([BUSCTL, "--address=" + bus.address, "monitor",
                                      "--json=short", BUS_NAME],
                                     stdin=subprocess.DEVNULL, stdout=self._file,
                                     stderr=subprocess.STDOUT)
        bus.fx.defer(self.stop)
        bus.fx.dump_on_failure("%s calls" % member, self.path)
        wait_until(lambda: os.path.getsize(self.path) > 0 or self.poke(), 10,
                   "busctl monitor to start", interval=0.2)

    def poke(self):
        self.bus.busctl("call", "org.freedesktop.DBus", "/org/freedesktop/DBus",
                        "org.freedesktop.DBus", "GetNameOwner", "s", BUS_NAME)
        return False

    def calls(self):
        out = []
        with open(self.path, errors="replace") as f:
            for line in f:
                try:
                    m = json.loads(line)
                except ValueError:
                    continue
                if m.get("type") == "method_call" and m.get("member") == self.member:
                    out.append(m.get("flags", 0))
        return out

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(5)
        self._file.close()


class SystemWorld:
    """The system-like bus with the polkit mock, an sshd with a hello target
    behind it, the service user's key and known_hosts, and the service
    (autosshd --system, started by hand as its user)."""

    def __init__(self, fx, start=True, tunnels=()):
        self.fx = fx
        self.bus = SystemBus(fx)
        self.polkit = PolkitMock(self.bus)
        self.sshd = Sshd(fx)
        self.target = hello_server(fx)
        ssh_dir = os.path.join(self.bus.home, ".ssh")
        self.key = os.path.join(ssh_dir, "id_ed25519")
        shutil.copy(self.sshd.client_key, self.key)
        self.bus.user.own(self.key, 0o600)
        with open(self.sshd.host_key + ".pub") as f:
            host_key = f.read().split()
        known_hosts = os.path.join(ssh_dir, "known_hosts")
        with open(known_hosts, "w") as f:
            f.write("[127.0.0.1]:%d %s %s\n" % (self.sshd.port, host_key[0], host_key[1]))
        self.bus.user.own(known_hosts, 0o600)
        self.service = None
        if start:
            self.start_service()

    def add_key(self, name, passphrase):
        """Another key for the service's user, with a passphrase, that the
        server accepts; returns its path."""
        path = os.path.join(self.bus.home, ".ssh", name)
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", passphrase, "-C", name, "-f", path])
        with open(path + ".pub") as src, \
                open(os.path.join(self.sshd.dir, "authorized_keys"), "a") as dst:
            dst.write(src.read())
        self.bus.user.own(path, 0o600)
        return path

    def tunnel_text(self, lport, key=None, autostart=True, extra=""):
        """A tunnel file: a local forward to the hello target, with the
        service user's own known_hosts (ssh's default)."""
        return ("[Tunnel]\nDestination=127.0.0.1\nPort=%d\nUser=root\nIdentityFile=%s\n"
                "LocalForward=%d:127.0.0.1:%d;\nSshOptions=IdentitiesOnly=yes;\n"
                "AutoStart=%s\n%s"
                % (self.sshd.port, key or self.key, lport, self.target.port,
                   "true" if autostart else "false", extra))

    def start_service(self, timeout=15):
        self.service = Service(self.bus).start("--system", timeout=timeout)
        return self.service
