// Delivery of exceptions, external interrupts, NMIs and INT n/INT3/INTO/INT1 through the IVT
// (real mode) or the IDT (protected, virtual-8086 and IA-32e mode), following SDM vol. 3
// chapter 6 and the INT n pseudo-code of vol. 2. Double-fault and triple-fault escalation is
// the exec loop's, with combine_exceptions() from exceptions.h.
#pragma once

#include <cstdint>
#include <optional>

#include "target-x86/cpu_state.h"
#include "target-x86/tcg/sys_context.h"
#include "target-x86/tcg/task_switch.h"

namespace kemu::x86 {

enum class EventKind : uint8_t {
    Exception,  // raised by the processor
    External,   // INTR from the PIC/APIC
    Nmi,
    SoftwareInt,                  // INT n: IOPL-sensitive in vm86, gate DPL checked
    SoftwareException,            // INT3, INTO: gate DPL checked
    PrivilegedSoftwareException,  // INT1/ICEBP: no DPL check, EXT set
};

struct InterruptEvent {
    uint8_t vector = 0;
    EventKind kind = EventKind::Exception;
    std::optional<uint32_t> error_code;
    // Return address for the software kinds (the instruction after INT). Exceptions, NMIs and
    // external interrupts return to state.rip: the exec loop sets it to the next instruction
    // for trap-class exceptions (#DB data breakpoints, single step) before calling.
    uint64_t next_rip = 0;
};

// Delivers `ev`, updating CS:RIP, SS:RSP, RFLAGS and the stack in `s`. A fault during delivery
// is raised through ctx with `s` unchanged (except in a task switch past its point of no
// return). The result reports what a task gate did; it is default when there was none.
TaskSwitchResult deliver_interrupt(X86CpuState& s, SysContext& ctx, const InterruptEvent& ev);

}  // namespace kemu::x86
