#!/usr/bin/env python3
"""Self-test of run_guest_test.py: the table, the verdicts, skips and timeouts.

A fake emulator (a Python script) stands in for kemu so the runner's process
handling is exercised without booting anything.
"""

import os
import stat
import subprocess
import sys
import tempfile
import textwrap
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
sys.path.insert(0, str(HERE))
import run_guest_test  # noqa: E402


class TableTest(unittest.TestCase):
    def test_every_entry_has_a_program_and_sane_fields(self):
        specs = run_guest_test.load_specs(run_guest_test.CFG_PATH)
        self.assertIn("hello", specs)
        for spec in specs.values():
            self.assertTrue((HERE / f"{spec.name}.c").is_file(), spec.name)
            self.assertGreaterEqual(spec.smp, 1)
            self.assertGreater(spec.timeout, 0)
            self.assertTrue(spec.groups, spec.name)

    def test_expected_statuses(self):
        specs = run_guest_test.load_specs(run_guest_test.CFG_PATH)
        self.assertEqual(specs["hello"].status, 1)
        self.assertEqual(specs["exit_codes"].status, 7)
        self.assertEqual(specs["poweroff"].status, 0)
        self.assertEqual(specs["reboot"].status, 0)


def spec(status=1, success=r"^PASS$"):
    return run_guest_test.TestSpec("t", 1, 5, status, success, [], ["g"])


class JudgeTest(unittest.TestCase):
    def test_pass(self):
        self.assertEqual(run_guest_test.judge(spec(), 1, "noise\nPASS\n"), [])

    def test_wrong_status(self):
        self.assertTrue(run_guest_test.judge(spec(), 3, "PASS\n"))

    def test_success_must_match_exactly_once(self):
        self.assertTrue(run_guest_test.judge(spec(), 1, "other\n"))
        self.assertTrue(run_guest_test.judge(spec(), 1, "PASS\nPASS\n"))

    def test_failure_patterns(self):
        self.assertTrue(run_guest_test.judge(spec(), 1, "FAIL: x\nPASS\n"))
        self.assertTrue(run_guest_test.judge(spec(), 1, "unexpected exception: vector 13\nPASS\n"))

    def test_known_reference_deviation_is_not_a_failure(self):
        self.assertFalse(run_guest_test.judge(spec(), 1, "XFAIL-QEMU lock mov\nPASS\n"))
        self.assertTrue(run_guest_test.judge(spec(), 1, "XFAIL-QEMU x\nFAIL: y\nPASS\n"))


FAKE_EMULATOR = """\
import sys, time
args = sys.argv[1:]
mode = open(sys.argv[0] + ".mode").read().strip()
if mode == "tcg-missing":
    print("kemu-system-x86_64: -accel tcg: TCG is not available yet", file=sys.stderr)
    sys.exit(1)
if mode == "hang":
    time.sleep(60)
append = args[args.index("-append") + 1]
print("Hello from kemu guest" if "ncpus=1" in append else "bad cmdline " + append)
sys.exit(1)
"""


class ProcessTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.fake = Path(self.dir.name) / "fake-emulator"
        self.fake.write_text(f"#!{sys.executable}\n" + textwrap.dedent(FAKE_EMULATOR))
        self.fake.chmod(self.fake.stat().st_mode | stat.S_IXUSR)

    def tearDown(self):
        self.dir.cleanup()

    def run_runner(self, mode, *extra):
        Path(str(self.fake) + ".mode").write_text(mode)
        cmd = [sys.executable, str(HERE / "run_guest_test.py"), "--emulator", str(self.fake),
               "--flavor", "kemu", "--accel", "tcg", "--test", "hello", "--kernel", "x.elf"]
        return subprocess.run(cmd + list(extra), capture_output=True, text=True, timeout=30)

    def test_pass(self):
        r = self.run_runner("ok")
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertIn("PASS: hello", r.stdout)

    def test_skip_when_kemu_lacks_the_accelerator(self):
        r = self.run_runner("tcg-missing")
        self.assertEqual(r.returncode, 77, r.stdout)
        self.assertIn("SKIP: -accel tcg: TCG is not available yet", r.stdout)

    def test_timeout_kills_and_fails(self):
        r = self.run_runner("hang", "--timeout", "1")
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("timed out after 1 s", r.stdout)

    def test_kvm_skips_without_dev_kvm(self):
        if os.path.exists("/dev/kvm"):
            self.skipTest("this host has /dev/kvm")
        Path(str(self.fake) + ".mode").write_text("ok")
        r = subprocess.run([sys.executable, str(HERE / "run_guest_test.py"), "--emulator",
                            str(self.fake), "--flavor", "kemu", "--accel", "kvm", "--test",
                            "hello", "--kernel", "x.elf"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 77)
        self.assertEqual(r.stdout.strip(), "SKIP: /dev/kvm is absent on this host")


if __name__ == "__main__":
    unittest.main()
