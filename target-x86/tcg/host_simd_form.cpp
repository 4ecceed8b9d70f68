#include "target-x86/tcg/host_simd_form.h"

#include <cpuid.h>

#include <algorithm>
#include <string_view>
#include <vector>

namespace kemu::x86 {

namespace {

// Instructions with operands their encoding does not name (XMM0 of PBLENDVB and friends and
// SHA256RNDS2, every register of VZEROALL), element-wise memory behaviour (masked moves,
// gathers) or extensions the host check above does not cover.
constexpr std::string_view kRefused[] = {
    "PBLENDVB", "BLENDVPS", "BLENDVPD",  "SHA",       "VZERO",   "VGATHER",
    "VPGATHER", "MASKMOV",  "VMASKMOV",  "VPMASKMOV", "LDMXCSR", "STMXCSR",
    "VLDMXCSR", "VSTMXCSR", "EXTRQ",     "INSERTQ",   "GF2P8",   "VGF2P8",
    "PCMPESTR", "PCMPISTR", "VPCMPESTR", "VPCMPISTR", "MOVNT",   "VMOVNT",
};

bool refused(std::string_view mnemonic) {
    return std::any_of(std::begin(kRefused), std::end(kRefused),
                       [&](std::string_view r) { return mnemonic.starts_with(r); });
}

}  // namespace

bool host_runs_guest_simd() {
#if defined(__x86_64__)
    static const bool ok = [] {
        unsigned a, b, c, d;
        if (!__get_cpuid(1, &a, &b, &c, &d)) return false;
        constexpr unsigned kLeaf1 = 1u << 0 | 1u << 1 | 1u << 9 | 1u << 12 | 1u << 19 | 1u << 20 |
                                    1u << 25 | 1u << 27 | 1u << 28 | 1u << 29;
        if ((c & kLeaf1) != kLeaf1) return false;
        if (!__get_cpuid_count(7, 0, &a, &b, &c, &d) || !(b & (1u << 5))) return false;
        unsigned lo, hi;
        asm("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
        return (lo & 6) == 6;
    }();
    return ok;
#else
    return false;
#endif
}

std::optional<tcg::HostSimdInsn> host_simd_form(const DecodedInsn& in,
                                                uint32_t (*vector_offset)(unsigned),
                                                uint32_t staged) {
    std::string_view sdm = in.sdm;
    if (!host_runs_guest_simd() || refused(sdm.substr(0, sdm.find(' ')))) return std::nullopt;
    const bool vex = in.attrs & kAttrVex;
    // Operands: a vector register destination, vector register or memory sources, an imm8.
    std::vector<unsigned> regs;  // the vector registers, in operand order
    bool memory = false, has_imm = false;
    for (unsigned i = 0; i < in.operand_count; i++) {
        const Operand& o = in.operands[i];
        if (o.kind == OperandKind::Xmm) {
            regs.push_back(o.reg);
        } else if (o.kind == OperandKind::Mem && i > 0 && !memory) {
            memory = true;
        } else if (o.kind == OperandKind::Imm && i + 1 == in.operand_count) {
            has_imm = true;
        } else {
            return std::nullopt;
        }
    }
    if (regs.empty() || in.operands[0].kind != OperandKind::Xmm) return std::nullopt;

    // The encoding's register fields. VEX.vvvv names a register exactly when the form has a
    // third vector operand besides ModRM's (or a second one, when ModRM.reg is an opcode).
    const bool reg_field = !in.reg_is_opcode;
    const bool rm_field = !memory && !in.rm_is_opcode;
    const unsigned modrm_operands = unsigned(reg_field) + unsigned(!in.rm_is_opcode);
    const unsigned operands = unsigned(regs.size()) + unsigned(memory);
    const bool vvvv_field = vex && operands == modrm_operands + 1;
    if (operands != modrm_operands + unsigned(vvvv_field)) return std::nullopt;
    std::vector<unsigned> fields;
    if (reg_field) fields.push_back(in.modrm_reg);
    if (rm_field) fields.push_back(in.modrm_rm);
    if (vvvv_field) fields.push_back(in.vex_vvvv);
    std::vector<unsigned> sorted_fields = fields, sorted_regs = regs;
    std::sort(sorted_fields.begin(), sorted_fields.end());
    std::sort(sorted_regs.begin(), sorted_regs.end());
    if (sorted_fields != sorted_regs) return std::nullopt;

    // Guest register -> host register 0..2, the destination first.
    std::vector<unsigned> guest;
    for (unsigned r : regs)
        if (std::find(guest.begin(), guest.end(), r) == guest.end()) guest.push_back(r);
    auto host = [&](unsigned r) {
        return unsigned(std::find(guest.begin(), guest.end(), r) - guest.begin());
    };

    tcg::HostSimdInsn h;
    auto emit = [&](uint8_t b) { h.bytes[h.length++] = b; };
    h.renamable = true;
    h.vex = vex;
    if (reg_field) h.fields[0] = uint8_t(host(in.modrm_reg));
    if (rm_field) h.fields[1] = uint8_t(host(in.modrm_rm));
    if (vvvv_field) h.fields[2] = uint8_t(host(in.vex_vvvv));
    const uint8_t reg = uint8_t(reg_field ? host(in.modrm_reg) : in.modrm_reg & 7);
    const uint8_t rm = uint8_t(memory ? 6 : rm_field ? host(in.modrm_rm) : in.modrm_rm & 7);
    if (vex) {
        // Three-byte VEX: R, X inverted set; B inverted clear for the memory form's r14.
        const uint8_t pp = in.simd_prefix == 0x66   ? 1
                           : in.simd_prefix == 0xf3 ? 2
                           : in.simd_prefix == 0xf2 ? 3
                                                    : 0;
        const uint8_t vvvv = uint8_t(vvvv_field ? host(in.vex_vvvv) : 0);
        h.prefix_at = h.length;
        emit(0xc4);
        emit(uint8_t(0xc0 | (memory ? 0 : 0x20) | in.map));
        emit(uint8_t((in.vex_w ? 0x80 : 0) | (~vvvv & 0xf) << 3 | (in.vex_l ? 4 : 0) | pp));
    } else {
        if (in.simd_prefix) emit(in.simd_prefix);
        h.prefix_at = h.length;
        if (memory) emit(0x41);  // REX.B: r14
        emit(0x0f);
        if (in.map == 2) emit(0x38);
        if (in.map == 3) emit(0x3a);
    }
    emit(in.opcode);
    h.modrm_at = h.length;
    emit(uint8_t((memory ? 0x80 : 0xc0) | reg << 3 | rm));
    if (memory) {
        h.env_disp_at = h.length;
        h.memory_offset = staged;
        for (unsigned i = 0; i < 4; i++)
            emit(0);
    }
    if (has_imm) emit(uint8_t(in.imm));

    for (unsigned i = 0; i < guest.size(); i++)
        h.sources[i] = vector_offset(guest[i]);
    h.result = vector_offset(regs[0]);
    h.result_reg = uint8_t(host(regs[0]));
    h.width = vex ? 32 : 16;
    return h;
}

}  // namespace kemu::x86
