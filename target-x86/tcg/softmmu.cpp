// The softmmu fast path: a guest access whose page is in the TLB with a plain tag
// goes straight to host memory; everything else takes the vCPU's slow path.
#include <cstring>

#include "target-x86/tcg/softmmu.h"

#include "target-x86/tcg/cpu_runtime.h"
#include "target-x86/tcg/exceptions.h"
#include "tcg/ir.h"

namespace kemu::x86 {

namespace {

inline const TlbEntry& tlb_entry(const CpuEnv& env, unsigned mmu, uint64_t addr) {
    return env.tlb[mmu][(addr >> kPageBits) & (kTlbSize - 1)];
}

inline bool within_page(uint64_t addr, unsigned size) {
    return (addr & (kPageSize - 1)) + size <= kPageSize;
}

// Only the slow path can fault (or find the running block's code written): it needs the
// instruction the access belongs to, which the translator put in the MemOp. An access that
// must be aligned (SSE's 16-byte operands) and is not is #GP(0), before any page fault.
inline void enter_slow_path(CpuEnv& env, uint64_t addr, tcg::MemOp mop) {
    if (mop.has_insn()) env.insn_index = mop.insn();
    if (addr & (mop.alignment() - 1)) env.runtime->raise(vec::GP, 0);
}

}  // namespace

uint64_t guest_load(void* envp, uint64_t addr, uint32_t memop_bits) {
    CpuEnv& env = *static_cast<CpuEnv*>(envp);
    tcg::MemOp mop{memop_bits};
    unsigned size = mop.size();
    const TlbEntry& e = tlb_entry(env, mop.mmu_idx(), addr);
    uint64_t v = 0;
    if (e.addr_read == (addr & kPageMask) && within_page(addr, size) &&
        !(addr & (mop.alignment() - 1))) {
        std::memcpy(&v, reinterpret_cast<const void*>(addr + e.addend), size);
    } else {
        enter_slow_path(env, addr, mop);
        v = env.runtime->load_slow(addr, memop_bits);
    }
    if (mop.sign() && size < 8) {
        unsigned shift = 64 - 8 * size;
        v = uint64_t(int64_t(v << shift) >> shift);
    }
    return v;
}

void guest_store(void* envp, uint64_t addr, uint64_t value, uint32_t memop_bits) {
    CpuEnv& env = *static_cast<CpuEnv*>(envp);
    tcg::MemOp mop{memop_bits};
    unsigned size = mop.size();
    const TlbEntry& e = tlb_entry(env, mop.mmu_idx(), addr);
    if (e.addr_write == (addr & kPageMask) && within_page(addr, size) &&
        !(addr & (mop.alignment() - 1))) {
        std::memcpy(reinterpret_cast<void*>(addr + e.addend), &value, size);
        return;
    }
    enter_slow_path(env, addr, mop);
    env.runtime->store_slow(addr, value, memop_bits);
}

// A vector access that misses the TLB or crosses a page goes through the slow path in 8-byte
// pieces. A load gathers them before it writes env, so a fault on the second page leaves the
// destination register alone.
void guest_load_vector(void* envp, uint64_t addr, uint32_t memop_bits, uint32_t env_offset) {
    CpuEnv& env = *static_cast<CpuEnv*>(envp);
    const tcg::MemOp mop{memop_bits};
    const unsigned size = mop.size();
    auto* dst = reinterpret_cast<uint8_t*>(&env) + env_offset;
    const TlbEntry& e = tlb_entry(env, mop.mmu_idx(), addr);
    if (e.addr_read == (addr & kPageMask) && within_page(addr, size) &&
        !(addr & (mop.alignment() - 1))) {
        std::memcpy(dst, reinterpret_cast<const void*>(addr + e.addend), size);
        return;
    }
    enter_slow_path(env, addr, mop);
    const uint32_t piece = tcg::MemOp::make(3, false, mop.mmu_idx()).bits;
    uint64_t bytes[4];
    for (unsigned i = 0; i < size / 8; i++)
        bytes[i] = env.runtime->load_slow(addr + 8 * i, piece);
    std::memcpy(dst, bytes, size);
}

void guest_store_vector(void* envp, uint64_t addr, uint32_t memop_bits, uint32_t env_offset) {
    CpuEnv& env = *static_cast<CpuEnv*>(envp);
    const tcg::MemOp mop{memop_bits};
    const unsigned size = mop.size();
    const auto* src = reinterpret_cast<const uint8_t*>(&env) + env_offset;
    const TlbEntry& e = tlb_entry(env, mop.mmu_idx(), addr);
    if (e.addr_write == (addr & kPageMask) && within_page(addr, size) &&
        !(addr & (mop.alignment() - 1))) {
        std::memcpy(reinterpret_cast<void*>(addr + e.addend), src, size);
        return;
    }
    enter_slow_path(env, addr, mop);
    const uint32_t piece = tcg::MemOp::make(3, false, mop.mmu_idx()).bits;
    for (unsigned i = 0; i < size / 8; i++) {
        uint64_t v;
        std::memcpy(&v, src + 8 * i, 8);
        env.runtime->store_slow(addr + 8 * i, v, piece);
    }
}

const void* goto_ptr_target(void* env) {
    return runtime(env).goto_ptr_target();
}

}  // namespace kemu::x86
