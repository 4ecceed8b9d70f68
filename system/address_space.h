// An AddressSpace maps MemoryRegions at guest addresses (the memory bus or the
// I/O port bus), flattens them into a sorted, non-overlapping FlatView and
// dispatches accesses. Both accelerators and DMA-capable devices go through it.
// Callers hold the machine lock for map/unmap and for I/O dispatch.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "system/error.h"
#include "system/memory_region.h"

namespace kemu {

// One contiguous piece of the flattened view: [start, start + size) shows
// `region` from `offset_in_region` on.
struct FlatRange {
    uint64_t start;
    uint64_t size;
    MemoryRegion* region;
    uint64_t offset_in_region;

    uint64_t end() const { return start + size; }
};

struct FlatView {
    std::vector<FlatRange> ranges;  // sorted by start, non-overlapping

    const FlatRange* lookup(uint64_t addr) const;
};

// Told about every new FlatView (KVM keeps its memslots in step with RAM ranges), and about
// bulk writes into RAM that no CPU made (loaders, DMA), which may overwrite translated code.
class MemoryListener {
  public:
    virtual ~MemoryListener() = default;
    virtual void commit(const FlatView& old_view, const FlatView& new_view) = 0;
    virtual void ram_written(uint64_t /*addr*/, uint64_t /*size*/) {}
};

enum class MemTxResult { Ok, Unassigned, Invalid };

class AddressSpace {
  public:
    AddressSpace(std::string name, uint64_t size);

    const std::string& name() const { return name_; }
    uint64_t size() const { return size_; }

    // Maps `region` at `base`. Regions of equal priority must not overlap (the error
    // names both); a higher priority covers a lower one (ROM shadows, VGA window).
    Result<void> map(uint64_t base, MemoryRegion* region, int priority = 0);
    void unmap(MemoryRegion* region);

    // One guest access of 1, 2, 4 or 8 bytes, little-endian in `*data`.
    // Unassigned reads return all ones, as on a PC bus.
    MemTxResult read(uint64_t addr, unsigned size, uint64_t* data) const;
    MemTxResult write(uint64_t addr, unsigned size, uint64_t data) const;

    // Bulk copies for loaders and DMA; RAM/ROM by memcpy, I/O byte by byte.
    // `write_bytes` with `force_rom` also writes ROM (firmware and kernel loading).
    MemTxResult read_bytes(uint64_t addr, std::span<uint8_t> out) const;
    MemTxResult write_bytes(uint64_t addr, std::span<const uint8_t> in,
                            bool force_rom = false) const;

    // Host pointer for [addr, addr+len) when it lies within one RAM/ROM range, else null.
    uint8_t* host_pointer(uint64_t addr, uint64_t len) const;

    const FlatView& flat_view() const { return *view_; }
    // The current map for a thread that does not hold the machine lock (a TCG vCPU filling
    // its TLB): it stays valid as long as the pointer is held, whatever is remapped meanwhile.
    std::shared_ptr<const FlatView> flat_view_snapshot() const { return published_.load(); }
    void add_listener(MemoryListener* listener);

    // While one of these lives, map/unmap only record the change: the FlatView is rebuilt
    // and listeners told once, when the last one ends. A board build or a chipset register
    // that moves many regions then costs KVM one memslot update instead of one per region.
    class UpdateBatch {
      public:
        explicit UpdateBatch(AddressSpace& space) : space_(space) { space_.batch_depth_++; }
        ~UpdateBatch() {
            if (--space_.batch_depth_ == 0 && space_.rebuild_pending_) space_.rebuild();
        }
        UpdateBatch(const UpdateBatch&) = delete;
        UpdateBatch& operator=(const UpdateBatch&) = delete;

      private:
        AddressSpace& space_;
    };
    void remove_listener(MemoryListener* listener);

  private:
    struct Mapping {
        uint64_t base;
        MemoryRegion* region;
        int priority;
        uint64_t order;  // later mappings win ties when priorities differ only
    };

    void rebuild();
    MemTxResult dispatch_io(const FlatRange& r, uint64_t addr, unsigned size, uint64_t* data,
                            bool is_write) const;

    std::string name_;
    uint64_t size_;
    uint64_t next_order_ = 0;
    std::vector<Mapping> mappings_;
    std::shared_ptr<const FlatView> view_;
    std::atomic<std::shared_ptr<const FlatView>> published_;
    std::vector<MemoryListener*> listeners_;
    unsigned batch_depth_ = 0;
    bool rebuild_pending_ = false;
};

}  // namespace kemu
