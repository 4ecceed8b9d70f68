#include "target-x86/tcg/task_switch.h"

#include <gtest/gtest.h>

#include "target-x86/tcg/exceptions.h"
#include "target-x86/tcg/far_transfer.h"
#include "target-x86/tcg/interrupt_delivery.h"
#include "tests/unit/target-x86/tcg_sys_fake.h"

namespace kemu::x86::test {
namespace {

constexpr uint16_t kTaskGate = 0x88;

uint8_t gdt_type(FakeSysContext& m, uint16_t sel) {
    return (m.load(kGdt + (sel & 0xfff8), 8) >> 40) & 0xf;
}

// The new task at kTss2: ring 0, EIP 0x5000, EAX 0xaaaa, ESP 0x8800, CR3 0x20000.
void put_new_task(FakeSysContext& m) {
    m.store(kTss2 + 0x1c, 4, 0x20000);
    m.store(kTss2 + 0x20, 4, 0x5000);
    m.store(kTss2 + 0x24, 4, 0x2 | rflag::CF);
    m.store(kTss2 + 0x28, 4, 0xaaaa);
    m.store(kTss2 + 0x38, 4, 0x8800);
    for (unsigned i = 0; i < 6; i++)
        m.store(kTss2 + 0x48 + 4 * i, 2, kData0);
    m.store(kTss2 + 0x4c, 2, kCode0);
    m.store(kTss2 + 0x60, 2, 0);
}

class TaskSwitch : public ::testing::Test {
  protected:
    FakeSysContext m;
    X86CpuState s = protected_state(m, 0);
    void SetUp() override {
        put_new_task(m);
        s.cr0 |= cr0bit::PG;
        s.regs[RAX] = 0x1111;
        s.rip = 0x3000;
    }
};

TEST_F(TaskSwitch, JmpSavesOldLoadsNewAndMovesBusy) {
    TaskSwitchResult r = far_jmp(s, m, kTss2Sel, 0, 4, 0x3007);
    EXPECT_TRUE(r.cr3_loaded);
    EXPECT_FALSE(r.debug_trap);
    // Old task.
    EXPECT_EQ(m.load(kTss + 0x20, 4), 0x3007u);
    EXPECT_EQ(m.load(kTss + 0x28, 4), 0x1111u);
    EXPECT_EQ(m.load(kTss + 0x4c, 2), kCode0);
    EXPECT_EQ(gdt_type(m, kTssSel), systype::TSS32_AVAIL);
    // New task.
    EXPECT_EQ(gdt_type(m, kTss2Sel), systype::TSS32_BUSY);
    EXPECT_EQ(s.tr.selector, kTss2Sel);
    EXPECT_EQ(s.tr.base, kTss2);
    EXPECT_EQ(s.rip, 0x5000u);
    EXPECT_EQ(s.regs[RAX], 0xaaaau);
    EXPECT_EQ(s.regs[RSP], 0x8800u);
    EXPECT_EQ(s.cr3, 0x20000u);
    EXPECT_TRUE(s.cr0 & cr0bit::TS);
    EXPECT_EQ(s.rflags, 0x2u | rflag::CF) << "JMP does not nest: no NT";
    EXPECT_EQ(m.load(kTss2, 2), 0u) << "no back link";
}

TEST_F(TaskSwitch, CallThroughTaskGateNestsAndIretReturns) {
    put_gdt(m, kTaskGate, gate_desc(kTss2Sel, 0, systype::TASK_GATE, 0));
    far_call(s, m, kTaskGate, 0, 4, 0x3007);
    EXPECT_EQ(m.load(kTss2, 2), kTssSel) << "back link";
    EXPECT_TRUE(s.rflags & rflag::NT);
    EXPECT_EQ(gdt_type(m, kTssSel), systype::TSS32_BUSY) << "the caller stays busy";
    EXPECT_EQ(gdt_type(m, kTss2Sel), systype::TSS32_BUSY);
    // A second CALL to the busy task faults.
    EXPECT_FAULT(far_call(s, m, kTss2Sel, 0, 4, 0), vec::GP, kTss2Sel);

    s.regs[RAX] = 0xbbbb;
    iret(s, m, 4, 0x5009);
    EXPECT_EQ(s.tr.selector, kTssSel);
    EXPECT_EQ(s.rip, 0x3007u);
    EXPECT_EQ(s.regs[RAX], 0x1111u);
    EXPECT_EQ(gdt_type(m, kTss2Sel), systype::TSS32_AVAIL);
    EXPECT_EQ(m.load(kTss2 + 0x24, 4) & rflag::NT, 0u) << "IRET saves EFLAGS without NT";
    EXPECT_EQ(m.load(kTss2 + 0x20, 4), 0x5009u);
}

TEST_F(TaskSwitch, IretToAvailableTaskFaults) {
    s.rflags |= rflag::NT;
    m.store(kTss, 2, kTss2Sel);  // back link to a TSS that is not busy
    EXPECT_FAULT(iret(s, m, 4, 0), vec::TS, kTss2Sel);
    EXPECT_EQ(s.tr.selector, kTssSel);
}

TEST_F(TaskSwitch, ExceptionThroughTaskGatePushesErrorCodeOnNewStack) {
    m.store(kIdt + vec::GP * 8, 8, gate_desc(kTss2Sel, 0, systype::TASK_GATE, 0));
    deliver_interrupt(s, m, {vec::GP, EventKind::Exception, 0x1234, 0});
    EXPECT_EQ(s.tr.selector, kTss2Sel);
    EXPECT_EQ(s.regs[RSP], 0x8800u - 4);
    EXPECT_EQ(m.load(0x8800 - 4, 4), 0x1234u);
    EXPECT_EQ(m.load(kTss + 0x20, 4), 0x3000u) << "a fault saves the faulting EIP";
    EXPECT_TRUE(s.rflags & rflag::NT);
}

TEST_F(TaskSwitch, TrapFlagInNewTss) {
    m.store(kTss2 + 0x64, 2, 1);
    TaskSwitchResult r = far_jmp(s, m, kTss2Sel, 0, 4, 0);
    EXPECT_TRUE(r.debug_trap);
    EXPECT_TRUE(s.dr[6] & (1u << 15));
}

TEST_F(TaskSwitch, BadCodeSegmentFaultsInTheNewTask) {
    m.store(kTss2 + 0x4c, 2, kData0);
    EXPECT_FAULT(far_jmp(s, m, kTss2Sel, 0, 4, 0), vec::TS, kData0);
    EXPECT_EQ(s.tr.selector, kTss2Sel) << "the switch had committed";
    EXPECT_EQ(s.regs[RAX], 0xaaaau);
}

TEST_F(TaskSwitch, LimitAndPresenceOfTheNewTss) {
    put_gdt(m, kTss2Sel, seg_desc(kTss2, 0x60, 0x9, false, 0));
    EXPECT_FAULT(far_jmp(s, m, kTss2Sel, 0, 4, 0), vec::TS, kTss2Sel);
    put_gdt(m, kTss2Sel, seg_desc(kTss2, 0x67, 0x9, false, 0, false));
    EXPECT_FAULT(far_jmp(s, m, kTss2Sel, 0, 4, 0), vec::NP, kTss2Sel);
    EXPECT_EQ(s.tr.selector, kTssSel);
    EXPECT_EQ(gdt_type(m, kTssSel), systype::TSS32_BUSY);
}

TEST_F(TaskSwitch, SixteenBitTss) {
    m.store(kTss2 + 0x0e, 2, 0x0100);  // IP
    m.store(kTss2 + 0x10, 2, 0x0002);
    m.store(kTss2 + 0x12, 2, 0x4242);  // AX
    m.store(kTss2 + 0x1a, 2, 0x7000);  // SP
    for (unsigned i = 0; i < 4; i++)
        m.store(kTss2 + 0x22 + 2 * i, 2, kData0);
    m.store(kTss2 + 0x24, 2, kCode0);
    m.store(kTss2 + 0x2a, 2, 0);
    s.regs[RAX] = 0x1234'5678;
    far_jmp(s, m, kTss16Sel, 0, 4, 0);
    EXPECT_EQ(s.rip, 0x100u);
    EXPECT_EQ(s.regs[RAX], 0x1234'4242u) << "a 16-bit TSS loads only the low word";
    EXPECT_EQ(s.regs[RSP] & 0xffff, 0x7000u);
    EXPECT_EQ(gdt_type(m, kTss16Sel), systype::TSS16_BUSY);
    EXPECT_EQ(s.cr3, 0u) << "a 16-bit TSS has no CR3";
}

TEST_F(TaskSwitch, NotInLongMode) {
    X86CpuState l = protected_state(m, 0, true);
    EXPECT_FAULT(far_jmp(l, m, kTss2Sel, 0, 8, 0), vec::GP, kTss2Sel);
}

}  // namespace
}  // namespace kemu::x86::test
