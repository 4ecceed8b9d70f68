// AES-NI rounds (from FIPS-197), PCLMULQDQ and the SHA extensions (from the SDM's
// pseudo-code). The VEX.256 forms of the AES and carry-less multiply instructions (VAES,
// VPCLMULQDQ) repeat the 128-bit operation per lane, so the loops here run per lane.
#include <array>
#include <bit>

#include "target-x86/tcg/simd_int_internal.h"

namespace kemu::x86::simd {
namespace {

using Block = std::array<uint8_t, 16>;

// ---- GF(2^8) and the S-boxes, built from their definitions ---------------------------------

constexpr uint8_t xtime(uint8_t v) {
    return static_cast<uint8_t>((v << 1) ^ ((v & 0x80) ? 0x1b : 0));
}

constexpr uint8_t gf_mul(uint8_t a, uint8_t b) {
    uint8_t product = 0;
    for (; b; b >>= 1, a = xtime(a))
        if (b & 1) product ^= a;
    return product;
}

// The multiplicative inverse is v^254; zero maps to zero.
constexpr uint8_t gf_inverse(uint8_t v) {
    uint8_t result = 1, power = v;
    for (unsigned e = 254; e; e >>= 1, power = gf_mul(power, power))
        if (e & 1) result = gf_mul(result, power);
    return result;
}

constexpr std::array<uint8_t, 256> make_sbox() {
    std::array<uint8_t, 256> box{};
    for (unsigned i = 0; i < 256; ++i) {
        const uint8_t v = gf_inverse(static_cast<uint8_t>(i));
        box[i] = static_cast<uint8_t>(v ^ std::rotl(v, 1) ^ std::rotl(v, 2) ^ std::rotl(v, 3) ^
                                      std::rotl(v, 4) ^ 0x63);
    }
    return box;
}

constexpr std::array<uint8_t, 256> kSbox = make_sbox();

constexpr std::array<uint8_t, 256> make_inverse_sbox() {
    std::array<uint8_t, 256> box{};
    for (unsigned i = 0; i < 256; ++i)
        box[kSbox[i]] = static_cast<uint8_t>(i);
    return box;
}

constexpr std::array<uint8_t, 256> kInverseSbox = make_inverse_sbox();

// ---- the round steps; the state's byte 4c+r is row r of column c ----------------------------

Block sub_bytes(const Block& s, const std::array<uint8_t, 256>& box) {
    Block out;
    for (unsigned i = 0; i < 16; ++i)
        out[i] = box[s[i]];
    return out;
}

// Row r rotates left by r columns (ShiftRows), or right (InvShiftRows).
template <bool Inverse>
Block shift_rows(const Block& s) {
    Block out;
    for (unsigned c = 0; c < 4; ++c)
        for (unsigned r = 0; r < 4; ++r)
            out[4 * c + r] = s[4 * ((Inverse ? c + 4 - r : c + r) % 4) + r];
    return out;
}

// Each column times the circulant matrix whose first row is `row`.
Block mix_columns(const Block& s, const std::array<uint8_t, 4>& row) {
    Block out;
    for (unsigned c = 0; c < 4; ++c)
        for (unsigned r = 0; r < 4; ++r) {
            uint8_t v = 0;
            for (unsigned k = 0; k < 4; ++k)
                v ^= gf_mul(row[(k + 4 - r) % 4], s[4 * c + k]);
            out[4 * c + r] = v;
        }
    return out;
}

constexpr std::array<uint8_t, 4> kMix = {2, 3, 1, 1};
constexpr std::array<uint8_t, 4> kInverseMix = {14, 11, 13, 9};

Block encrypt_round(const Block& s) {
    return mix_columns(sub_bytes(shift_rows<false>(s), kSbox), kMix);
}
Block encrypt_last_round(const Block& s) {
    return sub_bytes(shift_rows<false>(s), kSbox);
}
Block decrypt_round(const Block& s) {
    return mix_columns(sub_bytes(shift_rows<true>(s), kInverseSbox), kInverseMix);
}
Block decrypt_last_round(const Block& s) {
    return sub_bytes(shift_rows<true>(s), kInverseSbox);
}

// Per lane: the state from a through Round, then XOR the round key from b.
template <Block (*Round)(const Block&)>
uint64_t aes_round(Args& x) {
    Vec r{};
    for (unsigned base = 0; base < x.bytes; base += 16) {
        Block s;
        std::memcpy(s.data(), x.a->b + base, 16);
        s = Round(s);
        for (unsigned i = 0; i < 16; ++i)
            r.b[base + i] = s[i] ^ x.b->b[base + i];
    }
    return store(x, r);
}

uint32_t sub_word(uint32_t w) {
    uint32_t out = 0;
    for (unsigned i = 0; i < 32; i += 8)
        out |= uint32_t{kSbox[(w >> i) & 0xff]} << i;
    return out;
}

// ---- SHA helpers: dword k of a Vec, with dword 3 the SDM's [127:96] ---------------------------

uint32_t dw(const Vec* v, unsigned k) {
    return v->get<uint32_t>(k);
}

uint64_t store_dwords(Args& x, uint32_t d3, uint32_t d2, uint32_t d1, uint32_t d0) {
    Vec r{};
    r.set<uint32_t>(0, d0);
    r.set<uint32_t>(1, d1);
    r.set<uint32_t>(2, d2);
    r.set<uint32_t>(3, d3);
    return store(x, r);
}

uint32_t sha1_f(unsigned kind, uint32_t b, uint32_t c, uint32_t d) {
    switch (kind) {
        case 0:
            return (b & c) ^ (~b & d);
        case 2:
            return (b & c) ^ (b & d) ^ (c & d);
        default:
            return b ^ c ^ d;
    }
}

constexpr uint32_t kSha1K[4] = {0x5a827999, 0x6ed9eba1, 0x8f1bbcdc, 0xca62c1d6};

uint32_t sigma0(uint32_t w) {
    return std::rotr(w, 7) ^ std::rotr(w, 18) ^ (w >> 3);
}
uint32_t sigma1(uint32_t w) {
    return std::rotr(w, 17) ^ std::rotr(w, 19) ^ (w >> 10);
}

}  // namespace

uint64_t aesenc(Args& x) {
    return aes_round<encrypt_round>(x);
}
uint64_t aesenclast(Args& x) {
    return aes_round<encrypt_last_round>(x);
}
uint64_t aesdec(Args& x) {
    return aes_round<decrypt_round>(x);
}
uint64_t aesdeclast(Args& x) {
    return aes_round<decrypt_last_round>(x);
}

uint64_t aesimc(Args& x) {
    Block s;
    std::memcpy(s.data(), x.b->b, 16);
    s = mix_columns(s, kInverseMix);
    Vec r{};
    std::memcpy(r.b, s.data(), 16);
    return store(x, r);
}

// The key schedule's SubWord and RotWord on dwords 1 and 3 of b, with RCON = imm.
uint64_t aeskeygenassist(Args& x) {
    const uint32_t x1 = sub_word(dw(x.b, 1)), x3 = sub_word(dw(x.b, 3)), rcon = x.imm;
    return store_dwords(x, std::rotr(x3, 8) ^ rcon, x3, std::rotr(x1, 8) ^ rcon, x1);
}

// Per lane: quadword imm[0] of a times quadword imm[4] of b, without carries.
uint64_t pclmulqdq(Args& x) {
    Vec r{};
    for (unsigned lane = 0; lane * 16 < x.bytes; ++lane) {
        const uint64_t m = x.a->get<uint64_t>(2 * lane + (x.imm & 1));
        const uint64_t n = x.b->get<uint64_t>(2 * lane + ((x.imm >> 4) & 1));
        uint64_t lo = 0, hi = 0;
        for (unsigned i = 0; i < 64; ++i)
            if ((n >> i) & 1) {
                lo ^= m << i;
                if (i) hi ^= m >> (64 - i);
            }
        r.set<uint64_t>(2 * lane, lo);
        r.set<uint64_t>(2 * lane + 1, hi);
    }
    return store(x, r);
}

// Four SHA-1 rounds: state A..D in a (A highest), W0+E and W1..W3 in b, f and K by imm[1:0].
uint64_t sha1rnds4(Args& x) {
    const unsigned kind = x.imm & 3;
    uint32_t a = dw(x.a, 3), b = dw(x.a, 2), c = dw(x.a, 1), d = dw(x.a, 0), e = 0;
    for (unsigned i = 0; i < 4; ++i) {
        const uint32_t next =
            sha1_f(kind, b, c, d) + std::rotl(a, 5) + dw(x.b, 3 - i) + e + kSha1K[kind];
        e = d;
        d = c;
        c = std::rotl(b, 30);
        b = a;
        a = next;
    }
    return store_dwords(x, a, b, c, d);
}

uint64_t sha1nexte(Args& x) {
    return store_dwords(x, dw(x.b, 3) + std::rotl(dw(x.a, 3), 30), dw(x.b, 2), dw(x.b, 1),
                        dw(x.b, 0));
}

// W0..W3 are a's dwords from the top, W4 and W5 b's top two.
uint64_t sha1msg1(Args& x) {
    return store_dwords(x, dw(x.a, 1) ^ dw(x.a, 3), dw(x.a, 0) ^ dw(x.a, 2),
                        dw(x.b, 3) ^ dw(x.a, 1), dw(x.b, 2) ^ dw(x.a, 0));
}

uint64_t sha1msg2(Args& x) {
    const uint32_t w16 = std::rotl(dw(x.a, 3) ^ dw(x.b, 2), 1);
    const uint32_t w17 = std::rotl(dw(x.a, 2) ^ dw(x.b, 1), 1);
    const uint32_t w18 = std::rotl(dw(x.a, 1) ^ dw(x.b, 0), 1);
    const uint32_t w19 = std::rotl(dw(x.a, 0) ^ w16, 1);
    return store_dwords(x, w16, w17, w18, w19);
}

// Two SHA-256 rounds: A, B, E, F in b and C, D, G, H in a (highest first), the two
// message-plus-constant words in the mask register's low quadword.
uint64_t sha256rnds2(Args& x) {
    uint32_t a = dw(x.b, 3), b = dw(x.b, 2), e = dw(x.b, 1), f = dw(x.b, 0);
    uint32_t c = dw(x.a, 3), d = dw(x.a, 2), g = dw(x.a, 1), h = dw(x.a, 0);
    for (unsigned i = 0; i < 2; ++i) {
        const uint32_t ch = (e & f) ^ (~e & g), maj = (a & b) ^ (a & c) ^ (b & c);
        const uint32_t big_sigma1 = std::rotr(e, 6) ^ std::rotr(e, 11) ^ std::rotr(e, 25);
        const uint32_t big_sigma0 = std::rotr(a, 2) ^ std::rotr(a, 13) ^ std::rotr(a, 22);
        const uint32_t t1 = ch + big_sigma1 + dw(x.c, i) + h;
        h = g;
        g = f;
        f = e;
        e = t1 + d;
        d = c;
        c = b;
        b = a;
        a = t1 + maj + big_sigma0;
    }
    return store_dwords(x, a, b, e, f);
}

uint64_t sha256msg1(Args& x) {
    return store_dwords(x, dw(x.a, 3) + sigma0(dw(x.b, 0)), dw(x.a, 2) + sigma0(dw(x.a, 3)),
                        dw(x.a, 1) + sigma0(dw(x.a, 2)), dw(x.a, 0) + sigma0(dw(x.a, 1)));
}

uint64_t sha256msg2(Args& x) {
    const uint32_t w16 = dw(x.a, 0) + sigma1(dw(x.b, 2));
    const uint32_t w17 = dw(x.a, 1) + sigma1(dw(x.b, 3));
    const uint32_t w18 = dw(x.a, 2) + sigma1(w16);
    const uint32_t w19 = dw(x.a, 3) + sigma1(w17);
    return store_dwords(x, w19, w18, w17, w16);
}

}  // namespace kemu::x86::simd
