#include "system/ide_devices.h"

#include <algorithm>
#include <optional>
#include <set>

#include "system/keyval.h"

namespace kemu {

namespace {

constexpr unsigned kIdeBuses = 2, kIdeUnits = 2;
constexpr const char* kIdeDisk = "ide-hd";
constexpr const char* kIdeCdrom = "ide-cd";

std::optional<std::string> prop(const DeviceSpec& spec, const char* key) {
    auto it = spec.props.find(key);
    if (it == spec.props.end()) return std::nullopt;
    return it->second;
}

Error bad_value(const DeviceSpec& spec, const char* key, const std::string& value) {
    return Error("Property '" + spec.driver + "." + key + "' doesn't take value '" + value + "'");
}

// bootindex=N, N >= 0; -1 (QEMU's "none") is accepted too.
Result<int> parse_bootindex(const DeviceSpec& spec) {
    auto text = prop(spec, "bootindex");
    if (!text || *text == "-1") return -1;
    auto n = parse_uint(*text);
    if (!n || *n > INT32_MAX) return bad_value(spec, "bootindex", *text);
    return int(*n);
}

// The drive=ID this device takes over, or null for an ide-cd with an empty tray.
Result<DriveSpec*> claim_drive(const DeviceSpec& spec, std::vector<DriveSpec>& drives,
                               std::set<std::string>& claimed) {
    auto id = prop(spec, "drive");
    if (!id) {
        if (spec.driver == kIdeCdrom) return static_cast<DriveSpec*>(nullptr);
        return Error("No drive specified");
    }
    auto it =
        std::find_if(drives.begin(), drives.end(), [&](const DriveSpec& d) { return d.id == *id; });
    if (it == drives.end())
        return Error("Property '" + spec.driver + ".drive' can't find value '" + *id + "'");
    if (claimed.count(*id)) return Error("Drive '" + *id + "' is already in use by another device");
    if (it->interface != DriveInterface::None)
        return Error("Drive '" + *id +
                     "' is already in use because it has been automatically connected to another "
                     "device (did you need 'if=none' in the drive options?)");
    if (spec.driver == kIdeDisk && it->options.file.empty())
        return Error("Device needs media, but drive is empty");
    claimed.insert(*id);
    return &*it;
}

bool slot_taken(const std::vector<DriveSpec>& drives, unsigned bus, unsigned unit) {
    return std::any_of(drives.begin(), drives.end(), [&](const DriveSpec& d) {
        return d.interface == DriveInterface::Ide && d.index == int(bus * kIdeUnits + unit);
    });
}

// As QEMU places an IDE device: on bus= or the first bus with a free unit, then on unit= or
// the master if it is free, else the slave.
Result<unsigned> pick_index(const DeviceSpec& spec, const std::vector<DriveSpec>& drives) {
    std::optional<unsigned> bus, unit;
    if (auto text = prop(spec, "bus")) bus = unsigned(text->back() - '0');  // checked: ide.0|1
    if (auto text = prop(spec, "unit")) {
        auto n = parse_uint(*text);
        if (!n || *n > UINT32_MAX) return bad_value(spec, "unit", *text);
        if (*n >= kIdeUnits)
            return Error("Can't create IDE unit " + std::to_string(*n) + ", bus supports only " +
                         std::to_string(kIdeUnits) + " units");
        unit = unsigned(*n);
    }
    for (unsigned b = 0; !bus && b < kIdeBuses; b++)
        if (!slot_taken(drives, b, 0) || !slot_taken(drives, b, 1)) bus = b;
    if (!bus) return Error("No 'IDE' bus found for device '" + spec.driver + "'");
    if (!unit) unit = slot_taken(drives, *bus, 0) ? 1 : 0;
    if (slot_taken(drives, *bus, *unit))
        return Error("IDE unit " + std::to_string(*unit) + " is in use");
    return *bus * kIdeUnits + *unit;
}

Result<void> attach(const DeviceSpec& spec, std::vector<DriveSpec>& drives,
                    std::set<std::string>& claimed) {
    KEMU_TRY(bootindex, parse_bootindex(spec));
    if (bootindex >= 0)
        for (const DriveSpec& d : drives)
            if (d.bootindex == bootindex)
                return Error("The bootindex " + std::to_string(bootindex) +
                             " has already been used");
    KEMU_TRY(drive, claim_drive(spec, drives, claimed));
    KEMU_TRY(index, pick_index(spec, drives));
    bool cdrom = spec.driver == kIdeCdrom;
    if (!drive) {
        DriveSpec empty;
        empty.cdrom = true;
        empty.options.read_only = true;
        empty.id = prop(spec, "id")
                       .value_or("ide" + std::to_string(index / kIdeUnits) + "-cd" +
                                 std::to_string(index % kIdeUnits));
        for (const DriveSpec& d : drives)
            if (d.id == empty.id) return Error("Duplicate ID '" + empty.id + "' for drive");
        drive = &drives.emplace_back(std::move(empty));
    }
    drive->interface = DriveInterface::Ide;
    drive->index = int(index);
    drive->device_properties = spec.props;
    drive->cdrom = cdrom;
    if (cdrom) drive->options.read_only = true;
    drive->bootindex = bootindex;
    return ok();
}

}  // namespace

bool is_ide_drive_device(std::string_view driver) {
    return driver == kIdeDisk || driver == kIdeCdrom;
}

Result<void> attach_ide_devices(const std::vector<IdeDeviceArg>& devices,
                                std::vector<DriveSpec>& drives) {
    std::set<std::string> claimed;
    for (const IdeDeviceArg& device : devices)
        if (auto r = attach(device.spec, drives, claimed); !r)
            return r.error().with_context("-device " + device.text);
    return ok();
}

}  // namespace kemu
