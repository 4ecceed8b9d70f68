#!/usr/bin/env python3
"""Self-test of run_guest_test.py: the table, the verdicts, skips and timeouts.

A fake emulator (a Python script) stands in for kemu so the runner's process
handling is exercised without booting anything.
"""

import os
import stat
import struct
import subprocess
import sys
import tempfile
import textwrap
import time
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


def tiny_elf32(vaddr, code):
    """An ELF32 header and one PT_LOAD segment holding `code` at `vaddr`."""
    phoff, offset = 52, 52 + 32
    header = b"\x7fELF\x01\x01\x01" + bytes(9) + struct.pack(
        "<HHIIIIIHHHHHH", 2, 3, 1, vaddr, phoff, 0, 0, 52, 32, 1, 0, 0, 0)
    segment = struct.pack("<IIIIIIII", 1, offset, vaddr, vaddr, len(code), len(code), 5, 0x1000)
    return header + segment + code


class KvmPvmLimitTest(unittest.TestCase):
    """The skip rule for tests that kvm-pvm cannot run: only the recorded way of stopping."""

    KEMU_STOP = ("kemu-system-x86_64: vCPU 0: KVM internal error. Suberror: 1 (emulation failure)\n"
                 "Code={} 9c 5a 89\nEAX=00000000\n")

    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.elf = Path(self.dir.name) / "t.elf"
        # 0x100000: mov %eax,%cr0 ; 0x100003: mov %eax,%cr3
        self.elf.write_bytes(tiny_elf32(0x100000, b"\x0f\x22\xc0\x0f\x22\xd8"))

    def tearDown(self):
        self.dir.cleanup()

    def limit(self, test, serial="", stderr=""):
        return run_guest_test.kvm_pvm_limit(test, str(self.elf), serial, stderr)

    def test_emulation_failure_at_the_recorded_opcode(self):
        self.assertIn("DAA", self.limit("alu_flags", stderr=self.KEMU_STOP.format("27")))
        self.assertIn("IRET", self.limit("vm86", stderr=self.KEMU_STOP.format("cf")))

    def test_emulation_failure_elsewhere_is_not_skipped(self):
        self.assertIsNone(self.limit("alu_flags", stderr=self.KEMU_STOP.format("0f")))
        self.assertIsNone(self.limit("hello", stderr=self.KEMU_STOP.format("cf")))
        self.assertIsNone(self.limit("vm86", stderr="KVM internal error. Suberror: 3\nCode=cf\n"))

    def test_gp_only_on_mov_to_cr0(self):
        gp = "unexpected exception: vector 13 error 0x0 eip 0x{:x} cs 0x8 eflags 0x10086\n"
        self.assertIn("CR0.PG", self.limit("paging", serial=gp.format(0x100000)))
        self.assertIsNone(self.limit("paging", serial=gp.format(0x100003)), "MOV to CR3")
        self.assertIsNone(self.limit("paging", serial=gp.format(0x200000)), "outside the ELF")
        self.assertIsNone(self.limit("paging", serial=gp.format(0x100000).replace("13", "14")))
        self.assertIsNone(self.limit("alu_flags", serial=gp.format(0x100000)))

    def test_elf_bytes_at(self):
        self.assertEqual(run_guest_test.elf_bytes_at(self.elf, 0x100003, 3), b"\x0f\x22\xd8")
        self.assertIsNone(run_guest_test.elf_bytes_at(self.elf, 0x100004, 3))
        self.assertIsNone(run_guest_test.elf_bytes_at(Path(self.dir.name) / "none", 0, 1))

    def test_every_listed_test_exists(self):
        specs = run_guest_test.load_specs(run_guest_test.CFG_PATH)
        for name, (kind, _, _) in run_guest_test.KVM_PVM_LIMITS.items():
            self.assertIn(name, specs)
            # Emulator stops and the #GP on MOV to CR0 are the 32-bit programs' limits.
            if kind != run_guest_test.LATE_INTERRUPT:
                self.assertIn("ia32", specs[name].groups, name)

    def test_late_interrupt_is_the_recorded_failure_only(self):
        late = "FAIL: ../tests/guest/iret64.c:54: iret_with_if_set() is 0x0, expected 0x1\n"
        self.assertIn("IRET", self.limit("iret64", serial=late))
        self.assertIsNone(self.limit("iret64", serial=late.replace("0x0,", "0x2,")))
        self.assertIsNone(self.limit("iret64", serial="FAIL: something else\n"))


FAKE_EMULATOR = """\
import sys, time
args = sys.argv[1:]
mode = open(sys.argv[0] + ".mode").read().strip()
if mode == "tcg-missing":
    print("kemu-system-x86_64: -accel tcg: TCG is not available yet", file=sys.stderr)
    sys.exit(1)
if mode == "hang":
    time.sleep(60)
if mode == "internal-error":
    print("kemu-system-x86_64: vCPU 0: KVM internal error. Suberror: 1 (emulation failure)",
          file=sys.stderr, flush=True)
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

    def test_internal_error_ends_the_run_early(self):
        start = time.monotonic()
        r = self.run_runner("internal-error", "--timeout", "20")
        self.assertLess(time.monotonic() - start, 10)
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertNotIn("timed out", r.stdout)
        self.assertIn("KVM internal error", r.stdout)

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
