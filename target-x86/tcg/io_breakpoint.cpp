#include "target-x86/tcg/io_breakpoint.h"

#include "target-x86/tcg/cpu_mode.h"

namespace kemu::x86 {

uint64_t io_breakpoint_hits(const X86CpuState& s, uint16_t port, unsigned size) {
    constexpr unsigned kRwIo = 2;
    // LEN 10b is 8 bytes wide in IA-32e mode and undefined elsewhere: taken as 8 everywhere.
    static constexpr unsigned kLen[] = {1, 2, 8, 4};
    if (!(s.cr4 & cr4bit::DE)) return 0;
    uint64_t dr7 = s.dr[7], hits = 0;
    for (unsigned i = 0; i < 4; i++) {
        bool enabled = (dr7 >> (2 * i)) & 3;  // L or G
        unsigned rw = (dr7 >> (16 + 4 * i)) & 3;
        if (!enabled || rw != kRwIo) continue;
        // The breakpoint covers its LEN-aligned range, as a data breakpoint does.
        unsigned len = kLen[(dr7 >> (18 + 4 * i)) & 3];
        uint64_t start = s.dr[i] & ~uint64_t(len - 1);
        if (port < start + len && start < uint64_t(port) + size) hits |= 1u << i;
    }
    return hits;
}

}  // namespace kemu::x86
