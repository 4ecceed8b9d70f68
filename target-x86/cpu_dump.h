// `info registers` text for one vCPU, laid out as QEMU prints it so people and
// scripts that read QEMU's output read ours.
#pragma once

#include <string>

#include "target-x86/cpu_state.h"

namespace kemu {

std::string format_cpu_state(const X86CpuState& s);

}  // namespace kemu
