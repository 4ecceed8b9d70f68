// The SIMD state instructions: LDMXCSR, STMXCSR, FXSAVE/FXRSTOR, XSAVE/XSAVEOPT/XSAVEC/XRSTOR,
// EMMS, and the x87 view MMX instructions switch to. Layouts: SDM vol. 1 10.5.1 (FXSAVE,
// tables 10-2 and 10-3) and chapter 13 (XSAVE area: legacy region, header, AVX component).
#include "target-x86/tcg/simd_state.h"
#include "tcg/vfp.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "target-x86/tcg/cpu_mode.h"
#include "target-x86/tcg/exceptions.h"
#include "target-x86/tcg/guest_bytes.h"
#include "target-x86/tcg/x87_host.h"

namespace kemu::x86 {

namespace {

CpuEnv& E(void* env) {
    return *static_cast<CpuEnv*>(env);
}

[[noreturn]] void raise(void* env, uint8_t vector, std::optional<uint32_t> code = std::nullopt) {
    runtime(env).raise(vector, code);
    __builtin_unreachable();
}

constexpr unsigned kLegacyBytes = 512;
constexpr unsigned kHeaderBytes = 64;
constexpr unsigned kAvxOffset = kLegacyBytes + kHeaderBytes;  // 576, standard and compacted alike
constexpr unsigned kAvxBytes = 256;
constexpr unsigned kXsaveBytes = kAvxOffset + kAvxBytes;
constexpr uint64_t kXcompCompacted = 1ull << 63;
enum Component : uint64_t { kX87 = 1, kSse = 2, kAvx = 4 };

template <class T>
void put(uint8_t* p, T v) {
    std::memcpy(p, &v, sizeof v);
}
template <class T>
T take(const uint8_t* p) {
    T v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

// XMM8-15 exist in 64-bit mode only (SDM vol. 1 10.5.1.1).
unsigned xmm_count(const X86CpuState& s) {
    return code64(s) ? 16 : 8;
}

// FIP/FDP: 64-bit offsets in the REX.W format, 32-bit offsets with zero selectors otherwise.
void save_x87(const FpuState& f, bool wide, uint8_t* p) {
    put<uint16_t>(p + 0, f.fcw);
    put<uint16_t>(p + 2, f.fsw);
    p[4] = f.ftw;
    put<uint16_t>(p + 6, f.fop);
    if (wide) {
        put<uint64_t>(p + 8, f.fip);
        put<uint64_t>(p + 16, f.fdp);
    } else {
        put<uint32_t>(p + 8, uint32_t(f.fip));
        put<uint32_t>(p + 16, uint32_t(f.fdp));
    }
    for (unsigned i = 0; i < 8; i++) {
        std::memcpy(p + 32 + 16 * i, f.st[i].data(), 10);
        std::memset(p + 32 + 16 * i + 10, 0, 6);
    }
}

void load_x87(FpuState& f, bool wide, const uint8_t* p) {
    f.fcw = take<uint16_t>(p + 0);
    f.fsw = take<uint16_t>(p + 2);
    f.ftw = p[4];
    f.fop = take<uint16_t>(p + 6) & 0x7ff;
    f.fip = wide ? take<uint64_t>(p + 8) : take<uint32_t>(p + 8);
    f.fdp = wide ? take<uint64_t>(p + 16) : take<uint32_t>(p + 16);
    for (unsigned i = 0; i < 8; i++) {
        std::memcpy(f.st[i].data(), p + 32 + 16 * i, 10);
        std::fill(f.st[i].begin() + 10, f.st[i].end(), 0);
    }
}

void init_x87(FpuState& f) {
    f.fcw = 0x37f;
    f.fsw = 0;
    f.ftw = 0;
    f.fop = 0;
    f.fip = f.fdp = 0;
    for (auto& r : f.st)
        r.fill(0);
}

void save_mxcsr(const FpuState& f, uint8_t* p) {
    put<uint32_t>(p + 24, f.mxcsr);
    put<uint32_t>(p + 28, kMxcsrMask);
}

void save_xmm(const X86CpuState& s, uint8_t* p) {
    for (unsigned i = 0; i < xmm_count(s); i++)
        std::memcpy(p + 160 + 16 * i, s.fpu.ymm[i].data(), 16);
}

void load_xmm(X86CpuState& s, const uint8_t* p) {
    for (unsigned i = 0; i < xmm_count(s); i++)
        std::memcpy(s.fpu.ymm[i].data(), p + 160 + 16 * i, 16);
}

void init_xmm(X86CpuState& s) {
    for (unsigned i = 0; i < xmm_count(s); i++)
        std::fill_n(s.fpu.ymm[i].begin(), 16, 0);
}

void save_avx(const X86CpuState& s, uint8_t* p) {
    for (unsigned i = 0; i < xmm_count(s); i++)
        std::memcpy(p + kAvxOffset + 16 * i, s.fpu.ymm[i].data() + 16, 16);
}

void load_avx(X86CpuState& s, const uint8_t* p) {
    for (unsigned i = 0; i < xmm_count(s); i++)
        std::memcpy(s.fpu.ymm[i].data() + 16, p + kAvxOffset + 16 * i, 16);
}

void init_avx(X86CpuState& s) {
    for (unsigned i = 0; i < xmm_count(s); i++)
        std::fill(s.fpu.ymm[i].begin() + 16, s.fpu.ymm[i].end(), 0);
}

uint32_t checked_mxcsr(void* env, uint32_t value) {
    if (value & ~kMxcsrMask) raise(env, vec::GP, 0);
    return value;
}

void check_alignment(void* env, uint64_t linear, uint64_t align) {
    if (linear & (align - 1)) raise(env, vec::GP, 0);
}

}  // namespace

void mmx_enter(CpuEnv& e) {
    x87::leave_live(e);
    FpuState& f = e.s.fpu;
    unsigned top = (f.fsw >> 11) & 7;
    if (top) {
        // st[] is in ST(i) order; with TOP = 0 slot i becomes physical register Ri.
        std::rotate(f.st.begin(), f.st.begin() + ((8 - top) & 7), f.st.end());
        f.fsw &= ~(7u << 11);
    }
    f.ftw = 0xff;
}

uint64_t helper_ldmxcsr(void* env, uint64_t value, uint64_t, uint64_t, uint64_t) {
    E(env).s.fpu.mxcsr = checked_mxcsr(env, uint32_t(value));
    tcg::trim_host_fp_flags(E(env).s.fpu.mxcsr);
    return 0;
}

uint64_t helper_mmx_enter(void* env, uint64_t, uint64_t, uint64_t, uint64_t) {
    mmx_enter(E(env));
    return 0;
}

uint64_t helper_emms(void* env, uint64_t, uint64_t, uint64_t, uint64_t) {
    x87::leave_live(E(env));
    E(env).s.fpu.ftw = 0;
    return 0;
}

// (linear address, REX.W)
uint64_t helper_fxsave(void* env, uint64_t linear, uint64_t wide, uint64_t, uint64_t) {
    x87::leave_live(E(env));
    check_alignment(env, linear, 16);
    const X86CpuState& s = E(env).s;
    std::array<uint8_t, kLegacyBytes> img{};
    read_guest_bytes(env, linear, img.data(), kLegacyBytes);  // keeps the reserved bytes
    save_x87(s.fpu, wide, img.data());
    save_mxcsr(s.fpu, img.data());
    save_xmm(s, img.data());
    write_guest_bytes(env, linear, img.data(), kLegacyBytes);
    return 0;
}

uint64_t helper_fxrstor(void* env, uint64_t linear, uint64_t wide, uint64_t, uint64_t) {
    x87::leave_live(E(env));
    check_alignment(env, linear, 16);
    std::array<uint8_t, kLegacyBytes> img;
    read_guest_bytes(env, linear, img.data(), kLegacyBytes);
    uint32_t mxcsr = checked_mxcsr(env, take<uint32_t>(img.data() + 24));
    X86CpuState& s = E(env).s;
    load_x87(s.fpu, wide, img.data());
    s.fpu.mxcsr = mxcsr;
    tcg::trim_host_fp_flags(mxcsr);
    load_xmm(s, img.data());
    return 0;
}

// (linear address, instruction mask EDX:EAX, REX.W | compacted << 1). XSAVEOPT may skip
// unmodified components, so saving them all is a valid XSAVEOPT. Every component counts
// as in use (XINUSE = 1), which the SDM allows.
uint64_t helper_xsave(void* env, uint64_t linear, uint64_t mask, uint64_t form, uint64_t) {
    x87::leave_live(E(env));
    check_alignment(env, linear, 64);
    const X86CpuState& s = E(env).s;
    const bool wide = form & 1, compacted = form & 2;
    const uint64_t rfbm = mask & s.fpu.xcr0;
    std::array<uint8_t, kXsaveBytes> img;
    read_guest_bytes(env, linear, img.data(), kXsaveBytes);
    if (rfbm & kX87) save_x87(s.fpu, wide, img.data());
    if (rfbm & (kSse | kAvx)) save_mxcsr(s.fpu, img.data());
    if (rfbm & kSse) save_xmm(s, img.data());
    if (rfbm & kAvx) save_avx(s, img.data());
    uint8_t* header = img.data() + kLegacyBytes;
    uint64_t xstate_bv = take<uint64_t>(header);
    if (compacted) {
        xstate_bv = rfbm;
        put<uint64_t>(header + 8, kXcompCompacted | rfbm);
    } else {
        xstate_bv |= rfbm;
    }
    put<uint64_t>(header, xstate_bv);
    // Only the components RFBM names are written; the AVX area only when it is one.
    const unsigned bytes = (rfbm & kAvx) ? kXsaveBytes : kLegacyBytes + kHeaderBytes;
    write_guest_bytes(env, linear, img.data(), bytes);
    return 0;
}

// (linear address, instruction mask EDX:EAX, REX.W). The form (standard or compacted)
// comes from the header's XCOMP_BV bit 63 (SDM vol. 1 13.8).
uint64_t helper_xrstor(void* env, uint64_t linear, uint64_t mask, uint64_t wide, uint64_t) {
    x87::leave_live(E(env));
    check_alignment(env, linear, 64);
    X86CpuState& s = E(env).s;
    const uint64_t xcr0 = s.fpu.xcr0, rfbm = mask & xcr0;
    std::array<uint8_t, kLegacyBytes + kHeaderBytes> img;
    read_guest_bytes(env, linear, img.data(), img.size());
    const uint8_t* header = img.data() + kLegacyBytes;
    const uint64_t xstate_bv = take<uint64_t>(header), xcomp_bv = take<uint64_t>(header + 8);
    const bool compacted = xcomp_bv & kXcompCompacted;
    const bool reserved_clear =
        std::all_of(header + 16, header + kHeaderBytes, [](uint8_t b) { return b == 0; });
    if (!reserved_clear || (xstate_bv & ~xcr0)) raise(env, vec::GP, 0);
    if (!compacted && xcomp_bv) raise(env, vec::GP, 0);
    if (compacted && ((xcomp_bv & ~kXcompCompacted & ~xcr0) || (xstate_bv & ~xcomp_bv)))
        raise(env, vec::GP, 0);

    const uint64_t load = rfbm & xstate_bv;
    const bool mxcsr_from_memory = compacted ? (load & kSse) : (rfbm & (kSse | kAvx));
    uint32_t mxcsr = mxcsr_from_memory ? checked_mxcsr(env, take<uint32_t>(img.data() + 24))
                     : (rfbm & kSse)   ? kMxcsrDefault
                                       : s.fpu.mxcsr;
    std::array<uint8_t, kXsaveBytes> avx_img;
    if (load & kAvx)
        read_guest_bytes(env, linear + kAvxOffset, avx_img.data() + kAvxOffset, kAvxBytes);

    // Nothing faults from here on: the state changes all at once.
    if (rfbm & kX87) (load & kX87) ? load_x87(s.fpu, wide, img.data()) : init_x87(s.fpu);
    if (rfbm & kSse) (load & kSse) ? load_xmm(s, img.data()) : init_xmm(s);
    if (rfbm & kAvx) (load & kAvx) ? load_avx(s, avx_img.data()) : init_avx(s);
    s.fpu.mxcsr = mxcsr;
    tcg::trim_host_fp_flags(mxcsr);
    return 0;
}

}  // namespace kemu::x86
