#include "tests/unit/tcg/arena.h"

#include <sys/mman.h>

namespace kemu::x86::difftest {

namespace {

bool map_fixed(uint64_t addr, uint64_t size, int prot) {
    void* p = mmap(reinterpret_cast<void*>(addr), size, prot,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (p == MAP_FAILED) return false;
    if (p != reinterpret_cast<void*>(addr)) {  // kernels before 4.17 treat the flag as a hint
        munmap(p, size);
        return false;
    }
    return true;
}

Arena* map_arena() {
    static Arena arena;
    if (!map_fixed(Arena::kDataAddr, Arena::kDataSize, PROT_READ | PROT_WRITE)) return nullptr;
    if (!map_fixed(Arena::kCodeAddr, Arena::kCodeSize, PROT_READ | PROT_WRITE | PROT_EXEC))
        return nullptr;
    return &arena;
}

}  // namespace

Arena* Arena::get() {
    static Arena* arena = map_arena();
    return arena;
}

}  // namespace kemu::x86::difftest
