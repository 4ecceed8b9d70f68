// x87 (D8-DF) and FWAIT: every encoding becomes one helper call. x87::form_of() is the
// table that says which helper, whether there is a memory operand, and whether the
// instruction writes EFLAGS (FCOMI and friends) or AX (FNSTSW AX).
#include "target-x86/tcg/emit.h"
#include "target-x86/tcg/x87.h"

namespace kemu::x86 {

namespace {

uint8_t modrm_byte(const DecodedInsn& in) {
    return uint8_t(in.modrm_mod << 6 | (in.modrm_reg & 7) << 3 | (in.modrm_rm & 7));
}

void emit_x87(Ctx& c) {
    if (!x87::host_x87_available()) {
        raise_exception(c, 6);  // no FPU on this host: CPUID does not advertise one
        return;
    }
    unsigned escape = c.in->opcode & 7;
    uint8_t modrm = modrm_byte(*c.in);
    x87::Form form = x87::form_of(escape, modrm);
    bool has_mem = modrm < 0xc0;
    TempId addr = has_mem ? operand_address(c) : c.b.cst(0);
    TempId insn = c.b.cst(escape << 8 | modrm);
    if (form.kind == x87::Kind::Host) {
        TempId offset = has_mem ? effective_offset(c) : c.b.cst(0);
        c.b.call(kHelper_x87_exec, {insn, addr, offset});
        if (form.sets_eflags) set_cc_dynamic(c);
        return;
    }
    TempId status = c.b.call(kHelper_x87_control, {insn, addr, c.b.cst(c.in->opsize)});
    if (form.kind == x87::Kind::Fnstsw && !has_mem) write_gpr(c, RAX, 2, status);
}

void emit_fwait(Ctx& c) {
    c.b.call(kHelper_x87_wait, {});
}

}  // namespace

void register_x87_emitters(EmitterTable& t) {
    t[Op::X87] = emit_x87;
    t[Op::Fwait] = emit_fwait;
}

}  // namespace kemu::x86
