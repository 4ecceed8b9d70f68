#include "hw/pci/pci_device.h"

#include <algorithm>
#include <bit>

#include "hw/core/device_state.h"
#include "hw/pci/pci_bus.h"

namespace kemu {

namespace {

// The spec's smallest decoders: 4 bytes of I/O, 16 bytes of memory, 2 KiB of ROM.
constexpr uint64_t kMinIoBar = 4;
constexpr uint64_t kMinMemBar = 16;
constexpr uint64_t kMinRomBar = 2048;
constexpr uint32_t kRomAddressMask = 0xfffff800;

uint64_t decoded_size(uint64_t region_size, uint64_t minimum) {
    return std::max(std::bit_ceil(region_size), minimum);
}

}  // namespace

PciDevice::PciDevice(std::string name, const PciIdentity& id) : Device(std::move(name)) {
    init_config_word(pci::kVendorId, id.vendor);
    init_config_word(pci::kDeviceId, id.device);
    init_config_long(pci::kRevisionId, id.class_code << 8 | id.revision);
    init_config_word(pci::kSubsystemVendorId, id.subsystem_vendor);
    init_config_word(pci::kSubsystemId, id.subsystem);
    init_config_byte(pci::kInterruptPin, id.interrupt_pin);
    set_write_mask(
        pci::kCommand, 2,
        pci::kCommandIo | pci::kCommandMemory | pci::kCommandBusMaster | pci::kCommandIntxDisable);
    set_write1_clear_mask(pci::kStatus, 2, pci::kStatusErrorBits);
    set_write_mask(pci::kInterruptLine, 1, 0xff);
}

uint16_t PciDevice::config_word(unsigned offset) const {
    return uint16_t(config_byte(offset) | config_byte(offset + 1) << 8);
}

uint32_t PciDevice::config_long(unsigned offset) const {
    return uint32_t(config_word(offset)) | uint32_t(config_word(offset + 2)) << 16;
}

void PciDevice::init_config_byte(unsigned offset, uint8_t value) {
    config_[offset & 0xff] = value;
    power_on_[offset & 0xff] = value;
}

void PciDevice::init_config_word(unsigned offset, uint16_t value) {
    init_config_byte(offset, uint8_t(value));
    init_config_byte(offset + 1, uint8_t(value >> 8));
}

void PciDevice::init_config_long(unsigned offset, uint32_t value) {
    init_config_word(offset, uint16_t(value));
    init_config_word(offset + 2, uint16_t(value >> 16));
}

void PciDevice::set_config_word(unsigned offset, uint16_t value) {
    set_config_byte(offset, uint8_t(value));
    set_config_byte(offset + 1, uint8_t(value >> 8));
}

void PciDevice::set_config_long(unsigned offset, uint32_t value) {
    set_config_word(offset, uint16_t(value));
    set_config_word(offset + 2, uint16_t(value >> 16));
}

void PciDevice::set_write_mask(unsigned offset, unsigned size, uint32_t mask) {
    for (unsigned i = 0; i < size; i++)
        write_mask_[(offset + i) & 0xff] = uint8_t(mask >> (8 * i));
}

void PciDevice::set_write1_clear_mask(unsigned offset, unsigned size, uint32_t mask) {
    for (unsigned i = 0; i < size; i++)
        write1_clear_mask_[(offset + i) & 0xff] = uint8_t(mask >> (8 * i));
}

void PciDevice::add_bar(unsigned index, MemoryRegion& region, BarKind kind, bool prefetchable) {
    KEMU_ASSERT(index < pci::kBarCount && !(kind == BarKind::Mem64 && index + 1 >= pci::kBarCount));
    KEMU_ASSERT(!bus_ && !bars_[index].region);
    unsigned offset = pci::kBar0 + 4 * index;
    uint64_t size = decoded_size(region.size(), kind == BarKind::Io ? kMinIoBar : kMinMemBar);
    uint32_t type = kind == BarKind::Io ? pci::kBarIoSpace : 0;
    if (kind == BarKind::Mem64) type |= pci::kBarMem64;
    if (prefetchable && kind != BarKind::Io) type |= pci::kBarPrefetchable;
    // The address bits below the size read back as zero: that is how sizing works.
    uint64_t address_bits = ~(size - 1) & ~uint64_t(kind == BarKind::Io ? 0x3 : 0xf);
    init_config_long(offset, type);
    set_write_mask(offset, 4, uint32_t(address_bits));
    if (kind == BarKind::Mem64) set_write_mask(offset + 4, 4, uint32_t(address_bits >> 32));
    Bar& bar = bars_[index];
    bar.region = &region;
    bar.kind = kind;
    bar.prefetchable = prefetchable && kind != BarKind::Io;
    bar.size = size;
}

void PciDevice::set_rom(MemoryRegion& region) {
    KEMU_ASSERT(!bus_ && !bars_[pci::kRomBar].region);
    uint64_t size = decoded_size(region.size(), kMinRomBar);
    init_config_long(pci::kRomAddress, 0);
    set_write_mask(pci::kRomAddress, 4,
                   (uint32_t(~(size - 1)) & kRomAddressMask) | pci::kRomEnable);
    Bar& bar = bars_[pci::kRomBar];
    bar.region = &region;
    bar.kind = BarKind::Mem32;
    bar.size = size;
}

uint8_t PciDevice::add_capability(uint8_t id, uint8_t offset, uint8_t length) {
    KEMU_ASSERT(offset >= pci::kFirstCapabilityOffset && offset % 4 == 0 &&
                offset + length <= pci::kConfigSize && length >= 2);
    init_config_byte(offset, id);
    init_config_byte(offset + 1, config_[pci::kCapabilitiesPointer]);
    init_config_byte(pci::kCapabilitiesPointer, offset);
    init_config_word(pci::kStatus, config_word(pci::kStatus) | pci::kStatusCapabilities);
    return offset;
}

uint64_t PciDevice::bar_address(unsigned index) const {
    const Bar& b = bars_[index];
    return b.mapping ? b.mapping->address() : GuestMapping::kNone;
}

uint32_t PciDevice::config_read(unsigned offset, unsigned size) const {
    uint32_t value = 0;
    for (unsigned i = 0; i < size && offset + i < pci::kConfigSize; i++) {
        uint8_t b = config_[offset + i];
        // STATUS.Interrupt shows the function's own INTx, whatever COMMAND masks.
        if (offset + i == pci::kStatus)
            b = uint8_t((b & ~pci::kStatusInterrupt) | (intx_.level() ? pci::kStatusInterrupt : 0));
        value |= uint32_t(b) << (8 * i);
    }
    return value;
}

void PciDevice::config_write(unsigned offset, uint32_t value, unsigned size) {
    for (unsigned i = 0; i < size && offset + i < pci::kConfigSize; i++) {
        unsigned at = offset + i;
        uint8_t b = uint8_t(value >> (8 * i));
        config_[at] = uint8_t((config_[at] & ~write_mask_[at]) | (b & write_mask_[at]));
        config_[at] &= uint8_t(~(b & write1_clear_mask_[at]));
    }
    config_written(offset, size);
    notify_bus();
}

void PciDevice::reset() {
    config_ = power_on_;
    intx_.lower();
    notify_bus();
}

void PciDevice::notify_bus() {
    if (bus_) bus_->function_changed(*this);
}

void PciDevice::keep_read_only_config(const std::array<uint8_t, pci::kConfigSize>& before) {
    for (unsigned i = 0; i < pci::kConfigSize; i++) {
        uint8_t guest_bits = write_mask_[i] | write1_clear_mask_[i];
        config_[i] = uint8_t((before[i] & ~guest_bits) | (config_[i] & guest_bits));
    }
}

}  // namespace kemu
