// Pushes and pops on a stack that is not (yet) the architectural one: interrupt delivery, far
// CALL/RET and IRET build or unwind frames on a local SS:SP and commit RSP only when the whole
// instruction has succeeded, so a fault leaves the registers as they were.
#pragma once

#include <cstdint>

#include "target-x86/cpu_state.h"
#include "target-x86/tcg/sys_context.h"

namespace kemu::x86 {

class LocalStack {
  public:
    // `addr_size` is 2, 4 or 8 (8 = 64-bit mode: no limit check, canonical check instead).
    // Limit violations raise #SS(fault_code).
    LocalStack(SysContext& ctx, const Segment& ss, uint64_t sp, unsigned addr_size, Priv priv,
               uint32_t fault_code = 0);

    void push(uint64_t value, unsigned size);
    uint64_t pop(unsigned size);
    // Reads `size` bytes at SP + `offset` without moving SP (parameter copy).
    uint64_t peek(uint64_t offset, unsigned size);
    void skip(uint64_t bytes) { sp_ += bytes; }

    uint64_t sp() const { return sp_ & mask(); }
    // RSP after this stack's SP is committed: 16-bit stacks keep the upper bits.
    uint64_t merged_rsp(uint64_t old_rsp) const;

  private:
    uint64_t mask() const;
    uint64_t checked_address(uint64_t offset, unsigned size);

    SysContext& ctx_;
    const Segment& ss_;
    uint64_t sp_;
    unsigned addr_size_;
    Priv priv_;
    uint32_t fault_code_;
};

// The stack address size of `ss` in the current or a target mode.
inline unsigned stack_addr_size(const Segment& ss, bool mode64) {
    return mode64 ? 8 : (ss.db ? 4 : 2);
}

}  // namespace kemu::x86
