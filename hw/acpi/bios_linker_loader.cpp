#include "hw/acpi/bios_linker_loader.h"

#include <cstring>

#include "system/error.h"

namespace kemu {
namespace {

// Field offsets inside a command, after the 32-bit command number at 0.
constexpr size_t kFirstName = 4;
constexpr size_t kSecondName = kFirstName + BiosLinkerLoader::kFileNameSize;  // 60
constexpr size_t kAllocAlign = kSecondName;
constexpr size_t kAllocZone = kAllocAlign + 4;
constexpr size_t kPointerOffset = kSecondName + BiosLinkerLoader::kFileNameSize;  // 116
constexpr size_t kPointerSize = kPointerOffset + 4;
constexpr size_t kChecksumOffset = kSecondName;
constexpr size_t kChecksumStart = kChecksumOffset + 4;
constexpr size_t kChecksumLength = kChecksumStart + 4;

void put_le32(uint8_t* p, uint32_t v) {
    for (unsigned i = 0; i < 4; i++)
        p[i] = uint8_t(v >> (8 * i));
}

// The names are kemu's own fw_cfg file names, never the guest's.
void put_name(uint8_t* p, std::string_view name) {
    KEMU_ASSERT(!name.empty() && name.size() < BiosLinkerLoader::kFileNameSize);
    std::memcpy(p, name.data(), name.size());
}

}  // namespace

uint8_t* BiosLinkerLoader::append(Command command) {
    size_t at = bytes_.size();
    bytes_.resize(at + kCommandSize, 0);
    put_le32(&bytes_[at], uint32_t(command));
    return &bytes_[at];
}

void BiosLinkerLoader::allocate(std::string_view file, uint32_t align, Zone zone) {
    KEMU_ASSERT(align != 0 && (align & (align - 1)) == 0);
    uint8_t* c = append(Command::Allocate);
    put_name(c + kFirstName, file);
    put_le32(c + kAllocAlign, align);
    c[kAllocZone] = uint8_t(zone);
}

void BiosLinkerLoader::add_pointer(std::string_view dest_file, std::string_view src_file,
                                   uint32_t offset, uint8_t size) {
    KEMU_ASSERT(size == 1 || size == 2 || size == 4 || size == 8);
    uint8_t* c = append(Command::AddPointer);
    put_name(c + kFirstName, dest_file);
    put_name(c + kSecondName, src_file);
    put_le32(c + kPointerOffset, offset);
    c[kPointerSize] = size;
}

void BiosLinkerLoader::add_checksum(std::string_view file, uint32_t offset, uint32_t start,
                                    uint32_t length) {
    uint8_t* c = append(Command::AddChecksum);
    put_name(c + kFirstName, file);
    put_le32(c + kChecksumOffset, offset);
    put_le32(c + kChecksumStart, start);
    put_le32(c + kChecksumLength, length);
}

}  // namespace kemu
