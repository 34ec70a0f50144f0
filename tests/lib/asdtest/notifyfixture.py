"""Fixtures for the autossh-notify tests: the recording notification server
(python3-dbusmock's notification_daemon template), the notifier under test,
its notify.conf, and a real X display (Xvfb) with dunst for screenshots.

Builds on busfixture.py (World, Bus, the signal recorder) and
sshfixture.py, imported, never copied.  The notifier is checked at the end
of the test: exit status 0 (it is stopped with SIGTERM), no sanitizer report
in its log.
"""

import contextlib
import json
import os
import signal
import subprocess
import time

from .busfixture import Raw
from .gvariant import gvariant_text
from .sshfixture import ProcRef, TestFailure, check, kill_refs, wait_until

SYSTEM_PYTHON = "/usr/bin/python3"        # the one with Debian's dbusmock and gi
NOTIFICATIONS = "org.freedesktop.Notifications"
NOTIFICATIONS_PATH = "/org/freedesktop/Notifications"
MOCK_IFACE = "org.freedesktop.DBus.Mock"
XVFB = "/usr/bin/Xvfb"
DUNST = "/usr/bin/dunst"
XWD = "/usr/bin/xwd"
CONVERT = "/usr/bin/convert"            # ImageMagick (not /usr/local/bin/convert)
TESSERACT = "/usr/bin/tesseract"        # OCR, to read what a screenshot says


def have_dbusmock():
    return subprocess.run([SYSTEM_PYTHON, "-c", "import dbusmock"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0


def write_notify_conf(bus, text):
    """$XDG_CONFIG_HOME/autosshd/notify.conf of the bus's environment."""
    d = os.path.join(bus.config_home, "autosshd")
    os.makedirs(d, mode=0o700, exist_ok=True)
    path = os.path.join(d, "notify.conf")
    with open(path, "w") as f:
        f.write(text)
    return path


def format_duration(us):
    """The notifier's duration text for durations under an hour."""
    s = int((us + 500000) // 1000000)
    if s == 0:
        return "under 1 s"
    if s < 60:
        return "%d s" % s
    return "%d min" % (s // 60) if s % 60 == 0 else "%d min %d s" % (s // 60, s % 60)


# ---------------------------------------------------------------- the recording server

class Notification:
    """One recorded Notify call."""

    def __init__(self, when, args):
        (self.app_name, self.replaces_id, self.icon, self.summary, self.body,
         actions, self.hints, self.timeout) = args
        self.when = when
        self.actions = dict(zip(actions[0::2], actions[1::2]))   # key → label

    @property
    def urgency(self):
        return self.hints.get("urgency")

    def __repr__(self):
        return ("Notify(replaces %d, icon %r, %r, %r, actions %r, urgency %r, timeout %d)"
                % (self.replaces_id, self.icon, self.summary, self.body, self.actions,
                   self.urgency, self.timeout))


class MockNotifications:
    """`python3 -m dbusmock --session -t notification_daemon -l LOG` on the test
    bus; it records every call, answers Notify with the replaces_id or the
    next id (1, 2, ...), and emits signals on request."""

    def __init__(self, bus, caps=None):
        self.bus = bus
        self.log_path = os.path.join(bus.dir, "notifications.log")
        out_path = os.path.join(bus.dir, "dbusmock.out")
        argv = [SYSTEM_PYTHON, "-m", "dbusmock", "--session", "-t", "notification_daemon",
                "-l", self.log_path]
        if caps is not None:
            argv += ["-p", json.dumps({"capabilities": caps})]
        out = open(out_path, "ab")
        self.proc = subprocess.Popen(argv, env=bus.env, stdin=subprocess.DEVNULL,
                                     stdout=out, stderr=out)
        out.close()
        self.ref = ProcRef(self.proc.pid)
        bus.fx.defer(self.stop)
        bus.fx.dump_on_failure("notification server calls", self.log_path)
        bus.fx.dump_on_failure("dbusmock output", out_path)
        wait_until(lambda: bus.name_has_owner(NOTIFICATIONS), 15,
                   "dbusmock to own %s" % NOTIFICATIONS, interval=0.1)

    def stop(self):
        kill_refs([self.ref])
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(3)

    def calls(self, method):
        """[(timestamp, args)] of every call of method so far."""
        value = self.bus.call(NOTIFICATIONS_PATH, MOCK_IFACE + ".GetMethodCalls", method,
                              dest=NOTIFICATIONS)
        return [(c[0], c[1]) for c in value[0]]

    def notifications(self):
        return [Notification(when, args) for when, args in self.calls("Notify")]

    def wait_count(self, n, timeout=20, what=None):
        """Wait for at least n Notify calls; returns them all."""
        def enough():
            got = self.notifications()
            return got if len(got) >= n else None
        try:
            return wait_until(enough, timeout, what or "%d Notify call(s)" % n, interval=0.1)
        except TestFailure as e:
            raise TestFailure("%s; got %r" % (e, self.notifications()))

    def invoke_action(self, notification_id, key):
        """What a click on an action button makes the server send."""
        self.bus.call(NOTIFICATIONS_PATH, MOCK_IFACE + ".EmitSignal", NOTIFICATIONS,
                      "ActionInvoked", "us",
                      Raw("[<uint32 %d>, <%s>]" % (notification_id, gvariant_text(key))),
                      dest=NOTIFICATIONS)


# ---------------------------------------------------------------- the notifier

class Notifier:
    """autossh-notify -v on the test bus ($AUTOSSH_NOTIFY_BIN), logging to a
    file printed when the test fails."""

    _count = 0

    def __init__(self, bus, args=("-v",)):
        self.bus = bus
        self.bin = os.environ.get("AUTOSSH_NOTIFY_BIN")
        check(self.bin and os.access(self.bin, os.X_OK),
              "AUTOSSH_NOTIFY_BIN is not set to an executable (%r)" % self.bin)
        Notifier._count += 1
        self.log_path = os.path.join(bus.dir, "autossh-notify-%d.log" % Notifier._count)
        env = dict(bus.env)
        env.update({"G_DEBUG": "fatal-criticals", "G_MESSAGES_DEBUG": "all"})
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([self.bin] + list(args), env=env,
                                     stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        log.close()
        self.ref = ProcRef(self.proc.pid)
        self.last_signal = None
        bus.fx.dump_on_failure("autossh-notify #%d" % Notifier._count, self.log_path)
        bus.fx.defer(self.stop)

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def check_alive(self):
        check(self.proc.poll() is None, "autossh-notify exited with status %s (log below)"
              % self.proc.returncode)

    def wait_log(self, text, timeout=15, count=1):
        def seen():
            self.check_alive()
            return self.log().count(text) >= count
        wait_until(seen, timeout, "autossh-notify to log %r (%d time(s))" % (text, count))

    def signal(self, sig):
        self.last_signal = sig
        self.ref.signal(sig)

    def stop(self):
        killed = False
        if self.proc.poll() is None:
            self.ref.signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                killed = True
                self.ref.signal(signal.SIGKILL)
                self.proc.wait(5)
        what = "autossh-notify (pid %d)" % self.proc.pid
        if killed:
            self.bus.fx.problem("%s did not exit within 5 s of SIGTERM" % what)
        expected = -signal.SIGKILL if self.last_signal == signal.SIGKILL else 0
        self.bus.fx.check_exit(what, self.proc.returncode, None if killed else expected,
                               [self.log_path])


# ---------------------------------------------------------------- a real display

DUNSTRC = """[global]
    font = DejaVu Sans 13
    width = 520
    height = 200
    origin = top-left
    offset = 40x40
    padding = 14
    horizontal_padding = 16
    frame_width = 3
    frame_color = "#88c0d0"
    separator_height = 2
    markup = full
    format = "<b>%s</b>\\n%b"
    icon_position = off
    show_age_threshold = -1
    idle_threshold = 0
    sticky_history = no
[urgency_low]
    background = "#2e3440"
    foreground = "#eceff4"
    timeout = 30
[urgency_normal]
    background = "#3b4252"
    foreground = "#eceff4"
    frame_color = "#ebcb8b"
    timeout = 30
[urgency_critical]
    background = "#bf616a"
    foreground = "#ffffff"
    timeout = 0
"""


def have_display_tools():
    return all(os.access(p, os.X_OK) for p in (XVFB, DUNST, XWD, CONVERT, TESSERACT))


class Display:
    """Xvfb on a display it picks itself (-displayfd), no TCP; dunst on the
    test bus as the notification server; screenshots with xwd | convert."""

    def __init__(self, bus, size="800x480"):
        self.bus = bus
        r, w = os.pipe()
        err_path = os.path.join(bus.dir, "xvfb.log")
        err = open(err_path, "ab")
        self.xvfb = subprocess.Popen([XVFB, "-displayfd", str(w), "-nolisten", "tcp",
                                      "-screen", "0", size + "x24"],
                                     stdin=subprocess.DEVNULL, stdout=err, stderr=err,
                                     pass_fds=(w,))
        err.close()
        os.close(w)
        self.xvfb_ref = ProcRef(self.xvfb.pid)
        bus.fx.defer(self._stop, self.xvfb, self.xvfb_ref)
        bus.fx.dump_on_failure("Xvfb", err_path)
        with os.fdopen(r) as f:
            number = f.readline().strip()
        check(number.isdigit(), "Xvfb printed no display number (%r)" % number)
        self.display = ":" + number
        self.env = dict(bus.env, DISPLAY=self.display, NO_AT_BRIDGE="1")
        rc = os.path.join(bus.dir, "dunstrc")
        with open(rc, "w") as f:
            f.write(DUNSTRC)
        log_path = os.path.join(bus.dir, "dunst.log")
        log = open(log_path, "ab")
        self.dunst = subprocess.Popen([DUNST, "-config", rc], env=self.env,
                                      stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        log.close()
        self.dunst_ref = ProcRef(self.dunst.pid)
        bus.fx.defer(self._stop, self.dunst, self.dunst_ref)
        bus.fx.dump_on_failure("dunst", log_path)
        wait_until(lambda: bus.name_has_owner(NOTIFICATIONS), 15,
                   "dunst to own %s" % NOTIFICATIONS, interval=0.1)

    @staticmethod
    def _stop(proc, ref):
        kill_refs([ref])
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(3)

    def screenshot(self, path):
        """The whole screen as PNG; returns the number of distinct colours.
        xwd's GetImage may fail with BadMatch while dunst maps or unmaps
        its window (seen once in CI): it is tried again, up to 5 times."""
        for _ in range(5):
            xwd = subprocess.run([XWD, "-root", "-silent", "-display", self.display],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=self.env,
                                 timeout=20)
            if xwd.returncode == 0 and xwd.stdout or b"BadMatch" not in xwd.stderr:
                break
            time.sleep(0.1)
        check(xwd.returncode == 0 and xwd.stdout, "xwd failed: %r" % xwd.stderr)
        conv = subprocess.run([CONVERT, "xwd:-", "PNG:" + path], input=xwd.stdout,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=20)
        check(conv.returncode == 0, "convert failed: %r" % conv.stderr)
        return self.colours(path)

    @staticmethod
    def colours(path):
        res = subprocess.run([CONVERT, path, "-format", "%k", "info:"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             timeout=20)
        check(res.returncode == 0, "convert -format %%k failed: %r" % res.stderr)
        return int(res.stdout.strip())

    @staticmethod
    def read_text(path):
        """What a screenshot says, by OCR (tesseract): the picture cut to what
        is drawn on the black root window, made dark on light and doubled."""
        plain = path + ".ocr.png"
        conv = subprocess.run([CONVERT, path, "-trim", "+repage", "-colorspace", "Gray",
                               "-negate", "-resize", "200%", "PNG24:" + plain],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=20)
        check(conv.returncode == 0, "convert for OCR failed: %r" % conv.stderr)
        ocr = subprocess.run([TESSERACT, plain, "stdout"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, timeout=60,
                             env=dict(os.environ, OMP_THREAD_LIMIT="1"))
        check(ocr.returncode == 0, "tesseract failed: %r" % ocr.stderr)
        return " ".join(ocr.stdout.split())

    def wait_screenshot(self, path, min_colours=2, timeout=10):
        """Screenshots until the screen shows something (dunst draws on its own time)."""
        deadline = time.monotonic() + timeout
        while True:
            n = self.screenshot(path)
            if n >= min_colours or time.monotonic() >= deadline:
                return n
            time.sleep(0.2)


def artifact_dir(fx):
    """Where screenshots are kept: $NOTIFY_ARTIFACT_DIR (the meson build dir
    of tests/notify), else a temp dir."""
    d = os.environ.get("NOTIFY_ARTIFACT_DIR")
    if d:
        os.makedirs(d, exist_ok=True)
        return d
    return fx.tempdir()
