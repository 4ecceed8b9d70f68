// Emitters for data movement: MOV and its extending forms, LEA, CMOVcc/SETcc,
// the stack (PUSH/POP/ENTER/LEAVE), segment-register moves and flag transfers.
#include "target-x86/tcg/cpu_mode.h"
#include "target-x86/tcg/emit.h"

namespace kemu::x86 {

namespace {

constexpr uint32_t kRflagsOffset = KEMU_ENV_OFFSET(s.rflags);

void emit_mov(Ctx& c) {
    write_operand(c, 0, read_operand(c, 1));
}

void emit_movzx(Ctx& c) {
    write_operand(c, 0, zero_extend(c, read_operand(c, 1), operand_size(c, 1)));
}

void emit_movsx(Ctx& c) {
    write_operand(c, 0, sign_extend(c, read_operand(c, 1), operand_size(c, 1)));
}

void emit_lea(Ctx& c) {
    write_operand(c, 0, effective_offset(c));
}

void emit_cmov(Ctx& c) {
    TempId src = read_operand(c, 1);
    TempId old = read_operand(c, 0);
    TempId cond = condition(c, c.in->cond);
    write_operand(c, 0, c.b.movcond(Cond::Ne, cond, c.b.cst(0), src, old));
}

void emit_setcc(Ctx& c) {
    write_operand(c, 0, condition(c, c.in->cond));
}

void emit_cbw(Ctx& c) {
    unsigned size = c.in->opsize;
    write_gpr(c, RAX, size, sign_extend(c, read_gpr(c, RAX, size / 2), size / 2));
}

void emit_cwd(Ctx& c) {
    unsigned size = c.in->opsize;
    TempId acc = sign_extend(c, read_gpr(c, RAX, size), size);
    write_gpr(c, RDX, size, c.b.sar(acc, c.b.cst(63)));
}

void emit_xlat(Ctx& c) {
    unsigned seg = c.in->seg_override >= 0 ? unsigned(c.in->seg_override) : DS;
    TempId offset = c.b.add(kGlobalRegs + RBX, read_gpr(c, RAX, 1));
    offset = zero_extend(c, offset, c.in->addrsize);
    write_gpr(c, RAX, 1, load(c, linear(c, seg, offset), 1));
}

void emit_push(Ctx& c) {
    unsigned size = c.in->opsize;
    TempId v = read_operand(c, 0);
    if (c.in->operands[0].kind == OperandKind::Imm) v = c.b.cst(c.in->imm & size_mask(size));
    push(c, v, size);
}

void emit_pop(Ctx& c) {
    unsigned size = c.in->opsize;
    TempId v = pop_value(c, size);
    if (c.in->operands[0].kind == OperandKind::Mem) {
        // The address is computed with RSP already incremented (SDM POP), but RSP itself
        // changes only after the store, which may fault.
        c.rsp_in_address = c.b.addi(kGlobalRegs + RSP, size);
        write_operand(c, 0, v);
        release_stack(c, size);
        return;
    }
    release_stack(c, size);
    write_operand(c, 0, v);
}

void load_segment(Ctx& c, unsigned seg, TempId selector) {
    c.b.call(kHelper_load_seg, {c.b.cst(seg), zero_extend(c, selector, 2)});
    // The load may change the stack size, segment flatness or (SS) open an interrupt shadow.
    c.end = BlockEnd::Next;
}

void emit_mov_seg(Ctx& c) {
    const Operand& dst = c.in->operands[0];
    if (dst.kind == OperandKind::Seg) {
        if (dst.reg == CS || dst.reg >= SEG_COUNT) {
            raise_exception(c, 6);
            return;
        }
        load_segment(c, dst.reg, read_operand(c, 1));
        return;
    }
    TempId sel = read_operand(c, 1);
    write_operand(c, 0, sel);
}

void emit_push_seg(Ctx& c) {
    push(c, c.b.ld(Opc::ld16u, seg_selector_offset(c.in->operands[0].reg)), c.in->opsize);
}

void emit_pop_seg(Ctx& c) {
    unsigned size = c.in->opsize;
    TempId v = pop_value(c, size);
    load_segment(c, c.in->operands[0].reg, v);
    release_stack(c, size);
}

void emit_pusha(Ctx& c) {
    unsigned size = c.in->opsize;
    TempId sp = read_gpr(c, RSP, size);
    for (unsigned r = RAX; r <= RDI; r++)
        push(c, r == RSP ? sp : read_gpr(c, r, size), size);
}

void emit_popa(Ctx& c) {
    unsigned size = c.in->opsize;
    TempId values[8];
    TempId sp = kGlobalRegs + RSP;
    for (int r = RDI; r >= int(RAX); r--) {
        values[r] = load(c, stack_address(c, sp), size);
        sp = c.b.addi(sp, size);
    }
    for (unsigned r = RAX; r <= RDI; r++)
        if (r != RSP) write_gpr(c, r, size, values[r]);
    release_stack(c, 8 * size);
}

// In virtual-8086 mode PUSHF/POPF need IOPL 3 (VME is not offered).
bool vm86_iopl_fault(Ctx& c) {
    if (!(c.flags & tbflag::kVm86)) return false;
    TempId iopl = c.b.andi(c.b.shri(c.b.ld(Opc::ld, kRflagsOffset), 12), 3);
    tcg::LabelId ok = c.b.label();
    c.b.brcond(Cond::Eq, iopl, c.b.cst(3), ok);
    c.b.call(kHelper_raise_exception, {c.b.cst(13), c.b.cst(1ull << 32)});
    c.b.set_label(ok);
    return true;
}

void emit_pushf(Ctx& c) {
    vm86_iopl_fault(c);
    TempId f = c.b.andi(eflags(c), ~(rflag::VM | rflag::RF));
    push(c, f, c.in->opsize);
}

void emit_popf(Ctx& c) {
    vm86_iopl_fault(c);
    unsigned size = c.in->opsize;
    TempId v = pop_value(c, size);
    c.b.call(kHelper_popf, {v, c.b.cst(size)});
    release_stack(c, size);
    set_cc_dynamic(c);
    // TF, IF, AC or IOPL may have changed: helper_popf ends the chain where that matters,
    // so the block need not leave through the exec loop (a spin_unlock_irqrestore each).
    c.end = BlockEnd::Split;
}

void emit_sahf(Ctx& c) {
    constexpr uint64_t kMask = 0xd5;  // SF ZF AF PF CF
    c.b.call(kHelper_write_eflags, {read_gpr(c, RAX, 1, true), c.b.cst(kMask)});
    set_cc_dynamic(c);
}

void emit_lahf(Ctx& c) {
    TempId f = c.b.or_(c.b.andi(eflags(c), 0xd5), c.b.cst(2));
    write_gpr(c, RAX, 1, f, true);
}

void emit_enter(Ctx& c) {
    unsigned size = c.in->opsize;
    unsigned alloc = unsigned(c.in->imm & 0xffff);
    unsigned level = unsigned(c.in->imm2 & 31);
    push(c, read_gpr(c, RBP, size), size);
    TempId frame = read_gpr(c, RSP, c.stack_size());
    if (level) {
        TempId bp = kGlobalRegs + RBP;
        for (unsigned i = 1; i < level; i++) {
            bp = c.b.sub(bp, c.b.cst(size));
            push(c, load(c, stack_address(c, bp), size), size);
        }
        push(c, frame, size);
    }
    write_gpr(c, RBP, size, frame);
    write_gpr(c, RSP, c.stack_size(), c.b.sub(kGlobalRegs + RSP, c.b.cst(alloc)));
}

void emit_leave(Ctx& c) {
    unsigned size = c.in->opsize;
    TempId v = load(c, stack_address(c, kGlobalRegs + RBP), size);
    write_gpr(c, RSP, c.stack_size(), c.b.addi(kGlobalRegs + RBP, size));
    write_gpr(c, RBP, size, v);
}

// LES LDS LSS LFS LGS: a far pointer from memory into a segment register and a GPR.
void emit_load_far_pointer(Ctx& c) {
    if (c.in->operands[1].kind != OperandKind::Mem) {
        raise_exception(c, 6);
        return;
    }
    unsigned seg;
    if (c.in->map == 0)
        seg = c.in->opcode == 0xc4 ? ES : DS;
    else
        seg = c.in->opcode == 0xb2 ? SS : c.in->opcode == 0xb4 ? FS : GS;
    unsigned size = c.in->opsize;
    TempId addr = operand_address(c);
    TempId offset = load(c, addr, size);
    TempId sel_addr = c.b.addi(addr, size);
    if (!c.code64()) sel_addr = zero_extend(c, sel_addr, 4);
    TempId sel = load(c, sel_addr, 2);
    load_segment(c, seg, sel);
    write_operand(c, 0, offset);
}

void emit_nop(Ctx&) {}

}  // namespace

void register_move_emitters(EmitterTable& t) {
    t[Op::Mov] = emit_mov;
    t[Op::Movzx] = emit_movzx;
    t[Op::Movsx] = t[Op::Movsxd] = emit_movsx;
    t[Op::Lea] = emit_lea;
    t[Op::Cmov] = emit_cmov;
    t[Op::Setcc] = emit_setcc;
    t[Op::Cbw] = emit_cbw;
    t[Op::Cwd] = emit_cwd;
    t[Op::Xlat] = emit_xlat;
    t[Op::Push] = emit_push;
    t[Op::Pop] = emit_pop;
    t[Op::MovSeg] = emit_mov_seg;
    t[Op::PushSeg] = emit_push_seg;
    t[Op::PopSeg] = emit_pop_seg;
    t[Op::Pusha] = emit_pusha;
    t[Op::Popa] = emit_popa;
    t[Op::Pushf] = emit_pushf;
    t[Op::Popf] = emit_popf;
    t[Op::Sahf] = emit_sahf;
    t[Op::Lahf] = emit_lahf;
    t[Op::Enter] = emit_enter;
    t[Op::Leave] = emit_leave;
    t[Op::Lds] = emit_load_far_pointer;
    t[Op::Nop] = t[Op::Prefetch] = emit_nop;
}

}  // namespace kemu::x86
