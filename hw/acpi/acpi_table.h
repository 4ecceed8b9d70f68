// Building ACPI tables: the common 36-byte System Description Table header
// (ACPI 6.4 section 5.2.6), the checksum, and Generic Address Structures.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace kemu {

inline constexpr char kAcpiOemId[] = "KEMU  ";         // 6 characters
inline constexpr char kAcpiOemTableId[] = "KEMUPC  ";  // 8 characters
inline constexpr char kAcpiCreatorId[] = "KEMU";
inline constexpr size_t kAcpiHeaderSize = 36;

// The byte that makes `bytes` sum to zero modulo 256 when stored in them.
uint8_t acpi_checksum(std::span<const uint8_t> bytes);

enum class AcpiAddressSpace : uint8_t { SystemMemory = 0, SystemIo = 1 };

// Generic Address Structure (ACPI 6.4 section 5.2.3.2); access_size 0 = undefined
// (legacy reasons), 1 = byte, 2 = word, 3 = dword, 4 = qword.
struct AcpiGas {
    AcpiAddressSpace space = AcpiAddressSpace::SystemMemory;  // all zeros: "not present"
    uint8_t bit_width = 0;
    uint8_t bit_offset = 0;
    uint8_t access_size = 0;
    uint64_t address = 0;
};

// Appends little-endian fields to a table whose header is filled in by finish().
class AcpiTable {
  public:
    AcpiTable(std::string_view signature, uint8_t revision);

    void u8(uint8_t v) { append(v, 1); }
    void u16(uint16_t v) { append(v, 2); }
    void u32(uint32_t v) { append(v, 4); }
    void u64(uint64_t v) { append(v, 8); }
    void bytes(std::span<const uint8_t> b) { data_.insert(data_.end(), b.begin(), b.end()); }
    void text(std::string_view s) { data_.insert(data_.end(), s.begin(), s.end()); }
    void gas(const AcpiGas& g);
    void zeros(size_t n) { data_.resize(data_.size() + n, 0); }

    size_t size() const { return data_.size(); }
    // Sets Length and Checksum and hands over the table.
    std::vector<uint8_t> finish() &&;

  private:
    void append(uint64_t v, unsigned n);
    std::vector<uint8_t> data_;
};

}  // namespace kemu
