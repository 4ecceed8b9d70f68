// Every fixed address, port and interrupt number of kemu's PC, each with why it
// is there. Devices take their base and IRQ from the machine, which reads them here.
#pragma once

#include <cstdint>

namespace kemu::pc {

// --- Guest-physical memory ---
inline constexpr uint64_t kLowRamEnd = 0xa0000;    // 640 KiB conventional memory
inline constexpr uint64_t kVgaWindow = 0xa0000;    // legacy VGA, 128 KiB
inline constexpr uint64_t kBiosShadow = 0xe0000;   // option ROMs / BIOS, up to 1 MiB
inline constexpr uint64_t kHighMemory = 0x100000;  // 1 MiB: kernels load here
// RAM above this goes above 4 GiB, leaving room for the PCI MMIO window (as QEMU's pc
// does for -m above 3.5 GiB when the machine has no PCI yet: 0xe0000000 + 256 MiB of MMCFG).
inline constexpr uint64_t kBelow4gRamMax = 0xe0000000;
inline constexpr uint64_t kAbove4gRamStart = 0x100000000ull;
inline constexpr uint64_t kIoapicBase = 0xfec00000;
inline constexpr uint64_t kHpetBase = 0xfed00000;
inline constexpr uint64_t kLapicBase = 0xfee00000;
inline constexpr uint64_t kBiosRomTop = 0x100000000ull;  // reset vector just below 4 GiB

// --- Direct boot (Linux boot protocol, Multiboot); below the EBDA at 0x9fc00 ---
inline constexpr uint64_t kBootGdt = 0x500;        // GDT used for the entry state
inline constexpr uint64_t kBootIdt = 0x520;        // empty IDT
inline constexpr uint64_t kBootPml4 = 0x9000;      // identity page tables for 64-bit entry
inline constexpr uint64_t kBootParams = 0x7000;    // struct boot_params ("zero page")
inline constexpr uint64_t kBootCmdline = 0x20000;  // kernel command line, up to 64 KiB
inline constexpr uint64_t kBootStack = 0x8ff0;
inline constexpr uint64_t kMultibootInfo = 0x6000;  // multiboot_info + mmap + module list
inline constexpr uint64_t kAcpiTables = 0xe0000;    // RSDP is found in 0xe0000-0xfffff
inline constexpr uint64_t kAcpiTablesSize = 0x10000;

// --- I/O ports (the classic ISA map) ---
inline constexpr uint16_t kPortPic1 = 0x20;       // i8259 master (in KVM's irqchip)
inline constexpr uint16_t kPortPit = 0x40;        // i8254 (in KVM's PIT)
inline constexpr uint16_t kPortI8042Data = 0x60;  // keyboard controller data
inline constexpr uint16_t kPortSpeaker = 0x61;    // NMI status / PIT gate 2
inline constexpr uint16_t kPortI8042Cmd = 0x64;   // keyboard controller command/status
inline constexpr uint16_t kPortRtc = 0x70;        // CMOS index/data at 0x70/0x71
inline constexpr uint16_t kPortPost = 0x80;       // POST code; Linux's io delay port
inline constexpr uint16_t kPortPic2 = 0xa0;
inline constexpr uint16_t kPortDebugExit = 0xf4;  // isa-debug-exit default
inline constexpr uint16_t kPortDebugcon = 0xe9;   // isa-debugcon default (Bochs port)
inline constexpr uint16_t kPortCom[4] = {0x3f8, 0x2f8, 0x3e8, 0x2e8};
inline constexpr uint16_t kPortAcpiPm = 0x600;  // PIIX4 PM block as on QEMU's pc
inline constexpr uint16_t kPortAcpiPmSize = 0x40;
inline constexpr uint16_t kPortAcpiGpe0 = 0xafe0;         // GPE0 block as on QEMU's pc
inline constexpr uint16_t kPortResetControl = 0xcf9;      // PIIX3 reset control register
inline constexpr uint16_t kPortPciConfigAddress = 0xcf8;  // configuration mechanism #1
inline constexpr uint16_t kPortPciConfigData = 0xcfc;
inline constexpr uint16_t kPortFwCfg = 0x510;     // fw_cfg selector (16-bit) and data (0x511)
inline constexpr uint16_t kPortFwCfgDma = 0x514;  // fw_cfg DMA address, big-endian, 8 bytes
inline constexpr uint16_t kPortElcr = 0x4d0;      // PIIX edge/level control, one byte per PIC

// --- ISA interrupts (GSI = IRQ on the IOAPIC, except IRQ0 -> GSI2 by MADT override) ---
inline constexpr unsigned kIrqPit = 0;
inline constexpr unsigned kIrqKeyboard = 1;
inline constexpr unsigned kIrqCom[4] = {4, 3, 4, 3};
inline constexpr unsigned kIrqRtc = 8;
inline constexpr unsigned kIrqSci = 9;  // ACPI SCI, level, active high
inline constexpr unsigned kIrqMouse = 12;
inline constexpr unsigned kIoapicPins = 24;
inline constexpr unsigned kIsaIrqs = 16;
// Where ISA IRQ `irq` enters the IOAPIC: identity, except the PIT's IRQ0 on pin 2 (as the
// MADT's interrupt source override tells the OS).
constexpr unsigned isa_irq_to_gsi(unsigned irq) {
    return irq == kIrqPit ? 2 : irq;
}
// The PIIX3 also drives IOAPIC inputs 16-19 with PIRQA-D (pc_pci.cpp), and the DSDT's _PRT
// routes PCI INTx there in APIC mode (acpi_build.cpp).
inline constexpr unsigned kPirqGsiBase = 16;

}  // namespace kemu::pc
