#include "hw/pci/guest_mapping.h"

#include "system/log.h"

namespace kemu {

void GuestMapping::place(uint64_t address) {
    if (address == mapped_) return;
    bool retry = address == wanted_;
    wanted_ = address;
    if (mapped_ != kNone) {
        space_->unmap(region_);
        mapped_ = kNone;
    }
    if (address == kNone) return;
    Result<void> mapped = space_->map(address, region_, kPriority);
    if (mapped.ok()) {
        mapped_ = address;
    } else if (!retry) {
        log_guest_error("pci: cannot map '%s' at 0x%llx: %s", region_->name().c_str(),
                        (unsigned long long)address, mapped.error().message().c_str());
    }
}

}  // namespace kemu
