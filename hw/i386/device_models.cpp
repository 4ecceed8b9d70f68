#include "hw/i386/device_models.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <vector>

#include "hw/char/debugcon.h"
#include "hw/i386/pc_layout.h"
#include "hw/i386/pci_device_models.h"
#include "hw/ide/ata_disk.h"
#include "hw/ide/atapi_cdrom.h"
#include "hw/misc/debug_exit.h"
#include "hw/misc/pc_testdev.h"
#include "hw/pci/pci_address.h"
#include "system/keyval.h"
#include "system/log.h"

namespace kemu {

namespace {

constexpr const char* kCategoryNames[] = {
    "Controller/Bridge/Hub",
    "USB",
    "Storage",
    "Network",
    "Input",
    "Display",
    "Sound",
    "Misc",
    "CPU",
    "Watchdog",
    "Uncategorized",
};

Result<uint64_t> prop_uint(const DeviceSpec& spec, const char* key, uint64_t fallback,
                           uint64_t max) {
    auto it = spec.props.find(key);
    if (it == spec.props.end()) return fallback;
    auto v = parse_uint(it->second);
    if (!v || *v > max)
        return Error("Property '" + spec.driver + "." + key + "' doesn't take value '" +
                     it->second + "'");
    return *v;
}

Result<void> build_debug_exit(const DeviceSpec& spec, DeviceBuildContext& context) {
    auto iobase = prop_uint(spec, "iobase", pc::kPortDebugExit, 0xffff);
    auto iosize = prop_uint(spec, "iosize", 4, 0xffffffff);
    if (!iobase) return iobase.error();
    if (!iosize) return iosize.error();
    KEMU_TRY_VOID(DebugExit::validate_iosize(unsigned(*iosize)));
    auto& dev = static_cast<DebugExit&>(context.adopt(std::make_unique<DebugExit>(
        "isa-debug-exit", context.services.request_exit, uint16_t(*iobase), unsigned(*iosize))));
    return context.services.io.map(uint16_t(*iobase), &dev.io());
}

Result<void> build_debugcon(const DeviceSpec& spec, DeviceBuildContext& context) {
    auto iobase = prop_uint(spec, "iobase", pc::kPortDebugcon, 0xffff);
    auto readback = prop_uint(spec, "readback", Debugcon::kDefaultReadback, 0xff);
    if (!iobase) return iobase.error();
    if (!readback) return readback.error();
    Chardev* chr = nullptr;
    if (auto it = spec.props.find("chardev"); it != spec.props.end()) {
        chr = context.services.find_chardev ? context.services.find_chardev(it->second) : nullptr;
        if (!chr)
            return Error("Property 'isa-debugcon.chardev' can't find value '" + it->second + "'");
    }
    auto& dev = static_cast<Debugcon&>(context.adopt(
        std::make_unique<Debugcon>("isa-debugcon", chr, uint16_t(*iobase), uint8_t(*readback))));
    return context.services.io.map(uint16_t(*iobase), &dev.io());
}

Result<void> build_pc_testdev(const DeviceSpec&, DeviceBuildContext& context) {
    const BoardServices& services = context.services;
    auto& dev = static_cast<PcTestdev&>(
        context.adopt(std::make_unique<PcTestdev>("pc-testdev", &services.memory)));
    for (unsigned line = 0; line < PcTestdev::kIrqLines; line++)
        if (context.irq_input) dev.irq(line).connect(context.irq_input(line));
    KEMU_TRY_VOID(services.io.map(PcTestdev::kPortData, &dev.data_io()));
    KEMU_TRY_VOID(services.io.map(PcTestdev::kPortFlushPage, &dev.flush_page_io()));
    KEMU_TRY_VOID(services.io.map(PcTestdev::kPortDataBytes, &dev.data_bytes_io()));
    KEMU_TRY_VOID(services.io.map(PcTestdev::kPortIrqLines, &dev.irq_lines_io()));
    return services.memory.map(PcTestdev::kIomemBase, &dev.iomem());
}

using enum PropertyType;

constexpr DeviceProperty kDebugExitProperties[] = {
    {"iobase", Uint32, "244", "I/O port (0xf4)"},
    {"iosize", Uint32, "4", "width of the port in bytes: 1, 2 or 4"},
};

constexpr DeviceProperty kDebugconProperties[] = {
    {"chardev", Str, nullptr, "ID of a chardev to use as a backend"},
    {"iobase", Uint32, "233", "I/O port (0xe9)"},
    {"readback", Uint32, "233", "value reads of the port return"},
};

// ide-hd and ide-cd differ in the default model only. The identity properties (IDENTIFY
// data) also take -global; bootindex, drive and unit place the drive.
constexpr std::array<DeviceProperty, 8> ide_drive_properties(const char* default_model) {
    return {{
        {"bootindex", Int32, nullptr, "position in the firmware's boot order"},
        {"drive", Str, nullptr, "ID of a -drive if=none to use as a backend"},
        {"model", Str, default_model, "IDENTIFY model number (40 characters)"},
        {"rotation_rate", Uint16, "0", "IDENTIFY word 217: 1 for a non-rotating medium, or rpm"},
        {"serial", Str, nullptr, "IDENTIFY serial number (20 characters); default QM0000<n>"},
        {"unit", Uint32, nullptr, "0 (master) or 1 (slave); default: the first free one"},
        {"ver", Str, ide::DriveIdentity::kDefaultVersion, "firmware revision (8 characters)"},
        {"wwn", Uint64, "0", "world wide name (0: none)"},
    }};
}
constexpr auto kIdeDiskProperties = ide_drive_properties(ide::AtaDisk::kDefaultModel);
constexpr auto kIdeCdromProperties = ide_drive_properties(ide::AtapiCdrom::kDefaultModel);

constexpr DeviceProperty kPciDisplayProperties[] = {
    {"addr", PciAddress, "-1", "Slot and optional function number, example: 06.0 or 06"},
};

constexpr std::span<const DeviceProperty> kNoProperties;
constexpr auto kBuiltIn = DeviceAvailability::BuiltIn;
constexpr auto kUser = DeviceAvailability::UserCreatable;
constexpr auto kPart = DeviceAvailability::Part;
using enum DeviceCategory;

// Sorted by name (in ASCII order: capitals first). The board builds the BuiltIn ones and
// the default VGA itself (pc.cpp, pc_pci.cpp).
constexpr DeviceModel kDeviceModels[] = {
    {"PIIX3", "PCI", Bridge, "PCI-to-ISA bridge, PCI interrupt routing", kBuiltIn, kNoProperties,
     nullptr},
    {"PIIX4_PM", "PCI", Bridge, "power management and SMBus function", kBuiltIn, kNoProperties,
     nullptr},
    {"VGA", "PCI", Display, nullptr, kUser, kPciDisplayProperties, build_vga},
    {"apic", nullptr, Uncategorized, "local APIC (one per CPU)", kBuiltIn, kNoProperties, nullptr},
    {"fw_cfg_io", "System", Misc, "firmware configuration interface", kBuiltIn, kNoProperties,
     nullptr},
    {"i440FX", "PCI", Bridge, "host bridge with the PAM shadow registers", kBuiltIn, kNoProperties,
     nullptr},
    {"i440FX-pcihost", "System", Bridge, nullptr, kPart, kNoProperties, nullptr},
    {"i8042", "ISA", Input, "PS/2 keyboard and mouse controller", kBuiltIn, kNoProperties, nullptr},
    {"i8259", "ISA", Misc, "master and slave 8259A PICs", kBuiltIn, kNoProperties, nullptr},
    {"ide-bmdma", "PCI", Storage, nullptr, kPart, kNoProperties, nullptr},
    {"ide-cd", "IDE", Storage, "virtual IDE CD-ROM", DeviceAvailability::IdeDrive,
     kIdeCdromProperties, nullptr},
    {"ide-channel", "PCI", Storage, nullptr, kPart, kNoProperties, nullptr},
    {"ide-hd", "IDE", Storage, "virtual IDE disk", DeviceAvailability::IdeDrive, kIdeDiskProperties,
     nullptr},
    {"ioapic", "System", Uncategorized, "82093AA I/O APIC", kBuiltIn, kNoProperties, nullptr},
    {"isa-debug-exit", "ISA", Misc, "a write of v exits the emulator with status (v << 1) | 1",
     kUser, kDebugExitProperties, build_debug_exit},
    {"isa-debugcon", "ISA", Misc, "bytes written to the port go to a chardev", kUser,
     kDebugconProperties, build_debugcon},
    {"isa-pit", "ISA", Misc, "8254 interval timer", kBuiltIn, kNoProperties, nullptr},
    {"isa-serial", "ISA", Input, "16550A UART (COM1-COM4 follow -serial)", kBuiltIn, kNoProperties,
     nullptr},
    {"mc146818rtc", "ISA", Misc, "real-time clock and CMOS memory", kBuiltIn, kNoProperties,
     nullptr},
    {"pc-testdev", "ISA", Misc, "kvm-unit-tests I/O, interrupt and MMIO test device", kUser,
     kNoProperties, build_pc_testdev},
    {"piix3-ide", "PCI", Storage, "PIIX3 IDE controller (two channels)", kBuiltIn, kNoProperties,
     nullptr},
    {"piix4-pm", "ISA", Misc, "ACPI power management (PM1 and GPE0 blocks)", kBuiltIn,
     kNoProperties, nullptr},
    {"port80", "ISA", Misc, "POST code port and I/O delay", kBuiltIn, kNoProperties, nullptr},
    {"reset-control", "ISA", Misc, "PIIX3 reset control register (0xcf9)", kBuiltIn, kNoProperties,
     nullptr},
    {"secondary-vga", "PCI", Display, nullptr, kUser, kPciDisplayProperties, build_secondary_vga},
    {"vga-core", "PCI", Display, nullptr, kPart, kNoProperties, nullptr},
};

const DeviceProperty* find_property(const DeviceModel& model, std::string_view name) {
    for (const DeviceProperty& p : model.properties)
        if (name == p.name) return &p;
    return nullptr;
}

std::string property_not_found(const DeviceModel& model, const std::string& name) {
    return "Property '" + std::string(model.name) + "." + name + "' not found";
}

// QEMU's names of the property types, as -device NAME,help shows them.
const char* type_name(PropertyType type) {
    constexpr const char* kNames[] = {"str", "int32", "uint16", "uint32", "uint64", "int32"};
    return kNames[unsigned(type)];
}

// The largest value of each unsigned type, and QEMU's name for it in range errors.
struct UnsignedRange {
    PropertyType type;
    uint64_t max;
    const char* c_name;
};
constexpr UnsignedRange kUnsignedRanges[] = {
    {Uint16, UINT16_MAX, "uint16_t"},
    {Uint32, UINT32_MAX, "uint32_t"},
    {Uint64, UINT64_MAX, "uint64_t"},
};

// The buses of each type this machine has: the system bus, pci.0, the PIIX3's ISA bus and
// its IDE function's two channels.
bool bus_exists(std::string_view type, std::string_view bus) {
    static constexpr struct {
        std::string_view type, bus;
    } kBuses[] = {{"System", "main-system-bus"},
                  {"PCI", "pci.0"},
                  {"ISA", "isa.0"},
                  {"IDE", "ide.0"},
                  {"IDE", "ide.1"}};
    return std::any_of(std::begin(kBuses), std::end(kBuses),
                       [&](const auto& b) { return b.type == type && b.bus == bus; });
}

}  // namespace

std::span<const DeviceModel> device_models() {
    return kDeviceModels;
}

const DeviceModel* find_device_model(std::string_view name) {
    for (const DeviceModel& m : kDeviceModels)
        if (name == m.name) return &m;
    return nullptr;
}

std::string device_models_help() {
    std::vector<const DeviceModel*> listed;
    for (const DeviceModel& m : kDeviceModels)
        if (m.availability != DeviceAvailability::Part) listed.push_back(&m);
    std::sort(listed.begin(), listed.end(), [](const DeviceModel* a, const DeviceModel* b) {
        if (a->category != b->category) return a->category < b->category;
        return std::string_view(a->name) < std::string_view(b->name);
    });
    std::string out;
    const DeviceModel* previous = nullptr;
    for (const DeviceModel* m : listed) {
        if (!previous || previous->category != m->category) {
            if (previous) out += "\n\n";
            out += std::string(kCategoryNames[unsigned(m->category)]) + " devices:";
        }
        out += "\nname \"" + std::string(m->name) + "\"";
        if (m->bus) out += std::string(", bus ") + m->bus;
        if (m->description) out += ", desc \"" + std::string(m->description) + "\"";
        if (m->availability == DeviceAvailability::BuiltIn) out += ", no-user";
        previous = m;
    }
    return out;
}

std::string device_properties_help(const DeviceModel& model) {
    if (model.properties.empty())
        return "There are no options for " + std::string(model.name) + ".";
    std::string out = std::string(model.name) + " options:";
    for (const DeviceProperty& p : model.properties) {
        std::string line = "  " + std::string(p.name) + "=<" + type_name(p.type) + ">";
        if (p.description || p.default_value) {
            line.resize(std::max<size_t>(line.size(), 24), ' ');
            line += " - ";
            if (p.description) line += p.description;
            if (p.default_value) line += std::string(" (default: ") + p.default_value + ")";
        }
        out += "\n" + line;
    }
    return out;
}

Result<const DeviceModel*> check_device_spec(const DeviceSpec& spec) {
    const DeviceModel* model = find_device_model(spec.driver);
    if (!model) return Error("'" + spec.driver + "' is not a valid device model name");
    if (model->availability == DeviceAvailability::BuiltIn ||
        model->availability == DeviceAvailability::Part)
        return Error("Parameter 'driver' expects a pluggable device type");
    for (const auto& [key, value] : spec.props) {
        // id and bus belong to every device, as in QEMU.
        if (key == "id") continue;
        if (key == "bus") {
            if (!model->bus || !bus_exists(model->bus, value))
                return Error("Bus '" + value + "' not found");
            continue;
        }
        const DeviceProperty* property = find_property(*model, key);
        if (!property) return Error(property_not_found(*model, key));
        if (property->type == PciAddress && !pci::parse_address(value))
            return Error("Property '" + spec.driver + "." + key + "' doesn't take value '" + value +
                         "'");
        KEMU_TRY_VOID(check_property_value(*property, value));
    }
    return model;
}

Result<void> check_property_value(const DeviceProperty& property, const std::string& value) {
    std::string name = property.name;
    switch (property.type) {
        case Str:
            return ok();
        case PciAddress:
            if (pci::parse_address(value)) return ok();
            return Error("Parameter '" + name + "' expects a PCI address, SLOT[.FN]");
        case Int32: {
            bool negative = !value.empty() && value[0] == '-';
            auto magnitude = parse_uint(std::string_view(value).substr(negative ? 1 : 0));
            if (!magnitude) return Error("Parameter '" + name + "' expects integer");
            if (*magnitude > uint64_t(INT32_MAX) + negative)
                return Error("Parameter '" + name + "' expects int32_t");
            return ok();
        }
        default:
            break;
    }
    auto number = parse_uint(value);
    if (!number) return Error("Parameter '" + name + "' expects integer");
    for (const UnsignedRange& range : kUnsignedRanges)
        if (range.type == property.type && *number > range.max)
            return Error("Parameter '" + name + "' expects " + range.c_name);
    return ok();
}

Result<void> check_global_property(const DeviceModel& model, const GlobalProperty& global) {
    auto fail = [&](const std::string& why) {
        return Error("can't apply global " + global.driver + "." + global.property + "=" +
                     global.value + ": " + why);
    };
    const DeviceProperty* property = find_property(model, global.property);
    if (!property) return fail(property_not_found(model, global.property));
    if (auto r = check_property_value(*property, global.value); !r)
        return fail(r.error().message());
    return ok();
}

ide::DriveIdentity ide_drive_identity(const std::map<std::string, std::string>& properties,
                                      std::string default_serial) {
    ide::DriveIdentity identity{.serial = std::move(default_serial)};
    auto text = [&](const char* key, std::string& field) {
        if (auto it = properties.find(key); it != properties.end()) field = it->second;
    };
    auto number = [&](const char* key) -> uint64_t {
        auto it = properties.find(key);
        if (it == properties.end()) return 0;
        auto value = parse_uint(it->second);  // checked on the command line
        return value ? *value : 0;
    };
    text("serial", identity.serial);
    text("model", identity.model);
    text("ver", identity.version);
    identity.wwn = number("wwn");
    identity.rotation_rate = uint16_t(number("rotation_rate"));
    return identity;
}

const DeviceModel* model_of(const Device& device) {
    return find_device_model(device.type_name());
}

Result<void> build_user_device(const DeviceSpec& spec, DeviceBuildContext& context) {
    auto model = check_device_spec(spec);
    if (!model) return model.error();
    KEMU_ASSERT((*model)->build);  // the command line keeps IdeDrive models off the board
    return (*model)->build(spec, context);
}

}  // namespace kemu
