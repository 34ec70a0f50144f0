#!/usr/bin/env python3
"""Integration tests of the failures that name their cause (issue 13): a
host name the name servers say does not exist ("check the spelling", retried
slowly), and a local port held by another tunnel of the service (named).
A private dbus-daemon, the real service, a real sshd on 127.0.0.1; for the
host name, a name server of the test's own (a UDP stub on 127.0.0.1:53 of the
test's private network namespace that answers "no such name", with
/etc/resolv.conf bind-mounted in the test's private mount namespace).

Run by meson, one test per case (`meson test -C build service-checks_typo_host`
is ChecksTest.test_checks_typo_host); by hand through tests/lib/in-netns.sh:
PYTHONPATH=tests/lib AUTOSSHD_BIN=... tests/lib/in-netns.sh /usr/bin/python3
test_checks.py [ChecksTest.test_NAME ...]
"""

import os
import socket
import struct
import subprocess
import sys
import tempfile
import threading

sys.dont_write_bytecode = True      # no __pycache__ in the source tree

from asdtest import TestCase, main, requires  # noqa: E402
from asdtest.busfixture import World, check_reason, wait_state  # noqa: E402
from asdtest.sshfixture import sshd_skip_reason, check, stays_true  # noqa: E402


def private_mounts():
    if os.geteuid() != 0:
        return "needs root (mount, a port below 1024)"
    if os.environ.get("ASD_TEST_PRIVATE_MOUNTS") != "1":
        return "not in a private mount and network namespace (run through tests/lib/in-netns.sh)"
    return sshd_skip_reason()


class NxdomainServer:
    """Answers every DNS query on 127.0.0.1:53 (UDP) with NXDOMAIN, and
    counts the queries; /etc/resolv.conf points at it (bind mount)."""

    def __init__(self, fx):
        self.queries = 0
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 53))
        self.sock.settimeout(0.2)
        self.stop = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        fx.defer(self.close)
        conf = tempfile.NamedTemporaryFile("w", prefix="asd-resolv-", delete=False)
        conf.write("nameserver 127.0.0.1\noptions attempts:1 timeout:2\n")
        conf.close()
        fx.defer(os.unlink, conf.name)
        subprocess.run(["mount", "--bind", conf.name, "/etc/resolv.conf"], check=True)
        fx.defer(subprocess.run, ["umount", "/etc/resolv.conf"])

    def _run(self):
        while not self.stop:
            try:
                data, peer = self.sock.recvfrom(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            if len(data) < 12:
                continue
            self.queries += 1
            qid, flags = struct.unpack("!HH", data[:4])
            # response, the query's opcode and RD, RA, rcode 3 (NXDOMAIN);
            # the question echoed, no answers
            rflags = 0x8000 | (flags & 0x7900) | 0x0080 | 3
            self.sock.sendto(struct.pack("!HHHHHH", qid, rflags, 1, 0, 0, 0) + data[12:], peer)

    def close(self):
        self.stop = True
        self.thread.join(2)
        self.sock.close()


class ChecksTest(TestCase):
    """Failures that name their cause (one method per meson test)."""

    @requires(private_mounts)
    def test_checks_typo_host(self):
        """A misspelt host name: "host name … not found: check the
        spelling", retried with growing waits, not "waiting for the
        network"."""
        fx = self.fx
        dns = NxdomainServer(fx)
        w = World(fx)
        w.add("typo", Destination="sshserver.invalid")
        props = wait_state(w.bus, "typo", "retrying", 20)
        reason = props["StateReason"]
        print("reason: %r (%d DNS queries)" % (reason, dns.queries))
        check(dns.queries > 0, "ssh asked the test's name server nothing")
        check("host name “sshserver.invalid” not found: check the spelling" in reason,
              "StateReason %r does not point at the spelling" % reason)
        check("waiting for the network" not in reason, "StateReason %r" % reason)
        check_reason(props, "host-not-found", "a misspelt host", host="sshserver.invalid",
                     retry="backoff")
        check(props["NextRetry"] > 0, "no next retry: %r" % props["NextRetry"])

    @requires(private_mounts)
    def test_checks_local_port_of_other_tunnel(self):
        """Two tunnels with one local port: the second's reason names the
        first instead of "another program"."""
        fx = self.fx
        w = World(fx)
        lport = w.add("first")
        w.connected("first", 20)
        settings = w.settings()
        settings["LocalForward"] = ["%d:127.0.0.1:%d" % (lport, w.target.port)]
        res = w.bus.manager("AddTunnel", "second", settings, True)
        check(res.ok, "AddTunnel second: " + res.describe())
        props = wait_state(w.bus, "second", "retrying", 20)
        reason = props["StateReason"]
        print("reason: %r" % reason)
        check("local port %d is in use by tunnel “first”" % lport in reason,
              "StateReason %r does not name tunnel first" % reason)
        check_reason(props, "local-port-in-use", "a port of another tunnel", port=lport,
                     held_by="first")
        check(stays_true(lambda: w.bus.tunnel_prop("first", "State") == "connected", 1),
              "the first tunnel left connected")
        # the first stopped, the port is another program's again, or free
        w.bus.tunnel("first", "Stop", check_ok=True)
        w.bus.tunnel("second", "Start", check_ok=True)
        w.connected("second", 20)


if __name__ == "__main__":
    sys.exit(main())
