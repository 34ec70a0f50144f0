"""unittest, the way the integration tests run under meson.

Every test file ends with `sys.exit(asdtest.main())`; meson runs it once per
test case (`test_x.py Class.test_name`, listed by tests/lib/list-tests.py).
A TestCase gets fresh Fixtures in self.fx; when a test fails, the fixtures'
logs are printed; closing the fixtures checks how every program under test
ended.  Exit status: 0 passed, 1 failed, 77 skipped (meson's SKIP; CI counts
it as a failure).
"""

import functools
import signal
import sys
import traceback
import types
import unittest

from .sshfixture import Fixtures

Skip = unittest.SkipTest


class Terminated(BaseException):
    """SIGTERM (meson's timeout); a BaseException so no test loop swallows it."""


def _terminated(signum, frame):
    raise Terminated("terminated by signal %d (test timeout?)" % signum)


def requires(*checks):
    """Skip the test when one of checks() gives a reason (a string)."""
    def decorate(fn):
        @functools.wraps(fn)
        def wrapper(self, *args, **kw):
            for check in checks:
                why = check()
                if why:
                    raise unittest.SkipTest(why)
            return fn(self, *args, **kw)
        return wrapper
    return decorate


class TestCase(unittest.TestCase):
    """self.fx: this test's Fixtures, closed (and checked) by its cleanup."""

    maxDiff = None

    def __init__(self, methodName="runTest"):
        super().__init__(methodName)
        fn = getattr(self, methodName, None)
        if fn is not None and methodName.startswith("test"):
            setattr(self, methodName, self._dumping(fn))

    def _dumping(self, fn):
        """fn, printing the fixtures' logs when it fails (while they exist)."""
        @functools.wraps(fn)
        def run(_self):
            try:
                return fn()
            except unittest.SkipTest:
                raise
            except BaseException as e:
                print("FAIL %s: %s" % (self._testMethodName, e))
                if not isinstance(e, (AssertionError, Terminated)):
                    traceback.print_exc(file=sys.stdout)
                self.fx.print_dumps()
                raise
        return types.MethodType(run, self)      # bound, as unittest's loader wants

    def setUp(self):
        self.fx = Fixtures()
        self.addCleanup(self.fx.close)


def _names(module, argv):
    """Test names as unittest wants them: `Class.test_x`; `test_x` and the
    old `x` are looked up in the module's TestCase classes."""
    classes = [c for c in vars(module).values()
               if isinstance(c, type) and issubclass(c, unittest.TestCase)]
    out = []
    for name in argv:
        if "." in name:
            out.append(name)
            continue
        meth = name if name.startswith("test_") else "test_" + name
        owners = [c.__name__ for c in classes if hasattr(c, meth)]
        if len(owners) != 1:
            raise SystemExit("%s: no single test named %s (%s)" % (module.__file__, name,
                                                                     owners or "none"))
        out.append(owners[0] + "." + meth)
    return out


def main(before=None):
    """Run the named tests of __main__ (all without names).  before(names),
    if given, runs first (it may re-exec the script, e.g. in a namespace)."""
    module = sys.modules["__main__"]
    loader = unittest.TestLoader()
    names = _names(module, sys.argv[1:])
    if before is not None:
        before(names)
    # meson's timeout sends SIGTERM: raise so the failure is reported and cleanups run
    signal.signal(signal.SIGTERM, _terminated)
    suite = (loader.loadTestsFromNames(names, module) if names
             else loader.loadTestsFromModule(module))
    result = unittest.TextTestRunner(stream=sys.stdout, verbosity=2).run(suite)
    sys.stdout.flush()
    if not result.wasSuccessful() or result.testsRun == 0:
        return 1
    if len(result.skipped) == result.testsRun:
        return 77
    return 0
