// Direct boot of a Linux bzImage through the kernel's 64-bit boot protocol
// (Documentation/arch/x86/boot.rst, "64-bit Boot Protocol"; zero-page.rst for
// boot_params). See docs/boot.md for the memory layout and the choices made.
#pragma once

#include <bit>
#include <cstdint>
#include <span>
#include <string>

#include "hw/i386/e820.h"
#include "system/address_space.h"
#include "system/error.h"
#include "target-x86/cpu_state.h"

namespace kemu {

static_assert(std::endian::native == std::endian::little,
              "boot_params is built by copying little-endian structs");

namespace linux_boot {

inline constexpr uint32_t kHeaderMagic = 0x53726448;  // "HdrS" read as a little-endian u32
inline constexpr uint16_t kMinProtocol = 0x020c;      // 2.12: first with xloadflags
inline constexpr uint8_t kLoadedHigh = 1 << 0;
inline constexpr uint8_t kCanUseHeap = 1 << 7;
inline constexpr uint16_t kXlfKernel64 = 1 << 0;
inline constexpr uint8_t kLoaderTypeUndefined = 0xff;
inline constexpr uint64_t kSetupHeaderOffset = 0x1f1;
inline constexpr uint64_t kEntry64Offset = 0x200;  // startup_64 relative to the load address
inline constexpr size_t kMaxE820Entries = 128;
// The real-mode setup code is not run, but heap_end_ptr must still name the end
// of a heap below the 64 KiB setup segment; this is the usual value (0x10000 - 0x200).
inline constexpr uint16_t kHeapEndPtr = 0xfe00;
// We always load at 1 MiB; every bzImage accepts it, and the decompressor moves a
// relocatable kernel to its preferred aligned address by itself.
inline constexpr uint64_t kKernelLoadAddress = 0x100000;

// "2.15" for protocol version 0x020f.
std::string protocol_name(uint16_t version);
// Highest 4 KiB-aligned address where `size` bytes of initrd fit below `addr_max` (the
// header's initrd_addr_max) and `ram_end`, or 0 when they cannot sit above `kernel_end`.
uint64_t place_initrd(uint64_t addr_max, uint64_t ram_end, uint64_t kernel_end, uint64_t size);

}  // namespace linux_boot

#pragma pack(push, 1)
// The setup header, at 0x1f1 in the image and in boot_params (protocol 2.15 layout).
struct SetupHeader {
    uint8_t setup_sects;
    uint16_t root_flags;
    uint32_t syssize;
    uint16_t ram_size;
    uint16_t vid_mode;
    uint16_t root_dev;
    uint16_t boot_flag;
    uint16_t jump;
    uint32_t header;
    uint16_t version;
    uint32_t realmode_swtch;
    uint16_t start_sys_seg;
    uint16_t kernel_version;
    uint8_t type_of_loader;
    uint8_t loadflags;
    uint16_t setup_move_size;
    uint32_t code32_start;
    uint32_t ramdisk_image;
    uint32_t ramdisk_size;
    uint32_t bootsect_kludge;
    uint16_t heap_end_ptr;
    uint8_t ext_loader_ver;
    uint8_t ext_loader_type;
    uint32_t cmd_line_ptr;
    uint32_t initrd_addr_max;
    uint32_t kernel_alignment;
    uint8_t relocatable_kernel;
    uint8_t min_alignment;
    uint16_t xloadflags;
    uint32_t cmdline_size;
    uint32_t hardware_subarch;
    uint64_t hardware_subarch_data;
    uint32_t payload_offset;
    uint32_t payload_length;
    uint64_t setup_data;
    uint64_t pref_address;
    uint32_t init_size;
    uint32_t handover_offset;
    uint32_t kernel_info_offset;
};

struct BootE820Entry {
    uint64_t addr;
    uint64_t size;
    uint32_t type;
};

// struct boot_params, the "zero page". Fields we never fill are kept as opaque bytes.
struct BootParams {
    uint8_t screen_info[0x40];
    uint8_t apm_bios_info[0x14];
    uint8_t pad_054[4];
    uint64_t tboot_addr;
    uint8_t ist_info[0x10];
    uint64_t acpi_rsdp_addr;
    uint8_t pad_078[8];
    uint8_t hd0_info[0x10];
    uint8_t hd1_info[0x10];
    uint8_t sys_desc_table[0x10];
    uint8_t olpc_ofw_header[0x10];
    uint32_t ext_ramdisk_image;
    uint32_t ext_ramdisk_size;
    uint32_t ext_cmd_line_ptr;
    uint8_t pad_0cc[0x70];
    uint32_t cc_blob_address;
    uint8_t edid_info[0x80];
    uint8_t efi_info[0x20];
    uint32_t alt_mem_k;
    uint32_t scratch;
    uint8_t e820_entries;
    uint8_t eddbuf_entries;
    uint8_t edd_mbr_sig_buf_entries;
    uint8_t kbd_status;
    uint8_t secure_boot;
    uint8_t pad_1ed[2];
    uint8_t sentinel;
    uint8_t pad_1f0;
    SetupHeader hdr;
    uint8_t pad_26c[0x290 - 0x26c];
    uint32_t edd_mbr_sig_buffer[16];
    BootE820Entry e820_table[linux_boot::kMaxE820Entries];
    uint8_t pad_cd0[0x30];
    uint8_t eddbuf[0x1ec];
    uint8_t pad_eec[0x114];
};
#pragma pack(pop)

static_assert(sizeof(SetupHeader) == 0x26c - 0x1f1);
static_assert(sizeof(BootParams) == 4096);

// What parse_bzimage() learned from an image.
struct BzImage {
    SetupHeader header;
    // From 0x1f1 to the header's end (0x202 + the byte at 0x201), as boot_params takes it.
    std::span<const uint8_t> header_bytes;
    std::span<const uint8_t> protected_mode;  // the part loaded at 1 MiB
};

// Accepts a bzImage with protocol >= 2.12 and a 64-bit entry point.
Result<BzImage> parse_bzimage(std::span<const uint8_t> image);

struct LinuxBootConfig {
    std::span<const uint8_t> kernel;
    std::span<const uint8_t> initrd;  // empty: no initrd
    std::string cmdline;
    PcRamLayout ram;
};

struct LinuxBootResult {
    X86CpuState cpu;
    uint64_t kernel_addr = 0;
    uint64_t initrd_addr = 0;  // 0 without an initrd
};

// Builds boot_params for `image` (already parsed) with the given placement.
BootParams build_boot_params(const BzImage& image, const LinuxBootConfig& config,
                             uint64_t initrd_addr);

// Loads kernel, initrd, command line, boot_params, GDT and page tables into `mem`
// and returns the 64-bit entry state.
Result<LinuxBootResult> load_linux(const LinuxBootConfig& config, AddressSpace& mem);

}  // namespace kemu
