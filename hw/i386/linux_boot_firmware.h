// -kernel/-initrd/-append when a BIOS runs first: the bzImage split and placed the way a
// 16-bit boot loader loads it (Documentation/arch/x86/boot.rst, "Loading the rest of the
// kernel" and "Running the kernel"), for kemu's linuxboot option ROM
// (hw/i386/optionrom/linuxboot.S) to copy from fw_cfg. See docs/boot.md for the layout.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "hw/i386/e820.h"
#include "hw/i386/fw_cfg_pc.h"
#include "system/error.h"

namespace kemu {

namespace linux_boot_firmware {

// Protocol 2.02 brought cmd_line_ptr, which lets the setup code sit at 0x10000 instead of
// 0x90000; bzImages (LOADED_HIGH) have their protected-mode part at 1 MiB.
inline constexpr uint16_t kMinProtocol = 0x0202;
// The real-mode segment: setup code (at most 32 KiB), then its heap and stack up to 64 KiB,
// then the command line.
inline constexpr uint32_t kSetupAddr = 0x10000;
inline constexpr uint32_t kMaxSetupSize = 0x8000;
inline constexpr uint32_t kCmdlineAddr = 0x20000;
// Before 2.06 the header has no cmdline_size; 255 bytes is the documented limit then.
inline constexpr uint32_t kOldCmdlineMax = 255;
// Before 2.03 the header has no initrd_addr_max; this is the documented default.
inline constexpr uint32_t kOldInitrdAddrMax = 0x37ffffff;
// The top of RAM below 4 GiB stays the firmware's: SeaBIOS keeps its ACPI, SMBIOS and other
// tables in the highest 256 KiB. The kernel and initrd stay clear of the top 1 MiB.
inline constexpr uint64_t kFirmwareReserve = 1 << 20;
// "genroms/<name>" in fw_cfg; "bootorder" names it first.
inline constexpr std::string_view kRomName = "linuxboot.bin";

}  // namespace linux_boot_firmware

// Splits `image` (a bzImage) into setup and protected-mode parts with the setup header filled
// in for `initrd` and `cmdline` (vid_mode "normal", type_of_loader undefined, CAN_USE_HEAP
// with heap_end_ptr, cmd_line_ptr, ramdisk_image/size) and picks the load addresses. The
// initrd goes as high as initrd_addr_max and the RAM below the firmware's area allow.
Result<PcFwCfgKernel> firmware_linux_kernel(std::span<const uint8_t> image,
                                            std::span<const uint8_t> initrd, std::string cmdline,
                                            const PcRamLayout& ram);

// Offers `kernel` to the firmware: its fw_cfg items, the linuxboot option ROM, and the ROM
// as the first boot device (QEMU gives its linuxboot ROM bootindex 0 the same way).
void add_firmware_linux_boot(PcFwCfgConfig& config, PcFwCfgKernel kernel);

}  // namespace kemu
