#!/usr/bin/env python3
"""Integration tests of the desktop's prompts (issue 13): a tunnel that failed
for want of a key's passphrase or an approved host key, the notifier's
failure notification with "Enter passphrase…" / "Trust host key…" (on a
recording notification server, python3-dbusmock, whose ActionInvoked the test
sends as a click would), and the system prompt it opens: gcr's mock prompter
(MOCK_PROMPTER_BIN, tests/secrets/mock-prompter.c), which checks the prompt's
words and answers as a user would, or the real /usr/libexec/gcr-prompter
under Xvfb, typed into with xdotool and kept as a screenshot.  The real
service, sshd and gnome-keyring of test_secrets.py.

Run by meson, one test per case (`meson test -C build secrets-prompt_passphrase`);
by hand: PYTHONPATH=tests/lib AUTOSSHD_BIN=... AUTOSSHD_ASKPASS=...
AUTOSSHCTL_BIN=... AUTOSSH_NOTIFY_BIN=... MOCK_PROMPTER_BIN=...
tests/lib/in-netns.sh /usr/bin/python3 test_prompts.py [PromptTest.test_NAME ...]
"""

import base64
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True      # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))   # test_secrets

from asdtest import TestCase, main, requires  # noqa: E402
from asdtest.busfixture import Raw, wait_state  # noqa: E402
from asdtest.notifyfixture import (  # noqa: E402
    CONVERT, TESSERACT, XVFB, XWD, Display, MockNotifications, Notifier, artifact_dir, have_dbusmock)
from asdtest.sshfixture import ProcRef, check, kill_refs, wait_until  # noqa: E402

from test_secrets import (  # noqa: E402
    DBUS_MONITOR, ProcWatch, add_config_tunnel, config_key_world, connections, ctl,
    fingerprint, host_key_world, keyring_has, keyring_tools, monitor_byte_arrays,
    password_user, random_secret, read_text, secret_world, sshd_root)

GCR_PROMPTER = "/usr/libexec/gcr-prompter"
XDOTOOL = shutil.which("xdotool") or "/usr/bin/xdotool"
REMEMBER = "Remember it after I log out"


def dbusmock():
    return None if have_dbusmock() else "needs python3-dbusmock for /usr/bin/python3"


def mock_prompter_bin():
    p = os.environ.get("MOCK_PROMPTER_BIN")
    return None if p and os.access(p, os.X_OK) else "MOCK_PROMPTER_BIN is not an executable"


def real_prompter():
    for tool in (GCR_PROMPTER, XDOTOOL, XVFB, XWD, CONVERT, TESSERACT):
        if not os.access(tool, os.X_OK):
            return "%s is missing (gcr, xdotool, xvfb, x11-apps, imagemagick, tesseract-ocr)" % tool
    return None


class MockPrompter:
    """mock-prompter STEPS on the test bus; the secrets of "password" steps
    go to its stdin.  Its exit status is checked at the end (0: every prompt
    came with the words expected and was answered)."""

    def __init__(self, fx, bus, steps, secrets=(), forget=False):
        log_path = os.path.join(bus.dir, "mock-prompter.log")
        self.log = open(log_path, "ab")
        argv = [os.environ["MOCK_PROMPTER_BIN"]] + (["--forget"] if forget else []) + steps
        self.proc = subprocess.Popen(argv, env=bus.env,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.log)
        self.ref = ProcRef(self.proc.pid)
        fx.defer(self.stop)
        fx.dump_on_failure("mock-prompter", log_path)
        self.proc.stdin.write("".join(s + "\n" for s in secrets).encode())
        self.proc.stdin.close()
        self.name = self.proc.stdout.readline().decode().strip()
        check(self.name.startswith(":"), "mock-prompter printed no bus name (%r), status %s"
              % (self.name, self.proc.poll()))

    def wait_done(self, timeout=40):
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError("mock-prompter still runs after %d s" % timeout)
        check(rc == 0, "mock-prompter exited with status %d (a prompt it did not expect, "
              "or with other words: see its log)" % rc)

    def stop(self):
        if self.proc.poll() is None:
            kill_refs([self.ref])
            self.proc.wait(3)
        self.log.close()


def notification_ids(mock):
    """(notification, id) of every Notify call: the recording server gives
    a new call the next id, a replacing one its replaces_id."""
    out, next_id = [], 1
    for note in mock.notifications():
        if note.replaces_id:
            out.append((note, note.replaces_id))
        else:
            out.append((note, next_id))
            next_id += 1
    return out


def wait_prompt_action(mock, summary, label, timeout=30):
    """The failure notification that offers the prompt: its id."""
    def offered():
        for note, nid in notification_ids(mock):
            if note.summary == summary and note.actions.get("prompt") == label:
                return nid
        return None
    return wait_until(offered, timeout, "a notification %r offering %r; got %r"
                      % (summary, label, mock.notifications()))


def wait_summary(mock, summary, after, timeout=30):
    def seen():
        notes = mock.notifications()[after:]
        return [n for n in notes if n.summary.startswith(summary)] or None
    return wait_until(seen, timeout, "a notification %r after the prompt; got %r"
                      % (summary, mock.notifications()[after:]))


def desktop(fx, w, prompter=None):
    """The recording notification server (with actions) and the notifier,
    which opens its prompts on prompter (a bus name) when given."""
    mock = MockNotifications(w.bus, "body actions")
    if prompter is not None:
        w.bus.env["AUTOSSH_NOTIFY_PROMPTER"] = prompter
    n = Notifier(w.bus)
    w.bus.env.pop("AUTOSSH_NOTIFY_PROMPTER", None)
    return mock, n


def failed_on_passphrase(w, n, mock, name, key):
    add_config_tunnel(w, name)
    props = wait_state(w.bus, name, "failed", 25)
    check(props["NeedsSecret"] == ["passphrase", key], "NeedsSecret %r" % props["NeedsSecret"])
    return wait_prompt_action(mock, "%s failed" % name, "Enter passphrase…")


class PromptTest(TestCase):
    """The desktop's prompts (one method per meson test)."""

    @requires(sshd_root, keyring_tools, dbusmock, mock_prompter_bin)
    def test_prompt_passphrase(self):
        """A key named only in ~/.ssh/config: the notification's button opens
        the prompt with the key's path; a wrong passphrase is refused there
        (warning, asked again, never stored), the right one ends in the
        keyring and the tunnel connects; the notification tells the outcome."""
        fx = self.fx
        pw = random_secret()
        w, kr, key, env = config_key_world(fx, pw)
        wrong = random_secret()
        mp = MockPrompter(fx, w.bus, [
            "password", "title=Tunnel “cfg”", "message=Enter the passphrase of key %s" % key,
            "description=Tunnel “cfg” needs it to log in. It is checked, then kept in your keyring.",
            "choice-label=" + REMEMBER, "continue-label=Connect", "cancel-label=Cancel",
            "password", "warning=That is not the passphrase of this key. Try again."],
            secrets=[wrong, pw])
        mock, n = desktop(fx, w, mp.name)
        nid = failed_on_passphrase(w, n, mock, "cfg", key)
        count = len(mock.notifications())
        c0 = connections(w.sshd)
        mock.invoke_action(nid, "prompt")
        mp.wait_done()
        check(keyring_has(kr, "type", "passphrase", "identity-file", key) == pw,
              "the keyring does not hold the passphrase typed for %s" % key)
        w.connected("cfg", timeout=25)
        wait_summary(mock, "cfg: secret stored in the keyring", count)
        wait_summary(mock, "cfg is back", count)
        check(connections(w.sshd) - c0 == 1, "%d connections after the prompt"
              % (connections(w.sshd) - c0))
        log = n.log() + read_text(w.service.log_path)
        check(pw not in log and wrong not in log, "a passphrase is in a log")

    @requires(sshd_root, keyring_tools, dbusmock, mock_prompter_bin)
    def test_prompt_passphrase_cancel(self):
        """Cancel changes nothing: no secret, the tunnel stays failed, no
        login, and the failure notification is shown again as it was."""
        fx = self.fx
        pw = random_secret()
        w, kr, key, env = config_key_world(fx, pw)
        mp = MockPrompter(fx, w.bus, ["password-cancel"])
        mock, n = desktop(fx, w, mp.name)
        nid = failed_on_passphrase(w, n, mock, "cfg", key)
        before = [note for note, _ in notification_ids(mock) if note.summary == "cfg failed"][-1]
        count = len(mock.notifications())
        c0 = connections(w.sshd)
        mock.invoke_action(nid, "prompt")
        mp.wait_done()
        n.wait_log("cfg: prompt: cancelled")
        again = wait_summary(mock, "cfg failed", count)[-1]
        check(again.body == before.body and again.actions == before.actions,
              "after Cancel the notification says %r, before %r" % (again, before))
        time.sleep(1)
        check(keyring_has(kr, "type", "passphrase", "identity-file", key) is None,
              "a passphrase was stored after Cancel")
        check(w.bus.tunnel_prop("cfg", "State") == "failed", "the tunnel left failed")
        check(connections(w.sshd) == c0, "sshd saw a login after Cancel")

    @requires(sshd_root, keyring_tools, dbusmock, mock_prompter_bin)
    def test_prompt_host_key(self):
        """"Trust host key…": the prompt shows the algorithm and fingerprint;
        Cancel leaves it unknown, Trust approves exactly it and connects."""
        fx = self.fx
        w, kr, kh = host_key_world(fx)
        real = fingerprint(w.sshd.host_key + ".pub")
        mp = MockPrompter(fx, w.bus, [
            "confirm-cancel",
            "confirm", "title=Tunnel “hk”", "message=Trust the server’s host key?",
            "description=The server offers this ED25519 key:\n%s\nTrust it only if its "
            "administrator gave you the same fingerprint. ssh then remembers the key." % real,
            "continue-label=Trust", "cancel-label=Cancel"])
        mock, n = desktop(fx, w, mp.name)
        w.add("hk", SshOptions=["IdentitiesOnly=yes", "UserKnownHostsFile=%s" % kh])
        wait_state(w.bus, "hk", "failed", 25)
        nid = wait_prompt_action(mock, "hk failed", "Trust host key…")
        mock.invoke_action(nid, "prompt")
        n.wait_log("hk: prompt: cancelled")
        check(os.path.getsize(kh) == 0 and w.bus.tunnel_prop("hk", "State") == "failed",
              "Cancel changed something: known_hosts %r, state %r"
              % (read_text(kh), w.bus.tunnel_prop("hk", "State")))
        check("TrustedHostKey" not in read_text(w.bus.conf_path("hk")), "Cancel saved a key")
        mock.invoke_action(nid, "prompt")
        mp.wait_done()
        w.connected("hk", timeout=25)
        check("TrustedHostKey=%s" % real in read_text(w.bus.conf_path("hk")),
              "the tunnel's file lacks TrustedHostKey=%s" % real)

    @requires(sshd_root, keyring_tools, dbusmock, real_prompter)
    def test_prompt_real_gcr_prompter(self):
        """The real gcr-prompter under Xvfb: the button opens GNOME's prompt
        (kept as prompt-passphrase.png in the build directory), the
        passphrase typed into it ends in the keyring, the tunnel connects."""
        fx = self.fx
        pw = random_secret()
        w, kr, key, env = config_key_world(fx, pw)
        screen = Xvfb(fx, w.bus)
        log_path = os.path.join(w.bus.dir, "gcr-prompter.log")
        log = open(log_path, "ab")
        prompter = subprocess.Popen([GCR_PROMPTER], env=screen.env, stdin=subprocess.DEVNULL,
                                    stdout=log, stderr=log)
        log.close()
        pref = ProcRef(prompter.pid)
        fx.defer(kill_refs, [pref])
        fx.dump_on_failure("gcr-prompter", log_path)
        wait_until(lambda: w.bus.name_has_owner("org.gnome.keyring.SystemPrompter"), 15,
                   "gcr-prompter to own org.gnome.keyring.SystemPrompter")
        mock, n = desktop(fx, w)
        nid = failed_on_passphrase(w, n, mock, "cfg", key)
        mock.invoke_action(nid, "prompt")
        window = screen.wait_window("Tunnel")
        shot = os.path.join(artifact_dir(fx), "prompt-passphrase.png")
        colours = screen.wait_screenshot(shot, 16)
        print("screenshot %s: %d colours" % (shot, colours))
        check(colours >= 16, "the prompt's screenshot %s has %d colours" % (shot, colours))
        text = screen.read_text(shot)
        print("the prompt says: %r" % text)
        for words in ("Enter the passphrase of key", os.path.basename(key), "Tunnel",
                      "needs it to log in", "Remember it after", "Cancel", "Connect"):
            check(words in text, "the prompt does not say %r: OCR read %r" % (words, text))
        screen.type_secret(window, pw)
        wait_until(lambda: keyring_has(kr, "type", "passphrase", "identity-file", key) == pw, 30,
                   "the passphrase typed into gcr-prompter to reach the keyring")
        w.connected("cfg", timeout=25)
        check(pw not in n.log() and pw not in read_text(log_path), "the passphrase is in a log")

    @requires(sshd_root, keyring_tools, dbusmock, mock_prompter_bin)
    def test_prompt_password(self):
        """A login by password: "Enter password…" names user@host; not
        remembered ("Remember" unticked) it goes to the session keyring,
        which the service finds too, and the tunnel connects."""
        fx = self.fx
        w, kr = secret_world(fx)
        user, password = password_user(fx, w)
        login = "%s@127.0.0.1" % user
        mp = MockPrompter(fx, w.bus, [
            "password", "title=Tunnel “pwd”", "message=Enter the password of %s" % login,
            "description=Tunnel “pwd” needs it to log in. It is kept in your keyring.",
            "choice-label=" + REMEMBER, "continue-label=Connect"], secrets=[password],
            forget=True)
        mock, n = desktop(fx, w, mp.name)
        w.add("pwd", User=user, SshOptions=["PubkeyAuthentication=no",
                                            "UserKnownHostsFile=%s" % w.known_hosts,
                                            "StrictHostKeyChecking=yes"])
        props = wait_state(w.bus, "pwd", "failed", 25)
        check(props["NeedsSecret"] == ["password", login], "NeedsSecret %r" % props["NeedsSecret"])
        nid = wait_prompt_action(mock, "pwd failed", "Enter password…")
        mock.invoke_action(nid, "prompt")
        mp.wait_done()
        w.connected("pwd", timeout=25)
        check(keyring_has(kr, "type", "password", "user", user, "host", "127.0.0.1") == password,
              "the keyring does not hold the password of %s" % login)
        found = {}
        for collection in ("login", "session"):
            res = w.bus.gdbus_call("/org/freedesktop/secrets/collection/" + collection,
                                   "org.freedesktop.Secret.Collection.SearchItems",
                                   Raw("{'type': 'password', 'user': '%s'}" % user),
                                   dest="org.freedesktop.secrets", check_ok=True)
            found[collection] = res.value()[0]
        check(found["session"] and not found["login"],
              "not remembered, the password should be in the session collection only: %r" % found)

    @requires(sshd_root, keyring_tools, dbusmock, mock_prompter_bin)
    def test_prompt_leak_test(self):
        """The secret checked and stored by `autosshctl passphrase` and by the
        notifier's prompt (a wrong one first, then the right one) is in no
        bus message (dbus-monitor, byte arrays decoded), no log, and no
        argv or environment of any process: the service's, autosshctl's,
        the notifier's and their children, ssh-keygen and the askpass helper
        in its stdin mode included (a wrapper records theirs as they run)."""
        fx = self.fx
        pw = random_secret(32)
        wrong = random_secret(32)
        w, kr, key, env = config_key_world(fx, pw)
        cap = os.path.join(w.bus.dir, "dbus-monitor.txt")
        out = open(cap, "w")
        mon = subprocess.Popen([DBUS_MONITOR, "--session"], env=w.bus.env,
                               stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
        out.close()
        mref = ProcRef(mon.pid)
        fx.defer(kill_refs, [mref])
        wait_until(lambda: w.bus.name_has_owner() and os.path.getsize(cap) > 0, 10,
                   "dbus-monitor to record")
        # every run of the askpass helper records its own and its parent's
        # (ssh-keygen's) argv and environment, then runs the real helper
        seen_dir = os.path.join(w.bus.dir, "helper-runs")
        os.makedirs(seen_dir)
        wrapper = os.path.join(w.bus.dir, "askpass-recorder")
        with open(wrapper, "w") as f:
            f.write('#!/bin/sh\nd=%s/$$\nmkdir "$d"\n'
                    'for p in $$ $PPID; do for x in cmdline environ; do '
                    'cat /proc/$p/$x > "$d/$p.$x"; done; done\nexec %s "$@"\n'
                    % (seen_dir, os.environ["AUTOSSHD_ASKPASS"]))
        os.chmod(wrapper, 0o755)
        env["AUTOSSHD_ASKPASS"] = wrapper
        # 1. the terminal's way: a wrong passphrase, then the right one
        add_config_tunnel(w, "cli")
        wait_state(w.bus, "cli", "failed", 25)
        for secret, ok in ((wrong, False), (pw, True)):
            p = subprocess.Popen([os.environ["AUTOSSHCTL_BIN"], "passphrase", "cli"], env=env,
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
            watch = ProcWatch(p.pid)
            so, se = p.communicate(secret + "\n", timeout=60)
            watch.stop()
            check((p.returncode == 0) == ok, "autosshctl passphrase: rc %d, %r %r"
                  % (p.returncode, so, se))
        w.connected("cli", timeout=25)
        # 2. the desktop's way, the same key again (its secret cleared first)
        kr.tool("clear", "type", "passphrase", "identity-file", key)
        master = ProcRef(w.bus.tunnel_prop("cli", "Pid"))
        w.bus.tunnel("cli", "Stop", check_ok=True)
        # its shared ssh lives on a few seconds for a Restart: "desk" must
        # log in anew, so that the question is asked again
        wait_until(lambda: not master.alive(), 10, "cli's ssh to end")
        mp = MockPrompter(fx, w.bus, ["password", "password"], secrets=[wrong, pw])
        w.bus.env["AUTOSSHD_ASKPASS"] = wrapper
        mock, n = desktop(fx, w, mp.name)
        nid = failed_on_passphrase(w, n, mock, "desk", key)
        nwatch = ProcWatch(n.proc.pid)
        fx.defer(nwatch.stop)
        mock.invoke_action(nid, "prompt")
        mp.wait_done()
        w.connected("desk", timeout=25)
        nwatch.stop()
        runs = sorted(os.listdir(seen_dir))
        check(len(runs) >= 4, "the askpass helper ran %d times for 4 checks" % len(runs))
        mref.signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            mon.wait(5)
        with open(cap, "rb") as f:
            capture = f.read()
        check(b"org.freedesktop.Secret.Service" in capture and b"org.gnome.keyring.internal.Prompter" in capture,
              "the capture lacks the keyring's and the prompt's traffic")
        found = []
        for secret in (pw, wrong):
            needles = [secret.encode(), " ".join("%02x" % b for b in secret.encode()).encode(),
                       base64.b64encode(secret.encode())[:20]]

            def search(label, data):
                if data and any(x in data for x in needles):
                    found.append(label)
            search("dbus-monitor capture", capture)
            search("dbus-monitor byte arrays", monitor_byte_arrays(capture))
            for label, path in (("service log", w.service.log_path), ("notifier log", n.log_path),
                                ("dbus-daemon log", w.bus.log_path)):
                search(label, read_text(path).encode())
            for pid, (c, cl, penv) in sorted(list(watch.seen.items()) + list(nwatch.seen.items())):
                search("/proc/%d/cmdline (%s)" % (pid, c), cl)
                search("/proc/%d/environ (%s)" % (pid, c), penv)
            for run_dir in runs:
                for name in os.listdir(os.path.join(seen_dir, run_dir)):
                    with open(os.path.join(seen_dir, run_dir, name), "rb") as f:
                        search("helper run %s: %s" % (run_dir, name), f.read())
        kinds = sorted({v[0] for v in list(watch.seen.values()) + list(nwatch.seen.values())})
        print("processes checked: %s; helper runs %d; capture %d bytes"
              % (kinds, len(runs), len(capture)))
        check(not found, "a passphrase was found in: %s" % "; ".join(found))


class Xvfb:
    """Xvfb on a display it picks itself (-displayfd), no TCP, no window
    manager: GTK's prompt maps itself where the pointer is."""

    def __init__(self, fx, bus):
        r, wfd = os.pipe()
        err_path = os.path.join(bus.dir, "xvfb.log")
        err = open(err_path, "ab")
        self.proc = subprocess.Popen([XVFB, "-displayfd", str(wfd), "-nolisten", "tcp",
                                      "-screen", "0", "800x600x24"], stdin=subprocess.DEVNULL,
                                     stdout=err, stderr=err, pass_fds=(wfd,))
        err.close()
        os.close(wfd)
        ref = ProcRef(self.proc.pid)
        fx.defer(kill_refs, [ref])
        fx.dump_on_failure("Xvfb", err_path)
        with os.fdopen(r) as f:
            number = f.readline().strip()
        check(number.isdigit(), "Xvfb printed no display number (%r)" % number)
        self.display = ":" + number
        self.env = dict(bus.env, DISPLAY=self.display, NO_AT_BRIDGE="1", GDK_BACKEND="x11")

    def xdotool(self, *args, input=None):
        return subprocess.run([XDOTOOL] + list(args), env=self.env, input=input,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              timeout=20)

    def wait_window(self, name, timeout=30):
        def found():
            p = self.xdotool("search", "--onlyvisible", "--name", name)
            return p.stdout.split()[0] if p.returncode == 0 and p.stdout.split() else None
        return wait_until(found, timeout, "a window named %r on %s" % (name, self.display))

    def type_secret(self, window, secret):
        """As a user types: the pointer on the prompt, its focus, the text
        from stdin (never in xdotool's argv), then Return."""
        self.xdotool("mousemove", "--window", window, "60", "60")
        self.xdotool("windowfocus", window)
        # XTEST, not --window: GTK ignores sent (synthetic) key events
        p = self.xdotool("type", "--delay", "15", "--file", "-", input=secret)
        check(p.returncode == 0, "xdotool type: %r" % p.stderr)
        p = self.xdotool("key", "Return")
        check(p.returncode == 0, "xdotool key: %r" % p.stderr)

    def screenshot(self, path):
        return Display.screenshot(self, path)

    def wait_screenshot(self, path, min_colours, timeout=10):
        return Display.wait_screenshot(self, path, min_colours, timeout)

    colours = staticmethod(Display.colours)

    @staticmethod
    def read_text(path):
        """What the prompt says, by OCR: the picture cut to what is drawn on
        the black root window, grey, doubled (dark text on light)."""
        plain = path + ".ocr.png"
        conv = subprocess.run([CONVERT, path, "-trim", "+repage", "-colorspace", "Gray",
                               "-resize", "200%", "PNG24:" + plain],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=20)
        check(conv.returncode == 0, "convert for OCR failed: %r" % conv.stderr)
        ocr = subprocess.run([TESSERACT, plain, "stdout"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, timeout=60,
                             env=dict(os.environ, OMP_THREAD_LIMIT="1"))
        check(ocr.returncode == 0, "tesseract failed: %r" % ocr.stderr)
        return " ".join(ocr.stdout.split())


if __name__ == "__main__":
    sys.exit(main())
