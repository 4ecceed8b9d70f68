#include "target-x86/tcg/cc_op.h"

#include <bit>

namespace kemu::x86 {

namespace {

constexpr uint64_t CF = 1, PF = 4, AF = 0x10, ZF = 0x40, SF = 0x80, OF = 0x800;

bool parity_even(uint64_t v) {
    return (std::popcount(uint8_t(v)) & 1) == 0;
}

}  // namespace

uint64_t compute_arith_flags(CcOp op, uint64_t dst, uint64_t src, uint64_t src2) {
    const unsigned bits = 8u << cc_log2_size(op);
    const uint64_t mask = bits == 64 ? ~0ull : (1ull << bits) - 1;
    const uint64_t sign = 1ull << (bits - 1);
    dst &= mask;
    if (cc_kind(op) == CcKind::Eflags) return src & kArithFlags;

    uint64_t flags = 0;
    if (parity_even(dst)) flags |= PF;
    if (dst == 0) flags |= ZF;
    if (dst & sign) flags |= SF;

    const uint64_t b = src & mask;
    const bool carry_in = src2 & 1;
    switch (cc_kind(op)) {
        case CcKind::Add:
        case CcKind::Adc: {
            bool c = cc_kind(op) == CcKind::Adc && carry_in;
            uint64_t a = (dst - b - c) & mask;
            if (c ? dst <= b : dst < b) flags |= CF;
            if ((a ^ b ^ dst) & 0x10) flags |= AF;
            if ((a ^ ~b) & (a ^ dst) & sign) flags |= OF;
            break;
        }
        case CcKind::Sub:
        case CcKind::Sbb: {
            bool c = cc_kind(op) == CcKind::Sbb && carry_in;
            uint64_t a = (dst + b + c) & mask;
            if (c ? a <= b : a < b) flags |= CF;
            if ((a ^ b ^ dst) & 0x10) flags |= AF;
            if ((a ^ b) & (a ^ dst) & sign) flags |= OF;
            break;
        }
        case CcKind::Logic:
            break;
        case CcKind::Inc:
            if (src & 1) flags |= CF;
            if ((dst & 0xf) == 0) flags |= AF;
            if (dst == sign) flags |= OF;
            break;
        case CcKind::Dec:
            if (src & 1) flags |= CF;
            if ((dst & 0xf) == 0xf) flags |= AF;
            if (dst == sign - 1) flags |= OF;
            break;
        case CcKind::Shl:
            if (b & sign) flags |= CF;
            if (bool(b & sign) != bool(dst & sign)) flags |= OF;
            break;
        case CcKind::Shr:
            if (b & 1) flags |= CF;
            if (b & sign) flags |= OF;
            break;
        case CcKind::Sar:
            if (b & 1) flags |= CF;
            break;
        case CcKind::Mul:
            if (src) flags |= CF | OF;
            break;
        case CcKind::Eflags:
        case CcKind::Count:
            break;
    }
    return flags;
}

}  // namespace kemu::x86
