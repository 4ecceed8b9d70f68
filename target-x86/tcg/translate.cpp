#include "target-x86/tcg/translate.h"

#include <cstring>
#include <utility>

#include "system/log.h"
#include "target-x86/tcg/cpu_mode.h"
#include "target-x86/tcg/softmmu.h"
#include "target-x86/tcg/translate_context.h"
#include "target-x86/tcg/x87_host.h"
#include "tcg/vfp.h"

namespace kemu::x86 {

namespace {

constexpr tcg::GlobalInfo kGlobals[] = {
    {"rax", KEMU_ENV_OFFSET(s.regs) + 0, tcg::Type::I64},
    {"rcx", KEMU_ENV_OFFSET(s.regs) + 8, tcg::Type::I64},
    {"rdx", KEMU_ENV_OFFSET(s.regs) + 16, tcg::Type::I64},
    {"rbx", KEMU_ENV_OFFSET(s.regs) + 24, tcg::Type::I64},
    {"rsp", KEMU_ENV_OFFSET(s.regs) + 32, tcg::Type::I64},
    {"rbp", KEMU_ENV_OFFSET(s.regs) + 40, tcg::Type::I64},
    {"rsi", KEMU_ENV_OFFSET(s.regs) + 48, tcg::Type::I64},
    {"rdi", KEMU_ENV_OFFSET(s.regs) + 56, tcg::Type::I64},
    {"r8", KEMU_ENV_OFFSET(s.regs) + 64, tcg::Type::I64},
    {"r9", KEMU_ENV_OFFSET(s.regs) + 72, tcg::Type::I64},
    {"r10", KEMU_ENV_OFFSET(s.regs) + 80, tcg::Type::I64},
    {"r11", KEMU_ENV_OFFSET(s.regs) + 88, tcg::Type::I64},
    {"r12", KEMU_ENV_OFFSET(s.regs) + 96, tcg::Type::I64},
    {"r13", KEMU_ENV_OFFSET(s.regs) + 104, tcg::Type::I64},
    {"r14", KEMU_ENV_OFFSET(s.regs) + 112, tcg::Type::I64},
    {"r15", KEMU_ENV_OFFSET(s.regs) + 120, tcg::Type::I64},
    {"cc_dst", KEMU_ENV_OFFSET(cc_dst), tcg::Type::I64},
    {"cc_src", KEMU_ENV_OFFSET(cc_src), tcg::Type::I64},
    {"cc_src2", KEMU_ENV_OFFSET(cc_src2), tcg::Type::I64},
    {"cc_op", KEMU_ENV_OFFSET(cc_op), tcg::Type::I64},
};
static_assert(std::size(kGlobals) == kGlobalCcOp + 1);

}  // namespace

namespace {

tcg::TlbLayout tlb_layout() {
    tcg::TlbLayout t;
    t.offset = KEMU_ENV_OFFSET(tlb);
    t.mmu_stride = uint32_t(sizeof(CpuEnv::tlb[0]));
    t.entry_size = uint32_t(sizeof(TlbEntry));
    t.entries = kTlbSize;
    t.page_bits = kPageBits;
    t.read_tag = uint32_t(offsetof(TlbEntry, addr_read));
    t.write_tag = uint32_t(offsetof(TlbEntry, addr_write));
    t.addend = uint32_t(offsetof(TlbEntry, addend));
    t.present = true;
    return t;
}

// Keyed by linear PC, which is RIP in 64-bit code: only such blocks (CS base 0) use it.
tcg::FastJumpLayout fast_jump_layout() {
    tcg::FastJumpLayout j;
    j.offset = KEMU_ENV_OFFSET(fast_jumps);
    j.bits = kFastJumpBits;
    j.pc_offset = KEMU_ENV_OFFSET(s.rip);
    j.key_offset = KEMU_ENV_OFFSET(fast_jump_key);
    j.present = true;
    return j;
}

}  // namespace

const tcg::TargetInfo& x86_target_info() {
    static const tcg::TargetInfo info{
        kGlobals,
        x86_helpers(),
        KEMU_ENV_OFFSET(scratch),
        kScratchSlots,
        KEMU_ENV_OFFSET(insn_index),
        guest_load,
        guest_store,
        guest_load_vector,
        guest_store_vector,
        tlb_layout(),
        true,
        KEMU_ENV_OFFSET(block_tag),
        KEMU_ENV_OFFSET(chain_break),
        goto_ptr_target,
        KEMU_ENV_OFFSET(s.fpu.mxcsr),
        fast_jump_layout(),
        KEMU_ENV_OFFSET(fp_unsettled),
    };
    return info;
}

bool flat_segment(const Segment& seg) {
    bool writable_data = seg.s && !(seg.type & 8) && (seg.type & 2) && !(seg.type & 4);
    return seg.base == 0 && seg.limit == 0xffffffff && seg.present && !seg.unusable &&
           writable_data;
}

uint32_t tb_flags(const X86CpuState& s) {
    uint32_t f = cpl(s);
    if (code64(s))
        f |= tbflag::kCode64;
    else if (protected_mode(s) && !vm86_mode(s) && s.seg[CS].db)
        f |= tbflag::kCode32;
    if (protected_mode(s) && !vm86_mode(s) && s.seg[SS].db) f |= tbflag::kStack32;
    if (protected_mode(s)) f |= tbflag::kProtected;
    if (vm86_mode(s)) f |= tbflag::kVm86;
    if (long_mode(s)) f |= tbflag::kLongMode;
    if (s.rflags & rflag::TF) f |= tbflag::kSingleStep;
    if (s.dr[7] & 0xff) f |= tbflag::kDebugRegs;
    if ((s.cr0 & cr0bit::AM) && (s.rflags & rflag::AC) && cpl(s) == 3) f |= tbflag::kAlignCheck;
    for (unsigned seg : {ES, SS, DS, FS, GS})
        if (flat_segment(s.seg[seg])) f |= tbflag::kFlatSeg0 << seg;
    if ((s.cr0 & cr0bit::EM) || !(s.cr4 & cr4bit::OSFXSR)) f |= tbflag::kSseUd;
    if (s.cr0 & cr0bit::EM) f |= tbflag::kMmxUd;
    if (!(s.cr4 & cr4bit::OSXSAVE) || (s.fpu.xcr0 & 6) != 6) f |= tbflag::kAvxUd;
    if (s.cr0 & cr0bit::TS) f |= tbflag::kSimdNm;
    if (!(s.cr4 & cr4bit::OSXSAVE)) f |= tbflag::kXsaveUd;
    constexpr uint32_t kHostControls = 0x1f80, kMxcsrFlags = 0x3f;
    if (tcg::kVfpAvailable && (s.fpu.mxcsr & ~kMxcsrFlags) == kHostControls)
        f |= tbflag::kSimdInline;
    if (x87::host_x87_available() && !(s.cr0 & (cr0bit::EM | cr0bit::TS)) &&
        x87::may_run_live(s.fpu.fcw))
        f |= tbflag::kX87Inline;
    return f;
}

// ---------------------------------------------------------------- values

TempId zero_extend(Ctx& c, TempId v, unsigned size) {
    static constexpr Opc kExt[] = {Opc::ext8u, Opc::ext16u, Opc::ext32u, Opc::mov};
    return c.b.unop(kExt[log2_size(size)], v);
}

TempId sign_extend(Ctx& c, TempId v, unsigned size) {
    static constexpr Opc kExt[] = {Opc::ext8s, Opc::ext16s, Opc::ext32s, Opc::mov};
    return c.b.unop(kExt[log2_size(size)], v);
}

// ---------------------------------------------------------------- registers

// AH, CH, DH and BH are encoded as registers 4..7 and live in bits 15:8 of registers 0..3.
TempId read_gpr(Ctx& c, unsigned reg, unsigned size, bool high8) {
    TempId g = kGlobalRegs + (high8 ? reg & 3 : reg);
    if (high8) {
        TempId d = c.b.temp();
        c.b.emit(Opc::extract, tcg::Type::I64, {d, g, 8, 8});
        return d;
    }
    return zero_extend(c, g, size);
}

void write_gpr(Ctx& c, unsigned reg, unsigned size, TempId v, bool high8) {
    TempId g = kGlobalRegs + (high8 ? reg & 3 : reg);
    switch (size) {
        case 8:
            c.b.mov(g, v);
            break;
        case 4:
            c.b.emit(Opc::ext32u, tcg::Type::I64, {g, v});
            break;  // writes clear bits 63:32
        case 2:
            c.b.emit(Opc::deposit, tcg::Type::I64, {g, g, v, 0, 16});
            break;
        case 1:
            c.b.emit(Opc::deposit, tcg::Type::I64, {g, g, v, high8 ? 8u : 0u, 8});
            break;
    }
}

// ---------------------------------------------------------------- memory

TempId effective_offset(Ctx& c) {
    const MemOperand& m = c.in->mem;
    auto reg = [&](int8_t r) {
        return r == RSP && c.rsp_in_address ? *c.rsp_in_address : kGlobalRegs + unsigned(r);
    };
    // base + index * scale + disp is one lea, which at 32 bits also wraps as the address does.
    const bool plain = m.base != MemOperand::kRip && m.base != MemOperand::kNone &&
                       m.index != MemOperand::kNone && m.addr_size >= 4 &&
                       int64_t(m.disp) == int64_t(int32_t(m.disp));
    if (plain) {
        const tcg::Type t = m.addr_size == 4 ? tcg::Type::I32 : tcg::Type::I64;
        TempId ea = c.b.temp(t);
        c.b.emit(Opc::lea, t, {ea, reg(m.base), reg(m.index), m.scale, uint32_t(int32_t(m.disp))});
        return ea;
    }
    TempId ea = c.b.cst(uint64_t(m.disp));
    if (m.base == MemOperand::kRip) {
        ea = c.b.cst(c.next_rip + uint64_t(m.disp));
    } else if (m.base != MemOperand::kNone) {
        ea = c.b.add(ea, reg(m.base));
    }
    if (m.index != MemOperand::kNone) {
        TempId idx = reg(m.index);
        if (m.scale) idx = c.b.shli(idx, m.scale);
        ea = c.b.add(ea, idx);
    }
    if (m.addr_size < 8) ea = zero_extend(c, ea, m.addr_size);
    return ea;
}

TempId linear(Ctx& c, unsigned seg, TempId offset) {
    if (c.code64()) {
        if (seg != FS && seg != GS) return offset;
        return c.b.add(offset, c.b.ld(Opc::ld, seg_base_offset(seg)));
    }
    if (c.flags & (tbflag::kFlatSeg0 << seg)) return offset;
    TempId sum = c.b.add(offset, c.b.ld(Opc::ld, seg_base_offset(seg)));
    return zero_extend(c, sum, 4);
}

// Protected-mode limit and rights checks for a data access (SDM vol. 3 5.3, 5.4). Real and
// virtual-8086 mode wrap offsets at 64 KiB instead; 64-bit mode has no limits.
void check_segment(Ctx& c, unsigned seg, TempId offset, unsigned size, bool write) {
    bool legacy = (c.flags & tbflag::kProtected) && !(c.flags & tbflag::kVm86) && !c.code64();
    if (!legacy || (c.flags & (tbflag::kFlatSeg0 << seg))) return;
    c.b.call(kHelper_check_segment, {c.b.cst(seg), offset, c.b.cst(size | (write ? 0x100 : 0))});
}

TempId operand_address(Ctx& c) {
    if (!c.cached_addr) c.cached_addr = linear(c, unsigned(c.in->mem.seg), effective_offset(c));
    return *c.cached_addr;
}

// #AC(0) for a misaligned data access while alignment checking is on (SDM vol. 3 6.15).
void check_alignment(Ctx& c, TempId addr, unsigned size) {
    if (!(c.flags & tbflag::kAlignCheck) || size == 1) return;
    tcg::LabelId aligned = c.b.label();
    c.b.brcond(Cond::Eq, c.b.andi(addr, size - 1), c.b.cst(0), aligned);
    c.b.call(kHelper_raise_exception, {c.b.cst(17), c.b.cst(1ull << 32)});
    c.b.set_label(aligned);
}

TempId load(Ctx& c, TempId addr, unsigned size, bool sign, unsigned align) {
    check_alignment(c, addr, size);
    const tcg::MemOp mop = tcg::MemOp::make(log2_size(size), sign, c.mmu_idx());
    return c.b.guest_ld(addr, mop.with_alignment(align).with_insn(c.insn));
}

void store(Ctx& c, TempId addr, TempId v, unsigned size, unsigned align) {
    check_alignment(c, addr, size);
    const tcg::MemOp mop = tcg::MemOp::make(log2_size(size), false, c.mmu_idx());
    c.b.guest_st(v, addr, mop.with_alignment(align).with_insn(c.insn));
}

// Alignment checking (#AC) looks at 8-byte pieces, as when vectors moved in two halves.
tcg::MemOp vector_memop(Ctx& c, TempId addr, unsigned size, unsigned align) {
    check_alignment(c, addr, 8);
    const tcg::MemOp mop = tcg::MemOp::make(unsigned(std::countr_zero(size)), false, c.mmu_idx());
    return mop.with_alignment(align).with_insn(c.insn);
}

void load_vector(Ctx& c, TempId addr, unsigned size, unsigned align, uint32_t env_offset) {
    c.b.guest_ld_vec(addr, vector_memop(c, addr, size, align), env_offset);
}

void store_vector(Ctx& c, TempId addr, unsigned size, unsigned align, uint32_t env_offset) {
    c.b.guest_st_vec(addr, vector_memop(c, addr, size, align), env_offset);
}

// ---------------------------------------------------------------- operands

unsigned operand_size(const Ctx& c, unsigned i) {
    unsigned s = c.in->operands[i].size;
    return s ? s : c.in->opsize;
}

TempId read_operand(Ctx& c, unsigned i) {
    const Operand& o = c.in->operands[i];
    unsigned size = operand_size(c, i);
    switch (o.kind) {
        case OperandKind::Gpr:
            return read_gpr(c, o.reg, size, o.high8);
        case OperandKind::Mem:
            check_segment(c, unsigned(c.in->mem.seg), effective_offset(c), size, false);
            return load(c, operand_address(c), size);
        case OperandKind::Imm:
        case OperandKind::Rel:
            return c.b.cst(c.in->imm & size_mask(size));
        case OperandKind::Seg:
            return c.b.ld(Opc::ld16u, seg_selector_offset(o.reg));
        default:
            break;
    }
    log_unimp("tcg: operand kind %d read by %s\n", int(o.kind), op_name(c.in->op));
    return c.b.cst(0);
}

void write_operand(Ctx& c, unsigned i, TempId v) {
    const Operand& o = c.in->operands[i];
    unsigned size = operand_size(c, i);
    switch (o.kind) {
        case OperandKind::Gpr:
            write_gpr(c, o.reg, size, v, o.high8);
            return;
        case OperandKind::Mem:
            check_segment(c, unsigned(c.in->mem.seg), effective_offset(c), size, true);
            store(c, operand_address(c), v, size);
            return;
        default:
            break;
    }
    log_unimp("tcg: operand kind %d written by %s\n", int(o.kind), op_name(c.in->op));
}

// ---------------------------------------------------------------- stack

TempId stack_address(Ctx& c, TempId sp) {
    return linear(c, SS, zero_extend(c, sp, c.stack_size()));
}

void push(Ctx& c, TempId v, unsigned size) {
    TempId sp = c.b.sub(kGlobalRegs + RSP, c.b.cst(size));
    check_segment(c, SS, zero_extend(c, sp, c.stack_size()), size, true);
    store(c, stack_address(c, sp), v, size);
    write_gpr(c, RSP, c.stack_size(), sp);
}

TempId pop_value(Ctx& c, unsigned size) {
    check_segment(c, SS, zero_extend(c, kGlobalRegs + RSP, c.stack_size()), size, false);
    return load(c, stack_address(c, kGlobalRegs + RSP), size);
}

void release_stack(Ctx& c, unsigned bytes) {
    write_gpr(c, RSP, c.stack_size(), c.b.addi(kGlobalRegs + RSP, bytes));
}

// ---------------------------------------------------------------- flags

void set_cc(Ctx& c, CcKind kind, unsigned size, TempId dst, TempId src, TempId src2) {
    CcOp op = cc_op(kind, log2_size(size));
    c.b.mov(kGlobalCcDst, dst);
    c.b.mov(kGlobalCcSrc, src == ~0u ? c.b.cst(0) : src);
    if (src2 != ~0u) c.b.mov(kGlobalCcSrc2, src2);
    c.b.mov(kGlobalCcOp, c.b.cst(op));
    c.cc_static = op;
    c.cc_minuend.reset();
}

void set_cc_dynamic(Ctx& c) {
    c.cc_static.reset();
    c.cc_minuend.reset();
}

TempId eflags(Ctx& c) {
    return c.b.call(kHelper_compute_eflags, {});
}

namespace {

constexpr unsigned kCfBit = 0, kPfBit = 2, kZfBit = 6, kSfBit = 7, kOfBit = 11;

// One arithmetic flag as 0/1, computed inline from the last flag setter's record when the
// translator knows its kind (c.cc_static); nullopt where only compute_arith_flags knows.
// The formulas are cc_op.cpp's, which the differential tests hold to the host CPU.
class StaticFlags {
  public:
    explicit StaticFlags(Ctx& c) : c_(c) {
        if (!c.cc_static) return;
        kind_ = cc_kind(*c.cc_static);
        size_ = 1u << cc_log2_size(*c.cc_static);
        known_ = true;
    }
    bool known() const { return known_; }
    CcKind kind() const { return kind_; }

    std::optional<TempId> cf() {
        if (!known_) return std::nullopt;
        switch (kind_) {
            case CcKind::Eflags:
                return bit_of_src(kCfBit);
            case CcKind::Add:
                return c_.b.setcond(Cond::Ltu, dst(), src());
            case CcKind::Adc:  // carry-in ? dst <= b : dst < b
                return c_.b.or_(c_.b.setcond(Cond::Ltu, dst(), src()),
                                c_.b.and_(carry_in(), c_.b.setcond(Cond::Eq, dst(), src())));
            case CcKind::Sub:
                return c_.b.setcond(Cond::Ltu, minuend(), src());
            case CcKind::Sbb:  // borrow-in ? a <= b : a < b
                return c_.b.or_(c_.b.setcond(Cond::Ltu, minuend(), src()),
                                c_.b.and_(carry_in(), c_.b.setcond(Cond::Eq, minuend(), src())));
            case CcKind::Logic:
                return c_.b.cst(0);
            case CcKind::Inc:
            case CcKind::Dec:
            case CcKind::Shr:
            case CcKind::Sar:
                return c_.b.andi(kGlobalCcSrc, 1);
            case CcKind::Shl:
                return msb(src());
            case CcKind::Mul:
                return c_.b.setcond(Cond::Ne, kGlobalCcSrc, c_.b.cst(0));
            case CcKind::Count:
                break;
        }
        return std::nullopt;
    }

    // zf() and sf() need known().
    TempId zf() {
        if (kind_ == CcKind::Eflags) return bit_of_src(kZfBit);
        return c_.b.setcond(Cond::Eq, dst(), c_.b.cst(0));
    }

    TempId sf() {
        if (kind_ == CcKind::Eflags) return bit_of_src(kSfBit);
        return msb(dst());
    }

    std::optional<TempId> of() {
        if (!known_) return std::nullopt;
        switch (kind_) {
            case CcKind::Eflags:
                return bit_of_src(kOfBit);
            case CcKind::Add:
            case CcKind::Adc: {  // the operands agree in sign and the result does not
                TempId a =
                    zero_extend(c_, c_.b.sub(c_.b.sub(dst(), src()), carry_in_or_zero()), size_);
                return msb(c_.b.and_(c_.b.xor_(a, dst()), c_.b.xor_(src(), dst())));
            }
            case CcKind::Sub:
            case CcKind::Sbb: {  // the operands differ in sign and the result differs from a
                TempId a = minuend();
                return msb(c_.b.and_(c_.b.xor_(a, src()), c_.b.xor_(a, dst())));
            }
            case CcKind::Logic:
            case CcKind::Sar:
                return c_.b.cst(0);
            case CcKind::Inc:
                return c_.b.setcond(Cond::Eq, dst(), c_.b.cst(sign_bit()));
            case CcKind::Dec:
                return c_.b.setcond(Cond::Eq, dst(), c_.b.cst(sign_bit() - 1));
            case CcKind::Shl:
                return c_.b.xor_(msb(src()), msb(dst()));
            case CcKind::Shr:
                return msb(src());
            case CcKind::Mul:
                return c_.b.setcond(Cond::Ne, kGlobalCcSrc, c_.b.cst(0));
            case CcKind::Count:
                break;
        }
        return std::nullopt;
    }

    // After SUB/CMP, BE, L and LE are one compare of the operands each.
    std::optional<TempId> sub_compare(unsigned base) {
        static constexpr struct {
            unsigned base;
            Cond cond;
            bool is_signed;
        } kCompares[] = {{6, Cond::Leu, false}, {12, Cond::Lt, true}, {14, Cond::Le, true}};
        for (const auto& k : kCompares) {
            if (k.base != base) continue;
            TempId a = minuend(), b = src();
            if (k.is_signed) {
                a = sign_extend(c_, a, size_);
                b = sign_extend(c_, b, size_);
            }
            return c_.b.setcond(k.cond, a, b);
        }
        return std::nullopt;
    }

    std::optional<TempId> pf() {
        if (known_ && kind_ == CcKind::Eflags) return bit_of_src(kPfBit);
        return std::nullopt;
    }

  private:
    TempId dst() { return zero_extend(c_, kGlobalCcDst, size_); }
    TempId src() { return zero_extend(c_, kGlobalCcSrc, size_); }
    TempId carry_in() { return c_.b.andi(kGlobalCcSrc2, 1); }
    TempId carry_in_or_zero() { return kind_ == CcKind::Adc ? carry_in() : c_.b.cst(0); }
    // SUB's first operand: as this block's SUB/CMP read it, or from the result, a = dst + b
    // (+ borrow-in for SBB).
    TempId minuend() {
        if (kind_ == CcKind::Sub && c_.cc_minuend) return *c_.cc_minuend;
        TempId a = c_.b.add(kGlobalCcDst, kGlobalCcSrc);
        if (kind_ == CcKind::Sbb) a = c_.b.add(a, carry_in());
        return zero_extend(c_, a, size_);
    }
    uint64_t sign_bit() const { return 1ull << (size_ * 8 - 1); }
    TempId msb(TempId v) { return c_.b.andi(c_.b.shri(v, size_ * 8 - 1), 1); }
    TempId bit_of_src(unsigned bit) { return c_.b.andi(c_.b.shri(kGlobalCcSrc, bit), 1); }

    Ctx& c_;
    CcKind kind_ = CcKind::Eflags;
    unsigned size_ = 1;
    bool known_ = false;
};

// Condition `base` (even: O B Z BE S P L LE) from the static record, or nullopt.
std::optional<TempId> static_condition(Ctx& c, unsigned base) {
    StaticFlags f(c);
    if (!f.known()) return std::nullopt;
    if (f.kind() == CcKind::Sub)
        if (auto r = f.sub_compare(base)) return r;
    switch (base) {
        case 0:
            return f.of();
        case 2:
            return f.cf();
        case 4:
            return f.zf();
        case 6:
            if (auto cf = f.cf()) return c.b.or_(*cf, f.zf());
            return std::nullopt;
        case 8:
            return f.sf();
        case 10:
            return f.pf();
        case 12:
            if (auto of = f.of()) return c.b.xor_(f.sf(), *of);
            return std::nullopt;
        default:
            if (auto of = f.of()) return c.b.or_(c.b.xor_(f.sf(), *of), f.zf());
            return std::nullopt;
    }
}

}  // namespace

TempId carry(Ctx& c) {
    if (auto cf = StaticFlags(c).cf()) return *cf;
    return c.b.andi(eflags(c), 1);
}

// Condition `base` from materialised flags (Jcc's table, by base / 2): the flags it ORs
// together, and whether it also takes SF != OF.
struct FlagsCondition {
    uint16_t bits;
    bool sf_not_of;
};
constexpr FlagsCondition kFromFlags[8] = {
    {1u << kOfBit, false},
    {1u << kCfBit, false},
    {1u << kZfBit, false},
    {1u << kCfBit | 1u << kZfBit, false},
    {1u << kSfBit, false},
    {1u << kPfBit, false},
    {0, true},
    {1u << kZfBit, true},
};

TempId condition(Ctx& c, unsigned cc) {
    std::optional<TempId> r = static_condition(c, cc & ~1u);
    if (!r) {
        TempId f = eflags(c);
        auto bit = [&](unsigned n) { return c.b.andi(c.b.shri(f, n), 1); };
        const FlagsCondition& k = kFromFlags[(cc >> 1) & 7];
        if (k.sf_not_of) r = c.b.xor_(bit(kSfBit), bit(kOfBit));
        for (unsigned n = 0; n < 16; n++)
            if (k.bits >> n & 1) r = r ? c.b.or_(*r, bit(n)) : bit(n);
    }
    if (cc & 1) r = c.b.xor_(*r, c.b.cst(1));
    return *r;
}

// ---------------------------------------------------------------- control

void store_rip(Ctx& c, TempId rip) {
    c.b.st(Opc::st, rip, KEMU_ENV_OFFSET(s.rip));
}

// A direct jump within the block's page can be chained for good. One to another page
// cannot (that page may be remapped without this block knowing): it goes through the jump
// cache, as an indirect one does, without leaving the JIT's code.
void jump_const(Ctx& c, uint64_t target, unsigned slot) {
    store_rip(c, c.b.cst(target));
    if (((c.cs_base + target) & kPageMask) == c.block_page)
        c.b.emit(Opc::goto_tb, tcg::Type::I64, {slot});
    else
        c.b.emit(Opc::goto_ptr, tcg::Type::I64, {});
    c.end = BlockEnd::Emitted;
}

void jump_indirect(Ctx& c, TempId target) {
    store_rip(c, target);
    c.b.emit(Opc::goto_ptr, tcg::Type::I64, {});
    c.end = BlockEnd::Emitted;
}

void exit_to_loop(Ctx& c, uint64_t rip) {
    store_rip(c, c.b.cst(rip));
    c.b.emit(Opc::exit_tb, tcg::Type::I64, {});
    c.end = BlockEnd::Emitted;
}

void raise_exception(Ctx& c, uint8_t vector, std::optional<uint32_t> error_code) {
    uint64_t code = error_code ? (uint64_t(*error_code) | 1ull << 32) : 0;
    c.b.call(kHelper_raise_exception, {c.b.cst(vector), c.b.cst(code)});
    c.b.emit(Opc::exit_tb, tcg::Type::I64, {});
    c.end = BlockEnd::Emitted;
}

// ---------------------------------------------------------------- the block loop

namespace {

CodeSize code_size(uint32_t flags) {
    return (flags & tbflag::kCode64)   ? CodeSize::Bits64
           : (flags & tbflag::kCode32) ? CodeSize::Bits32
                                       : CodeSize::Bits16;
}

// Checks that apply before any emitter: mode validity, LOCK, privilege.
bool rejected_by_attributes(Ctx& c) {
    const DecodedInsn& in = *c.in;
    if ((in.attrs & kAttrInvalid64) && c.code64()) return true;
    if ((in.attrs & kAttrOnly64) && !c.code64()) return true;
    return false;
}

}  // namespace

void translate_block(tcg::Function& f, const BlockStart& start, CodeReader& code,
                     TranslatedBlock& out) {
    f.clear();
    Ctx c{Builder(f)};
    c.cs_base = start.cs_base;
    c.flags = start.flags;
    // The next block of an indirect branch has this block's mode: its flags are the key.
    if ((c.flags & tbflag::kCode64) && c.cs_base == 0 && !(c.flags & tbflag::kOneInsn))
        f.set_fast_jump_key(c.flags);
    f.set_entry_pc(start.rip);
    uint64_t rip = start.rip;
    const uint64_t rip_mask = c.code64() ? ~0ull : 0xffffffffull;
    const uint64_t first_page = (start.cs_base + start.rip) & kPageMask;
    c.block_page = first_page;
    out.insn_rip.clear();
    out.fetch_fault = false;
    out.ends_shadow = false;
    bool in_shadow = false;  // the instruction being translated follows an STI in this block

    for (unsigned n = 0;; n++) {
        uint64_t lin = start.cs_base + rip;
        uint8_t bytes[15];
        size_t got = code.read(lin, bytes, sizeof bytes);
        DecodeResult r = decode({bytes, got}, code_size(c.flags), rip);
        if (r.status == DecodeStatus::NeedBytes) {
            if (n == 0) {
                out.fetch_fault = true;
                return;
            }
            exit_to_loop(c, rip);  // the next block starts here and takes the fault
            break;
        }
        DecodedInsn insn = r.insn;
        c.in = &insn;
        c.rip = rip;
        c.next_rip = (rip + insn.length) & rip_mask;
        if (r.status == DecodeStatus::Ok && !c.code64() && !(c.flags & tbflag::kCode32))
            c.next_rip &= 0xffff;
        c.cached_addr.reset();
        c.rsp_in_address.reset();
        // Any other instruction may take the x87 state out of the host FPU (MMX, FXSAVE, a
        // helper on the way to the exec loop).
        if (insn.op != Op::X87 && insn.op != Op::Fwait) c.x87_live_known = false;
        c.insn = uint32_t(out.insn_rip.size());
        c.b.emit(Opc::insn_start, tcg::Type::I64, {c.insn, 0});
        out.insn_rip.push_back(rip);
        out.last_byte = lin + (r.status == DecodeStatus::Ok ? insn.length : 1) - 1;

        if (r.status == DecodeStatus::TooLong) {
            raise_exception(c, 13, 0);
        } else if (r.status == DecodeStatus::Invalid || rejected_by_attributes(c)) {
            raise_exception(c, 6);
        } else if ((insn.attrs & kAttrPrivileged) && c.cpl() != 0) {
            raise_exception(c, 13, 0);
        } else if (Emitter e = emitter_for(insn.op)) {
            e(c);
        } else {
            log_unimp("tcg: no translation for %s at 0x%llx\n", op_name(insn.op),
                      (unsigned long long)lin);
            raise_exception(c, 6);
        }

        const bool closes_shadow = std::exchange(in_shadow, false);
        if (closes_shadow) {
            out.ends_shadow = true;
            f.clear_fast_jump_key();
        }
        if (c.end == BlockEnd::Emitted) break;
        rip = c.next_rip;
        bool page_end = ((start.cs_base + rip) & kPageMask) != first_page;
        const bool room = n + 1 < start.max_insns && !page_end && !(c.flags & tbflag::kOneInsn);
        if (c.end == BlockEnd::OpensShadow && room) {
            // The shadowed instruction runs in this block, so the block leaves right after
            // it and the exec loop takes a pending interrupt there, as the CPU would.
            in_shadow = true;
            c.end = BlockEnd::None;
            continue;
        }
        if (c.end != BlockEnd::None || closes_shadow || !room) {
            // Into the next page too, a loop that straddles the boundary stays in JIT code
            // (through the jump cache, see jump_const).
            const bool direct = c.end == BlockEnd::None || c.end == BlockEnd::Split;
            if (!direct || closes_shadow || (c.flags & tbflag::kOneInsn))
                exit_to_loop(c, rip);
            else
                jump_const(c, rip, 0);
            break;
        }
    }
}

}  // namespace kemu::x86
