#include "hw/acpi/acpi_table.h"

#include <cstring>

#include "system/error.h"

namespace kemu {
namespace {

constexpr size_t kLengthOffset = 4;
constexpr size_t kChecksumOffset = 9;
constexpr uint32_t kOemRevision = 1;
constexpr uint32_t kCreatorRevision = 1;

}  // namespace

uint8_t acpi_checksum(std::span<const uint8_t> bytes) {
    uint8_t sum = 0;
    for (uint8_t b : bytes)
        sum = uint8_t(sum + b);
    return uint8_t(-sum);
}

AcpiTable::AcpiTable(std::string_view signature, uint8_t revision) {
    KEMU_ASSERT(signature.size() == 4);
    text(signature);
    u32(0);  // Length, set by finish()
    u8(revision);
    u8(0);  // Checksum, set by finish()
    text(std::string_view(kAcpiOemId, 6));
    text(std::string_view(kAcpiOemTableId, 8));
    u32(kOemRevision);
    text(std::string_view(kAcpiCreatorId, 4));
    u32(kCreatorRevision);
}

void AcpiTable::gas(const AcpiGas& g) {
    u8(uint8_t(g.space));
    u8(g.bit_width);
    u8(g.bit_offset);
    u8(g.access_size);
    u64(g.address);
}

void AcpiTable::append(uint64_t v, unsigned n) {
    for (unsigned i = 0; i < n; i++)
        data_.push_back(uint8_t(v >> (8 * i)));
}

std::vector<uint8_t> AcpiTable::finish() && {
    uint32_t length = uint32_t(data_.size());
    std::memcpy(&data_[kLengthOffset], &length, 4);
    data_[kChecksumOffset] = 0;
    data_[kChecksumOffset] = acpi_checksum(data_);
    return std::move(data_);
}

}  // namespace kemu
