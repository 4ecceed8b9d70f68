// Guest-physical memory for page-walk tests as a map of entries; unset entries read as
// zero (not present), and a 4-byte read sees the low half of what was stored.
#pragma once

#include <cstdint>
#include <map>
#include <optional>

#include "target-x86/mmu.h"

namespace kemu::test {

struct FakePageTables {
    std::map<uint64_t, uint64_t> entries;
    PhysRead reader() {
        return [this](uint64_t pa, unsigned size) -> std::optional<uint64_t> {
            auto it = entries.find(pa);
            uint64_t v = it == entries.end() ? 0 : it->second;
            return size == 4 ? v & 0xffffffff : v;
        };
    }
};

}  // namespace kemu::test
