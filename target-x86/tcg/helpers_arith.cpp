// Helpers for flags and the arithmetic that is too rich to inline: division,
// rotates through carry, double-precision shifts, BCD adjusts, BOUND, CRC-32C, PDEP/PEXT.
#include <array>

#include "target-x86/decode.h"
#include "target-x86/tcg/cc_op.h"
#include "target-x86/tcg/cpu_mode.h"
#include "target-x86/tcg/cpu_runtime.h"
#include "target-x86/tcg/exceptions.h"
#include "target-x86/tcg/helper_ids.h"
#include "target-x86/tcg/translate.h"

namespace kemu::x86 {

namespace {

CpuEnv& E(void* env) {
    return *static_cast<CpuEnv*>(env);
}

uint64_t arith_flags(const CpuEnv& e) {
    return compute_arith_flags(e.cc_op, e.cc_dst, e.cc_src, e.cc_src2);
}

void set_flags(CpuEnv& e, uint64_t arith) {
    e.cc_op = kCcEflags;
    e.cc_src = arith & kArithFlags;
}

uint64_t mask_of(unsigned bits) {
    return bits >= 64 ? ~0ull : (1ull << bits) - 1;
}

}  // namespace

void end_chain_for_new_flags(CpuEnv& env, uint32_t flags_before) {
    if (tb_flags(env.s) != flags_before ||
        ((env.s.rflags & rflag::IF) && env.runtime->interrupt_waiting()))
        env.chain_break.store(1);
}

uint64_t full_rflags(const CpuEnv& env) {
    return (env.s.rflags & ~kArithFlags) | arith_flags(env) | rflag::FIXED1;
}

void sync_state_for_helper(CpuEnv& env) {
    env.s.rflags = full_rflags(env);
    set_flags(env, env.s.rflags);
    env.s.rip = env.runtime->current_rip();
}

void adopt_rflags(CpuEnv& env) {
    set_flags(env, env.s.rflags);
}

uint64_t helper_raise_exception(void* env, uint64_t vector, uint64_t code, uint64_t, uint64_t) {
    std::optional<uint32_t> error;
    if (code >> 32) error = uint32_t(code);
    runtime(env).raise(uint8_t(vector), error);
    __builtin_unreachable();
}

uint64_t helper_compute_eflags(void* env, uint64_t, uint64_t, uint64_t, uint64_t) {
    return full_rflags(E(env));
}

uint64_t helper_write_eflags(void* env, uint64_t value, uint64_t mask, uint64_t, uint64_t) {
    CpuEnv& e = E(env);
    uint64_t arith = (arith_flags(e) & ~mask) | (value & mask);
    set_flags(e, arith);
    return 0;
}

// POPF: which bits may change depends on CPL, IOPL and mode (SDM vol. 2 POPF).
uint64_t helper_popf(void* env, uint64_t value, uint64_t size, uint64_t, uint64_t) {
    CpuEnv& e = E(env);
    uint64_t changeable = rflag::CF | rflag::PF | rflag::AF | rflag::ZF | rflag::SF | rflag::TF |
                          rflag::DF | rflag::OF | rflag::NT | rflag::AC | rflag::ID;
    unsigned level = cpl(e.s);
    if (!protected_mode(e.s) || level == 0)
        changeable |= rflag::IOPL | rflag::IF;
    else if (level <= iopl(e.s))
        changeable |= rflag::IF;
    if (vm86_mode(e.s)) changeable = (changeable | rflag::IF) & ~rflag::IOPL;
    if (size == 2) changeable &= 0xffff;
    uint64_t old = full_rflags(e);
    uint64_t next = (old & ~changeable) | (value & changeable);
    const uint32_t flags_before = tb_flags(e.s);
    e.s.rflags = next | rflag::FIXED1;
    adopt_rflags(e);
    end_chain_for_new_flags(e, flags_before);  // the block goes on by a chainable jump
    return 0;
}

// DIV/IDIV: rDX:rAX (AX for bytes) by the divisor; #DE on a zero divisor or a quotient
// that does not fit.
uint64_t helper_div(void* env, uint64_t divisor, uint64_t bits, uint64_t, uint64_t) {
    CpuEnv& e = E(env);
    const unsigned size = 1u << (bits & 3);
    const bool sign = bits & 4;
    const unsigned w = 8 * size;
    auto& r = e.s.regs;
    divisor &= mask_of(w);
    if (divisor == 0) runtime(env).raise(vec::DE, std::nullopt);
    unsigned __int128 dividend;
    if (size == 1)
        dividend = r[RAX] & 0xffff;
    else
        dividend = ((unsigned __int128)(r[RDX] & mask_of(w)) << w) | (r[RAX] & mask_of(w));
    uint64_t q, rem;
    if (!sign) {
        unsigned __int128 uq = dividend / divisor;
        if (uq > mask_of(w)) runtime(env).raise(vec::DE, std::nullopt);
        q = uint64_t(uq);
        rem = uint64_t(dividend % divisor);
    } else {
        // Sign-extend the 2w-bit dividend and the w-bit divisor.
        __int128 sd = __int128(dividend << (128 - 2 * w)) >> (128 - 2 * w);
        __int128 sv = __int128((unsigned __int128)divisor << (128 - w)) >> (128 - w);
        if (sv == -1 && sd == -(__int128(1) << (2 * w - 1)))
            runtime(env).raise(vec::DE, std::nullopt);
        __int128 sq = sd / sv;
        __int128 limit = __int128(1) << (w - 1);
        if (sq >= limit || sq < -limit) runtime(env).raise(vec::DE, std::nullopt);
        q = uint64_t(sq) & mask_of(w);
        rem = uint64_t(sd % sv) & mask_of(w);
    }
    auto put = [&](unsigned reg, uint64_t v) {
        if (size == 4)
            r[reg] = uint32_t(v);
        else if (size == 8)
            r[reg] = v;
        else
            r[reg] = (r[reg] & ~0xffffull) | (v & 0xffff);
    };
    if (size == 1) {
        r[RAX] = (r[RAX] & ~0xffffull) | (q & 0xff) | (rem & 0xff) << 8;
    } else {
        put(RAX, q);
        put(RDX, rem);
    }
    return 0;
}

// ROL ROR RCL RCR with their CF/OF rules; a masked count of 0 changes nothing.
uint64_t helper_rotate(void* env, uint64_t value, uint64_t count, uint64_t bits, uint64_t) {
    CpuEnv& e = E(env);
    const unsigned w = 8u << (bits & 3);
    const auto kind = RotateKind(bits >> 4);
    const uint64_t m = mask_of(w);
    value &= m;
    unsigned n = unsigned(count & (w == 64 ? 0x3f : 0x1f));
    uint64_t flags = full_rflags(e) & kArithFlags;
    if (n == 0) return value;
    const uint64_t msb = 1ull << (w - 1);
    uint64_t r = value;
    bool cf = flags & rflag::CF;
    switch (kind) {
        case RotateKind::Rol:
            n %= w;
            r = n ? ((value << n) | (value >> (w - n))) & m : value;
            cf = r & 1;
            break;
        case RotateKind::Ror:
            n %= w;
            r = n ? ((value >> n) | (value << (w - n))) & m : value;
            cf = r & msb;
            break;
        case RotateKind::Rcl:
            n %= (w + 1);
            for (unsigned i = 0; i < n; i++) {
                bool out = r & msb;
                r = ((r << 1) | uint64_t(cf)) & m;
                cf = out;
            }
            break;
        case RotateKind::Rcr:
            n %= (w + 1);
            for (unsigned i = 0; i < n; i++) {
                bool out = r & 1;
                r = (r >> 1) | (cf ? msb : 0);
                cf = out;
            }
            break;
    }
    bool of;
    if (kind == RotateKind::Rol || kind == RotateKind::Rcl)
        of = bool(r & msb) != cf;
    else
        of = bool(r & msb) != bool(r & (msb >> 1));
    flags = (flags & ~(rflag::CF | rflag::OF)) | (cf ? rflag::CF : 0) | (of ? rflag::OF : 0);
    set_flags(e, flags);
    return r;
}

// SHLD/SHRD: bits 0..3 log2 size, bit 4 set for SHRD.
uint64_t helper_double_shift(void* env, uint64_t value, uint64_t other, uint64_t count,
                             uint64_t bits) {
    CpuEnv& e = E(env);
    const unsigned w = 8u << (bits & 3);
    const bool right = bits & 0x10;
    const uint64_t m = mask_of(w);
    unsigned n = unsigned(count & (w == 64 ? 0x3f : 0x1f));
    value &= m;
    other &= m;
    if (n == 0) return value;
    // Intel: counts above the width leave an undefined result; compute over a 2w-bit window.
    unsigned __int128 wide, shifted;
    uint64_t r;
    bool cf;
    if (!right) {
        wide = ((unsigned __int128)value << w) | other;
        shifted = wide << n;
        r = uint64_t(shifted >> w) & m;
        cf = (wide >> (2 * w - n)) & 1;
    } else {
        wide = ((unsigned __int128)other << w) | value;
        shifted = wide >> n;
        r = uint64_t(shifted) & m;
        cf = (wide >> (n - 1)) & 1;
    }
    const uint64_t msb = 1ull << (w - 1);
    bool of = bool(r & msb) != bool(value & msb);
    uint64_t flags = compute_arith_flags(cc_op(CcKind::Logic, bits & 3), r, 0, 0);
    flags |= (cf ? rflag::CF : 0) | (of ? rflag::OF : 0);
    set_flags(e, flags);
    return r;
}

// DAA DAS AAA AAS AAM AAD (SDM vol. 2 pseudo-code); `op` is the decoder Op.
uint64_t helper_bcd(void* env, uint64_t op_value, uint64_t imm, uint64_t, uint64_t) {
    CpuEnv& e = E(env);
    const Op op = Op(op_value);
    uint64_t flags = full_rflags(e) & kArithFlags;
    uint64_t& rax = e.s.regs[RAX];
    uint8_t al = uint8_t(rax), ah = uint8_t(rax >> 8);
    bool cf = flags & rflag::CF, af = flags & rflag::AF;
    auto logic_flags = [](uint8_t v) {
        return compute_arith_flags(cc_op(CcKind::Logic, 0), v, 0, 0);
    };
    switch (op) {
        case Op::Daa:
        case Op::Das: {
            uint8_t old_al = al;
            bool old_cf = cf;
            bool sub = op == Op::Das;
            cf = false;
            if ((al & 0xf) > 9 || af) {
                cf = old_cf || (sub ? al < 6 : al > 0xf9);
                al = uint8_t(sub ? al - 6 : al + 6);
                af = true;
            } else {
                af = false;
            }
            if (old_al > 0x99 || old_cf) {
                al = uint8_t(sub ? al - 0x60 : al + 0x60);
                cf = true;
            }
            flags = (logic_flags(al) & ~(rflag::CF | rflag::AF)) | (cf ? rflag::CF : 0) |
                    (af ? rflag::AF : 0);
            rax = (rax & ~0xffull) | al;
            break;
        }
        case Op::Aaa:
        case Op::Aas: {
            bool sub = op == Op::Aas;
            if ((al & 0xf) > 9 || af) {
                uint16_t ax = uint16_t(rax);
                ax = uint16_t(sub ? ax - 6 : ax + 6);
                ah = uint8_t((ax >> 8) + (sub ? -1 : 1));
                al = uint8_t(ax) & 0xf;
                af = cf = true;
            } else {
                af = cf = false;
                al &= 0xf;
            }
            flags =
                (flags & ~(rflag::CF | rflag::AF)) | (cf ? rflag::CF : 0) | (af ? rflag::AF : 0);
            rax = (rax & ~0xffffull) | al | uint64_t(ah) << 8;
            break;
        }
        case Op::Aam: {
            uint8_t base = uint8_t(imm);
            if (base == 0) runtime(env).raise(vec::DE, std::nullopt);
            ah = al / base;
            al = al % base;
            rax = (rax & ~0xffffull) | al | uint64_t(ah) << 8;
            flags = logic_flags(al);
            break;
        }
        default: {  // AAD
            al = uint8_t(al + ah * uint8_t(imm));
            rax = (rax & ~0xffffull) | al;
            flags = logic_flags(al);
            break;
        }
    }
    set_flags(e, flags);
    return 0;
}

uint64_t helper_bound(void* env, uint64_t index, uint64_t addr, uint64_t size, uint64_t) {
    CpuRuntime& rt = runtime(env);
    unsigned s = unsigned(size);
    int64_t lower, upper, i;
    if (s == 2) {
        lower = int16_t(rt.read(addr, 2, Priv::Current));
        upper = int16_t(rt.read(uint32_t(addr + 2), 2, Priv::Current));
        i = int16_t(index);
    } else {
        lower = int32_t(rt.read(addr, 4, Priv::Current));
        upper = int32_t(rt.read(uint32_t(addr + 4), 4, Priv::Current));
        i = int32_t(index);
    }
    if (i < lower || i > upper) rt.raise(vec::BR, std::nullopt);
    return 0;
}

namespace {

// CRC-32C (Castagnoli) in its bit-reflected form: the polynomial 0x1EDC6F41 reversed.
constexpr uint32_t kCrc32cReflected = 0x82f63b78;

constexpr std::array<uint32_t, 256> crc32c_table() {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t r = i;
        for (int bit = 0; bit < 8; bit++)
            r = (r >> 1) ^ (kCrc32cReflected & (0u - (r & 1)));
        t[i] = r;
    }
    return t;
}
constexpr std::array<uint32_t, 256> kCrc32cTable = crc32c_table();

}  // namespace

// CRC32 (SDM vol. 2): the low `bytes` bytes of `data`, lowest first, folded into the low 32
// bits of `crc`, with no inversion before or after. The result is zero-extended.
uint64_t helper_crc32c(void*, uint64_t crc, uint64_t data, uint64_t bytes, uint64_t) {
    uint32_t r = uint32_t(crc);
    for (unsigned i = 0; i < bytes; i++)
        r = (r >> 8) ^ kCrc32cTable[uint8_t(r ^ (data >> (8 * i)))];
    return r;
}

// PDEP: the low bits of `source`, in order, into the set bits of `mask`.
uint64_t helper_pdep(void*, uint64_t source, uint64_t mask, uint64_t, uint64_t) {
    uint64_t r = 0;
    for (uint64_t m = mask; m; m &= m - 1, source >>= 1)
        if (source & 1) r |= m & -m;
    return r;
}

// PEXT: the bits of `source` that `mask` selects, packed into the low bits in order.
uint64_t helper_pext(void*, uint64_t source, uint64_t mask, uint64_t, uint64_t) {
    uint64_t r = 0;
    unsigned out = 0;
    for (uint64_t m = mask; m; m &= m - 1, out++)
        if (source & m & -m) r |= 1ull << out;
    return r;
}

}  // namespace kemu::x86
