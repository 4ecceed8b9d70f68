#include "tests/unit/tcg/backend_harness.h"

#include <gtest/gtest.h>

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "tcg/backend_x86_64.h"
#include "tcg/code_buffer.h"
#include "tcg/interpreter.h"
#include "tcg/vfp.h"

namespace kemu::tcg::backend_test {

namespace {

// What the fake guest_load/guest_store see and count: the run's guest memory, the
// target's TLB layout and the run's outcome.
std::array<uint8_t, kGuestBytes>* g_guest = nullptr;
const TlbLayout* g_tlb = nullptr;
Outcome* g_outcome = nullptr;

TestEnv& as_env(void* env) {
    return *static_cast<TestEnv*>(env);
}

// A helper's or slow path's arguments, and the status word and env vectors as it sees them
// (JIT code must settle pending MXCSR flags and store the vectors it holds before it calls
// out).
void trace(void* env, uint64_t v) {
    TestEnv& e = as_env(env);
    uint64_t vectors = 0;
    for (unsigned i = 0; i < sizeof e.vec; i += 8) {
        uint64_t word;
        std::memcpy(&word, &e.vec[0][0] + i, 8);
        vectors = (vectors ^ word) * 0x9e3779b97f4a7c15ull;
    }
    e.trace = (e.trace * 0x100000001b3ull + v + vectors) ^ e.fp_status;
}

uint64_t read_u64(const uint8_t* p) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    return v;
}

void write_u64(uint8_t* p, uint64_t v) {
    std::memcpy(p, &v, 8);
}

uint8_t* tlb_entry(void* env, const TlbLayout& t, unsigned mmu, unsigned index) {
    return static_cast<uint8_t*>(env) + t.offset + mmu * t.mmu_stride + index * t.entry_size;
}

// The softmmu fast path as target-x86/tcg/softmmu.cpp has it: the host address of an
// access whose page's tag is plain and which stays within the page, else null.
uint8_t* tlb_hit(void* env, uint64_t addr, MemOp mop, bool write) {
    const TlbLayout& t = *g_tlb;
    if (!t.present) return nullptr;
    const uint64_t page = 1ull << t.page_bits;
    const unsigned index = unsigned(addr >> t.page_bits) & (t.entries - 1);
    const uint8_t* e = tlb_entry(env, t, mop.mmu_idx(), index);
    const uint64_t tag = read_u64(e + (write ? t.write_tag : t.read_tag));
    if (tag != (addr & ~(page - 1)) || (addr & (page - 1)) + mop.size() > page) return nullptr;
    if (addr & (mop.alignment() - 1)) return nullptr;  // the target's fault, on its slow path
    return reinterpret_cast<uint8_t*>(addr + read_u64(e + t.addend));
}

// What a callee may do to the host's vector registers (SysV keeps none of them): every
// function JIT code calls here sets all of them, whole, so a value the JIT's vector cache
// kept in one across a call without saving it shows.
void clobber_host_vectors() {
#if defined(__x86_64__)
    static const bool avx = __builtin_cpu_supports("avx");
    // clang-format off
#define KEMU_EACH_VECTOR(f) f(0) f(1) f(2) f(3) f(4) f(5) f(6) f(7) \
                            f(8) f(9) f(10) f(11) f(12) f(13) f(14) f(15)
#define KEMU_YMM_ONES(n) "vpcmpeqd %%ymm" #n ", %%ymm" #n ", %%ymm" #n "\n\t"
#define KEMU_XMM_ONES(n) "pcmpeqd %%xmm" #n ", %%xmm" #n "\n\t"
#define KEMU_CLOBBERS "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", \
                      "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15"
    if (avx)
        asm volatile(KEMU_EACH_VECTOR(KEMU_YMM_ONES) "vzeroupper" ::: KEMU_CLOBBERS);
    else
        asm volatile(KEMU_EACH_VECTOR(KEMU_XMM_ONES) ::: KEMU_CLOBBERS);
#undef KEMU_EACH_VECTOR
#undef KEMU_YMM_ONES
#undef KEMU_XMM_ONES
#undef KEMU_CLOBBERS
        // clang-format on
#endif
}

uint64_t extend(uint64_t v, MemOp mop) {
    if (!mop.sign() || mop.size() == 8) return v;
    const unsigned shift = 64 - 8 * mop.size();
    return uint64_t(int64_t(v << shift) >> shift);
}

// A TLB hit reads host memory; a miss wraps in the guest array, and also reads global g5
// from env, so a backend that has not written g5 home before the call is caught.
uint64_t fake_load(void* env, uint64_t addr, uint32_t memop) {
    const MemOp mop{memop};
    g_outcome->calls++;
    clobber_host_vectors();
    uint64_t v = 0;
    if (const uint8_t* host = tlb_hit(env, addr, mop, false)) {
        std::memcpy(&v, host, mop.size());
        return extend(v, mop);
    }
    g_outcome->misses++;
    for (unsigned i = 0; i < mop.size(); i++)
        v |= uint64_t((*g_guest)[(addr + i) % kGuestBytes]) << (8 * i);
    trace(env, addr ^ memop);
    return extend(v, mop) + as_env(env).g[5];
}

void fake_store(void* env, uint64_t addr, uint64_t value, uint32_t memop) {
    const MemOp mop{memop};
    g_outcome->calls++;
    clobber_host_vectors();
    if (uint8_t* host = tlb_hit(env, addr, mop, true)) {
        std::memcpy(host, &value, mop.size());
        return;
    }
    g_outcome->misses++;
    for (unsigned i = 0; i < mop.size(); i++)
        (*g_guest)[(addr + i) % kGuestBytes] = uint8_t(value >> (8 * i));
    trace(env, addr + 3 * value + memop);
}

// The vector forms: a TLB hit copies host memory; a miss wraps in the guest array and, for
// a load, mixes g5 into the first bytes, as fake_load does.
void fake_load_vector(void* env, uint64_t addr, uint32_t memop, uint32_t env_offset) {
    const MemOp mop{memop};
    g_outcome->calls++;
    clobber_host_vectors();
    uint8_t* dst = static_cast<uint8_t*>(env) + env_offset;
    if (const uint8_t* host = tlb_hit(env, addr, mop, false)) {
        std::memcpy(dst, host, mop.size());
        return;
    }
    g_outcome->misses++;
    for (unsigned i = 0; i < mop.size(); i++)
        dst[i] = (*g_guest)[(addr + i) % kGuestBytes];
    write_u64(dst, read_u64(dst) + as_env(env).g[5]);
    trace(env, addr ^ memop ^ env_offset);
}

void fake_store_vector(void* env, uint64_t addr, uint32_t memop, uint32_t env_offset) {
    const MemOp mop{memop};
    g_outcome->calls++;
    clobber_host_vectors();
    const uint8_t* src = static_cast<const uint8_t*>(env) + env_offset;
    if (uint8_t* host = tlb_hit(env, addr, mop, true)) {
        std::memcpy(host, src, mop.size());
        return;
    }
    g_outcome->misses++;
    for (unsigned i = 0; i < mop.size(); i++)
        (*g_guest)[(addr + i) % kGuestBytes] = src[i];
    trace(env, addr + memop + env_offset);
}

// Writes the machine's TLB into env in the target's layout, each entry's addend pointing
// its page at the bytes of this run's guest memory the slow path wraps it to.
void install_tlb(Outcome& o, const TlbLayout& t) {
    g_tlb = &t;
    if (!t.present) return;
    for (unsigned mmu = 0; mmu < kMmuCount; mmu++)
        for (unsigned i = 0; i < kTlbEntries; i++) {
            const FakeTlbEntry& entry = o.machine.tlb[mmu][i];
            uint8_t* e = tlb_entry(&o.machine.env, t, mmu, i);
            const auto host =
                reinterpret_cast<uintptr_t>(&o.machine.guest[entry.page % kGuestBytes]);
            write_u64(e + t.read_tag, entry.read_tag);
            write_u64(e + t.write_tag, entry.write_tag);
            write_u64(e + t.addend, uint64_t(host) - entry.page);
        }
}

// The TLB layouts of the fake target (fields in a different order from x86's, and MMU
// tables not back to back in the power-of-two one).
constexpr TlbLayout kPowerOfTwoTlb{
    offsetof(TestEnv, tlb), (kTlbEntries + 1) * 32, 32, kTlbEntries, kPageBits, 16, 8, 0, true};
constexpr TlbLayout kOddTlb{
    offsetof(TestEnv, tlb), kTlbEntries * 24, 24, kTlbEntries, kPageBits, 0, 8, 16, true};

uint64_t helper_mix(void* env, uint64_t a, uint64_t b, uint64_t c, uint64_t d) {
    TestEnv& e = as_env(env);
    e.g[3] += a;
    return a * 3 + b * 5 + c * 7 + d * 11 + e.g[2];
}
uint64_t helper_pure(void*, uint64_t a, uint64_t b, uint64_t c, uint64_t d) {
    return a ^ (b << 1) ^ (c << 2) ^ (d << 3);
}
uint64_t helper_trace(void* env, uint64_t a, uint64_t b, uint64_t c, uint64_t d) {
    trace(env, a + 2 * b + 4 * c + 8 * d);
    return ~a;
}
uint64_t helper_clobber(void* env, uint64_t a, uint64_t b, uint64_t c, uint64_t d) {
    TestEnv& e = as_env(env);
    e.g[0] = a + b;
    e.g[1] = ~c;
    return d;
}

uint64_t helper_paddd(void* env, uint64_t a, uint64_t b, uint64_t, uint64_t) {
    clobber_host_vectors();
    TestEnv& e = as_env(env);
    a &= 1, b &= 1;  // the random programs call every helper with any arguments
    for (unsigned lane = 0; lane < 4; lane++) {
        uint32_t x, y;
        std::memcpy(&x, e.vec[a] + 4 * lane, 4);
        std::memcpy(&y, e.vec[b] + 4 * lane, 4);
        x += y;
        std::memcpy(e.vec[a] + 4 * lane, &x, 4);
    }
    return 0;
}

constexpr GlobalInfo kGlobalInfo[kGlobals] = {
    {"g0", kGlobalOffset + 0, Type::I64},  {"g1", kGlobalOffset + 8, Type::I64},
    {"g2", kGlobalOffset + 16, Type::I64}, {"g3", kGlobalOffset + 24, Type::I64},
    {"g4", kGlobalOffset + 32, Type::I32}, {"g5", kGlobalOffset + 40, Type::I64},
    {"g6", kGlobalOffset + 48, Type::I32}, {"g7", kGlobalOffset + 56, Type::I64},
};
constexpr HelperInfo kHelperInfo[kHelperCount] = {
    {"mix", helper_mix, 0},
    {"pure", helper_pure, kHelperNoGlobals | kHelperPure},
    {"trace", helper_trace, kHelperNoGlobals},
    {"clobber", helper_clobber, 0},
    {"paddd", helper_paddd, kHelperNoGlobals},
};

CodeBuffer& code_buffer() {
    static CodeBuffer buf = [] {
        Result<CodeBuffer> b = CodeBuffer::create(16 << 20);
        if (!b) {
            ADD_FAILURE() << b.error().message();
            std::abort();
        }
        return std::move(b.value());
    }();
    return buf;
}

std::string hex(uint64_t v) {
    char s[24];
    std::snprintf(s, sizeof s, "%#" PRIx64, v);
    return s;
}

}  // namespace

const TargetInfo& test_target(TlbShape shape) {
    static const auto make = [](TlbLayout tlb) {
        TargetInfo t{kGlobalInfo,
                     kHelperInfo,
                     offsetof(TestEnv, scratch),
                     kScratchSlots,
                     offsetof(TestEnv, insn_index),
                     fake_load,
                     fake_store,
                     fake_load_vector,
                     fake_store_vector,
                     tlb};
        t.fp_status_offset = offsetof(TestEnv, fp_status);
        t.fp_unsettled_offset = offsetof(TestEnv, fp_unsettled);
        return t;
    };
    static const TargetInfo absent = make(TlbLayout{});
    static const TargetInfo power_of_two = make(kPowerOfTwoTlb);
    static const TargetInfo odd = make(kOddTlb);
    switch (shape) {
        case TlbShape::Absent:
            return absent;
        case TlbShape::PowerOfTwo:
            return power_of_two;
        case TlbShape::Odd:
            return odd;
    }
    return absent;
}

// vfp ops OR the host's MXCSR flags into the guest's, which a vCPU keeps a subset of the
// guest's: each run starts with them clear.
void clear_host_fp_flags() {
#if defined(__x86_64__)
    uint32_t csr = 0x1f80;
    asm volatile("ldmxcsr %0" : : "m"(csr));
#endif
}

Outcome run_interpreter(const Function& f, const Machine& init) {
    Outcome o{init, BlockExit::Exit};
    clear_host_fp_flags();
    InterpCode code;
    EXPECT_TRUE(code.compile(f));
    g_guest = &o.machine.guest;
    g_outcome = &o;
    install_tlb(o, f.target().tlb);
    o.exit = code.run(&o.machine.env);
    return o;
}

Outcome run_backend(const Function& f, const Machine& init, bool sse_only) {
    Outcome o{init, BlockExit::Exit};
    static X86Backend host_backend;
    static X86Backend sse_backend(false);
    X86Backend& backend = sse_only ? sse_backend : host_backend;
    CompiledBlock block;
    CodeBuffer& buf = code_buffer();
    if (buf.full()) buf.reset();
    if (!backend.compile(f, buf, block)) {
        ADD_FAILURE() << "x86 backend failed to compile\n" << format_function(f);
        return o;
    }
    g_guest = &o.machine.guest;
    g_outcome = &o;
    install_tlb(o, f.target().tlb);
    clear_host_fp_flags();
    clobber_host_vectors();  // nothing cached may be taken from before the block
    o.exit = block.run(&o.machine.env);
    TestEnv& env = o.machine.env;  // as the vCPU does after JIT code
    if (env.fp_unsettled) settle_host_fp_flags(env.fp_unsettled, env.fp_status);
    return o;
}

namespace {

// Vector ops the JIT emits differently without AVX; none 256 bits wide, as a frontend emits
// none on such a host.
bool sse_variant_applies(const Function& f) {
    bool vectors = false;
    for (const Op& op : f.ops()) {
        if (op.opc == Opc::host_simd && f.host_simd(op.constant(1)).width == 32) return false;
        vectors = vectors || op.opc == Opc::host_simd || op.opc == Opc::vfp ||
                  op.opc == Opc::vmov || op.opc == Opc::guest_ld_vec || op.opc == Opc::guest_st_vec;
    }
    return vectors;
}

std::string compare_backend(const Function& f, const Machine& init, const Outcome& ref,
                            bool sse_only) {
    const Outcome jit = run_backend(f, init, sse_only);
    std::string diff;
    if (ref.exit != jit.exit)
        diff += "exit: interpreter " + std::to_string(int(ref.exit)) + ", backend " +
                std::to_string(int(jit.exit)) + "\n";
    const auto* a = reinterpret_cast<const uint8_t*>(&ref.machine.env);
    const auto* b = reinterpret_cast<const uint8_t*>(&jit.machine.env);
    for (size_t off = 0; off < kComparedBytes; off += 8) {
        uint64_t va, vb;
        std::memcpy(&va, a + off, 8);
        std::memcpy(&vb, b + off, 8);
        if (va != vb)
            diff += "env+" + std::to_string(off) + ": interpreter " + hex(va) + ", backend " +
                    hex(vb) + "\n";
    }
    if (ref.machine.guest != jit.machine.guest) diff += "guest memory differs\n";
    if (jit.misses != ref.misses)
        diff += "TLB misses: interpreter " + std::to_string(ref.misses) + ", backend " +
                std::to_string(jit.misses) + "\n";
    const unsigned calls = f.target().tlb.present ? ref.misses : ref.calls;
    if (jit.calls != calls)
        diff += "backend called guest_load/guest_store " + std::to_string(jit.calls) +
                " times, expected " + std::to_string(calls) + "\n";
    if (!diff.empty()) diff = (sse_only ? "(without AVX)\n" : "") + diff + format_function(f);
    return diff;
}

}  // namespace

std::string compare_runs(const Function& f, const Machine& init, Outcome* reference) {
    const Outcome ref = run_interpreter(f, init);
    if (reference) *reference = ref;
    std::string diff = compare_backend(f, init, ref, false);
    if (diff.empty() && sse_variant_applies(f)) diff = compare_backend(f, init, ref, true);
    return diff;
}

}  // namespace kemu::tcg::backend_test
