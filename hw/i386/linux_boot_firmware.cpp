#include "hw/i386/linux_boot_firmware.h"

#include <algorithm>
#include <cstddef>
#include <cstring>

#include "hw/i386/linux_boot.h"
#include "hw/i386/optionrom/linuxboot_rom.h"
#include "system/hex.h"

namespace kemu {
namespace {

using namespace linux_boot_firmware;

constexpr uint16_t kVidModeNormal = 0xffff;
// The heap ends 0x200 bytes below the command line; the ROM puts the stack's top there.
constexpr uint16_t kHeapEndPtr = kCmdlineAddr - kSetupAddr - 0x200;

// Stores `value` over the setup header field at `field` (an offsetof into SetupHeader).
template <typename T>
void set_field(std::vector<uint8_t>& setup, size_t field, T value) {
    std::memcpy(setup.data() + linux_boot::kSetupHeaderOffset + field, &value, sizeof value);
}

}  // namespace

Result<PcFwCfgKernel> firmware_linux_kernel(std::span<const uint8_t> image,
                                            std::span<const uint8_t> initrd, std::string cmdline,
                                            const PcRamLayout& ram) {
    if (image.size() < linux_boot::kSetupHeaderOffset + sizeof(SetupHeader))
        return Error("not a bzImage (file too small)");
    SetupHeader hdr;
    std::memcpy(&hdr, image.data() + linux_boot::kSetupHeaderOffset, sizeof hdr);
    if (hdr.header != linux_boot::kHeaderMagic) return Error("not a bzImage (no HdrS signature)");
    if (hdr.version < kMinProtocol)
        return Error("Linux boot protocol " + linux_boot::protocol_name(hdr.version) +
                     " is too old to boot through firmware (need 2.02 or later)");
    if (!(hdr.loadflags & linux_boot::kLoadedHigh))
        return Error("a zImage (loaded below 1 MiB) cannot boot through firmware; use a bzImage");

    // setup_sects 0 means 4 (old kernels); the boot sector comes first.
    uint64_t setup_size = (uint64_t(hdr.setup_sects ? hdr.setup_sects : 4) + 1) * 512;
    if (setup_size > kMaxSetupSize)
        return Error("setup code of " + std::to_string(setup_size) +
                     " bytes does not fit the 32 KiB the boot protocol gives it");
    if (setup_size >= image.size()) return Error("truncated bzImage (no protected-mode code)");
    std::span<const uint8_t> protected_mode = image.subspan(setup_size);

    uint32_t cmdline_max = hdr.version >= 0x0206 ? hdr.cmdline_size : kOldCmdlineMax;
    if (cmdline.size() > cmdline_max)
        return Error("kernel command line too long (" + std::to_string(cmdline.size()) +
                     " bytes, kernel accepts " + std::to_string(cmdline_max) + ")");

    uint64_t ram_end = ram.below_4g > kFirmwareReserve ? ram.below_4g - kFirmwareReserve : 0;
    // init_size (2.10+) covers the decompressor's buffer, which can exceed the file itself.
    uint64_t init_size = hdr.version >= 0x020a ? hdr.init_size : 0;
    uint64_t kernel_end =
        linux_boot::kKernelLoadAddress + std::max<uint64_t>(protected_mode.size(), init_size);
    if (kernel_end > ram_end)
        return Error("kernel too big for guest RAM (needs " +
                     std::to_string((kernel_end + kFirmwareReserve + 0xfffff) >> 20) +
                     " MiB below 4 GiB, have " + std::to_string(ram.below_4g >> 20) + " MiB)");

    uint32_t initrd_addr = 0;
    if (!initrd.empty()) {
        uint64_t addr_max = hdr.version >= 0x0203 ? hdr.initrd_addr_max : kOldInitrdAddrMax;
        uint64_t addr = linux_boot::place_initrd(addr_max, ram_end, kernel_end, initrd.size());
        if (!addr)
            return Error("initrd too big (" + std::to_string(initrd.size()) +
                         " bytes) for guest RAM between the kernel and 0x" +
                         hex(std::min(addr_max + 1, ram_end)));
        initrd_addr = uint32_t(addr);
    }

    PcFwCfgKernel k;
    k.setup_addr = kSetupAddr;
    k.setup.assign(image.begin(), image.begin() + setup_size);
    set_field(k.setup, offsetof(SetupHeader, vid_mode), kVidModeNormal);
    set_field(k.setup, offsetof(SetupHeader, type_of_loader), linux_boot::kLoaderTypeUndefined);
    set_field(k.setup, offsetof(SetupHeader, loadflags),
              uint8_t(hdr.loadflags | linux_boot::kCanUseHeap));
    set_field(k.setup, offsetof(SetupHeader, heap_end_ptr), kHeapEndPtr);
    set_field(k.setup, offsetof(SetupHeader, cmd_line_ptr), kCmdlineAddr);
    set_field(k.setup, offsetof(SetupHeader, ramdisk_image), initrd_addr);
    set_field(k.setup, offsetof(SetupHeader, ramdisk_size), uint32_t(initrd.size()));
    k.kernel_addr = uint32_t(linux_boot::kKernelLoadAddress);
    k.kernel.assign(protected_mode.begin(), protected_mode.end());
    k.initrd_addr = initrd_addr;
    k.initrd.assign(initrd.begin(), initrd.end());
    k.cmdline_addr = kCmdlineAddr;
    k.cmdline = std::move(cmdline);
    return k;
}

void add_firmware_linux_boot(PcFwCfgConfig& config, PcFwCfgKernel kernel) {
    std::span<const uint8_t> rom = linuxboot_option_rom();
    config.option_roms.push_back({std::string(kRomName), {rom.begin(), rom.end()}});
    // Ties keep their order, so the ROM also boots before a drive given bootindex 0.
    config.boot_devices.insert(config.boot_devices.begin(),
                               {0, pc_rom_boot_path("genroms/" + std::string(kRomName))});
    config.kernel = std::move(kernel);
}

}  // namespace kemu
