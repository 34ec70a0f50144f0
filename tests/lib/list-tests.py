#!/usr/bin/env python3
"""Prints the test cases of a unittest file, one `Class.test_name` a line:
meson registers one test per line (tests/*/meson.build), so the names are
kept only in the test files.  Imports the file as unittest would run it
(tests/lib on sys.path for the asdtest package).

    list-tests.py tests/service/test_service.py
"""

import importlib.util
import os
import sys
import unittest

sys.dont_write_bytecode = True          # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def cases(suite):
    for t in suite:
        if isinstance(t, unittest.TestSuite):
            yield from cases(t)
        else:
            yield t


def main(path):
    spec = importlib.util.spec_from_file_location("inspected", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    suite = unittest.TestLoader().loadTestsFromModule(module)
    names = [t.id().split(".", 1)[1] for t in cases(suite)]
    if not names:
        sys.exit("%s: no test cases" % path)
    print("\n".join(names))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
