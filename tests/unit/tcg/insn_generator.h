// Random instructions for the differential test: every ALU, shift, rotate,
// multiply/divide, bit, exchange, extension, LEA, CMOVcc/SETcc/Jcc, push/pop and
// string form in 8/16/32/64-bit, MOVBE, CRC32, ADX, BMI1 and BMI2 where the host has
// them, and every SIMD row the decoder has (simd_forms.h), with operands drawn from edge
// values (vector registers and data also from every floating-point class), for 64-bit
// code or (mode64 false) 32-bit code.
// Memory operands stay inside the data arena: one base and one index register hold fixed
// values for the whole program and no generated instruction writes them.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "tests/unit/tcg/arena.h"
#include "tests/unit/tcg/machine_state.h"
#include "tests/unit/tcg/program.h"
#include "tests/unit/tcg/simd_forms.h"

namespace kemu::x86::difftest {

struct HostFeatures {
    bool popcnt = false;
    bool lzcnt = false;
    bool tzcnt = false;
    bool movbe = false;
    bool crc32 = false;  // SSE4.2
    bool adx = false;
    bool bmi1 = false;
    bool bmi2 = false;
};
HostFeatures host_features();
// "popcnt lzcnt ..." for the test log: which optional forms this host can check.
std::string describe(const HostFeatures& f);

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

    // SIMD (simd_pieces.cpp). One instance of a decoder row with random registers, a memory
    // operand in the arena (aligned, or now and then misaligned to check #GP) and immediate.
    Piece simd_piece(const SimdTemplate& t);
    Piece random_simd_piece();
    // A glibc-style string scan: VMOVDQU/MOVDQU loads, PCMPEQB or PMINUB against a
    // broadcast byte, PMOVMSKB or PTEST, a backward Jcc, then TZCNT and maybe VZEROUPPER.
    Piece string_scan_loop();

    // 0, 1, -1, 0x7f.., 0x80.., small or random, of `size` bytes.
    uint64_t edge_value(unsigned size);

    // The memory base register's value: the middle of the data arena.
    static constexpr uint64_t kBaseValue = Arena::kDataAddr + 0x800;

  private:
    friend struct Forms;
    // The parts of a SIMD piece (simd_pieces.cpp).
    RegRef simd_reg(OperandKind kind);
    MemRef simd_mem(unsigned size);
    InsnSpec simd_spec(const SimdTemplate& t, unsigned reg, unsigned vvvv, RmRef rm);
    Piece finish(const char* form, GenInsn main, std::vector<GenInsn> setup);

    unsigned pick(unsigned n) { return unsigned(rng_() % n); }
    bool coin(unsigned percent) { return pick(100) < percent; }

    std::mt19937_64 rng_;
    HostFeatures features_;
    bool mode64_;
    unsigned base_reg_ = 0, index_reg_ = 0;
    uint16_t undefined_ = 0;
};

}  // namespace kemu::x86::difftest
