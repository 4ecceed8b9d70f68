// Operand values at the edges of 8-, 16-, 32- and 64-bit arithmetic, shift counts around 32
// and 64, and two irregular patterns: what the IR and backend tests feed every op.
#pragma once

#include <cstdint>

namespace kemu::tcg {

inline constexpr uint64_t kEdges[] = {0,
                                      1,
                                      2,
                                      31,
                                      32,
                                      33,
                                      63,
                                      64,
                                      0x7f,
                                      0x80,
                                      0xff,
                                      0x7fff,
                                      0x8000,
                                      0xffff,
                                      0x7fffffff,
                                      0x80000000,
                                      0xffffffff,
                                      0x100000000,
                                      0x7fffffffffffffff,
                                      0x8000000000000000,
                                      ~0ull,
                                      0x123456789abcdef0,
                                      0xfedcba9876543210};

}  // namespace kemu::tcg
