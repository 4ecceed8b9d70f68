// The Intel 82441FX PCI and Memory Controller (PMC) as function 00.0 of the i440FX
// host bridge (Intel 440FX PCIset datasheet, 82441FX configuration registers):
// identity, the PAM registers that route 0xC0000-0xFFFFF between DRAM and PCI,
// and SMRAM, which is stored but has no effect because kemu has no SMM.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>

#include "hw/pci/pci_device.h"

namespace kemu {

class I440fx final : public PciDevice {
  public:
    static constexpr uint8_t kPam0 = 0x59;  // PAM0..PAM6 at 0x59..0x5f
    static constexpr unsigned kPamRegisters = 7;
    static constexpr uint8_t kSmram = 0x72;
    using PamRegisters = std::array<uint8_t, kPamRegisters>;

    explicit I440fx(std::string name);

    const char* type_name() const override { return "i440FX"; }
    void reset() override;
    // The configuration space only (PciDevice::state_fields): SMRAM's lock follows from it.
    Result<void> load(StateReader& in, uint32_t version) override;
    std::string describe() const override;

    PamRegisters pam() const;
    // Called with all seven PAM registers whenever one changes, and after reset and
    // load; the board passes them to its Pam.
    std::function<void(const PamRegisters&)> on_pam_change;

  protected:
    void config_written(unsigned offset, unsigned size) override;

  private:
    void apply_smram_write();
    void report_pam(bool force);

    uint8_t smram_ = 0;            // the SMRAM value before the current write (for D_LCK)
    PamRegisters reported_pam_{};  // what on_pam_change was last told
};

}  // namespace kemu
