// The state of translating one block, and the operand, memory, stack and flag
// building blocks every emitter uses. Internal to the x86 frontend.
#pragma once

#include <cstddef>
#include <optional>

#include "target-x86/decode.h"
#include "target-x86/tcg/cc_op.h"
#include "target-x86/tcg/cpu_env.h"
#include "target-x86/tcg/helper_ids.h"
#include "target-x86/tcg/translate.h"
#include "tcg/builder.h"

namespace kemu::x86 {

using tcg::Builder;
using tcg::Cond;
using tcg::Opc;
using tcg::TempId;

// Global temp numbers (x86_target_info() declares them in this order).
constexpr TempId kGlobalRegs = 0;  // + register number
constexpr TempId kGlobalCcDst = 16;
constexpr TempId kGlobalCcSrc = 17;
constexpr TempId kGlobalCcSrc2 = 18;
constexpr TempId kGlobalCcOp = 19;

enum class BlockEnd : uint8_t {
    None,   // keep translating
    Next,   // stop after this instruction and continue at next_rip, through the exec loop
    Split,  // stop after this instruction and go on to next_rip directly (a chainable jump)
    // STI: the next instruction is in its interrupt shadow. It joins the block, which then
    // stops after it (or, when it cannot join, stops here as Next).
    OpensShadow,
    Emitted,  // the instruction emitted its own block exit
};

struct Ctx {
    Builder b;
    const DecodedInsn* in = nullptr;
    uint64_t cs_base = 0;
    uint64_t block_page = 0;  // linear address of the page the block starts in
    uint64_t rip = 0;         // of the instruction being translated
    uint32_t insn = 0;        // its insn_start index
    uint64_t next_rip = 0;    // of the one after it
    uint32_t flags = 0;
    BlockEnd end = BlockEnd::None;
    std::optional<TempId> cached_addr;     // linear address of the memory operand
    std::optional<TempId> rsp_in_address;  // POP m: RSP as an address register is the popped one
    std::optional<CcOp> cc_static;         // cc_op as this block last set it (unknown at entry)
    // SUB/CMP's first operand (zero-extended), when this block's last flag setter was one:
    // conditions compare it with the second instead of rebuilding it from the result.
    std::optional<TempId> cc_minuend;
    bool x87_live_known = false;  // within a run of x87 instructions, the state is in the host FPU

    bool code64() const { return flags & tbflag::kCode64; }
    unsigned cpl() const { return flags & tbflag::kCplMask; }
    unsigned mmu_idx() const { return cpl() == 3 ? kMmuUser : kMmuSupervisor; }
    unsigned stack_size() const { return code64() ? 8 : (flags & tbflag::kStack32) ? 4 : 2; }
};

constexpr uint32_t seg_base_offset(unsigned seg) {
    return uint32_t(offsetof(CpuEnv, s.seg) + seg * sizeof(Segment) + offsetof(Segment, base));
}
constexpr uint32_t seg_selector_offset(unsigned seg) {
    return uint32_t(offsetof(CpuEnv, s.seg) + seg * sizeof(Segment) + offsetof(Segment, selector));
}
inline unsigned log2_size(unsigned size) {
    return size == 1 ? 0 : size == 2 ? 1 : size == 4 ? 2 : 3;
}
inline uint64_t size_mask(unsigned size) {
    return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

// --- values
TempId zero_extend(Ctx& c, TempId v, unsigned size);
TempId sign_extend(Ctx& c, TempId v, unsigned size);

// --- registers
TempId read_gpr(Ctx& c, unsigned reg, unsigned size, bool high8 = false);
void write_gpr(Ctx& c, unsigned reg, unsigned size, TempId v, bool high8 = false);

// --- memory
TempId effective_offset(Ctx& c);                     // the memory operand's offset in its segment
TempId linear(Ctx& c, unsigned seg, TempId offset);  // segment base added, wrapped per mode
TempId operand_address(Ctx& c);                      // the memory operand's linear address (cached)
// `align`: the bytes the address must be a multiple of (SSE's aligned forms), else #GP(0).
TempId load(Ctx& c, TempId addr, unsigned size, bool sign = false, unsigned align = 0);
void check_segment(Ctx& c, unsigned seg, TempId offset, unsigned size, bool write);
void store(Ctx& c, TempId addr, TempId v, unsigned size, unsigned align = 0);
// A 16- or 32-byte vector operand between guest memory and env at `env_offset`, one access.
void load_vector(Ctx& c, TempId addr, unsigned size, unsigned align, uint32_t env_offset);
void store_vector(Ctx& c, TempId addr, unsigned size, unsigned align, uint32_t env_offset);

// --- operands of the decoded instruction
TempId read_operand(Ctx& c, unsigned i);
void write_operand(Ctx& c, unsigned i, TempId v);
unsigned operand_size(const Ctx& c, unsigned i);

// --- stack
TempId stack_address(Ctx& c, TempId sp);
void push(Ctx& c, TempId v, unsigned size);
TempId pop_value(Ctx& c, unsigned size);  // loads without moving RSP
void release_stack(Ctx& c, unsigned bytes);

// --- flags
void set_cc(Ctx& c, CcKind kind, unsigned size, TempId dst, TempId src, TempId src2 = ~0u);
void set_cc_dynamic(Ctx& c);            // a helper changed cc_op: forget what we knew
TempId eflags(Ctx& c);                  // complete RFLAGS
TempId carry(Ctx& c);                   // CF as 0/1
TempId condition(Ctx& c, unsigned cc);  // x86 condition code 0..15 as 0/1

// --- control
void store_rip(Ctx& c, TempId rip);
void jump_const(Ctx& c, uint64_t target, unsigned slot);  // direct, chainable
void jump_indirect(Ctx& c, TempId target);
void exit_to_loop(Ctx& c, uint64_t rip);
void raise_exception(Ctx& c, uint8_t vector, std::optional<uint32_t> error_code = std::nullopt);

// --- emitter table
using Emitter = void (*)(Ctx& c);
Emitter emitter_for(Op op);

}  // namespace kemu::x86
