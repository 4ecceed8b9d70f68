// ALU ops (arithmetic, shifts, bit fields, comparisons and selects) and env loads and
// stores, for the x86-64 backend's BlockCompiler.
#include <iterator>
#include <utility>

#include "tcg/backend_x86_64_block.h"

namespace kemu::tcg::x64 {

using Xbyak::CodeGenerator;
using Xbyak::Operand;
using Xbyak::Reg;
using Xbyak::Reg64;
using namespace Xbyak::util;

// By IR condition; brcond (backend_x86_64_control.cpp) takes its jumps from here too.
const CondCode kCondCodes[] = {
    {Cc::E, &CodeGenerator::sete, &CodeGenerator::cmove},     // Eq
    {Cc::NE, &CodeGenerator::setne, &CodeGenerator::cmovne},  // Ne
    {Cc::L, &CodeGenerator::setl, &CodeGenerator::cmovl},     // Lt
    {Cc::GE, &CodeGenerator::setge, &CodeGenerator::cmovge},  // Ge
    {Cc::LE, &CodeGenerator::setle, &CodeGenerator::cmovle},  // Le
    {Cc::G, &CodeGenerator::setg, &CodeGenerator::cmovg},     // Gt
    {Cc::B, &CodeGenerator::setb, &CodeGenerator::cmovb},     // Ltu
    {Cc::AE, &CodeGenerator::setae, &CodeGenerator::cmovae},  // Geu
    {Cc::BE, &CodeGenerator::setbe, &CodeGenerator::cmovbe},  // Leu
    {Cc::A, &CodeGenerator::seta, &CodeGenerator::cmova},     // Gtu
};
static_assert(std::size(kCondCodes) == size_t(Cond::Always));

namespace {

unsigned width(Type t) {
    return t == Type::I32 ? 32 : 64;
}

// The group-1 operation of a two-operand ALU op (mul has none).
Alu alu_of(Opc opc) {
    switch (opc) {
        case Opc::add:
            return Alu::Add;
        case Opc::sub:
            return Alu::Sub;
        case Opc::and_:
            return Alu::And;
        case Opc::or_:
            return Alu::Or;
        default:
            return Alu::Xor;
    }
}

// Shift and rotate instructions by cl and by an immediate.
struct ShiftForms {
    void (CodeGenerator::*by_cl)(const Operand&, const Xbyak::Reg8&);
    void (CodeGenerator::*by_imm)(const Operand&, int);
};
ShiftForms shift_forms(Opc opc) {
    switch (opc) {
        case Opc::shl:
            return {&CodeGenerator::shl, &CodeGenerator::shl};
        case Opc::shr:
            return {&CodeGenerator::shr, &CodeGenerator::shr};
        case Opc::sar:
            return {&CodeGenerator::sar, &CodeGenerator::sar};
        case Opc::rotl:
            return {&CodeGenerator::rol, &CodeGenerator::rol};
        default:
            return {&CodeGenerator::ror, &CodeGenerator::ror};
    }
}

// The deposit op's field mask, computed exactly as the interpreter does.
uint64_t deposit_field(unsigned pos, unsigned len) {
    return len >= 64 ? ~0ull : ((1ull << len) - 1) << (pos & 63);
}

}  // namespace

// Temp t as a 32-bit immediate for an op of `type`, when the instruction's immediate
// form computes the same thing (i32 ops see only the low half; i64 sign-extends).
bool BlockCompiler::as_imm(TempId t, Type type, uint32_t& imm) const {
    if (temp(t).kind != TempKind::Const) return false;
    const uint64_t v = temp(t).value;
    if (type == Type::I64 && int64_t(v) != int64_t(int32_t(uint32_t(v)))) return false;
    imm = uint32_t(v);
    return true;
}

// d = a before an instruction that updates d in place (and so sets its upper half).
void BlockCompiler::copy_for_update(const Reg& d, const Reg& a) {
    if (d.getIdx() != a.getIdx()) c_.mov(d.getIdx(), a.getIdx(), d.getBit() == 64);
}

// `cmp a, b` at the op's width.
void BlockCompiler::compare(Type type, TempId a, TempId b) {
    const Reg ra = sized(regs_.use(a), type);
    uint32_t imm;
    if (as_imm(b, type, imm))
        c_.cmp(ra, imm);
    else
        c_.cmp(ra, sized(regs_.use(b), type));
}

void BlockCompiler::binary_alu(const Op& op) {
    const Type t = op.type;
    // A constant goes to the right of a commutative operation, where it can be an immediate.
    TempId left = op.input(0), right = op.input(1);
    if (op.opc != Opc::sub && temp(left).kind == TempKind::Const) std::swap(left, right);
    const Reg64 a = regs_.use(left);
    uint32_t imm;
    const bool is_imm = op.opc != Opc::mul && as_imm(right, t, imm);
    const Reg64 b = is_imm ? rax : regs_.use(right);
    const Reg d = sized(regs_.def_over(op.output(0), left), t);
    // d = a + imm in one instruction when d is another register (LEA sets no flags,
    // which nothing here needs).
    const bool wide = t == Type::I64;
    if (is_imm && d.getIdx() != a.getIdx() && (op.opc == Opc::add || op.opc == Opc::sub)) {
        const int32_t delta = op.opc == Opc::add ? int32_t(imm) : -int32_t(imm);
        if (op.opc == Opc::add || imm != 0x80000000u) {
            c_.lea(d.getIdx(), Mem{a.getIdx(), delta}, wide);
            return;
        }
    }
    copy_for_update(d, sized(a, t));
    if (op.opc == Opc::mul)
        c_.imul(d, sized(b, t));
    else if (is_imm)
        c_.alu(alu_of(op.opc), d.getIdx(), int32_t(imm), wide);
    else
        c_.alu_reg(alu_of(op.opc), d.getIdx(), b.getIdx(), wide);
}

void BlockCompiler::shift(const Op& op) {
    const Type t = op.type;
    const Reg64 a = regs_.use(op.input(0));
    const ShiftForms forms = shift_forms(op.opc);
    if (temp(op.input(1)).kind == TempKind::Const) {
        const int n = int(temp(op.input(1)).value & (width(t) - 1));
        const Reg d = sized(regs_.def_over(op.output(0), op.input(0)), t);
        // A 32-bit shift of d itself clears d's upper half as the copy would; by 0, the
        // copy does it.
        if (d.getIdx() != a.getIdx() || n == 0) c_.mov(d, sized(a, t));
        if (n) (c_.*forms.by_imm)(d, n);
        return;
    }
    const Reg64 b = regs_.use(op.input(1));
    const Reg d = sized(regs_.def_over(op.output(0), op.input(0)), t);
    c_.mov(ecx, b.cvt32());
    copy_for_update(d, sized(a, t));
    (c_.*forms.by_cl)(d, cl);
}

void BlockCompiler::mul2(const Op& op) {
    const Type t = op.type;
    const Reg64 a = regs_.use(op.input(0));
    const Reg64 b = regs_.use(op.input(1));
    c_.mov(sized(rax, t), sized(a, t));
    if (op.opc == Opc::mulu2)
        c_.mul(sized(b, t));
    else
        c_.imul(sized(b, t));
    c_.mov(regs_.def(op.output(0)), rax);
    c_.mov(regs_.def(op.output(1)), rdx);
}

// divu2/divs2: the frontend has ruled out the inputs that make DIV/IDIV fault.
void BlockCompiler::div2(const Op& op) {
    const Type t = op.type;
    const Reg64 high = regs_.use(op.input(0));
    const Reg64 low = regs_.use(op.input(1));
    const Reg64 divisor = regs_.use(op.input(2));
    c_.mov(sized(rax, t), sized(low, t));
    c_.mov(sized(rdx, t), sized(high, t));
    if (op.opc == Opc::divu2)
        c_.div(sized(divisor, t));
    else
        c_.idiv(sized(divisor, t));
    c_.mov(regs_.def(op.output(0)), rax);
    c_.mov(regs_.def(op.output(1)), rdx);
}

// clz/ctz: bsr/bsf leave ZF set for a zero input, which takes the fallback b instead.
void BlockCompiler::count_zeros(const Op& op) {
    const Type t = op.type;
    const Reg64 a = regs_.use(op.input(0));
    const Reg64 b = regs_.use(op.input(1));
    const Reg64 d = regs_.def(op.output(0));
    c_.mov(d, b);
    if (op.opc == Opc::ctz) {
        c_.bsf(sized(rax, t), sized(a, t));
        c_.cmovnz(d, rax);
        return;
    }
    const BlockLabels::Id zero = labels_.make();
    c_.bsr(sized(rcx, t), sized(a, t));
    labels_.jcc(Cc::E, zero);
    c_.mov(eax, width(t) - 1);
    c_.sub(eax, ecx);
    c_.mov(d, rax);
    labels_.bind(zero);
}

void BlockCompiler::bswap(const Op& op) {
    const Reg64 a = regs_.use(op.input(0));
    const Reg64 d = regs_.def(op.output(0));
    switch (op.constant(0)) {
        case 2:
            c_.movzx(eax, a.cvt16());
            c_.rol(ax, 8);
            c_.movzx(d.cvt32(), ax);
            return;
        case 4:
            c_.mov(eax, a.cvt32());
            c_.bswap(eax);
            c_.mov(d.cvt32(), eax);
            return;
        default:
            c_.mov(rax, a);
            c_.bswap(rax);
            c_.mov(sized(d, op.type), sized(rax, op.type));
            return;
    }
}

void BlockCompiler::extend(const Op& op) {
    const Reg64 a = regs_.use(op.input(0));
    const Reg64 d = regs_.def_over(op.output(0), op.input(0));
    const bool i64 = op.type == Type::I64;
    switch (op.opc) {
        case Opc::ext8s:
            c_.movsx(sized(d, op.type), a.cvt8());
            return;
        case Opc::ext8u:
            c_.movzx(d.cvt32(), a.cvt8());
            return;
        case Opc::ext16s:
            c_.movsx(sized(d, op.type), a.cvt16());
            return;
        case Opc::ext16u:
            c_.movzx(d.cvt32(), a.cvt16());
            return;
        case Opc::ext32s:
            if (i64)
                c_.movsxd(d, a.cvt32());
            else
                c_.mov(d.cvt32(), a.cvt32());
            return;
        default:  // ext32u
            c_.mov(d.cvt32(), a.cvt32());
            return;
    }
}

void BlockCompiler::deposit(const Op& op) {
    const unsigned pos = op.constant(0), len = op.constant(1);
    const uint64_t field = deposit_field(pos, len) & width_mask(op.type);
    const Reg64 a = regs_.use(op.input(0));
    const Reg64 b = regs_.use(op.input(1));
    const Reg64 d = regs_.def(op.output(0));
    c_.mov(rdx, b);
    if (pos & 63) c_.shl(rdx, int(pos & 63));
    c_.mov(rcx, field);
    c_.and_(rdx, rcx);
    c_.mov(rcx, ~deposit_field(pos, len) & width_mask(op.type));
    c_.and_(rcx, a);
    c_.or_(rcx, rdx);
    c_.mov(d, rcx);
}

void BlockCompiler::extract(const Op& op) {
    const unsigned pos = op.constant(0), len = op.constant(1);
    const Reg64 a = regs_.use(op.input(0));
    const Reg64 d = regs_.def_over(op.output(0), op.input(0));
    copy_for_update(d, a);
    if (pos & 63) c_.shr(d, int(pos & 63));
    if (len >= 64) return;
    if (len == 32) {
        c_.mov(d.cvt32(), d.cvt32());
    } else if (len < 32) {
        c_.and_(d, uint32_t((1ull << len) - 1));
    } else {
        c_.mov(rax, (1ull << len) - 1);
        c_.and_(d, rax);
    }
}

void BlockCompiler::setcond(const Op& op) {
    const Cond cond = Cond(op.constant(0));
    if (cond == Cond::Always || cond == Cond::Never) {
        c_.mov(regs_.def(op.output(0)).cvt32(), cond == Cond::Always ? 1u : 0u);
        return;
    }
    compare(op.type, op.input(0), op.input(1));
    (c_.*kCondCodes[size_t(cond)].setcc)(al);
    c_.movzx(regs_.def(op.output(0)).cvt32(), al);
}

void BlockCompiler::movcond(const Op& op) {
    const Cond cond = Cond(op.constant(0));
    if (cond == Cond::Always || cond == Cond::Never) {
        const Reg64 v = regs_.use(op.input(cond == Cond::Always ? 2 : 3));
        c_.mov(regs_.def(op.output(0)), v);
        return;
    }
    // d starts as the value for a false condition (in its register when that dies here),
    // which the compare leaves alone; a constant comparand is an immediate.
    const Reg a = sized(regs_.use(op.input(0)), op.type);
    uint32_t imm;
    const bool b_imm = as_imm(op.input(1), op.type, imm);
    const Reg b = b_imm ? a : sized(regs_.use(op.input(1)), op.type);
    const Reg64 v1 = regs_.use(op.input(2));
    const Reg64 v2 = regs_.use(op.input(3));
    const Reg64 d = regs_.def_over(op.output(0), op.input(3));
    if (d.getIdx() != v2.getIdx()) c_.mov(d, v2);
    if (b_imm)
        c_.cmp(a, imm);
    else
        c_.cmp(a, b);
    (c_.*kCondCodes[size_t(cond)].cmovcc)(d, v1);
}

// Env loads and stores of `size` bytes at `offset`; globals there are kept coherent.
void BlockCompiler::env_load(const Op& op, unsigned size, bool sign) {
    const uint32_t offset = op.constant(0);
    vectors_.read(offset, size);
    regs_.alias_env(offset, size, false);
    const Reg64 d = regs_.def(op.output(0));
    switch (size) {
        case 1:
            c_.movzx(d.cvt32(), c_.byte[env_at(offset)]);
            return;
        case 2:
            c_.movzx(d.cvt32(), c_.word[env_at(offset)]);
            return;
        case 4:
            if (sign && op.type == Type::I64)
                c_.movsxd(d, c_.dword[env_at(offset)]);
            else
                c_.mov(d.cvt32(), c_.dword[env_at(offset)]);
            return;
        default:
            c_.mov(d, c_.qword[env_at(offset)]);
            return;
    }
}

void BlockCompiler::env_store(const Op& op, unsigned size) {
    const uint32_t offset = op.constant(0);
    vectors_.written(offset, size);
    // A constant goes in as the instruction's immediate (sign-extended for 8 bytes).
    const Temp& value = temp(op.input(0));
    if (writes_next_pc(offset, size))
        next_pc_ = size == 8 && value.kind == TempKind::Const ? std::optional<uint64_t>(value.value)
                                                              : std::nullopt;
    if (defers_pc_store(op)) {
        deferred_pc_ = int32_t(uint32_t(value.value));
        return;
    }
    if (value.kind == TempKind::Const &&
        (size < 8 || int64_t(value.value) == int64_t(int32_t(uint32_t(value.value))))) {
        regs_.alias_env(offset, size, true);
        const uint32_t imm = uint32_t(value.value);
        switch (size) {
            case 1:
                c_.mov(c_.byte[env_at(offset)], uint8_t(imm));
                return;
            case 2:
                c_.mov(c_.word[env_at(offset)], uint16_t(imm));
                return;
            default:  // 4 or 8 bytes (for 8, the immediate is sign-extended)
                c_.store_imm(env_mem(offset), int32_t(imm), size == 8);
                return;
        }
    }
    const Reg64 v = regs_.use(op.input(0));
    regs_.alias_env(offset, size, true);
    if (size == 8 && writes_next_pc(offset, size))
        next_pc_reg_ = {uint32_t(&op - f_.ops().data()), v.getIdx()};
    switch (size) {
        case 1:
            c_.mov(c_.byte[env_at(offset)], v.cvt8());
            return;
        case 2:
            c_.mov(c_.word[env_at(offset)], v.cvt16());
            return;
        default:
            c_.store(env_mem(offset), v.getIdx(), size == 8);
            return;
    }
}

}  // namespace kemu::tcg::x64
