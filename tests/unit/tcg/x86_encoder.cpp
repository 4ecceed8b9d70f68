#include "tests/unit/tcg/x86_encoder.h"

#include <cassert>
#include <cstddef>

namespace kemu::x86::difftest {

namespace {

// The 4-bit register code of a register operand (AH-BH are codes 4-7 without REX).
unsigned reg_code(RegRef r) {
    return r.high8 ? r.phys + 4 : r.phys;
}

bool byte_reg_needs_rex(RegRef r) {
    return !r.high8 && r.phys >= 4;
}

bool fits_int8(int32_t v) {
    return v >= -128 && v <= 127;
}

}  // namespace

bool has_high8(const InsnSpec& s) {
    return (s.byte_reg && s.reg_is_reg && s.reg.high8) ||
           (s.byte_rm && s.has_modrm && !s.rm.is_mem && s.rm.reg.high8);
}

bool needs_rex(const InsnSpec& s) {
    if (s.vex_map) return false;  // VEX carries W, R, X and B itself
    if (s.rex_w) return true;
    if (s.has_modrm) {
        if (s.reg_is_reg && (s.reg.phys >= 8 || (s.byte_reg && byte_reg_needs_rex(s.reg))))
            return true;
        if (!s.rm.is_mem && (s.rm.reg.phys >= 8 || (s.byte_rm && byte_reg_needs_rex(s.rm.reg))))
            return true;
        if (s.rm.is_mem && (s.rm.mem.base >= 8 || s.rm.mem.index >= 8)) return true;
    }
    if (s.opcode_reg != kNoReg && (s.opcode_reg >= 8 || (s.byte_rm && s.opcode_reg >= 4)))
        return true;
    return false;
}

std::vector<uint8_t> encode(const InsnSpec& s, uint64_t address, bool mode64) {
    assert(!(needs_rex(s) && has_high8(s)));
    assert(mode64 || !needs_rex(s));
    std::vector<uint8_t> out = s.prefixes;
    if (s.has_modrm && s.rm.is_mem && s.rm.mem.addr32) out.push_back(0x67);

    unsigned reg_field = s.reg_is_reg ? reg_code(s.reg) : s.reg.phys;
    uint8_t rex = 0x40 | (s.rex_w ? 8 : 0);
    if (s.has_modrm) {
        if (reg_field & 8) rex |= 4;
        if (s.rm.is_mem) {
            if (s.rm.mem.index >= 8) rex |= 2;
            if (s.rm.mem.base >= 8) rex |= 1;
        } else if (reg_code(s.rm.reg) & 8) {
            rex |= 1;
        }
    }
    if (s.opcode_reg != kNoReg && (s.opcode_reg & 8)) rex |= 1;
    if (s.vex_map) {
        // C4, then inverted R X B with the map, then W, inverted vvvv, L and pp.
        out.push_back(0xc4);
        out.push_back(uint8_t((~rex & 7) << 5 | s.vex_map));
        out.push_back(
            uint8_t((s.rex_w ? 0x80 : 0) | (~s.vex_vvvv & 15) << 3 | (s.vex_l ? 4 : 0) | s.vex_pp));
    } else if (needs_rex(s)) {
        out.push_back(rex);
    }

    out.insert(out.end(), s.opcode.begin(), s.opcode.end());
    if (s.opcode_reg != kNoReg) out.back() = uint8_t(out.back() + (s.opcode_reg & 7));

    size_t rip_disp_at = 0;
    if (s.has_modrm) {
        uint8_t r3 = uint8_t((reg_field & 7) << 3);
        if (!s.rm.is_mem) {
            out.push_back(uint8_t(0xc0 | r3 | (reg_code(s.rm.reg) & 7)));
        } else {
            const MemRef& m = s.rm.mem;
            auto disp32 = [&](int32_t d) {
                for (int i = 0; i < 4; i++)
                    out.push_back(uint8_t(uint32_t(d) >> (8 * i)));
            };
            if (m.base == kRipBase && !mode64) {
                out.push_back(uint8_t(r3 | 5));
                disp32(int32_t(uint32_t(m.target)));
            } else if (m.base == kRipBase) {
                out.push_back(uint8_t(r3 | 5));
                rip_disp_at = out.size();
                disp32(0);
            } else if (m.base == kNoReg) {
                // SIB with no base: [index*scale + disp32], or [disp32] with no index.
                out.push_back(uint8_t(r3 | 4));
                unsigned idx = m.index == kNoReg ? 4 : unsigned(m.index & 7);
                out.push_back(uint8_t(m.scale << 6 | idx << 3 | 5));
                disp32(m.disp);
            } else {
                bool sib = m.index != kNoReg || (m.base & 7) == 4;
                unsigned mod = (m.disp == 0 && !m.force_disp32 && (m.base & 7) != 5) ? 0
                               : (fits_int8(m.disp) && !m.force_disp32)              ? 1
                                                                                     : 2;
                out.push_back(uint8_t(mod << 6 | r3 | (sib ? 4 : (m.base & 7))));
                if (sib) {
                    unsigned idx = m.index == kNoReg ? 4 : unsigned(m.index & 7);
                    out.push_back(uint8_t(m.scale << 6 | idx << 3 | (m.base & 7)));
                }
                if (mod == 1) out.push_back(uint8_t(m.disp));
                if (mod == 2) disp32(m.disp);
            }
        }
    }
    for (unsigned i = 0; i < s.imm_size; i++)
        out.push_back(uint8_t(s.imm >> (8 * i)));
    if (rip_disp_at) {
        int32_t d = int32_t(s.rm.mem.target - (address + out.size()));
        for (int i = 0; i < 4; i++)
            out[rip_disp_at + i] = uint8_t(uint32_t(d) >> (8 * i));
    }
    return out;
}

}  // namespace kemu::x86::difftest
