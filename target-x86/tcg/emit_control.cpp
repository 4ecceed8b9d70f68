// Emitters for branches, calls, returns, far transfers and software interrupts.
#include "target-x86/tcg/emit.h"

namespace kemu::x86 {

namespace {

// Near branch targets wrap to the operand size outside 64-bit mode.
TempId branch_target(Ctx& c, TempId v) {
    return c.code64() && c.in->opsize == 8 ? v : zero_extend(c, v, c.in->opsize);
}

uint64_t rel_target(const Ctx& c) {
    return c.in->imm;
}

void branch_on(Ctx& c, TempId cond) {
    tcg::LabelId fall = c.b.label();
    c.b.brcond(Cond::Eq, cond, c.b.cst(0), fall);
    jump_const(c, rel_target(c), 1);
    c.b.set_label(fall);
    jump_const(c, c.next_rip, 0);
}

void emit_jmp(Ctx& c) {
    if (c.in->operands[0].kind == OperandKind::Rel) {
        jump_const(c, rel_target(c), 0);
        return;
    }
    jump_indirect(c, branch_target(c, read_operand(c, 0)));
}

void emit_jcc(Ctx& c) {
    branch_on(c, condition(c, c.in->cond));
}

void emit_jcxz(Ctx& c) {
    TempId count = read_gpr(c, RCX, c.in->addrsize);
    branch_on(c, c.b.setcond(Cond::Eq, count, c.b.cst(0)));
}

// LOOP LOOPE LOOPNE: decrement rCX (address-size wide), branch while non-zero (and ZF).
void emit_loop(Ctx& c) {
    unsigned size = c.in->addrsize;
    TempId zf = c.in->op == Op::Loop ? ~0u : condition(c, 4);
    TempId count = c.b.sub(kGlobalRegs + RCX, c.b.cst(1));
    write_gpr(c, RCX, size, count);
    TempId go = c.b.setcond(Cond::Ne, zero_extend(c, count, size), c.b.cst(0));
    if (c.in->op == Op::Loope) go = c.b.and_(go, zf);
    if (c.in->op == Op::Loopne) go = c.b.and_(go, c.b.xor_(zf, c.b.cst(1)));
    branch_on(c, go);
}

void emit_call(Ctx& c) {
    unsigned size = c.in->opsize;
    if (c.in->operands[0].kind == OperandKind::Rel) {
        push(c, c.b.cst(c.next_rip), size);
        jump_const(c, rel_target(c), 0);
        return;
    }
    TempId target = branch_target(c, read_operand(c, 0));
    push(c, c.b.cst(c.next_rip), size);
    jump_indirect(c, target);
}

void emit_ret(Ctx& c) {
    unsigned size = c.in->opsize;
    TempId target = branch_target(c, pop_value(c, size));
    unsigned release = size + (c.in->operand_count ? unsigned(c.in->imm & 0xffff) : 0);
    release_stack(c, release);
    jump_indirect(c, target);
}

// The helper sets CS:RIP itself, so the block ends without storing RIP.
void leave_after_helper(Ctx& c) {
    set_cc_dynamic(c);
    c.b.emit(Opc::exit_tb, tcg::Type::I64, {});
    c.end = BlockEnd::Emitted;
}

// Far pointer operands: direct (ptr16:16/32) or in memory (m16:16/32/64).
void far_pointer(Ctx& c, TempId& sel, TempId& offset) {
    if (c.in->operands[0].kind == OperandKind::FarPtr) {
        sel = c.b.cst(c.in->imm2 & 0xffff);
        offset = c.b.cst(c.in->imm);
        return;
    }
    unsigned size = c.in->opsize;
    TempId addr = operand_address(c);
    offset = load(c, addr, size);
    TempId sel_addr = c.b.addi(addr, size);
    if (!c.code64()) sel_addr = zero_extend(c, sel_addr, 4);
    sel = load(c, sel_addr, 2);
}

void emit_far_jump_or_call(Ctx& c) {
    if (c.in->operands[0].kind != OperandKind::FarPtr &&
        c.in->operands[0].kind != OperandKind::Mem) {
        raise_exception(c, 6);
        return;
    }
    TempId sel, offset;
    far_pointer(c, sel, offset);
    auto helper = c.in->op == Op::JmpFar ? kHelper_far_jump : kHelper_far_call;
    c.b.call(helper, {sel, offset, c.b.cst(c.in->opsize), c.b.cst(c.next_rip)});
    leave_after_helper(c);
}

void emit_far_return(Ctx& c) {
    unsigned release = c.in->operand_count ? unsigned(c.in->imm & 0xffff) : 0;
    c.b.call(kHelper_far_return, {c.b.cst(c.in->opsize), c.b.cst(release)});
    leave_after_helper(c);
}

// In 64-bit code the helper's RIP is an indirect branch's target: Linux's sync_core() is an
// IRET to the next instruction, run for every instruction it patches at boot (100k times
// in a generic boot), and through the exec loop each cost a block lookup. A return to
// another mode or CPL finds no block of the same flags there and leaves to the loop; an
// interrupt the new IF allows ends the chain (helper_iret). Elsewhere (task switches,
// real and vm86 mode) the exec loop takes over.
void emit_iret(Ctx& c) {
    c.b.call(kHelper_iret, {c.b.cst(c.in->opsize), c.b.cst(c.next_rip)});
    if (!c.code64()) {
        leave_after_helper(c);
        return;
    }
    set_cc_dynamic(c);
    c.b.emit(Opc::goto_ptr, tcg::Type::I64, {});
    c.end = BlockEnd::Emitted;
}

// Software interrupt kinds for the helper: INT n, INT3, INTO, INT1.
void emit_software_int(Ctx& c) {
    uint64_t kind = c.in->op == Op::Int    ? 0
                    : c.in->op == Op::Int3 ? 1
                    : c.in->op == Op::Into ? 2
                                           : 3;
    uint64_t vector = c.in->op == Op::Int ? (c.in->imm & 0xff) : kind == 1 ? 3 : kind == 2 ? 4 : 1;
    if (c.in->op == Op::Into) {
        tcg::LabelId no_overflow = c.b.label();
        c.b.brcond(Cond::Eq, condition(c, 0), c.b.cst(0), no_overflow);
        c.b.call(kHelper_software_int, {c.b.cst(vector), c.b.cst(c.next_rip), c.b.cst(kind)});
        c.b.set_label(no_overflow);
        return;
    }
    c.b.call(kHelper_software_int, {c.b.cst(vector), c.b.cst(c.next_rip), c.b.cst(kind)});
    leave_after_helper(c);
}

void emit_bound(Ctx& c) {
    if (c.in->operands[1].kind != OperandKind::Mem) {
        raise_exception(c, 6);
        return;
    }
    c.b.call(kHelper_bound, {read_operand(c, 0), operand_address(c), c.b.cst(c.in->opsize)});
}

}  // namespace

void register_control_emitters(EmitterTable& t) {
    t[Op::Jmp] = emit_jmp;
    t[Op::Jcc] = emit_jcc;
    t[Op::Jcxz] = emit_jcxz;
    t[Op::Loop] = t[Op::Loope] = t[Op::Loopne] = emit_loop;
    t[Op::Call] = emit_call;
    t[Op::Ret] = emit_ret;
    t[Op::JmpFar] = t[Op::CallFar] = emit_far_jump_or_call;
    t[Op::RetFar] = emit_far_return;
    t[Op::Iret] = emit_iret;
    t[Op::Int] = t[Op::Int3] = t[Op::Into] = t[Op::Int1] = emit_software_int;
    t[Op::Bound] = emit_bound;
}

}  // namespace kemu::x86
