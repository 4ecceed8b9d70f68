// The X86CpuState <-> KVM structure conversions, which run here without /dev/kvm.
#include "accel/kvm/kvm_state.h"

#include <gtest/gtest.h>

#include <cstring>

namespace kemu {
namespace {

X86CpuState sample_state() {
    X86CpuState s = reset_cpu_state(true);
    for (unsigned i = 0; i < 16; i++)
        s.regs[i] = 0x1111111111111111ull * (i + 1);
    s.rip = 0xffffffff81000000ull;
    s.rflags = 0x246;
    s.seg[CS] = {0x10, 0, 0xffffffff, 0xb, true, 0, true, false, true, false, true, false};
    s.seg[FS].base = 0x7f0000001000ull;
    s.tr = {0x40, 0xfffffe0000003000ull, 0x4087, 0xb, false, 0, true, false, false, false, false,
            false};
    s.gdt = {0xfffffe0000001000ull, 0x7f};
    s.cr0 = 0x80050033;
    s.cr3 = 0x1234000;
    s.cr4 = 0x3606f0;
    s.efer = 0xd01;
    s.fpu.fcw = 0x27f;
    s.fpu.mxcsr = 0x1fa0;
    s.fpu.ymm[3][0] = 0xab;
    s.fpu.st[7][9] = 0x40;
    return s;
}

TEST(KvmState, RegsRoundTripInKvmsOrder) {
    X86CpuState s = sample_state();
    kvm_regs k = regs_to_kvm(s);
    // kvm_regs orders rax, rbx, rcx, rdx: our RBX (index 3) is KVM's second field.
    EXPECT_EQ(k.rbx, s.regs[RBX]);
    EXPECT_EQ(k.rsp, s.regs[RSP]);
    EXPECT_EQ(k.r15, s.regs[R15]);
    EXPECT_EQ(k.rip, s.rip);
    X86CpuState back;
    regs_from_kvm(k, back);
    EXPECT_EQ(back.regs, s.regs);
    EXPECT_EQ(back.rflags, s.rflags);
}

TEST(KvmState, SregsRoundTripKeepsKvmsInterruptBitmap) {
    X86CpuState s = sample_state();
    kvm_sregs current{};
    current.interrupt_bitmap[1] = 0x8000;  // a pending external interrupt KVM owns
    kvm_sregs k = sregs_to_kvm(s, current);
    EXPECT_EQ(k.interrupt_bitmap[1], 0x8000u);
    EXPECT_EQ(k.cs.l, 1);
    EXPECT_EQ(k.cs.selector, 0x10);
    EXPECT_EQ(k.fs.base, 0x7f0000001000ull);
    EXPECT_EQ(k.tr.s, 0);
    X86CpuState back;
    sregs_from_kvm(k, back);
    EXPECT_EQ(back.seg[CS].l, true);
    EXPECT_EQ(back.tr.base, s.tr.base);
    EXPECT_EQ(back.gdt.limit, 0x7f);
    EXPECT_EQ(back.cr0, s.cr0);
    EXPECT_EQ(back.cr4, s.cr4);
    EXPECT_EQ(back.efer, s.efer);
}

TEST(KvmState, FpuRoundTrip) {
    X86CpuState s = sample_state();
    kvm_fpu k = fpu_to_kvm(s);
    EXPECT_EQ(k.fcw, 0x27f);
    EXPECT_EQ(k.xmm[3][0], 0xab);
    X86CpuState back;
    fpu_from_kvm(k, back);
    EXPECT_EQ(back.fpu.mxcsr, 0x1fa0u);
    EXPECT_EQ(back.fpu.st[7][9], 0x40);
    EXPECT_EQ(back.fpu.ymm, s.fpu.ymm);
}

TEST(KvmState, ResetLapicPageFollowsTheSdm) {
    uint8_t regs[1024];
    std::memset(regs, 0xee, sizeof regs);
    uint32_t version = 0x50014;
    std::memcpy(regs + 0x30, &version, 4);
    reset_lapic_page(regs, 3, false);
    auto reg = [&](unsigned offset) {
        uint32_t v;
        std::memcpy(&v, regs + offset, 4);
        return v;
    };
    EXPECT_EQ(reg(0x20), 3u << 24);     // APIC ID
    EXPECT_EQ(reg(0x30), version);      // kept from KVM
    EXPECT_EQ(reg(0xe0), 0xffffffffu);  // DFR flat
    EXPECT_EQ(reg(0xf0), 0xffu);        // SVR: software-disabled
    EXPECT_EQ(reg(0x350), 0x10000u);    // LINT0 masked on an AP
    EXPECT_EQ(reg(0x80), 0u);           // TPR cleared
    reset_lapic_page(regs, 0, true);
    EXPECT_EQ(reg(0x350), 0x700u);  // the BSP takes ExtINT from the PIC
}

TEST(KvmState, MsrTableHasUniqueIndices) {
    for (size_t i = 0; i < std::size(kStateMsrs); i++)
        for (size_t j = i + 1; j < std::size(kStateMsrs); j++)
            EXPECT_NE(kStateMsrs[i].index, kStateMsrs[j].index);
}

}  // namespace
}  // namespace kemu
