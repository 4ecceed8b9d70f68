// The power-management function of the Intel 82371AB (PIIX4), 01.3 on the PC
// (82371AB datasheet, section 7 "Power Management" configuration registers): its
// identity, PMBA and PMREGMISC, which place the ACPI PM register block (AcpiPm, owned
// by the board) in I/O space where the guest says, and the SMBus host controller at
// SMBBA. The SCI is AcpiPm::sci(), hard-wired to ISA IRQ 9; INTA# is only reported.
#pragma once

#include <cstdint>
#include <string>

#include "hw/acpi/piix4_pm.h"
#include "hw/pci/guest_mapping.h"
#include "hw/pci/pci_device.h"
#include "hw/pci/piix4_smbus.h"
#include "system/address_space.h"

namespace kemu {

class Piix4PmFunction final : public PciDevice {
  public:
    static constexpr uint8_t kPmBase = 0x40;           // PMBA: I/O base, bit 0 reads 1
    static constexpr uint8_t kDeviceActivityB = 0x58;  // DEVACTB
    static constexpr uint8_t kPmRegMisc = 0x80;        // PMREGMISC: bit 0 PMIOSE
    static constexpr uint8_t kSmbusBase = 0x90;        // SMBBA: I/O base, bit 0 reads 1
    static constexpr uint8_t kSmbusHostConfig = 0xd2;  // SMBHSTCFG: bit 0 enables SMBus
    static constexpr uint32_t kApmcEnable = 1u << 25;  // DEVACTB.APMC_EN

    // Maps pm.pm_region() and the SMBus window into `io` as the guest programs them.
    Piix4PmFunction(std::string name, AddressSpace& io, AcpiPm& pm);

    const char* type_name() const override { return "PIIX4_PM"; }
    void reset() override;
    void save(StateWriter& out) const override { state_fields(*this, out); }
    Result<void> load(StateReader& in, uint32_t version) override;
    std::string describe() const override;
    template <typename Self, typename Io>
    static void state_fields(Self& self, Io& io) {
        PciDevice::state_fields(self, io);
        io(self.smbus_);
    }

    // What firmware does at boot: PMBA = `base` with PMIOSE set. For boots without firmware.
    void program_pm_base(uint16_t base);
    // Where the PM block / SMBus window is mapped now, or GuestMapping::kNone.
    uint64_t pm_base() const { return pm_mapping_.address(); }
    uint64_t smbus_base() const { return smbus_mapping_.address(); }

  protected:
    void config_written(unsigned offset, unsigned size) override;

  private:
    void update_mappings();

    Piix4Smbus smbus_;
    GuestMapping pm_mapping_;
    GuestMapping smbus_mapping_;
};

}  // namespace kemu
