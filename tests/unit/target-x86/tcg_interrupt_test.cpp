#include "target-x86/tcg/interrupt_delivery.h"

#include <gtest/gtest.h>

#include "target-x86/tcg/exceptions.h"
#include "tests/unit/target-x86/tcg_sys_fake.h"

namespace kemu::x86::test {
namespace {

constexpr uint64_t kStack0 = 0x9000, kStack3 = 0x7000;

void put_idt(FakeSysContext& m, uint8_t vector, uint64_t raw, uint64_t high = 0,
             bool wide = false) {
    m.store(kIdt + vector * (wide ? 16 : 8), 8, raw);
    if (wide) m.store(kIdt + vector * 16 + 8, 8, high);
}

// 32-bit TSS with SS0:ESP0 for ring 0 and SS1:ESP1 for ring 1.
void put_tss32_stacks(FakeSysContext& m) {
    m.store(kTss + 4, 4, kStack0);
    m.store(kTss + 8, 2, kData0);
    m.store(kTss + 12, 4, 0xa000);
    m.store(kTss + 16, 2, kData1);
}

InterruptEvent exception(uint8_t v, std::optional<uint32_t> code = std::nullopt) {
    return {v, EventKind::Exception, code, 0};
}

TEST(TcgInterrupt, RealModeFrameFromTheIvt) {
    FakeSysContext m;
    X86CpuState s = reset_cpu_state(true);
    s.seg[CS].selector = 0x1000;
    s.seg[CS].base = 0x10000;
    s.rip = 0x234;
    s.regs[RSP] = 0x100;
    s.rflags = 0x2 | rflag::IF | rflag::TF | rflag::AC | rflag::CF;
    m.store(0x21 * 4, 4, 0xf000'e987);
    deliver_interrupt(s, m, {0x21, EventKind::SoftwareInt, std::nullopt, 0x236});
    EXPECT_EQ(s.seg[CS].selector, 0xf000);
    EXPECT_EQ(s.seg[CS].base, 0xf0000u);
    EXPECT_EQ(s.rip, 0xe987u);
    EXPECT_EQ(s.regs[RSP], 0xfau);
    EXPECT_EQ(m.load(0xfa, 2), 0x236u);                                    // IP
    EXPECT_EQ(m.load(0xfc, 2), 0x1000u);                                   // CS
    EXPECT_EQ(m.load(0xfe, 2), 0x2u | rflag::IF | rflag::TF | rflag::CF);  // FLAGS[15:0]
    EXPECT_EQ(s.rflags, 0x2u | rflag::CF) << "IF, TF and AC cleared";
    s.idt.limit = 0x100;
    EXPECT_FAULT(deliver_interrupt(s, m, exception(0x40)), vec::GP, 0);
}

TEST(TcgInterrupt, SamePrivilegeInterruptGateWithErrorCode) {
    FakeSysContext m;
    X86CpuState s = protected_state(m, 0);
    put_idt(m, vec::GP, gate_desc(kCode0, 0x12345678, systype::INT_GATE32, 0));
    s.regs[RSP] = 0x8000;
    s.rip = 0x4444;
    s.rflags = 0x2 | rflag::IF | rflag::TF | rflag::NT;
    deliver_interrupt(s, m, exception(vec::GP, 0x28));
    EXPECT_EQ(s.rip, 0x12345678u);
    EXPECT_EQ(s.regs[RSP], 0x8000u - 16);
    EXPECT_EQ(m.load(0x7ff0, 4), 0x28u);    // error code
    EXPECT_EQ(m.load(0x7ff4, 4), 0x4444u);  // EIP of the faulting instruction
    EXPECT_EQ(m.load(0x7ff8, 4), kCode0);
    EXPECT_EQ(m.load(0x7ffc, 4), 0x2u | rflag::IF | rflag::TF | rflag::NT | rflag::RF)
        << "faults push RF set";
    EXPECT_EQ(s.rflags, 0x2u) << "interrupt gate clears IF, TF, NT";
}

TEST(TcgInterrupt, TrapGateKeepsIfAndSoftwareIntReturnsAfterInstruction) {
    FakeSysContext m;
    X86CpuState s = protected_state(m, 0);
    put_idt(m, 0x80, gate_desc(kCode0, 0x1000, systype::TRAP_GATE32, 0));
    s.regs[RSP] = 0x8000;
    s.rflags = 0x2 | rflag::IF;
    deliver_interrupt(s, m, {0x80, EventKind::SoftwareInt, std::nullopt, 0x5002});
    EXPECT_EQ(m.load(0x7ff4, 4), 0x5002u);
    EXPECT_EQ(m.load(0x7ffc, 4), 0x2u | rflag::IF) << "no RF for INT n";
    EXPECT_TRUE(s.rflags & rflag::IF);
}

TEST(TcgInterrupt, InnerPrivilegeSwitchesToTssStack) {
    FakeSysContext m;
    X86CpuState s = protected_state(m, 3);
    put_tss32_stacks(m);
    put_idt(m, 0x80, gate_desc(kCode0, 0x2000, systype::INT_GATE32, 3));
    s.regs[RSP] = kStack3;
    s.rip = 0x400000;
    deliver_interrupt(s, m, {0x80, EventKind::SoftwareInt, std::nullopt, 0x400002});
    EXPECT_EQ(cpl(s), 0u);
    EXPECT_EQ(s.seg[CS].selector, kCode0);
    EXPECT_EQ(s.seg[SS].selector, kData0);
    EXPECT_EQ(s.regs[RSP], kStack0 - 20);
    const uint64_t f = kStack0 - 20;
    EXPECT_EQ(m.load(f + 0, 4), 0x400002u);
    EXPECT_EQ(m.load(f + 4, 4), kCode3);
    EXPECT_EQ(m.load(f + 8, 4), 0x202u);
    EXPECT_EQ(m.load(f + 12, 4), kStack3);
    EXPECT_EQ(m.load(f + 16, 4), kData3);
    EXPECT_EQ(m.privs.back(), Priv::Supervisor);
}

TEST(TcgInterrupt, GateChecksAndErrorCodes) {
    FakeSysContext m;
    X86CpuState s = protected_state(m, 3);
    put_tss32_stacks(m);
    const X86CpuState before = s;
    // INT n needs gate DPL >= CPL; hardware events ignore it.
    put_idt(m, 0x40, gate_desc(kCode0, 0x2000, systype::INT_GATE32, 0));
    EXPECT_FAULT(deliver_interrupt(s, m, {0x40, EventKind::SoftwareInt, {}, 0}), vec::GP,
                 0x40 * 8 + 2);
    EXPECT_FAULT(deliver_interrupt(s, m, {0x40, EventKind::SoftwareException, {}, 0}), vec::GP,
                 0x40 * 8 + 2);
    EXPECT_EQ(s.rip, before.rip);
    EXPECT_EQ(s.regs[RSP], before.regs[RSP]);
    // Not present: #NP with IDT and EXT bits for an external interrupt.
    put_idt(m, 0x41, gate_desc(kCode0, 0x2000, systype::INT_GATE32, 0, 0, false));
    EXPECT_FAULT(deliver_interrupt(s, m, {0x41, EventKind::External, {}, 0}), vec::NP,
                 0x41 * 8 + 3);
    // INT1 is EXT and skips the DPL check.
    put_idt(m, vec::DB, gate_desc(kCode0, 0x2000, systype::INT_GATE32, 0, 0, false));
    EXPECT_FAULT(deliver_interrupt(s, m, {1, EventKind::PrivilegedSoftwareException, {}, 0}),
                 vec::NP, 1 * 8 + 3);
    // Beyond the IDT limit, and not a gate.
    s.idt.limit = 0x41 * 8 + 7;
    EXPECT_FAULT(deliver_interrupt(s, m, exception(0x42)), vec::GP, 0x42 * 8 + 3);
    put_idt(m, 0x41, seg_desc(0, 0xffff, 0x3, true, 0));
    EXPECT_FAULT(deliver_interrupt(s, m, {0x41, EventKind::Nmi, {}, 0}), vec::GP, 0x41 * 8 + 3);
    // The code segment: NULL, not code, not present.
    s.idt.limit = 0xfff;
    put_idt(m, 0x50, gate_desc(0, 0x2000, systype::INT_GATE32, 3));
    EXPECT_FAULT(deliver_interrupt(s, m, exception(0x50)), vec::GP, 1);
    put_idt(m, 0x50, gate_desc(kData0, 0x2000, systype::INT_GATE32, 3));
    EXPECT_FAULT(deliver_interrupt(s, m, exception(0x50)), vec::GP, kData0 | 1);
    put_gdt(m, 0x88, seg_desc(0, 0xfffff, 0xb, true, 0, false));
    put_idt(m, 0x50, gate_desc(0x88, 0x2000, systype::INT_GATE32, 3));
    EXPECT_FAULT(deliver_interrupt(s, m, {0x50, EventKind::SoftwareInt, {}, 0}), vec::NP, 0x88);
    // The new stack from the TSS: SS RPL must equal the new CPL.
    m.store(kTss + 8, 2, kData0 | 1);
    put_idt(m, 0x51, gate_desc(kCode0, 0x2000, systype::INT_GATE32, 3));
    EXPECT_FAULT(deliver_interrupt(s, m, exception(0x51)), vec::TS, kData0 | 1);
    m.store(kTss + 8, 2, 0);
    EXPECT_FAULT(deliver_interrupt(s, m, exception(0x51)), vec::TS, 1);
    EXPECT_EQ(s.seg[CS].selector, before.seg[CS].selector);
    EXPECT_EQ(s.seg[SS].selector, before.seg[SS].selector);
}

TEST(TcgInterrupt, ConformingHandlerRunsAtCallerPrivilege) {
    FakeSysContext m;
    X86CpuState s = protected_state(m, 3);
    put_idt(m, 0x60, gate_desc(kConforming0, 0x2000, systype::TRAP_GATE32, 3));
    s.regs[RSP] = kStack3;
    deliver_interrupt(s, m, {0x60, EventKind::SoftwareInt, std::nullopt, 0x10});
    EXPECT_EQ(cpl(s), 3u);
    EXPECT_EQ(s.seg[CS].selector, kConforming0 | 3);
    EXPECT_EQ(s.seg[SS].selector, kData3) << "no stack switch";
    EXPECT_EQ(s.regs[RSP], kStack3 - 12);
    EXPECT_EQ(m.privs.back(), Priv::Current);
}

TEST(TcgInterrupt, ExpandDownStackLimit) {
    FakeSysContext m;
    X86CpuState s = protected_state(m, 0);
    put_idt(m, 0x30, gate_desc(kCode0, 0x1234, systype::INT_GATE32, 0));
    s.seg[SS].type = 0x7;  // expand-down: valid offsets are (limit, 4 GiB)
    s.seg[SS].limit = 0x7ff0;
    s.regs[RSP] = 0x7ffc;  // the third push would land on the limit itself
    EXPECT_FAULT(deliver_interrupt(s, m, {0x30, EventKind::External, {}, 0}), vec::SS, 1);
    s.regs[RSP] = 0x8000;
    deliver_interrupt(s, m, {0x30, EventKind::External, {}, 0});
    EXPECT_EQ(s.regs[RSP], 0x7ff4u);
}

TEST(TcgInterrupt, SixteenBitGatePushesWords) {
    FakeSysContext m;
    X86CpuState s = protected_state(m, 0);
    put_idt(m, 0x30, gate_desc(kCode16, 0x1234, systype::INT_GATE16, 0));
    s.regs[RSP] = 0x8000;
    s.rip = 0x5555;
    deliver_interrupt(s, m, exception(0x30, 0xabcd));
    EXPECT_EQ(s.regs[RSP], 0x8000u - 8);
    EXPECT_EQ(m.load(0x7ff8, 2), 0xabcdu);
    EXPECT_EQ(m.load(0x7ffa, 2), 0x5555u);
    EXPECT_EQ(m.load(0x7ffc, 2), kCode0);
    EXPECT_EQ(s.rip, 0x1234u);
    EXPECT_FALSE(s.seg[CS].db);
}

TEST(TcgInterrupt, StackLimitViolationRaisesSs) {
    FakeSysContext m;
    X86CpuState s = protected_state(m, 0);
    put_idt(m, 0x30, gate_desc(kCode0, 0x1234, systype::INT_GATE32, 0));
    s.seg[SS].limit = 0xfff;
    s.regs[RSP] = 0x1008;  // already beyond the limit
    EXPECT_FAULT(deliver_interrupt(s, m, {0x30, EventKind::External, {}, 0}), vec::SS, 1);
    EXPECT_EQ(s.regs[RSP], 0x1008u);
}

TEST(TcgInterrupt, Vm86IntNNeedsIopl3) {
    FakeSysContext m;
    X86CpuState s = protected_state(m, 0);
    for (unsigned i = 0; i < SEG_COUNT; i++)
        s.seg[i] = vm86_segment(0x2000 + i, i == CS);
    s.rflags = 0x2 | rflag::VM | rflag::IF;
    EXPECT_FAULT(deliver_interrupt(s, m, {0x21, EventKind::SoftwareInt, {}, 0}), vec::GP, 0);
    // INT3 is not IOPL-sensitive: it goes through the IDT (gate DPL 3 required).
    put_tss32_stacks(m);
    put_idt(m, vec::BP, gate_desc(kCode0, 0x3000, systype::INT_GATE32, 3));
    s.regs[RSP] = 0xfffe;
    deliver_interrupt(s, m, {vec::BP, EventKind::SoftwareException, {}, 0x101});
    EXPECT_EQ(cpl(s), 0u);
    EXPECT_FALSE(s.rflags & rflag::VM);
    const uint64_t f = kStack0 - 36;
    EXPECT_EQ(s.regs[RSP], f);
    EXPECT_EQ(m.load(f + 0, 4), 0x101u);
    EXPECT_EQ(m.load(f + 4, 4), 0x2001u);  // CS
    EXPECT_EQ(m.load(f + 8, 4), 0x2u | rflag::VM | rflag::IF);
    EXPECT_EQ(m.load(f + 12, 4), 0xfffeu);
    EXPECT_EQ(m.load(f + 16, 4), 0x2002u);  // SS
    EXPECT_EQ(m.load(f + 20, 4), 0x2000u);  // ES
    EXPECT_EQ(m.load(f + 24, 4), 0x2003u);  // DS
    EXPECT_EQ(m.load(f + 28, 4), 0x2004u);  // FS
    EXPECT_EQ(m.load(f + 32, 4), 0x2005u);  // GS
    for (SegReg r : {ES, DS, FS, GS})
        EXPECT_TRUE(s.seg[r].unusable);
}

TEST(TcgInterrupt, Vm86HandlerMustBeRing0) {
    FakeSysContext m;
    X86CpuState s = protected_state(m, 0);
    for (unsigned i = 0; i < SEG_COUNT; i++)
        s.seg[i] = vm86_segment(0x2000, i == CS);
    s.rflags = 0x2 | rflag::VM | (3u << 12);
    put_tss32_stacks(m);
    put_idt(m, 0x21, gate_desc(kCode1, 0x3000, systype::INT_GATE32, 3));
    EXPECT_FAULT(deliver_interrupt(s, m, {0x21, EventKind::SoftwareInt, {}, 0}), vec::GP,
                 kCode1 & 0xfffc);
}

TEST(TcgInterrupt, LongModeRingChangeUsesNullSsAndAlignsStack) {
    FakeSysContext m;
    X86CpuState s = protected_state(m, 3, true);
    m.store(kTss + 4, 8, 0x9008);  // RSP0 = 0x9008: unaligned
    put_idt(m, vec::PF, gate_desc(kCode64, 0x5000, systype::INT_GATE32, 0), 0x1, true);
    s.regs[RSP] = 0x7777;
    s.rip = 0x401000;
    deliver_interrupt(s, m, exception(vec::PF, 0x7));
    EXPECT_EQ(s.seg[CS].selector, kCode64);
    EXPECT_TRUE(s.seg[SS].unusable);
    EXPECT_EQ(s.seg[SS].selector, 0);
    EXPECT_EQ(cpl(s), 0u);
    EXPECT_EQ(s.rip, 0x1'0000'5000ull);
    const uint64_t f = 0x9000 - 48;
    EXPECT_EQ(s.regs[RSP], f);
    EXPECT_EQ(m.load(f + 0, 8), 0x7u);
    EXPECT_EQ(m.load(f + 8, 8), 0x401000u);
    EXPECT_EQ(m.load(f + 16, 8), kCode64u);
    EXPECT_EQ(m.load(f + 24, 8), 0x202u | rflag::RF);
    EXPECT_EQ(m.load(f + 32, 8), 0x7777u);
    EXPECT_EQ(m.load(f + 40, 8), kData3);
}

TEST(TcgInterrupt, LongModeIstAndSamePrivilegePushesSs) {
    FakeSysContext m;
    X86CpuState s = protected_state(m, 0, true);
    m.store(kTss + 0x24 + 8 * 1, 8, 0xc000);  // IST2
    put_idt(m, vec::DF, gate_desc(kCode64, 0x6000, systype::INT_GATE32, 0, 2), 0, true);
    put_idt(m, 0x20, gate_desc(kCode64, 0x6100, systype::INT_GATE32, 0), 0, true);
    s.regs[RSP] = 0x8008;
    deliver_interrupt(s, m, {0x20, EventKind::External, {}, 0});
    EXPECT_EQ(s.regs[RSP], 0x8000u - 40) << "aligned to 16 before pushing";
    EXPECT_EQ(m.load(0x8000 - 8, 8), kData0);
    EXPECT_EQ(m.load(0x8000 - 16, 8), 0x8008u);
    deliver_interrupt(s, m, exception(vec::DF, 0));
    EXPECT_EQ(s.regs[RSP], 0xc000u - 48);
    EXPECT_EQ(s.seg[SS].selector, kData0) << "no privilege change keeps SS";
}

TEST(TcgInterrupt, LongModeRejectsLegacyGatesAndNonCanonicalTargets) {
    FakeSysContext m;
    X86CpuState s = protected_state(m, 0, true);
    put_idt(m, 0x20, gate_desc(kCode64, 0x6100, systype::INT_GATE16, 0), 0, true);
    EXPECT_FAULT(deliver_interrupt(s, m, {0x20, EventKind::External, {}, 0}), vec::GP,
                 0x20 * 8 + 3);
    put_idt(m, 0x20, gate_desc(kCode0, 0x6100, systype::INT_GATE32, 0), 0, true);
    EXPECT_FAULT(deliver_interrupt(s, m, {0x20, EventKind::External, {}, 0}), vec::GP, kCode0 | 1);
    put_idt(m, 0x20, gate_desc(kCode64, 0x6100, systype::INT_GATE32, 0), 0x12345678, true);
    EXPECT_FAULT(deliver_interrupt(s, m, {0x20, EventKind::External, {}, 0}), vec::GP, 1);
}

}  // namespace
}  // namespace kemu::x86::test
