// SYSCALL/SYSRET, SYSENTER/SYSEXIT and SWAPGS (SDM vol. 2): fixed flat segments from MSRs,
// no descriptor reads. The decoder raises #UD where CPUID or the mode forbids the opcode
// (SYSCALL/SYSRET outside 64-bit mode or with EFER.SCE clear on Intel, SWAPGS outside 64-bit
// mode); these helpers raise the #GP cases.
#pragma once

#include <cstdint>

#include "target-x86/cpu_state.h"
#include "target-x86/tcg/sys_context.h"

namespace kemu::x86 {

void syscall(X86CpuState& s, SysContext& ctx, uint64_t next_rip);
// `op_size` 4 returns to compatibility mode, 8 to 64-bit mode.
void sysret(X86CpuState& s, SysContext& ctx, unsigned op_size);
void sysenter(X86CpuState& s, SysContext& ctx);
void sysexit(X86CpuState& s, SysContext& ctx, unsigned op_size);
void swapgs(X86CpuState& s, SysContext& ctx);

}  // namespace kemu::x86
