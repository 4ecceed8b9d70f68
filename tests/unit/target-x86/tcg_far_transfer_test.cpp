#include "target-x86/tcg/far_transfer.h"

#include <gtest/gtest.h>

#include "target-x86/tcg/exceptions.h"
#include "tests/unit/target-x86/tcg_sys_fake.h"

namespace kemu::x86::test {
namespace {

constexpr uint16_t kGate = 0x88;  // free GDT slot (two in IA-32e mode) for gates

TEST(TcgFarTransfer, RealModeCallPushesCsIp) {
    FakeSysContext m;
    X86CpuState s = reset_cpu_state(true);
    s.seg[CS] = real_mode_segment(s.seg[CS], 0x1000);
    s.regs[RSP] = 0x200;
    far_call(s, m, 0x2000, 0x0123, 2, 0x0456);
    EXPECT_EQ(s.seg[CS].base, 0x20000u);
    EXPECT_EQ(s.rip, 0x123u);
    EXPECT_EQ(s.regs[RSP], 0x1fcu);
    EXPECT_EQ(m.load(0x1fc, 2), 0x456u);
    EXPECT_EQ(m.load(0x1fe, 2), 0x1000u);
    far_ret(s, m, 2, 4);
    EXPECT_EQ(s.seg[CS].selector, 0x1000);
    EXPECT_EQ(s.rip, 0x456u);
    EXPECT_EQ(s.regs[RSP], 0x204u);
}

TEST(TcgFarTransfer, JmpToCodeSegmentChecks) {
    FakeSysContext m;
    X86CpuState s = protected_state(m, 0);
    far_jmp(s, m, kCode16, 0x1234, 4, 0);
    EXPECT_EQ(s.seg[CS].selector, kCode16);
    EXPECT_FALSE(s.seg[CS].db);
    EXPECT_EQ(s.rip, 0x1234u);
    EXPECT_FAULT(far_jmp(s, m, kCode16, 0x10000, 4, 0), vec::GP, 0);  // beyond the limit
    EXPECT_FAULT(far_jmp(s, m, 0, 0, 4, 0), vec::GP, 0);
    EXPECT_FAULT(far_jmp(s, m, kCode3, 0, 4, 0), vec::GP, kCode3 & 0xfffc);  // DPL != CPL
    EXPECT_FAULT(far_jmp(s, m, kData0, 0, 4, 0), vec::GP, kData0);
    put_gdt(m, kGate, seg_desc(0, 0xfffff, 0xb, true, 0, false));
    EXPECT_FAULT(far_jmp(s, m, kGate, 0, 4, 0), vec::NP, kGate);
    EXPECT_EQ(s.seg[CS].selector, kCode16);
    // Conforming code runs at the caller's CPL: RPL of CS becomes CPL.
    X86CpuState u = protected_state(m, 3);
    u.regs[RSP] = 0x6000;
    far_call(u, m, kConforming0 | 3, 0x5000, 4, 0x40);
    EXPECT_EQ(u.seg[CS].selector, kConforming0 | 3);
    EXPECT_EQ(cpl(u), 3u);
}

TEST(TcgFarTransfer, CallGateToInnerLevelCopiesParameters) {
    FakeSysContext m;
    X86CpuState s = protected_state(m, 3);
    m.store(kTss + 4, 4, 0x9000);
    m.store(kTss + 8, 2, kData0);
    put_gdt(m, kGate, gate_desc(kCode0, 0x7000, systype::CALL_GATE32, 3, 2));
    s.regs[RSP] = 0x6000;
    m.store(0x6000, 4, 0x11);
    m.store(0x6004, 4, 0x22);
    far_call(s, m, kGate | 3, 0xdead, 4, 0x401005);
    EXPECT_EQ(cpl(s), 0u);
    EXPECT_EQ(s.seg[CS].selector, kCode0);
    EXPECT_EQ(s.rip, 0x7000u) << "the gate's offset, not the instruction's";
    const uint64_t f = 0x9000 - 24;
    EXPECT_EQ(s.regs[RSP], f);
    EXPECT_EQ(m.load(f + 0, 4), 0x401005u);
    EXPECT_EQ(m.load(f + 4, 4), kCode3);
    EXPECT_EQ(m.load(f + 8, 4), 0x11u);
    EXPECT_EQ(m.load(f + 12, 4), 0x22u);
    EXPECT_EQ(m.load(f + 16, 4), 0x6000u);
    EXPECT_EQ(m.load(f + 20, 4), kData3);

    // RET far 8 back to ring 3 releases the parameters on both stacks and nulls DS (DPL 0).
    s.seg[DS] = protected_state(m, 0).seg[DS];
    far_ret(s, m, 4, 8);
    EXPECT_EQ(cpl(s), 3u);
    EXPECT_EQ(s.rip, 0x401005u);
    EXPECT_EQ(s.regs[RSP], 0x6008u);
    EXPECT_EQ(s.seg[SS].selector, kData3);
    EXPECT_TRUE(s.seg[DS].unusable);
    EXPECT_FALSE(s.seg[ES].unusable) << "ES holds a DPL 3 segment";
}

TEST(TcgFarTransfer, CallGateChecks) {
    FakeSysContext m;
    X86CpuState s = protected_state(m, 3);
    put_gdt(m, kGate, gate_desc(kCode0, 0x7000, systype::CALL_GATE32, 0));
    EXPECT_FAULT(far_call(s, m, kGate | 3, 0, 4, 0), vec::GP, kGate);  // gate DPL < CPL
    put_gdt(m, kGate, gate_desc(kCode0, 0x7000, systype::CALL_GATE32, 3, 0, false));
    EXPECT_FAULT(far_call(s, m, kGate | 3, 0, 4, 0), vec::NP, kGate);
    put_gdt(m, kGate, gate_desc(kData0, 0x7000, systype::CALL_GATE32, 3));
    EXPECT_FAULT(far_call(s, m, kGate | 3, 0, 4, 0), vec::GP, kData0);
    // JMP through a gate cannot change privilege.
    put_gdt(m, kGate, gate_desc(kCode0, 0x7000, systype::CALL_GATE32, 3));
    EXPECT_FAULT(far_jmp(s, m, kGate | 3, 0, 4, 0), vec::GP, kCode0);
    // The new stack faults with #SS(new SS) and nothing changes.
    // The new stack (SS 0x90, 64 KiB, ESP0 4) overflows: #SS(new SS), nothing changes.
    put_gdt(m, 0x90, seg_desc(0, 0xffff, 0x3, true, 0));
    m.store(kTss + 8, 2, 0x90);
    m.store(kTss + 4, 4, 0x4);
    const X86CpuState before = s;
    EXPECT_FAULT(far_call(s, m, kGate | 3, 0, 4, 0x55), vec::SS, 0x90);
    EXPECT_EQ(s.seg[CS].selector, before.seg[CS].selector);
    EXPECT_EQ(s.seg[SS].selector, before.seg[SS].selector);
    EXPECT_EQ(s.regs[RSP], before.regs[RSP]);
    EXPECT_EQ(s.rip, before.rip);
}

TEST(TcgFarTransfer, LongModeCallGate) {
    FakeSysContext m;
    X86CpuState s = protected_state(m, 3, true);
    m.store(kTss + 4, 8, 0x9000);  // RSP0
    put_gdt(m, kGate, gate_desc(kCode64, 0x7000, systype::CALL_GATE32, 3));
    put_gdt(m, kGate + 8, 0x1);  // offset bits 63:32, type 0 in the upper half
    s.regs[RSP] = 0x6008;
    far_call(s, m, kGate | 3, 0, 8, 0x401005);
    EXPECT_EQ(s.rip, 0x1'0000'7000ull);
    EXPECT_TRUE(s.seg[SS].unusable);
    EXPECT_EQ(cpl(s), 0u);
    EXPECT_EQ(s.regs[RSP], 0x9000u - 32);
    EXPECT_EQ(m.load(0x9000 - 8, 8), kData3);
    EXPECT_EQ(m.load(0x9000 - 16, 8), 0x6008u);
    EXPECT_EQ(m.load(0x9000 - 24, 8), kCode64u);
    EXPECT_EQ(m.load(0x9000 - 32, 8), 0x401005u);
    put_gdt(m, kGate + 8, 0x1ull | (0xcull << 40));
    X86CpuState u = protected_state(m, 3, true);
    EXPECT_FAULT(far_call(u, m, kGate | 3, 0, 8, 0), vec::GP, kGate);
}

TEST(TcgFarTransfer, IretSameLevelFlagRules) {
    FakeSysContext m;
    X86CpuState s = protected_state(m, 3);
    s.regs[RSP] = 0x6000;
    m.store(0x6000, 4, 0x1234);
    m.store(0x6004, 4, kCode3);
    m.store(0x6008, 4, 0x2 | rflag::CF | (3u << 12) | rflag::AC);  // IF clear, IOPL 3
    s.rflags = 0x2 | rflag::IF;
    iret(s, m, 4, 0);
    EXPECT_EQ(s.rip, 0x1234u);
    EXPECT_EQ(s.regs[RSP], 0x600cu);
    EXPECT_EQ(s.rflags, 0x2u | rflag::IF | rflag::CF | rflag::AC)
        << "CPL 3 > IOPL 0: IF and IOPL are not changed";
}

TEST(TcgFarTransfer, IretToOuterLevel) {
    FakeSysContext m;
    X86CpuState s = protected_state(m, 0);
    s.regs[RSP] = 0x8000;
    m.store(0x8000, 4, 0x400000);
    m.store(0x8004, 4, kCode3);
    m.store(0x8008, 4, 0x2 | rflag::IF | (3u << 12));
    m.store(0x800c, 4, 0x7000);
    m.store(0x8010, 4, kData3);
    iret(s, m, 4, 0);
    EXPECT_EQ(cpl(s), 3u);
    EXPECT_EQ(s.regs[RSP], 0x7000u);
    EXPECT_EQ(s.rflags, 0x2u | rflag::IF | (3u << 12)) << "CPL 0 may change IOPL";
    for (SegReg r : {DS, ES, FS, GS})
        EXPECT_TRUE(s.seg[r].unusable) << r;
    // Returning to ring 3 with an SS of the wrong DPL faults before any change.
    X86CpuState k = protected_state(m, 0);
    k.regs[RSP] = 0x8000;
    m.store(0x8010, 4, kData0 | 3);
    EXPECT_FAULT(iret(k, m, 4, 0), vec::GP, kData0);
    EXPECT_EQ(cpl(k), 0u);
}

TEST(TcgFarTransfer, IretToVm86) {
    FakeSysContext m;
    X86CpuState s = protected_state(m, 0);
    s.regs[RSP] = 0x8000;
    uint32_t frame[] = {0x100,  0x2000, uint32_t(0x2 | rflag::VM | rflag::IF),
                        0xfff0, 0x3000, 0x4000,
                        0x5000, 0x6000, 0x7000};
    for (unsigned i = 0; i < 9; i++)
        m.store(0x8000 + 4 * i, 4, frame[i]);
    iret(s, m, 4, 0);
    EXPECT_TRUE(s.rflags & rflag::VM);
    EXPECT_EQ(cpl(s), 3u);
    EXPECT_EQ(s.seg[CS].base, 0x20000u);
    EXPECT_EQ(s.seg[SS].base, 0x30000u);
    EXPECT_EQ(s.seg[ES].selector, 0x4000);
    EXPECT_EQ(s.seg[DS].selector, 0x5000);
    EXPECT_EQ(s.seg[FS].selector, 0x6000);
    EXPECT_EQ(s.seg[GS].selector, 0x7000);
    EXPECT_EQ(s.regs[RSP], 0xfff0u);
    EXPECT_EQ(s.rip, 0x100u);
    // In vm86 mode IRET needs IOPL 3.
    EXPECT_FAULT(iret(s, m, 2, 0), vec::GP, 0);
    s.rflags |= 3u << 12;
    s.regs[RSP] = 0x10;
    m.store(0x30010, 2, 0x55);
    m.store(0x30012, 2, 0x2100);
    m.store(0x30014, 2, 0x2 | rflag::CF);
    iret(s, m, 2, 0);
    EXPECT_EQ(s.seg[CS].base, 0x21000u);
    EXPECT_EQ(s.rflags, 0x2u | rflag::VM | rflag::CF | (3u << 12)) << "IOPL kept in vm86";
}

TEST(TcgFarTransfer, RealModeIret32KeepsVmVifVip) {
    FakeSysContext m;
    X86CpuState s = reset_cpu_state(true);
    s.regs[RSP] = 0x100;
    s.rflags = 0x2 | rflag::VIP;
    m.store(0x100, 4, 0x10);
    m.store(0x104, 4, 0x20);
    m.store(0x108, 4, 0x2 | rflag::VM | rflag::VIF | rflag::ID | rflag::IF);
    iret(s, m, 4, 0);
    EXPECT_EQ(s.rflags, 0x2u | rflag::VIP | rflag::ID | rflag::IF);
    EXPECT_EQ(s.seg[CS].base, 0x200u);
}

TEST(TcgFarTransfer, IretqAlwaysPopsSsRsp) {
    FakeSysContext m;
    X86CpuState s = protected_state(m, 0, true);
    s.regs[RSP] = 0x8000;
    uint64_t frame[] = {0xffff'8000'0000'1000ull, kCode64, 0x2, 0x5558, 0};
    for (unsigned i = 0; i < 5; i++)
        m.store(0x8000 + 8 * i, 8, frame[i]);
    iret(s, m, 8, 0);
    EXPECT_EQ(s.rip, 0xffff'8000'0000'1000ull);
    EXPECT_EQ(s.regs[RSP], 0x5558u);
    EXPECT_TRUE(s.seg[SS].unusable) << "NULL SS is allowed returning to 64-bit ring 0";
    // ... but not to ring 3.
    X86CpuState k = protected_state(m, 0, true);
    k.regs[RSP] = 0x8000;
    m.store(0x8008, 8, kCode64u);
    m.store(0x8020, 8, 3);
    EXPECT_FAULT(iret(k, m, 8, 0), vec::GP, 0);
    m.store(0x8020, 8, kData3);
    iret(k, m, 8, 0);
    EXPECT_EQ(cpl(k), 3u);
    EXPECT_EQ(k.seg[SS].selector, kData3);
}

}  // namespace
}  // namespace kemu::x86::test
