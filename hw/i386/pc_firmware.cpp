// The PC's firmware path: the BIOS mapped where the reset vector finds it, fw_cfg with what
// SeaBIOS reads, and the CMOS bytes it still takes from the RTC.
#include "hw/i386/linux_boot_firmware.h"
#include "hw/i386/pc.h"
#include "hw/i386/pc_layout.h"
#include "hw/timer/mc146818_rtc.h"

namespace kemu {

namespace {

// SeaBIOS's boot device codes in the CMOS boot-order nibbles (QEMU's -boot letters).
constexpr struct {
    char letter;
    uint8_t code;
} kCmosBootDevices[] = {{'a', 1}, {'b', 1}, {'c', 2}, {'d', 3}, {'n', 4}};
constexpr uint8_t kCmosBootFlag1 = 0x38;  // bit 0: skip the floppy signature check; 7-4: 3rd
constexpr uint8_t kCmosBootFlag2 = 0x3d;  // 3-0: 1st boot device, 7-4: 2nd
constexpr uint8_t kCmosCpuCountMinusOne = 0x5f;

uint8_t cmos_boot_code(char letter) {
    for (auto d : kCmosBootDevices)
        if (d.letter == letter) return d.code;
    return 0;
}

}  // namespace

// The BIOS is ROM: the guest's writes are dropped, and system_reset finds it intact. Its last
// 128 KiB also answer at 0xE0000-0xFFFFF on the PCI side of the PAM (pc_pci.cpp), which
// covers RAM there at power-on, as the chipset does.
// The image lives in its own page-aligned mapping: KVM maps ROM into the guest by host page.
Result<void> PcBoard::map_firmware() {
    const std::vector<uint8_t>& image = config_.firmware.bios;
    if (image.empty()) return ok();
    uint64_t size = image.size();
    bios_memory_ = MappedRegion::anonymous(size);
    if (!bios_memory_.valid()) return Error("cannot allocate memory for the BIOS");
    std::copy(image.begin(), image.end(), bios_memory_.data());
    uint8_t* bios = bios_memory_.data();
    system_bios_.emplace(MemoryRegion::rom("pc.bios", bios, size));
    KEMU_TRY_VOID(services_.memory.map(pc::kBiosRomTop - size, &*system_bios_));
    uint64_t low_size = std::min<uint64_t>(size, pc::kHighMemory - pc::kBiosShadow);
    isa_bios_.emplace(MemoryRegion::rom("isa-bios", bios + size - low_size, low_size));
    if (!services_.ram_host) return Error("firmware boot needs the RAM's host mapping for PAM");
    return ok();
}

Result<void> PcBoard::build_fw_cfg() {
    if (!firmware_boot()) return ok();
    auto& fw_cfg = add(std::make_unique<FwCfg>("fw_cfg", services_.memory));
    KEMU_TRY_VOID(map_io(pc::kPortFwCfg, fw_cfg.ctl_region()));
    KEMU_TRY_VOID(map_io(pc::kPortFwCfgDma, fw_cfg.dma_region()));

    const BoardFirmware& firmware = config_.firmware;
    PcFwCfgConfig fc;
    fc.ram = config_.ram;
    fc.cpus = config_.cpus;
    for (uint32_t id : config_.apic_ids)
        fc.apic_id_limit = std::max(fc.apic_id_limit, id + 1);
    if (config_.acpi) fc.acpi = acpi_config();
    for (const BoardIdeDrive& drive : config_.ide_drives)
        if (drive.bootindex >= 0)
            fc.boot_devices.push_back(
                {drive.bootindex, pc_ide_boot_path(drive.index / 2, drive.index % 2)});
    fc.boot_strict = firmware.boot.strict;
    fc.boot_menu = firmware.boot.menu;
    if (firmware.boot.splash_time_ms) fc.boot_menu_wait_ms = firmware.boot.splash_time_ms;
    fc.boot_fail_wait_ms = firmware.boot.reboot_timeout_ms;
    if (firmware.serial_console) fc.serial_console_port = pc::kPortCom[0];
    fc.option_roms = firmware.option_roms;
    fc.user_files = firmware.user_files;
    // The board is built once: the kernel's bytes move into fw_cfg instead of being copied.
    if (firmware.kernel) add_firmware_linux_boot(fc, std::move(*config_.firmware.kernel));
    return fill_pc_fw_cfg(fw_cfg, std::move(fc));
}

// -boot order= as SeaBIOS reads it from CMOS when no "bootorder" file names devices; once=
// holds until the first reset.
void PcBoard::store_firmware_cmos(Mc146818Rtc& rtc) {
    const BootSpec& boot = config_.firmware.boot;
    const std::string& order = !boot.once.empty() && !first_boot_done_ ? boot.once : boot.order;
    first_boot_done_ = true;
    uint8_t codes[3] = {};
    for (size_t i = 0; i < 3 && i < order.size(); i++)
        codes[i] = cmos_boot_code(order[i]);
    rtc.set_cmos(kCmosBootFlag2, uint8_t(codes[0] | codes[1] << 4));
    rtc.set_cmos(kCmosBootFlag1, uint8_t(codes[2] << 4));
    rtc.set_cmos(kCmosCpuCountMinusOne, uint8_t(config_.cpus - 1));
}

}  // namespace kemu
