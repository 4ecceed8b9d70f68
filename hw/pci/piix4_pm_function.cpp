#include "hw/pci/piix4_pm_function.h"

#include "system/hex.h"

namespace kemu {

namespace {

constexpr PciIdentity kIdentity{.vendor = 0x8086,
                                .device = 0x7113,
                                .revision = 0x03,
                                .class_code = 0x068000,
                                .interrupt_pin = 1};
constexpr uint32_t kPmBaseMask = 0xffc0;     // 64-byte block, 16-bit I/O space
constexpr uint32_t kSmbusBaseMask = 0xfff0;  // 16-byte window
constexpr uint8_t kPmIoEnable = 1 << 0;
constexpr uint8_t kSmbusEnable = 1 << 0;
constexpr uint8_t kSmbusHostConfigWritable = 0x0f;  // interrupt select and enable

}  // namespace

Piix4PmFunction::Piix4PmFunction(std::string name, AddressSpace& io, AcpiPm& pm)
    : PciDevice(std::move(name), kIdentity),
      pm_mapping_(io, pm.pm_region()),
      smbus_mapping_(io, smbus_.io()) {
    init_config_word(pci::kStatus, pci::kStatusFastBackToBack | pci::kStatusDevselMedium);
    init_config_long(kPmBase, pci::kBarIoSpace);
    set_write_mask(kPmBase, 4, kPmBaseMask);
    set_write_mask(kPmRegMisc, 1, kPmIoEnable);
    init_config_long(kSmbusBase, pci::kBarIoSpace);
    set_write_mask(kSmbusBase, 4, kSmbusBaseMask);
    set_write_mask(kSmbusHostConfig, 1, kSmbusHostConfigWritable);
    // There is no SMM: APMC_EN set at power-on tells firmware (SeaBIOS) that SMM setup is
    // already done, so it never waits for an SMI handler to answer on the APM port.
    init_config_long(kDeviceActivityB, kApmcEnable);
    set_write_mask(kDeviceActivityB, 4, 0xffffffff);
    update_mappings();
}

void Piix4PmFunction::reset() {
    PciDevice::reset();
    smbus_.reset();
    update_mappings();
}

void Piix4PmFunction::program_pm_base(uint16_t base) {
    set_config_long(kPmBase, (base & kPmBaseMask) | pci::kBarIoSpace);
    set_config_byte(kPmRegMisc, config_byte(kPmRegMisc) | kPmIoEnable);
    update_mappings();
}

void Piix4PmFunction::config_written(unsigned, unsigned) {
    update_mappings();
}

// PMIOSE alone enables the PM block; the SMBus window also needs PCICMD.IOSE.
void Piix4PmFunction::update_mappings() {
    uint64_t pm_base = config_long(kPmBase) & kPmBaseMask;
    bool pm_on = (config_byte(kPmRegMisc) & kPmIoEnable) && pm_base != 0;
    pm_mapping_.place(pm_on ? pm_base : GuestMapping::kNone);

    uint64_t smbus_base = config_long(kSmbusBase) & kSmbusBaseMask;
    bool smbus_on = (config_byte(kSmbusHostConfig) & kSmbusEnable) &&
                    (command() & pci::kCommandIo) && smbus_base != 0;
    smbus_mapping_.place(smbus_on ? smbus_base : GuestMapping::kNone);
}

Result<void> Piix4PmFunction::load(StateReader& in, uint32_t version) {
    KEMU_TRY_VOID(load_fields(*this, in, version));
    smbus_.clamp_loaded_state();
    update_mappings();
    return ok();
}

std::string Piix4PmFunction::describe() const {
    auto where = [](uint64_t base) {
        return base == GuestMapping::kNone ? std::string("off") : "0x" + hex(base);
    };
    return "pm-base=" + where(pm_base()) + " smbus-base=" + where(smbus_base());
}

}  // namespace kemu
