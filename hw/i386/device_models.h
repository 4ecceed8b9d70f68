// Every device model kemu's PC has, in one table: what -device help lists, what
// -device NAME,help and -global check properties (and their values) against, how -device
// builds one, and where `info qtree` nests each device the board has. Models the board
// creates itself are listed as "no-user", as QEMU does; the userspace interrupt
// controllers among them exist only without KVM's irqchip.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "hw/core/device.h"
#include "hw/i386/pc.h"
#include "hw/ide/drive_identity.h"
#include "system/error.h"
#include "system/machine_config.h"

namespace kemu {

// QEMU's device categories, in the order -device help prints them.
enum class DeviceCategory : uint8_t {
    Bridge,
    Usb,
    Storage,
    Network,
    Input,
    Display,
    Sound,
    Misc,
    Cpu,
    Watchdog,
    Uncategorized,
};

// How a property's value reads. Each has QEMU's name for the help text ("addr=<int32>").
enum class PropertyType : uint8_t {
    Str,
    Int32,
    Uint16,
    Uint32,
    Uint64,
    PciAddress,  // SLOT[.FN] in hex (hw/pci/pci_address.h)
};

struct DeviceProperty {
    const char* name;
    PropertyType type;
    const char* default_value;  // as -device NAME,help shows it; null: no default
    const char* description;    // null: none
};

// What a -device builder gets from the board.
struct DeviceBuildContext {
    const BoardServices& services;
    // Interrupt input `line` as an ISA device sees it: ISA IRQs 0-15 routed the way the
    // board routes its own devices' (PIC and IOAPIC, or KVM's irqchip), then IOAPIC
    // inputs 16-23. Null: not connected.
    std::function<IrqLine::Sink(unsigned line)> irq_input;
    // Hands the device to the board, which owns it for the machine's life.
    std::function<Device&(std::unique_ptr<Device>)> adopt;
    // The PCI bus, for the PCI models.
    PciBus* pci = nullptr;
    // The VGA's expansion ROM (vgabios-stdvga.bin); empty without firmware.
    const std::vector<uint8_t>* vga_bios = nullptr;
    // The VGA the machine shows and screendumps: the board's default one or -device VGA.
    std::function<void(Vga&)> set_primary_vga;
};

enum class DeviceAvailability : uint8_t {
    UserCreatable,  // -device NAME works
    BuiltIn,        // the board creates it; -device help says "no-user"
    // -device NAME works, and the command line turns it into one of the board's IDE drives
    // (system/ide_devices.h), so the model has no builder.
    IdeDrive,
    // A piece of a model above (its core, a bus of it): `info qtree` shows its state, under
    // the bus given; -device help does not list it.
    Part,
};

struct DeviceModel {
    const char* name;
    const char* bus;  // "System", "PCI", "ISA", "IDE"; null: on no bus
    DeviceCategory category;
    const char* description;  // null: none
    DeviceAvailability availability;
    std::span<const DeviceProperty> properties;
    // Creates the device, maps its regions and wires its interrupts. Set exactly for
    // UserCreatable models.
    Result<void> (*build)(const DeviceSpec& spec, DeviceBuildContext& context);
};

std::span<const DeviceModel> device_models();
const DeviceModel* find_device_model(std::string_view name);

// -device help: every listed model, grouped by category.
std::string device_models_help();
// -device NAME,help: the model's properties, or that it has none.
std::string device_properties_help(const DeviceModel& model);

// Whether -device SPEC names a model this machine can create, with known properties and
// an existing bus= (isa.0; ide.0 or ide.1); the errors are QEMU's.
Result<const DeviceModel*> check_device_spec(const DeviceSpec& spec);
// Whether -global DRIVER.PROPERTY=VALUE can apply to `model`.
Result<void> check_global_property(const DeviceModel& model, const GlobalProperty& global);
// Whether `value` reads as a value of `property`; the errors are QEMU's.
Result<void> check_property_value(const DeviceProperty& property, const std::string& value);

// What an IDE drive reports about itself from its -device ide-hd/ide-cd and -global
// properties (already checked); `default_serial` unless serial= says otherwise.
ide::DriveIdentity ide_drive_identity(const std::map<std::string, std::string>& properties,
                                      std::string default_serial);

// The model of a device the board has (by its type name), or null.
const DeviceModel* model_of(const Device& device);

// check_device_spec, then the model's builder.
Result<void> build_user_device(const DeviceSpec& spec, DeviceBuildContext& context);

}  // namespace kemu
