#include "accel/kvm/memslot_plan.h"

#include <algorithm>

namespace kemu {

MemslotPlan plan_memslots(const std::vector<Memslot>& current, const FlatView& view,
                          bool readonly_supported, std::vector<uint32_t>& free_ids) {
    std::vector<Memslot> wanted;
    for (const FlatRange& r : view.ranges) {
        if (!r.region->is_ram_backed()) continue;
        bool rom = r.region->kind() == MemoryRegion::Kind::Rom;
        Memslot slot{0, r.start, r.size, r.region->host() + r.offset_in_region,
                     rom && readonly_supported};
        // Neighbours that continue the same host memory (RAM and its PAM shadow aliases) share
        // one slot: every slot change costs KVM a grace period.
        if (!wanted.empty()) {
            Memslot& last = wanted.back();
            if (last.gpa + last.size == slot.gpa && last.host + last.size == slot.host &&
                last.readonly == slot.readonly) {
                last.size += slot.size;
                continue;
            }
        }
        wanted.push_back(slot);
    }
    auto in = [](const std::vector<Memslot>& list, const Memslot& s) {
        return std::any_of(list.begin(), list.end(),
                           [&](const Memslot& o) { return o.same_mapping(s); });
    };
    MemslotPlan plan;
    for (const Memslot& s : current) {
        if (in(wanted, s)) {
            plan.slots.push_back(s);
        } else {
            plan.remove.push_back(s);
            free_ids.push_back(s.id);
        }
    }
    for (Memslot w : wanted) {
        if (in(plan.slots, w)) continue;
        if (free_ids.empty()) {
            plan.out_of_slots = true;
            break;
        }
        w.id = free_ids.back();
        free_ids.pop_back();
        plan.add.push_back(w);
        plan.slots.push_back(w);
    }
    return plan;
}

}  // namespace kemu
