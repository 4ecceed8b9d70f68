#include "block/qcow2/l2_cache.h"

#include <algorithm>

#include "block/qcow2/format.h"

namespace kemu::block::qcow2 {

L2Cache::L2Cache(ImageFile& file, uint32_t cluster_bits, size_t capacity,
                 std::function<Result<void>()> before_writeback)
    : file_(file),
      cluster_bits_(cluster_bits),
      capacity_(std::max<size_t>(capacity, 1)),
      before_writeback_(std::move(before_writeback)) {}

std::vector<uint8_t> L2Cache::encode(const std::vector<uint64_t>& entries) {
    std::vector<uint8_t> raw(entries.size() * 8);
    for (size_t i = 0; i < entries.size(); ++i)
        put_be64(&raw[i * 8], entries[i]);
    return raw;
}

Result<void> L2Cache::write_back(L2Table& t) {
    KEMU_TRY_VOID(before_writeback_());
    KEMU_TRY_VOID(file_.write(t.offset, encode(t.entries)));
    t.dirty = false;
    return ok();
}

Result<void> L2Cache::make_room() {
    if (tables_.size() < capacity_) return ok();
    auto victim = std::min_element(tables_.begin(), tables_.end(),
                                   [](auto& a, auto& b) { return a->last_use < b->last_use; });
    if ((*victim)->dirty) KEMU_TRY_VOID(write_back(**victim));
    tables_.erase(victim);
    return ok();
}

Result<L2Table*> L2Cache::get(uint64_t offset) {
    for (auto& t : tables_) {
        if (t->offset == offset) {
            t->last_use = ++use_counter_;
            return t.get();
        }
    }
    ++misses_;
    std::vector<uint8_t> raw(1ull << cluster_bits_);
    KEMU_TRY_VOID(file_.read(offset, raw));
    std::vector<uint64_t> entries(raw.size() / 8);
    for (size_t i = 0; i < entries.size(); ++i)
        entries[i] = be64(&raw[i * 8]);
    return install(offset, std::move(entries));
}

const L2Table* L2Cache::peek(uint64_t offset) const {
    for (const auto& t : tables_) {
        if (t->offset == offset) return t.get();
    }
    return nullptr;
}

Result<L2Table*> L2Cache::install(uint64_t offset, std::vector<uint64_t> entries) {
    drop(offset);
    KEMU_TRY_VOID(make_room());
    auto t = std::make_unique<L2Table>();
    t->offset = offset;
    t->entries = std::move(entries);
    t->last_use = ++use_counter_;
    tables_.push_back(std::move(t));
    return tables_.back().get();
}

Result<void> L2Cache::flush() {
    for (auto& t : tables_) {
        if (t->dirty) KEMU_TRY_VOID(write_back(*t));
    }
    return ok();
}

bool L2Cache::dirty() const {
    return std::any_of(tables_.begin(), tables_.end(), [](auto& t) { return t->dirty; });
}

void L2Cache::drop(uint64_t offset) {
    std::erase_if(tables_, [offset](auto& t) { return t->offset == offset; });
}

bool L2Cache::overlaps(uint64_t host, uint64_t len) const {
    const uint64_t size = 1ull << cluster_bits_;
    for (const auto& t : tables_)
        if (t->offset < host + len && host < t->offset + size) return true;
    return false;
}

}  // namespace kemu::block::qcow2
