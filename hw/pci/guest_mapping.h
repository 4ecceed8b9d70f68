// Keeps one MemoryRegion mapped wherever a guest-programmed base register points
// (a PCI BAR, the PIIX4 PMBA). The guest may program anything: overlaps and
// silly addresses are logged under -d guest_errors and leave the region unmapped,
// and mapping happens below RAM and fixed devices so a bad base hides the region,
// never what was already there.
#pragma once

#include <cstdint>

#include "system/address_space.h"
#include "system/memory_region.h"

namespace kemu {

class GuestMapping {
  public:
    static constexpr uint64_t kNone = ~uint64_t(0);
    // Below RAM (priority 0), so RAM and fixed devices win any overlap.
    static constexpr int kPriority = -1;

    GuestMapping(AddressSpace& space, MemoryRegion& region) : space_(&space), region_(&region) {}
    GuestMapping(const GuestMapping&) = delete;
    GuestMapping& operator=(const GuestMapping&) = delete;

    // Maps the region at `address`, or unmaps it for kNone. A failed map is retried on
    // the next call with the same address (another region may have moved away), and
    // logged only once per address.
    void place(uint64_t address);
    // Where the region is mapped now, or kNone.
    uint64_t address() const { return mapped_; }
    MemoryRegion& region() const { return *region_; }

  private:
    AddressSpace* space_;
    MemoryRegion* region_;
    uint64_t mapped_ = kNone;
    uint64_t wanted_ = kNone;
};

}  // namespace kemu
