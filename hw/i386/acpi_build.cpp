#include "hw/i386/acpi_build.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>

#include "hw/acpi/acpi_table.h"
#include "hw/acpi/bios_linker_loader.h"
#include "hw/pci/piix3.h"

namespace kemu {
namespace {

constexpr uint8_t kFadtRevision = 5;
constexpr uint8_t kMadtRevision = 3;
constexpr uint8_t kDsdtRevision = 2;  // 2 and up: AML integers are 64-bit
constexpr uint8_t kRsdtRevision = 1;
constexpr uint8_t kXsdtRevision = 1;
constexpr uint8_t kRsdpRevision = 2;
constexpr uint8_t kFacsVersion = 2;
constexpr uint32_t kFacsLength = 64;
constexpr uint32_t kRsdpLength = 36;
constexpr uint32_t kRsdpV1ChecksumLength = 20;
constexpr uint32_t kRsdpChecksumOffset = 8;
constexpr uint32_t kRsdpRsdtOffset = 16;
constexpr uint32_t kRsdpXsdtOffset = 24;
constexpr uint32_t kRsdpExtChecksumOffset = 32;
constexpr size_t kFacsAlignment = 64;
constexpr uint32_t kTablesFileAlignment = kFacsAlignment;  // the FACS comes first
constexpr uint32_t kRsdpAlignment = 16;                    // where OSes scan for it

// FADT Flags (ACPI 6.4 table 5.10).
constexpr uint32_t kFadtWbinvd = 1 << 0;
constexpr uint32_t kFadtProcC1 = 1 << 2;
constexpr uint32_t kFadtSlpButton = 1 << 5;  // no fixed-feature sleep button
constexpr uint32_t kFadtRtcS4 = 1 << 7;
constexpr uint32_t kFadtResetRegSup = 1 << 10;
// IA-PC boot architecture flags (table 5.11).
constexpr uint16_t kBootArchLegacyDevices = 1 << 0;
constexpr uint16_t kBootArch8042 = 1 << 1;
// Latencies above 100 and 1000 us declare C2 and C3 unsupported.
constexpr uint16_t kNoC2 = 0xfff;
constexpr uint16_t kNoC3 = 0xfff;
constexpr uint8_t kRtcCenturyIndex = 0x32;

// PM register blocks (see hw/acpi/piix4_pm.h) and their lengths in bytes.
constexpr uint32_t kPm1aEvt = pc::kPortAcpiPm + 0x00;
constexpr uint32_t kPm1aCnt = pc::kPortAcpiPm + 0x04;
constexpr uint32_t kPmTmr = pc::kPortAcpiPm + 0x08;
constexpr uint8_t kPm1EvtLen = 4, kPm1CntLen = 2, kPmTmrLen = 4, kGpe0Len = 4;
constexpr uint8_t kResetValue = 0x06;  // PIIX3 RCR: hard reset (SYS_RST) + RST_CPU edge

// MADT (ACPI 6.4 section 5.2.12).
constexpr uint32_t kMadtPcatCompat = 1 << 0;
constexpr uint8_t kMadtLocalApic = 0, kMadtIoApic = 1, kMadtSourceOverride = 2;
constexpr uint32_t kLocalApicEnabled = 1 << 0;
// MPS INTI flags: polarity in bits 0-1, trigger mode in bits 2-3.
constexpr uint16_t kIntiConforms = 0;
constexpr uint16_t kIntiActiveHighLevel = 0x1 | 0x3 << 2;

constexpr uint8_t kComStaPresentEnabled = 0x0f;  // present, enabled, shown, functioning

size_t align_up(size_t v, size_t a) {
    return (v + a - 1) & ~(a - 1);
}

// The two files the tables are built as. Every pointer between tables is built as an
// offset into the tables file; whoever places the files in guest memory (the direct-boot
// copy below, or the firmware running the table-loader script) adds the tables file's
// guest address to each pointer field and then fixes the checksums.
enum class AcpiFile { Rsdp, Tables };

const char* file_name(AcpiFile file) {
    return file == AcpiFile::Rsdp ? kAcpiRsdpFile : kAcpiTablesFile;
}

struct PointerField {
    AcpiFile file;
    uint32_t offset;
    uint8_t size;  // 4 or 8
};

struct ChecksumField {
    AcpiFile file;
    uint32_t offset;  // the checksum byte
    uint32_t start;
    uint32_t length;
};

struct UnplacedTables {
    std::vector<uint8_t> rsdp;
    std::vector<uint8_t> tables;
    std::vector<PointerField> pointers;    // patched first
    std::vector<ChecksumField> checksums;  // then these, in order
};

// A table and the fields in it that hold a table offset.
struct LinkedTable {
    std::vector<uint8_t> bytes;
    std::vector<PointerField> pointers;  // offsets within `bytes`
};

// Appends a pointer to the table at `target` (an offset in the tables file).
void pointer32(AcpiTable& t, LinkedTable& out, uint64_t target) {
    out.pointers.push_back({AcpiFile::Tables, uint32_t(t.size()), 4});
    t.u32(uint32_t(target));
}

void pointer64(AcpiTable& t, LinkedTable& out, uint64_t target) {
    out.pointers.push_back({AcpiFile::Tables, uint32_t(t.size()), 8});
    t.u64(target);
}

LinkedTable finish(AcpiTable&& t, LinkedTable&& links) {
    links.bytes = std::move(t).finish();
    return std::move(links);
}

// Places tables one after another in the tables file.
class TablesFile {
  public:
    explicit TablesFile(UnplacedTables& out) : out_(out) {}
    // Returns the offset of `table`, whose header checksum covers the whole table.
    uint64_t add(const LinkedTable& table, size_t alignment = 8) {
        uint64_t at = add_raw(table.bytes, alignment);
        for (const PointerField& p : table.pointers)
            out_.pointers.push_back({AcpiFile::Tables, uint32_t(at + p.offset), p.size});
        out_.checksums.push_back({AcpiFile::Tables, uint32_t(at + kHeaderChecksumOffset),
                                  uint32_t(at), uint32_t(table.bytes.size())});
        return at;
    }
    // For the FACS, which has neither pointers nor a checksum.
    uint64_t add_raw(const std::vector<uint8_t>& table, size_t alignment) {
        std::vector<uint8_t>& bytes = out_.tables;
        size_t at = align_up(bytes.size(), alignment);
        bytes.resize(at, 0);
        bytes.insert(bytes.end(), table.begin(), table.end());
        return at;
    }

  private:
    static constexpr uint32_t kHeaderChecksumOffset = 9;
    UnplacedTables& out_;
};

void add_to_le(uint8_t* field, unsigned size, uint64_t addend) {
    uint64_t v = 0;
    std::memcpy(&v, field, size);
    v += addend;
    std::memcpy(field, &v, size);
}

std::vector<uint8_t> build_facs() {
    std::vector<uint8_t> facs(kFacsLength, 0);
    std::memcpy(&facs[0], "FACS", 4);
    std::memcpy(&facs[4], &kFacsLength, 4);
    facs[32] = kFacsVersion;
    return facs;
}

AcpiGas io_block(uint32_t port, uint8_t length) {
    return {AcpiAddressSpace::SystemIo, uint8_t(length * 8), 0, 0, port};
}

LinkedTable build_fadt(uint64_t facs, uint64_t dsdt) {
    AcpiTable t("FACP", kFadtRevision);
    LinkedTable links;
    pointer32(t, links, facs);  // FIRMWARE_CTRL
    pointer32(t, links, dsdt);  // DSDT
    t.u8(0);                    // reserved (was INT_MODEL)
    t.u8(0);                    // Preferred_PM_Profile: unspecified
    t.u16(pc::kIrqSci);
    t.u32(0);  // SMI_CMD: none, so the OS finds ACPI already enabled
    t.u8(0);   // ACPI_ENABLE
    t.u8(0);   // ACPI_DISABLE
    t.u8(0);   // S4BIOS_REQ
    t.u8(0);   // PSTATE_CNT
    t.u32(kPm1aEvt);
    t.u32(0);  // PM1b_EVT_BLK
    t.u32(kPm1aCnt);
    t.u32(0);  // PM1b_CNT_BLK
    t.u32(0);  // PM2_CNT_BLK
    t.u32(kPmTmr);
    t.u32(pc::kPortAcpiGpe0);
    t.u32(0);  // GPE1_BLK
    t.u8(kPm1EvtLen);
    t.u8(kPm1CntLen);
    t.u8(0);  // PM2_CNT_LEN
    t.u8(kPmTmrLen);
    t.u8(kGpe0Len);
    t.u8(0);  // GPE1_BLK_LEN
    t.u8(0);  // GPE1_BASE
    t.u8(0);  // CST_CNT
    t.u16(kNoC2);
    t.u16(kNoC3);
    t.u16(0);  // FLUSH_SIZE
    t.u16(0);  // FLUSH_STRIDE
    t.u8(0);   // DUTY_OFFSET
    t.u8(0);   // DUTY_WIDTH
    t.u8(0);   // DAY_ALRM
    t.u8(0);   // MON_ALRM
    t.u8(kRtcCenturyIndex);
    t.u16(kBootArchLegacyDevices | kBootArch8042);
    t.u8(0);  // reserved
    t.u32(kFadtWbinvd | kFadtProcC1 | kFadtSlpButton | kFadtRtcS4 | kFadtResetRegSup);
    t.gas({AcpiAddressSpace::SystemIo, 8, 0, 1, pc::kPortResetControl});
    t.u8(kResetValue);
    t.zeros(3);                 // ARM_BOOT_ARCH and FADT minor version, reserved in ACPI 5.0
    t.u64(0);                   // X_FIRMWARE_CTRL: only one of the two FACS pointers may be set
    pointer64(t, links, dsdt);  // X_DSDT
    t.gas(io_block(kPm1aEvt, kPm1EvtLen));
    t.gas({});  // X_PM1b_EVT_BLK
    t.gas(io_block(kPm1aCnt, kPm1CntLen));
    t.gas({});  // X_PM1b_CNT_BLK
    t.gas({});  // X_PM2_CNT_BLK
    t.gas(io_block(kPmTmr, kPmTmrLen));
    t.gas(io_block(pc::kPortAcpiGpe0, kGpe0Len));
    t.gas({});  // X_GPE1_BLK
    t.gas({});  // SLEEP_CONTROL_REG: only for HW-reduced platforms
    t.gas({});  // SLEEP_STATUS_REG
    return finish(std::move(t), std::move(links));
}

LinkedTable build_madt(const std::vector<uint32_t>& apic_ids) {
    AcpiTable t("APIC", kMadtRevision);
    t.u32(uint32_t(pc::kLapicBase));
    t.u32(kMadtPcatCompat);
    for (size_t cpu = 0; cpu < apic_ids.size(); cpu++) {
        t.u8(kMadtLocalApic);
        t.u8(8);
        t.u8(uint8_t(cpu));  // ACPI processor UID, the _UID of Device (Cnnn)
        t.u8(uint8_t(apic_ids[cpu]));
        t.u32(kLocalApicEnabled);
    }
    t.u8(kMadtIoApic);
    t.u8(12);
    t.u8(uint8_t(*std::max_element(apic_ids.begin(), apic_ids.end()) + 1));  // IOAPIC ID
    t.u8(0);
    t.u32(uint32_t(pc::kIoapicBase));
    t.u32(0);  // GSI base
    struct Override {
        uint8_t irq;
        uint32_t gsi;
        uint16_t flags;
    };
    static constexpr Override kOverrides[] = {
        {pc::kIrqPit, 2, kIntiConforms},  // the PIT drives IOAPIC pin 2, not 0
        {pc::kIrqSci, pc::kIrqSci, kIntiActiveHighLevel},
    };
    for (const Override& o : kOverrides) {
        t.u8(kMadtSourceOverride);
        t.u8(10);
        t.u8(0);  // bus: ISA
        t.u8(o.irq);
        t.u32(o.gsi);
        t.u16(o.flags);
    }
    return finish(std::move(t), {});
}

// RSDT (32-bit entries) or XSDT (64-bit entries).
template <typename Entry>
LinkedTable build_sdt(const char* signature, uint8_t revision,
                      std::initializer_list<uint64_t> tables) {
    AcpiTable t(signature, revision);
    LinkedTable links;
    for (uint64_t table : tables) {
        if constexpr (sizeof(Entry) == 8)
            pointer64(t, links, table);
        else
            pointer32(t, links, table);
    }
    return finish(std::move(t), std::move(links));
}

// The RSDP has two checksums: the ACPI 1.0 one over its first 20 bytes, then the
// extended one over all of it (which covers the first).
void build_rsdp(UnplacedTables& out, uint64_t rsdt, uint64_t xsdt) {
    std::vector<uint8_t>& r = out.rsdp;
    r.assign(kRsdpLength, 0);
    std::memcpy(&r[0], "RSD PTR ", 8);
    std::memcpy(&r[9], kAcpiOemId, 6);
    r[15] = kRsdpRevision;
    uint32_t rsdt32 = uint32_t(rsdt);
    std::memcpy(&r[kRsdpRsdtOffset], &rsdt32, 4);
    std::memcpy(&r[20], &kRsdpLength, 4);
    std::memcpy(&r[kRsdpXsdtOffset], &xsdt, 8);
    out.pointers.push_back({AcpiFile::Rsdp, kRsdpRsdtOffset, 4});
    out.pointers.push_back({AcpiFile::Rsdp, kRsdpXsdtOffset, 8});
    out.checksums.push_back({AcpiFile::Rsdp, kRsdpChecksumOffset, 0, kRsdpV1ChecksumLength});
    out.checksums.push_back({AcpiFile::Rsdp, kRsdpExtChecksumOffset, 0, kRsdpLength});
}

// Device (Cnnn) { Name (_HID, "ACPI0007") Name (_UID, n) }, n in hex as on QEMU's pc.
aml::Bytes processor_device(unsigned cpu) {
    char name[16];
    std::snprintf(name, sizeof name, "C%03X", cpu);
    return aml::device(
        name, {aml::name("_HID", aml::string("ACPI0007")), aml::name("_UID", aml::integer(cpu))});
}

// Device (COMn): a 16550 with its port range and ISA IRQ.
aml::Bytes serial_device(unsigned n, const AcpiSerialPort& port) {
    using namespace aml;
    Bytes crs =
        resource_template({io_decode16(port.iobase, port.iobase, 1, 8), irq_no_flags(port.irq)});
    Bytes sta = method("_STA", 0, false, {return_value(integer(kComStaPresentEnabled))});
    return device("COM" + std::to_string(n), {name("_HID", eisaid("PNP0501")),
                                              name("_UID", integer(n)), sta, name("_CRS", crs)});
}

// The fixed ISA devices Linux looks for through ACPI: without PNP0303 its i8042 driver
// probes only because the FADT says an 8042 exists; PNP0B00 lets rtc_cmos bind.
std::vector<aml::Bytes> isa_platform_devices() {
    using namespace aml;
    auto isa_device = [](const char* dev_name, const char* hid, std::vector<Bytes> resources) {
        return device(dev_name, {name("_HID", eisaid(hid)),
                                 name("_CRS", resource_template(std::move(resources)))});
    };
    return {
        isa_device("KBD", "PNP0303",
                   {io_decode16(pc::kPortI8042Data, pc::kPortI8042Data, 1, 1),
                    io_decode16(pc::kPortI8042Cmd, pc::kPortI8042Cmd, 1, 1),
                    irq_no_flags(pc::kIrqKeyboard)}),
        isa_device("MOU", "PNP0F13", {irq_no_flags(pc::kIrqMouse)}),
        isa_device("RTC", "PNP0B00",
                   {io_decode16(pc::kPortRtc, pc::kPortRtc, 1, 2), irq_no_flags(pc::kIrqRtc)}),
    };
}

// PCI INTx routing (ACPI 6.4 section 6.2.13). INTx pin P (0 = INTA#) of slot N reaches PIRQ
// (N + P) mod 4 through the PIIX3 swizzle. In APIC mode PIRQA-D are IOAPIC inputs 16-19 and
// _PRT names those GSIs (Source Zero: level-triggered, active low). In PIC mode they are the
// link devices LNKA-D, which steer them through the PIIX3's route control registers. The OS
// says which mode it uses with \_PIC (0 PIC, 1 APIC); until it does, PIC mode.
constexpr const char* kPicModeFlag = "\\PICF";
constexpr const char* kPirqLinks[Piix3::kPirqs] = {"LNKA", "LNKB", "LNKC", "LNKD"};
constexpr const char* kPirqRouteFields[Piix3::kPirqs] = {"PRQA", "PRQB", "PRQC", "PRQD"};
constexpr const char* kPirqRouteFieldScope = "\\_SB.PCI0.ISA.";
// What the links offer: the ISA IRQs PC firmware leaves to PCI (SeaBIOS routes PIRQs to 10
// and 11), all of them routable by the PIIX3 and used by no ISA device of kemu's.
constexpr uint16_t kPirqIrqChoices = 1 << 5 | 1 << 10 | 1 << 11;
constexpr uint8_t kRouteIrqBits = 0x0f;     // the ISA IRQ in a route control register
constexpr uint8_t kLinkStaEnabled = 0x0b;   // present, enabled, functioning
constexpr uint8_t kLinkStaDisabled = 0x09;  // present, functioning, not decoding

aml::Bytes routing_package(bool apic_mode) {
    using namespace aml;
    constexpr unsigned kSlots = 32, kPins = 4;
    constexpr uint32_t kAnyFunction = 0xffff;
    std::vector<Bytes> entries;
    for (unsigned slot = 0; slot < kSlots; slot++) {
        for (unsigned pin = 0; pin < kPins; pin++) {
            unsigned pirq = Piix3::pirq_of(slot, pin + 1);
            Bytes source =
                apic_mode ? integer(0) : name_string(std::string("\\_SB.") + kPirqLinks[pirq]);
            Bytes index = integer(apic_mode ? pc::kPirqGsiBase + pirq : 0);
            entries.push_back(
                package({integer(slot << 16 | kAnyFunction), integer(pin), source, index}));
        }
    }
    return package(entries);
}

// Name (PRTA, ...) Name (PRTP, ...) Method (_PRT) { If (\PICF) { Return (PRTA) } Return (PRTP) }
std::vector<aml::Bytes> pci_routing_tables() {
    using namespace aml;
    return {name("PRTA", routing_package(true)), name("PRTP", routing_package(false)),
            method("_PRT", 0, false,
                   {if_then(name_string(kPicModeFlag), {return_value(name_string("PRTA"))}),
                    return_value(name_string("PRTP"))})};
}

// Device (ISA): the PIIX3's function 01.0, for its PIRQ route control registers 60h-63h.
aml::Bytes piix3_isa_bridge() {
    using namespace aml;
    constexpr uint32_t kIsaBridgeAdr = 1 << 16;  // device 1, function 0
    std::vector<FieldUnit> routes;
    for (const char* field : kPirqRouteFields)
        routes.push_back({field, 8});
    return device("ISA", {name("_ADR", integer(kIsaBridgeAdr)),
                          operation_region("PIRQ", RegionSpace::PciConfig, Piix3::kPirqRouteControl,
                                           Piix3::kPirqs),
                          byte_field("PIRQ", routes)});
}

// Device (LNKx): PIRQx as a PCI interrupt link (PNP0C0F). The route control register holds
// the ISA IRQ in bits 3-0 and, in bit 7, "not routed".
aml::Bytes pirq_link(unsigned pirq) {
    using namespace aml;
    const Bytes route = name_string(std::string(kPirqRouteFieldScope) + kPirqRouteFields[pirq]);
    const Bytes not_routed = bit_and(route, integer(Piix3::kRouteDisabled));
    const Bytes irq_mask = name_string("IRQW");
    Bytes sta = method("_STA", 0, false,
                       {if_then(not_routed, {return_value(integer(kLinkStaDisabled))}),
                        return_value(integer(kLinkStaEnabled))});
    Bytes dis = method("_DIS", 0, false, {bit_or(route, integer(Piix3::kRouteDisabled), route)});
    Bytes crs =
        method("_CRS", 0, true,
               {store(resource_template({irq_level_low_shared(0)}), local(0)),
                create_word_field(local(0), kIrqDescriptorMaskOffset, "IRQW"),
                store(shift_left(integer(1), bit_and(route, integer(kRouteIrqBits))), irq_mask),
                if_then(not_routed, {store(integer(0), irq_mask)}), return_value(local(0))});
    Bytes srs = method(
        "_SRS", 1, true,
        {create_word_field(arg(0), kIrqDescriptorMaskOffset, "IRQW"),
         find_set_right_bit(irq_mask, local(0)), decrement(local(0)), store(local(0), route)});
    return device(kPirqLinks[pirq],
                  {name("_HID", eisaid("PNP0C0F")), name("_UID", integer(pirq + 1)),
                   name("_PRS", resource_template({irq_level_low_shared(kPirqIrqChoices)})), sta,
                   dis, crs, srs});
}

// Device (PCI0): the i440FX host bridge and the address windows it decodes, so Linux finds
// bus 0 through ACPI. Config mechanism #1's ports stay the bridge's own.
aml::Bytes pci_host_bridge(const AcpiConfig& config) {
    using namespace aml;
    constexpr uint32_t kVgaWindowEnd = 0xbffff;
    Bytes crs = resource_template({
        bus_number_window(0, 0xff),
        io_decode16(pc::kPortPciConfigAddress, pc::kPortPciConfigAddress, 1, 8),
        io_window(0, pc::kPortPciConfigAddress - 1),
        io_window(pc::kPortPciConfigAddress + 8, 0xffff),
        memory32_window(uint32_t(pc::kVgaWindow), kVgaWindowEnd),
        memory32_window(uint32_t(config.pci_window_start), uint32_t(pc::kIoapicBase - 1)),
    });
    std::vector<Bytes> terms = {name("_HID", eisaid("PNP0A03")), name("_ADR", integer(0)),
                                name("_UID", integer(0)), name("_CRS", crs), piix3_isa_bridge()};
    for (Bytes& t : pci_routing_tables())
        terms.push_back(std::move(t));
    return device("PCI0", terms);
}

}  // namespace

aml::Bytes build_dsdt_aml(const AcpiConfig& config) {
    using namespace aml;
    std::vector<Bytes> sb;
    for (unsigned cpu = 0; cpu < config.cpu_count; cpu++)
        sb.push_back(processor_device(cpu));
    for (size_t i = 0; i < config.serial_ports.size(); i++)
        sb.push_back(serial_device(unsigned(i + 1), config.serial_ports[i]));
    for (Bytes& dev : isa_platform_devices())
        sb.push_back(std::move(dev));
    if (config.pci_window_start) {
        sb.push_back(pci_host_bridge(config));
        for (unsigned pirq = 0; pirq < Piix3::kPirqs; pirq++)
            sb.push_back(pirq_link(pirq));
    }
    // SLP_TYP 0 for S5, as QEMU's pc has it, so one guest image shuts down on both.
    Bytes out = name("\\_S5", package({integer(0), integer(0), integer(0), integer(0)}));
    if (config.pci_window_start) {
        // \_PIC (ACPI 6.4 section 5.8.1) records the interrupt model for _PRT.
        for (const Bytes& term :
             {name(kPicModeFlag, integer(0)),
              method("\\_PIC", 1, false, {store(arg(0), name_string(kPicModeFlag))})})
            out.insert(out.end(), term.begin(), term.end());
    }
    Bytes sb_scope = scope("\\_SB", sb);
    out.insert(out.end(), sb_scope.begin(), sb_scope.end());
    return out;
}

namespace {

Result<UnplacedTables> build_unplaced_tables(const AcpiConfig& config) {
    if (config.cpu_count == 0 || config.cpu_count > kAcpiMaxCpus)
        return Error("ACPI: " + std::to_string(config.cpu_count) + " CPUs (supported: 1 to " +
                     std::to_string(kAcpiMaxCpus) + ")");
    if (config.serial_ports.size() > kAcpiMaxSerialPorts)
        return Error("ACPI: more than " + std::to_string(kAcpiMaxSerialPorts) + " serial ports");
    for (const AcpiSerialPort& p : config.serial_ports)
        if (p.irq >= 16)
            return Error("ACPI: serial port IRQ " + std::to_string(p.irq) + " is not an ISA IRQ");

    std::vector<uint32_t> apic_ids = config.apic_ids;
    if (apic_ids.empty())
        for (unsigned cpu = 0; cpu < config.cpu_count; cpu++)
            apic_ids.push_back(cpu);
    if (apic_ids.size() != config.cpu_count)
        return Error("ACPI: " + std::to_string(apic_ids.size()) + " APIC IDs for " +
                     std::to_string(config.cpu_count) + " CPUs");
    for (uint32_t id : apic_ids)
        if (id > kAcpiMaxApicId)
            return Error("ACPI: APIC ID " + std::to_string(id) + " does not fit the MADT");

    UnplacedTables out;
    TablesFile file(out);
    uint64_t facs = file.add_raw(build_facs(), kFacsAlignment);
    AcpiTable dsdt_table("DSDT", kDsdtRevision);
    dsdt_table.bytes(build_dsdt_aml(config));
    uint64_t dsdt = file.add(finish(std::move(dsdt_table), {}));
    uint64_t fadt = file.add(build_fadt(facs, dsdt));
    uint64_t madt = file.add(build_madt(apic_ids));
    uint64_t xsdt = file.add(build_sdt<uint64_t>("XSDT", kXsdtRevision, {fadt, madt}));
    uint64_t rsdt = file.add(build_sdt<uint32_t>("RSDT", kRsdtRevision, {fadt, madt}));
    build_rsdp(out, rsdt, xsdt);
    return out;
}

}  // namespace

// Direct boot: the RSDP at the start of the scan area, the tables file after it, and the
// links resolved here the way the firmware's loader would resolve them.
Result<AcpiTables> build_acpi_tables(const AcpiConfig& config) {
    auto unplaced = build_unplaced_tables(config);
    if (!unplaced) return unplaced.error();
    AcpiTables out;
    const uint64_t tables_at = align_up(unplaced->rsdp.size(), kTablesFileAlignment);
    out.rsdp_offset = 0;
    out.blob = unplaced->rsdp;
    out.blob.resize(tables_at, 0);
    out.blob.insert(out.blob.end(), unplaced->tables.begin(), unplaced->tables.end());
    if (out.blob.size() > pc::kAcpiTablesSize)
        return Error("ACPI tables too large (" + std::to_string(out.blob.size()) + " bytes)");

    auto file_start = [&](AcpiFile file) { return file == AcpiFile::Rsdp ? 0 : tables_at; };
    for (const PointerField& p : unplaced->pointers)
        add_to_le(&out.blob[file_start(p.file) + p.offset], p.size, out.base + tables_at);
    for (const ChecksumField& c : unplaced->checksums) {
        std::span<uint8_t> range(&out.blob[file_start(c.file) + c.start], c.length);
        uint8_t& field = out.blob[file_start(c.file) + c.offset];
        field = 0;
        field = acpi_checksum(range);
    }
    return out;
}

Result<AcpiFirmwareFiles> build_acpi_firmware_files(const AcpiConfig& config) {
    auto unplaced = build_unplaced_tables(config);
    if (!unplaced) return unplaced.error();
    BiosLinkerLoader loader;
    loader.allocate(kAcpiTablesFile, kTablesFileAlignment, BiosLinkerLoader::Zone::High);
    loader.allocate(kAcpiRsdpFile, kRsdpAlignment, BiosLinkerLoader::Zone::FSeg);
    for (const PointerField& p : unplaced->pointers)
        loader.add_pointer(file_name(p.file), kAcpiTablesFile, p.offset, p.size);
    for (const ChecksumField& c : unplaced->checksums)
        loader.add_checksum(file_name(c.file), c.offset, c.start, c.length);
    return AcpiFirmwareFiles{std::move(unplaced->rsdp), std::move(unplaced->tables),
                             loader.bytes()};
}

}  // namespace kemu
