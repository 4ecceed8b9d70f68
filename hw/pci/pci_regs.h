// Offsets and bits of the type 0 PCI configuration header (PCI Local Bus
// Specification 3.0, chapter 6), shared by every function model.
#pragma once

#include <cstdint>

namespace kemu::pci {

inline constexpr unsigned kConfigSize = 256;

inline constexpr uint8_t kVendorId = 0x00;
inline constexpr uint8_t kDeviceId = 0x02;
inline constexpr uint8_t kCommand = 0x04;
inline constexpr uint8_t kStatus = 0x06;
inline constexpr uint8_t kRevisionId = 0x08;
inline constexpr uint8_t kClassProgIf = 0x09;  // then sub-class at 0x0a, base class at 0x0b
inline constexpr uint8_t kHeaderType = 0x0e;
inline constexpr uint8_t kBar0 = 0x10;
inline constexpr uint8_t kSubsystemVendorId = 0x2c;
inline constexpr uint8_t kSubsystemId = 0x2e;
inline constexpr uint8_t kRomAddress = 0x30;
inline constexpr uint8_t kCapabilitiesPointer = 0x34;
inline constexpr uint8_t kInterruptLine = 0x3c;
inline constexpr uint8_t kInterruptPin = 0x3d;
// Capabilities live after the predefined header.
inline constexpr uint8_t kFirstCapabilityOffset = 0x40;

inline constexpr uint16_t kCommandIo = 1 << 0;
inline constexpr uint16_t kCommandMemory = 1 << 1;
inline constexpr uint16_t kCommandBusMaster = 1 << 2;
inline constexpr uint16_t kCommandIntxDisable = 1 << 10;

inline constexpr uint16_t kStatusInterrupt = 1 << 3;
inline constexpr uint16_t kStatusCapabilities = 1 << 4;
inline constexpr uint16_t kStatusFastBackToBack = 1 << 7;
inline constexpr uint16_t kStatusDevselMedium = 1 << 9;
// Error bits (parity, target/master abort, SERR): write 1 to clear.
inline constexpr uint16_t kStatusErrorBits = 0xf900;

inline constexpr uint8_t kHeaderMultiFunction = 0x80;

inline constexpr uint32_t kBarIoSpace = 1 << 0;
inline constexpr uint32_t kBarMem64 = 2 << 1;
inline constexpr uint32_t kBarPrefetchable = 1 << 3;
inline constexpr uint32_t kRomEnable = 1 << 0;

inline constexpr unsigned kBarCount = 6;
inline constexpr unsigned kRomBar = 6;  // index of the expansion-ROM BAR in BAR tables
inline constexpr unsigned kSlots = 32;
inline constexpr unsigned kFunctions = 8;
inline constexpr unsigned kIntxPins = 4;  // INTA#..INTD#, pin register values 1..4

constexpr unsigned devfn(unsigned slot, unsigned function) {
    return slot << 3 | function;
}
constexpr unsigned slot_of(unsigned devfn) {
    return devfn >> 3;
}
constexpr unsigned function_of(unsigned devfn) {
    return devfn & 7;
}

}  // namespace kemu::pci
