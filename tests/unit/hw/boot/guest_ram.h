// Guest RAM for loader tests: `size` bytes at guest-physical 0 in a memory
// AddressSpace, with typed little-endian reads of what a loader wrote.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "system/address_space.h"

namespace kemu::test {

class GuestRam {
  public:
    explicit GuestRam(uint64_t size, uint8_t fill = 0)
        : bytes_(size, fill),
          region_(MemoryRegion::ram("ram", bytes_.data(), size)),
          mem_("memory", 1ull << 40) {
        (void)mem_.map(0, &region_);
    }

    AddressSpace& mem() { return mem_; }
    uint8_t* at(uint64_t addr) { return &bytes_.at(addr); }

    template <typename T>
    T read(uint64_t addr) const {
        (void)bytes_.at(addr + sizeof(T) - 1);  // throws when the read runs past RAM
        T v;
        std::memcpy(&v, &bytes_[addr], sizeof(T));
        return v;
    }
    uint8_t u8(uint64_t a) const { return read<uint8_t>(a); }
    uint16_t u16(uint64_t a) const { return read<uint16_t>(a); }
    uint32_t u32(uint64_t a) const { return read<uint32_t>(a); }
    uint64_t u64(uint64_t a) const { return read<uint64_t>(a); }
    std::string c_string(uint64_t addr) const {
        return reinterpret_cast<const char*>(&bytes_.at(addr));
    }
    std::vector<uint8_t> range(uint64_t addr, uint64_t len) const {
        return {bytes_.begin() + addr, bytes_.begin() + addr + len};
    }

  private:
    std::vector<uint8_t> bytes_;
    MemoryRegion region_;
    AddressSpace mem_;
};

}  // namespace kemu::test
