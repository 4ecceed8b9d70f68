// Far control transfers (SDM vol. 2 JMP, CALL, RET, IRET pseudo-code): to code segments,
// through call gates (with inner-privilege stack switch and parameter copy), to TSS and task
// gates, and back with RET/IRET. `op_size` is the instruction's operand size in bytes (2, 4
// or 8); `next_rip` is the address of the following instruction. All registers are committed
// only when the instruction cannot fault any more.
#pragma once

#include <cstdint>

#include "target-x86/cpu_state.h"
#include "target-x86/tcg/sys_context.h"
#include "target-x86/tcg/task_switch.h"

namespace kemu::x86 {

TaskSwitchResult far_jmp(X86CpuState& s, SysContext& ctx, uint16_t selector, uint64_t offset,
                         unsigned op_size, uint64_t next_rip);
TaskSwitchResult far_call(X86CpuState& s, SysContext& ctx, uint16_t selector, uint64_t offset,
                          unsigned op_size, uint64_t next_rip);
// RET far [imm16]: `pop_bytes` is the immediate.
void far_ret(X86CpuState& s, SysContext& ctx, unsigned op_size, uint16_t pop_bytes);
TaskSwitchResult iret(X86CpuState& s, SysContext& ctx, unsigned op_size, uint64_t next_rip);

}  // namespace kemu::x86
