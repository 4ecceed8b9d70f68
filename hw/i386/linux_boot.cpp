#include "hw/i386/linux_boot.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "hw/i386/boot_cpu_state.h"
#include "hw/i386/pc_layout.h"
#include "system/hex.h"
#include "system/log.h"

namespace kemu {
namespace {

using namespace linux_boot;

constexpr uint64_t kPage = 4096;
// The command line lives in [kBootCmdline, kBootCmdline + 64 KiB) with its NUL.
constexpr uint64_t kCmdlineMax = 0x10000 - 1;

uint64_t align_up(uint64_t v, uint64_t a) {
    return (v + a - 1) & ~(a - 1);
}
uint64_t align_down(uint64_t v, uint64_t a) {
    return v & ~(a - 1);
}

}  // namespace

std::string linux_boot::protocol_name(uint16_t version) {
    return std::to_string(version >> 8) + "." + std::to_string(version & 0xff);
}

uint64_t linux_boot::place_initrd(uint64_t addr_max, uint64_t ram_end, uint64_t kernel_end,
                                  uint64_t size) {
    uint64_t limit = std::min(addr_max + 1, ram_end);
    if (size > limit) return 0;
    uint64_t addr = align_down(limit - size, kPage);
    return addr >= align_up(kernel_end, kPage) ? addr : 0;
}

Result<BzImage> parse_bzimage(std::span<const uint8_t> image) {
    BzImage out{};
    if (image.size() < kSetupHeaderOffset + sizeof(SetupHeader))
        return Error("not a bzImage (file too small)");
    std::memcpy(&out.header, image.data() + kSetupHeaderOffset, sizeof(SetupHeader));
    const SetupHeader& hdr = out.header;
    if (hdr.header != kHeaderMagic) return Error("not a bzImage (no HdrS signature)");
    if (hdr.version < kMinProtocol)
        return Error("Linux boot protocol " + protocol_name(hdr.version) +
                     " is too old (need 2.12 or later)");
    if (!(hdr.xloadflags & kXlfKernel64)) return Error("kernel has no 64-bit entry point");

    // A newer header may be longer than ours; boot_params has room for it up to 0x290.
    uint64_t header_end = std::min<uint64_t>(
        {0x202 + uint64_t(image[0x201]), offsetof(BootParams, edd_mbr_sig_buffer), image.size()});
    out.header_bytes = image.subspan(kSetupHeaderOffset, header_end - kSetupHeaderOffset);
    uint64_t setup_sects = hdr.setup_sects ? hdr.setup_sects : 4;  // 0 means 4 (old kernels)
    uint64_t kernel_offset = (setup_sects + 1) * 512;
    if (kernel_offset >= image.size()) return Error("truncated bzImage (no protected-mode code)");
    out.protected_mode = image.subspan(kernel_offset);
    return out;
}

BootParams build_boot_params(const BzImage& image, const LinuxBootConfig& config,
                             uint64_t initrd_addr) {
    BootParams bp;
    std::memset(&bp, 0, sizeof bp);
    std::memcpy(reinterpret_cast<uint8_t*>(&bp) + kSetupHeaderOffset, image.header_bytes.data(),
                image.header_bytes.size());
    SetupHeader& hdr = bp.hdr;
    hdr.type_of_loader = kLoaderTypeUndefined;
    hdr.loadflags |= kLoadedHigh | kCanUseHeap;
    hdr.heap_end_ptr = kHeapEndPtr;
    hdr.code32_start = uint32_t(kKernelLoadAddress);
    hdr.cmd_line_ptr = uint32_t(pc::kBootCmdline);
    bp.ext_cmd_line_ptr = uint32_t(pc::kBootCmdline >> 32);
    if (!config.initrd.empty()) {
        hdr.ramdisk_image = uint32_t(initrd_addr);
        hdr.ramdisk_size = uint32_t(config.initrd.size());
        bp.ext_ramdisk_image = uint32_t(initrd_addr >> 32);
        bp.ext_ramdisk_size = uint32_t(uint64_t(config.initrd.size()) >> 32);
    }
    std::vector<E820Entry> map = pc_e820_map(config.ram);
    bp.e820_entries = uint8_t(std::min(map.size(), kMaxE820Entries));
    for (size_t i = 0; i < bp.e820_entries; i++)
        bp.e820_table[i] = {map[i].addr, map[i].size, uint32_t(map[i].type)};
    return bp;
}

Result<LinuxBootResult> load_linux(const LinuxBootConfig& config, AddressSpace& mem) {
    auto parsed = parse_bzimage(config.kernel);
    if (!parsed) return parsed.error();
    const BzImage& image = *parsed;
    const SetupHeader& hdr = image.header;

    uint64_t ram_end = config.ram.below_4g;
    // init_size covers the decompressor's buffer, which can exceed the file itself.
    uint64_t kernel_end =
        kKernelLoadAddress + std::max<uint64_t>(image.protected_mode.size(), hdr.init_size);
    if (kernel_end > ram_end)
        return Error("kernel too big for guest RAM (needs " +
                     std::to_string((kernel_end + 0xfffff) >> 20) + " MiB, have " +
                     std::to_string(ram_end >> 20) + " MiB below 4 GiB)");
    if (config.cmdline.size() > hdr.cmdline_size || config.cmdline.size() > kCmdlineMax)
        return Error("kernel command line too long (" + std::to_string(config.cmdline.size()) +
                     " bytes, kernel accepts " + std::to_string(hdr.cmdline_size) + ")");

    uint64_t initrd_addr = 0;
    if (!config.initrd.empty()) {
        initrd_addr = place_initrd(hdr.initrd_addr_max, ram_end, kernel_end, config.initrd.size());
        if (initrd_addr == 0)
            return Error("initrd too big (" + std::to_string(config.initrd.size()) +
                         " bytes) for guest RAM below 0x" +
                         hex(std::min<uint64_t>(uint64_t(hdr.initrd_addr_max) + 1, ram_end)));
    }

    BootParams bp = build_boot_params(image, config, initrd_addr);
    std::vector<uint8_t> cmdline(config.cmdline.begin(), config.cmdline.end());
    cmdline.push_back(0);

    KEMU_TRY_VOID(write_guest(mem, kKernelLoadAddress, image.protected_mode, "kernel"));
    if (!config.initrd.empty())
        KEMU_TRY_VOID(write_guest(mem, initrd_addr, config.initrd, "initrd"));
    KEMU_TRY_VOID(write_guest(mem, pc::kBootCmdline, cmdline, "command line"));
    KEMU_TRY_VOID(write_guest(mem, pc::kBootParams,
                              std::span(reinterpret_cast<const uint8_t*>(&bp), sizeof bp),
                              "boot_params"));
    KEMU_TRY_VOID(write_boot_gdt(mem));
    KEMU_TRY_VOID(write_identity_page_tables(mem));

    LinuxBootResult result;
    result.cpu = long_mode_entry_state(kKernelLoadAddress + kEntry64Offset);
    result.cpu.regs[RSI] = pc::kBootParams;
    result.kernel_addr = kKernelLoadAddress;
    result.initrd_addr = initrd_addr;
    return result;
}

}  // namespace kemu
