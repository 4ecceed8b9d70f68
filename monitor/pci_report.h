// What `info pci` reports, as data: the PCI code fills it (PciBus::devices_info), the
// monitor formats it here, and a QMP front end could serialise the same structs as QEMU's
// query-pci (the field names are that command's).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace kemu {

// One BAR (6 is the expansion ROM) of a function.
struct PciMemoryRegion {
    enum class Type { Io, Memory };
    unsigned bar = 0;
    Type type = Type::Memory;
    // Where the BAR is mapped now; all ones while it is not (QEMU's PCI_BAR_UNMAPPED).
    uint64_t address = 0;
    uint64_t size = 0;
    bool prefetch = false;
    bool mem_type_64 = false;
    bool operator==(const PciMemoryRegion&) const = default;
};

struct PciDeviceInfo {
    unsigned bus = 0;
    unsigned slot = 0;
    unsigned function = 0;
    struct Class {
        std::string desc;    // "Host bridge"; empty for a class the PCI code cannot name
        uint16_t klass = 0;  // base class << 8 | sub-class (QMP's "class")
        bool operator==(const Class&) const = default;
    } class_info;
    struct Id {
        uint16_t vendor = 0;
        uint16_t device = 0;
        uint16_t subsystem_vendor = 0;
        uint16_t subsystem = 0;
        bool operator==(const Id&) const = default;
    } id;
    std::optional<uint8_t> irq;  // the Interrupt Line register, for functions with a pin
    uint8_t irq_pin = 0;         // 0: none, 1..4: INTA#..INTD#
    std::string qdev_id;         // the -device id=, or empty
    std::vector<PciMemoryRegion> regions;
    bool operator==(const PciDeviceInfo&) const = default;
};

// QEMU's `info pci` layout: one block per function, each line ending in a newline.
std::string format_info_pci(const std::vector<PciDeviceInfo>& devices);

}  // namespace kemu
