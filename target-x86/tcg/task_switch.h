// Hardware task switching (SDM vol. 3 7.3): through JMP/CALL to a TSS or task gate, an
// interrupt through a task gate, and IRET with NT set. 16- and 32-bit TSS. Not available in
// IA-32e mode: the callers raise #GP there before getting here.
#pragma once

#include <cstdint>
#include <optional>

#include "target-x86/cpu_state.h"
#include "target-x86/tcg/descriptor.h"
#include "target-x86/tcg/sys_context.h"

namespace kemu::x86 {

enum class TaskSwitchReason : uint8_t { Jmp, Call, Int, Iret };

struct TaskSwitchResult {
    bool debug_trap = false;  // T flag of the new TSS: deliver #DB (DR6.BT is already set)
    bool cr3_loaded = false;  // a 32-bit TSS loaded CR3: flush non-global TLB entries
};

// Fetches and type-checks the descriptor a task switch goes to. JMP/CALL/INT want an available
// TSS and fault with #GP(selector|ext); IRET wants a busy one and faults with #TS(selector).
Descriptor fetch_tss_descriptor(const X86CpuState& s, SysContext& ctx, uint16_t selector,
                                TaskSwitchReason reason, bool ext);

// Switches to the task of `tss` (selector `tss_selector`). `return_rip` is saved as the old
// task's EIP; `error_code` is pushed on the new task's stack (exceptions through task gates).
// Faults before the old state is saved leave `s` unchanged; later ones happen in the new task.
TaskSwitchResult task_switch(X86CpuState& s, SysContext& ctx, uint16_t tss_selector, Descriptor tss,
                             TaskSwitchReason reason, uint64_t return_rip,
                             std::optional<uint32_t> error_code = std::nullopt, bool ext = false);

}  // namespace kemu::x86
