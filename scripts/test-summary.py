#!/usr/bin/env python3
"""Print one closing line for a `meson test` run, "tests: N passed, N failed, N skipped", from
its testlog.json, so CI logs end with a count of what ran and not only an exit status.

usage: scripts/test-summary.py build/meson-logs/testlog.json
"""

import collections
import json
import sys

# meson's result names; a timeout or an unexpected pass is a failure too.
PASSED = {"OK", "EXPECTEDFAIL"}
SKIPPED = {"SKIP"}


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: test-summary.py TESTLOG_JSON\n")
        return 2
    try:
        with open(argv[1]) as log:
            results = collections.Counter(json.loads(line)["result"] for line in log
                                          if line.strip())
    except (OSError, ValueError, KeyError) as e:
        sys.stderr.write(f"test-summary: cannot read {argv[1]}: {e}\n")
        return 1
    passed = sum(n for result, n in results.items() if result in PASSED)
    skipped = sum(n for result, n in results.items() if result in SKIPPED)
    failed = sum(results.values()) - passed - skipped
    print(f"tests: {passed} passed, {failed} failed, {skipped} skipped")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
