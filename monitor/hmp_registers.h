// The `$name`s of monitor expressions (`x/4i $pc`, `p $eax + 4`): QEMU's x86 names, their
// 64-bit spellings and a few control registers, read from a saved CPU state.
#pragma once

#include <cstdint>
#include <string_view>

#include "system/error.h"
#include "target-x86/cpu_state.h"

namespace kemu {

// As QEMU's x86-64 monitor: `$eax` and `$rax` both give the whole 64-bit register, `$pc`
// is CS.base + RIP, `$cs` the selector and `$cs.base`/`$cs.limit` its hidden part.
Result<uint64_t> cpu_register_value(const X86CpuState& s, std::string_view name);

}  // namespace kemu
