// The ACPI tables of kemu's PC (RSDP, XSDT, RSDT, FADT, FACS, MADT, DSDT), built once
// and handed out in two forms: for direct boot, one blob the machine copies to
// pc::kAcpiTables, where guests find the RSDP by scanning 0xe0000-0xfffff; for
// firmware, the fw_cfg files SeaBIOS places itself ("etc/acpi/rsdp", "etc/acpi/tables")
// and the "etc/table-loader" script that links them. Both give the guest the same
// tables. Table layouts follow ACPI 6.4 chapter 5; the FADT is revision 5 (ACPI 5.0)
// and describes the PIIX4-style PM block in hw/acpi/piix4_pm.h.
#pragma once

#include <cstdint>
#include <vector>

#include "hw/acpi/aml.h"
#include "hw/i386/pc_layout.h"
#include "system/error.h"

namespace kemu {

struct AcpiSerialPort {
    uint16_t iobase;
    uint8_t irq;
};

struct AcpiConfig {
    unsigned cpu_count = 1;
    std::vector<AcpiSerialPort> serial_ports;  // COM1, COM2, ... in order
    // APIC ID of each CPU, from the -smp topology (IDs need not be contiguous);
    // empty means 0 .. cpu_count-1.
    std::vector<uint32_t> apic_ids;
    // Where the PCI memory window starts (the top of RAM below 4 GiB); it ends below the
    // IOAPIC. Zero: the machine has no PCI host bridge.
    uint64_t pci_window_start = 0;
};

struct AcpiTables {
    std::vector<uint8_t> blob;  // copied to guest-physical `base`
    uint64_t base = pc::kAcpiTables;
    uint64_t rsdp_offset = 0;  // 16-byte aligned within the blob
};

// The IOAPIC takes the ID after the highest processor APIC ID, and all must fit the
// 8-bit xAPIC IDs of MADT entries below the broadcast ID 0xff.
inline constexpr unsigned kAcpiMaxCpus = 254;
inline constexpr uint32_t kAcpiMaxApicId = 0xfd;
inline constexpr unsigned kAcpiMaxSerialPorts = 4;

Result<AcpiTables> build_acpi_tables(const AcpiConfig& config);

inline constexpr const char* kAcpiRsdpFile = "etc/acpi/rsdp";
inline constexpr const char* kAcpiTablesFile = "etc/acpi/tables";

// The fw_cfg files of the firmware path. The loader script allocates the tables file in
// the firmware's high zone and the RSDP in the F segment (where OSes scan for it), adds
// the tables file's address to every pointer (RSDP -> RSDT/XSDT, RSDT/XSDT -> tables,
// FADT -> FACS/DSDT) and then sets every checksum.
struct AcpiFirmwareFiles {
    std::vector<uint8_t> rsdp;    // "etc/acpi/rsdp"
    std::vector<uint8_t> tables;  // "etc/acpi/tables"
    std::vector<uint8_t> loader;  // "etc/table-loader" (BiosLinkerLoader::kFileName)
};

Result<AcpiFirmwareFiles> build_acpi_firmware_files(const AcpiConfig& config);

// The DSDT's AML body (without the table header); separate so tests can read it.
aml::Bytes build_dsdt_aml(const AcpiConfig& config);

}  // namespace kemu
