// The IR interpreter: the portable backend, and the reference the JIT backends are
// tested against. A Function is first lowered to InterpCode (operands resolved to
// env offsets or constant-pool slots, labels to op indices), then run many times.
#pragma once

#include <cstdint>
#include <vector>

#include "tcg/exit.h"
#include "tcg/ir.h"

namespace kemu::tcg {

struct InterpOp {
    Opc opc;
    Type type;
    // Operands: >= 0 is a byte offset from env (globals and scratch slots), < 0 is
    // consts[~ref]. Constants of the op follow in c[].
    int32_t ref[6];
    uint32_t c[3];
};

class InterpCode {
  public:
    // Fails (returns false) when the function needs more locals than the scratch area holds.
    bool compile(const Function& f);
    BlockExit run(void* env) const;
    size_t memory_bytes() const {
        return ops_.capacity() * sizeof(InterpOp) + consts_.capacity() * sizeof(uint64_t) +
               helpers_.capacity() * sizeof(HelperFn);
    }

  private:
    std::vector<InterpOp> ops_;
    std::vector<uint64_t> consts_;
    std::vector<HelperFn> helpers_;
    uint32_t insn_index_offset_ = 0;
    uint32_t fp_status_offset_ = 0;
    uint64_t (*guest_load_)(void*, uint64_t, uint32_t) = nullptr;
    void (*guest_store_)(void*, uint64_t, uint64_t, uint32_t) = nullptr;
    void (*guest_load_vector_)(void*, uint64_t, uint32_t, uint32_t) = nullptr;
    void (*guest_store_vector_)(void*, uint64_t, uint32_t, uint32_t) = nullptr;
};

}  // namespace kemu::tcg
