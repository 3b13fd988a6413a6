"""python3 -m validation.testrun MODULE: run a test module for CTest; exit 77 (CTest's
SKIP_RETURN_CODE) when every test in it was skipped, after printing why, so that
`ctest` reports it as skipped rather than passed."""
import sys
import unittest

SKIPPED = 77


def main(name):
    suite = unittest.defaultTestLoader.loadTestsFromName(name)
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    if not result.wasSuccessful():
        return 1
    if result.testsRun and len(result.skipped) == result.testsRun:
        print(f"{name}: skipped: {result.skipped[0][1]}")
        return SKIPPED
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
