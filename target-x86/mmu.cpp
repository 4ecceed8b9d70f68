#include "target-x86/mmu.h"

namespace kemu {

namespace {

constexpr uint64_t kPresent = 1;
constexpr uint64_t kPageSize = 1u << 7;  // PS: this entry maps a large page
constexpr uint64_t kAddrMask = 0x000ffffffffff000ull;
constexpr uint64_t kCr0Pg = 1u << 31;
constexpr uint64_t kCr4Pse = 1u << 4;
constexpr uint64_t kCr4Pae = 1u << 5;
constexpr uint64_t kEferLma = 1u << 10;

// Walks PAE/4-level tables (8-byte entries, 9 index bits per level) from `table`.
std::optional<uint64_t> walk64(uint64_t table, uint64_t vaddr, int levels, const PhysRead& read) {
    for (int level = levels; level >= 1; level--) {
        unsigned shift = 12 + 9 * (level - 1);
        // PAE's top level has 4 entries indexed by bits 31:30.
        uint64_t index = (vaddr >> shift) & (levels == 3 && level == 3 ? 3 : 0x1ff);
        auto entry = read(table + index * 8, 8);
        if (!entry || !(*entry & kPresent)) return std::nullopt;
        bool large = level > 1 && level < 4 && (*entry & kPageSize) && !(levels == 3 && level == 3);
        if (large || level == 1) {
            uint64_t page_mask = (1ull << shift) - 1;
            return (*entry & kAddrMask & ~page_mask) | (vaddr & page_mask);
        }
        table = *entry & kAddrMask;
    }
    return std::nullopt;
}

}  // namespace

std::optional<uint64_t> debug_translate(const X86CpuState& s, uint64_t vaddr,
                                        const PhysRead& read) {
    if (!(s.cr0 & kCr0Pg)) return vaddr & 0xffffffffull;
    if (s.efer & kEferLma) return walk64(s.cr3 & kAddrMask, vaddr, 4, read);
    if (s.cr4 & kCr4Pae) return walk64(s.cr3 & 0xffffffe0ull, vaddr & 0xffffffffull, 3, read);
    // 32-bit paging: 10+10+12, optional 4 MiB pages with PSE.
    uint32_t va = uint32_t(vaddr);
    auto pde = read((s.cr3 & 0xfffff000ull) + (va >> 22) * 4, 4);
    if (!pde || !(*pde & kPresent)) return std::nullopt;
    if ((*pde & kPageSize) && (s.cr4 & kCr4Pse))
        return (*pde & 0xffc00000ull) | ((*pde >> 13 & 0xff) << 32) | (va & 0x3fffff);
    auto pte = read((*pde & 0xfffff000ull) + ((va >> 12) & 0x3ff) * 4, 4);
    if (!pte || !(*pte & kPresent)) return std::nullopt;
    return (*pte & 0xfffff000ull) | (va & 0xfff);
}

}  // namespace kemu
