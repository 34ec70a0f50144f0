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
import re
import signal
import sys
import time

sys.dont_write_bytecode = True      # no __pycache__ in the source tree

from asdtest import Skip, TestCase, main, requires  # noqa: E402
from asdtest.notifyfixture import (  # noqa: E402
    Display, MockNotifications, Notifier, artifact_dir, format_duration, have_dbusmock,
    have_display_tools, write_notify_conf)
from asdtest.busfixture import GV, World, tunnel_path, wait_state  # noqa: E402
from asdtest.sshfixture import (  # noqa: E402
    sshd_skip_reason,
    SSH_KEYGEN, Sshd, check, free_port, run, stays_true, wait_until)

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
    """Add a tunnel, wait until it is connected and the notifier follows it;
    an ssh of its own, so that kill_ssh drops this tunnel alone."""
    w.add(name, ShareConnection=False)
    w.connected(name)
    n.wait_log("following tunnel %s " % name)


def kill_ssh(w, name):
    pid = w.bus.tunnel_prop(name, "Pid")
    check(pid and pid in w.service.ssh_children(), "tunnel %s has no ssh (Pid %r)" % (name, pid))
    os.kill(pid, signal.SIGKILL)


def second_sshd(w):
    """Another sshd on 127.0.0.1 (its own port and keys), known to the
    tunnels' known_hosts file."""
    sshd = Sshd(w.fx, name="sshd2")
    with open(sshd.host_key + ".pub") as f:
        key = f.read().split()
    with open(w.known_hosts, "a") as f:
        f.write("[127.0.0.1]:%d %s %s\n" % (sshd.port, key[0], key[1]))
    return sshd


def write_aliases(w, aliases):
    """The service's ~/.ssh/config gets a Host alias per entry of aliases,
    each to its own sshd (the World's for the first).  Returns
    {alias: sshd}."""
    if not w.bus.wrap:
        raise Skip("cannot give the service a private ~/.ssh/config (needs root and unshare)")
    servers = {}
    text = ""
    for i, alias in enumerate(aliases):
        sshd = w.sshd if i == 0 else second_sshd(w)
        servers[alias] = sshd
        text += ("Host %s\n  HostName 127.0.0.1\n  Port %d\n  User root\n  IdentityFile %s\n"
                 "  IdentitiesOnly yes\n  UserKnownHostsFile %s\n  StrictHostKeyChecking yes\n"
                 % (alias, sshd.port, sshd.client_key, w.known_hosts))
    w.bus.write_ssh_config(text)
    return servers


def alias_world(fx, aliases, conf):
    """A World with write_aliases(), the notifier's conf, the recording
    server and the notifier.  Returns (w, mock, n, {alias: sshd})."""
    w, mock, n = setup(fx, conf=conf)
    return w, mock, n, write_aliases(w, aliases)


def up_to(w, n, name, destination):
    """A tunnel to a ~/.ssh/config alias, written as the user would (no
    User, Port or options of its own), with one local forward; connected
    and followed.  Returns its local port."""
    lport = w.add(name, Destination=destination, Port=None, User=None, IdentityFile=None,
                  SshOptions=None)
    w.connected(name, 30)
    n.wait_log("following tunnel %s " % name)
    return lport


def up_on(w, n, name, sshd):
    """A tunnel to root@127.0.0.1 on sshd's port; connected and followed.
    Returns its local port."""
    lport = w.add(name, Port=GV("q", sshd.port), IdentityFile=sshd.client_key)
    w.connected(name, 30)
    n.wait_log("following tunnel %s " % name)
    return lport


def wait_all(w, member, names, mark, timeout=30):
    for name in names:
        w.rec.wait(member, tunnel_path(name), since=mark, timeout=timeout)


def check_lists(note, ports):
    """note's body names every tunnel with its local port: "web (8080)"."""
    for name, port in ports.items():
        check("%s (%d)" % (name, port) in note.body,
              "%s (%d) is not in the body of %r" % (name, port, note))


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

    @requires(sshd_skip_reason, dbusmock)
    def test_outage_one_notification(self):
        """Three tunnels to one server (a ~/.ssh/config alias) drop with it:
        one notification names the server as written and each tunnel with
        its local port; when they are back, one "back" replaces it."""
        fx = self.fx
        w, mock, n, servers = alias_world(fx, ["myserver"], "[Notify]\nThreshold=1\n")
        names = ("web", "db", "mail")
        ports = {name: up_to(w, n, name, "myserver") for name in names}
        check(w.bus.tunnel_prop("web", "Destination") == "myserver",
              "Destination %r" % w.bus.tunnel_prop("web", "Destination"))
        mark = w.rec.mark()
        servers["myserver"].stop()
        wait_all(w, "Dropped", names, mark)
        note = mock.wait_count(1, what="the outage's notification")[0]
        print("dropped: %r" % note)
        check(note.summary == "3 tunnels to myserver dropped — reconnecting",
              "the outage's summary: %r" % note)
        check(note.replaces_id == 0 and note.icon == "network-error"
              and note.urgency == URGENCY_NORMAL, "the outage's notification: %r" % note)
        check_lists(note, ports)
        check(stays_true(lambda: len(mock.notifications()) == 1, 1.5),
              "more than one notification for one outage: %r" % mock.notifications())
        servers["myserver"].start()
        wait_all(w, "Reconnected", names, mark)
        notes = mock.wait_count(2, what="the outage's back notification")
        print("back: %r" % notes[1])
        check(re.fullmatch(r"3 tunnels to myserver are back \(down \d+ s\)", notes[1].summary),
              "the back summary: %r" % notes[1])
        check(notes[1].replaces_id == 1 and notes[1].urgency == URGENCY_LOW,
              "the back notification does not replace the drop's: %r" % notes[1])
        check_lists(notes[1], ports)
        check(stays_true(lambda: len(mock.notifications()) == 2, 1.5),
              "more notifications after the back one: %r" % mock.notifications())

    @requires(sshd_skip_reason, dbusmock)
    def test_outage_grows(self):
        """A tunnel to the same server (the same Destination, written the
        same way) that drops later rewrites the outage's notification in
        place; the back one replaces it too."""
        fx = self.fx
        w, mock, n = setup(fx, conf="[Notify]\nThreshold=1\n")
        other = second_sshd(w)        # the same Destination, another port: late drops
        ports = {name: up_on(w, n, name, w.sshd) for name in ("web", "db")}
        ports["late"] = up_on(w, n, "late", other)
        mark = w.rec.mark()
        w.sshd.stop()
        wait_all(w, "Dropped", ("web", "db"), mark)
        first = mock.wait_count(1, what="the outage's notification")[0]
        check(first.summary == "2 tunnels to root@127.0.0.1 dropped — reconnecting"
              and first.replaces_id == 0, "the outage's first notification: %r" % first)
        check("late" not in first.body, "late is named before it dropped: %r" % first)
        other.stop()
        notes = mock.wait_count(2, what="the outage's notification with late")
        print("outage: %r\ngrown: %r" % (first, notes[1]))
        check(notes[1].summary == "3 tunnels to root@127.0.0.1 dropped — reconnecting"
              and notes[1].replaces_id == 1, "the grown outage: %r" % notes[1])
        check_lists(notes[1], ports)
        w.sshd.start()
        other.start()
        wait_all(w, "Reconnected", ports, mark)
        notes = mock.wait_count(3, what="the outage's back notification")
        check(notes[2].summary.startswith("3 tunnels to root@127.0.0.1 are back")
              and notes[2].replaces_id == 1, "the back notification: %r" % notes[2])
        check(stays_true(lambda: len(mock.notifications()) == 3, 1.5),
              "more notifications after the back one: %r" % mock.notifications())

    @requires(sshd_skip_reason, dbusmock)
    def test_outage_two_servers(self):
        """Two servers down at once: one notification each, each naming
        only its own tunnels; back: each replaced by its own."""
        fx = self.fx
        w, mock, n, servers = alias_world(fx, ["srv1", "srv2"], "[Notify]\nThreshold=1\n")
        groups = {"srv1": ("web", "db"), "srv2": ("mail", "git")}
        ports = {alias: {name: up_to(w, n, name, alias) for name in names}
                 for alias, names in groups.items()}
        mark = w.rec.mark()
        for sshd in servers.values():
            sshd.stop()
        wait_all(w, "Dropped", groups["srv1"] + groups["srv2"], mark)
        notes = mock.wait_count(2, what="one notification per server")
        check(stays_true(lambda: len(mock.notifications()) == 2, 1.5),
              "more than one notification per server: %r" % mock.notifications())
        notes = mock.notifications()
        print("dropped: %r" % notes)
        by_server = {}
        for note in notes:
            m = re.fullmatch(r"2 tunnels to (srv[12]) dropped — reconnecting", note.summary)
            check(m and note.replaces_id == 0, "not one server's new outage: %r" % note)
            by_server[m.group(1)] = note
        check(sorted(by_server) == ["srv1", "srv2"], "the servers' outages: %r" % notes)
        for alias, note in by_server.items():
            check_lists(note, ports[alias])
            other = groups["srv2" if alias == "srv1" else "srv1"]
            check(not any(name in note.body for name in other),
                  "%s's notification names the other server's tunnels: %r" % (alias, note))
        ids = {alias: 1 + notes.index(note) for alias, note in by_server.items()}
        for sshd in servers.values():
            sshd.start()
        wait_all(w, "Reconnected", groups["srv1"] + groups["srv2"], mark)
        notes = mock.wait_count(4, what="each server's back notification")[2:]
        print("back: %r" % notes)
        for alias in groups:
            back = [x for x in notes if x.summary.startswith("2 tunnels to %s are back" % alias)]
            check(len(back) == 1 and back[0].replaces_id == ids[alias],
                  "%s's back notification (its drop was id %d): %r" % (alias, ids[alias], notes))

    @requires(sshd_skip_reason, dbusmock)
    def test_mute_server(self):
        """MuteServer= silences every tunnel to that server (its
        Destination as written), and SIGHUP lifts it."""
        fx = self.fx
        w, mock, n = setup(fx, conf="[Notify]\nMuteServer=root@127.0.0.1\nThreshold=0\n")
        up(w, n, "web")
        mark = w.rec.mark()
        kill_ssh(w, "web")
        w.rec.wait("Reconnected", tunnel_path("web"), since=mark, timeout=15)
        check(stays_true(lambda: mock.notifications() == [], 1.5),
              "a tunnel to a muted server was announced: %r" % mock.notifications())
        write_notify_conf(w.bus, "[Notify]\nThreshold=0\n")
        n.signal(signal.SIGHUP)
        n.wait_log("web: not muted")
        kill_ssh(w, "web")
        notes = mock.wait_count(2, what="web's drop and return once its server is unmuted")
        check_dropped(notes[0], "web")
        check(notes[1].summary.startswith("web is back"), "web's return: %r" % notes[1])

    @requires(sshd_skip_reason, dbusmock)
    def test_activation_autostart(self):
        """With a tunnel that starts by itself, autossh-notify alone starts
        the service by D-Bus activation, and the tunnel comes up."""
        fx = self.fx
        w = World(fx, start=False)
        MockNotifications(w.bus)
        w.bus.write_tunnel_file("off", w.keyfile_text(free_port(), autostart=False))
        w.bus.write_tunnel_file("web", w.keyfile_text(free_port(), autostart=True))
        check(not w.bus.name_has_owner(), "the service runs before the notifier")
        n = Notifier(w.bus)
        wait_until(w.bus.name_has_owner, 15, "autossh-notify to have the service activated")
        n.wait_log("started io.github.autosshd1 for its AutoStart tunnels")
        check(len(w.bus.activations()) == 1, "activations: %r" % w.bus.activations())
        w.connected("web", 30)
        n.wait_log("following tunnel web ")
        check(w.bus.tunnel_prop("off", "State") == "stopped", "off (AutoStart=false) started")

    @requires(sshd_skip_reason, dbusmock)
    def test_activation_not_wanted(self):
        """With only AutoStart=false tunnels, autossh-notify waits for the
        service and does not start it."""
        fx = self.fx
        w = World(fx, start=False)
        MockNotifications(w.bus)
        w.bus.write_tunnel_file("off", w.keyfile_text(free_port(), autostart=False))
        n = Notifier(w.bus)
        n.wait_log("io.github.autosshd1 is not running; waiting for it")
        check(stays_true(lambda: not w.bus.name_has_owner(), 1.5),
              "autossh-notify started the service for no AutoStart tunnel")
        check(w.bus.activations() == {}, "activations: %r" % w.bus.activations())
        n.wait_log("not starting the service")

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

    @requires(sshd_skip_reason, display_tools)
    def test_screenshot_outage(self):
        """dunst shows one notification for three tunnels to one server that
        drop together, naming the server as written and the tunnels, then
        one saying they are back (read by OCR)."""
        fx = self.fx
        w = World(fx)
        write_notify_conf(w.bus, "[Notify]\nThreshold=1\n")
        servers = write_aliases(w, ["myserver"])
        display = Display(w.bus)
        n = Notifier(w.bus)
        for name in ("web", "db", "mail"):
            up_to(w, n, name, "myserver")
        out = artifact_dir(fx)
        servers["myserver"].stop()
        n.wait_log("notify: 3 tunnels to myserver dropped")
        dropped = self.wait_words(display, os.path.join(out, "notify-outage-dropped.png"),
                                  ["3 tunnels to myserver dropped", "reconnecting", "web", "db",
                                   "mail"])
        servers["myserver"].start()
        n.wait_log("notify: 3 tunnels to myserver are back", timeout=30)
        back = self.wait_words(display, os.path.join(out, "notify-outage-back.png"),
                               ["3 tunnels to myserver are back"])
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
