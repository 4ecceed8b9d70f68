// format_insn(): a compact Intel-syntax rendering of a DecodedInsn for logs and
// test failure messages. It prints what the decoder resolved, not what an
// assembler would accept.
#include <cstdio>

#include "target-x86/decode.h"

namespace kemu::x86 {
namespace {

constexpr const char* kGpr64[16] = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
                                    "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15"};
constexpr const char* kGpr32[16] = {"eax", "ecx", "edx",  "ebx",  "esp",  "ebp",  "esi",  "edi",
                                    "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d"};
constexpr const char* kGpr16[16] = {"ax",  "cx",  "dx",   "bx",   "sp",   "bp",   "si",   "di",
                                    "r8w", "r9w", "r10w", "r11w", "r12w", "r13w", "r14w", "r15w"};
constexpr const char* kGpr8[16] = {"al",  "cl",  "dl",   "bl",   "spl",  "bpl",  "sil",  "dil",
                                   "r8b", "r9b", "r10b", "r11b", "r12b", "r13b", "r14b", "r15b"};
constexpr const char* kHigh8[4] = {"ah", "ch", "dh", "bh"};
constexpr const char* kSeg[6] = {"es", "cs", "ss", "ds", "fs", "gs"};

std::string gpr_name(unsigned reg, unsigned size, bool high8) {
    if (high8) return kHigh8[reg & 3];
    if (reg >= 16) return "?";
    switch (size) {
        case 1:
            return kGpr8[reg];
        case 2:
            return kGpr16[reg];
        case 4:
            return kGpr32[reg];
        default:
            return kGpr64[reg];
    }
}

std::string hex(uint64_t v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
    return buf;
}

std::string mem_text(const DecodedInsn& d, unsigned size) {
    const MemOperand& m = d.mem;
    std::string s = size ? std::to_string(size * 8) + "b " : "";
    s += std::string(m.seg >= 0 && m.seg < 6 ? kSeg[m.seg] : "?") + ":[";
    bool any = false;
    if (m.base == MemOperand::kRip)
        s += "rip", any = true;
    else if (m.base >= 0)
        s += gpr_name(m.base, m.addr_size, false), any = true;
    if (m.index >= 0) {
        s += std::string(any ? "+" : "") + gpr_name(m.index, m.addr_size, false);
        s += "*" + std::to_string(1 << m.scale);
        any = true;
    }
    if (m.disp || !any)
        s += (m.disp < 0 && any ? "-"
              : any             ? "+"
                                : "") +
             hex(m.disp < 0 && any ? uint64_t(-m.disp) : uint64_t(m.disp));
    return s + "]";
}

std::string operand_text(const DecodedInsn& d, const Operand& o) {
    switch (o.kind) {
        case OperandKind::None:
            return "";
        case OperandKind::Gpr:
            return gpr_name(o.reg, o.size, o.high8);
        case OperandKind::Mem:
            return mem_text(d, o.size);
        case OperandKind::Imm:
            return hex(d.operands[0].kind == OperandKind::Imm && &o != &d.operands[0] ? d.imm2
                                                                                      : d.imm);
        case OperandKind::Rel:
            return hex(d.imm);
        case OperandKind::FarPtr:
            return hex(d.imm2) + ":" + hex(d.imm);
        case OperandKind::Seg:
            return o.reg < 6 ? kSeg[o.reg] : "?";
        case OperandKind::Cr:
            return "cr" + std::to_string(o.reg);
        case OperandKind::Dr:
            return "dr" + std::to_string(o.reg);
        case OperandKind::Xmm:
            return (o.size == 32 ? "ymm" : "xmm") + std::to_string(o.reg);
        case OperandKind::Mmx:
            return "mm" + std::to_string(o.reg);
        case OperandKind::St:
            return "st(" + std::to_string(o.reg) + ")";
        case OperandKind::StrSrc:
            return std::string(kSeg[d.mem.seg]) + ":[rsi]";
        case OperandKind::StrDst:
            return "es:[rdi]";
    }
    return "?";
}

}  // namespace

std::string format_insn(const DecodedInsn& d) {
    std::string s;
    for (const char* p = d.sdm; *p && *p != ' '; p++)
        s += char(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
    if (s.empty()) s = op_name(d.op);
    for (unsigned i = 0; i < d.operand_count; i++)
        s += (i ? ", " : " ") + operand_text(d, d.operands[i]);
    return s;
}

}  // namespace kemu::x86
