// Lazy condition codes. A flag-setting instruction records what it did (cc_op)
// and its operands (cc_dst, cc_src, cc_src2) instead of computing EFLAGS; the
// flags are computed only when something reads them, and a later flag-setting
// instruction in the same block makes the record dead. cc_op = kind << 2 | log2(size).
#pragma once

#include <cstdint>

namespace kemu::x86 {

enum class CcKind : uint8_t {
    Eflags,  // cc_src holds CF/PF/AF/ZF/SF/OF as they are in EFLAGS
    Add,     // dst = result, src = second operand
    Adc,     // as Add, src2 = carry in
    Sub,     // dst = result, src = subtrahend
    Sbb,     // as Sub, src2 = borrow in
    Logic,   // dst = result; CF = OF = AF = 0
    Inc,     // dst = result, src = the CF to keep
    Dec,     // dst = result, src = the CF to keep
    Shl,     // dst = result, src = operand << (count - 1)
    Shr,     // dst = result, src = operand >> (count - 1), logical
    Sar,     // dst = result, src = operand >> (count - 1), arithmetic
    Mul,     // dst = low result, src != 0 when the high half is significant (CF = OF = 1)
    Count
};

using CcOp = uint64_t;
constexpr CcOp cc_op(CcKind kind, unsigned log2_size) {
    return CcOp(kind) << 2 | log2_size;
}
constexpr CcOp kCcEflags = cc_op(CcKind::Eflags, 0);
constexpr CcKind cc_kind(CcOp op) {
    return CcKind(op >> 2);
}
constexpr unsigned cc_log2_size(CcOp op) {
    return unsigned(op & 3);
}

constexpr uint64_t kArithFlags = 0x8d5;  // OF SF ZF AF PF CF

// The arithmetic flags (kArithFlags bits) the record describes.
uint64_t compute_arith_flags(CcOp op, uint64_t dst, uint64_t src, uint64_t src2);

}  // namespace kemu::x86
