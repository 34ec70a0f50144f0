#!/usr/bin/env python3
"""Integration tests for `autosshctl`, the command line of autosshd: the built
client against the built service on a private dbus-daemon, with a real sshd
on 127.0.0.1 (tests/lib/asdtest: busfixture.py, sshfixture.py).

Run by meson, one test per case (`meson test -C build autosshctl-list`);
by hand: PYTHONPATH=tests/lib AUTOSSHD_BIN=... AUTOSSHCTL_BIN=...
/usr/bin/python3 test_autosshctl.py [AutosshctlTest.test_NAME | NAME ...]
Exit status: 0 pass, 1 fail, 77 skipped (not root, or no /usr/sbin/sshd).

The passphrase and trust commands need a real gnome-keyring / an unknown
host key; here only their error exits are tested.
"""

import fcntl
import json
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import threading
import time

sys.dont_write_bytecode = True      # no __pycache__ in the source tree
HERE = os.path.dirname(os.path.abspath(__file__))

from asdtest import Skip, TestCase, main, requires  # noqa: E402
from asdtest.busfixture import (  # noqa: E402
    BUS_NAME, GV, MANAGER_IFACE, MANAGER_PATH, CallResult, ProcRef, Service, World,
    read_keyfile, tunnel_path, wait_state)
from asdtest.sshfixture import (  # noqa: E402
    sshd_skip_reason,
    SSH_KEYGEN, TestFailure, check, free_port, kill_refs, run,
    wait_forward, wait_until, write_script)

COMMANDS = ["list", "status", "add", "remove", "start", "stop", "restart", "wait", "set",
            "edit", "reload", "enable", "disable", "passphrase", "trust", "monitor", "logs",
            "version"]
EXIT_OK, EXIT_FAILURE, EXIT_INVALID, EXIT_NOT_FOUND, EXIT_UNAVAILABLE, EXIT_TIMED_OUT = range(6)
TIME_RE = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d"
DURATION_RE = r"\d+\.\d s|\d+ s|\d+ min \d+ s|\d+ h \d+ min|\d+ d \d+ h"
# Properties that change on their own while a tunnel runs
VOLATILE = {"LastProbe", "ProbeLatency", "NextRetry"}


def ctl_bin():
    path = os.environ.get("AUTOSSHCTL_BIN")
    check(path and os.access(path, os.X_OK),
          "AUTOSSHCTL_BIN is not set to an executable (%r)" % path)
    return path


def ctl(bus, *args, timeout=30):
    """autosshctl ARGS on the test bus (stdin /dev/null); a CallResult."""
    return bus.run([ctl_bin()] + list(args), timeout=timeout)


def ctl_ok(bus, *args, **kw):
    res = ctl(bus, *args, **kw)
    check(res.rc == 0, "expected exit 0: " + res.describe())
    return res


def expect_exit(res, code, what, message=None, errors=None):
    """res exited with code and printed one "autosshctl: ..." line on stderr
    (containing message, when given); with errors, failures are collected."""
    try:
        check(res.rc == code, "%s: expected exit %d, got %s" % (what, code, res.describe()))
        check(res.stderr.startswith("autosshctl: "),
              "%s: stderr does not start with 'autosshctl: ': %r" % (what, res.stderr))
        check("GDBus.Error" not in res.stderr,
              "%s: the D-Bus error name was not stripped: %r" % (what, res.stderr))
        if message is not None:
            check(message in res.stderr, "%s: stderr %r lacks %r" % (what, res.stderr, message))
    except TestFailure as e:
        if errors is None:
            raise
        errors.append(str(e))


def report(errors):
    check(not errors, "%d problem(s):\n  %s" % (len(errors), "\n  ".join(errors)))


def remote_message(res):
    """The service's message from a failed `gdbus call` (prefix stripped)."""
    m = re.search(r"GDBus\.Error:[A-Za-z0-9_.]+: (.*)", res.stderr, re.S)
    check(m, "no D-Bus error in %s" % res.describe())
    return m.group(1).strip()


def split_row(line):
    """A table row: columns are two or more spaces apart."""
    return re.split(r" {2,}", line.rstrip("\n"))


def table(res):
    lines = [l for l in res.stdout.splitlines() if l.strip()]
    check(lines, "no table in " + res.describe())
    header = split_row(lines[0])
    check(header == ["NAME", "STATE", "ENABLED", "DESTINATION", "FORWARDS", "UPTIME/REASON"],
          "table header %r" % header)
    return {row[0]: row for row in map(split_row, lines[1:])}


REASON_KEYS = {"reason_code", "reason_details"}
EXTRA_KEYS = REASON_KEYS | {"ssh_config_forwards"}


def plain(value):
    """busctl's JSON of a value without its variant wrappers: an a{sv} is
    {key: {"type": t, "data": d}} there, {key: d} in autosshctl's JSON."""
    if isinstance(value, dict):
        if set(value) == {"type", "data"}:
            return plain(value["data"])
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def compare_props(got, want, what, errors):
    """autosshctl's JSON object against busctl's GetAll, field by field; the
    object also has reason_code and reason_details, StateReasonCode and
    StateReasonDetails under the names `monitor --json` uses, and
    ssh_config_forwards (a list of strings)."""
    want = {k: plain(v) for k, v in want.items()}
    if set(got) != set(want) | EXTRA_KEYS:
        errors.append("%s: keys %s, the API has %s and %s" % (what, sorted(got), sorted(want),
                                                               sorted(EXTRA_KEYS)))
    forwards = got.get("ssh_config_forwards")
    if not isinstance(forwards, list) or not all(type(f) is str for f in forwards):
        errors.append("%s: ssh_config_forwards %r is not a list of strings" % (what, forwards))
    if got.get("reason_code") != want.get("StateReasonCode", "") or \
            type(got.get("reason_code")) is not str:
        errors.append("%s: reason_code %r, StateReasonCode %r" % (what, got.get("reason_code"),
                                                                 want.get("StateReasonCode")))
    if got.get("reason_details") != want.get("StateReasonDetails", {}) or \
            type(got.get("reason_details")) is not dict:
        errors.append("%s: reason_details %r, StateReasonDetails %r"
                      % (what, got.get("reason_details"), want.get("StateReasonDetails")))
    for key, value in want.items():
        if key not in got:
            continue
        if key in VOLATILE:
            if type(got[key]) is not int:
                errors.append("%s: %s is %r, not a number" % (what, key, got[key]))
            continue
        if got[key] != value or type(got[key]) is not type(value):
            errors.append("%s: %s is %r, the bus says %r" % (what, key, got[key], value))


def adopt_activated(bus):
    """Track the service that D-Bus activation started, for checks and cleanup."""
    pid = bus.owner_pid()
    check(pid, "%s has no owner" % BUS_NAME)
    svc = Service(bus)
    svc.ref = ProcRef(pid)
    bus.guard = svc.check_alive
    return svc


def ssh_config_world(fx):
    """A World whose service's ~/.ssh/config reaches the test sshd as
    root@127.0.0.1 (so `autosshctl add` needs no ssh options)."""
    w = World(fx)
    if not w.bus.wrap:
        raise Skip("cannot give the service a private ~/.ssh/config (needs unshare)")
    w.bus.write_ssh_config(
        "Host 127.0.0.1\n  Port %d\n  IdentityFile %s\n  IdentitiesOnly yes\n"
        "  UserKnownHostsFile %s\n  StrictHostKeyChecking yes\n"
        % (w.sshd.port, w.sshd.client_key, w.known_hosts))
    return w


def german_wrap():
    """A command prefix that runs a program with the built German catalogue
    bind-mounted onto LOCALEDIR in a private mount namespace (the real
    system is left as it is); Skip without root or unshare."""
    import shutil
    mo = os.environ.get("AUTOSSHD_MO")
    localedir = os.environ.get("AUTOSSHD_LOCALEDIR")
    check(mo and localedir, "AUTOSSHD_MO and AUTOSSHD_LOCALEDIR are not set")
    check(os.path.isfile(mo), "the German catalogue %s was not built" % mo)
    # `meson test` builds only what tests depend on, and not the catalogues
    po = os.path.join(HERE, "..", "..", "po", "de.po")
    check(os.path.getmtime(mo) >= os.path.getmtime(po),
          "%s is older than po/de.po: run `meson compile` first" % mo)
    if os.geteuid() != 0 or not shutil.which("unshare"):
        raise Skip("mounting the catalogue onto %s needs root and unshare" % localedir)
    target_dir = os.path.join(localedir, "de", "LC_MESSAGES")
    target = os.path.join(target_dir, "autosshd.mo")
    # Where the path ends on this system: a tmpfs there (in the namespace
    # only) lets the missing directories and the file be made.
    tmpfs = ""
    if not os.path.isfile(target):
        tmpfs = target_dir
        while not os.path.isdir(tmpfs):
            tmpfs = os.path.dirname(tmpfs)
        for path in (ctl_bin(), os.path.realpath(mo), sys.executable):
            if tmpfs == "/" or os.path.realpath(path).startswith(tmpfs.rstrip("/") + "/"):
                raise Skip("a tmpfs on %s would hide %s" % (tmpfs, path))
    wrap = [shutil.which("unshare"), "--mount", "--propagation", "private", "--",
            "/bin/sh", "-ec",
            'if [ -n "$3" ]; then mount -t tmpfs autosshd-locale "$3"; fi\n'
            'mkdir -p "$2"; [ -e "$2/autosshd.mo" ] || : > "$2/autosshd.mo"\n'
            'mount --bind "$1" "$2/autosshd.mo"; shift 3; exec "$@"',
            "sh", mo, target_dir, tmpfs]
    return wrap


def run_german(wrap, bus, language, *args):
    """autosshctl ARGS in the namespace of wrap, with LANGUAGE=language and
    LC_ALL=C.UTF-8 (the service keeps its own environment)."""
    env = dict(bus.env, LANGUAGE=language, LC_ALL="C.UTF-8")
    p = subprocess.run(wrap + [ctl_bin()] + list(args), env=env, stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=30)
    check(not re.search(r"^(mount|unshare|mkdir|sh): ", p.stderr, re.M) and
          p.returncode not in (126, 127),
          "the namespace for %s failed (exit %d): %r" % (args, p.returncode, p.stderr))
    return p


class Lines:
    """A long-running autosshctl (monitor) whose stdout lines are collected."""

    def __init__(self, fx, bus, *args):
        self.lines = []
        self._lock = threading.Lock()
        self.err_path = os.path.join(bus.dir, "monitor-%d.stderr" % len(args))
        err = open(self.err_path, "w")
        self.proc = subprocess.Popen([ctl_bin()] + list(args), env=bus.env,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=err, text=True)
        err.close()
        self.ref = ProcRef(self.proc.pid)
        fx.dump_on_failure("autosshctl %s stderr" % " ".join(args), self.err_path)
        fx.defer(self.stop)
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self):
        for line in self.proc.stdout:
            with self._lock:
                self.lines.append(line.rstrip("\n"))

    def since(self, mark=0):
        with self._lock:
            return list(self.lines[mark:])

    def mark(self):
        with self._lock:
            return len(self.lines)

    def wait(self, pred, what, since=0, timeout=20):
        def found():
            check(self.proc.poll() is None or self.since(since),
                  "autosshctl monitor exited (%s)" % self.proc.poll())
            for i, line in enumerate(self.since(since)):
                if pred(line):
                    return (since + i, line)
            return None
        try:
            return wait_until(found, timeout, what, interval=0.05)
        except TestFailure as e:
            raise TestFailure("%s; lines so far:\n  %s" % (e, "\n  ".join(self.since())))

    def stop(self):
        if self.proc.poll() is None:
            kill_refs([self.ref], grace=2.0)
        self.proc.wait(5)


def run_pty(bus, *args, env=None, answer=None, columns=200, timeout=30):
    """autosshctl ARGS with a pty (columns wide) as stdin, stdout and stderr;
    answer: (prompt, reply) typed once the prompt is shown.  Returns (rc,
    output with "\\r\\n" as "\\n")."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    proc = subprocess.Popen([ctl_bin()] + list(args), env=dict(bus.env, **(env or {})),
                            stdin=slave, stdout=slave, stderr=slave, start_new_session=True)
    os.close(slave)
    out, answered, end = b"", answer is None, time.monotonic() + timeout
    try:
        while time.monotonic() < end:
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(master, 4096)
                except OSError:         # EIO: every writer is gone
                    break
                if not chunk:
                    break
                out += chunk
            if not answered and answer[0].encode() in out:
                os.write(master, answer[1].encode())
                answered = True
        rc = proc.wait(max(end - time.monotonic(), 0.1))
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise TestFailure("autosshctl %s did not finish within %d s; output %r"
                          % (" ".join(args), timeout, out))
    finally:
        os.close(master)
    return rc, out.decode("utf-8", "replace").replace("\r\n", "\n")


def editor_script(bus, *texts):
    """An EDITOR that writes texts[N] over the file on its Nth run (the last
    one on later runs) and records the file's path and the modes of the file
    and its directory in editor.log."""
    d = bus.dir
    for i, text in enumerate(texts):
        with open(os.path.join(d, "edit-%d.conf" % i), "w") as f:
            f.write(text)
    log = os.path.join(d, "editor.log")
    open(log, "w").close()
    script = write_script(d, "editor.sh", (
        'n=$(wc -l < "{log}")\n'
        '[ "$n" -lt {last} ] || n={last}\n'
        'echo "$1 $(stat -c %a "$1") $(stat -c %a "$(dirname "$1")")" >> "{log}"\n'
        'cat "{d}/edit-$n.conf" > "$1"\n').format(log=log, last=len(texts) - 1, d=d))
    return script, log


def editor_runs(log):
    """[(path, file mode, dir mode)] of editor_script's runs."""
    if not os.path.exists(log):
        return []
    with open(log) as f:
        return [tuple(line.split()) for line in f if line.strip()]


# ---------------------------------------------------------------- tests

class AutosshctlTest(TestCase):
    """autosshctl against the service on a private bus (one method per meson test)."""

    # ---------------------------------------------------------------- tests

    @requires(sshd_skip_reason)
    def test_list(self):
        fx = self.fx
        w = World(fx)
        bus = w.bus
        lport = w.add("web-1")
        w.add("idle", start=False)
        w.connected("web-1")
        errors = []

        res = ctl_ok(bus, "list")
        rows = table(res)
        check(sorted(rows) == ["idle", "web-1"], "rows %r" % sorted(rows))
        web, idle = rows["web-1"], rows["idle"]
        fwd = "-L %d:127.0.0.1:%d" % (lport, w.target.port)
        check(web[1:5] == ["connected", "yes", "root@127.0.0.1", fwd], "web-1 row %r" % web)
        check(len(web) == 6 and re.fullmatch(DURATION_RE, web[5]),
              "web-1's uptime %r is not like '2 min 13 s'" % web[5:])
        reason = bus.tunnel_prop("idle", "StateReason")
        check(idle[1] == "stopped" and idle[5] == reason,
              "idle row %r (reason on the bus %r)" % (idle, reason))
        check(res.stdout.splitlines()[1].startswith("idle "), "rows are not sorted by name")

        # --json before or after the command: an array, property names as in the API
        for args in (["--json", "list"], ["list", "--json"]):
            got = ctl_ok(bus, *args).json()
            check(isinstance(got, list) and [t.get("Name") for t in got] == ["idle", "web-1"],
                  "%s: %r" % (" ".join(args), got))
            for obj in got:
                compare_props(obj, bus.tunnel_props(obj["Name"]), " ".join(args) + " " + obj["Name"],
                              errors)
        names = ctl_ok(bus, "list", "--names").stdout
        check(names == "idle\nweb-1\n", "list --names printed %r" % names)
        report(errors)

        # no tunnels at all
        for name in ("idle", "web-1"):
            bus.manager("RemoveTunnel", name, check_ok=True)
        check(ctl_ok(bus, "--json", "list").json() == [], "list --json of no tunnels is not []")
        check(ctl_ok(bus, "list").stdout.strip() == "No tunnels.", "list of no tunnels")

    @requires(sshd_skip_reason)
    def test_ssh_config_forwards(self):
        """A tunnel without forwards of its own gets them from ~/.ssh/config:
        `list` and `status` show them as ssh resolves them (`ssh -G`), marked
        "(ssh config)", and the JSON has them as ssh_config_forwards; the
        forward is real (ssh sets it up).  A tunnel with forwards of its own
        shows those, unmarked, and ssh is not asked for it; while no
        configuration file has a forward, ssh is asked for none (an ssh
        first in autosshctl's PATH logs each call).  ssh reads the passwd
        entry's home, so autosshctl runs in the bus's mount namespace
        (bus.wrap), where that home is the test's HOME, as for the service:
        a user's client and service share one ~/.ssh/config."""
        fx = self.fx
        w = World(fx)
        bus = w.bus
        if not bus.wrap:
            raise Skip("cannot give the service and autosshctl a private ~/.ssh/config "
                       "(needs root and unshare)")
        calls = os.path.join(bus.dir, "ssh-calls.log")
        bindir = os.path.join(bus.dir, "ssh-bin")
        os.makedirs(bindir)
        write_script(bindir, "ssh", 'echo "$*" >> "%s"\nexec /usr/bin/ssh "$@"\n' % calls)
        env = dict(bus.env, PATH=bindir + os.pathsep + bus.env.get("PATH", "/usr/bin:/bin"))
        errors = []

        def run_home(*args):
            argv = bus.wrap + [ctl_bin()] + list(args)
            res = CallResult(argv, subprocess.run(argv, env=env, text=True, stdin=subprocess.DEVNULL,
                                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                                  timeout=30))
            check(res.ok, "expected exit 0: " + res.describe())
            return res

        def asked():
            """The destinations ssh -G was run for since the last call."""
            if not os.path.exists(calls):
                return []
            with open(calls) as f:
                lines = f.read().splitlines()
            os.unlink(calls)
            return sorted(l.split()[-1] for l in lines if l.startswith("-G "))

        # no forward in any configuration file: no ssh at all
        bus.write_ssh_config("Host fwd-alias\n  HostName 127.0.0.1\n")
        w.add("plain", start=False, Destination="plain-alias", LocalForward=None)
        listed = run_home("list").stdout
        if split_row(listed.splitlines()[1])[4] != "none":
            errors.append("list without forwards anywhere: %r" % listed)
        if asked() != []:
            errors.append("ssh -G ran although no configuration file has a forward")

        lport = free_port()
        bus.write_ssh_config("Host fwd-alias\n  HostName 127.0.0.1\n"
                             "  LocalForward 127.0.0.1:%d 127.0.0.1:%d\n" % (lport, w.target.port))
        w.add("cfg", Destination="fwd-alias", LocalForward=None)
        own = w.add("own", start=False)
        w.connected("cfg")
        wait_forward(lport, w.target.payload, timeout=10, what="the forward from ~/.ssh/config")
        from_config = "-L 127.0.0.1:%d:127.0.0.1:%d" % (lport, w.target.port)
        own_forward = "-L %d:127.0.0.1:%d" % (own, w.target.port)

        rows = table(run_home("list"))
        for name, want in (("cfg", from_config + " (ssh config)"), ("own", own_forward),
                           ("plain", "none")):
            got = rows.get(name, [None] * 6)[4]
            if got != want:
                errors.append("list: %s's FORWARDS is %r, expected %r" % (name, got, want))
        got = asked()
        if got != ["fwd-alias", "plain-alias"]:
            errors.append("list ran ssh -G for %r, expected the tunnels without forwards of "
                          "their own" % got)
        status = run_home("status", "cfg").stdout
        if not re.search(r"^Forwards:\s+%s$" % re.escape(from_config + " (ssh config)"), status, re.M):
            errors.append("status cfg has no 'Forwards: %s (ssh config)':\n%s" % (from_config, status))
        objs = {obj.get("Name"): obj for obj in json.loads(run_home("--json", "list").stdout)}
        objs["status cfg"] = json.loads(run_home("--json", "status", "cfg").stdout)
        for name, forwards, config in (("cfg", [], [from_config]), ("status cfg", [], [from_config]),
                                       ("own", [own_forward], []), ("plain", [], [])):
            obj = objs.get(name, {})
            compare_props(obj, bus.tunnel_props(obj.get("Name", "cfg")), "--json " + name, errors)
            if (obj.get("Forwards"), obj.get("ssh_config_forwards")) != (forwards, config):
                errors.append("--json %s: Forwards %r, ssh_config_forwards %r; expected %r, %r"
                              % (name, obj.get("Forwards"), obj.get("ssh_config_forwards"),
                                 forwards, config))
        report(errors)

    @requires(sshd_skip_reason)
    def test_status(self):
        fx = self.fx
        w = World(fx)
        bus = w.bus
        lport = w.add("web-1")
        props = w.connected("web-1")
        errors = []

        text = ctl_ok(bus, "status", "web-1").stdout
        fields = {}
        for line in text.splitlines():
            m = re.match(r"^([^ :][^:]*):\s+(.*)$", line)
            if m:
                fields[m.group(1)] = m.group(2)
        want = {
            "Name": "web-1",
            "State": "connected",
            "Reason": props["StateReason"],
            "Destination": "root@127.0.0.1",
            "Forwards": "-L %d:127.0.0.1:%d" % (lport, w.target.port),
            "Next retry": "none",
            "ssh process": str(props["Pid"]),
            "Restarts": str(props["Restarts"]),
            "Start with the service": "yes",
            "Identity file": w.sshd.client_key,
            "Monitor port": "none (ssh keep-alives)",
            "Poll interval": "%d s" % props["PollInterval"],
        }
        for key, value in want.items():
            if fields.get(key) != value:
                errors.append("status: %s is %r, expected %r" % (key, fields.get(key), value))
        since = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(props["ConnectedSince"] / 1e6))
        if not re.fullmatch(re.escape(since) + r" \((%s) ago\)" % DURATION_RE,
                            fields.get("Connected since", "")):
            errors.append("status: Connected since %r, expected %s (… ago)"
                          % (fields.get("Connected since"), since))
        for key in ("Last probe", "Probe latency", "Command"):
            if key not in fields:
                errors.append("status: no %s line in:\n%s" % (key, text))
        if not fields.get("Command", "").split(" ")[-2:] == ["--", "127.0.0.1"]:
            errors.append("status: Command %r" % fields.get("Command"))

        got = ctl_ok(bus, "status", "web-1", "--json").json()
        check(isinstance(got, dict), "status --json is not an object: %r" % got)
        compare_props(got, bus.tunnel_props("web-1"), "status --json", errors)
        got = ctl_ok(bus, "--json", "status", "web-1").json()
        check(got.get("Name") == "web-1", "--json status: %r" % got)

        # a tunnel waiting for its next try: the reason, and the retry as a time
        w.add("down", Port=GV("q", free_port()))
        retrying = wait_state(bus, "down", "retrying", 20)
        text = ctl_ok(bus, "status", "down").stdout
        if not re.search(r"^Next retry:\s+%s \(in (%s)\)$" % (TIME_RE, DURATION_RE), text, re.M):
            errors.append("status of a retrying tunnel has no 'Next retry: TIME (in …)':\n" + text)
        if not re.search(r"^Reason:\s+\S", text, re.M):
            errors.append("status of a retrying tunnel has no Reason:\n" + text)
        row = table(ctl_ok(bus, "list"))["down"]
        if row[1] != "retrying" or "next try in" not in row[5]:
            errors.append("list row of a retrying tunnel %r (reason %r)"
                          % (row, retrying["StateReason"]))
        report(errors)

    @requires(sshd_skip_reason)
    def test_add(self):
        fx = self.fx
        w = ssh_config_world(fx)
        bus = w.bus
        lport = free_port()
        args = ["--", "-M", "0", "-N", "-L", "%d:127.0.0.1:%d" % (lport, w.target.port),
                "root@127.0.0.1"]
        ctl_ok(bus, "add", "web", *args)
        props = w.connected("web")
        wait_forward(lport, w.target.payload, timeout=10, what="the forward of the added tunnel")
        check(props["Destination"] == "root@127.0.0.1" and props["AutoStart"] is True,
              "added tunnel: %r" % props)
        kf = read_keyfile(bus.conf_path("web")).get("Tunnel", {})
        check(kf.get("Destination") == "127.0.0.1" and kf.get("User") == "root",
              "the added tunnel's file: %r" % kf)

        # --no-start --no-autostart: stopped, and AutoStart=false on the bus and on disk
        lport2 = free_port()
        ctl_ok(bus, "add", "--no-start", "web2", "--no-autostart", "--", "-M", "0",
               "-L", "%d:127.0.0.1:%d" % (lport2, w.target.port), "root@127.0.0.1")
        p2 = bus.tunnel_props("web2")
        check(p2["State"] == "stopped" and p2["AutoStart"] is False,
              "web2 after add --no-start --no-autostart: %r" % p2)
        kf = read_keyfile(bus.conf_path("web2")).get("Tunnel", {})
        check(kf.get("AutoStart") == "false", "web2's file: %r" % kf)

        # --transient: connected, and never written to disk
        lport3 = free_port()
        ctl_ok(bus, "add", "--transient", "t1", "--", "-M", "0", "-N",
               "-L", "%d:127.0.0.1:%d" % (lport3, w.target.port), "root@127.0.0.1")
        w.connected("t1")
        wait_forward(lport3, w.target.payload, timeout=10, what="the forward of the transient tunnel")
        check(not os.path.exists(bus.conf_path("t1")), "add --transient wrote %s" % bus.conf_path("t1"))
        ctl_ok(bus, "remove", "t1")

        errors = []
        expect_exit(ctl(bus, "add", "web", *args), EXIT_INVALID, "add of an existing name",
                    "a tunnel named “web” exists already", errors)
        expect_exit(ctl(bus, "add", "t2", "-M", "0", "root@127.0.0.1"), EXIT_INVALID,
                    "add without --", "“--”", errors)
        expect_exit(ctl(bus, "add", "t3", "--"), EXIT_INVALID, "add with nothing after --",
                    None, errors)
        expect_exit(ctl(bus, "add", "a b", *args), EXIT_INVALID, "add of a bad name",
                    "not a valid tunnel name", errors)
        bad = ctl(bus, "add", "t4", "--", "-M", "0", "-Z", "root@127.0.0.1")
        expect_exit(bad, EXIT_INVALID, "add with an autossh option the service refuses", None, errors)
        expect_exit(ctl(bus, "add", "t5", "--", "root@127.0.0.1", "uptime"), EXIT_INVALID,
                    "add with a remote command", None, errors)
        paths = bus.tunnel_paths()
        if paths != [tunnel_path("web"), tunnel_path("web2")]:
            errors.append("failed adds left objects: %r" % paths)
        report(errors)

    @requires(sshd_skip_reason)
    def test_remove(self):
        fx = self.fx
        w = World(fx)
        bus = w.bus
        w.add("gone")
        props = w.connected("gone")
        ssh = ProcRef(props["Pid"])
        ctl_ok(bus, "remove", "gone")
        check(tunnel_path("gone") not in bus.tunnel_paths(), "the object is still there")
        check(not os.path.exists(bus.conf_path("gone")), "the file is still there")
        wait_until(lambda: not ssh.alive(), 8, "the removed tunnel's ssh to exit")
        expect_exit(ctl(bus, "remove", "gone"), EXIT_NOT_FOUND, "remove twice",
                    "there is no tunnel named “gone”")

    @requires(sshd_skip_reason)
    def test_start_stop_restart(self):
        fx = self.fx
        w = World(fx)
        bus = w.bus
        lport = w.add("s", start=False)
        check(bus.tunnel_prop("s", "State") == "stopped", "not stopped after AddTunnel(start=false)")
        ctl_ok(bus, "start", "s")
        first = w.connected("s")
        wait_forward(lport, w.target.payload, timeout=10)
        mark = w.rec.mark()
        ctl_ok(bus, "restart", "s")
        w.rec.wait("StateChanged", tunnel_path("s"), since=mark, timeout=10,
                   pred=lambda s: s.args[1] == "connected", what="connected again after restart")
        after = bus.tunnel_props("s")
        # a shared connection: restart opens the forwards again through the
        # same ssh (no login); Restarts counts it
        check(after["State"] == "connected" and after["Restarts"] > first["Restarts"],
              "after restart: State %r, Restarts %r (was %r)"
              % (after["State"], after["Restarts"], first["Restarts"]))
        ctl_ok(bus, "stop", "s")
        wait_state(bus, "s", "stopped", 8)
        ssh = ProcRef(after["Pid"])
        wait_until(lambda: not ssh.alive(), 8, "ssh to exit after stop")
        check(bus.tunnel_prop("s", "Pid") == 0, "Pid after stop")
        ctl_ok(bus, "start", "s")
        w.connected("s")

    @requires(sshd_skip_reason)
    def test_enable_disable(self):
        fx = self.fx
        w = World(fx)
        bus = w.bus
        w.add("e")
        w.connected("e")
        conf = bus.conf_path("e")

        def auto():
            return read_keyfile(conf).get("Tunnel", {}).get("AutoStart")
        ctl_ok(bus, "disable", "e")
        check(bus.tunnel_prop("e", "AutoStart") is False, "AutoStart after disable")
        wait_until(lambda: auto() == "false", 5, "AutoStart=false in the file")
        ctl_ok(bus, "enable", "e")
        check(bus.tunnel_prop("e", "AutoStart") is True, "AutoStart after enable")
        # true is the default: the file says so, or leaves the key out
        wait_until(lambda: auto() in (None, "true"), 5, "AutoStart=true (or no AutoStart) in the file")
        check(os.stat(conf).st_mode & 0o777 == 0o600, "file mode %o" % (os.stat(conf).st_mode & 0o777))
        ctl_ok(bus, "disable", "e")
        text = ctl_ok(bus, "status", "e").stdout
        check(re.search(r"^Start with the service:\s+no$", text, re.M), "status after disable:\n" + text)
        check(bus.tunnel_prop("e", "State") == "connected", "disable changed the state")

    @requires(sshd_skip_reason)
    def test_monitor(self):
        fx = self.fx
        w = World(fx)
        bus = w.bus
        w.add("k9")
        props = w.connected("k9")
        text = Lines(fx, bus, "monitor")
        js = Lines(fx, bus, "--json", "monitor")
        line_re = re.compile(r"^%s (.*)$" % TIME_RE)
        text.wait(lambda l: l.endswith(" k9: connected: " + props["StateReason"]),
                  "monitor's line for the tunnel that is there")
        js.wait(lambda l: json.loads(l).get("event") == "Present", "monitor --json's Present line")
        tm, jm = text.mark(), js.mark()

        os.kill(props["Pid"], signal.SIGKILL)
        i_drop, _ = text.wait(lambda l: " k9: dropped: " in l, "a 'dropped' line", since=tm)
        i_back, back = text.wait(lambda l: re.search(r" k9: back after (%s) \(\d+ attempts?\)$"
                                                     % DURATION_RE, l),
                                 "a 'back after' line", since=tm)
        check(i_drop < i_back, "dropped after back: %r" % text.since(tm))
        check(any(re.search(r" k9: \w+ → connected: ", l) for l in text.since(tm)),
              "no StateChanged line to connected: %r" % text.since(tm))
        for line in text.since():
            check(line_re.match(line), "monitor line without a timestamp: %r" % line)

        js.wait(lambda l: json.loads(l).get("event") == "Reconnected", "a Reconnected object",
                since=jm)
        events = [json.loads(l) for l in js.since(jm)]
        for e in events:
            check(re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", e.get("time", "")) and
                  e.get("tunnel") == "k9", "monitor --json object %r" % e)
        kinds = [e["event"] for e in events]
        check("Dropped" in kinds and kinds.index("Dropped") < kinds.index("Reconnected"),
              "events %r" % kinds)
        drop = events[kinds.index("Dropped")]
        rec = events[kinds.index("Reconnected")]
        check(isinstance(drop.get("reason"), str) and drop["reason"], "Dropped %r" % drop)
        check(type(rec.get("downtime_us")) is int and rec["downtime_us"] > 0 and
              type(rec.get("attempts")) is int and rec["attempts"] >= 1, "Reconnected %r" % rec)
        sc = [e for e in events if e["event"] == "StateChanged"]
        check(sc and sc[-1]["new_state"] == "connected" and all(
            isinstance(e.get("old_state"), str) and isinstance(e.get("reason"), str) for e in sc),
            "StateChanged objects %r" % sc)
        # the reason as scripts read it, in every event about a state
        present = [json.loads(l) for l in js.since() if json.loads(l)["event"] == "Present"]
        for e in present + sc + [drop]:
            check(type(e.get("reason_code")) is str and type(e.get("reason_details")) is dict,
                  "%s without reason_code (string) and reason_details (object): %r"
                  % (e["event"], e))
        check(present[0]["reason_code"] == props.get("StateReasonCode", "") and
              present[0]["reason_details"] == plain(props.get("StateReasonDetails", {})),
              "Present %r, the bus had %r %r" % (present[0], props.get("StateReasonCode"),
                                                 props.get("StateReasonDetails")))
        check("reason_code" not in rec, "Reconnected has a reason_code: %r" % rec)

        # tunnels added and removed
        tm, jm = text.mark(), js.mark()
        w.add("new", start=False)
        text.wait(lambda l: " new: added (stopped: " in l, "an 'added' line", since=tm)
        bus.manager("RemoveTunnel", "new", check_ok=True)
        text.wait(lambda l: l.endswith(" new: removed"), "a 'removed' line", since=tm)
        js.wait(lambda l: json.loads(l) == dict(json.loads(l), event="TunnelRemoved", tunnel="new"),
                "a TunnelRemoved object", since=jm)
        added = [json.loads(l) for l in js.since(jm) if json.loads(l)["event"] == "TunnelAdded"]
        check(added and added[0]["tunnel"] == "new" and added[0]["state"] == "stopped" and
              type(added[0].get("reason_code")) is str and
              type(added[0].get("reason_details")) is dict,
              "TunnelAdded objects %r" % added)

        # the service goes away and comes back
        tm = text.mark()
        w.restart_service()
        text.wait(lambda l: l.endswith(" autosshd stopped"), "'autosshd stopped'", since=tm)
        text.wait(lambda l: l.endswith(" autosshd started"), "'autosshd started'", since=tm)

        # SIGINT and SIGTERM end it with status 0
        for lines, sig in ((text, signal.SIGINT), (js, signal.SIGTERM)):
            lines.ref.signal(sig)
            try:
                rc = lines.proc.wait(5)
            except subprocess.TimeoutExpired:
                raise TestFailure("monitor did not exit within 5 s of signal %d" % sig)
            check(rc == 0, "monitor exited %d after signal %d" % (rc, sig))

    @requires(sshd_skip_reason)
    def test_logs(self):
        """`logs NAME`: the tunnel's history as "TIME KIND: MESSAGE" lines; -n N
        the last N; --json one object per line with the documented fields;
        -f in the background sees a drop (kill -9 of ssh) and the reconnection,
        each entry once, and ends when the tunnel is removed."""
        fx = self.fx
        w = World(fx)
        bus = w.bus
        w.add("lg")
        props = w.connected("lg")
        line_re = re.compile(r"^(%s) (state|ssh|ssh-exited|probe|config): (.+)$" % TIME_RE)
        res = ctl_ok(bus, "logs", "lg")
        lines = res.stdout.splitlines()
        check(lines and all(line_re.match(l) for l in lines), "logs lines %r" % lines)
        check(lines[-1].endswith(" state: connecting → connected: " + props["StateReason"]),
              "the last line is not the connection: %r" % lines)
        check(any(" ssh: Authenticated to " in l for l in lines), "no ssh line in %r" % lines)
        two = ctl_ok(bus, "logs", "-n", "2", "lg").stdout.splitlines()
        check(two == lines[-2:], "logs -n 2 printed %r, the last two are %r" % (two, lines[-2:]))
        check(ctl_ok(bus, "logs", "-n", "0", "lg").stdout == "", "logs -n 0 printed something")
        expect_exit(ctl(bus, "logs", "-n", "-1", "lg"), EXIT_INVALID, "logs -n -1")

        objects = [json.loads(l) for l in ctl_ok(bus, "--json", "logs", "-n", "all", "lg")
                   .stdout.splitlines()]
        fields = {"sequence", "time", "timestamp", "timestamp_monotonic", "tunnel", "kind",
                  "message", "details"}
        api = bus.tunnel_log("lg")
        check(len(objects) == len(api), "logs --json -n all: %d objects, GetLog has %d"
              % (len(objects), len(api)))
        for o, e in zip(objects, api):
            check(set(o) == fields and o["tunnel"] == "lg" and
                  re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", o["time"]) and
                  (o["sequence"], o["timestamp"], o["timestamp_monotonic"], o["kind"],
                   o["message"], o["details"]) ==
                  (e.sequence, e.timestamp, e.monotonic, e.kind, e.message, e.details),
                  "logs --json object %r, GetLog's entry %r" % (o, e))

        follow = Lines(fx, bus, "logs", "-f", "-n", "1", "lg")
        follow.wait(lambda l: " state: connecting → connected: " in l, "logs -f's first line")
        check(len(follow.since()) == 1, "logs -f -n 1 printed %r" % follow.since())
        mark = follow.mark()
        os.kill(props["Pid"], signal.SIGKILL)
        t0 = time.monotonic()
        # measured: the drop printed after 0.05 s, the reconnection after 0.5 s
        i_exit, _ = follow.wait(lambda l: l.endswith(" ssh-exited: ssh was killed by signal 9"),
                                "ssh's exit in logs -f", since=mark, timeout=1)
        i_drop, _ = follow.wait(lambda l: " state: connected → retrying: " in l,
                                "the drop in logs -f", since=mark, timeout=1)
        print("logs -f printed the drop %.2f s after kill -9 of ssh" % (time.monotonic() - t0))
        i_back, _ = follow.wait(lambda l: re.search(r" state: \w+ → connected: ", l),
                                "the reconnection in logs -f", since=mark, timeout=1.5)
        print("logs -f printed the reconnection %.2f s after kill -9 of ssh"
              % (time.monotonic() - t0))
        check(i_exit < i_drop < i_back, "logs -f order: %r" % follow.since(mark))
        wait_state(bus, "lg", "connected", 5)
        # each entry once: what -f printed is the log, from its first line on
        now = ctl_ok(bus, "logs", "-n", "all", "lg").stdout.splitlines()
        got = follow.since()
        check(got == now[len(now) - len(got):], "logs -f printed %r, the log ends %r"
              % (got, now[-len(got):]))
        bus.manager("RemoveTunnel", "lg", check_ok=True)
        t0 = time.monotonic()
        try:
            rc = follow.proc.wait(1)         # measured: at once
        except subprocess.TimeoutExpired:
            raise TestFailure("logs -f did not end within 1 s of RemoveTunnel")
        print("logs -f ended %.2f s after RemoveTunnel" % (time.monotonic() - t0))
        with open(follow.err_path) as f:
            err = f.read()
        check(rc == EXIT_NOT_FOUND and "lg was removed" in err,
              "logs -f after RemoveTunnel: exit %d, stderr %r" % (rc, err))

    @requires(sshd_skip_reason)
    def test_logs_german(self):
        """`logs` words each entry from its kind and details in the reader's
        language (the service runs in C); its JSON is the same in every
        language."""
        fx = self.fx
        wrap = german_wrap()
        w = World(fx)
        bus = w.bus
        w.add("lg")
        props = w.connected("lg")
        os.kill(props["Pid"], signal.SIGKILL)
        w.rec.wait("Reconnected", tunnel_path("lg"), timeout=1.5)
        wait_state(bus, "lg", "connected", 1)
        p = run_german(wrap, bus, "de", "logs", "-n", "all", "lg")
        check(p.returncode == 0, "logs in German: exit %d, %r" % (p.returncode, p.stderr))
        for phrase in (" state: connecting → connected: verbunden mit ",
                       " ssh-exited: ssh wurde durch Signal 9 beendet",
                       " state: connected → retrying: ssh wurde durch Signal 9 beendet"):
            check(phrase in p.stdout, "logs in German lacks %r:\n%s" % (phrase, p.stdout))
        check("connected to" not in p.stdout, "logs in German has English:\n" + p.stdout)
        german = run_german(wrap, bus, "de", "--json", "logs", "-n", "all", "lg")
        english = run_german(wrap, bus, "C", "--json", "logs", "-n", "all", "lg")
        check(german.returncode == 0 and german.stdout == english.stdout,
              "logs --json differs by language:\n%s\n%s" % (german.stdout, english.stdout))

    def test_version(self):
        fx = self.fx
        # the first call activates the service
        w = World(fx, sshd=False, start=False)
        bus = w.bus
        check(not bus.name_has_owner(), "the service runs before any call")
        res = ctl_ok(bus, "version")
        adopt_activated(bus)
        want = bus.get_property(MANAGER_PATH, MANAGER_IFACE, "Version")
        lines = res.stdout.splitlines()
        check(len(lines) == 2 and re.fullmatch(r"autosshctl \d+\.\d+\S*", lines[0]) and
              lines[1] == "autosshd " + want, "version printed %r (service Version %r)"
              % (res.stdout, want))
        check(ctl_ok(bus, "--version").stdout == lines[0] + "\n", "--version")
        check(ctl_ok(bus, "list").stdout.strip() == "No tunnels.", "list of the activated service")

    @requires(sshd_skip_reason)
    def test_exit_invalid(self):
        fx = self.fx
        w = World(fx)
        bus = w.bus
        w.add("web", start=False)
        errors = []
        for bad in ("a b", "-x", "a" * 65, "ä", ""):
            for cmd in ("status", "start", "stop", "restart", "enable", "disable", "remove",
                        "passphrase"):
                expect_exit(ctl(bus, cmd, bad), EXIT_INVALID, "%s %r" % (cmd, bad), None, errors)
        res = ctl(bus, "status", "a b")
        expect_exit(res, EXIT_INVALID, "status 'a b'", "“a b” is not a valid tunnel name", errors)
        # the service's own message for a bad fingerprint
        gd = bus.tunnel("web", "TrustHostKey", "not-a-fingerprint")
        check(not gd.ok and gd.error_name == "io.github.autosshd1.Error.InvalidSettings",
              "gdbus TrustHostKey: " + gd.describe())
        res = ctl(bus, "trust", "web", "not-a-fingerprint")
        expect_exit(res, EXIT_INVALID, "trust with a bad fingerprint", None, errors)
        if res.stderr.strip() != "autosshctl: " + remote_message(gd):
            errors.append("trust printed %r, the service says %r" % (res.stderr, remote_message(gd)))
        # usage
        for args, what in ((["frobnicate"], "an unknown command"), ([], "no command"),
                           (["--bogus", "list"], "an unknown global option"),
                           (["list", "--bogus"], "an unknown option"),
                           (["list", "extra"], "an extra argument"),
                           (["status"], "a missing argument"),
                           (["trust", "web"], "a missing fingerprint"),
                           (["start", "web", "web"], "two names")):
            res = ctl(bus, *args)
            if res.rc != EXIT_INVALID:
                errors.append("%s: expected exit 2, got %s" % (what, res.describe()))
        # an argument that is not UTF-8 cannot go on the bus: said up front,
        # without GLib criticals, and nothing is added
        latin1 = os.fsdecode(b"-L8080:h\xf6st:80")
        res = ctl(bus, "add", "bad", "--", "-M", "0", latin1, "host")
        expect_exit(res, EXIT_INVALID, "add with a Latin-1 forward", "is not valid UTF-8", errors)
        if "CRITICAL" in res.stderr:
            errors.append("add with a Latin-1 forward printed a critical: %r" % res.stderr)
        check(bus.tunnel_paths() == [tunnel_path("web")], "bad input changed the tunnels")
        report(errors)

    def test_exit_not_found(self):
        fx = self.fx
        w = World(fx, sshd=False)
        bus = w.bus
        errors = []
        msg = "there is no tunnel named “nope”"
        for args in (["status", "nope"], ["start", "nope"], ["stop", "nope"], ["restart", "nope"],
                     ["enable", "nope"], ["disable", "nope"], ["remove", "nope"],
                     ["trust", "nope", "SHA256:" + "A" * 43], ["passphrase", "nope"],
                     ["passphrase", "--password", "nope"], ["--json", "status", "nope"],
                     ["logs", "nope"], ["logs", "-f", "nope"], ["--json", "logs", "nope"]):
            res = ctl(bus, *args)
            expect_exit(res, EXIT_NOT_FOUND, " ".join(args), msg, errors)
            if res.stdout:
                errors.append("%s printed on stdout: %r" % (" ".join(args), res.stdout))
        report(errors)

    def test_exit_unavailable(self):
        fx = self.fx
        errors = []
        # no bus at all
        w = World(fx, sshd=False, start=False)
        bus = w.bus
        env = dict(bus.env, DBUS_SESSION_BUS_ADDRESS="unix:path=" + os.path.join(bus.dir, "nobus"))
        for args in (["list"], ["status", "web"], ["start", "web"], ["monitor"], ["version"]):
            p = subprocess.run([ctl_bin()] + args, env=env, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=30)
            if p.returncode != EXIT_UNAVAILABLE or not p.stderr.startswith("autosshctl: "):
                errors.append("no bus: %s exited %d, stderr %r" % (args, p.returncode, p.stderr))
        # an activation file pointing to a missing binary
        bus.write_service_file(os.path.join(bus.dir, "no-such-autosshd"))
        for args in (["list"], ["status", "web"], ["version"], ["monitor"], ["add", "x", "--", "h"]):
            expect_exit(ctl(bus, *args), EXIT_UNAVAILABLE, "missing binary: %s" % args,
                        "cannot reach the autosshd service", errors)
        # a service that exits at once
        bus.write_service_file("/bin/false")
        expect_exit(ctl(bus, "list"), EXIT_UNAVAILABLE, "service exits at once", None, errors)
        # no activation file (ServiceUnknown)
        os.unlink(os.path.join(bus.servicedir, BUS_NAME + ".service"))
        for args in (["list"], ["status", "web"], ["start", "web"], ["monitor"], ["version"]):
            expect_exit(ctl(bus, *args), EXIT_UNAVAILABLE, "no activation file: %s" % args, None,
                        errors)
        check(not bus.name_has_owner(), "something owns %s" % BUS_NAME)
        report(errors)

    def test_help(self):
        """--help of the program and of every command exits 0 without a bus."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("DBUS_")}
        env.update(DBUS_SESSION_BUS_ADDRESS="unix:path=/nonexistent/bus", LC_ALL="C.UTF-8",
                   LANGUAGE="C")
        errors = []

        def run(*args):
            return subprocess.run([ctl_bin()] + list(args), env=env, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                  timeout=10)
        main = run("--help")
        if main.returncode != 0:
            errors.append("--help exited %d: %r" % (main.returncode, main.stderr))
        for cmd in COMMANDS:
            if not re.search(r"^  %s\b" % cmd, main.stdout, re.M):
                errors.append("--help does not list %s" % cmd)
        for code in range(6):
            if not re.search(r"^  %d  \S" % code, main.stdout, re.M):
                errors.append("--help does not document exit status %d" % code)
        for cmd in COMMANDS:
            for args in ([cmd, "--help"], [cmd, "-h"], ["help", cmd]):
                p = run(*args)
                if p.returncode != 0 or "Usage:" not in p.stdout or \
                        not re.search(r"autosshctl \[OPTION…\] %s\b" % cmd, p.stdout):
                    errors.append("%s: exit %d, stdout %r, stderr %r"
                                  % (" ".join(args), p.returncode, p.stdout[:200], p.stderr))
        p = run("help")
        if p.returncode != 0 or p.stdout != main.stdout:
            errors.append("`autosshctl help` differs from --help (exit %d)" % p.returncode)
        for cmd, option in (("list", "--json"), ("status", "--json"), ("monitor", "--json"),
                            ("add", "--no-start"), ("add", "--no-autostart"),
                            ("add", "--transient"), ("passphrase", "--password"),
                            ("add", "--wait"), ("start", "--wait"), ("restart", "--wait"),
                            ("wait", "--timeout"), ("list", "--no-legend"),
                            ("logs", "--follow"), ("logs", "--lines"), ("logs", "--json")):
            if option not in run(cmd, "--help").stdout:
                errors.append("%s --help does not show %s" % (cmd, option))
        report(errors)

    def test_completion(self):
        """data/autosshctl.bash-completion: commands, options, and tunnel names
        from the running service."""
        fx = self.fx
        w = World(fx, sshd=False)
        bus = w.bus
        for name in ("web-1", "db"):
            bus.manager("AddTunnel", name, {"Destination": "example.invalid"}, False, check_ok=True)
        script = os.path.join(HERE, "..", "..", "data", "autosshctl.bash-completion")
        env = dict(bus.env, PATH=os.pathsep.join([os.path.dirname(ctl_bin()), bus.env["PATH"]]))
        errors = []

        def complete(*words):
            # the last word is the one being completed
            code = ('source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); '
                    '_autosshctl; printf "%s\\n" "${COMPREPLY[@]}"')
            p = subprocess.run(["bash", "--norc", "--noprofile", "-c", code, "bash", script] +
                               list(words), env=env, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=30)
            check(p.returncode == 0, "completion of %r: exit %d, %r" % (words, p.returncode, p.stderr))
            return sorted(x for x in p.stdout.split("\n") if x)

        cases = [
            (("autosshctl", "st"), ["start", "status", "stop"]),
            (("autosshctl", "--json", "l"), ["list", "logs"]),
            (("autosshctl", "--j"), ["--json"]),
            (("autosshctl", "start", ""), ["db", "web-1"]),
            (("autosshctl", "status", "w"), ["web-1"]),
            (("autosshctl", "--json", "status", ""), ["db", "web-1"]),
            (("autosshctl", "trust", "db", ""), []),
            (("autosshctl", "list", "--"), ["--help", "--json", "--no-legend"]),
            (("autosshctl", "add", "--no"), ["--no-autostart", "--no-start"]),
            (("autosshctl", "passphrase", "--p"), ["--password"]),
            (("autosshctl", "help", "mon"), ["monitor"]),
            (("autosshctl", "re"), ["reload", "remove", "restart"]),
            (("autosshctl", "wait", ""), ["db", "web-1"]),
            (("autosshctl", "edit", "w"), ["web-1"]),
            (("autosshctl", "set", "db", ""), []),
            (("autosshctl", "wait", "db", "con"), ["connected", "connecting"]),
            (("autosshctl", "start", "--w"), ["--wait"]),
            (("autosshctl", "list", "--no"), ["--no-legend"]),
            (("autosshctl", "lo"), ["logs"]),
            (("autosshctl", "logs", "w"), ["web-1"]),
            (("autosshctl", "logs", "--f"), ["--follow"]),
        ]
        for words, want in cases:
            got = complete(*words)
            if got != want:
                errors.append("completion of %r: %r, expected %r" % (" ".join(words), got, want))
        report(errors)

    def test_german(self):
        """With LANGUAGE=de, autosshctl speaks German (po/de.po): its help, its
        own errors and its output about the fixture's service.  The binary reads
        its catalogue from LOCALEDIR only, so the built .mo is bind-mounted there
        in a private mount namespace (the real system is left as it is)."""
        fx = self.fx
        wrap = german_wrap()

        w = World(fx, sshd=False)
        bus = w.bus
        bus.manager("AddTunnel", "web", {"Destination": "example.invalid"}, False, check_ok=True)
        errors = []

        def run(language, *args):
            env = dict(bus.env, LANGUAGE=language, LC_ALL="C.UTF-8")
            p = subprocess.run(wrap + [ctl_bin()] + list(args), env=env, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               timeout=30)
            check(not re.search(r"^(mount|unshare|mkdir|sh): ", p.stderr, re.M) and
                  p.returncode not in (126, 127),
                  "the namespace for %s failed (exit %d): %r" % (args, p.returncode, p.stderr))
            return p

        def expect(what, text, *phrases):
            for phrase in phrases:
                if phrase not in text:
                    errors.append("%s lacks %r:\n%s" % (what, phrase, text))

        # the same namespace without LANGUAGE=de: English, so the German below
        # comes from the catalogue
        p = run("C", "--help")
        expect("--help with LANGUAGE=C", p.stdout, "Commands:", "Exit status:")

        p = run("de", "--help")
        if p.returncode != 0:
            errors.append("--help exited %d: %r" % (p.returncode, p.stderr))
        expect("--help", p.stdout, "Steuert die Tunnel von autosshd, dem SSH-Tunneldienst.",
               "Befehle:", "  start NAME             Einen Tunnel verbinden und verbunden halten",
               "  trust NAME FINGERABDRUCK", "Exit-Status:", "  3  kein Tunnel mit diesem Namen",
               "„autosshctl BEFEHL --help“ zeigt die Argumente und Optionen eines Befehls.")
        if "Commands:" in p.stdout or "Exit status:" in p.stdout:
            errors.append("--help is still partly English:\n" + p.stdout)
        p = run("de", "add", "--help")
        expect("add --help", p.stdout, "AUTOSSH-ARGUMENTE…",
               "Den Tunnel hinzufügen, ohne ihn zu starten")

        # its own errors (exit 2, before anything goes on the bus)
        p = run("de", "start", "a b")
        if p.returncode != EXIT_INVALID:
            errors.append("start 'a b' exited %d: %r" % (p.returncode, p.stderr))
        expect("start 'a b'", p.stderr, "autosshctl: „a b“ ist kein gültiger Tunnelname: "
               "erlaubt sind 1 bis 64 Zeichen aus A–Z, a–z, 0–9, „_“ und „-“")
        p = run("de", "frobnicate")
        expect("an unknown command", p.stderr, "autosshctl: unbekannter Befehl „frobnicate“",
               "„autosshctl --help“ zeigt die Befehle.")
        p = run("de", "status")
        expect("status without a name", p.stderr,
               "status: Argumente fehlen; Aufruf: autosshctl status NAME")

        # what it prints about the service's tunnels (the reasons are the
        # service's, which runs with LANGUAGE=C)
        p = run("de", "list")
        if p.returncode != 0:
            errors.append("list exited %d: %r" % (p.returncode, p.stderr))
        header = split_row(p.stdout.splitlines()[0]) if p.stdout else []
        if header != ["NAME", "ZUSTAND", "AKTIVIERT", "ZIEL", "WEITERLEITUNGEN", "LAUFZEIT/GRUND"]:
            errors.append("list header %r:\n%s" % (header, p.stdout))
        p = run("de", "status", "web")
        expect("status", p.stdout, "Zustand:", "Weiterleitungen:", "Nächster Versuch:",
               "Identitätsdatei:", "von ssh gewählt", "Überwachungsport:")
        if not re.search(r"^Mit dem Dienst starten:\s+ja$", p.stdout, re.M):
            errors.append("status has no 'Mit dem Dienst starten: ja':\n" + p.stdout)
        bus.manager("RemoveTunnel", "web", check_ok=True)
        expect("list of no tunnels", run("de", "list").stdout, "Keine Tunnel.")
        report(errors)

    @requires(sshd_skip_reason)
    def test_german_reason(self):
        """The reason is made by autosshctl from StateReasonCode and
        StateReasonDetails in the reader's language, and the state is shown
        by its translated name: under LANGUAGE=de (the service runs in C)
        `status` and `list` show both in German, while the JSON (State,
        reason_code and reason_details included) is the same as under
        LANGUAGE=C.  The failure is real: the server refuses the key
        (auth-denied), and the tunnel stays failed."""
        fx = self.fx
        wrap = german_wrap()
        w = World(fx)
        bus = w.bus
        wrong = os.path.join(bus.dir, "wrong_key")
        run([SSH_KEYGEN, "-q", "-t", "ed25519", "-N", "", "-f", wrong])
        w.add("web", IdentityFile=wrong)
        props = wait_state(bus, "web", "failed", 20)
        code = props.get("StateReasonCode", "")
        details = plain(props.get("StateReasonDetails", {}))
        print("StateReasonCode %r, StateReasonDetails %r, StateReason %r"
              % (code, details, props["StateReason"]))
        errors = []

        def reason_of(p, label):
            m = re.search(r"^%s:\s+(.*)$" % label, p.stdout, re.M)
            if p.returncode != 0 or not m:
                errors.append("status exited %d, no %s line: %r %r"
                              % (p.returncode, label, p.stdout, p.stderr))
                return None
            return m.group(1)

        # JSON: the same whatever the language, and what the bus says
        objs = {}
        for language in ("C", "de"):
            for args in (("--json", "status", "web"), ("--json", "list")):
                p = run_german(wrap, bus, language, *args)
                check(p.returncode == 0, "%s %s exited %d: %r" % (language, args, p.returncode,
                                                                  p.stderr))
                got = json.loads(p.stdout)
                objs[(language, args[1])] = got if args[1] == "status" else got[0]
        for (language, command), obj in objs.items():
            compare_props(obj, bus.tunnel_props("web"), "LANGUAGE=%s %s --json" % (language, command),
                          errors)
            if obj != objs[("C", "status")]:
                errors.append("LANGUAGE=%s %s --json differs from LANGUAGE=C status --json:\n%r\n%r"
                              % (language, command, obj, objs[("C", "status")]))
        english = reason_of(run_german(wrap, bus, "C", "status", "web"), "Reason")
        german = reason_of(run_german(wrap, bus, "de", "status", "web"), "Grund")
        # the state people read is translated; the JSON above keeps "failed"
        states = (reason_of(run_german(wrap, bus, "C", "status", "web"), "State"),
                  reason_of(run_german(wrap, bus, "de", "status", "web"), "Zustand"))
        if states != ("failed", "fehlgeschlagen"):
            errors.append("status: the state under LANGUAGE=C and de is %r, expected "
                          "('failed', 'fehlgeschlagen')" % (states,))
        if objs[("de", "status")].get("State") != "failed":
            errors.append("LANGUAGE=de status --json: State %r" % objs[("de", "status")].get("State"))
        rows = {}
        for language in ("C", "de"):
            p = run_german(wrap, bus, language, "list")
            lines = p.stdout.splitlines()
            rows[language] = split_row(lines[1]) + [None] * 6 if len(lines) == 2 else [None] * 6
        english_row, german_row = rows["C"], rows["de"]
        if (english_row[1], german_row[1]) != ("failed", "fehlgeschlagen"):
            errors.append("list: the state under LANGUAGE=C and de is %r, expected "
                          "('failed', 'fehlgeschlagen')" % ((english_row[1], german_row[1]),))
        if not code:
            # a service without reason codes: its StateReason, in any language
            for what, got in (("C", english), ("de", german), ("C list", english_row[5]),
                              ("de list", german_row[5])):
                if got != props["StateReason"]:
                    errors.append("no code: the reason (%s) is %r, not StateReason %r"
                                  % (what, got, props["StateReason"]))
        # the documented API (needs a service that publishes reason codes)
        destination = props["Destination"]
        if code != "auth-denied" or details.get("destination") != destination:
            errors.append("StateReasonCode %r, StateReasonDetails %r: expected auth-denied with "
                          "destination %r" % (code, details, destination))
        want_en = ("the server refused the key or password for %s (Permission denied); check "
                   "IdentityFile and the server's authorized_keys" % destination)
        want_de = ("der Server hat den Schlüssel oder das Passwort für %s abgelehnt (Permission "
                   "denied); IdentityFile und authorized_keys auf dem Server prüfen" % destination)
        for what, got, want in (("LANGUAGE=C status", english, want_en),
                                ("LANGUAGE=de status", german, want_de),
                                ("LANGUAGE=C list", english_row[5], want_en),
                                ("LANGUAGE=de list", german_row[5], want_de)):
            if got != want:
                errors.append("%s: the reason is %r, expected %r" % (what, got, want))
        report(errors)

    def test_status_config(self):
        """status shows ConfigState; a broken file as "broken: FILE:LINE:
        message" (ConfigError), in JSON under the API's names."""
        fx = self.fx
        w = World(fx, sshd=False, start=False)
        bus = w.bus
        bad = bus.write_tunnel_file("bad", "[Tunnel]\nPort=abc\nDestination=127.0.0.1\n")
        w.start_service()
        bus.manager("AddTunnel", "mem", {"Destination": "example.invalid", "Transient": True},
                    False, check_ok=True)
        bus.manager("AddTunnel", "disk", {"Destination": "example.invalid"}, False, check_ok=True)
        props = wait_state(bus, "bad", "failed", 5)
        errors = []
        text = ctl_ok(bus, "status", "bad").stdout
        got = ctl_ok(bus, "--json", "status", "bad").json()
        compare_props(got, bus.tunnel_props("bad"), "status --json of a broken tunnel", errors)
        print("ConfigState %r, ConfigError %r" % (props.get("ConfigState"), props.get("ConfigError")))
        file, line, message = props.get("ConfigError", ["", 0, ""])
        if props.get("ConfigState") != "broken" or file != bad or line != 2 or not message:
            errors.append("ConfigState %r, ConfigError %r: expected broken, %s, line 2"
                          % (props.get("ConfigState"), props.get("ConfigError"), bad))
        want = "broken: %s:2: %s" % (bad, message)
        if not re.search(r"^Configuration:\s+%s$" % re.escape(want), text, re.M):
            errors.append("status of a broken tunnel has no 'Configuration: %s':\n%s" % (want, text))
        for name, want in (("mem", "transient (not saved)"), ("disk", "loaded from its file")):
            text = ctl_ok(bus, "status", name).stdout
            if not re.search(r"^Configuration:\s+%s$" % re.escape(want), text, re.M):
                errors.append("status of %s has no 'Configuration: %s':\n%s" % (name, want, text))
        report(errors)

    def test_reload(self):
        """reload picks up a file added by hand, and names a broken one (exit 0)."""
        fx = self.fx
        w = World(fx, sshd=False)
        bus = w.bus
        bus.write_tunnel_file("hand", "[Tunnel]\nDestination=example.invalid\nAutoStart=false\n")
        bad = bus.write_tunnel_file("bad", "[Tunnel]\nDestination=example.invalid\nPort=abc\n")
        check(bus.tunnel_paths() == [], "the service read the files before reload")
        res = ctl_ok(bus, "reload")
        check(bus.tunnel_paths() == [tunnel_path("bad"), tunnel_path("hand")],
              "after reload: %r" % bus.tunnel_paths())
        props = bus.tunnel_props("hand")
        check(props["State"] == "stopped" and props["AutoStart"] is False and
              props["Destination"] == "example.invalid", "the hand-added tunnel: %r" % props)
        check(re.search(r"^autosshctl: warning: bad: its file cannot be used: %s:3: .*Port"
                        % re.escape(bad), res.stderr, re.M) and "hand" not in res.stderr,
              "reload did not name the broken file with its line: %r" % res.stderr)

    def test_set(self):
        """set changes values written as in the file (on the bus and saved);
        a bad key or value is a named error, exit 2, and changes nothing."""
        fx = self.fx
        w = World(fx, sshd=False)
        bus = w.bus
        bus.manager("AddTunnel", "web", {"Destination": "example.invalid"}, False, check_ok=True)
        conf = bus.conf_path("web")
        ctl_ok(bus, "set", "web", "Port=2222", "LocalForward=8080:localhost:80;9090:localhost:90",
               "AutoStart=false", "User= bob ")
        settings = plain(bus.tunnel_prop("web", "Settings"))
        want = {"Port": 2222, "LocalForward": ["8080:localhost:80", "9090:localhost:90"],
                "AutoStart": False, "User": "bob", "Destination": "example.invalid"}
        got = {k: settings.get(k) for k in want}
        check(got == want, "Settings after set: %r, expected %r" % (got, want))
        kf = read_keyfile(conf).get("Tunnel", {})
        check(kf.get("Port") == "2222" and kf.get("User") == "bob" and
              kf.get("LocalForward", "").startswith("8080:localhost:80;9090:localhost:90"),
              "the file after set: %r" % kf)
        # an empty value unsets an optional key, as in the file
        ctl_ok(bus, "set", "web", "User=")
        check(plain(bus.tunnel_prop("web", "Settings"))["User"] == "", "User= did not unset User")

        before = (bus.tunnel_files(), bus.tunnel_prop("web", "Settings"))
        errors = []
        for args, code, message in (
                (["Colour=red"], EXIT_INVALID, "unknown key “Colour”: the keys are Destination"),
                (["Port=99999"], EXIT_INVALID, "Port"),
                (["Port=2200", "AutoStart=maybe"], EXIT_INVALID, "AutoStart “maybe” is not true or false"),
                (["LocalForward=nonsense"], EXIT_INVALID, "LocalForward"),
                (["EchoPort=7"], EXIT_INVALID, "EchoPort 7 needs MonitorPort"),
                (["Transient=true"], EXIT_INVALID, None),
                (["Port"], EXIT_INVALID, "“Port” is not KEY=VALUE"),
                (["Port=1", "Port=2"], EXIT_INVALID, "Port is given twice")):
            expect_exit(ctl(bus, "set", "web", *args), code, "set web %s" % " ".join(args), message,
                        errors)
        expect_exit(ctl(bus, "set", "nope", "Port=1"), EXIT_NOT_FOUND, "set of no tunnel",
                    "there is no tunnel named “nope”", errors)
        expect_exit(ctl(bus, "set", "web"), EXIT_INVALID, "set without KEY=VALUE", None, errors)
        after = (bus.tunnel_files(), bus.tunnel_prop("web", "Settings"))
        if after != before:
            errors.append("failed sets changed the tunnel:\n%r\n%r" % (before, after))
        report(errors)

    def test_edit(self):
        """edit opens $EDITOR on a private copy (0600 in a 0700 dir under
        XDG_RUNTIME_DIR); a broken edit is shown as FILE:LINE and, answered
        "y" on the terminal, edited again; the fixed one is applied and saved.
        Without a terminal a broken edit fails and keeps the copy; no change
        is no call; a transient tunnel is edited and stays transient."""
        fx = self.fx
        w = World(fx, sshd=False)
        bus = w.bus
        bus.manager("AddTunnel", "web", {"Destination": "example.invalid", "Port": GV("q", 2222)},
                    False, check_ok=True)
        conf = bus.conf_path("web")
        broken = "[Tunnel]\nDestination=example.invalid\nPort=abc\n"
        fixed = "[Tunnel]\nDestination=example.invalid\nPort=2200\nUser=bob\n"
        script, log = editor_script(bus, broken, fixed)
        env = {"EDITOR": script, "VISUAL": ""}
        rc, out = run_pty(bus, "edit", "web", env=env, answer=("Edit it again? [y/n]", "y\n"))
        print(out)
        runs = editor_runs(log)
        check(rc == 0, "edit exited %d: %r" % (rc, out))
        check(len(runs) == 2, "the editor ran %d times, expected 2: %r" % (len(runs), runs))
        path = runs[0][0]
        check(re.search(r"^autosshctl: %s:3: .*Port" % re.escape(path), out, re.M),
              "the broken edit was not shown as FILE:3: …Port…: %r" % out)
        check(path.startswith(bus.runtime_dir + "/") and path.endswith("/web.conf") and
              runs[0][1:] == ("600", "700"), "the copy: %r" % (runs[0],))
        check(not os.path.exists(path) and not os.path.exists(os.path.dirname(path)),
              "the copy %s was left behind" % path)
        settings = plain(bus.tunnel_prop("web", "Settings"))
        check(settings["Port"] == 2200 and settings["User"] == "bob",
              "Settings after edit: %r" % settings)
        kf = read_keyfile(conf).get("Tunnel", {})
        check(kf.get("Port") == "2200" and kf.get("User") == "bob", "the file after edit: %r" % kf)

        # no terminal: the broken edit is the error, nothing changes, the copy stays
        before = bus.tunnel_files()
        script, log = editor_script(bus, broken)
        res = subprocess.run([ctl_bin(), "edit", "web"], env=dict(bus.env, EDITOR=script),
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, timeout=30)
        runs = editor_runs(log)
        check(res.returncode == EXIT_INVALID and len(runs) == 1, "edit without a tty: exit %d, "
              "%d editor runs, %r" % (res.returncode, len(runs), res.stderr))
        check(re.match(r"autosshctl: %s:3: .*Port.*your edited copy stays in %s"
                       % (re.escape(runs[0][0]), re.escape(runs[0][0])), res.stderr),
              "edit without a tty said %r" % res.stderr)
        check(os.path.exists(runs[0][0]), "the edited copy is gone")
        check(bus.tunnel_files() == before, "a broken edit changed the file")

        # no change: no Configure (the file is not written again)
        res = subprocess.run([ctl_bin(), "edit", "web"], env=dict(bus.env, EDITOR="true"),
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, timeout=30)
        check(res.returncode == 0 and "web: no change" in res.stderr,
              "edit without a change: %d %r" % (res.returncode, res.stderr))
        check(bus.tunnel_files() == before, "an unchanged edit rewrote the file")

        # transient: edited as a file, applied, still transient and never saved
        bus.manager("AddTunnel", "mem", {"Destination": "example.invalid", "Transient": True},
                    False, check_ok=True)
        script, log = editor_script(bus, "[Tunnel]\nDestination=example.invalid\nPort=2201\n")
        res = subprocess.run([ctl_bin(), "edit", "mem"], env=dict(bus.env, VISUAL=script),
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, timeout=30)
        props = bus.tunnel_props("mem")
        check(res.returncode == 0 and plain(props["Settings"])["Port"] == 2201 and
              props["ConfigState"] == "transient" and not os.path.exists(bus.conf_path("mem")),
              "edit of a transient tunnel: %d %r, %r" % (res.returncode, res.stderr, props))

    @requires(sshd_skip_reason)
    def test_wait(self):
        """add/start/restart --wait return 0 once connected; `wait NAME
        stopped` returns when someone stops it; `wait` of a state it is in
        returns at once."""
        fx = self.fx
        w = ssh_config_world(fx)
        bus = w.bus
        lport = free_port()
        t0 = time.monotonic()
        ctl_ok(bus, "add", "web", "--wait=20", "--", "-M", "0",
               "-L", "%d:127.0.0.1:%d" % (lport, w.target.port), "root@127.0.0.1")
        print("add --wait took %.2f s" % (time.monotonic() - t0))
        check(bus.tunnel_prop("web", "State") == "connected", "add --wait returned before connected")
        wait_forward(lport, w.target.payload, timeout=5, what="the forward after add --wait")
        ctl_ok(bus, "stop", "web")
        ctl_ok(bus, "start", "web", "--wait")
        check(bus.tunnel_prop("web", "State") == "connected", "start --wait returned before connected")
        restarts = bus.tunnel_prop("web", "Restarts")
        ctl_ok(bus, "restart", "web", "--wait=20")
        props = bus.tunnel_props("web")
        check(props["State"] == "connected" and props["Restarts"] > restarts,
              "restart --wait returned with %s, Restarts %r (was %r)"
              % (props["State"], props["Restarts"], restarts))
        ctl_ok(bus, "wait", "web")
        ctl_ok(bus, "wait", "web", "connected", "--timeout=5")

        waiter = subprocess.Popen([ctl_bin(), "wait", "web", "stopped", "--timeout=20"],
                                  env=bus.env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)
        fx.defer(lambda: waiter.poll() is None and waiter.kill())
        time.sleep(0.5)
        if waiter.poll() is not None:
            raise TestFailure("wait web stopped returned while connected: %r"
                              % (waiter.communicate(),))
        ctl_ok(bus, "stop", "web")
        try:
            out, err = waiter.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            raise TestFailure("wait web stopped did not return after stop")
        check(waiter.returncode == 0, "wait web stopped exited %d: %r" % (waiter.returncode, err))
        ctl_ok(bus, "wait", "web", "stopped", "--timeout=1")

        errors = []
        expect_exit(ctl(bus, "wait", "web", "bogus"), EXIT_INVALID, "wait for an unknown state",
                    "unknown state “bogus”", errors)
        expect_exit(ctl(bus, "wait", "web", "--timeout=soon"), EXIT_INVALID, "a bad --timeout",
                    "“soon” is not a number of seconds", errors)
        expect_exit(ctl(bus, "start", "web", "--wait=-1"), EXIT_INVALID, "a bad --wait", None, errors)
        expect_exit(ctl(bus, "add", "x", "--no-start", "--wait", "--", "h"), EXIT_INVALID,
                    "add --no-start --wait", "--no-start", errors)
        expect_exit(ctl(bus, "wait", "nope"), EXIT_NOT_FOUND, "wait for no tunnel", None, errors)
        report(errors)

    @requires(sshd_skip_reason)
    def test_wait_fails(self):
        """--wait ends at once, exit 1 with the reason and its code, when the
        tunnel fails (the server refuses the key); it ends after the time,
        exit 5, saying it is still retrying and why, when it cannot connect."""
        fx = self.fx
        w = World(fx)
        bus = w.bus
        wrong = os.path.join(bus.dir, "wrong_key")
        run([SSH_KEYGEN, "-q", "-t", "ed25519", "-N", "", "-f", wrong])
        w.add("denied", start=False, IdentityFile=wrong)
        t0 = time.monotonic()
        res = ctl(bus, "start", "denied", "--wait=30")
        took = time.monotonic() - t0
        print("start --wait of a refused key: %.2f s, %r" % (took, res.stderr))
        props = bus.tunnel_props("denied")
        reason = ctl_ok(bus, "status", "denied").stdout
        reason = re.search(r"^Reason:\s+(.*)$", reason, re.M).group(1)
        expect_exit(res, EXIT_FAILURE, "start --wait of a refused key",
                    "denied failed: %s (reason code auth-denied)" % reason)
        # exit 1, not 5: failed is the end, the 30 s were not waited out
        check(props["State"] == "failed", "State %r" % props["State"])
        # waiting for a tunnel that is failed already ends at once too
        expect_exit(ctl(bus, "wait", "denied"), EXIT_FAILURE, "wait of a failed tunnel",
                    "(reason code auth-denied)")

        w.add("down", start=False, Port=GV("q", free_port()))
        t0 = time.monotonic()
        res = ctl(bus, "start", "down", "--wait=3")
        took = time.monotonic() - t0
        print("start --wait=3 of a closed port: %.2f s, %r" % (took, res.stderr))
        props = bus.tunnel_props("down")
        expect_exit(res, EXIT_TIMED_OUT, "start --wait of a closed port",
                    "down is not connected after 3 s: it is still retrying and may yet come up; "
                    "the last reason: ")
        check("(reason code %s)" % props["StateReasonCode"] in res.stderr,
              "the timeout does not give the reason code %r: %r" % (props["StateReasonCode"],
                                                                    res.stderr))
        check(3 <= took < 6, "start --wait=3 took %.1f s" % took)
        expect_exit(ctl(bus, "wait", "down", "stopped", "--timeout=1"), EXIT_TIMED_OUT,
                    "wait for stopped", "down is not stopped after 1 s: it is ")

    @requires(sshd_skip_reason)
    def test_list_width(self):
        """list on an 80-column terminal: no line longer than 80, the long
        reason cut with "…", an ENABLED column; piped, the full text;
        --no-legend drops the header."""
        fx = self.fx
        w = World(fx)
        bus = w.bus
        w.add("web-1")
        w.add("off", start=False, AutoStart=False)
        w.add("unreachable-server-tunnel", Port=GV("q", free_port()),
              LocalForward=["%d:127.0.0.1:%d" % (free_port(), w.target.port),
                            "%d:127.0.0.1:%d" % (free_port(), w.target.port)])
        w.connected("web-1")
        wait_state(bus, "unreachable-server-tunnel", "retrying", 20)
        rc, out = run_pty(bus, "list", env={"COLUMNS": "80"}, columns=200)
        print(out)
        lines = out.splitlines()
        check(rc == 0 and len(lines) == 4, "list on a pty: %d %r" % (rc, out))
        long_lines = [l for l in lines if len(l) > 80]
        check(not long_lines, "lines longer than 80 at COLUMNS=80: %r" % long_lines)
        check(split_row(lines[0]) == ["NAME", "STATE", "ENABLED", "DESTINATION", "FORWARDS",
                                      "UPTIME/REASON"], "header %r" % lines[0])
        rows = {split_row(l)[0]: split_row(l) for l in lines[1:]}
        check(rows["off"][2] == "no" and rows["web-1"][2] == "yes",
              "ENABLED: %r %r" % (rows["off"], rows["web-1"]))
        # sorted by name: off, unreachable-server-tunnel (its name cut too), web-1
        check(lines[2].startswith("unreachable-") and lines[2].endswith("…"),
              "the long reason is not cut with …: %r" % lines[2])
        # the terminal's own width when COLUMNS is not set
        rc, out = run_pty(bus, "list", env={"COLUMNS": ""}, columns=100)
        check(max(len(l) for l in out.splitlines()) <= 100, "at 100 columns: %r" % out)
        # piped: nothing cut, whatever COLUMNS says
        piped = ctl_ok(bus, "list", timeout=30)
        full = [l for l in piped.stdout.splitlines() if l.startswith("unreachable")][0]
        check(len(full) > 80 and "…" not in piped.stdout, "piped list was cut: %r" % piped.stdout)
        bare = ctl_ok(bus, "list", "--no-legend").stdout.splitlines()
        check([split_row(l)[0] for l in bare] == ["off", "unreachable-server-tunnel", "web-1"],
              "list --no-legend: %r" % bare)

    def test_no_bus(self):
        """Without a session bus: exit 4 and what to do about it."""
        fx = self.fx
        d = fx.tempdir()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DBUS_", "XDG_"))
               and k != "DISPLAY"}
        env.update(LC_ALL="C.UTF-8", LANGUAGE="C", XDG_RUNTIME_DIR=d)
        errors = []
        for address in ("unix:path=" + os.path.join(d, "nobus"), None):
            e = dict(env)
            if address:
                e["DBUS_SESSION_BUS_ADDRESS"] = address
            p = subprocess.run([ctl_bin(), "list"], env=e, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=30)
            what = "DBUS_SESSION_BUS_ADDRESS=%s" % address
            if p.returncode != EXIT_UNAVAILABLE or not p.stderr.startswith(
                    "autosshctl: cannot connect to the session bus: "):
                errors.append("%s: exit %d, %r" % (what, p.returncode, p.stderr))
            for advice in ("log in to a desktop session", "dbus-run-session -- autosshctl",
                           "loginctl enable-linger", "systemctl --user",
                           "the drop-in “autossh”, which needs no bus"):
                if advice not in p.stderr:
                    errors.append("%s: no %r in %r" % (what, advice, p.stderr))
        report(errors)


if __name__ == "__main__":
    sys.exit(main())
