// kemu's linuxboot option ROM (linuxboot.S in this folder), assembled at build time and
// embedded in the emulator: it boots -kernel/-initrd/-append when a BIOS runs first.
#pragma once

#include <cstdint>
#include <span>

namespace kemu {

// The padded, checksummed ROM image (a whole number of 512-byte blocks).
std::span<const uint8_t> linuxboot_option_rom();

}  // namespace kemu
