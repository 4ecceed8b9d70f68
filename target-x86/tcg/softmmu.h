// The guest memory entry points translated code calls (TargetInfo::guest_load/store): the
// TLB fast path here, the vCPU's slow path behind it.
#pragma once

#include <cstdint>

namespace kemu::x86 {

uint64_t guest_load(void* env, uint64_t addr, uint32_t memop);
void guest_store(void* env, uint64_t addr, uint64_t value, uint32_t memop);

}  // namespace kemu::x86
