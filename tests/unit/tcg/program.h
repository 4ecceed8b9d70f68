// A generated test program: pieces (an instruction with the set-up it needs, optionally
// behind a short Jcc that may skip it) laid out in the code arena, ending with a jump
// to the native exit. Layout also tracks which arithmetic flags the SDM leaves
// undefined at each point, and rejects programs that read an undefined flag.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tests/unit/tcg/x86_encoder.h"

namespace kemu::x86::difftest {

namespace flag {
constexpr uint16_t CF = 0x1, PF = 0x4, AF = 0x10, ZF = 0x40, SF = 0x80, OF = 0x800;
constexpr uint16_t kArith = CF | PF | AF | ZF | SF | OF;
}  // namespace flag

// How an instruction uses the arithmetic flags. Flags in neither `defined` nor
// `undefined` are left unchanged.
struct FlagEffect {
    uint16_t reads = 0;
    uint16_t defined = 0;    // written with values the SDM defines
    uint16_t undefined = 0;  // written with values the SDM leaves undefined
};

struct GenInsn {
    InsnSpec spec;
    FlagEffect flags;
};

// A short conditional branch (Jcc rel8, LOOP/LOOPE/LOOPNE, JrCXZ) over a piece's main
// instruction.
struct SkipBranch {
    uint8_t opcode;
    FlagEffect flags;  // what it reads
};

struct Piece {
    const char* form = "";
    std::vector<GenInsn> setup;  // runs first (operand preparation, flag definition)
    GenInsn main;
    std::optional<SkipBranch> skip;  // jumps over `main` when taken
};

// The flags condition code `cc` (0-15) reads.
uint16_t cc_reads(unsigned cc);

struct Program {
    std::vector<uint8_t> bytes;  // to be placed at `address`
    uint64_t address = 0;
    bool mode64 = true;
    uint64_t stop_address = 0;  // where the generated instructions end and the exit jump starts
    // Per instruction (in layout order): its address and the flags undefined before it.
    std::vector<uint64_t> insn_address;
    std::vector<uint16_t> undefined_before;
    uint16_t undefined_at_end = 0;
    bool valid = true;  // false when some instruction reads a flag that is undefined there

    uint16_t undefined_at(uint64_t rip) const;
};

// 64-bit code ends with JMP [RIP] to `exit_address`; 32-bit code with JMP rel32 to
// `exit_address`, a stub below 4 GiB that far-jumps back to 64-bit code.
Program assemble(const std::vector<Piece>& pieces, uint64_t address, uint64_t exit_address,
                 bool mode64 = true);

// Flags undefined after an instruction with effect `e` when `undefined` were before it.
inline uint16_t after(uint16_t undefined, const FlagEffect& e) {
    return uint16_t((undefined & ~e.defined) | e.undefined);
}

// Disassembly of the program, one instruction per line, for failure reports.
std::string listing(const Program& p);

}  // namespace kemu::x86::difftest
