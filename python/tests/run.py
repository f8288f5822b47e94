#!/usr/bin/env python3
"""Run every python/tests/test_*.py with unittest; TAP-style lines, a closing
"N passed, N failed" line, exit status 1 if anything failed."""
import os
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


class TapResult(unittest.TestResult):
    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.n = 0
        self.passed = 0
        self._t0 = time.monotonic()

    def startTest(self, test):
        super().startTest(test)
        self._t0 = time.monotonic()

    def _line(self, ok, test, extra=""):
        self.n += 1
        print("%s %d - %s (%.2f s)%s" % ("ok" if ok else "not ok", self.n, test.id(),
                                         time.monotonic() - self._t0, extra), flush=True)

    def addSuccess(self, test):
        super().addSuccess(test)
        self.passed += 1
        self._line(True, test)

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._line(False, test)
        self._diag(self.failures[-1][1])

    def addError(self, test, err):
        super().addError(test, err)
        self._line(False, test)
        self._diag(self.errors[-1][1])

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self.passed += 1
        self._line(True, test, " # SKIP %s" % reason)

    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err)
        self._line(False, test, " # expected failure is not allowed here")

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self._line(False, test, " # unexpected success")

    @staticmethod
    def _diag(text):
        for line in text.rstrip().splitlines():
            print("#   " + line)


def main():
    pattern = sys.argv[1] if len(sys.argv) > 1 else "test_*.py"
    suite = unittest.defaultTestLoader.discover(HERE, pattern=pattern, top_level_dir=HERE)
    result = TapResult()
    t0 = time.monotonic()
    suite.run(result)
    failed = len(result.failures) + len(result.errors) + len(result.expectedFailures) + \
        len(result.unexpectedSuccesses)
    print("1..%d" % result.n)
    print("# python: %d passed, %d failed (%.1f s, %s)" %
          (result.passed, failed, time.monotonic() - t0, sys.executable))
    return 1 if failed or result.n == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
