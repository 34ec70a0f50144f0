#!/usr/bin/env python3
"""Integration tests of autosshd's secrets and host-key approval: the real
service on a private bus (../service/busfixture.py), a real sshd
(../integration/sshfixture.py), a real gnome-keyring-daemon unlocked
headlessly on the same bus with the same HOME and XDG_RUNTIME_DIR, the real
secret-tool, and the real askpass helper (AUTOSSHD_ASKPASS).

Run by meson, one test per case (`meson test -C build secrets-leak_test`);
by hand: PYTHONPATH=tests/lib AUTOSSHD_BIN=... AUTOSSHD_ASKPASS=... AUTOSSHCTL_BIN=...
/usr/bin/python3 test_secrets.py [SecretsTest.test_NAME | NAME ...]
Exit status: 0 pass, 1 fail, 77 skipped (not root, no sshd, no
gnome-keyring-daemon or secret-tool).
"""

import base64
import contextlib
import os
import pty
import re
import select
import secrets
import shutil
import signal
import subprocess
import sys
import termios
import threading
import time

sys.dont_write_bytecode = True      # no __pycache__ in the source tree

from asdtest import TestCase, main, requires  # noqa: E402
from asdtest.busfixture import (  # noqa: E402
    Raw, Service, World, check_reason, tunnel_path, wait_state)
from asdtest.sshfixture import (  # noqa: E402
    sshd_skip_reason,
    SSH_KEYGEN, ProcRef, TestFailure, check, comm,
    descendants, kill_refs, run, stays_true, wait_forward, wait_until)

GKD = shutil.which("gnome-keyring-daemon") or "/usr/bin/gnome-keyring-daemon"
SECRET_TOOL = shutil.which("secret-tool") or "/usr/bin/secret-tool"
DBUS_MONITOR = shutil.which("dbus-monitor") or "/usr/bin/dbus-monitor"
SETPRIV = shutil.which("setpriv") or "/usr/bin/setpriv"
SECRETS_NAME = "org.freedesktop.secrets"
LOGIN_COLLECTION = "/org/freedesktop/secrets/collection/login"
KEYRING_PASSWORD = "pw"
ASKPASS_COMM = "autosshd-askpass"[:15]       # /proc/PID/comm is cut at 15 bytes
ISOLATED_ENV = "AUTOSSHD_SECRETS_TEST_NETNS"
SYSTEM_PYTHON = "/usr/bin/python3"     # Debian's, with python3-gi

UNLOCK_PY = r"""
import sys
from gi.repository import Gio, GLib
bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
name, root = "org.freedesktop.secrets", "/org/freedesktop/secrets"
session = bus.call_sync(name, root, "org.freedesktop.Secret.Service", "OpenSession",
                        GLib.Variant("(sv)", ("plain", GLib.Variant("s", ""))),
                        None, 0, 10000, None).unpack()[1]
bus.call_sync(name, root, "org.gnome.keyring.InternalUnsupportedGuiltRiddenInterface",
              "UnlockWithMasterPassword",
              GLib.Variant("(o(oayays))", (sys.argv[1], (session, b"", sys.stdin.buffer.read(),
                                                         "text/plain"))),
              None, 0, 10000, None)
"""


def have_system_gi():
    return subprocess.run([SYSTEM_PYTHON, "-c", "from gi.repository import Gio"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0


def askpass_bin():
    p = os.environ.get("AUTOSSHD_ASKPASS")
    check(p and os.access(p, os.X_OK), "AUTOSSHD_ASKPASS is not set to an executable (%r)" % p)
    return p


def random_secret(n=24):
    """Letters and digits only, so a plain copy shows as text anywhere."""
    return "Sx" + "".join(secrets.choice("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789")
                          for _ in range(n))


def read_text(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return ""


def sshd_log(sshd):
    return read_text(sshd.stderr_path)


def connections(sshd):
    return sshd_log(sshd).count("Connection from ")


def fingerprint(pub):
    out = run([SSH_KEYGEN, "-lf", pub]).stdout.decode()
    m = re.search(r"SHA256:[A-Za-z0-9+/]{43}", out)
    check(m, "no fingerprint in `ssh-keygen -lf %s`: %r" % (pub, out))
    return m.group(0)


def key_blob(pub):
    with open(pub) as f:
        return f.read().split()[1]


def proc_environ(pid):
    try:
        with open("/proc/%d/environ" % pid, "rb") as f:
            raw = f.read()
    except OSError:
        return None
    return dict(kv.split(b"=", 1) for kv in raw.split(b"\0") if b"=" in kv)


def proc_bytes(pid, what):
    try:
        with open("/proc/%d/%s" % (pid, what), "rb") as f:
            return f.read()
    except OSError:
        return None


# ---------------------------------------------------------------- the keyring

class Keyring:
    """gnome-keyring-daemon --foreground --components=secrets on the test bus,
    with the bus's HOME, XDG_DATA_HOME and XDG_RUNTIME_DIR (bus.env).  The
    first start with --unlock creates the `login` collection, password "pw".
    Every instance is tracked by its own pid and killed at cleanup."""

    def __init__(self, fx, bus, unlock=True):
        self.fx = fx
        self.bus = bus
        self.log_path = os.path.join(bus.dir, "gnome-keyring.log")
        self.refs = []
        self.proc = None
        fx.dump_on_failure("gnome-keyring-daemon", self.log_path)
        fx.defer(self.stop)
        self.start(unlock=unlock)

    def start(self, unlock=True, replace=False, timeout=10):
        argv = [GKD, "--foreground", "--components=secrets"]
        argv += ["--unlock"] if unlock else []
        argv += ["--replace"] if replace else []
        old = self.proc
        log = open(self.log_path, "ab")
        log.write(("\n=== %s\n" % " ".join(argv)).encode())
        log.flush()
        p = subprocess.Popen(argv, env=self.bus.env, stdin=subprocess.PIPE, stdout=log,
                             stderr=log)
        log.close()
        self.refs.append(ProcRef(p.pid))
        if unlock:
            p.stdin.write(KEYRING_PASSWORD.encode())
        p.stdin.close()
        self.proc = p

        def owns():
            check(p.poll() is None, "gnome-keyring-daemon exited with status %s at start"
                  % p.returncode)
            return self.owner_pid() == p.pid
        wait_until(owns, timeout, "gnome-keyring-daemon (pid %d) to own %s" % (p.pid, SECRETS_NAME),
                   interval=0.05)
        if old is not None and replace:
            with contextlib.suppress(subprocess.TimeoutExpired):
                old.wait(5)
        return p

    def owner_pid(self):
        res = self.bus.gdbus_call("/org/freedesktop/DBus",
                                  "org.freedesktop.DBus.GetConnectionUnixProcessID",
                                  SECRETS_NAME, dest="org.freedesktop.DBus")
        return res.value()[0] if res.ok else None

    def tool(self, *args, input=None):
        p = subprocess.run([SECRET_TOOL] + list(args), env=self.bus.env, input=input,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=20)
        return p

    def store(self, secret, *attrs):
        p = self.tool("store", "--label=autosshd test", *attrs, input=secret)
        check(p.returncode == 0, "secret-tool store %s: status %d, stderr %r"
              % (" ".join(attrs), p.returncode, p.stderr))
        got = self.tool("lookup", *attrs)
        check(got.returncode == 0 and got.stdout == secret,
              "secret-tool lookup %s right after storing: status %d" % (" ".join(attrs),
                                                                        got.returncode))

    def store_passphrase(self, key, secret):
        self.store(secret, "type", "passphrase", "identity-file", key)

    def locked(self):
        res = self.bus.gdbus_call(LOGIN_COLLECTION, "org.freedesktop.DBus.Properties.Get",
                                  "org.freedesktop.Secret.Collection", "Locked",
                                  dest=SECRETS_NAME, check_ok=True)
        return res.value()[0]

    def lock(self):
        self.bus.gdbus_call("/org/freedesktop/secrets", "org.freedesktop.Secret.Service.Lock",
                            Raw("[objectpath '%s']" % LOGIN_COLLECTION), dest=SECRETS_NAME,
                            check_ok=True)
        wait_until(self.locked, 5, "the login keyring to be locked")

    def unlock_in_place(self):
        """Unlock the running daemon (as a desktop login does): gnome-keyring's
        UnlockWithMasterPassword over a "plain" session, from the system
        python's gi (a session lives only as long as its connection, so
        gdbus/busctl one-shot calls cannot do it)."""
        p = subprocess.run([SYSTEM_PYTHON, "-c", UNLOCK_PY, LOGIN_COLLECTION], env=self.bus.env,
                           input=KEYRING_PASSWORD.encode(), stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=20)
        check(p.returncode == 0, "in-place unlock failed: %r" % p.stdout)
        wait_until(lambda: not self.locked(), 5, "the login keyring to be unlocked")

    def unlock_by_replace(self):
        """`gnome-keyring-daemon --replace --unlock`: a new daemon takes over."""
        self.start(unlock=True, replace=True)
        wait_until(lambda: not self.locked(), 5, "the login keyring to be unlocked")

    def signal(self, sig):
        if self.proc is not None:
            self.refs[-1].signal(sig)

    def stop(self):
        for r in self.refs:
            r.signal(signal.SIGCONT)
        kill_refs(self.refs, grace=3.0)
        if self.proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(3)


# ---------------------------------------------------------------- the world

def secret_world(fx, service_args=()):
    """World (bus, recorder, sshd, hello target) + an unlocked keyring on the
    same bus, then the service (so libsecret finds the keyring at once)."""
    askpass_bin()
    w = World(fx, start=False)
    kr = Keyring(fx, w.bus)
    w.start_service(*service_args)
    env = w.service.proc and proc_environ(w.service.pid) or {}
    check(env.get(b"AUTOSSHD_ASKPASS", b"").decode() == os.environ["AUTOSSHD_ASKPASS"],
          "the service does not see AUTOSSHD_ASKPASS=%s (environ has %r)"
          % (os.environ["AUTOSSHD_ASKPASS"], env.get(b"AUTOSSHD_ASKPASS")))
    return w, kr


def passphrase_key(w, passphrase, name="pkey"):
    """A passphrase-protected key whose .pub the test sshd accepts."""
    key = os.path.join(w.bus.dir, name)
    run([SSH_KEYGEN, "-q", "-t", "ed25519", "-N", passphrase, "-C", "asd-secrets", "-f", key])
    with open(key + ".pub") as f:
        pub = f.read()
    with open(os.path.join(w.sshd.dir, "authorized_keys"), "a") as f:
        f.write(pub)
    return key


def passphrase_prompt(key):
    return "Enter passphrase for key '%s': " % key


def settle_connections(sshd, timeout=6):
    """Wait until the sshd log stops growing in connections (every run ended)."""
    last = [connections(sshd), time.monotonic()]

    def quiet():
        n = connections(sshd)
        if n != last[0]:
            last[:] = [n, time.monotonic()]
        return time.monotonic() - last[1] >= 1.0
    wait_until(quiet, timeout, "the sshd log to settle", interval=0.1)
    return connections(sshd)


def stays_failed_without_connections(w, name, seconds):
    c0 = connections(w.sshd)
    ok = stays_true(lambda: connections(w.sshd) == c0
                    and w.bus.tunnel_prop(name, "State") == "failed", seconds, interval=0.25)
    check(ok, "after failing, %s is %r and sshd logged %d connection(s) (had %d) within %d s"
          % (name, w.bus.tunnel_prop(name, "State"), connections(w.sshd), c0, seconds))


def run_askpass(env_extra, prompt, as_nobody=False, timeout=40):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C.UTF-8"}
    env.update(env_extra)
    argv = [askpass_bin(), prompt]
    if as_nobody:
        argv = [SETPRIV, "--reuid=nobody", "--regid=nogroup", "--clear-groups"] + argv
    p = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=timeout)
    return p


def autosshctl_bin():
    ctl = os.environ.get("AUTOSSHCTL_BIN")
    check(ctl and os.access(ctl, os.X_OK), "AUTOSSHCTL_BIN is not an executable (%r)" % ctl)
    return ctl


def read_terminal(master, until, timeout, what):
    """What the terminal shows, read until until(text) or its end (the
    program exited); fails after timeout seconds (a hang's bound)."""
    text = b""
    deadline = time.monotonic() + timeout
    while not until(text.decode(errors="replace")):
        left = deadline - time.monotonic()
        check(left > 0, "%s: nothing more after %d s; the terminal shows %r" % (what, timeout, text))
        if select.select([master], [], [], left)[0]:
            try:
                chunk = os.read(master, 4096)
            except OSError:         # EIO: the terminal's last user is gone
                chunk = b""
            if not chunk:
                break
            text += chunk
    return text.decode(errors="replace")


def type_on_terminal(w, args, secret, prompt):
    """Runs autosshctl ARGS on a pseudo-terminal of its own and types secret
    at its prompt; returns all the terminal showed.  While it prompts, the
    terminal's echo must be off and secret nowhere in its argv; afterwards
    echo is on again."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([autosshctl_bin()] + args, env=w.bus.env, stdin=slave,
                            stdout=slave, stderr=slave, start_new_session=True)
    os.close(slave)
    try:
        shown = read_terminal(master, lambda t: t.endswith(": "), 20, "autosshctl's prompt")
        check(prompt in shown, "autosshctl did not prompt %r; the terminal shows %r"
              % (prompt, shown))
        check(not termios.tcgetattr(master)[3] & termios.ECHO,
              "the terminal echoes while autosshctl prompts")
        with open("/proc/%d/cmdline" % proc.pid, "rb") as f:
            check(secret.encode() not in f.read(), "the secret is in autosshctl's argv")
        os.write(master, secret.encode() + b"\n")
        shown += read_terminal(master, lambda t: False, 20, "autosshctl to finish")
        check(proc.wait(10) == 0, "autosshctl %s: status %s; the terminal shows %r"
              % (" ".join(args), proc.returncode, shown))
        check(termios.tcgetattr(master)[3] & termios.ECHO,
              "autosshctl left the terminal's echo off")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    check(secret not in shown, "the secret showed on the terminal: %r" % shown)
    return shown


def config_key_world(fx, pw):
    """secret_world + a passphrase key named only in the service's
    ~/.ssh/config (Host cfghost), and a wrapper `ssh` for the test's own
    commands that reads the same file with -F (OpenSSH reads ~/.ssh/config
    from the passwd home).  Returns (w, kr, key, env for autosshctl)."""
    w, kr = secret_world(fx)
    check(w.bus.wrap, "cannot give the service a private ~/.ssh/config (needs root and unshare)")
    key = passphrase_key(w, pw)
    conf = w.bus.write_ssh_config(
        "Host cfghost\n  HostName 127.0.0.1\n  Port %d\n  User root\n  IdentityFile %s\n"
        "  IdentitiesOnly yes\n  UserKnownHostsFile %s\n  StrictHostKeyChecking yes\n"
        % (w.sshd.port, key, w.known_hosts))
    wrap = os.path.join(w.bus.dir, "ssh-wrapper")
    os.makedirs(wrap)
    with open(os.path.join(wrap, "ssh"), "w") as f:
        f.write('#!/bin/sh\nexec %s -F %s "$@"\n' % (shutil.which("ssh") or "/usr/bin/ssh", conf))
    os.chmod(os.path.join(wrap, "ssh"), 0o755)
    env = dict(w.bus.env)
    env["PATH"] = wrap + os.pathsep + env.get("PATH", "/usr/bin:/bin")
    return w, kr, key, env


def add_config_tunnel(w, name, start=True):
    """A tunnel to the alias as a user writes it: nothing but the alias."""
    return w.add(name, start=start, Destination="cfghost", Port=None, User=None,
                 IdentityFile=None, SshOptions=None)


def ctl(env, args, input=None, timeout=60):
    p = subprocess.run([autosshctl_bin()] + args, env=env, input=input, text=True,
                       stdin=None if input is not None else subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    return p


def keyring_has(kr, *attrs):
    got = kr.tool("lookup", *attrs)
    return got.stdout if got.returncode == 0 else None



def password_user(fx, w):
    """A new user asdtestNNN with a random password, removed at the end,
    and the World's sshd restarted with password logins allowed (UsePAM
    no: sshd reads /etc/shadow itself).  Returns (user, password)."""
    user = None
    for _ in range(20):
        cand = "asdtest%03d" % secrets.randbelow(1000)
        if subprocess.run(["getent", "passwd", cand], stdout=subprocess.DEVNULL).returncode != 0:
            user = cand
            break
    check(user, "no free asdtestNNN user name")
    p = subprocess.run(["useradd", "-M", "-s", "/bin/sh", user], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    check(p.returncode == 0, "useradd %s: %s" % (user, p.stdout))

    def remove_user():
        w.sshd.stop()           # userdel refuses while the user's sshd session runs
        w.service.cleanup()
        r = subprocess.run(["userdel", user], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True)
        if r.returncode != 0:
            print("WARNING: userdel %s: %s" % (user, r.stdout.strip()))
    fx.defer(remove_user)
    password = random_secret()
    p = subprocess.run(["chpasswd"], input="%s:%s\n" % (user, password), text=True,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    check(p.returncode == 0, "chpasswd: %s" % p.stdout)
    with open(w.sshd.config, "a") as f:
        f.write("PasswordAuthentication yes\nKbdInteractiveAuthentication no\n")
    w.sshd.restart()
    return user, password


def host_key_world(fx):
    w, kr = secret_world(fx)
    empty = os.path.join(w.bus.dir, "empty_known_hosts")
    open(empty, "w").close()
    return w, kr, empty


def trust(w, name, fp):
    res = w.bus.tunnel(name, "TrustHostKey", fp)
    check(res.ok, "TrustHostKey(%s) failed: %s" % (fp, res.describe()))


def wait_new_failure(w, name, mark, timeout=25):
    """Wait for a new run after mark (connecting) to end failed; its reason."""
    path = tunnel_path(name)

    def done():
        st = w.rec.states(path, mark)
        news = [s[1] for s in st]
        if "connecting" in news and news[-1] in ("failed", "connected"):
            return st
        return None
    st = wait_until(done, timeout, "a new run of %s to end" % name, interval=0.1)
    check(st[-1][1] == "failed", "%s: expected a new failed run, StateChanged %r" % (name, st))
    return st[-1][2]


def monitor_byte_arrays(capture):
    """Every `array of bytes [ hex ... ]` of a dbus-monitor capture (printed
    21 bytes a line), decoded and joined with NULs."""
    out = []
    for m in re.finditer(rb"array of bytes \[([0-9a-f\s]*)\]", capture):
        out.append(bytes.fromhex(m.group(1).decode()))
    return b"\0".join(out)


class ProcWatch:
    """Polls /proc for the service's descendants (ssh, the askpass helper)
    and keeps each one's cmdline and environ."""

    def __init__(self, root_pid):
        self.root = root_pid
        self.seen = {}          # pid → (comm, cmdline, environ bytes)
        self._stop = False
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()

    def snap(self, pid):
        c = comm(pid)
        cl = proc_bytes(pid, "cmdline")
        env = proc_bytes(pid, "environ")
        if c is None or cl is None:
            return
        old = self.seen.get(pid)
        if old is None or (env and not old[2]) or old[0] != c:
            self.seen[pid] = (c, cl, env or b"")

    def _run(self):
        while not self._stop:
            for p in [self.root] + descendants(self.root):
                self.snap(p)
            time.sleep(0.003)

    def stop(self):
        self._stop = True
        self._t.join(2)


# ---------------------------------------------------------------- skips

def sshd_root():
    if os.geteuid() != 0:
        return "needs root (sshd with root logins, /run/sshd, useradd, setpriv)"
    return sshd_skip_reason()


def keyring_tools():
    for tool in (GKD, SECRET_TOOL):
        if not os.access(tool, os.X_OK):
            return "%s is missing (gnome-keyring, libsecret-tools)" % tool
    return None


def system_gi():
    if not have_system_gi():
        return "%s lacks python3-gi (needed to unlock the keyring in place)" % SYSTEM_PYTHON
    return None


def dbus_monitor():
    return None if os.access(DBUS_MONITOR, os.X_OK) else "%s is missing" % DBUS_MONITOR


# ---------------------------------------------------------------- tests

class SecretsTest(TestCase):
    """Secrets and host-key approval with a real keyring (one method per meson test)."""

    # ---------------------------------------------------------------- tests

    @requires(sshd_root, keyring_tools)
    def test_passphrase_key_connects(self):
        fx = self.fx
        w, kr = secret_world(fx)
        pw = random_secret()
        key = passphrase_key(w, pw)
        kr.store_passphrase(key, pw)
        lport = w.add("pp", IdentityFile=key)
        props = w.connected("pp", timeout=25)
        wait_forward(lport, w.target.payload, timeout=10, what="the forward of a passphrase key")
        check(props["IdentityFile"] == key, "IdentityFile %r" % props["IdentityFile"])
        log = sshd_log(w.sshd)
        check(re.search(r"Accepted publickey for root .*ED25519 SHA256:", log)
              and fingerprint(key + ".pub") in log,
              "sshd did not log an accepted login with the passphrase key %s" % fingerprint(key + ".pub"))

    @requires(sshd_root, keyring_tools)
    def test_passphrase_missing(self):
        fx = self.fx
        w, kr = secret_world(fx)
        key = passphrase_key(w, random_secret())
        w.add("nopass", IdentityFile=key)
        props = wait_state(w.bus, "nopass", "failed", 25)
        reason = props["StateReason"]
        print("reason: %r" % reason)
        check(key in reason, "StateReason does not name the key %s: %r" % (key, reason))
        check("autosshctl passphrase nopass" in reason,
              "StateReason does not say `autosshctl passphrase nopass`: %r" % reason)
        check_reason(props, "secret-missing", "no passphrase stored", identity_file=key,
                     tunnel="nopass", retry="never")
        check(props["Pid"] == 0 and props["NextRetry"] == 0,
              "Pid %r NextRetry %r when failed" % (props["Pid"], props["NextRetry"]))
        settle_connections(w.sshd)
        stays_failed_without_connections(w, "nopass", 6)

    @requires(sshd_root, keyring_tools)
    def test_passphrase_wrong(self):
        fx = self.fx
        w, kr = secret_world(fx)
        key = passphrase_key(w, random_secret())
        kr.store_passphrase(key, random_secret())
        c_before = connections(w.sshd)
        w.add("wrong", IdentityFile=key)
        props = wait_state(w.bus, "wrong", "failed", 25)
        reason = props["StateReason"]
        print("reason: %r" % reason)
        errs = []
        # no storm first (the reason is checked after, so a failure reports both)
        t0 = time.monotonic()
        settle_connections(w.sshd)
        try:
            stays_failed_without_connections(w, "wrong", max(0.0, 8 - (time.monotonic() - t0)))
        except TestFailure as e:
            errs.append(str(e))
        n = connections(w.sshd) - c_before
        if n != 1:
            errs.append("sshd logged %d connections for one attempt with a wrong passphrase" % n)
        if not (re.search(r"not accepted", reason) and key in reason):
            errs.append("StateReason does not say the stored secret for %s was not accepted: %r"
                        % (key, reason))
        if "autosshctl passphrase wrong" not in reason:
            errs.append("StateReason does not say `autosshctl passphrase wrong`: %r" % reason)
        check(not errs, "; ".join(errs))
        check_reason(props, "secret-rejected", "wrong passphrase", identity_file=key,
                     tunnel="wrong", retry="never")

    @requires(sshd_root, keyring_tools)
    def test_password_auth(self):
        fx = self.fx
        w, kr = secret_world(fx)
        user, password = password_user(fx, w)
        # The tunnel has a key file, but logs in by password: --password
        # stores the password of user@host, typed on a terminal.
        lport = w.add("pwd", start=False, User=user,
                      SshOptions=["PubkeyAuthentication=no", "UserKnownHostsFile=%s" % w.known_hosts,
                                  "StrictHostKeyChecking=yes"])
        shown = type_on_terminal(w, ["passphrase", "pwd", "--password"], password,
                                 "Password of %s@127.0.0.1: " % user)
        check("Stored the password of %s@127.0.0.1" % user in shown, "the terminal shows %r" % shown)
        got = kr.tool("lookup", "type", "password", "user", user, "host", "127.0.0.1")
        check(got.returncode == 0 and got.stdout == password,
              "the keyring does not hold the password typed (status %d)" % got.returncode)
        w.bus.tunnel("pwd", "Start", check_ok=True)
        try:
            w.connected("pwd", timeout=25)
        except TestFailure:
            log = sshd_log(w.sshd)
            raise TestFailure("password login of %s did not connect; sshd says: %s"
                              % (user, " | ".join(l for l in log.splitlines() if user in l)[-800:]))
        wait_forward(lport, w.target.payload, timeout=10, what="the forward of a password login")
        check(re.search(r"Accepted password for %s from 127\.0\.0\.1" % user, sshd_log(w.sshd)),
              "sshd did not log `Accepted password for %s`" % user)
        check(password not in w.service.log(), "the password is in the service's log")

    @requires(sshd_root, keyring_tools)
    def test_autosshctl_passphrase_on_terminal(self):
        """`autosshctl passphrase NAME` on a terminal: it prompts with echo
        off, the passphrase reaches the keyring, never its argv, the terminal
        or the service's log, and the tunnel connects with the key."""
        fx = self.fx
        w, kr = secret_world(fx)
        pw = random_secret()
        key = passphrase_key(w, pw)
        lport = w.add("tty", start=False, IdentityFile=key)
        shown = type_on_terminal(w, ["passphrase", "tty"], pw, "Passphrase of key %s: " % key)
        check("Stored the passphrase of key %s" % key in shown, "the terminal shows %r" % shown)
        got = kr.tool("lookup", "type", "passphrase", "identity-file", key)
        check(got.returncode == 0 and got.stdout == pw,
              "the keyring does not hold the passphrase typed (status %d)" % got.returncode)
        w.bus.tunnel("tty", "Start", check_ok=True)
        w.connected("tty", timeout=25)
        wait_forward(lport, w.target.payload, timeout=10, what="the forward of the key")
        check(pw not in w.service.log(), "the passphrase is in the service's log")

    @requires(sshd_root, keyring_tools)
    def test_unknown_host_trusted(self):
        fx = self.fx
        w, kr, kh = host_key_world(fx)
        real = fingerprint(w.sshd.host_key + ".pub")
        opts = ["IdentitiesOnly=yes", "UserKnownHostsFile=%s" % kh]
        lport = w.add("newhost", SshOptions=opts)
        props = wait_state(w.bus, "newhost", "failed", 25)
        reason = props["StateReason"]
        print("reason: %r" % reason)
        check(real in reason, "StateReason lacks the server's fingerprint %s: %r" % (real, reason))
        check("autosshctl trust" in reason, "StateReason lacks `autosshctl trust`: %r" % reason)
        check_reason(props, "host-key-unknown", "unknown host key", fingerprint=real,
                     tunnel="newhost", retry="never")
        # well formed, not the one the server offered: refused, nothing saved
        wrong = "SHA256:" + base64.b64encode(os.urandom(32)).decode().rstrip("=")
        check(len(wrong) == 50 and wrong != real, "made a bad fake fingerprint %r" % wrong)
        res = w.bus.tunnel("newhost", "TrustHostKey", wrong)
        check(not res.ok and "io.github.autosshd1.Error.HostKeyMismatch" in res.stderr
              and real in res.stderr and wrong in res.stderr,
              "TrustHostKey(wrong): " + res.describe())
        check(os.path.getsize(kh) == 0, "known_hosts was written after a wrong approval: %r"
              % read_text(kh))
        check(w.bus.tunnel_prop("newhost", "State") == "failed", "the tunnel left failed")
        # the right one
        trust(w, "newhost", real)
        w.connected("newhost", timeout=25)
        wait_forward(lport, w.target.payload, timeout=10, what="the forward after TrustHostKey")
        blob = key_blob(w.sshd.host_key + ".pub")
        check(blob in read_text(kh), "known_hosts does not hold the host key after approval: %r"
              % read_text(kh))
        conf = read_text(w.bus.conf_path("newhost"))
        check("TrustedHostKey=%s" % real in conf, "the tunnel file lacks TrustedHostKey=%s:\n%s"
              % (real, conf))

    @requires(sshd_root, keyring_tools)
    def test_autosshctl_passphrase_and_trust(self):
        """The README's way, with nothing typed into ssh: `autosshctl passphrase
        NAME` (one line on stdin) stores the key's passphrase, `autosshctl trust
        NAME FINGERPRINT` approves the unknown host key, and the tunnel connects."""
        fx = self.fx
        w, kr, kh = host_key_world(fx)
        ctl = autosshctl_bin()
        pw = random_secret()
        key = passphrase_key(w, pw)
        lport = w.add("cli", start=False, IdentityFile=key,
                      SshOptions=["IdentitiesOnly=yes", "UserKnownHostsFile=%s" % kh])
        res = w.bus.run([ctl, "passphrase", "cli"], input=pw + "\n")
        check(res.rc == 0, "autosshctl passphrase: " + res.describe())
        check(pw not in res.stdout + res.stderr, "autosshctl passphrase printed the passphrase")
        got = kr.tool("lookup", "type", "passphrase", "identity-file", key)
        check(got.returncode == 0 and got.stdout == pw,
              "the keyring does not hold what autosshctl passphrase stored (status %d)" % got.returncode)
        res = w.bus.run([ctl, "start", "cli"])
        check(res.rc == 0, "autosshctl start: " + res.describe())
        reason = wait_state(w.bus, "cli", "failed", 25)["StateReason"]
        real = fingerprint(w.sshd.host_key + ".pub")
        check(real in reason and "autosshctl trust cli" in reason,
              "the unknown host key's reason: %r" % reason)
        res = w.bus.run([ctl, "trust", "cli", real])
        check(res.rc == 0, "autosshctl trust: " + res.describe())
        w.connected("cli", timeout=25)
        wait_forward(lport, w.target.payload, timeout=10, what="the forward after passphrase and trust")

    @requires(sshd_root, keyring_tools)
    def test_config_key_first_time(self):
        """Issue 13's loop: a key named only in ~/.ssh/config.  The failure
        names it in NeedsSecret; a wrong passphrase is refused before it is
        stored; the right one is stored for exactly that key, the tunnel
        starts again and connects, first time."""
        fx = self.fx
        pw = random_secret()
        w, kr, key, env = config_key_world(fx, pw)
        lport = add_config_tunnel(w, "cfg")
        props = wait_state(w.bus, "cfg", "failed", 25)
        print("reason: %r" % props["StateReason"])
        check(props["NeedsSecret"] == ["passphrase", key],
              "NeedsSecret %r, expected the key of ~/.ssh/config %s" % (props["NeedsSecret"], key))
        check(props["PendingHostKey"] == ["", ""], "PendingHostKey %r" % props["PendingHostKey"])
        check_reason(props, "secret-missing", "no passphrase stored", identity_file=key,
                     tunnel="cfg", retry="never")
        check("autosshctl passphrase cfg" in props["StateReason"], "reason %r" % props["StateReason"])
        # a wrong passphrase: refused, nothing stored, the tunnel left alone
        wrong = random_secret()
        p = ctl(env, ["passphrase", "cfg"], input=wrong + "\n")
        print("wrong: rc %d, stdout %r, stderr %r" % (p.returncode, p.stdout, p.stderr))
        check(p.returncode != 0 and "not the passphrase of key %s" % key in p.stderr,
              "a wrong passphrase was not refused: rc %d, stderr %r" % (p.returncode, p.stderr))
        check(wrong not in p.stdout + p.stderr, "autosshctl printed the passphrase")
        check(keyring_has(kr, "type", "passphrase", "identity-file", key) is None,
              "the wrong passphrase was stored")
        check(keyring_has(kr, "type", "password", "user", "root", "host", "127.0.0.1") is None,
              "a password of root@127.0.0.1 was stored")
        check(w.bus.tunnel_prop("cfg", "State") == "failed", "the tunnel left failed")
        # the right one: stored for the key, the tunnel connects
        mark = w.rec.mark()
        c0 = connections(w.sshd)
        p = ctl(env, ["passphrase", "cfg"], input=pw + "\n")
        check(p.returncode == 0, "autosshctl passphrase: rc %d, stderr %r" % (p.returncode, p.stderr))
        check("Stored the passphrase of key %s in the keyring." % key in p.stdout,
              "autosshctl said %r" % p.stdout)
        check(keyring_has(kr, "type", "passphrase", "identity-file", key) == pw,
              "the keyring does not hold the passphrase for %s" % key)
        props = w.connected("cfg", timeout=25)
        wait_forward(lport, w.target.payload, timeout=10, what="the forward of the config key")
        states = [st[1] for st in w.rec.states(tunnel_path("cfg"), mark)]
        check("failed" not in states, "the tunnel failed again on its way up: %r" % states)
        check(connections(w.sshd) - c0 == 1, "%d connections for one start"
              % (connections(w.sshd) - c0))
        check(props["NeedsSecret"] == ["", ""], "NeedsSecret %r once connected" % props["NeedsSecret"])

    @requires(sshd_root, keyring_tools)
    def test_config_key_resolved_by_ssh(self):
        """Nothing pending (the tunnel never ran): `autosshctl passphrase`
        finds the key as ssh does (`ssh -G`), says which it stored, and the
        tunnel connects on its first start."""
        fx = self.fx
        pw = random_secret()
        w, kr, key, env = config_key_world(fx, pw)
        lport = add_config_tunnel(w, "cfg2", start=False)
        p = ctl(env, ["passphrase", "cfg2"], input=pw + "\n")
        check(p.returncode == 0, "autosshctl passphrase: rc %d, stderr %r" % (p.returncode, p.stderr))
        check("Stored the passphrase of key %s in the keyring." % key in p.stdout,
              "autosshctl said %r" % p.stdout)
        check(keyring_has(kr, "type", "passphrase", "identity-file", key) == pw,
              "the keyring does not hold the passphrase for %s" % key)
        w.bus.tunnel("cfg2", "Start", check_ok=True)
        w.connected("cfg2", timeout=25)
        wait_forward(lport, w.target.payload, timeout=10, what="the forward of the config key")

    @requires(sshd_root, keyring_tools)
    def test_missing_identity_file(self):
        """AddTunnel (and `autosshctl add -i`) with a key file that is not
        there: a named error at once, no tunnel, no file."""
        fx = self.fx
        w, kr = secret_world(fx)
        missing = os.path.join(w.bus.dir, "no-such-key")
        res = w.bus.manager("AddTunnel", "nokey", w.settings(IdentityFile=missing), True)
        check(not res.ok and "io.github.autosshd1.Error.IdentityFile" in res.stderr
              and missing in res.stderr, "AddTunnel with a missing key: " + res.describe())
        p = ctl(w.bus.env, ["add", "nokey2", "--", "-i", missing, "-p", str(w.sshd.port),
                            "root@127.0.0.1"])
        check(p.returncode != 0 and missing in p.stderr and "does not exist" in p.stderr,
              "autosshctl add -i MISSING: rc %d, stderr %r" % (p.returncode, p.stderr))
        unreadable = os.path.join(w.bus.dir, "dir-key")
        os.mkdir(unreadable)
        res = w.bus.manager("AddTunnel", "nokey3", w.settings(IdentityFile=unreadable), False)
        check(not res.ok and "io.github.autosshd1.Error.IdentityFile" in res.stderr,
              "AddTunnel with a directory as key: " + res.describe())
        check(w.bus.tunnel_paths() == [], "tunnels exist: %r" % w.bus.tunnel_paths())
        check(not os.path.exists(w.bus.conf_path("nokey")), "a tunnel file was written")
        # Configure to a key that is not there: the same error, nothing changed
        w.add("haskey", start=False)
        before = read_text(w.bus.conf_path("haskey"))
        res = w.bus.tunnel("haskey", "Configure", {"IdentityFile": missing})
        check(not res.ok and "io.github.autosshd1.Error.IdentityFile" in res.stderr,
              "Configure to a missing key: " + res.describe())
        check(read_text(w.bus.conf_path("haskey")) == before, "Configure changed the file")

    @requires(sshd_root, keyring_tools)
    def test_trust_wrong_show_forget(self):
        """PendingHostKey holds the offered key; `trust` with another
        fingerprint fails with both shown; --show lists, --forget drops."""
        fx = self.fx
        w, kr, kh = host_key_world(fx)
        real = fingerprint(w.sshd.host_key + ".pub")
        w.add("hk", SshOptions=["IdentitiesOnly=yes", "UserKnownHostsFile=%s" % kh])
        props = wait_state(w.bus, "hk", "failed", 25)
        check(props["PendingHostKey"] == ["ED25519", real],
              "PendingHostKey %r, expected ED25519 %s" % (props["PendingHostKey"], real))
        check(props["NeedsSecret"] == ["", ""], "NeedsSecret %r" % props["NeedsSecret"])
        p = ctl(w.bus.env, ["trust", "hk", "--show"])
        check(p.returncode == 0 and "No host key is approved" in p.stdout
              and "ED25519 %s" % real in p.stdout, "trust --show: %r %r" % (p.stdout, p.stderr))
        wrong = "SHA256:" + base64.b64encode(os.urandom(32)).decode().rstrip("=")
        p = ctl(w.bus.env, ["trust", "hk", wrong])
        print("trust WRONG: rc %d stderr %r" % (p.returncode, p.stderr))
        check(p.returncode != 0 and real in p.stderr and wrong in p.stderr,
              "trust with a wrong fingerprint: rc %d, stdout %r, stderr %r"
              % (p.returncode, p.stdout, p.stderr))
        check(os.path.getsize(kh) == 0, "known_hosts written after a wrong approval")
        check("TrustedHostKey" not in read_text(w.bus.conf_path("hk")), "a wrong approval was saved")
        check(w.bus.tunnel_prop("hk", "State") == "failed", "the tunnel left failed")
        p = ctl(w.bus.env, ["trust", "hk", real])
        check(p.returncode == 0 and real in p.stdout, "trust: rc %d %r %r"
              % (p.returncode, p.stdout, p.stderr))
        props = w.connected("hk", timeout=25)
        check(props["PendingHostKey"] == ["", ""], "PendingHostKey %r once connected"
              % props["PendingHostKey"])
        p = ctl(w.bus.env, ["trust", "hk", "--show"])
        check(p.returncode == 0 and "Approved host key of tunnel “hk”: %s" % real in p.stdout,
              "trust --show after approval: %r" % p.stdout)
        p = ctl(w.bus.env, ["trust", "hk", "--forget"])
        check(p.returncode == 0 and real in p.stdout, "trust --forget: %r %r" % (p.stdout, p.stderr))
        check("TrustedHostKey=SHA" not in read_text(w.bus.conf_path("hk")),
              "the approval is still in the tunnel's file")
        p = ctl(w.bus.env, ["trust", "hk", "--show"])
        check("No host key is approved" in p.stdout, "trust --show after --forget: %r" % p.stdout)

    @requires(sshd_root, keyring_tools)
    def test_changed_host_key(self):
        fx = self.fx
        w, kr, kh = host_key_world(fx)
        real = fingerprint(w.sshd.host_key + ".pub")
        other = os.path.join(w.bus.dir, "other_host")
        run([SSH_KEYGEN, "-q", "-t", "ed25519", "-N", "", "-f", other])
        with open(kh, "w") as f:
            f.write("[127.0.0.1]:%d %s\n" % (w.sshd.port, " ".join(read_text(other + ".pub").split()[:2])))
        before = read_text(kh)
        w.add("changed", SshOptions=["IdentitiesOnly=yes", "UserKnownHostsFile=%s" % kh])
        props = wait_state(w.bus, "changed", "failed", 25)
        reason = props["StateReason"]
        print("reason: %r" % reason)
        check("CHANGED" in reason, "StateReason does not say CHANGED: %r" % reason)
        check_reason(props, "host-key-changed", "changed host key", retry="never")
        mark = w.rec.mark()
        trust(w, "changed", real)
        # TrustHostKey on a failed tunnel starts it again: that run must fail too
        reason = wait_new_failure(w, "changed", mark)
        print("after TrustHostKey(real): %r" % reason)
        check("CHANGED" in reason, "reason after TrustHostKey: %r" % reason)
        check(stays_true(lambda: w.bus.tunnel_prop("changed", "State") == "failed", 3),
              "the tunnel left failed: %r" % w.bus.tunnel_prop("changed", "State"))
        check(read_text(kh) == before, "known_hosts changed: %r" % read_text(kh))

    @requires(sshd_root, keyring_tools, system_gi)
    def test_keyring_locked(self):
        fx = self.fx
        w, kr = secret_world(fx)
        pw = random_secret()
        key = passphrase_key(w, pw)
        kr.store_passphrase(key, pw)
        kr.lock()
        check(kr.tool("lookup", "type", "passphrase", "identity-file", key).returncode != 0,
              "secret-tool lookup still works on the locked keyring")
        lport = w.add("locked", IdentityFile=key)
        props = wait_state(w.bus, "locked", ("retrying", "failed"), 25)
        reason = props["StateReason"]
        print("while locked: %s: %r" % (props["State"], reason))
        errs = []
        if not re.search(r"\blocked\b", reason):
            errs.append("StateReason does not say the keyring is locked: %s %r"
                        % (props["State"], reason))
        if props.get("StateReasonCode") != "keyring-locked":
            errs.append("StateReasonCode while locked: %r" % props.get("StateReasonCode"))
        mark = w.rec.mark()
        t0 = time.monotonic()
        kr.unlock_in_place()
        try:
            w.connected("locked", timeout=20)
            print("connected %.1f s after the unlock" % (time.monotonic() - t0))
            wait_forward(lport, w.target.payload, timeout=10)
        except TestFailure as e:
            errs.append("after the unlock (without Start): %s; StateChanged since: %r"
                        % (e, w.rec.states(tunnel_path("locked"), mark)))
        check(not errs, "; ".join(errs))

    @requires(sshd_root, keyring_tools)
    def test_keyring_restarted(self):
        """The keyring daemon is replaced while the service runs (crash, a new
        login, `gnome-keyring-daemon --replace`): the next lookup must work."""
        fx = self.fx
        w, kr = secret_world(fx)
        pw = random_secret()
        key = passphrase_key(w, pw)
        kr.store_passphrase(key, pw)
        w.add("kr", IdentityFile=key)
        w.connected("kr", timeout=25)
        kr.unlock_by_replace()
        got = kr.tool("lookup", "type", "passphrase", "identity-file", key)
        check(got.returncode == 0 and got.stdout == pw, "the replaced keyring lost the secret")
        mark = w.rec.mark()
        res = w.bus.tunnel("kr", "Restart")
        check(res.ok, "Restart: " + res.describe())

        def ended():
            st = w.rec.states(tunnel_path("kr"), mark)
            return st if st and st[-1][1] in ("connected", "failed") and len(st) >= 2 else None
        st = wait_until(ended, 25, "the restarted run to end")
        check(st[-1][1] == "connected", "after the keyring daemon was replaced, Restart gave %r"
              % (st,))

    @requires(sshd_root, keyring_tools)
    def test_replace_keeps_askpass(self):
        """autosshd --replace: the old instance exits without deleting the new
        one's askpass socket, and a passphrase-protected key still connects."""
        fx = self.fx
        w, kr = secret_world(fx)
        pw = random_secret()
        key = passphrase_key(w, pw)
        kr.store_passphrase(key, pw)
        sock = os.path.join(w.bus.runtime_dir, "autosshd", "askpass")
        old = ProcRef(w.service.pid)
        w.service.stopping = True          # its exit is asked for
        w.service.expect_status(0)         # handing over to --replace is a clean end
        w.service = Service(w.bus).start("--replace")
        wait_until(lambda: not old.alive(), 15, "the replaced instance (%r) to exit" % old)
        check(os.path.exists(sock), "the new instance's askpass socket %s is gone" % sock)
        w.add("repl", IdentityFile=key)
        w.connected("repl", timeout=25)

    @requires(sshd_root, keyring_tools, dbus_monitor)
    def test_leak_test(self):
        fx = self.fx
        w = World(fx, start=False)
        askpass_bin()
        cap = os.path.join(w.bus.dir, "dbus-monitor.txt")
        out = open(cap, "w")
        mon = subprocess.Popen([DBUS_MONITOR, "--session"], env=w.bus.env, stdin=subprocess.DEVNULL,
                               stdout=out, stderr=subprocess.STDOUT)
        out.close()
        mref = ProcRef(mon.pid)
        fx.defer(kill_refs, [mref])

        def monitoring():
            w.bus.gdbus_call("/org/freedesktop/DBus", "org.freedesktop.DBus.GetId",
                             dest="org.freedesktop.DBus")
            return "GetId" in read_text(cap)
        wait_until(monitoring, 10, "dbus-monitor to record")
        kr = Keyring(fx, w.bus)
        w.start_service("-v")
        pw = random_secret(32)
        key = passphrase_key(w, pw)
        kr.store_passphrase(key, pw)
        w.add("leak", start=False, IdentityFile=key)
        watch = ProcWatch(w.service.pid)
        fx.defer(watch.stop)
        # Hold the keyring still while ssh asks, so the helper can be seen at work.
        kr.signal(signal.SIGSTOP)
        fx.defer(kr.signal, signal.SIGCONT)
        try:
            res = w.bus.tunnel("leak", "Start")
            check(res.ok, "Start: " + res.describe())
            helper = wait_until(lambda: [p for p, v in list(watch.seen.items())
                                         if v[0] == ASKPASS_COMM], 15,
                                "the askpass helper to run (keyring held)")[0]
            wait_until(lambda: watch.seen[helper][2], 2, "the helper's environ")
        finally:
            kr.signal(signal.SIGCONT)
        props = w.connected("leak", timeout=25)
        time.sleep(0.3)   # let the watcher see the connected ssh once more (not an assertion)
        watch.stop()
        mon_ref_ok = mon.poll() is None
        check(mon_ref_ok, "dbus-monitor died: status %s" % mon.poll())
        # the helper's design: argv = [helper, prompt]; environ = ssh's (socket, token)
        hc, hargv, henv = watch.seen[helper]
        hargv = hargv.split(b"\0")[:-1]
        check(len(hargv) == 2 and hargv[1].decode() == passphrase_prompt(key),
              "the helper's argv: %r" % hargv)
        check(b"AUTOSSHD_ASKPASS_TOKEN=" in henv and b"AUTOSSHD_ASKPASS_SOCKET=" in henv,
              "the helper's environ lacks the socket/token")
        # stop dbus-monitor so its file is complete
        mref.signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            mon.wait(5)
        needles = [pw.encode(), " ".join("%02x" % b for b in pw.encode()).encode(),
                   base64.b64encode(pw.encode())[:20]]
        found = []

        def search(label, data):
            if data and any(n in data for n in needles):
                found.append(label)
        with open(cap, "rb") as f:
            capture = f.read()
        check(b"member=GetSecrets" in capture and b"io.github.autosshd1" in capture
              and monitor_byte_arrays(capture),
              "the dbus-monitor capture lacks GetSecrets, autosshd's traffic or byte arrays")
        search("dbus-monitor capture (%s)" % cap, capture)
        search("dbus-monitor capture, byte arrays decoded", monitor_byte_arrays(capture))
        search("service log", read_text(w.service.log_path).encode())
        search("sshd log", sshd_log(w.sshd).encode())
        search("dbus-daemon log", read_text(w.bus.log_path).encode())
        for pid, (c, cl, env) in sorted(watch.seen.items()):
            search("/proc/%d/cmdline (%s)" % (pid, c), cl)
            search("/proc/%d/environ (%s)" % (pid, c), env)
        for top in (w.bus.config_home, w.bus.runtime_dir, w.bus.home):
            for d, _, files in os.walk(top):
                for n in files:
                    p = os.path.join(d, n)
                    if os.path.isfile(p) and not os.path.islink(p):
                        with open(p, "rb") as f:
                            search(p, f.read())
        kinds = sorted({v[0] for v in watch.seen.values()})
        print("processes checked: %s (%d); capture %d bytes" % (kinds, len(watch.seen), len(capture)))
        check(ASKPASS_COMM in kinds and "ssh" in kinds, "the watcher saw %r" % kinds)
        check("DEBUG" in read_text(w.service.log_path) or "debug" in read_text(w.service.log_path).lower(),
              "the service log has no debug lines (-v, G_MESSAGES_DEBUG=all)")
        check(not found, "the passphrase was found in: %s" % "; ".join(found))
        check(props["State"] == "connected", "state %r" % props["State"])

    @requires(sshd_root, keyring_tools)
    def test_askpass_refusals(self):
        fx = self.fx
        w, kr = secret_world(fx)
        pw = random_secret()
        key = passphrase_key(w, pw)
        kr.store_passphrase(key, pw)
        root_pw = random_secret()        # answerable, never asked by a key login
        kr.store(root_pw, "type", "password", "user", "root", "host", "127.0.0.1")
        w.add("ap", IdentityFile=key)
        props = w.connected("ap", timeout=25)
        env = proc_environ(props["Pid"])
        check(env is not None, "cannot read ssh's environ")
        sock = env.get(b"AUTOSSHD_ASKPASS_SOCKET", b"").decode()
        token = env.get(b"AUTOSSHD_ASKPASS_TOKEN", b"").decode()
        check(sock == os.path.join(w.bus.runtime_dir, "autosshd", "askpass") and
              re.fullmatch(r"[0-9a-f]{64}", token), "ssh's askpass env: socket %r token %r"
              % (sock, token))
        check(env.get(b"SSH_ASKPASS", b"").decode() == os.environ["AUTOSSHD_ASKPASS"]
              and env.get(b"SSH_ASKPASS_REQUIRE") == b"force",
              "ssh's SSH_ASKPASS %r SSH_ASKPASS_REQUIRE %r"
              % (env.get(b"SSH_ASKPASS"), env.get(b"SSH_ASKPASS_REQUIRE")))
        st = os.stat(os.path.dirname(sock))
        check(st.st_mode & 0o777 == 0o700, "socket dir mode %o" % (st.st_mode & 0o777))
        good = {"AUTOSSHD_ASKPASS_SOCKET": sock, "AUTOSSHD_ASKPASS_TOKEN": token}
        pprompt = passphrase_prompt(key)
        wprompt = "root@127.0.0.1's password: "
        errs = []

        def refused(p, what):
            if p.returncode == 0 or p.stdout:
                errs.append("%s: status %d, stdout %r, stderr %r"
                            % (what, p.returncode, p.stdout, p.stderr))
            for s in (pw, root_pw):
                if s.encode() in p.stdout + p.stderr:
                    errs.append("%s: a secret was printed" % what)
            print("%s: status %d, stderr %r" % (what, p.returncode, p.stderr.decode().strip()))

        refused(run_askpass(dict(good, AUTOSSHD_ASKPASS_TOKEN="0" * 64), wprompt), "a wrong token")
        refused(run_askpass(dict(good, AUTOSSHD_ASKPASS_TOKEN=""), wprompt), "an empty token")
        refused(run_askpass({}, wprompt), "no socket/token")
        refused(run_askpass(good, pprompt), "the live token, the passphrase prompt a second time")
        # another uid: the socket's directory is 0700, it cannot even connect
        p = run_askpass(good, wprompt, as_nobody=True)
        refused(p, "as nobody (socket dir 0700)")
        if b"ermission denied" not in p.stderr:
            errs.append("as nobody: expected a refused connect (Permission denied), stderr %r"
                        % p.stderr)
        # second line of defence: the directories opened up, SO_PEERCRED refuses
        opened = [w.bus.dir, w.bus.runtime_dir, os.path.dirname(sock)]
        modes = [(d, os.stat(d).st_mode & 0o7777) for d in opened] + \
                [(sock, os.stat(sock).st_mode & 0o7777)]
        try:
            for d in opened:
                os.chmod(d, 0o711)
            os.chmod(sock, 0o666)
            refused(run_askpass(good, wprompt, as_nobody=True), "as nobody (socket opened up)")
        finally:
            for path, m in modes:
                os.chmod(path, m)
        wait_until(lambda: "refused a connection from another user" in w.service.log(), 5,
                   "the service to log the refused connection from another user")
        # control: the same question from our uid is answered (once)
        p = run_askpass(good, wprompt)
        if not (p.returncode == 0 and p.stdout == (root_pw + "\n").encode()):
            errs.append("control: our own uid with the live token was not answered: status %d "
                        "stdout-is-secret %s stderr %r" % (p.returncode,
                                                            p.stdout == (root_pw + "\n").encode(),
                                                            p.stderr))
        refused(run_askpass(good, wprompt), "the password prompt a second time")
        # hostile prompt text: a key path that is not a clean absolute path, a
        # login with control characters: refused, and nothing recorded
        hostile = [("Enter passphrase for key 'relative/key': ", "a relative key path"),
                   ("Enter passphrase for key '/tmp/a\x01b': ", "a key path with a control character"),
                   ("Enter passphrase for key '/%s': " % ("k" * 5000), "a key path of 5000 bytes"),
                   ("ro\x1bot@127.0.0.1's password: ", "a user with an escape character")]
        for prompt, what in hostile:
            refused(run_askpass(good, prompt), what)
        # not UTF-8: the askpass protocol refuses it before the tunnel sees it
        p = run_askpass(good, b"Enter passphrase for key '/tmp/\xff\xfe': ")
        refused(p, "a key path that is not UTF-8")
        if b"malformed request" not in p.stderr:
            errs.append("a key path that is not UTF-8: stderr %r" % p.stderr)
        wait_until(lambda: w.service.log().count("is not a clean path or user@host") == len(hostile),
                   5, "the service to refuse %d prompts as not clean (it logged %d)"
                   % (len(hostile), w.service.log().count("is not a clean path or user@host")))
        check(w.bus.tunnel_prop("ap", "NeedsSecret") == ["", ""],
              "NeedsSecret %r after hostile prompts" % w.bus.tunnel_prop("ap", "NeedsSecret"))
        # the token dies with its ssh
        ssh = ProcRef(props["Pid"])
        res = w.bus.tunnel("ap", "Stop")
        check(res.ok, "Stop: " + res.describe())
        wait_until(lambda: not ssh.alive(), 10, "ssh to exit")
        wait_state(w.bus, "ap", "stopped", 10)
        refused(run_askpass(good, "(root@127.0.0.1) Password: "), "the token after its ssh exited")
        check(not errs, "askpass answered where it must refuse:\n  " + "\n  ".join(errs))


def isolate(names):
    """Its own network namespace (only lo): the service retries tunnels on
    every network change, and other tests on the machine add and remove
    veths and namespaces; here no change can start a failed tunnel."""
    if (os.geteuid() == 0 and not os.environ.get(ISOLATED_ENV)
            and shutil.which("unshare") and shutil.which("ip")):
        os.environ[ISOLATED_ENV] = "1"
        sys.stdout.flush()
        os.execvp("unshare", ["unshare", "--net", "--", "/bin/sh", "-c",
                              'ip link set lo up && exec "$@"', "sh", sys.executable,
                              os.path.abspath(sys.argv[0])] + names)


if __name__ == "__main__":
    sys.exit(main(before=isolate))
