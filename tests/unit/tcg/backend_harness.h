// Runs one IR Function through the interpreter and through the x86-64 backend from the same
// initial state and compares what they leave behind. The fake target is a plain struct as
// env: globals, plain fields for env loads and stores, a trace the helpers write, the insn
// index and the scratch area (not compared: each backend keeps its locals its own way).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "tcg/exit.h"
#include "tcg/ir.h"

namespace kemu::tcg::backend_test {

inline constexpr unsigned kGlobals = 8;
inline constexpr unsigned kScratchSlots = 64;
inline constexpr unsigned kGuestBytes = 64;

struct TestEnv {
    uint64_t g[kGlobals];
    uint64_t field[4];
    uint64_t trace;  // helpers and guest memory accesses leave their arguments here
    uint32_t insn_index;
    uint32_t pad;
    uint64_t scratch[kScratchSlots];
};
inline constexpr size_t kComparedBytes = offsetof(TestEnv, scratch);
inline constexpr uint32_t kFieldOffset = offsetof(TestEnv, field);
inline constexpr uint32_t kGlobalOffset = offsetof(TestEnv, g);

// Helpers of the fake target, by index.
enum Helper : uint32_t {
    kMix,      // reads and writes globals
    kPure,     // kHelperNoGlobals | kHelperPure
    kTrace,    // kHelperNoGlobals, writes the trace field
    kClobber,  // overwrites globals g0 and g1
    kHelperCount,
};

const TargetInfo& test_target();

struct Machine {
    TestEnv env{};
    std::array<uint8_t, kGuestBytes> guest{};
};

struct Outcome {
    Machine machine;
    BlockExit exit;
};

Outcome run_interpreter(const Function& f, const Machine& init);
Outcome run_backend(const Function& f, const Machine& init);

// Empty when both runs agree; otherwise what differs, followed by the function's text.
std::string compare_runs(const Function& f, const Machine& init);

}  // namespace kemu::tcg::backend_test
