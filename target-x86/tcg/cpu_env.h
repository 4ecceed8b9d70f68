// The state translated code runs on: the architectural X86CpuState plus what the
// translator adds — lazy condition codes, the softmmu TLB, the exit request, and
// scratch space for the IR interpreter. Field offsets are baked into generated
// code, so everything here is plain data at fixed offsets.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "target-x86/cpu_state.h"
#include "target-x86/tcg/cc_op.h"
#include "tcg/ir.h"

namespace kemu::x86 {

// MMU indices: which permission view of the page tables an access uses.
enum MmuIdx : unsigned { kMmuSupervisor = 0, kMmuUser = 1, kMmuCount = 2 };

// One softmmu TLB entry. A tag is the page's linear address when the access may
// take the fast path, or carries a flag bit (or is kTlbInvalid) to force the slow one.
struct TlbEntry {
    uint64_t addr_read;
    uint64_t addr_write;
    uint64_t addr_code;
    uintptr_t addend;  // host address - guest linear address, for RAM pages
};
constexpr uint64_t kTlbInvalid = ~0ull;
constexpr uint64_t kTlbMmio = 1;      // not RAM: every access dispatches through the bus
constexpr uint64_t kTlbNotDirty = 2;  // write tag only: the page holds translated code
constexpr uint64_t kTlbWatch = 4;     // a DR0-3 data breakpoint lies in the page
constexpr unsigned kTlbBits = 12;
constexpr unsigned kTlbSize = 1u << kTlbBits;
constexpr unsigned kPageBits = 12;
constexpr uint64_t kPageSize = 1ull << kPageBits;
constexpr uint64_t kPageMask = ~(kPageSize - 1);

constexpr unsigned kScratchSlots = 4096;
constexpr unsigned kFastJumpBits = 13;

class CpuRuntime;

// STI holds off interrupts for one instruction; MOV SS and POP SS also hold off debug
// exceptions and the single-step trap (SDM vol. 3 6.8.3).
constexpr uint32_t kShadowSti = 1;
constexpr uint32_t kShadowMovSs = 2;

// The fields translated code touches most come first, with the guest registers right
// after them: the JIT reaches env's first 256 bytes with 1-byte displacements (x64::env_at).
struct CpuEnv {
    // Lazy condition codes (see cc_op.h): the last flag-setting operation and its operands.
    uint64_t cc_dst = 0;
    uint64_t cc_src = 0;
    uint64_t cc_src2 = 0;
    uint64_t cc_op = kCcEflags;
    // Guest-instruction index within the running block, set by insn_start.
    uint32_t insn_index = 0;
    // STI or MOV SS/POP SS just executed: no interrupt before the next instruction completes.
    uint32_t interrupt_shadow = 0;  // 0, kShadowSti or kShadowMovSs
    // Set by other threads to make the vCPU leave translated code at the next block entry.
    std::atomic<uint32_t> exit_request{0};
    // Non-zero: chained blocks leave at their next start, back to the exec loop (an
    // interrupt, a kick, a TLB flush request, a cache flush).
    std::atomic<uint32_t> chain_break{0};
    // The running block (its TranslationBlock), stored by each block as it starts.
    uint64_t block_tag = 0;
    X86CpuState s;  // rflags' arithmetic bits are stale unless cc_op == kCcEflags
    TlbEntry tlb[kMmuCount][kTlbSize];
    CpuRuntime* runtime = nullptr;
    // Non-zero: the guest's x87 state is loaded in this thread's host FPU, and the host's own
    // control word waits here (target-x86/tcg/x87_host.h).
    uint8_t x87_live = 0;
    uint16_t x87_host_control = 0;
    // Non-zero: JIT code left MXCSR flags in the host's MXCSR that s.fpu.mxcsr lacks
    // (tcg::TargetInfo::fp_unsettled_offset).
    uint8_t fp_unsettled = 0;
    // Indirect branches' first try in JIT code (tcg::FastJumpLayout): filled by the vCPU,
    // and made stale at once by a new key whenever mappings or blocks may have changed.
    uint64_t fast_jump_key = 0;
    tcg::FastJump fast_jumps[1u << kFastJumpBits] = {};
    // A vector or x87 instruction's memory operand, staged between guest memory and its
    // handler or the inline instruction.
    alignas(32) uint8_t simd_mem[32];
    alignas(16) uint64_t scratch[kScratchSlots];
};

#define KEMU_ENV_OFFSET(field) uint32_t(offsetof(::kemu::x86::CpuEnv, field))

// The hot fields above and RIP stay within the JIT's 1-byte displacements.
static_assert(KEMU_ENV_OFFSET(s.rip) + sizeof(uint64_t) <= 256);

}  // namespace kemu::x86
