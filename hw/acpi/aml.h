// A small builder for ACPI Machine Language byte code (ACPI 6.4 chapter 20),
// enough for kemu's DSDT: names, integers, strings, packages, scopes, devices,
// short methods, operation regions with fields, and resource templates with I/O
// and IRQ descriptors. Every function returns the finished encoding of one construct;
// a term list is the concatenation of its terms.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace kemu::aml {

using Bytes = std::vector<uint8_t>;

// PkgLength for a construct whose contents after the PkgLength take `body_size`
// bytes: 1 to 4 bytes, and the length it encodes counts its own bytes too.
Bytes pkg_length(size_t body_size);

// "\_SB.COM1", "^FOO", "_S5": root and parent prefixes, then 4-character segments
// (shorter ones padded with '_').
Bytes name_string(std::string_view path);

// ZeroOp, OneOp, or the shortest of Byte/Word/DWord/QWord constants.
Bytes integer(uint64_t value);
Bytes string(std::string_view text);
// EISA ID such as "PNP0501" compressed to its 32-bit form, always a DWordConst.
Bytes eisaid(std::string_view id);

Bytes name(std::string_view path, const Bytes& object);
Bytes package(const std::vector<Bytes>& elements);
Bytes scope(std::string_view path, const std::vector<Bytes>& terms);
Bytes device(std::string_view path, const std::vector<Bytes>& terms);
Bytes method(std::string_view path, unsigned arg_count, bool serialized,
             const std::vector<Bytes>& terms);
Bytes return_value(const Bytes& value);
Bytes buffer(std::span<const uint8_t> data);

// Method bodies (ACPI 6.4 sections 20.2.5 and 20.2.6): the locals, arguments, statements
// and operators kemu's DSDT uses. A `target` of {} stores the result nowhere (NullName).
Bytes local(unsigned n);  // Local0-Local7
Bytes arg(unsigned n);    // Arg0-Arg6
Bytes store(const Bytes& value, const Bytes& target);
Bytes bit_and(const Bytes& a, const Bytes& b, const Bytes& target = {});
Bytes bit_or(const Bytes& a, const Bytes& b, const Bytes& target = {});
Bytes shift_left(const Bytes& value, const Bytes& count, const Bytes& target = {});
// The 1-based index of the lowest set bit, 0 if none.
Bytes find_set_right_bit(const Bytes& value, const Bytes& target);
Bytes decrement(const Bytes& target);
Bytes if_then(const Bytes& predicate, const std::vector<Bytes>& terms);
Bytes create_word_field(const Bytes& buffer, unsigned byte_index, std::string_view field_name);

// OperationRegion and a Field of byte-wide units over it (ByteAcc, NoLock, Preserve).
enum class RegionSpace : uint8_t { SystemMemory = 0, SystemIo = 1, PciConfig = 2 };
Bytes operation_region(std::string_view path, RegionSpace space, uint64_t offset, uint64_t length);
struct FieldUnit {
    std::string_view name;
    unsigned bits;  // below 64
};
Bytes byte_field(std::string_view region, const std::vector<FieldUnit>& units);

// Small resource descriptors (ACPI 6.4 section 6.4.2) and the buffer that holds them.
Bytes io_decode16(uint16_t min, uint16_t max, uint8_t alignment, uint8_t length);
Bytes irq_no_flags(unsigned irq);
// IRQ descriptor with flags: level-triggered, active-low and shareable, as PCI interrupts are;
// `mask` has a bit per ISA IRQ (0: none, as a _CRS of a disabled link says).
Bytes irq_level_low_shared(uint16_t mask);
inline constexpr unsigned kIrqDescriptorMaskOffset = 1;  // where _CRS/_SRS find the mask
Bytes resource_template(const std::vector<Bytes>& descriptors);

// Large address space descriptors (ACPI 6.4 section 6.4.3.5) for the windows a host bridge
// passes on (producer, fixed bounds): bus numbers, I/O ports and 32-bit memory.
Bytes bus_number_window(uint16_t min, uint16_t max);
Bytes io_window(uint16_t min, uint16_t max);
Bytes memory32_window(uint32_t min, uint32_t max);

}  // namespace kemu::aml
