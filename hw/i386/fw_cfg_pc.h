// What kemu's PC tells its firmware through fw_cfg (hw/nvram/fw_cfg.h), in the items
// and files SeaBIOS reads: memory map, CPU counts, boot order and boot menu, ACPI
// tables with their loader script, option ROMs, -kernel images for a linuxboot
// option ROM and the user's -fw_cfg files. SMBIOS is left out: without
// "etc/smbios/*" SeaBIOS builds its own tables.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hw/i386/acpi_build.h"
#include "hw/i386/e820.h"
#include "hw/nvram/fw_cfg.h"
#include "system/error.h"

namespace kemu {

// The legacy numbered items of QEMU's fw_cfg that a PC firmware reads.
namespace fw_cfg_key {
inline constexpr uint16_t kRamSize = 0x03;  // u64: all guest RAM
inline constexpr uint16_t kNbCpus = 0x05;   // u16: CPUs at power-on
inline constexpr uint16_t kKernelAddr = 0x07;
inline constexpr uint16_t kKernelSize = 0x08;
inline constexpr uint16_t kKernelCmdline = 0x09;  // u32: where the command line goes
inline constexpr uint16_t kInitrdAddr = 0x0a;
inline constexpr uint16_t kInitrdSize = 0x0b;
inline constexpr uint16_t kNuma = 0x0d;      // u64 node count, then per-CPU and per-node u64s
inline constexpr uint16_t kBootMenu = 0x0e;  // u16: SeaBIOS's "etc/show-boot-menu"
inline constexpr uint16_t kMaxCpus = 0x0f;   // u16: SeaBIOS's "etc/max-cpus"
inline constexpr uint16_t kKernelData = 0x11;
inline constexpr uint16_t kInitrdData = 0x12;
inline constexpr uint16_t kCmdlineAddr = 0x13;
inline constexpr uint16_t kCmdlineSize = 0x14;
inline constexpr uint16_t kCmdlineData = 0x15;
inline constexpr uint16_t kSetupAddr = 0x16;
inline constexpr uint16_t kSetupSize = 0x17;
inline constexpr uint16_t kSetupData = 0x18;
// u32: whether ISA IRQ0 reaches IOAPIC pin 2 (SeaBIOS's "etc/irq0-override", used in
// the MP table it builds).
inline constexpr uint16_t kIrq0Override = FwCfg::kKeyArchLocal + 2;
}  // namespace fw_cfg_key

// One entry of "bootorder": an OpenFirmware device path and its -device bootindex;
// lower indexes boot first.
struct PcBootDevice {
    int32_t bootindex;
    std::string path;
};

// The path QEMU gives an IDE disk or CD-ROM of the PIIX IDE function (00:01.1 on the
// PC), e.g. "/pci@i0cf8/ide@1,1/drive@0/disk@0": `channel` 0 is primary, 1 secondary;
// `unit` 0 is master, 1 slave. SeaBIOS matches it for ATA and ATAPI drives alike.
std::string pc_ide_boot_path(unsigned channel, unsigned unit, unsigned pci_slot = 1,
                             unsigned pci_function = 1);
// The path of an option ROM fw_cfg file, e.g. "/rom@genroms/linuxboot_dma.bin".
std::string pc_rom_boot_path(std::string_view fw_cfg_name);
// "bootorder": the paths by ascending bootindex (ties keep their order), one per line,
// NUL-terminated; with `strict`, a final "HALT" stops SeaBIOS trying unlisted devices.
std::vector<uint8_t> pc_bootorder(std::vector<PcBootDevice> devices, bool strict = false);

// -kernel for a linuxboot option ROM: the bzImage split as the boot protocol loads it,
// with the setup header already filled in (cmd_line_ptr, ramdisk, type_of_loader).
struct PcFwCfgKernel {
    uint32_t setup_addr = 0;
    std::vector<uint8_t> setup;  // the real-mode part
    uint32_t kernel_addr = 0;
    std::vector<uint8_t> kernel;  // the protected-mode part
    uint32_t initrd_addr = 0;
    std::vector<uint8_t> initrd;  // empty: no initrd
    uint32_t cmdline_addr = 0;
    std::string cmdline;  // passed NUL-terminated
};

struct FwCfgNamedBlob {
    std::string name;
    std::vector<uint8_t> data;
};

struct PcFwCfgConfig {
    PcRamLayout ram;
    unsigned cpus = 1;
    // Highest APIC ID any possible CPU may have, plus one: SeaBIOS sizes its CPU scan
    // with it (QEMU passes the same as FW_CFG_MAX_CPUS). Equals max CPUs for flat IDs.
    unsigned apic_id_limit = 1;
    // Extra "etc/e820" entries beside the RAM ones, e.g. an accelerator's reserved pages.
    std::vector<E820Entry> e820_reserved;

    std::vector<PcBootDevice> boot_devices;
    bool boot_strict = false;
    bool boot_menu = false;                     // -boot menu=on
    std::optional<uint16_t> boot_menu_wait_ms;  // -boot splash-time
    int32_t boot_fail_wait_ms = -1;             // -boot reboot-timeout; -1: never retry
    std::optional<AcpiConfig> acpi;             // absent: SeaBIOS builds its own tables
    // SeaBIOS mirrors its text screen to this UART ("etc/sercon-port"), as QEMU asks it to
    // under -nographic.
    std::optional<uint16_t> serial_console_port;
    std::vector<FwCfgNamedBlob> option_roms;      // files "genroms/<name>"
    std::vector<FwCfgNamedBlob> vga_option_roms;  // files "vgaroms/<name>"
    std::vector<FwCfgNamedBlob> user_files;       // -fw_cfg; see check_user_fw_cfg_name
    std::optional<PcFwCfgKernel> kernel;
};

// -fw_cfg names: the "opt/" namespace is the user's (QEMU's docs/specs/fw_cfg.rst);
// anything else could collide with what kemu or the firmware uses, so it is refused.
Result<void> check_user_fw_cfg_name(std::string_view name);

// Adds every item and file for `config` to a freshly created FwCfg. Errors are
// configuration errors (a bad -fw_cfg name, a duplicate file, ACPI limits).
Result<void> fill_pc_fw_cfg(FwCfg& fw_cfg, PcFwCfgConfig config);

// The "etc/e820" file: 20-byte little-endian entries (address, length, type). RAM below
// and above 4 GiB plus `reserved`; SeaBIOS reserves its own BIOS areas.
std::vector<uint8_t> pc_fw_cfg_e820(const PcRamLayout& ram, const std::vector<E820Entry>& reserved);

}  // namespace kemu
