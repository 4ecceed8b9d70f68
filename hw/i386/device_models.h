// Every device model kemu's PC has, in one table: what -device help lists, what
// -device NAME,help and -global check properties against, and how -device builds
// one. Models the board creates itself are listed as "no-user", as QEMU does; the
// userspace interrupt controllers among them exist only without KVM's irqchip.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "hw/core/device.h"
#include "hw/i386/pc.h"
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

struct DeviceProperty {
    const char* name;
    const char* type;           // "uint32", "str": QEMU's names for the -device help text
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
};

enum class DeviceAvailability : uint8_t {
    UserCreatable,  // -device NAME works
    BuiltIn,        // the board creates it; -device help says "no-user"
    NoBus,          // needs a bus this machine lacks (PCI): not listed, -device NAME fails
    // -device NAME works, and the command line turns it into one of the board's IDE drives
    // (system/ide_devices.h), so the model has no builder.
    IdeDrive,
};

struct DeviceModel {
    const char* name;
    const char* bus;  // null: on no bus
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
// Whether -global DRIVER.PROPERTY can apply to `model`.
Result<void> check_global_property(const DeviceModel& model, const GlobalProperty& global);

// check_device_spec, then the model's builder.
Result<void> build_user_device(const DeviceSpec& spec, DeviceBuildContext& context);

}  // namespace kemu
