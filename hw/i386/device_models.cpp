#include "hw/i386/device_models.h"

#include <algorithm>
#include <cstdio>
#include <vector>

#include "hw/char/debugcon.h"
#include "hw/i386/pc_layout.h"
#include "hw/misc/debug_exit.h"
#include "hw/misc/pc_testdev.h"
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

constexpr DeviceProperty kDebugExitProperties[] = {
    {"iobase", "uint32", "244", "I/O port (0xf4)"},
    {"iosize", "uint32", "4", "width of the port in bytes: 1, 2 or 4"},
};

constexpr DeviceProperty kDebugconProperties[] = {
    {"chardev", "str", nullptr, "ID of a chardev to use as a backend"},
    {"iobase", "uint32", "233", "I/O port (0xe9)"},
    {"readback", "uint32", "233", "value reads of the port return"},
};

constexpr DeviceProperty kIdeDriveProperties[] = {
    {"bootindex", "int32", nullptr, "position in the firmware's boot order"},
    {"drive", "str", nullptr, "ID of a -drive if=none to use as a backend"},
    {"unit", "uint32", nullptr, "0 (master) or 1 (slave); default: the first free one"},
};

constexpr std::span<const DeviceProperty> kNoProperties;
constexpr auto kBuiltIn = DeviceAvailability::BuiltIn;
constexpr auto kUser = DeviceAvailability::UserCreatable;
using enum DeviceCategory;

// Sorted by name. The board builds the BuiltIn ones itself (pc.cpp).
constexpr DeviceModel kDeviceModels[] = {
    {"apic", nullptr, Uncategorized, "local APIC (one per CPU)", kBuiltIn, kNoProperties, nullptr},
    {"i8042", "ISA", Input, "PS/2 keyboard and mouse controller", kBuiltIn, kNoProperties, nullptr},
    {"i8259", "ISA", Misc, "master and slave 8259A PICs", kBuiltIn, kNoProperties, nullptr},
    {"ide-cd", "IDE", Storage, "virtual IDE CD-ROM", DeviceAvailability::IdeDrive,
     kIdeDriveProperties, nullptr},
    {"ide-hd", "IDE", Storage, "virtual IDE disk", DeviceAvailability::IdeDrive,
     kIdeDriveProperties, nullptr},
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
    {"pci-testdev", "PCI", Misc, "PCI Test Device", DeviceAvailability::NoBus, kNoProperties,
     nullptr},
    {"piix4-pm", "ISA", Misc, "ACPI power management (PM1 and GPE0 blocks)", kBuiltIn,
     kNoProperties, nullptr},
    {"port80", "ISA", Misc, "POST code port and I/O delay", kBuiltIn, kNoProperties, nullptr},
    {"reset-control", "ISA", Misc, "PIIX3 reset control register (0xcf9)", kBuiltIn, kNoProperties,
     nullptr},
};

const DeviceProperty* find_property(const DeviceModel& model, std::string_view name) {
    for (const DeviceProperty& p : model.properties)
        if (name == p.name) return &p;
    return nullptr;
}

std::string property_not_found(const DeviceModel& model, const std::string& name) {
    return "Property '" + std::string(model.name) + "." + name + "' not found";
}

// The buses of each type this machine has: one ISA bus, and the PIIX3's two IDE channels.
bool bus_exists(std::string_view type, std::string_view bus) {
    static constexpr struct {
        std::string_view type, bus;
    } kBuses[] = {{"ISA", "isa.0"}, {"IDE", "ide.0"}, {"IDE", "ide.1"}};
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
        if (m.availability != DeviceAvailability::NoBus) listed.push_back(&m);
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
        std::string line = "  " + std::string(p.name) + "=<" + p.type + ">";
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
    if (model->availability == DeviceAvailability::BuiltIn)
        return Error("Parameter 'driver' expects a pluggable device type");
    if (model->availability == DeviceAvailability::NoBus)
        return Error("No '" + std::string(model->bus) + "' bus found for device '" + spec.driver +
                     "'");
    for (const auto& [key, value] : spec.props) {
        // id and bus belong to every device, as in QEMU.
        if (key == "id") continue;
        if (key == "bus") {
            if (!model->bus || !bus_exists(model->bus, value))
                return Error("Bus '" + value + "' not found");
            continue;
        }
        if (!find_property(*model, key)) return Error(property_not_found(*model, key));
    }
    return model;
}

Result<void> check_global_property(const DeviceModel& model, const GlobalProperty& global) {
    if (find_property(model, global.property)) return ok();
    return Error("can't apply global " + global.driver + "." + global.property + "=" +
                 global.value + ": " + property_not_found(model, global.property));
}

Result<void> build_user_device(const DeviceSpec& spec, DeviceBuildContext& context) {
    auto model = check_device_spec(spec);
    if (!model) return model.error();
    KEMU_ASSERT((*model)->build);  // the command line keeps IdeDrive models off the board
    return (*model)->build(spec, context);
}

}  // namespace kemu
