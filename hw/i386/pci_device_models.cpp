#include "hw/i386/pci_device_models.h"

#include "hw/display/vga.h"
#include "hw/display/vga_pci.h"
#include "hw/pci/pci_address.h"
#include "hw/pci/pci_bus.h"

namespace kemu {

namespace {

std::string prop_or(const DeviceSpec& spec, const char* key, std::string fallback) {
    auto it = spec.props.find(key);
    return it == spec.props.end() ? fallback : it->second;
}

// Plugs `function` where pick_pci_devfn() said, under -device's id=.
Result<void> plug(const DeviceSpec& spec, DeviceBuildContext& context, PciDevice& function,
                  unsigned devfn) {
    function.set_id(prop_or(spec, "id", ""));
    return context.pci->plug(function, devfn);
}

}  // namespace

Result<unsigned> pick_pci_devfn(const DeviceSpec& spec, const PciBus& bus) {
    auto addr = spec.props.find("addr");
    if (addr == spec.props.end()) {
        auto slot = bus.first_free_slot();
        if (!slot)
            return Error("PCI: no slot/function available for " + spec.driver +
                         ", all in use or reserved");
        return pci::devfn(*slot, 0);
    }
    auto devfn = pci::parse_address(addr->second);
    if (!devfn)  // check_device_spec lets only good addresses through
        return Error("Property '" + spec.driver + ".addr' doesn't take value '" + addr->second +
                     "'");
    if (const PciDevice* taken = bus.occupant(*devfn)) {
        // QEMU prints a missing id as glibc prints a null string.
        std::string id = taken->id().empty() ? "(null)" : taken->id();
        return Error("PCI: slot " + std::to_string(pci::slot_of(*devfn)) + " function " +
                     std::to_string(pci::function_of(*devfn)) + " not available for " +
                     spec.driver + ", in use by " + taken->type_name() + ",id=" + id);
    }
    return *devfn;
}

Result<void> build_vga(const DeviceSpec& spec, DeviceBuildContext& context) {
    KEMU_TRY(devfn, pick_pci_devfn(spec, *context.pci));
    const BoardServices& services = context.services;
    KEMU_TRY(created, Vga::create("vga", services.timers.clock()));
    auto& vga = static_cast<Vga&>(context.adopt(std::move(created)));
    KEMU_TRY_VOID(services.io.map(Vga::kPortBase, &vga.io()));
    KEMU_TRY_VOID(services.io.map(Vga::kVbePortBase, &vga.vbe_io()));
    KEMU_TRY_VOID(services.memory.map(Vga::kWindowBase, &vga.window(), 1));
    std::vector<uint8_t> rom = context.vga_bios ? *context.vga_bios : std::vector<uint8_t>();
    auto& function = static_cast<VgaPci&>(
        context.adopt(std::make_unique<VgaPci>("vga-pci", vga, std::move(rom))));
    KEMU_TRY_VOID(plug(spec, context, function, devfn));
    if (context.set_primary_vga) context.set_primary_vga(vga);
    return ok();
}

Result<void> build_secondary_vga(const DeviceSpec& spec, DeviceBuildContext& context) {
    KEMU_TRY(devfn, pick_pci_devfn(spec, *context.pci));
    // Device names key snapshot sections: the address keeps them unique.
    std::string name = "secondary-vga@" + pci::format_address(devfn);
    KEMU_TRY(created, Vga::create(name, context.services.timers.clock()));
    auto& vga = static_cast<Vga&>(context.adopt(std::move(created)));
    auto& function = static_cast<VgaPci&>(context.adopt(
        std::make_unique<VgaPci>(name + "-pci", vga, std::vector<uint8_t>(), VgaPci::Secondary)));
    return plug(spec, context, function, devfn);
}

}  // namespace kemu
