// Emitters for integer arithmetic, logic, shifts, multiply/divide and bit operations.
#include "target-x86/tcg/emit.h"

namespace kemu::x86 {

namespace {

constexpr TempId kNoTemp = ~0u;

bool locked_memory(const Ctx& c) {
    return c.in->lock && c.in->operands[0].kind == OperandKind::Mem;
}

// 32-bit operations are i32 ops, whose results come zero-extended as a 32-bit register
// write leaves them; narrower ones are truncated where they are written and flagged.
tcg::Type op_type(unsigned size) {
    return size == 4 ? tcg::Type::I32 : tcg::Type::I64;
}

// The result of `kind` with operands a, b (and carry-in for ADC/SBB) at `size`.
TempId alu_result(Ctx& c, Op op, unsigned size, TempId a, TempId b, TempId cf) {
    const tcg::Type t = op_type(size);
    switch (op) {
        case Op::Add:
            return c.b.binop(Opc::add, a, b, t);
        case Op::Adc:
            return c.b.binop(Opc::add, c.b.binop(Opc::add, a, b, t), cf, t);
        case Op::Sub:
        case Op::Cmp:
            return c.b.binop(Opc::sub, a, b, t);
        case Op::Sbb:
            return c.b.binop(Opc::sub, c.b.binop(Opc::sub, a, b, t), cf, t);
        case Op::And:
        case Op::Test:
            return c.b.binop(Opc::and_, a, b, t);
        case Op::Or:
            return c.b.binop(Opc::or_, a, b, t);
        default:
            return c.b.binop(Opc::xor_, a, b, t);
    }
}

void alu_flags(Ctx& c, Op op, unsigned size, TempId result, TempId b, TempId cf) {
    switch (op) {
        case Op::Add:
            set_cc(c, CcKind::Add, size, result, b);
            break;
        case Op::Adc:
            set_cc(c, CcKind::Adc, size, result, b, cf);
            break;
        case Op::Sub:
        case Op::Cmp:
            set_cc(c, CcKind::Sub, size, result, b);
            break;
        case Op::Sbb:
            set_cc(c, CcKind::Sbb, size, result, b, cf);
            break;
        default:
            set_cc(c, CcKind::Logic, size, result, kNoTemp);
            break;
    }
}

AtomicKind atomic_kind(Op op) {
    switch (op) {
        case Op::Add:
            return AtomicKind::Add;
        case Op::Or:
            return AtomicKind::Or;
        case Op::Adc:
            return AtomicKind::Adc;
        case Op::Sbb:
            return AtomicKind::Sbb;
        case Op::And:
            return AtomicKind::And;
        case Op::Sub:
            return AtomicKind::Sub;
        default:
            return AtomicKind::Xor;
    }
}

// ADD OR ADC SBB AND SUB XOR CMP TEST: dst op= src.
void emit_alu(Ctx& c) {
    const Op op = c.in->op;
    const unsigned size = operand_size(c, 0);
    TempId b = read_operand(c, 1);
    TempId cf = (op == Op::Adc || op == Op::Sbb) ? carry(c) : kNoTemp;
    if (locked_memory(c)) {
        // The helper applies the operation atomically and returns the old value.
        TempId bits = c.b.cst(atomic_op_bits(atomic_kind(op), log2_size(size), c.mmu_idx()));
        TempId old = c.b.call(kHelper_atomic_rmw,
                              {operand_address(c), b, bits, cf == kNoTemp ? c.b.cst(0) : cf});
        alu_flags(c, op, size, alu_result(c, op, size, old, b, cf), b, cf);
        return;
    }
    // `xor r, r` and `sub r, r` do not depend on the old value.
    const Operand& d = c.in->operands[0];
    const Operand& s = c.in->operands[1];
    bool zero_idiom = (op == Op::Xor || op == Op::Sub) && d.kind == OperandKind::Gpr &&
                      s.kind == OperandKind::Gpr && d.reg == s.reg && d.high8 == s.high8;
    TempId a = zero_idiom ? c.b.cst(0) : read_operand(c, 0);
    TempId r = zero_idiom ? c.b.cst(0) : alu_result(c, op, size, a, b, cf);
    // A copy of SUB/CMP's first operand for the conditions (alu_flags), taken before SUB
    // overwrites its register; where nothing does, copy propagation reads the register.
    std::optional<TempId> minuend;
    if (op == Op::Sub || op == Op::Cmp) {
        minuend = c.b.temp();
        c.b.mov(*minuend, zero_idiom ? b : a);  // `sub r, r`: a is r, as b is
    }
    if (op != Op::Cmp && op != Op::Test) write_operand(c, 0, r);
    alu_flags(c, op, size, r, b, cf);
    c.cc_minuend = minuend;
}

void emit_inc_dec(Ctx& c) {
    const unsigned size = operand_size(c, 0);
    const bool inc = c.in->op == Op::Inc;
    TempId cf = carry(c);
    TempId r;
    if (locked_memory(c)) {
        TempId bits = c.b.cst(
            atomic_op_bits(inc ? AtomicKind::Add : AtomicKind::Sub, log2_size(size), c.mmu_idx()));
        TempId old =
            c.b.call(kHelper_atomic_rmw, {operand_address(c), c.b.cst(1), bits, c.b.cst(0)});
        r = c.b.binop(inc ? Opc::add : Opc::sub, old, c.b.cst(1), op_type(size));
    } else {
        TempId a = read_operand(c, 0);
        r = c.b.binop(inc ? Opc::add : Opc::sub, a, c.b.cst(1), op_type(size));
        write_operand(c, 0, r);
    }
    set_cc(c, inc ? CcKind::Inc : CcKind::Dec, size, r, cf);
}

void emit_neg_not(Ctx& c) {
    const unsigned size = operand_size(c, 0);
    const bool neg = c.in->op == Op::Neg;
    TempId a, r;
    if (locked_memory(c)) {
        TempId bits = c.b.cst(
            atomic_op_bits(neg ? AtomicKind::Neg : AtomicKind::Not, log2_size(size), c.mmu_idx()));
        a = c.b.call(kHelper_atomic_rmw, {operand_address(c), c.b.cst(0), bits, c.b.cst(0)});
        r = c.b.unop(neg ? Opc::neg : Opc::not_, a, op_type(size));
    } else {
        a = read_operand(c, 0);
        r = c.b.unop(neg ? Opc::neg : Opc::not_, a, op_type(size));
        write_operand(c, 0, r);
    }
    if (neg) set_cc(c, CcKind::Sub, size, r, a);
}

// SHL/SAL SHR SAR. A zero count changes nothing, not even the flags; an immediate count
// (the common case) needs no test for it, and the flags record stays known to the
// translator.
void emit_shift(Ctx& c) {
    const unsigned size = operand_size(c, 0);
    const unsigned count_mask = size == 8 ? 0x3f : 0x1f;
    const Op op = c.in->op;
    const bool constant = c.in->operands[1].kind == OperandKind::Imm;
    const unsigned constant_count = unsigned(c.in->imm) & count_mask;
    TempId a = read_operand(c, 0);
    TempId count = constant ? c.b.cst(constant_count) : c.b.andi(read_operand(c, 1), count_mask);
    // Even a zero count writes a 32-bit register, clearing its upper half.
    bool gpr32 = size == 4 && c.in->operands[0].kind == OperandKind::Gpr;
    if (constant && constant_count == 0) {
        if (gpr32) write_operand(c, 0, a);
        return;
    }
    std::optional<tcg::LabelId> skip;
    if (!constant) {
        if (gpr32) write_operand(c, 0, a);
        skip = c.b.label();
        c.b.brcond(Cond::Eq, count, c.b.cst(0), *skip);
    }
    TempId count1 = c.b.sub(count, c.b.cst(1));
    const tcg::Type t = op_type(size);
    TempId r, src;
    CcKind kind;
    if (op == Op::Shl) {
        r = c.b.binop(Opc::shl, a, count, t);
        src = c.b.binop(Opc::shl, a, count1, t);
        kind = CcKind::Shl;
    } else if (op == Op::Shr) {
        r = c.b.binop(Opc::shr, a, count, t);
        src = c.b.binop(Opc::shr, a, count1, t);
        kind = CcKind::Shr;
    } else {
        // An i32 SAR shifts the low half as signed; narrower operands are extended first.
        TempId sa = size == 4 ? a : sign_extend(c, a, size);
        r = c.b.binop(Opc::sar, sa, count, t);
        src = c.b.binop(Opc::sar, sa, count1, t);
        kind = CcKind::Sar;
    }
    write_operand(c, 0, r);
    set_cc(c, kind, size, r, src);
    if (!skip) return;
    c.b.set_label(*skip);
    set_cc_dynamic(c);
}

// ROL and ROR inline: a 64-bit host rotate of the operand repeated across the register
// (the pattern's period is the operand width, so its low bits rotate by count mod width),
// CF and OF from the result, the other flags kept. compute_eflags is pure: when a later
// instruction in the block sets the flags again, the optimizer drops it and this flag work.
// RCL and RCR, rare and chained through CF, stay a helper.
void emit_rotate(Ctx& c) {
    const unsigned size = operand_size(c, 0);
    const unsigned bits = size * 8;
    const Op op = c.in->op;
    TempId a = read_operand(c, 0);
    if (op == Op::Rcl || op == Op::Rcr) {
        RotateKind kind = op == Op::Rcl ? RotateKind::Rcl : RotateKind::Rcr;
        TempId count = read_operand(c, 1);
        TempId r =
            c.b.call(kHelper_rotate, {a, count, c.b.cst(rotate_op_bits(kind, log2_size(size)))});
        write_operand(c, 0, r);
        set_cc_dynamic(c);
        return;
    }
    static constexpr uint64_t kRepeat[] = {0x0101010101010101, 0x0001000100010001,
                                           0x0000000100000001};
    const unsigned count_mask = size == 8 ? 0x3f : 0x1f;
    const bool constant = c.in->operands[1].kind == OperandKind::Imm;
    const unsigned constant_count = unsigned(c.in->imm) & count_mask;
    TempId count = constant ? c.b.cst(constant_count) : c.b.andi(read_operand(c, 1), count_mask);
    TempId wide = size == 8 ? a : c.b.binop(Opc::mul, a, c.b.cst(kRepeat[log2_size(size)]));
    TempId r = zero_extend(c, c.b.binop(op == Op::Rol ? Opc::rotl : Opc::rotr, wide, count), size);
    write_operand(c, 0, r);
    if (constant && constant_count == 0) return;  // a zero count changes no flag

    TempId msb = c.b.shri(r, bits - 1);
    TempId cf = op == Op::Rol ? c.b.andi(r, 1) : msb;
    TempId of = c.b.xor_(msb, op == Op::Rol ? cf : c.b.andi(c.b.shri(r, bits - 2), 1));
    constexpr uint64_t kCf = 1, kOf = 0x800;
    TempId old = c.b.andi(eflags(c), kArithFlags);
    TempId flags = c.b.or_(c.b.andi(old, ~(kCf | kOf)), c.b.or_(cf, c.b.shli(of, 11)));
    if (!constant) flags = c.b.movcond(Cond::Eq, count, c.b.cst(0), old, flags);
    set_cc(c, CcKind::Eflags, size, c.b.cst(0), flags);
}

void emit_double_shift(Ctx& c) {
    const unsigned size = operand_size(c, 0);
    TempId a = read_operand(c, 0);
    TempId other = read_operand(c, 1);
    TempId count = read_operand(c, 2);
    uint64_t bits = log2_size(size) | (c.in->op == Op::Shrd ? 0x10 : 0);
    TempId r = c.b.call(kHelper_double_shift, {a, other, count, c.b.cst(bits)});
    write_operand(c, 0, r);
    set_cc_dynamic(c);
}

// MUL and one-operand IMUL: rDX:rAX = rAX * src.
void emit_mul1(Ctx& c) {
    const unsigned size = operand_size(c, 0);
    const bool sign = c.in->op == Op::Imul1;
    TempId src = read_operand(c, 0);
    TempId acc = read_gpr(c, RAX, size);
    TempId lo, hi, overflow;
    if (size == 8) {
        lo = c.b.temp();
        hi = c.b.temp();
        c.b.emit(sign ? Opc::muls2 : Opc::mulu2, tcg::Type::I64, {lo, hi, acc, src});
        overflow = sign ? c.b.setcond(Cond::Ne, hi, c.b.sar(lo, c.b.cst(63)))
                        : c.b.setcond(Cond::Ne, hi, c.b.cst(0));
    } else {
        TempId x = sign ? sign_extend(c, acc, size) : acc;
        TempId y = sign ? sign_extend(c, src, size) : src;
        TempId p = c.b.binop(Opc::mul, x, y);
        lo = zero_extend(c, p, size);
        hi = zero_extend(c, c.b.shri(p, 8 * size), size);
        overflow = sign ? c.b.setcond(Cond::Ne, p, sign_extend(c, p, size))
                        : c.b.setcond(Cond::Ne, hi, c.b.cst(0));
    }
    if (size == 1) {
        write_gpr(c, RAX, 2, c.b.or_(lo, c.b.shli(hi, 8)));
    } else {
        write_gpr(c, RAX, size, lo);
        write_gpr(c, RDX, size, hi);
    }
    set_cc(c, CcKind::Mul, size, lo, overflow);
}

// Two- and three-operand IMUL: dst = src1 * src2, truncated.
void emit_imul(Ctx& c) {
    const unsigned size = operand_size(c, 0);
    TempId x = c.in->operand_count == 3 ? read_operand(c, 1) : read_operand(c, 0);
    TempId y = c.in->operand_count == 3 ? read_operand(c, 2) : read_operand(c, 1);
    TempId lo, overflow;
    if (size == 8) {
        lo = c.b.temp();
        TempId hi = c.b.temp();
        c.b.emit(Opc::muls2, tcg::Type::I64, {lo, hi, x, y});
        overflow = c.b.setcond(Cond::Ne, hi, c.b.sar(lo, c.b.cst(63)));
    } else {
        TempId p = c.b.binop(Opc::mul, sign_extend(c, x, size), sign_extend(c, y, size));
        lo = p;
        overflow = c.b.setcond(Cond::Ne, p, sign_extend(c, p, size));
    }
    write_operand(c, 0, lo);
    set_cc(c, CcKind::Mul, size, lo, overflow);
}

// DIV/IDIV. 32- and 64-bit divisions the host can do without faulting run inline: unsigned
// when rDX < divisor (the quotient fits, and the divisor is not 0); signed when rDX is only
// the sign of rAX and the divisor is neither 0 nor -1. The rest, #DE included, go to the helper.
void emit_div(Ctx& c) {
    const unsigned size = operand_size(c, 0);
    const bool sign = c.in->op == Op::Idiv;
    TempId divisor = read_operand(c, 0);
    const TempId bits = c.b.cst(log2_size(size) | (sign ? 4 : 0));
    if (size < 4) {
        c.b.call(kHelper_div, {divisor, bits});
        return;
    }
    const auto type = size == 8 ? tcg::Type::I64 : tcg::Type::I32;
    const TempId high = read_gpr(c, RDX, size);
    const TempId low = read_gpr(c, RAX, size);
    const tcg::LabelId slow = c.b.label(), done = c.b.label();
    if (sign) {
        c.b.brcond(Cond::Ne, high, c.b.sar(sign_extend(c, low, size), c.b.cst(63)), slow, type);
        c.b.brcond(Cond::Leu, c.b.addi(sign_extend(c, divisor, size), 1), c.b.cst(1), slow);
    } else {
        c.b.brcond(Cond::Geu, high, divisor, slow);
    }
    const TempId quotient = c.b.temp(), remainder = c.b.temp();
    c.b.emit(sign ? Opc::divs2 : Opc::divu2, type, {quotient, remainder, high, low, divisor});
    write_gpr(c, RAX, size, quotient);
    write_gpr(c, RDX, size, remainder);
    c.b.br(done);
    c.b.set_label(slow);
    c.b.call(kHelper_div, {divisor, bits});
    c.b.set_label(done);
}

// BT BTS BTR BTC: CF = the selected bit, which the last three then change.
void emit_bit_test(Ctx& c) {
    const unsigned size = operand_size(c, 0);
    const unsigned bits = size * 8;
    const Op op = c.in->op;
    TempId offset = read_operand(c, 1);
    TempId bit;
    std::optional<TempId> addr;
    if (c.in->operands[0].kind == OperandKind::Mem) {
        bit = c.b.andi(offset, bits - 1);
        TempId base = operand_address(c);
        if (c.in->operands[1].kind == OperandKind::Gpr) {
            // A register bit offset is signed and may select any operand-sized word around it.
            TempId word = c.b.sar(sign_extend(c, offset, size), c.b.cst(__builtin_ctz(bits)));
            base = c.b.add(base, c.b.shli(word, log2_size(size)));
            if (!c.code64()) base = zero_extend(c, base, 4);
        }
        addr = base;
    } else {
        bit = c.b.andi(offset, bits - 1);
    }
    TempId mask = c.b.shl(c.b.cst(1), bit);
    TempId old;
    if (addr && c.in->lock && op != Op::Bt) {
        AtomicKind kind = op == Op::Bts   ? AtomicKind::Or
                          : op == Op::Btr ? AtomicKind::And
                                          : AtomicKind::Xor;
        TempId operand = op == Op::Btr ? c.b.not_(mask) : mask;
        old = c.b.call(kHelper_atomic_rmw,
                       {*addr, operand, c.b.cst(atomic_op_bits(kind, log2_size(size), c.mmu_idx())),
                        c.b.cst(0)});
    } else {
        old = addr ? load(c, *addr, size) : read_operand(c, 0);
        if (op != Op::Bt) {
            TempId r = op == Op::Bts   ? c.b.or_(old, mask)
                       : op == Op::Btr ? c.b.binop(Opc::andc, old, mask)
                                       : c.b.xor_(old, mask);
            if (addr)
                store(c, *addr, r, size);
            else
                write_operand(c, 0, r);
        }
    }
    TempId cf = c.b.andi(c.b.shr(old, bit), 1);
    TempId flags = c.b.or_(c.b.andi(eflags(c), kArithFlags & ~1ull), cf);
    set_cc(c, CcKind::Eflags, 8, c.b.cst(0), flags);
}

// BSF BSR: ZF = (source == 0); the destination is left alone then.
void emit_bit_scan(Ctx& c) {
    const unsigned size = operand_size(c, 0);
    TempId src = read_operand(c, 1);
    tcg::LabelId zero = c.b.label();
    set_cc(c, CcKind::Logic, size, src, kNoTemp);
    c.b.brcond(Cond::Eq, src, c.b.cst(0), zero);
    TempId index;
    if (c.in->op == Op::Bsf) {
        index = c.b.binop(Opc::ctz, src, c.b.cst(0));
    } else {
        TempId lz = c.b.binop(Opc::clz, src, c.b.cst(0));
        index = c.b.sub(c.b.cst(63), lz);
    }
    write_operand(c, 0, index);
    c.b.set_label(zero);
}

void emit_count_bits(Ctx& c) {
    const unsigned size = operand_size(c, 0);
    const unsigned bits = size * 8;
    TempId src = read_operand(c, 1);
    TempId r, flags;
    TempId src_zero = c.b.setcond(Cond::Eq, src, c.b.cst(0));
    if (c.in->op == Op::Popcnt) {
        r = c.b.unop(Opc::ctpop, src);
        flags = c.b.shli(src_zero, 6);
    } else {
        if (c.in->op == Op::Tzcnt) {
            r = c.b.binop(Opc::ctz, src, c.b.cst(bits));
        } else {
            r = c.b.sub(c.b.binop(Opc::clz, src, c.b.cst(64)), c.b.cst(64 - bits));
        }
        TempId r_zero = c.b.setcond(Cond::Eq, r, c.b.cst(0));
        flags = c.b.or_(src_zero, c.b.shli(r_zero, 6));
    }
    write_operand(c, 0, r);
    set_cc(c, CcKind::Eflags, 8, c.b.cst(0), flags);
}

void emit_bswap(Ctx& c) {
    const unsigned size = operand_size(c, 0);
    TempId v = read_operand(c, 0);
    TempId r = c.b.temp();
    c.b.emit(Opc::bswap, tcg::Type::I64, {r, v, size});
    write_operand(c, 0, r);
}

// XCHG: with a memory operand it is locked whether or not LOCK is given.
void emit_xchg(Ctx& c) {
    const unsigned size = operand_size(c, 0);
    unsigned mem = c.in->operands[0].kind == OperandKind::Mem   ? 0
                   : c.in->operands[1].kind == OperandKind::Mem ? 1
                                                                : 2;
    if (mem < 2) {
        unsigned reg = 1 - mem;
        TempId v = read_operand(c, reg);
        TempId old = c.b.call(
            kHelper_atomic_rmw,
            {operand_address(c), v,
             c.b.cst(atomic_op_bits(AtomicKind::Xchg, log2_size(size), c.mmu_idx())), c.b.cst(0)});
        write_operand(c, reg, old);
        return;
    }
    TempId a = read_operand(c, 0);
    TempId b = read_operand(c, 1);
    write_operand(c, 0, b);
    write_operand(c, 1, a);
}

void emit_xadd(Ctx& c) {
    const unsigned size = operand_size(c, 0);
    TempId b = read_operand(c, 1);
    TempId old;
    if (c.in->operands[0].kind == OperandKind::Mem && c.in->lock) {
        old = c.b.call(
            kHelper_atomic_rmw,
            {operand_address(c), b,
             c.b.cst(atomic_op_bits(AtomicKind::Add, log2_size(size), c.mmu_idx())), c.b.cst(0)});
        write_operand(c, 1, old);
    } else {
        // Memory is written first (it may fault); with two registers the destination is
        // written last, so XADD r, r leaves the sum.
        old = read_operand(c, 0);
        if (c.in->operands[0].kind == OperandKind::Mem) {
            write_operand(c, 0, c.b.add(old, b));
            write_operand(c, 1, old);
        } else {
            write_operand(c, 1, old);
            write_operand(c, 0, c.b.add(old, b));
        }
    }
    TempId r = c.b.add(old, b);
    set_cc(c, CcKind::Add, size, r, b);
}

void emit_cmpxchg(Ctx& c) {
    const unsigned size = operand_size(c, 0);
    TempId acc = read_gpr(c, RAX, size);
    TempId src = read_operand(c, 1);
    TempId old;
    if (c.in->operands[0].kind == OperandKind::Mem) {
        old = c.b.call(kHelper_cmpxchg,
                       {operand_address(c), acc, src,
                        c.b.cst(tcg::MemOp::make(log2_size(size), false, c.mmu_idx()).bits)});
    } else {
        // A register destination is written only on success (a 32-bit one is then
        // zero-extended; on failure it keeps all 64 bits).
        old = read_operand(c, 0);
        tcg::LabelId differ = c.b.label();
        c.b.brcond(Cond::Ne, old, acc, differ);
        write_operand(c, 0, src);
        c.b.set_label(differ);
    }
    // On failure the accumulator takes the old value; on success it is not written.
    tcg::LabelId done = c.b.label();
    TempId diff = c.b.sub(acc, old);
    set_cc(c, CcKind::Sub, size, diff, old);
    c.b.brcond(Cond::Eq, old, acc, done);
    write_gpr(c, RAX, size, old);
    c.b.set_label(done);
}

void emit_cmpxchg8b(Ctx& c) {
    if (c.in->operands[0].kind != OperandKind::Mem) {
        raise_exception(c, 6);
        return;
    }
    bool wide = c.in->operands[0].size == 16;
    c.b.call(kHelper_cmpxchg8b, {operand_address(c), c.b.cst(wide),
                                 c.b.cst(tcg::MemOp::make(3, false, c.mmu_idx()).bits)});
    set_cc_dynamic(c);
}

void emit_bcd(Ctx& c) {
    uint64_t imm = c.in->operand_count ? c.in->imm : 10;
    c.b.call(kHelper_bcd, {c.b.cst(uint64_t(c.in->op)), c.b.cst(imm & 0xff)});
    set_cc_dynamic(c);
}

}  // namespace

void register_alu_emitters(EmitterTable& t) {
    for (Op op : {Op::Add, Op::Or, Op::Adc, Op::Sbb, Op::And, Op::Sub, Op::Xor, Op::Cmp, Op::Test})
        t[op] = emit_alu;
    t[Op::Inc] = t[Op::Dec] = emit_inc_dec;
    t[Op::Neg] = t[Op::Not] = emit_neg_not;
    t[Op::Shl] = t[Op::Shr] = t[Op::Sar] = emit_shift;
    t[Op::Rol] = t[Op::Ror] = t[Op::Rcl] = t[Op::Rcr] = emit_rotate;
    t[Op::Shld] = t[Op::Shrd] = emit_double_shift;
    t[Op::Mul] = t[Op::Imul1] = emit_mul1;
    t[Op::Imul] = emit_imul;
    t[Op::Div] = t[Op::Idiv] = emit_div;
    t[Op::Bt] = t[Op::Bts] = t[Op::Btr] = t[Op::Btc] = emit_bit_test;
    t[Op::Bsf] = t[Op::Bsr] = emit_bit_scan;
    t[Op::Popcnt] = t[Op::Lzcnt] = t[Op::Tzcnt] = emit_count_bits;
    t[Op::Bswap] = emit_bswap;
    t[Op::Xchg] = emit_xchg;
    t[Op::Xadd] = emit_xadd;
    t[Op::Cmpxchg] = emit_cmpxchg;
    t[Op::Cmpxchg8b] = emit_cmpxchg8b;
    for (Op op : {Op::Daa, Op::Das, Op::Aaa, Op::Aas, Op::Aam, Op::Aad})
        t[op] = emit_bcd;
}

}  // namespace kemu::x86
