#include "hw/ide/piix_ide.h"

namespace kemu::ide {

namespace {

// Mass storage, IDE, programming interface 0x80: both channels fixed in legacy (compatibility)
// mode, bus mastering capable.
constexpr uint32_t kClassIdeLegacyBusMaster = 0x010180;
// IDE timing registers: primary and secondary IDETIM (bit 15 enables the channel's decode),
// slave timing. Firmware writes them; the model decodes the legacy ports whatever they say.
constexpr unsigned kIdeTiming = 0x40;
constexpr unsigned kSlaveTiming = 0x44;

}  // namespace

PiixIde::PiixIde(std::string name, Bmdma& bmdma)
    : PciDevice(std::move(name), {.vendor = 0x8086,
                                  .device = kDeviceId,
                                  .revision = 0,
                                  .class_code = kClassIdeLegacyBusMaster}) {
    set_write_mask(kIdeTiming, 4, 0xffffffff);
    set_write_mask(kSlaveTiming, 1, 0xff);
    add_bar(4, bmdma.io(), BarKind::Io);
}

}  // namespace kemu::ide
