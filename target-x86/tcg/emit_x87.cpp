// x87 (D8-DF) and FWAIT. x87::form_of() is the table that says what each encoding is: a
// plain instruction the host FPU runs or a control instruction, its memory operand, and
// whether it reads or writes EFLAGS (FCMOVcc, FCOMI) or AX (FNSTSW AX).
//
// In a block translated with every exception masked and the FPU usable (tbflag::kX87Inline),
// the register forms and the memory loads run inline as the host's own instruction on the
// live state (x87_host.h); everything else is a helper call.
#include "target-x86/tcg/emit.h"
#include "target-x86/tcg/x87.h"
#include "target-x86/tcg/x87_host.h"

namespace kemu::x86 {

namespace {

constexpr uint32_t kStagedOffset = KEMU_ENV_OFFSET(simd_mem);

uint8_t modrm_byte(const DecodedInsn& in) {
    return uint8_t(in.modrm_mod << 6 | (in.modrm_reg & 7) << 3 | (in.modrm_rm & 7));
}

bool real_or_vm86(const Ctx& c) {
    return !(c.flags & tbflag::kProtected) || (c.flags & tbflag::kVm86);
}

// Bytes a memory form touches, for the segment checks.
unsigned operand_bytes(const Ctx& c, const x87::Form& form) {
    const unsigned env = c.in->opsize == 2 ? 14 : 28;
    switch (form.kind) {
        case x87::Kind::Fldenv:
        case x87::Kind::Fnstenv:
            return env;
        case x87::Kind::Frstor:
        case x87::Kind::Fnsave:
            return env + 80;
        case x87::Kind::Fnstsw:
        case x87::Kind::Fnstcw:
        case x87::Kind::Fldcw:
            return 2;
        default:
            return form.size;
    }
}

// The host_x87 op runs on the guest's state in the host FPU: loaded once per run of x87
// instructions, if it is not there already.
void ensure_live(Ctx& c) {
    if (c.x87_live_known) return;
    tcg::LabelId live = c.b.label();
    c.b.brcond(Cond::Ne, c.b.ld(Opc::ld8u, KEMU_ENV_OFFSET(x87_live)), c.b.cst(0), live);
    c.b.call(kHelper_x87_enter, {});
    c.b.set_label(live);
    c.x87_live_known = true;
}

// FOP, FIP and (memory forms) FDP, as the helpers record them for FSTENV/FSAVE: offsets in
// protected mode, linear addresses in real and vm86 mode.
void record_pointers(Ctx& c, uint16_t insn, std::optional<TempId> data) {
    c.b.st(Opc::st16, c.b.cst(insn & 0x7ff), KEMU_ENV_OFFSET(s.fpu.fop));
    c.b.st(Opc::st, c.b.cst(real_or_vm86(c) ? c.cs_base + c.rip : c.rip),
           KEMU_ENV_OFFSET(s.fpu.fip));
    if (data) c.b.st(Opc::st, *data, KEMU_ENV_OFFSET(s.fpu.fdp));
}

bool runs_inline(const Ctx& c, const x87::Form& form) {
    return (c.flags & tbflag::kX87Inline) && form.kind == x87::Kind::Host &&
           form.access != x87::MemAccess::Write && !form.sets_eflags && !form.reads_eflags;
}

// A load's operand goes through env (simd_mem), where the inline instruction reads it.
void emit_inline(Ctx& c, uint16_t insn, const x87::Form& form) {
    std::optional<TempId> data;
    if (form.access == x87::MemAccess::Read) {
        TempId offset = effective_offset(c);
        check_segment(c, unsigned(c.in->mem.seg), offset, form.size, false);
        TempId addr = operand_address(c);
        if (form.size == 10) {
            c.b.st(Opc::st, load(c, addr, 8), kStagedOffset);
            c.b.st(Opc::st16, load(c, c.b.addi(addr, 8), 2), kStagedOffset + 8);
        } else {
            static constexpr Opc kStore[] = {Opc::st8, Opc::st16, Opc::st32, Opc::st};
            c.b.st(kStore[log2_size(form.size)], load(c, addr, form.size), kStagedOffset);
        }
        data = real_or_vm86(c) ? addr : offset;
    }
    ensure_live(c);
    c.b.emit(Opc::host_x87, tcg::Type::I64, {insn, kStagedOffset});
    record_pointers(c, insn, data);
}

void emit_x87(Ctx& c) {
    if (!x87::host_x87_available()) {
        raise_exception(c, 6);  // no FPU on this host: CPUID does not advertise one
        return;
    }
    const unsigned escape = c.in->opcode & 7;
    const uint8_t modrm = modrm_byte(*c.in);
    const uint16_t insn = tcg::host_x87_insn(escape, modrm);
    const x87::Form form = x87::form_of(escape, modrm);
    if (runs_inline(c, form)) return emit_inline(c, insn, form);

    const bool has_mem = modrm < 0xc0;
    TempId offset = c.b.cst(0), addr = c.b.cst(0);
    if (has_mem) {
        offset = effective_offset(c);
        check_segment(c, unsigned(c.in->mem.seg), offset, operand_bytes(c, form),
                      form.access == x87::MemAccess::Write);
        addr = operand_address(c);
    }
    if (form.kind == x87::Kind::Host) {
        c.b.call(kHelper_x87_exec, {c.b.cst(insn), addr, offset});
        if (form.sets_eflags) set_cc_dynamic(c);
        return;
    }
    TempId status = c.b.call(kHelper_x87_control, {c.b.cst(insn), addr, c.b.cst(c.in->opsize)});
    if (form.kind == x87::Kind::Fnstsw && !has_mem) write_gpr(c, RAX, 2, status);
    c.x87_live_known = false;  // most control instructions take the state out of the host FPU
    // A new FCW may unmask an exception or mask them all: blocks after it are translated for it.
    if (form.kind == x87::Kind::Fldcw || form.kind == x87::Kind::Fldenv ||
        form.kind == x87::Kind::Frstor)
        c.end = BlockEnd::Next;
}

// FWAIT: #NM with CR0.MP and TS, #MF for a pending exception. Neither can happen in a block
// translated for kX87Inline (TS clear, every exception masked).
void emit_fwait(Ctx& c) {
    if (!(c.flags & tbflag::kX87Inline)) c.b.call(kHelper_x87_wait, {});
}

}  // namespace

void register_x87_emitters(EmitterTable& t) {
    t[Op::X87] = emit_x87;
    t[Op::Fwait] = emit_fwait;
}

}  // namespace kemu::x86
