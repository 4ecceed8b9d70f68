// The helpers translated x87 code calls (helpers.def): the CR0 and pending-exception
// checks, the memory operand staged between guest memory and the host run, and the
// FPU pointers (FIP, FDP, FOP) recorded for FSTENV/FSAVE.
#include <cstring>

#include "system/log.h"
#include "target-x86/tcg/cc_op.h"
#include "target-x86/tcg/cpu_mode.h"
#include "target-x86/tcg/cpu_runtime.h"
#include "target-x86/tcg/exceptions.h"
#include "target-x86/tcg/guest_bytes.h"
#include "target-x86/tcg/x87.h"
#include "target-x86/tcg/x87_host.h"

namespace kemu::x86 {

namespace {

using x87::Form;
using x87::Kind;
using x87::MemAccess;

CpuEnv& E(void* env) {
    return *static_cast<CpuEnv*>(env);
}

[[noreturn]] void raise(void* env, uint8_t vector) {
    runtime(env).raise(vector, std::nullopt);
    __builtin_unreachable();
}

// #NM from CR0, then #MF for an exception an earlier instruction left pending.
void check_entry(void* env, bool waiting, bool is_wait = false) {
    CpuEnv& e = E(env);
    if (uint8_t v = x87::device_fault(e.s.cr0, is_wait)) raise(env, v);
    if (!waiting || !x87::exception_pending(e.s.fpu)) return;
    // CR0.NE=0 asks for the PC-compatible FERR# -> IRQ 13 path, which kemu's chipset
    // does not wire; the exception is delivered as #MF instead.
    if (!(e.s.cr0 & cr0bit::NE)) log_unimp("x87: CR0.NE=0 FERR#/IRQ 13 reporting, #MF instead\n");
    raise(env, vec::MF);
}

bool real_or_vm86(const X86CpuState& s) {
    return !protected_mode(s) || vm86_mode(s);
}

// FIP/FDP hold offsets in protected mode and linear addresses in real and vm86 mode,
// which is what the FSTENV layouts of each mode store.
void record_pointers(void* env, FpuState& f, uint16_t fop, const Form& form, uint64_t linear,
                     uint64_t offset) {
    const X86CpuState& s = E(env).s;
    uint64_t rip = runtime(env).current_rip();
    bool real = real_or_vm86(s);
    f.fop = fop & 0x7ff;
    f.fip = real ? s.seg[CS].base + rip : rip;
    if (form.access != MemAccess::None) f.fdp = real ? linear : offset;
}

// A memory destination keeps its old contents when an unmasked exception other than
// precision stops the store (SDM vol. 1 8.5: the handler sees the unchanged operands).
bool store_happened(uint16_t raised, uint16_t fcw) {
    constexpr uint16_t kBlocking =
        x87::fsw::IE | x87::fsw::DE | x87::fsw::ZE | x87::fsw::OE | x87::fsw::UE;
    return !(raised & ~fcw & kBlocking);
}

// One instruction the one-at-a-time way (x87_host.h), its memory operand staged. Guest
// memory is written before the FPU state changes: a fault there leaves the FPU as it was.
// Returns the low byte of RFLAGS as the instruction left it.
uint8_t run_one(void* env, uint16_t insn, const Form& form, uint64_t linear, uint8_t flags) {
    CpuEnv& e = E(env);
    alignas(16) uint8_t mem[16] = {};
    if (form.access == MemAccess::Read) read_guest_bytes(env, linear, mem, form.size);
    x87::HostImage image = x87::to_host_image(e.s.fpu);
    x87::run_on_host(uint8_t(0xd8 + (insn >> 8)), uint8_t(insn), image, mem, flags);
    uint16_t raised = uint16_t(image[4] & x87::fsw::kExceptions);
    // (Instructions run on the host never change FCW, so the current one decides.)
    if (form.access == MemAccess::Write && store_happened(raised, e.s.fpu.fcw))
        write_guest_bytes(env, linear, mem, form.size);
    x87::from_host_image(e.s.fpu, image);
    return flags;
}

// One instruction on the live state, its memory operand read or written in place when it
// lies in one RAM page. A store anywhere else goes the one-at-a-time way, which can hold
// the FPU's update back until guest memory took the value.
uint8_t run_live(void* env, uint16_t insn, const Form& form, uint64_t linear, uint8_t flags) {
    CpuEnv& e = E(env);
    uint8_t* place = nullptr;
    alignas(16) uint8_t staged[16] = {};
    if (form.access != MemAccess::None) {
        Access access = form.access == MemAccess::Write ? Access::Write : Access::Read;
        place = runtime(env).host_pointer(linear, form.size, access, Priv::Current);
        if (!place && form.access == MemAccess::Write) {
            x87::leave_live(e);
            flags = run_one(env, insn, form, linear, flags);
            x87::enter_live(e);  // translated code counts on the state staying live
            return flags;
        }
        if (!place) {
            read_guest_bytes(env, linear, staged, form.size);
            place = staged;
        }
    }
    x87::enter_live(e);
    tcg::run_host_x87(insn, place, flags);
    return flags;
}

}  // namespace

// (escape << 8 | modrm, linear address, offset of the memory operand)
uint64_t helper_x87_exec(void* env, uint64_t insn, uint64_t linear, uint64_t offset, uint64_t) {
    check_entry(env, true);
    CpuEnv& e = E(env);
    const uint16_t code = uint16_t(insn & 0x7ff);
    Form form = x87::form_of(code >> 8, uint8_t(code));
    uint8_t flags = form.reads_eflags ? uint8_t(full_rflags(e)) : 0;
    if (x87::may_run_live(e.s.fpu.fcw)) {
        flags = run_live(env, code, form, linear, flags);
    } else {
        x87::leave_live(e);
        flags = run_one(env, code, form, linear, flags);
    }
    record_pointers(env, e.s.fpu, code, form, linear, offset);
    if (form.sets_eflags) {
        constexpr uint64_t kCompareFlags = rflag::ZF | rflag::PF | rflag::CF;
        e.cc_src = flags & kCompareFlags;  // and OF, SF, AF cleared
        e.cc_op = kCcEflags;
    }
    return 0;
}

// (escape << 8 | modrm, linear address, operand size) -> FSW for FNSTSW AX
uint64_t helper_x87_control(void* env, uint64_t insn, uint64_t linear, uint64_t opsize, uint64_t) {
    unsigned escape = (insn >> 8) & 7;
    Form form = x87::form_of(escape, uint8_t(insn));
    check_entry(env, false);
    CpuEnv& e = E(env);
    FpuState& f = e.s.fpu;
    // Only the status word lives in the host FPU among what these two read.
    if (form.kind != Kind::Fnstsw && form.kind != Kind::Fnstcw) x87::leave_live(e);
    x87::EnvFormat fmt{opsize != 2, real_or_vm86(e.s)};
    uint8_t buf[28 + 80];
    auto store16 = [&](uint16_t v) {
        uint8_t bytes[2] = {uint8_t(v), uint8_t(v >> 8)};
        write_guest_bytes(env, linear, bytes, 2);
    };
    switch (form.kind) {
        case Kind::Fnstsw: {
            uint16_t status = e.x87_live ? tcg::host_x87_status() : f.fsw;
            if (form.access == MemAccess::Write) store16(status);
            return status;
        }
        case Kind::Fnstcw:
            store16(f.fcw);
            return 0;
        case Kind::Fldcw:
            f.fcw = uint16_t(runtime(env).read(linear, 2, Priv::Current));
            x87::update_summary(f);
            return 0;
        case Kind::Fnclex:
            x87::fclex(f);
            return 0;
        case Kind::Fninit:
            x87::finit(f);
            return 0;
        case Kind::Fnstenv:
            x87::store_env(f, fmt, buf);
            write_guest_bytes(env, linear, buf, fmt.bytes());
            f.fcw |= x87::fsw::kExceptions;  // FSTENV masks every exception afterwards
            x87::update_summary(f);
            return 0;
        case Kind::Fnsave:
            x87::store_env(f, fmt, buf);
            x87::store_registers(f, std::span(buf + fmt.bytes(), 80));
            write_guest_bytes(env, linear, buf, fmt.bytes() + 80);
            x87::finit(f);
            return 0;
        case Kind::Fldenv:
            read_guest_bytes(env, linear, buf, fmt.bytes());
            x87::load_env(f, fmt, buf);
            return 0;
        case Kind::Frstor:
            read_guest_bytes(env, linear, buf, fmt.bytes() + 80);
            x87::load_env(f, fmt, buf);
            x87::load_registers(f, std::span(buf + fmt.bytes(), 80));
            return 0;
        case Kind::Obsolete:
        case Kind::Host:
            return 0;
    }
    return 0;
}

// Loads the x87 state into the host FPU for the inline instructions that follow.
uint64_t helper_x87_enter(void* env, uint64_t, uint64_t, uint64_t, uint64_t) {
    x87::enter_live(E(env));
    return 0;
}

// FWAIT: #NM only with CR0.MP and TS both set, then any pending unmasked exception.
uint64_t helper_x87_wait(void* env, uint64_t, uint64_t, uint64_t, uint64_t) {
    check_entry(env, true, true);
    return 0;
}

}  // namespace kemu::x86
