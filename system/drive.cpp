#include "system/drive.h"

#include <set>

#include "system/keyval.h"

namespace kemu {

namespace {

Result<DriveInterface> parse_interface(const std::string& name) {
    if (name == "none") return DriveInterface::None;
    if (name == "ide") return DriveInterface::Ide;
    if (name == "virtio") return DriveInterface::Virtio;
    return Error("unsupported bus type '" + name + "'");
}

// IDE index N is bus N/2, unit N%2, as on a PC's two channels.
std::string default_id(const DriveSpec& d) {
    switch (d.interface) {
        case DriveInterface::Ide:
            return "ide" + std::to_string(d.index / 2) + (d.cdrom ? "-cd" : "-hd") +
                   std::to_string(d.index % 2);
        case DriveInterface::Virtio:
            return "virtio" + std::to_string(d.index);
        case DriveInterface::None:
            break;
    }
    return {};
}

}  // namespace

const char* drive_interface_name(DriveInterface interface) {
    switch (interface) {
        case DriveInterface::None:
            return "none";
        case DriveInterface::Ide:
            return "ide";
        case DriveInterface::Virtio:
            return "virtio";
    }
    return "?";
}

Result<DriveSpec> parse_drive(std::string_view text) {
    auto kv = parse_keyvalues(text, "");
    if (!kv) return kv.error();
    DriveSpec d;
    int bus = -1, unit = -1;
    for (const auto& [key, value] : *kv) {
        if (key == "file") {
            d.options.file = value;
        } else if (key == "format") {
            if (value != "raw" && value != "qcow2") return Error("'" + value + "' invalid format");
            d.options.format = value;
        } else if (key == "if") {
            auto iface = parse_interface(value);
            if (!iface) return iface.error();
            d.interface = *iface;
        } else if (key == "id") {
            d.id = value;
        } else if (key == "index") {
            auto n = parse_uint(value);
            if (!n || *n > 31) return Error("index cannot be " + value);
            d.index = int(*n);
        } else if (key == "bus" || key == "unit") {
            auto n = parse_uint(value);
            if (!n || *n > 31) return Error(key + " cannot be " + value);
            (key == "bus" ? bus : unit) = int(*n);
        } else if (key == "media") {
            if (value != "disk" && value != "cdrom") return Error("'" + value + "' invalid media");
            d.cdrom = value == "cdrom";
        } else if (key == "cache") {
            auto mode = block::parse_cache_mode(value);
            if (!mode) return mode.error();
            d.options.cache = *mode;
        } else if (key == "readonly" || key == "read-only" || key == "snapshot") {
            KEMU_TRY(on, parse_bool(key, value));
            (key == "snapshot" ? d.options.snapshot : d.options.read_only) = on;
        } else if (key == "file.locking" || key == "locking") {
            d.options.locking = value == "off"  ? block::LockMode::Off
                                : value == "on" ? block::LockMode::On
                                                : block::LockMode::Auto;
            if (value != "off" && value != "on" && value != "auto")
                return Error("Parameter 'locking' does not accept value '" + value + "'");
        } else if (key == "aio") {
            auto mode = block::parse_aio_mode(value);
            if (!mode) return mode.error();
            d.options.aio = *mode;
        } else if (key == "discard") {
            auto mode = block::parse_discard_mode(value);
            if (!mode) return mode.error();
            d.options.discard = *mode;
        } else if (key == "detect-zeroes") {
            auto mode = block::parse_detect_zeroes(value);
            if (!mode) return mode.error();
            d.options.detect_zeroes = *mode;
        } else {
            return Error("Invalid parameter '" + key + "'");
        }
    }
    if (d.options.file.empty() && !d.cdrom) return Error("drive requires a file (file=...)");
    // bus=,unit= name a position as QEMU does: index = bus * units per bus + unit, and IDE
    // has two units per bus (master, slave); virtio has one.
    if (bus >= 0 || unit >= 0) {
        if (d.index >= 0) return Error("index cannot be used with bus and unit");
        unsigned units = d.interface == DriveInterface::Ide ? 2 : 1;
        if (unit >= int(units))
            return Error("unit " + std::to_string(unit) + " too big (max is " +
                         std::to_string(units - 1) + ")");
        d.index = std::max(bus, 0) * int(units) + std::max(unit, 0);
    }
    if (d.interface == DriveInterface::None && d.id.empty())
        return Error("if=none drives need an id");
    if (d.cdrom) d.options.read_only = true;
    KEMU_TRY_VOID(block::check_drive_options(d.options));
    return d;
}

DriveSpec legacy_drive(std::string file, int index, bool cdrom) {
    DriveSpec d;
    d.index = index;
    d.cdrom = cdrom;
    d.options.file = std::move(file);
    d.options.read_only = cdrom;
    return d;
}

Result<void> assign_drive_ids(std::vector<DriveSpec>& drives) {
    std::set<std::string> ids;
    for (DriveInterface iface : {DriveInterface::Ide, DriveInterface::Virtio}) {
        std::set<int> used;
        for (const DriveSpec& d : drives)
            if (d.interface == iface && d.index >= 0 && !used.insert(d.index).second)
                return Error("drive with bus=" + std::string(drive_interface_name(iface)) +
                             ", index " + std::to_string(d.index) + " is specified twice");
        int next = 0;
        for (DriveSpec& d : drives) {
            if (d.interface != iface || d.index >= 0) continue;
            while (used.count(next))
                next++;
            d.index = next;
            used.insert(next);
        }
    }
    for (DriveSpec& d : drives) {
        if (d.interface == DriveInterface::Ide && d.index > 3)
            return Error("IDE index " + std::to_string(d.index) +
                         " is out of range (two channels of two)");
        if (d.id.empty()) d.id = default_id(d);
        if (!ids.insert(d.id).second) return Error("Duplicate ID '" + d.id + "' for drive");
    }
    return ok();
}

}  // namespace kemu
