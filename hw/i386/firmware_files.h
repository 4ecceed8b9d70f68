// Where kemu finds firmware images (SeaBIOS, VGA BIOS, option ROMs) and how it loads the
// system BIOS: -L directories first, then the places Debian installs them.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "system/error.h"

namespace kemu {

// Debian's SeaBIOS, as QEMU's pc machine uses by default.
inline constexpr const char* kDefaultBios = "bios-256k.bin";
// SeaBIOS's VGA BIOS for the standard VGA (1234:1111), its PCI expansion ROM.
inline constexpr const char* kVgaBios = "vgabios-stdvga.bin";

// A name with a '/' is a path and used as it is; a bare name is looked up in `search_dirs`
// and then in the distribution's firmware directories. Error: not found anywhere.
Result<std::string> find_firmware_file(std::string_view name,
                                       std::span<const std::string> search_dirs);

// The system BIOS image: its size must be a multiple of 64 KiB and at most 16 MiB, because
// it is mapped so that it ends at 4 GiB and its last 128 KiB also show below 1 MiB.
Result<std::vector<uint8_t>> load_bios_image(const std::string& path);

// An option ROM (-option-rom, a PCI ROM BAR's image): "55 AA" first, at most 16 MiB.
Result<std::vector<uint8_t>> load_option_rom(const std::string& path);

}  // namespace kemu
