// The ACPI tables of kemu's PC (RSDP, XSDT, RSDT, FADT, FACS, MADT, DSDT) as one
// blob the machine copies to pc::kAcpiTables, where guests find the RSDP by
// scanning 0xe0000-0xfffff. Table layouts follow ACPI 6.4 chapter 5; the FADT is
// revision 5 (ACPI 5.0) and describes the PIIX4-style PM block in hw/acpi/piix4_pm.h.
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

// The DSDT's AML body (without the table header); separate so tests can read it.
aml::Bytes build_dsdt_aml(const AcpiConfig& config);

}  // namespace kemu
