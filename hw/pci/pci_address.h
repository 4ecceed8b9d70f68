// A function's place on the bus as the command line writes it: -device ...,addr=SLOT[.FN],
// both parts hexadecimal ("02.0", "0x2", "1f.7"), the slot 0-1f and the function 0-7, as
// QEMU reads its PCI devices' addr property.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace kemu::pci {

// The devfn (slot << 3 | function) `text` names, or nullopt if it is not one.
std::optional<unsigned> parse_address(std::string_view text);
// "SS.F", as `info qtree` and QEMU's addr property print it.
std::string format_address(unsigned devfn);

}  // namespace kemu::pci
