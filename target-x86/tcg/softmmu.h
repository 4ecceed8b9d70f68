// The guest memory entry points translated code calls (TargetInfo::guest_load/store): the
// TLB fast path here, the vCPU's slow path behind it.
#pragma once

#include <cstdint>

namespace kemu::x86 {

uint64_t guest_load(void* env, uint64_t addr, uint32_t memop);
void guest_store(void* env, uint64_t addr, uint64_t value, uint32_t memop);
// TargetInfo::guest_load_vector/guest_store_vector: 16 or 32 bytes (SSE/AVX operands).
void guest_load_vector(void* env, uint64_t addr, uint32_t memop, uint32_t env_offset);
void guest_store_vector(void* env, uint64_t addr, uint32_t memop, uint32_t env_offset);
// TargetInfo::goto_ptr_target: the vCPU's answer for an indirect branch's next block.
const void* goto_ptr_target(void* env);

}  // namespace kemu::x86
