// Which KVM memory slots to delete and create when the flat view changes. A pure
// function, so the diffing is tested without /dev/kvm; the accelerator applies it.
#pragma once

#include <cstdint>
#include <vector>

#include "system/address_space.h"

namespace kemu {

struct Memslot {
    uint32_t id = 0;
    uint64_t gpa = 0, size = 0;
    uint8_t* host = nullptr;
    bool readonly = false;

    // Same guest range backed by the same host memory: the slot can stay as it is.
    bool same_mapping(const Memslot& o) const {
        return gpa == o.gpa && size == o.size && host == o.host && readonly == o.readonly;
    }
};

struct MemslotPlan {
    std::vector<Memslot> remove;  // delete these first (KVM refuses overlapping slots)
    std::vector<Memslot> add;     // then create these, ids already assigned
    std::vector<Memslot> slots;   // every slot once the plan is applied
    bool out_of_slots = false;    // some RAM ranges got no slot
};

// RAM and ROM ranges of `view` become slots; unchanged ranges keep their slot and id.
// Without read-only slot support ROM is mapped writable. Takes ids from `free_ids`
// (back first) and returns the ids of removed slots to it.
MemslotPlan plan_memslots(const std::vector<Memslot>& current, const FlatView& view,
                          bool readonly_supported, std::vector<uint32_t>& free_ids);

}  // namespace kemu
