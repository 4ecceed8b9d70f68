// The PIIX3 IDE function (82371SB function 1, 8086:7010): two legacy-mode channels at the
// ISA ports and IRQs 14/15, and the bus master registers behind BAR4. The channels and
// drives are the board's; this is the PCI face SeaBIOS and Linux's ata_piix look for.
#pragma once

#include "hw/ide/bmdma.h"
#include "hw/pci/pci_device.h"

namespace kemu::ide {

class PiixIde final : public PciDevice {
  public:
    static constexpr uint16_t kDeviceId = 0x7010;

    PiixIde(std::string name, Bmdma& bmdma);

    const char* type_name() const override { return "piix3-ide"; }
};

}  // namespace kemu::ide
