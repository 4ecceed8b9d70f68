// X86CpuState: the one plain representation of a vCPU. Both accelerators load
// and store it; `info registers`, the boot loaders, snapshots and (later) the
// gdb stub read and write only this. Field meanings follow the Intel SDM.
#pragma once

#include <array>
#include <cstdint>

namespace kemu {

enum Gpr : unsigned {
    RAX,
    RCX,
    RDX,
    RBX,
    RSP,
    RBP,
    RSI,
    RDI,
    R8,
    R9,
    R10,
    R11,
    R12,
    R13,
    R14,
    R15
};

// A segment register with its hidden descriptor cache (SDM vol. 3 3.4.3).
struct Segment {
    uint16_t selector = 0;
    uint64_t base = 0;
    uint32_t limit = 0xffff;  // byte granular: already expanded when g is set
    uint8_t type = 0;         // descriptor type field, 4 bits
    bool s = true;            // code/data (true) or system (false)
    uint8_t dpl = 0;
    bool present = true;
    bool avl = false;
    bool l = false;   // 64-bit code segment
    bool db = false;  // default operand size 32-bit
    bool g = false;
    bool unusable = false;
};

struct DescriptorTable {
    uint64_t base = 0;
    uint16_t limit = 0xffff;
};

enum SegReg : unsigned { ES, CS, SS, DS, FS, GS, SEG_COUNT };

// x87/SSE/AVX state in FXSAVE terms; each YMM register whole (XMM is its low 16 bytes).
struct FpuState {
    uint16_t fcw = 0x37f;
    uint16_t fsw = 0;
    uint8_t ftw = 0;  // abridged tag word, as FXSAVE: bit i set = physical register Ri valid
    uint16_t fop = 0;
    uint64_t fip = 0;
    uint64_t fdp = 0;
    std::array<std::array<uint8_t, 16>, 8> st{};  // 80-bit values in the low 10 bytes
    uint32_t mxcsr = 0x1f80;
    alignas(32) std::array<std::array<uint8_t, 32>, 16> ymm{};
    uint64_t xcr0 = 1;
};

struct MsrState {
    uint64_t tsc = 0;
    uint64_t sysenter_cs = 0, sysenter_esp = 0, sysenter_eip = 0;
    uint64_t star = 0, lstar = 0, cstar = 0, fmask = 0, kernel_gs_base = 0;
    uint64_t tsc_aux = 0;
    uint64_t tsc_adjust = 0;  // IA32_TSC_ADJUST: the sum of every change software made to the TSC
    uint64_t pat = 0x0007040600070406ull;
    uint64_t misc_enable = 1;  // fast strings
    // Machine-check architecture (SDM vol. 3 chapter 16): IA32_MCG_STATUS, IA32_MCG_CTL and
    // each error-reporting bank's CTL, STATUS, ADDR and MISC, in MSR order.
    static constexpr unsigned kMcBanks = 10;
    uint64_t mcg_status = 0, mcg_ctl = 0;
    std::array<std::array<uint64_t, 4>, kMcBanks> mc_bank{};
};

enum class MpState : uint8_t { Runnable, Halted, WaitForSipi };

struct X86CpuState {
    std::array<uint64_t, 16> regs{};
    uint64_t rip = 0xfff0;
    uint64_t rflags = 0x2;
    std::array<Segment, SEG_COUNT> seg{};
    Segment ldt{};
    Segment tr{};
    DescriptorTable gdt{};
    DescriptorTable idt{};
    uint64_t cr0 = 0x60000010;
    uint64_t cr2 = 0, cr3 = 0, cr4 = 0, cr8 = 0;
    uint64_t efer = 0;
    uint64_t apic_base = 0xfee00900;  // enabled, BSP; APs clear bit 8
    std::array<uint64_t, 8> dr{};
    FpuState fpu{};
    MsrState msr{};
    std::array<uint8_t, 1024> lapic{};  // the LAPIC register page as KVM_GET_LAPIC gives it
    MpState mp_state = MpState::Runnable;
    bool lapic_valid = false;  // lapic[] holds a saved page
};

// The architectural power-on state (SDM vol. 3 table 9-1): real mode at F000:FFF0.
X86CpuState reset_cpu_state(bool is_bsp);

}  // namespace kemu
