#include "hw/intc/ioapic.h"

#include <cstdio>

#include "hw/core/device_state.h"
#include "system/log.h"

namespace kemu {

namespace {

constexpr uint64_t kRegSelect = 0x00, kRegWindow = 0x10, kRegEoi = 0x40;
constexpr uint8_t kIndexId = 0x00, kIndexVersion = 0x01, kIndexArbitration = 0x02,
                  kIndexRedirection = 0x10;

constexpr uint64_t kRteDestLogical = 1u << 11;
constexpr uint64_t kRteDeliveryStatus = 1u << 12;
constexpr uint64_t kRteRemoteIrr = 1u << 14;
constexpr uint64_t kRteLevel = 1u << 15;
constexpr uint64_t kRteMasked = 1u << 16;
// Vector, delivery mode, destination mode, polarity, trigger, mask, destination.
constexpr uint64_t kRteWritable = 0xff000000'0001afffull;

}  // namespace

Ioapic::Ioapic(std::string name, ApicBus& bus, uint8_t ioapic_id)
    : Device(std::move(name)),
      bus_(bus),
      mmio_(MemoryRegion::io(this->name(), kMmioSize,
                             IoOps{
                                 .read = [this](uint64_t offset, unsigned) -> uint64_t {
                                     if (offset == kRegSelect) return select_;
                                     if (offset == kRegWindow) return read_register();
                                     return 0;
                                 },
                                 .write =
                                     [this](uint64_t offset, uint64_t value, unsigned) {
                                         if (offset == kRegSelect)
                                             select_ = uint8_t(value);
                                         else if (offset == kRegWindow)
                                             write_register(uint32_t(value));
                                         else if (offset == kRegEoi)
                                             eoi(uint8_t(value));
                                     },
                                 .valid = {4, 4, false},
                                 .impl = {4, 4, false},
                             })),
      reset_id_(ioapic_id) {
    bus_.on_eoi([this](uint8_t vector) { eoi(vector); });
    reset();
}

void Ioapic::reset() {
    id_ = reset_id_;
    select_ = 0;
    redirection_.fill(kRteMasked);
}

uint32_t Ioapic::read_register() const {
    switch (select_) {
        case kIndexId:
        case kIndexArbitration:
            return uint32_t(id_ & 0xf) << 24;
        case kIndexVersion:
            return kVersion | ((kPins - 1) << 16);
        default:
            break;
    }
    unsigned entry = (select_ - kIndexRedirection) / 2;
    if (select_ >= kIndexRedirection && entry < kPins) {
        uint64_t rte = redirection_[entry];
        return (select_ & 1) ? uint32_t(rte >> 32) : uint32_t(rte);
    }
    log_guest_error("%s: read of reserved register 0x%02x", name().c_str(), select_);
    return 0xffffffff;
}

void Ioapic::write_register(uint32_t value) {
    if (select_ == kIndexId) {
        id_ = (value >> 24) & 0xf;
        return;
    }
    unsigned entry = (select_ - kIndexRedirection) / 2;
    if (select_ < kIndexRedirection || entry >= kPins) {
        log_guest_error("%s: write 0x%x to read-only or reserved register 0x%02x", name().c_str(),
                        value, select_);
        return;
    }
    uint64_t rte = redirection_[entry];
    uint64_t written = (select_ & 1) ? (uint64_t(value) << 32) | (rte & 0xffffffff)
                                     : (rte & 0xffffffff00000000ull) | value;
    redirection_[entry] = (written & kRteWritable) | (rte & (kRteRemoteIrr | kRteDeliveryStatus));
    // An edge pin's remote IRR means nothing; a level pin unmasked while asserted fires now.
    if (!(redirection_[entry] & kRteLevel)) redirection_[entry] &= ~kRteRemoteIrr;
    service(entry);
}

void Ioapic::set_irq(unsigned pin, bool level) {
    if (pin >= kPins) return;
    bool was = levels_ & (1u << pin);
    if (level)
        levels_ |= 1u << pin;
    else
        levels_ &= ~(1u << pin);
    uint64_t rte = redirection_[pin];
    if (rte & kRteLevel) {
        service(pin);
    } else if (level && !was && !(rte & kRteMasked)) {
        deliver(pin);  // an edge while masked is lost, as on the 82093AA
    }
}

// Level-triggered pins: send when asserted, unmasked and not already in service.
void Ioapic::service(unsigned pin) {
    uint64_t rte = redirection_[pin];
    if (!(rte & kRteLevel) || (rte & (kRteMasked | kRteRemoteIrr))) return;
    if (!(levels_ & (1u << pin))) return;
    redirection_[pin] |= kRteRemoteIrr;
    deliver(pin);
}

void Ioapic::deliver(unsigned pin) {
    uint64_t rte = redirection_[pin];
    ApicMessage m;
    m.vector = uint8_t(rte);
    m.delivery = ApicDelivery((rte >> 8) & 7);
    m.logical = rte & kRteDestLogical;
    m.level_triggered = rte & kRteLevel;
    m.destination = uint32_t(rte >> 56);
    if (m.delivery == ApicDelivery::StartUp || unsigned(m.delivery) == 3) {
        log_guest_error("%s: pin %u has invalid delivery mode %u", name().c_str(), pin,
                        unsigned(m.delivery));
        return;
    }
    bus_.send(m, nullptr);
}

void Ioapic::eoi(uint8_t vector) {
    for (unsigned pin = 0; pin < kPins; pin++) {
        uint64_t& rte = redirection_[pin];
        if ((rte & kRteRemoteIrr) && uint8_t(rte) == vector) {
            rte &= ~kRteRemoteIrr;
            service(pin);
        }
    }
}

void Ioapic::save(StateWriter& out) const {
    state_fields(*this, out);
}

Result<void> Ioapic::load(StateReader& in, uint32_t version) {
    KEMU_TRY_VOID(check_state_version(*this, version));
    state_fields(*this, in);
    return finish_load(*this, in);
}

std::string Ioapic::describe() const {
    char line[64];
    std::snprintf(line, sizeof line, "id = %u, version = 0x%x, pins = %u", id_, kVersion, kPins);
    return line;
}

IoapicInfo Ioapic::info() const {
    static const char* const kModes[] = {"fixed", "lowest", "smi",   "rsvd3",
                                         "nmi",   "init",   "rsvd6", "extint"};
    IoapicInfo out{.version = kVersion, .id = id_, .select = select_, .irr = levels_, .pins = {}};
    for (uint64_t rte : redirection_) {
        out.pins.push_back(IoapicPinInfo{
            .entry = rte,
            .destination = uint8_t(rte >> 56),
            .vector = uint8_t(rte),
            .delivery_mode = kModes[(rte >> 8) & 7],
            .logical = (rte & kRteDestLogical) != 0,
            .level = (rte & kRteLevel) != 0,
            .masked = (rte & kRteMasked) != 0,
            .remote_irr = (rte & kRteRemoteIrr) != 0,
        });
    }
    return out;
}

}  // namespace kemu
