// Random integer instructions for the differential test: every ALU, shift, rotate,
// multiply/divide, bit, exchange, extension, LEA, CMOVcc/SETcc/Jcc, push/pop and
// string form in 8/16/32/64-bit, with operands drawn from edge values, for 64-bit
// code or (mode64 false) 32-bit code. Memory operands
// stay inside the data arena: one base and one index register hold fixed values for
// the whole program and no generated instruction writes them.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "tests/unit/tcg/machine_state.h"
#include "tests/unit/tcg/program.h"

namespace kemu::x86::difftest {

struct HostFeatures {
    bool popcnt = false;
    bool lzcnt = false;
    bool tzcnt = false;
};
HostFeatures host_features();

class InsnGenerator {
  public:
    InsnGenerator(uint64_t seed, HostFeatures features, bool mode64 = true);

    // A fresh initial state (registers, flags) and data arena contents. Call first: the
    // state fixes the base and index registers the following pieces address memory through.
    MachineState initial_state();
    std::vector<uint8_t> initial_data(size_t size);
    // A program of 1..max_pieces random pieces. The generator follows which flags are
    // undefined along the way and defines them before any instruction reads them.
    std::vector<Piece> pieces(unsigned max_pieces);
    // One piece of the named form family (see the kForms table), for targeted tests.
    Piece piece(const char* form);
    static std::vector<const char*> form_names();

    // 0, 1, -1, 0x7f.., 0x80.., small or random, of `size` bytes.
    uint64_t edge_value(unsigned size);

  private:
    friend struct Forms;
    unsigned pick(unsigned n) { return unsigned(rng_() % n); }
    bool coin(unsigned percent) { return pick(100) < percent; }

    std::mt19937_64 rng_;
    HostFeatures features_;
    bool mode64_;
    unsigned base_reg_ = 0, index_reg_ = 0;
    uint16_t undefined_ = 0;
};

}  // namespace kemu::x86::difftest
