// The BIOS E820 memory map of kemu's PC, as the direct-boot loaders hand it to
// the guest (Linux boot_params, Multiboot mmap). Direct boot has no firmware to
// build it, so this is the single place that says which guest memory is usable.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "hw/i386/pc_layout.h"

namespace kemu {

// How much RAM the machine has on each side of the 4 GiB boundary (the PCI hole).
struct PcRamLayout {
    uint64_t below_4g = 0;
    uint64_t above_4g = 0;
};

// Values as in the ACPI spec's "Address Range Types" table (ACPI 6.4 section 15).
enum class E820Type : uint32_t { Ram = 1, Reserved = 2, Acpi = 3 };

struct E820Entry {
    uint64_t addr;
    uint64_t size;
    E820Type type;

    bool operator==(const E820Entry&) const = default;
};

// A real BIOS keeps its extended data area in the last KiB of conventional memory;
// guests expect that KiB to be reserved, so we keep the convention.
inline constexpr uint64_t kEbdaStart = 0x9fc00;

// The 0xe0000-0xfffff BIOS area is reserved because the ACPI tables (and the RSDP the
// guest scans for there) live in it.
inline std::vector<E820Entry> pc_e820_map(const PcRamLayout& ram) {
    std::vector<E820Entry> map;
    map.push_back({0, std::min(ram.below_4g, kEbdaStart), E820Type::Ram});
    map.push_back({kEbdaStart, pc::kLowRamEnd - kEbdaStart, E820Type::Reserved});
    map.push_back({pc::kBiosShadow, pc::kHighMemory - pc::kBiosShadow, E820Type::Reserved});
    if (ram.below_4g > pc::kHighMemory)
        map.push_back({pc::kHighMemory, ram.below_4g - pc::kHighMemory, E820Type::Ram});
    if (ram.above_4g > 0) map.push_back({pc::kAbove4gRamStart, ram.above_4g, E820Type::Ram});
    return map;
}

}  // namespace kemu
