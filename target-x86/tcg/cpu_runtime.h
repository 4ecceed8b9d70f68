// What the x86 helpers need from the vCPU that runs them, beyond SysContext's memory
// and exception services: port I/O, HLT, TLB maintenance, CPUID, the local APIC's
// TPR, and the instruction being executed. The TCG vCPU (accel/tcg) implements it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "target-x86/cpuid.h"
#include "target-x86/tcg/control_regs.h"
#include "target-x86/tcg/cpu_env.h"
#include "target-x86/tcg/interrupt_delivery.h"
#include "target-x86/tcg/sys_context.h"

namespace kemu::x86 {

class CpuRuntime : public SysContext {
  public:
    virtual CpuEnv& env() = 0;
    // RIP of the guest instruction being executed (from the block's insn_start table).
    virtual uint64_t current_rip() = 0;
    // Port I/O through the machine's I/O address space (permission checks are the caller's).
    virtual uint64_t io_in(uint16_t port, unsigned size) = 0;
    virtual void io_out(uint16_t port, uint64_t value, unsigned size) = 0;
    // REP INS/OUTS runs: `count` reads of the port stored `size` bytes apart from `first` on
    // (downwards with `down`), or `count` writes of the values stored there: what as many
    // io_in/io_out calls would do, which a vCPU may do under one lock.
    virtual void io_in_string(uint16_t port, unsigned size, uint8_t* first, size_t count,
                              bool down) {
        for (size_t k = 0; k < count; k++) {
            const uint64_t v = io_in(port, size);
            std::memcpy(first + (down ? -1 : 1) * ptrdiff_t(k * size), &v, size);
        }
    }
    virtual void io_out_string(uint16_t port, unsigned size, const uint8_t* first, size_t count,
                               bool down) {
        for (size_t k = 0; k < count; k++) {
            uint64_t v = 0;
            std::memcpy(&v, first + (down ? -1 : 1) * ptrdiff_t(k * size), size);
            io_out(port, v, size);
        }
    }
    // HLT: the vCPU sleeps after the current block until an interrupt or a kick.
    virtual void halt() = 0;
    virtual void apply(const CrWriteEffect& effect) = 0;
    virtual void flush_tlb_page(uint64_t linear) = 0;
    virtual const CpuidTable& cpuid_table() = 0;
    // CR8 is the local APIC's TPR[7:4].
    virtual uint64_t read_tpr() = 0;
    virtual void write_tpr(uint64_t cr8) = 0;
    // Delivers a software interrupt (INT n and friends) at the exec loop; never returns.
    [[noreturn]] virtual void raise_event(const InterruptEvent& event) = 0;
    // A host pointer for `size` bytes at `linear` when they lie in one RAM page that the
    // access may touch (faults raised as usual), else null (MMIO, ROM). A write first drops
    // the translated blocks made from those bytes.
    virtual uint8_t* host_pointer(uint64_t linear, unsigned size, Access access, Priv priv) = 0;
    // A pending interrupt or exit request: long-running helpers stop early and retry.
    virtual bool should_yield() = 0;
    // An interrupt the vCPU has not taken yet, whether or not IF holds it back. A helper that
    // may set IF and lets the block go on in JIT code asks, and ends the chain if so, for
    // the exec loop to deliver it. A runtime without interrupts (the tests') has none.
    virtual bool interrupt_waiting() { return false; }
    // PAUSE: the guest spins, waiting for another CPU. With one CPU there is nobody to wait for.
    virtual void spin_wait_hint() {}
    // After an indirect branch: the host address to continue at in the next block's JIT code,
    // or null to leave to the exec loop.
    virtual const void* goto_ptr_target() = 0;
    // The softmmu slow paths: TLB misses, MMIO, page-crossing and code-page accesses.
    virtual uint64_t load_slow(uint64_t addr, uint32_t memop) = 0;
    virtual void store_slow(uint64_t addr, uint64_t value, uint32_t memop) = 0;
};

inline CpuRuntime& runtime(void* env) {
    return *static_cast<CpuEnv*>(env)->runtime;
}

// RFLAGS with the lazy arithmetic flags folded in; also leaves the lazy record as EFLAGS
// and writes RIP, so system helpers see complete architectural state.
void sync_state_for_helper(CpuEnv& env);
// After a system helper changed RFLAGS: take its arithmetic bits back as the lazy record.
void adopt_rflags(CpuEnv& env);
uint64_t full_rflags(const CpuEnv& env);
// After IRET or POPF in a block that goes on in JIT code (through a chain or the fast jump
// cache): ends the chain when the block flags are no longer `flags_before` (tb_flags) or IF
// lets in an interrupt the vCPU has not taken, so the exec loop looks the next block up or
// delivers it.
void end_chain_for_new_flags(CpuEnv& env, uint32_t flags_before);
// IN/OUT/INS/OUTS: CPL <= IOPL, or the TSS I/O bitmap allows every port; #GP(0) otherwise.
void check_io_permission(void* env, uint16_t port, unsigned size);

}  // namespace kemu::x86
