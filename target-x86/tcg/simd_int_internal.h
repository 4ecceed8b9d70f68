// Shared by the integer vector handlers (simd_int.cpp, simd_int_crypto.cpp,
// simd_int_strings.cpp): lane loops that honour Args, and the handlers defined outside
// simd_int.cpp so that its table can name them.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>

#include "target-x86/tcg/simd.h"

namespace kemu::x86::simd {

// The RFLAGS arithmetic bits handlers return.
inline constexpr uint64_t kCF = 1u << 0, kPF = 1u << 2, kAF = 1u << 4, kZF = 1u << 6, kSF = 1u << 7,
                          kOF = 1u << 11;

// dst may alias a source, so results are built in a local Vec and copied out here.
inline uint64_t store(Args& x, const Vec& r) {
    std::memcpy(x.dst->b, r.b, x.bytes);
    return 0;
}

template <class T>
unsigned lanes(const Args& x) {
    return x.bytes / sizeof(T);
}

// The SDM's "per 128-bit lane": MMX registers are one 8-byte lane.
inline unsigned lane_bytes(const Args& x) {
    return std::min<unsigned>(x.bytes, 16);
}

template <class T>
T saturate(int64_t v) {
    return static_cast<T>(
        std::clamp<int64_t>(v, std::numeric_limits<T>::min(), std::numeric_limits<T>::max()));
}

// dst[i] = F(a[i], b[i]) for every T-sized element.
template <class T, auto F>
uint64_t zip(Args& x) {
    Vec r{};
    for (unsigned i = 0; i < lanes<T>(x); ++i)
        r.set<T>(i, static_cast<T>(F(x.a->get<T>(i), x.b->get<T>(i))));
    return store(x, r);
}

// dst[i] = F(b[i]): the one-source forms read b.
template <class T, auto F>
uint64_t unary(Args& x) {
    Vec r{};
    for (unsigned i = 0; i < lanes<T>(x); ++i)
        r.set<T>(i, static_cast<T>(F(x.b->get<T>(i))));
    return store(x, r);
}

// The 128-bit AES, SHA and carry-less multiply rounds.
uint64_t aesenc(Args& x);
uint64_t aesenclast(Args& x);
uint64_t aesdec(Args& x);
uint64_t aesdeclast(Args& x);
uint64_t aesimc(Args& x);
uint64_t aeskeygenassist(Args& x);
uint64_t pclmulqdq(Args& x);
uint64_t sha1rnds4(Args& x);
uint64_t sha1nexte(Args& x);
uint64_t sha1msg1(Args& x);
uint64_t sha1msg2(Args& x);
uint64_t sha256rnds2(Args& x);
uint64_t sha256msg1(Args& x);
uint64_t sha256msg2(Args& x);

// SSE4.2 string compares.
uint64_t pcmpestri(Args& x);
uint64_t pcmpestrm(Args& x);
uint64_t pcmpistri(Args& x);
uint64_t pcmpistrm(Args& x);

}  // namespace kemu::x86::simd
