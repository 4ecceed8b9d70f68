#include "target-x86/tcg/control_regs.h"

#include <gtest/gtest.h>

#include "target-x86/tcg/exceptions.h"
#include "target-x86/tcg/fast_syscall.h"
#include "target-x86/tcg/msr.h"
#include "tests/unit/target-x86/tcg_sys_fake.h"

namespace kemu::x86::test {
namespace {

TEST(TcgControlRegs, Cr0Checks) {
    FakeSysContext m;
    X86CpuState s = reset_cpu_state(true);
    EXPECT_FAULT(write_cr0(s, m, cr0bit::PG), vec::GP, 0);               // PG without PE
    EXPECT_FAULT(write_cr0(s, m, cr0bit::PE | cr0bit::NW), vec::GP, 0);  // NW without CD
    EXPECT_FAULT(write_cr0(s, m, 1ull << 32), vec::GP, 0);
    CrWriteEffect e = write_cr0(s, m, cr0bit::PE);
    EXPECT_TRUE(e.end_block && e.flush_tlb && e.flush_global);
    EXPECT_EQ(s.cr0, cr0bit::PE | cr0bit::ET) << "ET is hardwired, CD/NW cleared as written";
    e = write_cr0(s, m, cr0bit::PE | cr0bit::CD);
    EXPECT_FALSE(e.end_block || e.flush_tlb) << "cache control changes nothing we cache";
}

TEST(TcgControlRegs, EnteringAndLeavingLongMode) {
    FakeSysContext m;
    X86CpuState s = reset_cpu_state(true);
    s.cr0 = cr0bit::PE | cr0bit::ET;
    write_efer(s, m, eferbit::LME);
    EXPECT_FAULT(write_cr0(s, m, s.cr0 | cr0bit::PG), vec::GP, 0);  // LME needs PAE
    write_cr4(s, m, cr4bit::PAE);
    write_cr0(s, m, s.cr0 | cr0bit::PG);
    EXPECT_TRUE(s.efer & eferbit::LMA);
    EXPECT_FAULT(write_efer(s, m, 0), vec::GP, 0);  // LME cannot change while paging
    EXPECT_FAULT(write_cr4(s, m, 0), vec::GP, 0);   // PAE cannot be cleared in IA-32e mode
    s.seg[CS].l = true;
    EXPECT_FAULT(write_cr0(s, m, cr0bit::PE), vec::GP, 0);  // not from 64-bit code
    s.seg[CS].l = false;
    write_cr0(s, m, cr0bit::PE);
    EXPECT_FALSE(s.efer & eferbit::LMA);
}

TEST(TcgControlRegs, Cr3) {
    FakeSysContext m;
    X86CpuState s = reset_cpu_state(true);
    CrWriteEffect e = write_cr3(s, m, 0x1'0000'1000ull);
    EXPECT_EQ(s.cr3, 0x1000u) << "outside IA-32e mode CR3 is 32 bits";
    EXPECT_TRUE(e.flush_tlb);
    EXPECT_FALSE(e.flush_global);
    // PAE paging loads the PDPTEs: a reserved bit in a present one is #GP.
    s.cr0 |= cr0bit::PE | cr0bit::PG;
    s.cr4 |= cr4bit::PAE;
    m.store(0x2000 + 8, 8, 0x5000 | 1 | 2);
    EXPECT_FAULT(write_cr3(s, m, 0x2000), vec::GP, 0);
    m.store(0x2000 + 8, 8, 0x5000 | 1);
    write_cr3(s, m, 0x2000);
    EXPECT_EQ(s.cr3, 0x2000u);
    // IA-32e: bits above MAXPHYADDR fault. With PCIDE, bit 63 is not part of CR3, and the
    // untagged TLB is flushed even though the SDM would let a CPU keep the PCID's entries.
    s.efer |= eferbit::LME | eferbit::LMA;
    EXPECT_FAULT(write_cr3(s, m, 1ull << 45), vec::GP, 0);
    s.cr4 |= cr4bit::PCIDE;
    e = write_cr3(s, m, (1ull << 63) | 0x3000);
    EXPECT_TRUE(e.flush_tlb);
    EXPECT_EQ(s.cr3, 0x3000u);
}

TEST(TcgControlRegs, Cr4) {
    FakeSysContext m;
    X86CpuState s = reset_cpu_state(true);
    EXPECT_FAULT(write_cr4(s, m, 1u << 13), vec::GP, 0);       // VMXE is not supported
    EXPECT_FAULT(write_cr4(s, m, cr4bit::PCIDE), vec::GP, 0);  // PCIDE needs IA-32e mode
    CrWriteEffect e = write_cr4(s, m, cr4bit::PGE);
    EXPECT_TRUE(e.flush_global);
    EXPECT_FALSE(e.end_block) << "toggling PGE only flushes";
    e = write_cr4(s, m, cr4bit::PGE | cr4bit::OSFXSR);
    EXPECT_TRUE(e.end_block);
    EXPECT_FALSE(e.flush_tlb);
}

TEST(TcgControlRegs, Cr8AndXcr0) {
    FakeSysContext m;
    X86CpuState s = reset_cpu_state(true);
    EXPECT_FAULT(write_cr8(s, m, 16), vec::GP, 0);
    EXPECT_TRUE(write_cr8(s, m, 9).end_block);
    EXPECT_EQ(s.cr8, 9u);
    EXPECT_FAULT(write_xcr(s, m, 0, 0), vec::GP, 0);  // x87 bit clear
    EXPECT_FAULT(write_xcr(s, m, 0, 5), vec::GP, 0);  // AVX without SSE
    EXPECT_FAULT(write_xcr(s, m, 0, 0xf), vec::GP, 0);
    EXPECT_FAULT(write_xcr(s, m, 1, 3), vec::GP, 0);
    write_xcr(s, m, 0, 7);
    EXPECT_EQ(s.fpu.xcr0, 7u);
}

TEST(TcgMsr, ArchitecturalMsrs) {
    FakeSysContext m;
    X86CpuState s = reset_cpu_state(true);
    m.tsc = 1000;
    EXPECT_EQ(read_msr(s, m, msr::TSC), 1000u);
    write_msr(s, m, msr::TSC, 5);
    EXPECT_EQ(m.tsc, 5u);
    // IA32_TSC_ADJUST follows TSC writes and moves the TSC when written itself.
    EXPECT_EQ(read_msr(s, m, msr::TSC_ADJUST), uint64_t(5 - 1000));
    write_msr(s, m, msr::TSC_ADJUST, 0);
    EXPECT_EQ(m.tsc, 1000u);
    EXPECT_EQ(read_msr(s, m, msr::TSC_ADJUST), 0u);
    write_msr(s, m, msr::LSTAR, 0xffff'8000'0000'1000ull);
    EXPECT_EQ(read_msr(s, m, msr::LSTAR), 0xffff'8000'0000'1000ull);
    EXPECT_FAULT(write_msr(s, m, msr::LSTAR, 0x8000'0000'0000ull), vec::GP, 0);
    write_msr(s, m, msr::FS_BASE, 0x1234);
    EXPECT_EQ(s.seg[FS].base, 0x1234u);
    write_msr(s, m, msr::SYSENTER_CS, 0x10);
    EXPECT_EQ(s.msr.sysenter_cs, 0x10u);
    EXPECT_FAULT(write_msr(s, m, msr::TSC_AUX, 1ull << 32), vec::GP, 0);
    EXPECT_FAULT(write_msr(s, m, msr::PAT, 0x0202020202020202ull), vec::GP, 0);
    EXPECT_TRUE(write_msr(s, m, msr::PAT, 0x0606060606060606ull).flush_tlb);
    EXPECT_FAULT(read_msr(s, m, 0x12345), vec::GP, 0);
    EXPECT_FAULT(write_msr(s, m, 0x12345, 0), vec::GP, 0);
    // MTRRs: zero on read, writes dropped.
    write_msr(s, m, 0x200, 0x1234);
    EXPECT_EQ(read_msr(s, m, 0x200), 0u);
    EXPECT_EQ(read_msr(s, m, msr::MTRR_DEF_TYPE), 0u);
    // EFER goes through the CR rules; LMA is read-only.
    EXPECT_FAULT(write_msr(s, m, msr::EFER, 1u << 12), vec::GP, 0);
    EXPECT_TRUE(write_msr(s, m, msr::EFER, eferbit::NXE | eferbit::LMA).flush_global);
    EXPECT_EQ(s.efer, eferbit::NXE);
}

TEST(TcgMsr, ApicMsrsGoToTheDevice) {
    FakeSysContext m;
    X86CpuState s = reset_cpu_state(true);
    EXPECT_FAULT(read_msr(s, m, msr::APIC_BASE), vec::GP, 0);
    m.apic_msrs[msr::APIC_BASE] = 0xfee00900;
    m.apic_msrs[0x808] = 0;
    EXPECT_EQ(read_msr(s, m, msr::APIC_BASE), 0xfee00900u);
    write_msr(s, m, 0x808, 0x20);
    EXPECT_EQ(m.apic_msrs[0x808], 0x20u);
    EXPECT_FAULT(write_msr(s, m, 0x80f, 0), vec::GP, 0);
}

TEST(TcgMsr, RequiresCpl0) {
    FakeSysContext m;
    X86CpuState s = protected_state(m, 3);
    EXPECT_FAULT(read_msr(s, m, msr::TSC), vec::GP, 0);
    EXPECT_FAULT(write_msr(s, m, msr::STAR, 0), vec::GP, 0);
}

TEST(TcgFastSyscall, SyscallAndSysret) {
    FakeSysContext m;
    X86CpuState s = protected_state(m, 3, true);
    s.msr.star = (0x23ull << 48) | (0x10ull << 32);
    s.msr.lstar = 0xffff'8000'0000'2000ull;
    s.msr.fmask = rflag::IF | rflag::TF;
    s.rflags = 0x2 | rflag::IF | rflag::TF | rflag::CF;
    syscall(s, m, 0x401002);
    EXPECT_EQ(s.regs[RCX], 0x401002u);
    EXPECT_EQ(s.regs[R11], 0x2u | rflag::IF | rflag::TF | rflag::CF);
    EXPECT_EQ(s.rflags, 0x2u | rflag::CF);
    EXPECT_EQ(s.rip, s.msr.lstar);
    EXPECT_EQ(s.seg[CS].selector, 0x10);
    EXPECT_TRUE(s.seg[CS].l);
    EXPECT_EQ(s.seg[SS].selector, 0x18);
    EXPECT_EQ(cpl(s), 0u);
    s.regs[R11] = 0x2 | rflag::IF | rflag::VM | rflag::RF;
    sysret(s, m, 8);
    EXPECT_EQ(s.seg[CS].selector, 0x33);
    EXPECT_TRUE(s.seg[CS].l);
    EXPECT_EQ(s.seg[SS].selector, 0x2b);
    EXPECT_EQ(cpl(s), 3u);
    EXPECT_EQ(s.rip, 0x401002u);
    EXPECT_EQ(s.rflags, 0x2u | rflag::IF) << "VM and RF are masked off";
    EXPECT_FAULT(sysret(s, m, 8), vec::GP, 0);
    X86CpuState k = protected_state(m, 0, true);
    k.regs[RCX] = 0x8000'0000'0000ull;
    EXPECT_FAULT(sysret(k, m, 8), vec::GP, 0);
    k.msr.star = 0x23ull << 48;
    sysret(k, m, 4);
    EXPECT_EQ(k.seg[CS].selector, 0x23);
    EXPECT_FALSE(k.seg[CS].l);
    EXPECT_EQ(k.rip, 0u);
}

TEST(TcgFastSyscall, SysenterSysexit) {
    FakeSysContext m;
    X86CpuState s = protected_state(m, 3);
    EXPECT_FAULT(sysenter(s, m), vec::GP, 0);
    s.msr.sysenter_cs = 0x08;
    s.msr.sysenter_esp = 0x9000;
    s.msr.sysenter_eip = 0xc0001000;
    s.rflags = 0x2 | rflag::IF;
    sysenter(s, m);
    EXPECT_EQ(s.seg[CS].selector, 0x08);
    EXPECT_EQ(s.seg[SS].selector, 0x10);
    EXPECT_EQ(s.regs[RSP], 0x9000u);
    EXPECT_EQ(s.rip, 0xc0001000u);
    EXPECT_EQ(s.rflags, 0x2u);
    s.regs[RCX] = 0x7000;
    s.regs[RDX] = 0x401000;
    sysexit(s, m, 4);
    EXPECT_EQ(s.seg[CS].selector, 0x1b);
    EXPECT_EQ(s.seg[SS].selector, 0x23);
    EXPECT_EQ(cpl(s), 3u);
    EXPECT_EQ(s.regs[RSP], 0x7000u);
    EXPECT_EQ(s.rip, 0x401000u);
    EXPECT_FAULT(sysexit(s, m, 4), vec::GP, 0);
}

TEST(TcgFastSyscall, Swapgs) {
    FakeSysContext m;
    X86CpuState s = protected_state(m, 0, true);
    s.seg[GS].base = 1;
    s.msr.kernel_gs_base = 2;
    swapgs(s, m);
    EXPECT_EQ(s.seg[GS].base, 2u);
    EXPECT_EQ(s.msr.kernel_gs_base, 1u);
    X86CpuState u = protected_state(m, 3, true);
    EXPECT_FAULT(swapgs(u, m), vec::GP, 0);
}

}  // namespace
}  // namespace kemu::x86::test
