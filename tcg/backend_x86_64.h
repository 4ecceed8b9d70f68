// The x86-64 host backend: IR Function -> host code in a CodeBuffer. The generated code is
// `BlockExit fn(void* env)` (SysV) with the interpreter's semantics op for op; temps live
// in host registers within the block (tcg/backend_x86_64_regs.h). See docs/jit.md.
#pragma once

#include <array>
#include <cstddef>
#include <memory>
#include <vector>

#include "tcg/code_buffer.h"
#include "tcg/exit.h"
#include "tcg/ir.h"

namespace kemu::tcg {

// A translated block's host code. A block has no prologue of its own: the exec loop runs it
// through its buffer's shared entry, which builds the frame, and a chained goto_tb jumps
// straight to its first byte.
struct CompiledBlock {
    using Enter = BlockExit (*)(void* env, const void* code);
    static constexpr uint32_t kNoJump = 0;
    Enter enter = nullptr;     // the buffer's shared entry (at its start); null: no host code
    uint32_t code_offset = 0;  // from `enter`
    uint32_t code_size = 0;
    // The offsets of the 4-byte-aligned rel32 of this block's goto_tb 0 and 1 jumps (kNoJump
    // when it has none). An unpatched jump falls through to the exit.
    uint32_t jump_rel32[2] = {kNoJump, kNoJump};
    // Bit n: goto_tb n jumps back to this block's own first instruction (Function::entry_pc)
    // and, chained to this block itself, enters at loop_entry (bytes from code()): past the
    // loads of the globals and vectors the loop keeps in registers. Such a jump leaves env
    // without the vectors' latest values, so it may be chained to its own block only.
    uint8_t loop_slots = 0;
    uint8_t loop_entry = 0;

    bool compiled() const { return enter != nullptr; }
    const uint8_t* code() const { return reinterpret_cast<const uint8_t*>(enter) + code_offset; }
    BlockExit run(void* env) const { return enter(env, code()); }
};

// Points goto_tb `slot` of `from` at `to`'s chain entry (its loop entry when `to` is `from`
// and the slot loops), or back at its own exit when `to` is null. The rel32 is one aligned 4-byte
// store through the buffer's writable alias, so a vCPU running the jump sees the old or the new
// target, never a mix.
void patch_chain(CodeBuffer& buf, const CompiledBlock& from, unsigned slot,
                 const CompiledBlock* to);

class BlockAssembler;

// Compiles one block at a time (the accelerator holds its code lock around compile()).
class X86Backend {
  public:
    X86Backend();
    // use_avx false: vector code as on a host without AVX (SSE encodings, 16-byte registers),
    // which tests run on any host. The default is what the host has.
    explicit X86Backend(bool use_avx);
    ~X86Backend();

    // Appends f's host code to buf. Fails (returns false, buf unchanged) when the code does
    // not fit in buf (reset it and retry), when f needs more locals than the scratch area
    // holds, or when the host lacks an instruction f needs (popcnt): run it interpreted.
    // With target chaining, `tag` is what the block stores at the target's block-tag slot.
    bool compile(const Function& f, CodeBuffer& buf, CompiledBlock& out, uint64_t tag = 0);

    // A memory slow path's shared thunk (assemble_thunk in the .cpp), by code buffer, target
    // function and whether it keeps the cached vector registers, or (fn null) the MXCSR
    // settle subroutine (assemble_fp_settle).
    struct Thunk {
        const uint8_t* buffer;  // its executable base
        const void* fn;
        bool keeps_vectors;
        const uint8_t* code;
    };

  private:
    bool has_popcnt_;
    bool avx_;
    // Every buffer starts with the blocks' shared entry; the exits follow at these offsets.
    std::array<uint32_t, 4> stub_exits_;
    std::unique_ptr<BlockAssembler> assembler_;
    // Every buffer's thunks (a buffer's are forgotten when it starts over), and those of the
    // buffer and target the last block was compiled for.
    std::vector<Thunk> thunks_;
    std::vector<Thunk> current_thunks_;
    const uint8_t* current_buffer_ = nullptr;
    const TargetInfo* current_target_ = nullptr;
    bool ensure_thunks(const Function& f, CodeBuffer& buf);
};

}  // namespace kemu::tcg
