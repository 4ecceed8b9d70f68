// The host mappings both runs of a differential test share: a data page and a code
// page at fixed addresses below 4 GiB. The native run touches them directly; the
// guest run sees them as identity-mapped guest memory (physical = linear = host
// address), so an address computed by either run means the same bytes.
#pragma once

#include <cstdint>

namespace kemu::x86::difftest {

struct Arena {
    static constexpr uint64_t kDataAddr = 0x40000000;
    static constexpr uint64_t kDataSize = 0x1000;
    static constexpr uint64_t kCodeAddr = 0x40100000;
    static constexpr uint64_t kCodeSize = 0x1000;

    // Maps both pages on first use; null when the host refuses (the tests then skip).
    static Arena* get();

    uint8_t* data() const { return reinterpret_cast<uint8_t*>(kDataAddr); }
    uint8_t* code() const { return reinterpret_cast<uint8_t*>(kCodeAddr); }
    static bool contains(uint64_t addr, uint64_t size, uint64_t base, uint64_t region) {
        return addr >= base && addr - base <= region && size <= region - (addr - base);
    }
};

}  // namespace kemu::x86::difftest
