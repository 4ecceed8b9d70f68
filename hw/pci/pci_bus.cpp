#include "hw/pci/pci_bus.h"

#include "hw/core/device_state.h"
#include "hw/core/io_ops.h"
#include "system/hex.h"

namespace kemu {

namespace {

constexpr uint32_t kConfigEnable = 1u << 31;
// Bits 30:24 and 1:0 of CONFIG_ADDRESS are reserved and read as zero on the PIIX hosts.
constexpr uint32_t kConfigAddressBits = 0x80fffffc;
// Memory BARs never decode the last byte below 4 GiB: that is where the BIOS flash
// sits, and it is what a 32-bit BAR (or a 64-bit BAR's low half) holds while sized.
constexpr uint64_t kSizingTop = 0xffffffff;

uint32_t all_ones(unsigned size) {
    return size >= 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
}

// CONFIG_ADDRESS and CONFIG_DATA take any access up to a dword, at any byte offset.
constexpr AccessSizes kConfigPortAccess{1, 4, true};

}  // namespace

PciBus::PciBus(std::string name, AddressSpace& memory, AddressSpace& io)
    : Device(std::move(name)),
      memory_(memory),
      io_(io),
      address_io_(MemoryRegion::io(
          "pci-conf-idx", 4,
          whole_access_ops([this](uint64_t o, unsigned s) { return address_read(o, s); },
                           [this](uint64_t o, uint64_t v, unsigned s) { address_write(o, v, s); },
                           kConfigPortAccess))),
      data_io_(MemoryRegion::io(
          "pci-conf-data", 4,
          whole_access_ops([this](uint64_t o, unsigned s) { return data_read(o, s); },
                           [this](uint64_t o, uint64_t v, unsigned s) { data_write(o, v, s); },
                           kConfigPortAccess))) {}

void PciBus::reset() {
    config_address_ = 0;
}

void PciBus::save(StateWriter& out) const {
    state_fields(*this, out);
}

Result<void> PciBus::load(StateReader& in, uint32_t version) {
    KEMU_TRY_VOID(check_state_version(*this, version));
    state_fields(*this, in);
    config_address_ &= kConfigAddressBits;
    return finish_load(*this, in);
}

std::string PciBus::describe() const {
    unsigned count = 0;
    for (PciDevice* f : functions_)
        count += f != nullptr;
    return "config-address=0x" + hex(config_address_) + "\nfunctions=" + std::to_string(count);
}

Result<void> PciBus::plug(PciDevice& function, unsigned devfn) {
    if (devfn >= functions_.size())
        return Error(name() + ": no devfn 0x" + hex(devfn) + " for '" + function.name() + "'");
    if (functions_[devfn])
        return Error(name() + ": devfn 0x" + hex(devfn) + " of '" + function.name() +
                     "' is taken by '" + functions_[devfn]->name() + "'");
    if (function.bus_) return Error(name() + ": '" + function.name() + "' is already plugged");
    function.attach(*this, devfn);
    functions_[devfn] = &function;
    for (auto& bar : function.bars_)
        if (bar.region) bar.mapping.emplace(space_for(bar.kind), *bar.region);
    function.intx_.connect([this, &function](bool) { update_intx(function); });

    // The multi-function bit tells enumeration to look at functions 1-7 of the slot.
    unsigned first = pci::devfn(pci::slot_of(devfn), 0);
    if (PciDevice* f0 = functions_[first]) {
        bool shared = false;
        for (unsigned fn = 1; fn < pci::kFunctions; fn++)
            shared |= functions_[first + fn] != nullptr;
        if (shared)
            f0->init_config_byte(pci::kHeaderType, f0->header_type() | pci::kHeaderMultiFunction);
    }
    function_changed(function);
    return ok();
}

PciDevice* PciBus::function(unsigned devfn) const {
    if (devfn >= functions_.size()) return nullptr;
    // Enumeration stops at a slot whose function 0 is absent, so the others are unreachable.
    if (!functions_[pci::devfn(pci::slot_of(devfn), 0)]) return nullptr;
    return functions_[devfn];
}

std::optional<unsigned> PciBus::first_free_slot() const {
    for (unsigned slot = 0; slot < pci::kSlots; slot++)
        if (!functions_[pci::devfn(slot, 0)]) return slot;
    return std::nullopt;
}

uint32_t PciBus::config_read(unsigned devfn, unsigned offset, unsigned size) const {
    PciDevice* f = function(devfn);
    if (!f || offset >= pci::kConfigSize) return all_ones(size);
    return f->config_read(offset, size);
}

void PciBus::config_write(unsigned devfn, unsigned offset, uint32_t value, unsigned size) {
    PciDevice* f = function(devfn);
    if (f && offset < pci::kConfigSize) f->config_write(offset, value, size);
}

bool PciBus::intx_level(unsigned slot, unsigned pin) const {
    if (slot >= pci::kSlots || pin < 1 || pin > pci::kIntxPins) return false;
    return pin_sources_[slot][pin - 1] != 0;
}

void PciBus::function_changed(PciDevice& function) {
    update_bars(function);
    for (PciDevice* other : functions_)
        if (other && other != &function) update_bars(*other);
    update_intx(function);
}

void PciBus::update_bars(PciDevice& function) {
    for (unsigned i = 0; i <= pci::kBarCount; i++) {
        auto& bar = function.bars_[i];
        if (bar.mapping) bar.mapping->place(decode_bar(function, i));
    }
}

uint64_t PciBus::decode_bar(const PciDevice& function, unsigned index) const {
    const PciDevice::Bar& bar = function.bars_[index];
    bool is_io = bar.kind == BarKind::Io;
    if (!(function.command() & (is_io ? pci::kCommandIo : pci::kCommandMemory)))
        return GuestMapping::kNone;
    uint64_t value;
    if (index == pci::kRomBar) {
        value = function.config_long(pci::kRomAddress);
        if (!(value & pci::kRomEnable)) return GuestMapping::kNone;
    } else {
        unsigned offset = pci::kBar0 + 4 * index;
        value = function.config_long(offset);
        if (bar.kind == BarKind::Mem64) value |= uint64_t(function.config_long(offset + 4)) << 32;
    }
    uint64_t address = value & ~(bar.size - 1);
    uint64_t last = address + bar.size - 1;
    // Zero means "not assigned"; the rest are sizing leftovers or beyond the bus.
    if (address == 0 || last < address || last >= space_for(bar.kind).size())
        return GuestMapping::kNone;
    if (!is_io && last == kSizingTop) return GuestMapping::kNone;
    return address;
}

void PciBus::update_intx(PciDevice& function) {
    unsigned devfn = function.devfn();
    unsigned pin = function.interrupt_pin();
    if (pin < 1 || pin > pci::kIntxPins) return;
    bool level = function.intx().level() && !(function.command() & pci::kCommandIntxDisable);
    if (intx_asserted_[devfn] == level) return;
    intx_asserted_[devfn] = level;
    uint8_t& sources = pin_sources_[pci::slot_of(devfn)][pin - 1];
    bool was = sources != 0;
    uint8_t bit = uint8_t(1u << pci::function_of(devfn));
    sources = level ? (sources | bit) : (sources & ~bit);
    if (was != (sources != 0) && router_) router_(pci::slot_of(devfn), pin, sources != 0);
}

uint64_t PciBus::address_read(uint64_t offset, unsigned size) {
    if (offset == 0 && size == 4) return config_address_;
    if (offset == 1 && size == 1 && port_cf9_ && port_cf9_->ops().read)
        return port_cf9_->ops().read(0, 1);
    return all_ones(size);
}

// Only a dword at 0xcf8 is CONFIG_ADDRESS; narrower accesses are ordinary I/O cycles
// that nothing claims (Linux's mechanism #2 probe relies on them not latching).
void PciBus::address_write(uint64_t offset, uint64_t value, unsigned size) {
    if (offset == 0 && size == 4) {
        config_address_ = uint32_t(value) & kConfigAddressBits;
    } else if (offset == 1 && size == 1 && port_cf9_ && port_cf9_->ops().write) {
        port_cf9_->ops().write(0, value & 0xff, 1);
    }
}

bool PciBus::decode_address(uint64_t offset, unsigned* devfn, unsigned* reg) const {
    if (!(config_address_ & kConfigEnable)) return false;
    if (((config_address_ >> 16) & 0xff) != 0) return false;  // no bridges: only bus 0
    *devfn = (config_address_ >> 8) & 0xff;
    *reg = (config_address_ & 0xfc) + unsigned(offset);
    return true;
}

uint64_t PciBus::data_read(uint64_t offset, unsigned size) const {
    unsigned devfn, reg;
    if (!decode_address(offset, &devfn, &reg)) return all_ones(size);
    return config_read(devfn, reg, size);
}

void PciBus::data_write(uint64_t offset, uint64_t value, unsigned size) {
    unsigned devfn, reg;
    if (decode_address(offset, &devfn, &reg)) config_write(devfn, reg, uint32_t(value), size);
}

}  // namespace kemu
