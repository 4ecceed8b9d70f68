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

namespace kemu::tcg::backend_test {

namespace {

// The guest memory the fake guest_load/guest_store see (the run's copy).
std::array<uint8_t, kGuestBytes>* g_guest = nullptr;

TestEnv& as_env(void* env) {
    return *static_cast<TestEnv*>(env);
}

void trace(void* env, uint64_t v) {
    as_env(env).trace = as_env(env).trace * 0x100000001b3ull + v;
}

// Guest accesses wrap in a small array; a load also reads global g5 from env, so a backend
// that has not written g5 home before the call is caught.
uint64_t fake_load(void* env, uint64_t addr, uint32_t memop) {
    const MemOp mop{memop};
    uint64_t v = 0;
    for (unsigned i = 0; i < mop.size(); i++)
        v |= uint64_t((*g_guest)[(addr + i) % kGuestBytes]) << (8 * i);
    if (mop.sign() && mop.size() < 8) {
        const unsigned shift = 64 - 8 * mop.size();
        v = uint64_t(int64_t(v << shift) >> shift);
    }
    trace(env, addr ^ memop);
    return v + as_env(env).g[5];
}

void fake_store(void* env, uint64_t addr, uint64_t value, uint32_t memop) {
    const MemOp mop{memop};
    for (unsigned i = 0; i < mop.size(); i++)
        (*g_guest)[(addr + i) % kGuestBytes] = uint8_t(value >> (8 * i));
    trace(env, addr + 3 * value + memop);
}

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

const TargetInfo& test_target() {
    static const TargetInfo t{kGlobalInfo,
                              kHelperInfo,
                              offsetof(TestEnv, scratch),
                              kScratchSlots,
                              offsetof(TestEnv, insn_index),
                              fake_load,
                              fake_store};
    return t;
}

Outcome run_interpreter(const Function& f, const Machine& init) {
    Outcome o{init, BlockExit::Exit};
    InterpCode code;
    EXPECT_TRUE(code.compile(f));
    g_guest = &o.machine.guest;
    o.exit = code.run(&o.machine.env);
    return o;
}

Outcome run_backend(const Function& f, const Machine& init) {
    Outcome o{init, BlockExit::Exit};
    static X86Backend backend;
    CompiledBlock block;
    CodeBuffer& buf = code_buffer();
    if (buf.full()) buf.reset();
    if (!backend.compile(f, buf, block)) {
        ADD_FAILURE() << "x86 backend failed to compile\n" << format_function(f);
        return o;
    }
    g_guest = &o.machine.guest;
    o.exit = block.run(&o.machine.env);
    return o;
}

std::string compare_runs(const Function& f, const Machine& init) {
    const Outcome ref = run_interpreter(f, init);
    const Outcome jit = run_backend(f, init);
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
    if (!diff.empty()) diff += format_function(f);
    return diff;
}

}  // namespace kemu::tcg::backend_test
