#include "system/address_space.h"

#include <algorithm>
#include <cstring>

#include "system/hex.h"
#include "system/log.h"

namespace kemu {

namespace {

uint64_t all_ones(unsigned size) {
    return size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
}

bool overlaps(uint64_t a, uint64_t a_size, uint64_t b, uint64_t b_size) {
    return a < b + b_size && b < a + a_size;
}

}  // namespace

const FlatRange* FlatView::lookup(uint64_t addr) const {
    auto it = std::upper_bound(ranges.begin(), ranges.end(), addr,
                               [](uint64_t a, const FlatRange& r) { return a < r.start; });
    if (it == ranges.begin()) return nullptr;
    --it;
    return addr < it->end() ? &*it : nullptr;
}

AddressSpace::AddressSpace(std::string name, uint64_t size)
    : name_(std::move(name)), size_(size), view_(std::make_shared<FlatView>()), published_(view_) {}

Result<void> AddressSpace::map(uint64_t base, MemoryRegion* region, int priority) {
    if (region->size() == 0 || base + region->size() > size_ || base + region->size() < base)
        return Error(name_ + ": region '" + region->name() + "' does not fit at 0x" + hex(base));
    for (const Mapping& m : mappings_) {
        if (m.region == region)
            return Error(name_ + ": region '" + region->name() + "' mapped twice");
        if (m.priority == priority && overlaps(base, region->size(), m.base, m.region->size()))
            return Error(name_ + ": region '" + region->name() + "' at 0x" + hex(base) +
                         " overlaps '" + m.region->name() + "' at 0x" + hex(m.base));
    }
    mappings_.push_back({base, region, priority, next_order_++});
    rebuild();
    return ok();
}

void AddressSpace::unmap(MemoryRegion* region) {
    auto it = std::remove_if(mappings_.begin(), mappings_.end(),
                             [&](const Mapping& m) { return m.region == region; });
    if (it == mappings_.end()) return;
    mappings_.erase(it, mappings_.end());
    rebuild();
}

// Paints every elementary interval with the highest-priority mapping that covers it,
// then merges neighbours that continue the same region.
void AddressSpace::rebuild() {
    rebuild_pending_ = batch_depth_ > 0;
    if (rebuild_pending_) return;
    std::vector<uint64_t> edges;
    for (const Mapping& m : mappings_) {
        edges.push_back(m.base);
        edges.push_back(m.base + m.region->size());
    }
    std::sort(edges.begin(), edges.end());
    edges.erase(std::unique(edges.begin(), edges.end()), edges.end());

    auto view = std::make_shared<FlatView>();
    for (size_t i = 0; i + 1 < edges.size(); i++) {
        uint64_t start = edges[i], end = edges[i + 1];
        const Mapping* best = nullptr;
        for (const Mapping& m : mappings_) {
            if (m.base > start || m.base + m.region->size() < end) continue;
            if (!best || m.priority > best->priority ||
                (m.priority == best->priority && m.order > best->order))
                best = &m;
        }
        if (!best) continue;
        uint64_t offset = start - best->base;
        if (!view->ranges.empty()) {
            FlatRange& last = view->ranges.back();
            if (last.region == best->region && last.end() == start &&
                last.offset_in_region + last.size == offset) {
                last.size += end - start;
                continue;
            }
        }
        view->ranges.push_back({start, end - start, best->region, offset});
    }
    std::shared_ptr<const FlatView> old = std::move(view_);
    view_ = std::move(view);
    published_.store(view_);
    for (MemoryListener* l : listeners_)
        l->commit(*old, *view_);
}

void AddressSpace::add_listener(MemoryListener* listener) {
    listeners_.push_back(listener);
    listener->commit(FlatView{}, *view_);
}

void AddressSpace::remove_listener(MemoryListener* listener) {
    listeners_.erase(std::remove(listeners_.begin(), listeners_.end(), listener), listeners_.end());
}

// Splits or widens one access to the sizes the handler implements.
MemTxResult AddressSpace::dispatch_io(const FlatRange& r, uint64_t addr, unsigned size,
                                      uint64_t* data, bool is_write) const {
    const IoOps& ops = r.region->ops();
    uint64_t offset = addr - r.start + r.offset_in_region;
    bool aligned = (offset & (size - 1)) == 0;
    if (size < ops.valid.min || size > ops.valid.max || (!ops.valid.unaligned && !aligned)) {
        log_guest_error("%s: invalid %u-byte %s at 0x%llx (%s+0x%llx)", name_.c_str(), size,
                        is_write ? "write" : "read", (unsigned long long)addr,
                        r.region->name().c_str(), (unsigned long long)offset);
        if (!is_write) *data = all_ones(size);
        return MemTxResult::Invalid;
    }
    unsigned step = std::clamp(size, ops.impl.min, ops.impl.max);
    if (step > size) {
        // Widen: the handler sees an aligned access of `step` bytes around ours.
        uint64_t base = offset & ~uint64_t(step - 1);
        unsigned shift = unsigned(offset - base) * 8;
        if (is_write) {
            if (ops.write) ops.write(base, (*data & all_ones(size)) << shift, step);
        } else {
            uint64_t v = ops.read ? ops.read(base, step) : all_ones(step);
            *data = (v >> shift) & all_ones(size);
        }
        return MemTxResult::Ok;
    }
    uint64_t result = 0;
    for (unsigned done = 0; done < size; done += step) {
        if (is_write) {
            if (ops.write) ops.write(offset + done, (*data >> (done * 8)) & all_ones(step), step);
        } else {
            uint64_t v = ops.read ? ops.read(offset + done, step) : all_ones(step);
            result |= (v & all_ones(step)) << (done * 8);
        }
    }
    if (!is_write) *data = result;
    return MemTxResult::Ok;
}

MemTxResult AddressSpace::read(uint64_t addr, unsigned size, uint64_t* data) const {
    const FlatRange* r = view_->lookup(addr);
    if (!r) {
        *data = all_ones(size);
        return MemTxResult::Unassigned;
    }
    if (addr + size > r->end()) {
        // Straddles two ranges: assemble byte by byte.
        uint64_t v = 0;
        for (unsigned i = 0; i < size; i++) {
            uint64_t b;
            (void)read(addr + i, 1, &b);
            v |= (b & 0xff) << (i * 8);
        }
        *data = v;
        return MemTxResult::Ok;
    }
    if (r->region->is_ram_backed()) {
        uint64_t v = 0;
        std::memcpy(&v, r->region->host() + (addr - r->start + r->offset_in_region), size);
        *data = v;
        return MemTxResult::Ok;
    }
    return dispatch_io(*r, addr, size, data, false);
}

MemTxResult AddressSpace::write(uint64_t addr, unsigned size, uint64_t data) const {
    const FlatRange* r = view_->lookup(addr);
    if (!r) return MemTxResult::Unassigned;
    if (addr + size > r->end()) {
        for (unsigned i = 0; i < size; i++)
            (void)write(addr + i, 1, (data >> (i * 8)) & 0xff);
        return MemTxResult::Ok;
    }
    switch (r->region->kind()) {
        case MemoryRegion::Kind::Ram:
            std::memcpy(r->region->host() + (addr - r->start + r->offset_in_region), &data, size);
            return MemTxResult::Ok;
        case MemoryRegion::Kind::Rom:
            return MemTxResult::Ok;
        case MemoryRegion::Kind::Io:
            return dispatch_io(*r, addr, size, &data, true);
    }
    return MemTxResult::Invalid;
}

MemTxResult AddressSpace::read_bytes(uint64_t addr, std::span<uint8_t> out) const {
    MemTxResult result = MemTxResult::Ok;
    size_t done = 0;
    while (done < out.size()) {
        uint64_t a = addr + done;
        const FlatRange* r = view_->lookup(a);
        if (r && r->region->is_ram_backed()) {
            size_t n = std::min<uint64_t>(out.size() - done, r->end() - a);
            std::memcpy(out.data() + done, r->region->host() + (a - r->start + r->offset_in_region),
                        n);
            done += n;
            continue;
        }
        uint64_t v;
        if (read(a, 1, &v) != MemTxResult::Ok) result = MemTxResult::Unassigned;
        out[done++] = uint8_t(v);
    }
    return result;
}

MemTxResult AddressSpace::write_bytes(uint64_t addr, std::span<const uint8_t> in,
                                      bool force_rom) const {
    MemTxResult result = MemTxResult::Ok;
    size_t done = 0;
    while (done < in.size()) {
        uint64_t a = addr + done;
        const FlatRange* r = view_->lookup(a);
        bool writable_ram = r && (r->region->kind() == MemoryRegion::Kind::Ram ||
                                  (force_rom && r->region->kind() == MemoryRegion::Kind::Rom));
        if (writable_ram) {
            size_t n = std::min<uint64_t>(in.size() - done, r->end() - a);
            std::memcpy(r->region->host() + (a - r->start + r->offset_in_region), in.data() + done,
                        n);
            for (MemoryListener* l : listeners_)
                l->ram_written(a, n);
            done += n;
            continue;
        }
        if (write(a, 1, in[done++]) != MemTxResult::Ok) result = MemTxResult::Unassigned;
    }
    return result;
}

uint8_t* AddressSpace::host_pointer(uint64_t addr, uint64_t len) const {
    const FlatRange* r = view_->lookup(addr);
    if (!r || !r->region->is_ram_backed() || addr + len > r->end() || addr + len < addr)
        return nullptr;
    return r->region->host() + (addr - r->start + r->offset_in_region);
}

}  // namespace kemu
