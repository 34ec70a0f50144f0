#!/usr/bin/env python3
"""Checks the system service's data files as they are built (and installed):

  check-system-data.py busconfig FILE   well-formed XML that dbus-daemon
                                        loads (test_system.py's bus includes it)
  check-system-data.py policy FILE      valid against polkit's DTD, both
                                        actions, translated (German) messages
  check-system-data.py verify UNIT BIN MANPAGE
                                        `systemd-analyze verify` passes; the
                                        unit's ExecStart is pointed at the built
                                        BIN (the installed one does not exist
                                        here), and the built MANPAGE (autosshd.8)
                                        answers its Documentation=man:autosshd(8)
  check-system-data.py exposure UNIT    `systemd-analyze security --offline=true`
                                        rates the unit 2.0 or lower
Exit status 0 when the check passes, 1 with the reason otherwise.
"""

import os
import re
import subprocess
import sys
import tempfile

POLKIT_DTD = "/usr/share/polkit-1/policyconfig-1.dtd"


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def run(argv, env=None):
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       env=env)
    print("$ %s\n%s" % (" ".join(argv), p.stdout))
    return p


def busconfig(path):
    if run(["xmllint", "--noout", path]).returncode != 0:
        fail("%s is not well-formed" % path)
    text = open(path).read()
    if '<allow own="io.github.autosshd1"/>' not in text or 'user="autosshd"' not in text:
        fail("only the user autosshd may own the name")


def policy(path):
    if not os.path.isfile(POLKIT_DTD):
        fail("%s is missing (Debian: polkitd)" % POLKIT_DTD)
    if run(["xmllint", "--noout", "--dtdvalid", POLKIT_DTD, path]).returncode != 0:
        fail("%s does not validate against polkit's DTD" % path)
    text = open(path).read()
    for action in ("io.github.autosshd1.control", "io.github.autosshd1.manage"):
        if 'id="%s"' % action not in text:
            fail("no action %s" % action)
    if len(re.findall(r'<(description|message) xml:lang="de">', text)) != 4:
        fail("the actions' description and message are not all translated to German")


def verify(unit, binary, manpage):
    with tempfile.TemporaryDirectory() as tmp:
        copy = os.path.join(tmp, os.path.basename(unit))
        mandir = os.path.join(tmp, "man")
        os.makedirs(os.path.join(mandir, "man8"))
        os.symlink(os.path.abspath(manpage), os.path.join(mandir, "man8", "autosshd.8"))
        text = re.sub(r"^ExecStart=\S+", "ExecStart=" + os.path.abspath(binary), open(unit).read(), flags=re.M)
        with open(copy, "w") as f:
            f.write(text)
        env = dict(os.environ, MANPATH=mandir)
        p = run(["systemd-analyze", "verify", copy], env=env)
        if p.returncode != 0 or p.stdout.strip():
            fail("systemd-analyze verify complains")


def exposure(unit):
    p = run(["systemd-analyze", "security", "--offline=true", "--no-pager", unit])
    m = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", p.stdout)
    if m is None:
        fail("no exposure level in the output")
    if float(m.group(1)) > 2.0:
        fail("exposure %s is above 2.0" % m.group(1))
    print("exposure", m.group(1))


def main(argv):
    checks = {"busconfig": busconfig, "policy": policy, "verify": verify, "exposure": exposure}
    if len(argv) < 3 or argv[1] not in checks:
        fail("usage: %s busconfig|policy|verify|exposure FILE..." % argv[0])
    checks[argv[1]](*argv[2:])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
