// Conversions between X86CpuState and KVM's register structures.
#pragma once

#include "accel/kvm/kvm_abi.h"
#include "target-x86/cpu_state.h"

namespace kemu {

void regs_from_kvm(const kvm_regs& k, X86CpuState& s);
kvm_regs regs_to_kvm(const X86CpuState& s);
void sregs_from_kvm(const kvm_sregs& k, X86CpuState& s);
// Keeps interrupt_bitmap from `current` (pending external interrupts are KVM's business).
kvm_sregs sregs_to_kvm(const X86CpuState& s, const kvm_sregs& current);
void fpu_from_kvm(const kvm_fpu& k, X86CpuState& s);
kvm_fpu fpu_to_kvm(const X86CpuState& s);

// The MSRs X86CpuState carries, in a fixed order: index and member.
struct MsrSlot {
    uint32_t index;
    uint64_t MsrState::*field;
};
extern const MsrSlot kStateMsrs[10];

// A LAPIC register page in its reset state (SDM vol. 3 10.4.7.1) for APIC `apic_id`.
void reset_lapic_page(uint8_t (&regs)[1024], uint32_t apic_id, bool is_bsp);

}  // namespace kemu
