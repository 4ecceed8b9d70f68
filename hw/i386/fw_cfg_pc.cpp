#include "hw/i386/fw_cfg_pc.h"

#include <algorithm>
#include <cstdio>

#include "hw/acpi/bios_linker_loader.h"

namespace kemu {
namespace {

constexpr size_t kE820EntrySize = 20;
constexpr std::string_view kUserPrefix = "opt/";

void put_le(std::vector<uint8_t>& out, uint64_t value, unsigned bytes) {
    for (unsigned i = 0; i < bytes; i++)
        out.push_back(uint8_t(value >> (8 * i)));
}

std::vector<uint8_t> le_bytes(uint64_t value, unsigned bytes) {
    std::vector<uint8_t> out;
    put_le(out, value, bytes);
    return out;
}

Result<void> add_kernel(FwCfg& fw_cfg, PcFwCfgKernel k) {
    using namespace fw_cfg_key;
    std::vector<uint8_t> cmdline(k.cmdline.begin(), k.cmdline.end());
    cmdline.push_back(0);
    struct Number {
        uint16_t key;
        uint32_t value;
    };
    const Number numbers[] = {
        {kSetupAddr, k.setup_addr},       {kSetupSize, uint32_t(k.setup.size())},
        {kKernelAddr, k.kernel_addr},     {kKernelSize, uint32_t(k.kernel.size())},
        {kCmdlineAddr, k.cmdline_addr},   {kCmdlineSize, uint32_t(cmdline.size())},
        {kKernelCmdline, k.cmdline_addr},
    };
    for (const Number& n : numbers)
        KEMU_TRY_VOID(fw_cfg.add_u32(n.key, n.value));
    KEMU_TRY_VOID(fw_cfg.add_bytes(kSetupData, std::move(k.setup)));
    KEMU_TRY_VOID(fw_cfg.add_bytes(kKernelData, std::move(k.kernel)));
    KEMU_TRY_VOID(fw_cfg.add_bytes(kCmdlineData, std::move(cmdline)));
    if (k.initrd.empty()) return ok();
    KEMU_TRY_VOID(fw_cfg.add_u32(kInitrdAddr, k.initrd_addr));
    KEMU_TRY_VOID(fw_cfg.add_u32(kInitrdSize, uint32_t(k.initrd.size())));
    return fw_cfg.add_bytes(kInitrdData, std::move(k.initrd));
}

Result<void> add_acpi(FwCfg& fw_cfg, const AcpiConfig& acpi) {
    auto files = build_acpi_firmware_files(acpi);
    if (!files) return files.error();
    KEMU_TRY_VOID(fw_cfg.add_file(kAcpiRsdpFile, std::move(files->rsdp)));
    KEMU_TRY_VOID(fw_cfg.add_file(kAcpiTablesFile, std::move(files->tables)));
    return fw_cfg.add_file(BiosLinkerLoader::kFileName, std::move(files->loader));
}

Result<void> add_files(FwCfg& fw_cfg, std::string_view prefix, std::vector<FwCfgNamedBlob> blobs) {
    for (FwCfgNamedBlob& b : blobs)
        KEMU_TRY_VOID(fw_cfg.add_file(std::string(prefix) + b.name, std::move(b.data)));
    return ok();
}

}  // namespace

std::string pc_ide_boot_path(unsigned channel, unsigned unit, unsigned pci_slot,
                             unsigned pci_function) {
    char path[64];
    std::snprintf(path, sizeof path, "/pci@i0cf8/ide@%x,%x/drive@%x/disk@%x", pci_slot,
                  pci_function, channel, unit);
    return path;
}

std::string pc_rom_boot_path(std::string_view fw_cfg_name) {
    return "/rom@" + std::string(fw_cfg_name);
}

std::vector<uint8_t> pc_bootorder(std::vector<PcBootDevice> devices, bool strict) {
    std::stable_sort(
        devices.begin(), devices.end(),
        [](const PcBootDevice& a, const PcBootDevice& b) { return a.bootindex < b.bootindex; });
    std::string text;
    for (const PcBootDevice& d : devices)
        text += d.path + "\n";
    if (strict) text += "HALT\n";
    if (text.empty()) return {};
    text.back() = '\0';  // lines are separated, not terminated, by newlines
    return {text.begin(), text.end()};
}

std::vector<uint8_t> pc_fw_cfg_e820(const PcRamLayout& ram,
                                    const std::vector<E820Entry>& reserved) {
    std::vector<E820Entry> entries;
    if (ram.below_4g) entries.push_back({0, ram.below_4g, E820Type::Ram});
    if (ram.above_4g) entries.push_back({pc::kAbove4gRamStart, ram.above_4g, E820Type::Ram});
    entries.insert(entries.end(), reserved.begin(), reserved.end());
    std::vector<uint8_t> out;
    out.reserve(entries.size() * kE820EntrySize);
    for (const E820Entry& e : entries) {
        put_le(out, e.addr, 8);
        put_le(out, e.size, 8);
        put_le(out, uint32_t(e.type), 4);
    }
    return out;
}

Result<void> check_user_fw_cfg_name(std::string_view name) {
    if (!name.starts_with(kUserPrefix) || name.size() == kUserPrefix.size())
        return Error("name '" + std::string(name) + "' must start with \"opt/\"");
    if (name.size() > FwCfg::kMaxFileName)
        return Error("name '" + std::string(name) + "' is longer than " +
                     std::to_string(FwCfg::kMaxFileName) + " characters");
    return ok();
}

Result<void> fill_pc_fw_cfg(FwCfg& fw_cfg, PcFwCfgConfig config) {
    using namespace fw_cfg_key;
    if (config.cpus == 0 || config.apic_id_limit < config.cpus || config.apic_id_limit > 0xffff)
        return Error("fw_cfg: " + std::to_string(config.cpus) + " CPUs with an APIC ID limit of " +
                     std::to_string(config.apic_id_limit));
    KEMU_TRY_VOID(fw_cfg.add_u64(kRamSize, config.ram.below_4g + config.ram.above_4g));
    KEMU_TRY_VOID(fw_cfg.add_u16(kNbCpus, uint16_t(config.cpus)));
    KEMU_TRY_VOID(fw_cfg.add_u16(kMaxCpus, uint16_t(config.apic_id_limit)));
    // No NUMA: a zero node count, then an all-zero node for every possible APIC ID.
    KEMU_TRY_VOID(fw_cfg.add_bytes(kNuma, std::vector<uint8_t>(8 * (1 + config.apic_id_limit))));
    KEMU_TRY_VOID(fw_cfg.add_u16(kBootMenu, config.boot_menu ? 1 : 0));
    // The MADT routes IRQ0 to GSI 2, and SeaBIOS's MP table must say the same.
    KEMU_TRY_VOID(fw_cfg.add_u32(kIrq0Override, 1));

    KEMU_TRY_VOID(fw_cfg.add_file("etc/e820", pc_fw_cfg_e820(config.ram, config.e820_reserved)));
    std::vector<uint8_t> bootorder =
        pc_bootorder(std::move(config.boot_devices), config.boot_strict);
    if (!bootorder.empty()) KEMU_TRY_VOID(fw_cfg.add_file("bootorder", std::move(bootorder)));
    KEMU_TRY_VOID(
        fw_cfg.add_file("etc/boot-fail-wait", le_bytes(uint32_t(config.boot_fail_wait_ms), 4)));
    if (config.boot_menu_wait_ms)
        KEMU_TRY_VOID(
            fw_cfg.add_file("etc/boot-menu-wait", le_bytes(*config.boot_menu_wait_ms, 2)));
    if (config.acpi) KEMU_TRY_VOID(add_acpi(fw_cfg, *config.acpi));
    if (config.serial_console_port)
        KEMU_TRY_VOID(fw_cfg.add_file("etc/sercon-port", le_bytes(*config.serial_console_port, 2)));
    KEMU_TRY_VOID(add_files(fw_cfg, "genroms/", std::move(config.option_roms)));
    KEMU_TRY_VOID(add_files(fw_cfg, "vgaroms/", std::move(config.vga_option_roms)));
    for (const FwCfgNamedBlob& f : config.user_files) {
        Result<void> valid = check_user_fw_cfg_name(f.name);
        if (!valid) return valid.error().with_context("-fw_cfg");
    }
    KEMU_TRY_VOID(add_files(fw_cfg, "", std::move(config.user_files)));
    if (config.kernel) KEMU_TRY_VOID(add_kernel(fw_cfg, std::move(*config.kernel)));
    return ok();
}

}  // namespace kemu
