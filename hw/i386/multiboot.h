// Direct boot of a Multiboot (version 0.6.96) kernel: ELF32 or a.out-kludge
// images, with boot modules. See docs/boot.md for the memory layout.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hw/i386/e820.h"
#include "system/address_space.h"
#include "system/error.h"
#include "target-x86/cpu_state.h"

namespace kemu {

namespace multiboot {

inline constexpr uint32_t kHeaderMagic = 0x1badb002;
inline constexpr uint32_t kBootloaderMagic = 0x2badb002;  // in EAX at entry
inline constexpr uint64_t kSearchLimit = 8192;            // header lies within these bytes

// Header flags (bits 0-15 are requirements the loader must meet or refuse).
inline constexpr uint32_t kFlagPageAlignModules = 1 << 0;
inline constexpr uint32_t kFlagMemoryInfo = 1 << 1;
inline constexpr uint32_t kFlagVideoMode = 1 << 2;
inline constexpr uint32_t kFlagAoutKludge = 1 << 16;
inline constexpr uint32_t kRequiredMask = 0xffff;
inline constexpr uint32_t kSupportedRequired = kFlagPageAlignModules | kFlagMemoryInfo;

// multiboot_info.flags bits for the fields we provide.
inline constexpr uint32_t kInfoMemory = 1 << 0;
inline constexpr uint32_t kInfoCmdline = 1 << 2;
inline constexpr uint32_t kInfoMods = 1 << 3;
inline constexpr uint32_t kInfoMmap = 1 << 6;
inline constexpr uint32_t kInfoLoaderName = 1 << 9;

// Byte offsets in multiboot_info (spec section 3.3).
inline constexpr uint64_t kInfoOffFlags = 0;
inline constexpr uint64_t kInfoOffMemLower = 4;
inline constexpr uint64_t kInfoOffMemUpper = 8;
inline constexpr uint64_t kInfoOffCmdline = 16;
inline constexpr uint64_t kInfoOffModsCount = 20;
inline constexpr uint64_t kInfoOffModsAddr = 24;
inline constexpr uint64_t kInfoOffMmapLength = 44;
inline constexpr uint64_t kInfoOffMmapAddr = 48;
inline constexpr uint64_t kInfoOffLoaderName = 64;
inline constexpr uint64_t kInfoSize = 0x80;

// Where the pieces go: info, memory map and module list share the page at
// pc::kMultibootInfo; all strings go to the command-line area at pc::kBootCmdline.
inline constexpr uint64_t kMmapOffset = 0x80;
inline constexpr uint64_t kModsOffset = 0x200;
inline constexpr uint64_t kModEntrySize = 16;
inline constexpr uint64_t kMaxModules = (0x1000 - kModsOffset) / kModEntrySize;
inline constexpr uint64_t kStringAreaSize = 0x10000;

}  // namespace multiboot

struct MultibootModule {
    std::span<const uint8_t> data;
    std::string cmdline;  // what the kernel sees as the module string
};

struct MultibootConfig {
    std::span<const uint8_t> kernel;
    // The kernel's command line; by convention it starts with the kernel's path.
    std::string cmdline;
    std::vector<MultibootModule> modules;
    PcRamLayout ram;
};

struct MultibootResult {
    X86CpuState cpu;
    uint32_t load_start = 0;
    uint32_t load_end = 0;  // end of the image including .bss
    uint32_t entry = 0;
};

// The fields of a Multiboot header found in an image.
struct MultibootHeader {
    uint64_t offset;  // in the file
    uint32_t flags;
    uint32_t header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr;
};

// First valid header (magic and checksum) in the first 8 KiB, if any.
std::optional<MultibootHeader> find_multiboot_header(std::span<const uint8_t> image);
inline bool is_multiboot(std::span<const uint8_t> image) {
    return find_multiboot_header(image).has_value();
}

// One entry of a -initrd module list: the file to read and the module string.
struct MultibootModuleSpec {
    std::string path;
    std::string cmdline;
};
// Splits "a.bin arg1,b.bin" at commas (",," stands for a literal comma); each
// module's path is its string up to the first space, and its string is all of it.
std::vector<MultibootModuleSpec> parse_multiboot_module_list(std::string_view list);

Result<MultibootResult> load_multiboot(const MultibootConfig& config, AddressSpace& mem);

}  // namespace kemu
