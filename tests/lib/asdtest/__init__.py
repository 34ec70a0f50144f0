"""The integration tests' fixtures and runner, one package for every suite
(tests/{integration,service,secrets,clients,notify}) and tests/bench.

  sshfixture    sshd, target servers, /proc helpers, the drop-in autossh,
                Fixtures (cleanup stack, failure dumps, exit checks)
  busfixture    a private dbus-daemon, the service autosshd, signal recorder
  notifyfixture a recording notification server, autossh-notify, Xvfb + dunst
  gvariant      GVariant text for gdbus (GLib's, through PyGObject)
  runner        unittest with meson's conventions: main(), TestCase, requires

meson runs the tests with PYTHONPATH=tests/lib and an interpreter that has
PyGObject (Debian's /usr/bin/python3 with python3-gi).
"""

from .runner import Skip, TestCase, main, requires

__all__ = ["Skip", "TestCase", "main", "requires"]
