#include "tcg/backend_x86_64_assembler.h"

#include <cstring>

namespace kemu::tcg::x64 {

namespace {

constexpr int kRax = 0, kRsp = 4;

bool fits_int8(int64_t v) {
    return v >= -128 && v <= 127;
}

uint8_t* put32(uint8_t* p, uint32_t v) {
    std::memcpy(p, &v, 4);
    return p + 4;
}

}  // namespace

// MOVZX to a 32-bit register zero-extends on to 64; MOVSX, MOVSXD and the 8-byte MOV take
// REX.W.
void HostAssembler::load_sized(int dst, const Mem& m, unsigned size, bool sign) {
    uint8_t* p = begin();
    if (!p) return;
    p = rex(p, sign || size == 8, dst, m.index, m.base);
    if (size <= 2) {
        *p++ = 0x0f;
        *p++ = uint8_t((sign ? 0xbe : 0xb6) + (size == 2 ? 1 : 0));
    } else {
        *p++ = size == 4 && sign ? 0x63 : 0x8b;
    }
    end(modrm_mem(p, dst, m));
}

void HostAssembler::store_sized(const Mem& m, int src, unsigned size) {
    uint8_t* p = begin();
    if (!p) return;
    if (size == 2) *p++ = 0x66;
    const uint8_t* no_rex = p;
    p = rex(p, size == 8, src, m.index, m.base);
    // Without a REX prefix byte registers 4-7 are AH-BH: SPL-DIL need an empty one.
    if (size == 1 && p == no_rex && src >= 4) *p++ = 0x40;
    *p++ = size == 1 ? 0x88 : 0x89;
    end(modrm_mem(p, src, m));
}

void HostAssembler::store_imm(const Mem& m, int32_t imm, bool wide) {
    uint8_t* p = begin();
    if (!p) return;
    p = rex(p, wide, -1, m.index, m.base);
    *p++ = 0xc7;
    end(put32(modrm_mem(p, 0, m), uint32_t(imm)));
}

void HostAssembler::mov_imm(int reg, uint64_t imm) {
    uint8_t* p = begin();
    if (!p) return;
    if (imm <= UINT32_MAX) {  // mov r32, imm32 zero-extends
        p = rex(p, false, -1, -1, reg);
        *p++ = uint8_t(0xb8 | (reg & 7));
        p = put32(p, uint32_t(imm));
    } else if (int64_t(imm) == int64_t(int32_t(imm))) {  // mov r/m64, imm32 sign-extends
        p = rex(p, true, -1, -1, reg);
        *p++ = 0xc7;
        *p++ = uint8_t(0xc0 | (reg & 7));
        p = put32(p, uint32_t(imm));
    } else {
        p = rex(p, true, -1, -1, reg);
        *p++ = uint8_t(0xb8 | (reg & 7));
        std::memcpy(p, &imm, 8);
        p += 8;
    }
    end(p);
}

void HostAssembler::alu(Alu op, int reg, int32_t imm, bool wide) {
    uint8_t* p = begin();
    if (!p) return;
    p = rex(p, wide, -1, -1, reg);
    if (fits_int8(imm)) {
        *p++ = 0x83;
        *p++ = uint8_t(0xc0 | uint8_t(op) << 3 | (reg & 7));
        *p++ = uint8_t(int8_t(imm));
    } else {
        if (reg == kRax) {
            *p++ = uint8_t(uint8_t(op) << 3 | 5);  // the accumulator's form: no ModRM
        } else {
            *p++ = 0x81;
            *p++ = uint8_t(0xc0 | uint8_t(op) << 3 | (reg & 7));
        }
        p = put32(p, uint32_t(imm));
    }
    end(p);
}

void HostAssembler::alu(Alu op, const Mem& m, int32_t imm, bool wide) {
    uint8_t* p = begin();
    if (!p) return;
    p = rex(p, wide, -1, m.index, m.base);
    const bool short_imm = fits_int8(imm);
    *p++ = short_imm ? 0x83 : 0x81;
    p = modrm_mem(p, uint8_t(op), m);
    if (short_imm)
        *p++ = uint8_t(int8_t(imm));
    else
        p = put32(p, uint32_t(imm));
    end(p);
}

// The r/m, reg forms (ADD 01, OR 09, AND 21, SUB 29, XOR 31, CMP 39): the group-1 digit
// times 8, plus 1.
void HostAssembler::alu_reg(Alu op, int dst, int src, bool wide) {
    rm_reg(uint8_t(uint8_t(op) << 3 | 1), src, dst, wide);
}

void HostAssembler::cmp_byte(const Mem& m, uint8_t imm) {
    uint8_t* p = begin();
    if (!p) return;
    p = rex(p, false, -1, m.index, m.base);
    *p++ = 0x80;
    p = modrm_mem(p, uint8_t(Alu::Cmp), m);
    *p++ = imm;
    end(p);
}

// FF /4: near absolute jumps take a 64-bit operand without REX.W.
void HostAssembler::jmp_to(int reg) {
    uint8_t* p = begin();
    if (!p) return;
    p = rex(p, false, -1, -1, reg);
    *p++ = 0xff;
    *p++ = uint8_t(0xc0 | 4 << 3 | (reg & 7));
    end(p);
}

void HostAssembler::jmp_to(const Mem& m) {
    uint8_t* p = begin();
    if (!p) return;
    p = rex(p, false, -1, m.index, m.base);
    *p++ = 0xff;
    end(modrm_mem(p, 4, m));
}

void HostAssembler::op_rel8(uint8_t opcode, int8_t rel8) {
    uint8_t* p = begin();
    if (!p) return;
    *p++ = opcode;
    *p++ = uint8_t(rel8);
    end(p);
}

void HostAssembler::op_rel32(std::initializer_list<uint8_t> opcode, uint32_t rel32) {
    uint8_t* p = begin();
    if (!p) return;
    for (uint8_t b : opcode)
        *p++ = b;
    end(put32(p, rel32));
}

void HostAssembler::shift(Shift op, int reg, uint8_t count, bool wide) {
    uint8_t* p = begin();
    if (!p) return;
    p = rex(p, wide, -1, -1, reg);
    *p++ = count == 1 ? 0xd1 : 0xc1;  // by one has a form without the immediate
    *p++ = uint8_t(0xc0 | uint8_t(op) << 3 | (reg & 7));
    if (count != 1) *p++ = count;
    end(p);
}

}  // namespace kemu::tcg::x64
