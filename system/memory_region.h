// A MemoryRegion is something that can be mapped into an AddressSpace: guest RAM,
// ROM, or a device's register window (MMIO or port I/O). See docs/memory.md.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace kemu {

// Access sizes in bytes (1, 2, 4 or 8).
struct AccessSizes {
    unsigned min = 1;
    unsigned max = 4;
    bool unaligned = false;
};

// Callbacks of an I/O region. `valid` is what the guest may do: other accesses are
// ignored (writes dropped, reads return all ones) and logged under -d guest_errors.
// `impl` is what the handler implements: the dispatcher splits wider accesses and
// widens narrower ones, so a 16550 sees only 1-byte accesses at its own offsets.
struct IoOps {
    std::function<uint64_t(uint64_t offset, unsigned size)> read;
    std::function<void(uint64_t offset, uint64_t value, unsigned size)> write;
    AccessSizes valid{1, 8, true};
    AccessSizes impl{1, 8, true};
};

class MemoryRegion {
  public:
    enum class Kind { Ram, Rom, Io };

    // RAM and ROM are backed by host memory the caller owns and keeps alive.
    static MemoryRegion ram(std::string name, uint8_t* host, uint64_t size) {
        return MemoryRegion(Kind::Ram, std::move(name), size, host, {});
    }
    // Guest writes to ROM are ignored; loaders write through host().
    static MemoryRegion rom(std::string name, uint8_t* host, uint64_t size) {
        return MemoryRegion(Kind::Rom, std::move(name), size, host, {});
    }
    static MemoryRegion io(std::string name, uint64_t size, IoOps ops) {
        return MemoryRegion(Kind::Io, std::move(name), size, nullptr, std::move(ops));
    }

    MemoryRegion(const MemoryRegion&) = delete;
    MemoryRegion& operator=(const MemoryRegion&) = delete;
    MemoryRegion(MemoryRegion&&) = default;
    MemoryRegion& operator=(MemoryRegion&&) = default;

    Kind kind() const { return kind_; }
    bool is_ram_backed() const { return kind_ != Kind::Io; }
    const std::string& name() const { return name_; }
    uint64_t size() const { return size_; }
    uint8_t* host() const { return host_; }
    const IoOps& ops() const { return ops_; }

  private:
    MemoryRegion(Kind kind, std::string name, uint64_t size, uint8_t* host, IoOps ops)
        : kind_(kind), name_(std::move(name)), size_(size), host_(host), ops_(std::move(ops)) {}

    Kind kind_;
    std::string name_;
    uint64_t size_;
    uint8_t* host_;
    IoOps ops_;
};

}  // namespace kemu
