// The x86 instruction decoder: bytes -> DecodedInsn. It knows encodings only
// (prefixes, opcode maps in SDM notation, ModRM/SIB, immediates, the 15-byte
// limit); what an instruction does is the translator's business, reached
// through `op`. Tables live in opcode_tables.cpp; see docs/decoder.md.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace kemu::x86 {

// Semantic operations: one per mnemonic family the translator implements an
// emitter for. Declared once in insn_ops.def.
enum class Op : uint16_t {
#define X86_OP(name, doc) name,
#include "target-x86/insn_ops.def"
#undef X86_OP
    Count
};
const char* op_name(Op op);

// The code segment's default size: what CS.D / CS.L / real mode select.
enum class CodeSize : uint8_t { Bits16, Bits32, Bits64 };

enum class OperandKind : uint8_t {
    None,
    Gpr,     // reg: 0..15; a 1-byte operand with reg 4..7 and no REX is AH/CH/DH/BH (high8)
    Mem,     // DecodedInsn::mem
    Imm,     // value in `imm` (sign- or zero-extended to the operand size as the SDM says)
    Rel,     // branch target already computed as next_ip + displacement, in `imm`
    FarPtr,  // direct far pointer: offset in `imm`, selector in `imm2`
    Seg,     // reg: ES..GS as SegReg
    Cr,      // reg: 0..15
    Dr,      // reg: 0..15
    Xmm,     // reg: 0..15 (size 16) or YMM (size 32)
    Mmx,     // reg: 0..7
    St,      // x87 ST(reg)
    StrSrc,  // string source DS:rSI (segment override allowed: mem.seg has the effective one)
    StrDst,  // string destination ES:rDI (never overridden)
};

struct Operand {
    OperandKind kind = OperandKind::None;
    uint8_t size = 0;  // bytes: 1, 2, 4, 8, 10, 16, 32; 0 where the instruction defines it
    uint8_t reg = 0;
    bool high8 = false;
};

// The effective address of the one memory operand an instruction may have.
struct MemOperand {
    static constexpr int8_t kNone = -1;
    static constexpr int8_t kRip = 16;  // RIP-relative: disp is relative to the next instruction
    int8_t seg = 3;                     // effective segment (SegReg): default or override
    int8_t base = kNone;                // GPR 0..15, kRip, or kNone
    int8_t index = kNone;               // GPR 0..15 or kNone
    uint8_t scale = 0;                  // log2: 0..3
    uint8_t addr_size = 4;              // 2, 4 or 8 bytes
    int64_t disp = 0;
};

// Instruction attributes from the tables (SDM notation in comments there).
enum InsnAttr : uint32_t {
    kAttrLockable = 1u << 0,    // LOCK allowed (with a memory destination)
    kAttrInvalid64 = 1u << 1,   // i64: #UD in 64-bit mode
    kAttrOnly64 = 1u << 2,      // o64: #UD outside 64-bit mode
    kAttrDefault64 = 1u << 3,   // d64: operand size defaults to 64 in 64-bit mode
    kAttrForce64 = 1u << 4,     // f64: operand size is 64 in 64-bit mode whatever 66h says
    kAttrPrivileged = 1u << 5,  // CPL 0 only (#GP(0) otherwise)
    kAttrIoplSensitive = 1u << 6,
    kAttrBranch = 1u << 7,      // changes RIP: ends the translation block
    kAttrString = 1u << 8,      // string instruction: REP/REPE/REPNE apply
    kAttrRepe = 1u << 9,        // F3 means REPE (cmps/scas), otherwise REP
    kAttrEndsBlock = 1u << 10,  // changes CPU mode or needs a fresh block after it
    kAttrX87 = 1u << 11,
    kAttrSse = 1u << 12,
    kAttrVex = 1u << 13,
};

struct DecodedInsn {
    Op op = Op::Invalid;
    uint32_t attrs = 0;
    uint8_t length = 0;
    uint8_t map = 0;     // 0: one-byte, 1: 0F, 2: 0F38, 3: 0F3A
    uint8_t opcode = 0;  // the opcode byte within its map
    uint8_t opsize = 4;  // effective operand size in bytes: 2, 4 or 8
    uint8_t addrsize = 4;
    uint8_t cond = 0;  // condition code (low 4 bits of Jcc/SETcc/CMOVcc/FCMOVcc)
    bool lock = false;
    bool rep = false;    // F3
    bool repne = false;  // F2
    bool opsize_prefix = false;
    bool has_rex = false;
    uint8_t rex = 0;
    int8_t seg_override = -1;  // SegReg or -1
    bool has_modrm = false;
    uint8_t modrm_mod = 0, modrm_reg = 0, modrm_rm = 0;  // reg/rm with REX bits applied
    // VEX: vvvv (inverted back to a register number), L, and the implied prefix/map
    uint8_t vex_vvvv = 0;
    bool vex_l = false;
    bool vex_w = false;  // VEX.W in every mode (rex carries it only in 64-bit mode)
    // For re-encoding (the JIT runs SIMD instructions as themselves): the mandatory prefix
    // the row matched, or VEX.pp, as a byte (0, 0x66, 0xF3, 0xF2), and whether the row
    // fixes ModRM.reg or ModRM.rm (an opcode extension, not an operand).
    uint8_t simd_prefix = 0;
    bool reg_is_opcode = false;
    bool rm_is_opcode = false;
    uint8_t operand_count = 0;
    std::array<Operand, 4> operands{};  // destination first, as the SDM lists them
    MemOperand mem;
    uint64_t imm = 0;
    uint64_t imm2 = 0;
    const char* sdm = "";  // the table row that matched, in SDM notation ("ADD Ev,Ibs")

    bool has_mem() const {
        for (unsigned i = 0; i < operand_count; i++)
            if (operands[i].kind == OperandKind::Mem) return true;
        return false;
    }
};

enum class DecodeStatus : uint8_t {
    Ok,
    Invalid,    // #UD: no such encoding, or one kemu's tables do not implement (op = Invalid)
    TooLong,    // #GP(0): more than 15 bytes
    NeedBytes,  // the bytes ran out: fetch more (the instruction crosses a page)
};

struct DecodeResult {
    DecodeStatus status;
    DecodedInsn insn;
};

// Decodes the instruction at the start of `bytes`, which holds up to 15 bytes (fewer at a
// page end). `next_ip` for Rel operands is `ip + length`.
DecodeResult decode(std::span<const uint8_t> bytes, CodeSize mode, uint64_t ip);

// "add dword ptr ds:[ebx+esi*4+0x10], 0x5" style text for logs and test failures.
std::string format_insn(const DecodedInsn& insn);

}  // namespace kemu::x86
