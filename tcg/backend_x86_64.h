// The x86-64 host backend: IR Function -> host code in a CodeBuffer. The generated code is
// `BlockExit fn(void* env)` (SysV) with the interpreter's semantics op for op; temps live
// in host registers within the block (tcg/backend_x86_64_regs.h). See docs/jit.md.
#pragma once

#include <cstddef>

#include "tcg/code_buffer.h"
#include "tcg/exit.h"
#include "tcg/ir.h"

namespace kemu::tcg {

// A translated block's host code.
struct CompiledBlock {
    using Entry = BlockExit (*)(void* env);
    Entry entry = nullptr;
    size_t code_size = 0;

    BlockExit run(void* env) const { return entry(env); }
};

class X86Backend {
  public:
    X86Backend();

    // Appends f's host code to buf. Fails (returns false, buf unchanged) when the code does
    // not fit in buf (reset it and retry), when f needs more locals than the scratch area
    // holds, or when the host lacks an instruction f needs (popcnt): run it interpreted.
    bool compile(const Function& f, CodeBuffer& buf, CompiledBlock& out);

  private:
    bool has_popcnt_;
};

}  // namespace kemu::tcg
