// A small x86-64 encoder for the differential tests: enough of the instruction format
// (legacy prefixes, REX, one- and two-byte opcodes, ModRM/SIB/displacement, immediates)
// to write every integer form the generator picks, with every addressing form, and the
// VEX prefix of the BMI1/BMI2 and AVX instructions.
#pragma once

#include <cstdint>
#include <vector>

namespace kemu::x86::difftest {

constexpr int kNoReg = -1;
constexpr int kRipBase = -2;

// A memory operand. With base kRipBase, `target` is the absolute address to reach.
// addr32 (0x67) is for 64-bit code only: the encoder has no 16-bit addressing forms.
struct MemRef {
    int base = kNoReg;
    int index = kNoReg;  // never RSP
    unsigned scale = 0;  // log2 of the index factor
    int32_t disp = 0;
    bool force_disp32 = false;
    bool addr32 = false;  // 0x67: 32-bit address computation
    uint64_t target = 0;  // kRipBase only
};

// A register operand; `high8` selects AH/CH/DH/BH (phys 0-3) for byte operands.
struct RegRef {
    unsigned phys = 0;
    bool high8 = false;
};

struct RmRef {
    bool is_mem = false;
    RegRef reg;
    MemRef mem;
};

struct InsnSpec {
    std::vector<uint8_t> prefixes;  // legacy prefixes (F0, F2, F3, 66) in order
    bool rex_w = false;
    std::vector<uint8_t> opcode;
    // ModRM: `reg_field` is a register (reg_is_reg) or an opcode extension (/digit).
    bool has_modrm = false;
    bool reg_is_reg = false;
    RegRef reg;
    RmRef rm;
    // Byte registers: ModRM.reg, and ModRM.rm or the +r register (MOVZX has only the latter).
    bool byte_reg = false;
    bool byte_rm = false;
    // +r encodings (PUSH r, BSWAP r, MOV r, imm): register in the last opcode byte.
    int opcode_reg = kNoReg;
    unsigned imm_size = 0;
    uint64_t imm = 0;
    // VEX (the three-byte C4 form) in place of REX: vex_map 1 (0F), 2 (0F38) or 3 (0F3A),
    // 0 for none; vex_pp 0 none, 1 66, 2 F3, 3 F2; vex_vvvv the extra register; vex_l
    // VEX.L (256-bit). VEX.W is rex_w; `opcode` is the opcode byte.
    unsigned vex_map = 0;
    unsigned vex_pp = 0;
    unsigned vex_vvvv = 0;
    bool vex_l = false;
};

// Encodes `s` as it would sit at `address` (needed for RIP-relative operands). In 32-bit
// code (mode64 false) there is no REX and kRipBase becomes the absolute [disp32] form.
std::vector<uint8_t> encode(const InsnSpec& s, uint64_t address, bool mode64 = true);

// A byte register needs REX when it is SPL/BPL/SIL/DIL or R8B-R15B; AH-BH forbid REX.
bool needs_rex(const InsnSpec& s);
bool has_high8(const InsnSpec& s);

}  // namespace kemu::x86::difftest
