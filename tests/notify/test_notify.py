#!/usr/bin/env python3
"""Integration tests for the desktop notifier `autossh-notify`: a private
dbus-daemon, a real sshd, the real service, and a recording notification
server (python3-dbusmock) or, for the screenshot, Xvfb + dunst.

Run by meson, one test per case (`meson test -C build notify-mute`);
by hand: PYTHONPATH=tests/lib AUTOSSHD_BIN=... AUTOSSH_NOTIFY_BIN=...
/usr/bin/python3 test_notify.py [NotifyTest.test_NAME | NAME ...]
Exit status: 0 pass, 1 fail, 77 skipped (not root, no sshd, no dbusmock, or
for the screenshot no Xvfb/dunst/xwd/ImageMagick/tesseract).
"""

import os
import signal
import sys
import time

sys.dont_write_bytecode = True      # no __pycache__ in the source tree

from asdtest import TestCase, main, requires  # noqa: E402
from asdtest.notifyfixture import (  # noqa: E402
    Display, MockNotifications, Notifier, artifact_dir, format_duration, have_dbusmock,
    have_display_tools, write_notify_conf)
from asdtest.busfixture import World, tunnel_path, wait_state  # noqa: E402
from asdtest.sshfixture import (  # noqa: E402
    sshd_skip_reason,
    SSH_KEYGEN, check, run, stays_true, wait_until)

URGENCY_LOW, URGENCY_NORMAL, URGENCY_CRITICAL = 0, 1, 2


def dbusmock():
    return None if have_dbusmock() else "needs python3-dbusmock for /usr/bin/python3"


def display_tools():
    return None if have_display_tools() else "needs Xvfb, dunst, xwd, ImageMagick and tesseract"


def setup(fx, conf=None, caps=None, start=True):
    """World (bus, recorder, sshd, service), notify.conf, the recording server
    and the notifier."""
    w = World(fx, start=start)
    if conf is not None:
        write_notify_conf(w.bus, conf)
    mock = MockNotifications(w.bus, caps)
    return w, mock, Notifier(w.bus)


def up(w, n, name):
    """Add a tunnel, wait until it is connected and the notifier follows it."""
    w.add(name)
    w.connected(name)
    n.wait_log("following tunnel %s " % name)


def kill_ssh(w, name):
    pid = w.bus.tunnel_prop(name, "Pid")
    check(pid and pid in w.service.ssh_children(), "tunnel %s has no ssh (Pid %r)" % (name, pid))
    os.kill(pid, signal.SIGKILL)


def check_dropped(note, name, replaces=0):
    check(note.summary == "%s dropped — reconnecting" % name and note.body,
          "drop notification %r" % note)
    check(note.icon == "network-error" and note.urgency == URGENCY_NORMAL,
          "drop notification's icon/urgency: %r" % note)
    check(note.replaces_id == replaces, "drop notification replaces %d, expected %d: %r"
          % (note.replaces_id, replaces, note))


# ---------------------------------------------------------------- tests

class NotifyTest(TestCase):
    """autossh-notify with the service and a notification server (one method per meson test)."""

    # ---------------------------------------------------------------- tests

    @requires(sshd_skip_reason, dbusmock)
    def test_drop_then_back(self):
        fx = self.fx
        w, mock, n = setup(fx, conf="[Notify]\nThreshold=1\n")
        path = tunnel_path("web")
        up(w, n, "web")
        mark = w.rec.mark()
        w.sshd.stop()
        dropped = w.rec.wait("Dropped", path, since=mark)
        notes = mock.wait_count(1, what="the drop notification")
        check_dropped(notes[0], "web")
        check(not notes[0].actions, "actions %r although the server lacks the capability"
              % notes[0].actions)
        time.sleep(max(0, dropped.when + 3 - time.monotonic()))
        check(len(mock.notifications()) == 1, "more than one notification while down: %r"
              % mock.notifications())
        w.sshd.start()
        back = w.rec.wait("Reconnected", path, since=mark, timeout=30)
        notes = mock.wait_count(2, what="the back notification")
        note = notes[1]
        print("dropped: %r\nback:    %r" % (notes[0], note))
        check(note.replaces_id == 1, "the back notification replaces %d, not the drop's id 1"
              % note.replaces_id)
        check(note.summary == "web is back (down %s)" % format_duration(back.args[0]),
              "back notification %r for a downtime of %d µs" % (note, back.args[0]))
        # Reconnected comes before the state "connected": the body must not
        # be the "connecting" reason the properties still had.
        check(note.body == "connected to root@127.0.0.1", "back notification's body: %r" % note)
        check(note.icon in ("network-idle", "network-transmit-receive")
              and note.urgency == URGENCY_LOW and 0 < note.timeout <= 10000,
              "back notification's icon/urgency/timeout: %r" % note)
        check(stays_true(lambda: len(mock.notifications()) == 2, 1.5),
              "more notifications after the back one: %r" % mock.notifications())

    @requires(sshd_skip_reason, dbusmock)
    def test_blip_not_announced(self):
        fx = self.fx
        w, mock, n = setup(fx)                   # default threshold: 5 s
        path = tunnel_path("web")
        up(w, n, "web")
        mark = w.rec.mark()
        t0 = time.monotonic()
        kill_ssh(w, "web")
        back = w.rec.wait("Reconnected", path, since=mark, timeout=10)
        print("back after %d µs" % back.args[0])
        check(back.args[0] < 4_000_000, "the service took %d µs to reconnect; this test needs "
              "a blip well under the 5 s threshold" % back.args[0])
        n.wait_log("web: back within 5 s: not announced")
        time.sleep(max(0, t0 + 8 - time.monotonic()))
        check(mock.notifications() == [], "a blip was announced: %r" % mock.notifications())

    @requires(sshd_skip_reason, dbusmock)
    def test_failed_says_what(self):
        fx = self.fx
        w, mock, n = setup(fx)
        wrong = os.path.join(w.bus.dir, "wrong_key")
        run([SSH_KEYGEN, "-q", "-t", "ed25519", "-N", "", "-f", wrong])
        w.add("web", IdentityFile=wrong)
        props = wait_state(w.bus, "web", "failed", 20)
        notes = mock.wait_count(1, what="the failure notification")
        note = notes[-1]
        print("failed: %r" % note)
        check(note.summary == "web failed", "failure summary %r" % note.summary)
        check(props["StateReason"] and props["StateReason"] in note.body,
              "failure body %r does not say %r" % (note.body, props["StateReason"]))
        check(note.icon == "dialog-warning" and note.urgency == URGENCY_CRITICAL,
              "failure icon/urgency: %r" % note)
        check(stays_true(lambda: len(mock.notifications()) == 1, 2),
              "a failed tunnel was announced more than once: %r" % mock.notifications())

    @requires(sshd_skip_reason, dbusmock)
    def test_reconnect_action(self):
        fx = self.fx
        w, mock, n = setup(fx, conf="[Notify]\nThreshold=1\n", caps="body actions")
        path = tunnel_path("web")
        up(w, n, "web")
        w.sshd.stop()                          # down until the test says so
        note = mock.wait_count(1, what="the drop notification")[0]
        check_dropped(note, "web")
        check(note.actions == {"reconnect": "Reconnect now", "stop": "Stop"},
              "drop notification's actions %r" % note.actions)
        props = wait_state(w.bus, "web", "retrying", 10)
        check(stays_true(lambda: w.bus.tunnel_prop("web", "State") == "retrying", 1.5),
              "the tunnel does not stay retrying while sshd is down")
        mark = w.rec.mark()
        mock.invoke_action(1, "reconnect")
        w.rec.wait("StateChanged", path, since=mark, pred=lambda s: s.args[1] == "connecting",
                   what="a new ssh after Reconnect now")
        n.wait_log("web: action reconnect")
        print("Reconnect now: %r" % w.rec.states(path, mark))
        w.sshd.start()
        w.connected("web", 30)
        mock.wait_count(2, what="the back notification")
        # Stop from a (new) drop notification
        w.sshd.stop()
        notes = mock.wait_count(3, what="a second drop notification")
        check_dropped(notes[2], "web", replaces=1)
        mock.invoke_action(1, "stop")
        wait_state(w.bus, "web", "stopped", 10, what="Stop to stop the tunnel")
        wait_until(lambda: [c for c in mock.calls("CloseNotification") if c[1] == [1]], 5,
                   "the stopped tunnel's notification to be closed")

    @requires(sshd_skip_reason, dbusmock)
    def test_mute(self):
        fx = self.fx
        w, mock, n = setup(fx, conf="[Notify]\nMute=web;\nThreshold=0\n")
        up(w, n, "web")
        up(w, n, "db")
        mark = w.rec.mark()
        kill_ssh(w, "web")
        kill_ssh(w, "db")
        for name in ("web", "db"):
            w.rec.wait("Reconnected", tunnel_path(name), since=mark, timeout=15)
        notes = mock.wait_count(2, what="db's drop and return")
        check(stays_true(lambda: len(mock.notifications()) == 2, 1.5),
              "more than db's two notifications: %r" % mock.notifications())
        check(all(x.summary.startswith("db ") for x in notes),
              "a muted tunnel was announced: %r" % notes)
        # unmuted by SIGHUP
        write_notify_conf(w.bus, "[Notify]\nMute=\nThreshold=0\n")
        n.signal(signal.SIGHUP)
        n.wait_log("web: not muted")
        mark = w.rec.mark()
        kill_ssh(w, "web")
        notes = mock.wait_count(4, what="web's drop and return once unmuted")
        check(notes[2].summary == "web dropped — reconnecting" and notes[2].replaces_id == 0,
              "web's first notification once unmuted: %r" % notes[2])
        check(notes[3].summary.startswith("web is back") and notes[3].replaces_id == 2,
              "web's return once unmuted: %r" % notes[3])

    @requires(sshd_skip_reason, dbusmock)
    def test_service_restart(self):
        fx = self.fx
        w, mock, n = setup(fx, conf="[Notify]\nThreshold=0\n", start=False)
        n.wait_log("io.github.autosshd1 is not running; waiting for it")
        check(stays_true(lambda: not w.bus.name_has_owner(), 1.5),
              "autossh-notify started the service (it must not)")
        w.start_service()
        up(w, n, "web")
        kill_ssh(w, "web")
        notes = mock.wait_count(2, what="drop and return with the service started later")
        check_dropped(notes[0], "web")
        w.restart_service()
        w.connected("web")                     # AutoStart from its file
        n.wait_log("following tunnel web ", count=2)
        kill_ssh(w, "web")
        notes = mock.wait_count(4, what="drop and return after the service restarted")
        check(notes[2].summary == "web dropped — reconnecting", "after the restart: %r" % notes[2])
        check(notes[3].summary.startswith("web is back"), "after the restart: %r" % notes[3])
        n.check_alive()

    @requires(sshd_skip_reason, display_tools)
    def test_screenshot(self):
        """dunst on a real X display shows what the notifier means: read from
        the screenshots by OCR, the drop and the return name the tunnel, say
        what happened, and why."""
        fx = self.fx
        w = World(fx)
        write_notify_conf(w.bus, "[Notify]\nThreshold=1\n")
        display = Display(w.bus)
        n = Notifier(w.bus)
        up(w, n, "web")
        out = artifact_dir(fx)
        w.sshd.stop()
        n.wait_log("web: notify: web dropped")
        dropped = self.wait_words(display, os.path.join(out, "notify-dropped.png"),
                                  ["web dropped", "reconnecting", "127.0.0.1", "closed"])
        w.sshd.start()
        n.wait_log("web: notify: web is back", timeout=30)
        back = self.wait_words(display, os.path.join(out, "notify-back.png"),
                               ["web is back", "down", "connected to root@127.0.0.1"])
        check("dropped" not in back, "the return still shows the drop: %r" % back)
        print("dropped: %r\nback: %r" % (dropped, back))
        n.check_alive()

    @staticmethod
    def wait_words(display, path, words, timeout=10):
        """Screenshots (dunst draws on its own time) until OCR reads every one
        of words on the screen; returns the text read."""
        deadline = time.monotonic() + timeout
        seen = []
        while True:
            display.screenshot(path)
            text = display.read_text(path)
            if all(word in text for word in words):
                return text
            if text not in seen:
                seen.append(text)
            check(time.monotonic() < deadline, "in %d s, the screen (%s) showed %r, never all of %r"
                  % (timeout, path, seen, words))
            time.sleep(0.2)


if __name__ == "__main__":
    sys.exit(main())
