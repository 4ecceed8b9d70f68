// Owning anonymous or file mapping: munmaps on destruction, movable, not copyable.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdint>
#include <utility>

namespace kemu {

class MappedRegion {
  public:
    MappedRegion() = default;
    MappedRegion(void* base, size_t size) : base_(base), size_(size) {}
    MappedRegion(MappedRegion&& o) noexcept
        : base_(std::exchange(o.base_, nullptr)), size_(std::exchange(o.size_, 0)) {}
    MappedRegion& operator=(MappedRegion&& o) noexcept {
        if (this != &o) {
            unmap();
            base_ = std::exchange(o.base_, nullptr);
            size_ = std::exchange(o.size_, 0);
        }
        return *this;
    }
    MappedRegion(const MappedRegion&) = delete;
    MappedRegion& operator=(const MappedRegion&) = delete;
    ~MappedRegion() { unmap(); }

    // Anonymous private zero-filled memory; returns an empty region on failure.
    static MappedRegion anonymous(size_t size) {
        void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p == MAP_FAILED) return {};
        return MappedRegion(p, size);
    }

    uint8_t* data() const { return static_cast<uint8_t*>(base_); }
    size_t size() const { return size_; }
    bool valid() const { return base_ != nullptr; }

  private:
    void unmap() {
        if (base_) munmap(base_, size_);
        base_ = nullptr;
        size_ = 0;
    }
    void* base_ = nullptr;
    size_t size_ = 0;
};

}  // namespace kemu
