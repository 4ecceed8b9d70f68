// The "etc/table-loader" command stream through which firmware (SeaBIOS's romfile
// loader, OVMF's) installs tables kemu hands it as fw_cfg files: allocate each file in
// guest memory, add a file's guest address to pointer fields in another, then fix
// checksums. Every command is 128 bytes, little-endian, and names files by their
// NUL-padded fw_cfg name (56 bytes). Commands run in order, so pointers are patched
// before the checksums that cover them.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace kemu {

class BiosLinkerLoader {
  public:
    static constexpr const char* kFileName = "etc/table-loader";
    static constexpr size_t kCommandSize = 128;
    static constexpr size_t kFileNameSize = 56;

    enum class Command : uint32_t { Allocate = 1, AddPointer = 2, AddChecksum = 3 };
    // Where an allocation goes: HIGH is RAM the firmware reserves near the top of low
    // memory, FSEG is the 0xe0000-0xfffff BIOS area where OSes scan for the RSDP.
    enum class Zone : uint8_t { High = 1, FSeg = 2 };

    // Copies `file` into guest memory at a multiple of `align` (a power of two).
    // A file must be allocated before any command names it.
    void allocate(std::string_view file, uint32_t align, Zone zone);
    // Adds the guest address of `src_file` to the `size`-byte (1, 2, 4 or 8)
    // little-endian value at `offset` in `dest_file`, which holds an offset into src_file.
    void add_pointer(std::string_view dest_file, std::string_view src_file, uint32_t offset,
                     uint8_t size);
    // Subtracts the byte sum of [start, start+length) of `file` from the byte at
    // `offset`, so that the range sums to zero.
    void add_checksum(std::string_view file, uint32_t offset, uint32_t start, uint32_t length);

    const std::vector<uint8_t>& bytes() const { return bytes_; }

  private:
    uint8_t* append(Command command);

    std::vector<uint8_t> bytes_;
};

}  // namespace kemu
