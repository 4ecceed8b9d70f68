#include "tests/unit/tcg/flat_runtime.h"

#include <cstring>

#include "target-x86/tcg/exceptions.h"
#include "tcg/ir.h"
#include "tests/unit/tcg/arena.h"

namespace kemu::x86::difftest {

FlatRuntime::FlatRuntime() {
    env_.runtime = this;
    // Every access takes the slow path, so each one is bounds-checked here.
    for (auto& per_mmu : env_.tlb)
        for (TlbEntry& e : per_mmu)
            e = {kTlbInvalid, kTlbInvalid, kTlbInvalid, 0};
}

uint64_t FlatRuntime::current_rip() {
    if (block && env_.insn_index < block->insn_rip.size()) return block->insn_rip[env_.insn_index];
    return env_.s.rip;
}

uint8_t* FlatRuntime::locate(uint64_t addr, unsigned size, bool write) {
    if (Arena::contains(addr, size, Arena::kDataAddr, Arena::kDataSize))
        return reinterpret_cast<uint8_t*>(addr);
    if (!write && Arena::contains(addr, size, Arena::kCodeAddr, Arena::kCodeSize))
        return reinterpret_cast<uint8_t*>(addr);
    return nullptr;
}

uint64_t FlatRuntime::read(uint64_t linear, unsigned size, Priv) {
    const uint8_t* p = locate(linear, size, false);
    if (!p) raise(vec::PF, 0);
    uint64_t v = 0;
    std::memcpy(&v, p, size);
    return v;
}

void FlatRuntime::write(uint64_t linear, unsigned size, uint64_t value, Priv) {
    uint8_t* p = locate(linear, size, true);
    if (!p) raise(vec::PF, 2);
    std::memcpy(p, &value, size);
}

uint64_t FlatRuntime::load_slow(uint64_t addr, uint32_t memop) {
    return read(addr, tcg::MemOp{memop}.size(), Priv::Current);
}

void FlatRuntime::store_slow(uint64_t addr, uint64_t value, uint32_t memop) {
    write(addr, tcg::MemOp{memop}.size(), value, Priv::Current);
}

uint8_t* FlatRuntime::host_pointer(uint64_t linear, unsigned size, Access access, Priv) {
    return locate(linear, size, access == Access::Write);
}

uint64_t FlatRuntime::phys_read(uint64_t paddr, unsigned size) {
    return read(paddr, size, Priv::Supervisor);
}

bool FlatRuntime::phys_cmpxchg(uint64_t paddr, unsigned size, uint64_t old, uint64_t value) {
    if (read(paddr, size, Priv::Supervisor) != old) return false;
    write(paddr, size, value, Priv::Supervisor);
    return true;
}

void FlatRuntime::raise(uint8_t vector, std::optional<uint32_t>) {
    env_.s.rip = current_rip();
    raised = vector;
    siglongjmp(jump, 1);
}

void FlatRuntime::raise_event(const InterruptEvent& event) {
    env_.s.rip = current_rip();
    raised = event.vector;
    siglongjmp(jump, 1);
}

}  // namespace kemu::x86::difftest
