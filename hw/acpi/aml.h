// A small builder for ACPI Machine Language byte code (ACPI 6.4 chapter 20),
// enough for kemu's DSDT: names, integers, strings, packages, scopes, devices,
// methods that return a value, and resource templates with I/O and IRQ
// descriptors. Every function returns the finished encoding of one construct;
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

// Small resource descriptors (ACPI 6.4 section 6.4.2) and the buffer that holds them.
Bytes io_decode16(uint16_t min, uint16_t max, uint8_t alignment, uint8_t length);
Bytes irq_no_flags(unsigned irq);
Bytes resource_template(const std::vector<Bytes>& descriptors);

// Large address space descriptors (ACPI 6.4 section 6.4.3.5) for the windows a host bridge
// passes on (producer, fixed bounds): bus numbers, I/O ports and 32-bit memory.
Bytes bus_number_window(uint16_t min, uint16_t max);
Bytes io_window(uint16_t min, uint16_t max);
Bytes memory32_window(uint32_t min, uint32_t max);

}  // namespace kemu::aml
