// SSE4.2 string compares (PCMPESTRI/M, PCMPISTRI/M), from the SDM's description of the
// imm8 control byte: element format (imm[1:0]), aggregation (imm[3:2]), polarity
// (imm[5:4]) and output selection (imm[6]). a is the "set" operand (xmm1), b the
// "string" (xmm2/m128).
#include <bit>

#include "target-x86/tcg/simd_int_internal.h"

namespace kemu::x86::simd {
namespace {

enum class Aggregation { EqualAny, Ranges, EqualEach, EqualOrdered };

struct Operands {
    int64_t set[16];
    int64_t str[16];
    unsigned count;  // 16 bytes or 8 words
    unsigned set_len, str_len;
};

int64_t element(const Vec* v, unsigned i, uint8_t imm) {
    switch (imm & 3) {
        case 0:
            return v->get<uint8_t>(i);
        case 1:
            return v->get<uint16_t>(i);
        case 2:
            return v->get<int8_t>(i);
        default:
            return v->get<int16_t>(i);
    }
}

Operands load(const Args& x) {
    Operands op{};
    op.count = (x.imm & 1) ? 8 : 16;
    for (unsigned i = 0; i < op.count; ++i) {
        op.set[i] = element(x.a, i, x.imm);
        op.str[i] = element(x.b, i, x.imm);
    }
    return op;
}

// Explicit lengths: |EAX| and |EDX| saturated to the element count.
unsigned explicit_length(uint32_t reg, unsigned count) {
    const int64_t v = static_cast<int32_t>(reg);
    return static_cast<unsigned>(std::min<int64_t>(v < 0 ? -v : v, count));
}

// Implicit lengths: up to the first zero element.
unsigned implicit_length(const int64_t* elements, unsigned count) {
    unsigned n = 0;
    while (n < count && elements[n] != 0)
        ++n;
    return n;
}

// IntRes1: bit j describes string element j; elements past a length are invalid, and the
// SDM's table says what each aggregation makes of them.
uint32_t aggregate(const Operands& op, Aggregation how) {
    uint32_t res = 0;
    for (unsigned j = 0; j < op.count; ++j) {
        bool bit = false;
        switch (how) {
            case Aggregation::EqualAny:
                for (unsigned i = 0; i < op.set_len && j < op.str_len; ++i)
                    bit |= op.set[i] == op.str[j];
                break;
            case Aggregation::Ranges:
                // a lone last bound pairs with an invalid element, which never matches
                for (unsigned i = 0; i + 1 < op.set_len && j < op.str_len; i += 2)
                    bit |= op.set[i] <= op.str[j] && op.str[j] <= op.set[i + 1];
                break;
            case Aggregation::EqualEach:
                if (j < op.set_len && j < op.str_len)
                    bit = op.set[j] == op.str[j];
                else
                    bit = j >= op.set_len && j >= op.str_len;
                break;
            case Aggregation::EqualOrdered:
                bit = true;
                for (unsigned k = 0; k < op.count - j && k < op.set_len; ++k)
                    if (j + k >= op.str_len || op.set[k] != op.str[j + k]) {
                        bit = false;
                        break;
                    }
                break;
        }
        res |= uint32_t{bit} << j;
    }
    return res;
}

struct Outcome {
    uint32_t mask;  // IntRes2
    unsigned count;
    uint64_t flags;
};

Outcome compare(const Args& x, Operands op) {
    const uint32_t all = (1u << op.count) - 1;
    uint32_t res = aggregate(op, static_cast<Aggregation>((x.imm >> 2) & 3));
    switch ((x.imm >> 4) & 3) {
        case 1:
            res ^= all;
            break;
        case 3:
            res ^= (1u << op.str_len) - 1;
            break;
        default:
            break;
    }
    const uint64_t flags = (res ? kCF : 0) | (op.str_len < op.count ? kZF : 0) |
                           (op.set_len < op.count ? kSF : 0) | ((res & 1) ? kOF : 0);
    return {res, op.count, flags};
}

Outcome explicit_compare(const Args& x) {
    Operands op = load(x);
    op.set_len = explicit_length(static_cast<uint32_t>(x.gpr), op.count);
    op.str_len = explicit_length(static_cast<uint32_t>(x.gpr >> 32), op.count);
    return compare(x, op);
}

Outcome implicit_compare(const Args& x) {
    Operands op = load(x);
    op.set_len = implicit_length(op.set, op.count);
    op.str_len = implicit_length(op.str, op.count);
    return compare(x, op);
}

// ECX: the lowest (imm[6] clear) or highest set bit of IntRes2, or the element count.
uint64_t index_result(const Args& x, const Outcome& out) {
    unsigned ecx = out.count;
    if (out.mask)
        ecx = (x.imm & 0x40) ? 31 - std::countl_zero(out.mask) : std::countr_zero(out.mask);
    return (out.flags << 32) | ecx;
}

// XMM0: IntRes2 as bits (imm[6] clear) or expanded to whole byte/word elements.
uint64_t mask_result(Args& x, const Outcome& out) {
    Vec r{};
    if (x.imm & 0x40) {
        const unsigned size = 16 / out.count;
        for (unsigned i = 0; i < out.count; ++i)
            if ((out.mask >> i) & 1) std::memset(r.b + i * size, 0xff, size);
    } else {
        r.set<uint16_t>(0, static_cast<uint16_t>(out.mask));
    }
    store(x, r);
    return out.flags;
}

}  // namespace

uint64_t pcmpestri(Args& x) {
    return index_result(x, explicit_compare(x));
}
uint64_t pcmpestrm(Args& x) {
    return mask_result(x, explicit_compare(x));
}
uint64_t pcmpistri(Args& x) {
    return index_result(x, implicit_compare(x));
}
uint64_t pcmpistrm(Args& x) {
    return mask_result(x, implicit_compare(x));
}

}  // namespace kemu::x86::simd
