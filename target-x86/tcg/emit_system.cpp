// Emitters for flag instructions, port I/O, and the system instructions that run
// in helpers (CPUID, MSRs, control and descriptor-table registers, HLT, ...).
#include "target-x86/tcg/cpu_mode.h"
#include "target-x86/tcg/emit.h"

namespace kemu::x86 {

namespace {

constexpr uint32_t kRflagsOffset = KEMU_ENV_OFFSET(s.rflags);

void set_eflags_bits(Ctx& c, uint64_t clear, uint64_t set, bool toggle_cf = false) {
    TempId f = eflags(c);
    if (toggle_cf) f = c.b.xor_(f, c.b.cst(rflag::CF));
    f = c.b.or_(c.b.andi(f, ~clear), c.b.cst(set));
    set_cc(c, CcKind::Eflags, 8, c.b.cst(0), c.b.andi(f, kArithFlags));
}

void emit_clc(Ctx& c) {
    set_eflags_bits(c, rflag::CF, 0);
}
void emit_stc(Ctx& c) {
    set_eflags_bits(c, 0, rflag::CF);
}
void emit_cmc(Ctx& c) {
    set_eflags_bits(c, 0, 0, true);
}

void emit_direction(Ctx& c) {
    TempId f = c.b.ld(Opc::ld, kRflagsOffset);
    f = c.in->op == Op::Std ? c.b.or_(f, c.b.cst(rflag::DF)) : c.b.andi(f, ~rflag::DF);
    c.b.st(Opc::st, f, kRflagsOffset);
}

void emit_cli(Ctx& c) {
    c.b.call(kHelper_cli, {});
}

void emit_sti(Ctx& c) {
    c.b.call(kHelper_sti, {});
    c.end = BlockEnd::OpensShadow;
}

unsigned io_size(const Ctx& c) {
    return (c.in->opcode & 1) ? std::min<unsigned>(c.in->opsize, 4) : 1;
}

TempId io_port(Ctx& c) {
    for (unsigned i = 0; i < c.in->operand_count; i++)
        if (c.in->operands[i].kind == OperandKind::Imm) return c.b.cst(c.in->imm & 0xff);
    return read_gpr(c, RDX, 2);
}

void emit_in(Ctx& c) {
    unsigned size = io_size(c);
    TempId v = c.b.call(kHelper_in, {io_port(c), c.b.cst(size)});
    write_gpr(c, RAX, size, v);
}

void emit_out(Ctx& c) {
    unsigned size = io_size(c);
    c.b.call(kHelper_out, {io_port(c), read_gpr(c, RAX, size), c.b.cst(size)});
    c.end = BlockEnd::Next;  // the device may have asked the vCPU to stop
}

void emit_hlt(Ctx& c) {
    c.b.call(kHelper_hlt, {c.b.cst(c.next_rip)});
    c.b.emit(Opc::exit_tb, tcg::Type::I64, {});
    c.end = BlockEnd::Emitted;
}

void emit_simple_helper(Ctx& c, HelperId h, BlockEnd end = BlockEnd::None) {
    c.b.call(h, {});
    c.end = end;
}

void emit_pause(Ctx& c) {
    emit_simple_helper(c, kHelper_pause);
}
void emit_cpuid(Ctx& c) {
    emit_simple_helper(c, kHelper_cpuid);
}
// The block ends at a TSC read, so that translating the code after it is not timed as part
// of the code before it: a guest that times a short stretch with two reads (Linux's fast
// TSC calibration against the PIT allows a few microseconds) would otherwise see the
// translation of a long block, when the stretch is first left, between them.
void emit_rdtsc(Ctx& c) {
    emit_simple_helper(c, kHelper_rdtsc, BlockEnd::Split);
}
void emit_rdtscp(Ctx& c) {
    emit_simple_helper(c, kHelper_rdtscp, BlockEnd::Split);
}
void emit_rdmsr(Ctx& c) {
    emit_simple_helper(c, kHelper_rdmsr);
}
void emit_wrmsr(Ctx& c) {
    emit_simple_helper(c, kHelper_wrmsr, BlockEnd::Next);
}
void emit_clts(Ctx& c) {
    emit_simple_helper(c, kHelper_clts, BlockEnd::Next);
}
void emit_xgetbv(Ctx& c) {
    emit_simple_helper(c, kHelper_xgetbv);
}
void emit_xsetbv(Ctx& c) {
    emit_simple_helper(c, kHelper_xsetbv, BlockEnd::Next);
}

// MOV to/from CRn and DRn: the register side is always 64-bit in 64-bit mode, 32 otherwise.
void emit_mov_control(Ctx& c, HelperId read, HelperId write) {
    unsigned size = c.code64() ? 8 : 4;
    const Operand& dst = c.in->operands[0];
    if (dst.kind == OperandKind::Gpr) {
        TempId v = c.b.call(read, {c.b.cst(c.in->operands[1].reg)});
        write_gpr(c, dst.reg, size, v);
        return;
    }
    c.b.call(write, {c.b.cst(dst.reg), read_gpr(c, c.in->operands[1].reg, size)});
    c.end = BlockEnd::Next;
}

void emit_mov_cr(Ctx& c) {
    emit_mov_control(c, kHelper_read_cr, kHelper_write_cr);
}
void emit_mov_dr(Ctx& c) {
    emit_mov_control(c, kHelper_read_dr, kHelper_write_dr);
}

void emit_load_dt(Ctx& c) {
    uint64_t which = c.in->op == Op::Lidt ? 1 : 0;
    c.b.call(kHelper_load_dt, {operand_address(c), c.b.cst(which | c.in->opsize << 4)});
}

void emit_store_dt(Ctx& c) {
    uint64_t which = c.in->op == Op::Sidt ? 1 : 0;
    c.b.call(kHelper_store_dt, {operand_address(c), c.b.cst(which)});
}

void emit_lldt_ltr(Ctx& c) {
    TempId sel = zero_extend(c, read_operand(c, 0), 2);
    c.b.call(c.in->op == Op::Lldt ? kHelper_lldt : kHelper_ltr, {sel});
}

// SLDT STR SMSW: a register destination takes the operand size, memory 16 bits.
void store_system_value(Ctx& c, TempId v) {
    if (c.in->operands[0].kind == OperandKind::Mem)
        store(c, operand_address(c), v, 2);
    else
        write_gpr(c, c.in->operands[0].reg, c.in->opsize,
                  zero_extend(c, v, c.in->op == Op::Smsw ? c.in->opsize : 2));
}

void emit_sldt(Ctx& c) {
    store_system_value(c, c.b.ld(Opc::ld16u, KEMU_ENV_OFFSET(s.ldt.selector)));
}

void emit_str(Ctx& c) {
    store_system_value(c, c.b.ld(Opc::ld16u, KEMU_ENV_OFFSET(s.tr.selector)));
}

void emit_smsw(Ctx& c) {
    store_system_value(c, c.b.ld(Opc::ld, KEMU_ENV_OFFSET(s.cr0)));
}

void emit_lmsw(Ctx& c) {
    c.b.call(kHelper_lmsw, {zero_extend(c, read_operand(c, 0), 2)});
    c.end = BlockEnd::Next;
}

void emit_invlpg(Ctx& c) {
    if (c.in->operands[0].kind != OperandKind::Mem) {
        raise_exception(c, 6);
        return;
    }
    c.b.call(kHelper_invlpg, {operand_address(c)});
    c.end = BlockEnd::Next;
}

// LAR LSL VERR VERW: the helper returns the value with bit 32 set when ZF is set.
void emit_lar(Ctx& c) {
    static constexpr struct {
        Op op;
        uint64_t kind;
    } kKinds[] = {{Op::Lar, 0}, {Op::Lsl, 1}, {Op::Verr, 2}, {Op::Verw, 3}};
    uint64_t kind = 0;
    for (auto k : kKinds)
        if (k.op == c.in->op) kind = k.kind;
    bool verify = kind >= 2;
    TempId sel = zero_extend(c, read_operand(c, verify ? 0 : 1), 2);
    TempId r = c.b.call(kHelper_lar, {sel, c.b.cst(kind)});
    set_cc_dynamic(c);
    if (verify) return;
    tcg::LabelId skip = c.b.label();
    c.b.brcond(Cond::Eq, c.b.shri(r, 32), c.b.cst(0), skip);
    write_operand(c, 0, zero_extend(c, r, 4));
    c.b.set_label(skip);
}

// ARPL r/m16, r16: raise the destination selector's RPL to the source's.
void emit_arpl(Ctx& c) {
    TempId dst = read_operand(c, 0);
    TempId src = read_operand(c, 1);
    TempId dst_rpl = c.b.andi(dst, 3);
    TempId src_rpl = c.b.andi(src, 3);
    TempId lower = c.b.setcond(Cond::Ltu, dst_rpl, src_rpl);
    TempId next =
        c.b.movcond(Cond::Ne, lower, c.b.cst(0), c.b.or_(c.b.andi(dst, ~3ull), src_rpl), dst);
    write_operand(c, 0, next);
    TempId f = c.b.or_(c.b.andi(eflags(c), kArithFlags & ~0x40ull), c.b.shli(lower, 6));
    set_cc(c, CcKind::Eflags, 8, c.b.cst(0), f);
}

// Instructions whose helper sets CS:RIP (or the mode) and so end the block.
void emit_mode_helper(Ctx& c, HelperId h, std::initializer_list<TempId> args) {
    c.b.call(h, args);
    set_cc_dynamic(c);
    c.b.emit(Opc::exit_tb, tcg::Type::I64, {});
    c.end = BlockEnd::Emitted;
}

void emit_swapgs(Ctx& c) {
    c.b.call(kHelper_swapgs, {});
}
void emit_syscall(Ctx& c) {
    emit_mode_helper(c, kHelper_syscall, {c.b.cst(c.next_rip)});
}
void emit_sysret(Ctx& c) {
    emit_mode_helper(c, kHelper_sysret, {c.b.cst(c.in->opsize)});
}
void emit_sysenter(Ctx& c) {
    emit_mode_helper(c, kHelper_sysenter, {});
}
void emit_sysexit(Ctx& c) {
    emit_mode_helper(c, kHelper_sysexit, {c.b.cst(c.in->opsize)});
}

void emit_ud(Ctx& c) {
    raise_exception(c, 6);
}

void emit_fence(Ctx& c) {
    c.b.emit(Opc::mb, tcg::Type::I64, {0});
}

void emit_nothing(Ctx&) {}

}  // namespace

void register_system_emitters(EmitterTable& t) {
    t[Op::Clc] = emit_clc;
    t[Op::Stc] = emit_stc;
    t[Op::Cmc] = emit_cmc;
    t[Op::Cld] = t[Op::Std] = emit_direction;
    t[Op::Cli] = emit_cli;
    t[Op::Sti] = emit_sti;
    t[Op::In] = emit_in;
    t[Op::Out] = emit_out;
    t[Op::Hlt] = emit_hlt;
    t[Op::Cpuid] = emit_cpuid;
    t[Op::Pause] = emit_pause;
    t[Op::Rdtsc] = emit_rdtsc;
    t[Op::Rdtscp] = emit_rdtscp;
    t[Op::Rdmsr] = emit_rdmsr;
    t[Op::Wrmsr] = emit_wrmsr;
    t[Op::MovCr] = emit_mov_cr;
    t[Op::MovDr] = emit_mov_dr;
    t[Op::Lgdt] = t[Op::Lidt] = emit_load_dt;
    t[Op::Sgdt] = t[Op::Sidt] = emit_store_dt;
    t[Op::Lldt] = t[Op::Ltr] = emit_lldt_ltr;
    t[Op::Sldt] = emit_sldt;
    t[Op::Str] = emit_str;
    t[Op::Smsw] = emit_smsw;
    t[Op::Lmsw] = emit_lmsw;
    t[Op::Clts] = emit_clts;
    t[Op::Invlpg] = emit_invlpg;
    t[Op::Lar] = t[Op::Lsl] = t[Op::Verr] = t[Op::Verw] = emit_lar;
    t[Op::Arpl] = emit_arpl;
    t[Op::Swapgs] = emit_swapgs;
    t[Op::Syscall] = emit_syscall;
    t[Op::Sysret] = emit_sysret;
    t[Op::Sysenter] = emit_sysenter;
    t[Op::Sysexit] = emit_sysexit;
    t[Op::Ud] = emit_ud;
    t[Op::Xgetbv] = emit_xgetbv;
    t[Op::Xsetbv] = emit_xsetbv;
    t[Op::Fence] = emit_fence;
    t[Op::Invd] = t[Op::Clflush] = emit_nothing;
}

}  // namespace kemu::x86
