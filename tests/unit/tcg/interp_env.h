// The small CPU state block the IR-level tests (interpreter, optimizer) run on: four 64-bit
// globals, the fields the ops under test touch, and scratch space for locals.
#pragma once

#include <cstddef>
#include <cstdint>

#include "tcg/ir.h"

namespace kemu::tcg::interp_test {

struct TestEnv {
    uint64_t g[4];
    uint32_t insn_index;
    uint32_t fp_status;  // vfp flags
    uint64_t field;      // for the env loads and stores
    alignas(16) double vec[2][2];
    uint64_t scratch[64];
};

inline constexpr GlobalInfo kGlobals[] = {
    {"g0", offsetof(TestEnv, g) + 0, Type::I64},
    {"g1", offsetof(TestEnv, g) + 8, Type::I64},
    {"g2", offsetof(TestEnv, g) + 16, Type::I64},
    {"g3", offsetof(TestEnv, g) + 24, Type::I64},
};
inline constexpr TempId G0 = 0, G1 = 1, G2 = 2, G3 = 3;

}  // namespace kemu::tcg::interp_test
