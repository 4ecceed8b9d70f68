// Debugging extensions (CR4.DE) under TCG: the CR4 bit and which DR0-DR3 I/O breakpoints an
// IN/OUT/INS/OUTS access hits (SDM vol. 3 17.2.4, 17.2.5). The #DB trap itself and DR4/DR5
// are checked end to end by the guest test debug_extensions.
#include "target-x86/tcg/io_breakpoint.h"

#include <gtest/gtest.h>

#include "target-x86/tcg/control_regs.h"
#include "tests/unit/target-x86/tcg_sys_fake.h"

namespace kemu::x86::test {
namespace {

// DR7 for breakpoint n: L enable, R/W and LEN (00 1 byte, 01 2, 11 4, 10 8).
constexpr uint64_t dr7_bp(unsigned n, unsigned rw, unsigned len_code) {
    return (1ull << (2 * n)) | (uint64_t(rw) << (16 + 4 * n)) |
           (uint64_t(len_code) << (18 + 4 * n));
}
constexpr unsigned kRwExec = 0, kRwWrite = 1, kRwIo = 2, kRwReadWrite = 3;
constexpr unsigned kLen1 = 0, kLen2 = 1, kLen8 = 2, kLen4 = 3;

X86CpuState with_de() {
    X86CpuState s = reset_cpu_state(true);
    s.cr4 = cr4bit::DE;
    return s;
}

TEST(TcgIoBreakpoint, Cr4DeIsWritable) {
    FakeSysContext m;
    X86CpuState s = reset_cpu_state(true);
    CrWriteEffect e = write_cr4(s, m, cr4bit::DE);
    EXPECT_EQ(s.cr4, cr4bit::DE);
    EXPECT_TRUE(e.end_block) << "DR4/DR5 and I/O breakpoints change meaning";
}

TEST(TcgIoBreakpoint, PortInsideTheRangeHits) {
    X86CpuState s = with_de();
    s.dr[1] = 0x3f8;
    s.dr[7] = dr7_bp(1, kRwIo, kLen4);
    EXPECT_EQ(io_breakpoint_hits(s, 0x3f8, 1), 2u);
    EXPECT_EQ(io_breakpoint_hits(s, 0x3fb, 1), 2u);
    EXPECT_EQ(io_breakpoint_hits(s, 0x3f6, 4), 2u) << "a wider access reaching into the range";
    EXPECT_EQ(io_breakpoint_hits(s, 0x3fc, 1), 0u);
    EXPECT_EQ(io_breakpoint_hits(s, 0x3f4, 4), 0u);
}

TEST(TcgIoBreakpoint, RangeIsAlignedToItsLength) {
    X86CpuState s = with_de();
    s.dr[0] = 0x71;  // a 2-byte range starting at an odd port covers 0x70-0x71
    s.dr[7] = dr7_bp(0, kRwIo, kLen2);
    EXPECT_EQ(io_breakpoint_hits(s, 0x70, 1), 1u);
    EXPECT_EQ(io_breakpoint_hits(s, 0x72, 1), 0u);
    s.dr[3] = 0x407;
    s.dr[7] = dr7_bp(3, kRwIo, kLen8);
    EXPECT_EQ(io_breakpoint_hits(s, 0x400, 2), 8u);
    EXPECT_EQ(io_breakpoint_hits(s, 0x408, 1), 0u);
    s.dr[2] = 0x80;
    s.dr[7] = dr7_bp(2, kRwIo, kLen1);
    EXPECT_EQ(io_breakpoint_hits(s, 0x80, 4), 4u);
    EXPECT_EQ(io_breakpoint_hits(s, 0x81, 1), 0u);
}

TEST(TcgIoBreakpoint, SeveralBreakpointsReportTogether) {
    X86CpuState s = with_de();
    s.dr[0] = 0x60;
    s.dr[2] = 0x64;
    s.dr[3] = 0x60;
    s.dr[7] = dr7_bp(0, kRwIo, kLen1) | dr7_bp(2, kRwIo, kLen1) | dr7_bp(3, kRwIo, kLen4);
    EXPECT_EQ(io_breakpoint_hits(s, 0x60, 1), 0x9u);
    EXPECT_EQ(io_breakpoint_hits(s, 0x60, 4), 0x9u);
    EXPECT_EQ(io_breakpoint_hits(s, 0x64, 1), 0x4u);
}

// Global enables count like local ones; a disabled slot or another R/W type never hits.
TEST(TcgIoBreakpoint, OnlyEnabledIoBreakpoints) {
    X86CpuState s = with_de();
    s.dr[0] = s.dr[1] = s.dr[2] = s.dr[3] = 0x3f8;
    s.dr[7] = dr7_bp(0, kRwExec, kLen1) | dr7_bp(1, kRwWrite, kLen1) |
              dr7_bp(2, kRwReadWrite, kLen1) | (uint64_t(kRwIo) << 28);  // slot 3 not enabled
    EXPECT_EQ(io_breakpoint_hits(s, 0x3f8, 1), 0u);
    s.dr[7] |= 1u << 7;  // G3
    EXPECT_EQ(io_breakpoint_hits(s, 0x3f8, 1), 8u);
}

// R/W = 10b without CR4.DE is undefined: no I/O breakpoint.
TEST(TcgIoBreakpoint, NothingWithoutCr4De) {
    X86CpuState s = with_de();
    s.dr[0] = 0x3f8;
    s.dr[7] = dr7_bp(0, kRwIo, kLen1);
    EXPECT_EQ(io_breakpoint_hits(s, 0x3f8, 1), 1u);
    s.cr4 = 0;
    EXPECT_EQ(io_breakpoint_hits(s, 0x3f8, 1), 0u);
}

}  // namespace
}  // namespace kemu::x86::test
