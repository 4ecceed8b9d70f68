// The x86 frontend: decodes guest instructions from a block start until a branch,
// a mode change, a page end or the instruction budget, and emits IR for them.
#pragma once

#include <cstdint>
#include <vector>

#include "target-x86/cpu_state.h"
#include "tcg/ir.h"

namespace kemu::x86 {

// The processor-mode facts a block is translated for; part of its lookup key.
namespace tbflag {
constexpr uint32_t kCplMask = 3;
constexpr uint32_t kCode32 = 1u << 2;
constexpr uint32_t kCode64 = 1u << 3;
constexpr uint32_t kStack32 = 1u << 4;
constexpr uint32_t kProtected = 1u << 5;
constexpr uint32_t kVm86 = 1u << 6;
constexpr uint32_t kLongMode = 1u << 7;
constexpr uint32_t kSingleStep = 1u << 8;   // EFLAGS.TF: one instruction per block, then #DB
constexpr uint32_t kAlignCheck = 1u << 15;  // CR0.AM, EFLAGS.AC and CPL 3: misaligned data is #AC
// DR7 enables a breakpoint: one instruction per block, checked by the exec loop.
constexpr uint32_t kDebugRegs = 1u << 16;
// The previous instruction opened an interrupt shadow: translate just the next one, so
// an interrupt held off by STI or MOV SS is taken right after it.
constexpr uint32_t kShadow = 1u << 17;
// One-instruction blocks: single step or active debug registers.
constexpr uint32_t kOneInsn = kSingleStep | kDebugRegs | kShadow;
// Per data segment register (bit kFlatSeg0 << SegReg): base 0, 4 GiB limit, present,
// writable, expand-up. Accesses through a flat segment need neither a base nor checks.
constexpr uint32_t kFlatSeg0 = 1u << 9;  // bits 9..14
// Whether SIMD instructions may run, from CR0, CR4 and XCR0 (SDM vol. 3 table 2-2):
constexpr uint32_t kSseUd = 1u << 18;    // CR0.EM or !CR4.OSFXSR: SSE is #UD
constexpr uint32_t kMmxUd = 1u << 19;    // CR0.EM: MMX is #UD
constexpr uint32_t kAvxUd = 1u << 20;    // !CR4.OSXSAVE or XCR0 lacks SSE|AVX: VEX is #UD
constexpr uint32_t kSimdNm = 1u << 21;   // CR0.TS: SIMD is #NM (after the #UD checks)
constexpr uint32_t kXsaveUd = 1u << 22;  // !CR4.OSXSAVE: XSAVE/XRSTOR are #UD
// MXCSR has the host's controls (round to nearest, no DAZ/FTZ, all exceptions masked) on an
// x86-64 host: SSE arithmetic runs inline as the host's instruction (tcg/vfp.h).
constexpr uint32_t kSimdInline = 1u << 23;
// CR0.EM and TS clear and FCW masks every x87 exception on an x86-64 host: x87 register
// forms and loads run inline on the host FPU (x87_host.h).
constexpr uint32_t kX87Inline = 1u << 24;
}  // namespace tbflag

uint32_t tb_flags(const X86CpuState& s);
// Whether an access through `seg` goes without a base and limit/rights checks.
bool flat_segment(const Segment& seg);

// Where the translator gets instruction bytes: copies up to n bytes at `linear`
// and returns how many it could (fewer at an unmapped page).
class CodeReader {
  public:
    virtual ~CodeReader() = default;
    virtual size_t read(uint64_t linear, uint8_t* out, size_t n) = 0;
};

struct TranslatedBlock {
    std::vector<uint64_t> insn_rip;  // RIP of each guest instruction, by insn_start index
    uint64_t last_byte = 0;          // linear address of the block's last byte
    bool fetch_fault = false;        // the first instruction could not be fetched
    // The block's last instruction is the one an STI in it shadows: when the block leaves,
    // the shadow is over, and the exec loop must look for interrupts before anything else
    // runs (so the block is never chained from and has no fast jump key).
    bool ends_shadow = false;
};

struct BlockStart {
    uint64_t cs_base;
    uint64_t rip;
    uint32_t flags;
    unsigned max_insns;
};

// Globals every x86 IR function has, in this order (see translate.cpp).
const tcg::TargetInfo& x86_target_info();

void translate_block(tcg::Function& f, const BlockStart& start, CodeReader& code,
                     TranslatedBlock& out);

}  // namespace kemu::x86
