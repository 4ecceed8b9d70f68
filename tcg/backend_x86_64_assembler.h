// The code generator the x86-64 backend writes through: xbyak for the whole instruction
// set, and direct encodings of the forms most of a block is made of (register moves and
// ALU ops, env loads and stores, guest accesses, the TLB and fast jump probes, indirect
// jumps). Xbyak builds a RegExp
// and an Address for every memory operand and writes byte by byte; in a boot profile that
// was a third of the backend's time, for forms whose bytes are simple to work out.
#pragma once

#include <cstdint>
#include <cstring>
#include <initializer_list>

#include "tcg/backend_x86_64_xbyak.h"

namespace kemu::tcg::x64 {

// A memory operand: [base + index * 2^scale + disp]; index < 0 for none. The index may
// not be rsp (the encoding has no such index).
struct Mem {
    int base;
    int32_t disp = 0;
    int index = -1;
    unsigned scale = 0;
};

// Group-1 immediate operations (the /digit of opcodes 0x81 and 0x83).
enum class Alu : uint8_t { Add = 0, Or = 1, And = 4, Sub = 5, Xor = 6, Cmp = 7 };
// Group-2 shifts by an immediate (the /digit of opcode 0xC1).
enum class Shift : uint8_t { Rol = 0, Ror = 1, Shl = 4, Shr = 5, Sar = 7 };

class HostAssembler : public Xbyak::CodeGenerator {
  public:
    HostAssembler() : CodeGenerator(0, &nowhere_) {}

    // Forgets what was written (bytes, xbyak labels, any error) and writes at `at`, at
    // most `room` bytes.
    void aim(uint8_t* at, size_t room) {
        reset();
        aim_unlabelled(at, room);
    }
    // The same for code that uses no xbyak labels (blocks: they have BlockLabels), which
    // leaves xbyak's label tables alone: emptying them allocates, about 900 host
    // instructions a block.
    void aim_unlabelled(uint8_t* at, size_t room) {
        Xbyak::ClearError();
        resetSize();
        top_ = at;
        maxSize_ = room;
        setDefaultJmpNEAR(true);
    }

    // Registers are numbered as in the encoding (rax 0 ... r15 15); `wide` picks the
    // 64-bit operand size, else 32 (which zero-extends a register destination).
    void mov(int dst, int src, bool wide = true) { rm_reg(0x89, src, dst, wide); }
    void load(int dst, const Mem& m, bool wide = true) { reg_mem(0x8b, dst, m, wide); }
    void store(const Mem& m, int src, bool wide = true) { reg_mem(0x89, src, m, wide); }
    void lea(int dst, const Mem& m, bool wide = true) { reg_mem(0x8d, dst, m, wide); }
    // dst = the 1, 2, 4 or 8 bytes at [m], zero- or (`sign`) sign-extended to 64 bits.
    void load_sized(int dst, const Mem& m, unsigned size, bool sign);
    // The low 1, 2, 4 or 8 bytes of src to [m].
    void store_sized(const Mem& m, int src, unsigned size);
    // cmp reg, [m]
    void cmp(int reg, const Mem& m, bool wide = true) { reg_mem(0x3b, reg, m, wide); }
    // mov qword (or dword) [m], imm: a 64-bit store sign-extends the immediate.
    void store_imm(const Mem& m, int32_t imm, bool wide = true);
    // reg = imm, in the shortest form that gives the 64-bit value.
    void mov_imm(int reg, uint64_t imm);
    void alu(Alu op, int reg, int32_t imm, bool wide = true);
    // op [m], imm (cmp qword [m], imm sign-extends the immediate).
    void alu(Alu op, const Mem& m, int32_t imm, bool wide = true);
    // op dst, src
    void alu_reg(Alu op, int dst, int src, bool wide = true);
    // cmp byte [m], imm8
    void cmp_byte(const Mem& m, uint8_t imm);
    // test reg, reg
    void test(int reg, bool wide = true) { rm_reg(0x85, reg, reg, wide); }
    // jmp reg and jmp qword [m]: to an address held in a register or in memory.
    void jmp_to(int reg);
    void jmp_to(const Mem& m);
    void shift(Shift op, int reg, uint8_t count, bool wide = true);
    // Jumps and calls whose displacement the caller works out: opcode bytes, then the
    // displacement (rel8 or rel32).
    void op_rel8(uint8_t opcode, int8_t rel8);
    void op_rel32(std::initializer_list<uint8_t> opcode, uint32_t rel32);

    using CodeGenerator::cmp;
    using CodeGenerator::lea;
    using CodeGenerator::mov;
    using CodeGenerator::test;

  private:
    static constexpr size_t kMaxInstruction = 15;
    static inline uint8_t nowhere_ = 0;  // a user buffer until the first aim()

    // Room for one instruction at the cursor, or null (and xbyak's error set) without.
    uint8_t* begin() {
        if (maxSize_ - size_ >= kMaxInstruction) return top_ + size_;
        setSize(maxSize_ + 1);  // records ERR_OFFSET_IS_TOO_BIG, as a full db() would
        return nullptr;
    }
    void end(const uint8_t* p) { size_ = size_t(p - top_); }

    // The encoders of the forms every block is full of are inline: their callers mostly
    // pass constants (a fixed scratch register, env's base), which then fold away.

    // REX with W for `wide`, R from `reg`, X from `index`, B from `base`; none when all
    // are clear. Arguments below 0 contribute nothing.
    static uint8_t* rex(uint8_t* p, bool wide, int reg, int index, int base) {
        const uint8_t bits = uint8_t((wide ? 8 : 0) | (reg >= 8 ? 4 : 0) | (index >= 8 ? 2 : 0) |
                                     (base >= 8 ? 1 : 0));
        if (bits) *p++ = uint8_t(0x40 | bits);
        return p;
    }
    // ModRM (and SIB, displacement) for `reg` and [m] (SDM vol. 2, 2.1.5): rsp and r12 as a
    // base need a SIB byte, rbp and r13 a displacement even when it is 0.
    static uint8_t* modrm_mem(uint8_t* p, int reg, const Mem& m) {
        constexpr int kRsp = 4, kRbp = 5;
        const bool disp8 = m.disp >= -128 && m.disp <= 127;
        const unsigned mod = (m.disp == 0 && (m.base & 7) != kRbp) ? 0 : disp8 ? 1 : 2;
        const uint8_t r = uint8_t((reg & 7) << 3);
        if (m.index < 0 && (m.base & 7) != kRsp) {
            *p++ = uint8_t(mod << 6 | r | (m.base & 7));
        } else {
            const int index = m.index < 0 ? kRsp : m.index;  // 100b: no index
            *p++ = uint8_t(mod << 6 | r | kRsp);
            *p++ = uint8_t(m.scale << 6 | (index & 7) << 3 | (m.base & 7));
        }
        if (mod == 1) *p++ = uint8_t(int8_t(m.disp));
        if (mod == 2) {
            const uint32_t d = uint32_t(m.disp);
            std::memcpy(p, &d, 4);
            p += 4;
        }
        return p;
    }
    void rm_reg(uint8_t opcode, int reg, int rm, bool wide) {
        uint8_t* p = begin();
        if (!p) return;
        p = rex(p, wide, reg, -1, rm);
        *p++ = opcode;
        *p++ = uint8_t(0xc0 | (reg & 7) << 3 | (rm & 7));
        end(p);
    }
    void reg_mem(uint8_t opcode, int reg, const Mem& m, bool wide) {
        uint8_t* p = begin();
        if (!p) return;
        p = rex(p, wide, reg, m.index, m.base);
        *p++ = opcode;
        end(modrm_mem(p, reg, m));
    }
};

}  // namespace kemu::tcg::x64
