#include "hw/i386/acpi_build.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <map>
#include <string>

#include "hw/acpi/acpi_table.h"
#include "tests/unit/hw/boot/firmware_reads.h"

namespace kemu {
namespace {

using ::testing::HasSubstr;

using test::byte_sum;

// Reads tables out of a built blob by guest address, the way a guest would.
class Tables {
  public:
    explicit Tables(const AcpiConfig& config) {
        auto r = build_acpi_tables(config);
        EXPECT_TRUE(r.ok()) << r.error().message();
        t_ = std::move(*r);
    }
    const uint8_t* at(uint64_t addr) const {
        EXPECT_GE(addr, t_.base);
        EXPECT_LT(addr - t_.base, t_.blob.size());
        return t_.blob.data() + (addr - t_.base);
    }
    const uint8_t* rsdp() const { return t_.blob.data() + t_.rsdp_offset; }
    template <typename T>
    static T get(const uint8_t* p, size_t off) {
        T v;
        std::memcpy(&v, p + off, sizeof v);
        return v;
    }
    uint32_t length(uint64_t addr) const { return get<uint32_t>(at(addr), 4); }
    std::string signature(uint64_t addr) const {
        return std::string(reinterpret_cast<const char*>(at(addr)), 4);
    }
    // XSDT entries by signature.
    std::map<std::string, uint64_t> xsdt_entries() const {
        std::map<std::string, uint64_t> out;
        uint64_t xsdt = get<uint64_t>(rsdp(), 24);
        for (uint32_t off = 36; off < length(xsdt); off += 8) {
            uint64_t a = get<uint64_t>(at(xsdt), off);
            out[signature(a)] = a;
        }
        return out;
    }
    const AcpiTables& raw() const { return t_; }

  private:
    AcpiTables t_;
};

AcpiConfig two_cpus_two_serials() {
    return {2, {{0x3f8, 4}, {0x2f8, 3}}};
}

TEST(AcpiBuild, RsdpChecksumsAndPointers) {
    Tables t(two_cpus_two_serials());
    EXPECT_EQ(t.raw().base, 0xe0000u);
    EXPECT_EQ(t.raw().rsdp_offset % 16, 0u);
    const uint8_t* r = t.rsdp();
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(r), 8), "RSD PTR ");
    EXPECT_EQ(byte_sum(r, 20), 0);  // ACPI 1.0 checksum over the first 20 bytes
    EXPECT_EQ(byte_sum(r, 36), 0);  // extended checksum over all of it
    EXPECT_EQ(r[15], 2);            // revision
    EXPECT_EQ(Tables::get<uint32_t>(r, 20), 36u);
    EXPECT_EQ(t.signature(Tables::get<uint32_t>(r, 16)), "RSDT");
    EXPECT_EQ(t.signature(Tables::get<uint64_t>(r, 24)), "XSDT");
}

TEST(AcpiBuild, EveryTableChecksumsToZero) {
    Tables t(two_cpus_two_serials());
    auto entries = t.xsdt_entries();
    ASSERT_EQ(entries.size(), 2u);
    ASSERT_TRUE(entries.count("FACP"));
    ASSERT_TRUE(entries.count("APIC"));
    uint64_t fadt = entries["FACP"];
    std::vector<uint64_t> tables = {Tables::get<uint64_t>(t.rsdp(), 24),
                                    Tables::get<uint32_t>(t.rsdp(), 16), fadt, entries["APIC"],
                                    Tables::get<uint64_t>(t.at(fadt), 140)};
    for (uint64_t a : tables) {
        uint32_t len = t.length(a);
        EXPECT_GE(len, 36u) << t.signature(a);
        EXPECT_LE(a - t.raw().base + len, t.raw().blob.size()) << t.signature(a);
        EXPECT_EQ(byte_sum(t.at(a), len), 0) << t.signature(a);
        EXPECT_EQ(std::string(reinterpret_cast<const char*>(t.at(a)) + 10, 6), "KEMU  ");
    }
    EXPECT_LE(t.raw().blob.size(), pc::kAcpiTablesSize);
}

TEST(AcpiBuild, RsdtListsTheSameTablesAsXsdt) {
    Tables t(two_cpus_two_serials());
    uint64_t xsdt = Tables::get<uint64_t>(t.rsdp(), 24);
    uint64_t rsdt = Tables::get<uint32_t>(t.rsdp(), 16);
    ASSERT_EQ(t.length(xsdt), 36u + 2 * 8);
    ASSERT_EQ(t.length(rsdt), 36u + 2 * 4);
    for (unsigned i = 0; i < 2; i++)
        EXPECT_EQ(Tables::get<uint64_t>(t.at(xsdt), 36 + 8 * i),
                  Tables::get<uint32_t>(t.at(rsdt), 36 + 4 * i));
}

TEST(AcpiBuild, Fadt) {
    Tables t(two_cpus_two_serials());
    uint64_t fadt_addr = t.xsdt_entries()["FACP"];
    const uint8_t* f = t.at(fadt_addr);
    auto u8 = [&](size_t o) { return f[o]; };
    auto u16 = [&](size_t o) { return Tables::get<uint16_t>(f, o); };
    auto u32 = [&](size_t o) { return Tables::get<uint32_t>(f, o); };
    auto u64 = [&](size_t o) { return Tables::get<uint64_t>(f, o); };
    EXPECT_EQ(t.length(fadt_addr), 268u);
    EXPECT_EQ(u8(8), 5);  // revision
    uint64_t facs = u32(36), dsdt = u32(40);
    EXPECT_EQ(t.signature(facs), "FACS");
    EXPECT_EQ(facs % 64, 0u);
    EXPECT_EQ(t.length(facs), 64u);
    EXPECT_EQ(t.signature(dsdt), "DSDT");
    EXPECT_EQ(u16(46), 9);   // SCI_INT
    EXPECT_EQ(u32(48), 0u);  // SMI_CMD: ACPI always enabled
    EXPECT_EQ(u32(56), 0x600u);
    EXPECT_EQ(u32(64), 0x604u);
    EXPECT_EQ(u32(76), 0x608u);
    EXPECT_EQ(u32(80), 0xafe0u);
    EXPECT_EQ(u8(88), 4);      // PM1_EVT_LEN
    EXPECT_EQ(u8(89), 2);      // PM1_CNT_LEN
    EXPECT_EQ(u8(91), 4);      // PM_TMR_LEN
    EXPECT_EQ(u8(92), 4);      // GPE0_BLK_LEN
    EXPECT_EQ(u16(109), 0x3);  // IAPC_BOOT_ARCH: legacy devices, 8042
    uint32_t flags = u32(112);
    EXPECT_TRUE(flags & (1u << 10));   // RESET_REG_SUP
    EXPECT_FALSE(flags & (1u << 20));  // not HW_REDUCED_ACPI
    EXPECT_FALSE(flags & (1u << 8));   // TMR_VAL_EXT: the timer has 24 bits
    EXPECT_FALSE(flags & (1u << 4));   // power button is a fixed feature
    // RESET_REG: system I/O, 8 bits, byte access, port 0xcf9; RESET_VALUE 6.
    EXPECT_EQ(u8(116), 1);
    EXPECT_EQ(u8(117), 8);
    EXPECT_EQ(u8(118), 0);
    EXPECT_EQ(u8(119), 1);
    EXPECT_EQ(u64(120), 0xcf9u);
    EXPECT_EQ(u8(128), 6);
    EXPECT_EQ(u64(132), 0u);    // X_FIRMWARE_CTRL must be 0 when FIRMWARE_CTRL is set
    EXPECT_EQ(u64(140), dsdt);  // X_DSDT
    struct XBlock {
        size_t off;
        uint8_t bits;
        uint64_t port;
    };
    for (XBlock b : {XBlock{148, 32, 0x600}, XBlock{172, 16, 0x604}, XBlock{208, 32, 0x608},
                     XBlock{220, 32, 0xafe0}}) {
        EXPECT_EQ(u8(b.off), 1) << b.off;  // system I/O
        EXPECT_EQ(u8(b.off + 1), b.bits) << b.off;
        EXPECT_EQ(u64(b.off + 4), b.port) << b.off;
    }
    for (size_t unused : {160u, 184u, 196u, 232u, 244u, 256u})
        EXPECT_EQ(u64(unused + 4), 0u);
}

TEST(AcpiBuild, Madt) {
    Tables t({3, {}});
    uint64_t madt_addr = t.xsdt_entries()["APIC"];
    const uint8_t* m = t.at(madt_addr);
    uint32_t len = t.length(madt_addr);
    EXPECT_EQ(Tables::get<uint32_t>(m, 36), 0xfee00000u);
    EXPECT_EQ(Tables::get<uint32_t>(m, 40), 1u);    // PCAT_COMPAT
    std::vector<std::pair<uint8_t, uint8_t>> cpus;  // (processor UID, APIC ID)
    int ioapics = 0;
    std::map<uint8_t, std::pair<uint32_t, uint16_t>> overrides;
    for (uint32_t off = 44; off < len; off += m[off + 1]) {
        const uint8_t* e = m + off;
        ASSERT_GE(e[1], 2);
        switch (e[0]) {
            case 0:
                ASSERT_EQ(e[1], 8);
                EXPECT_EQ(Tables::get<uint32_t>(e, 4), 1u);  // enabled
                cpus.push_back({e[2], e[3]});
                break;
            case 1:
                ASSERT_EQ(e[1], 12);
                ioapics++;
                EXPECT_EQ(e[2], 3);  // IOAPIC ID follows the CPUs' APIC IDs
                EXPECT_EQ(Tables::get<uint32_t>(e, 4), 0xfec00000u);
                EXPECT_EQ(Tables::get<uint32_t>(e, 8), 0u);
                break;
            case 2:
                ASSERT_EQ(e[1], 10);
                EXPECT_EQ(e[2], 0);  // ISA
                overrides[e[3]] = {Tables::get<uint32_t>(e, 4), Tables::get<uint16_t>(e, 8)};
                break;
            default:
                ADD_FAILURE() << "unexpected MADT entry type " << int(e[0]);
        }
    }
    EXPECT_EQ(cpus, (std::vector<std::pair<uint8_t, uint8_t>>{{0, 0}, {1, 1}, {2, 2}}));
    EXPECT_EQ(ioapics, 1);
    ASSERT_EQ(overrides.size(), 2u);
    EXPECT_EQ(overrides[0], (std::pair<uint32_t, uint16_t>{2, 0}));
    EXPECT_EQ(overrides[9], (std::pair<uint32_t, uint16_t>{9, 0x000d}));  // active high, level
}

std::vector<uint8_t> dsdt_of(const Tables& t) {
    uint64_t fadt = t.xsdt_entries().at("FACP");
    uint64_t dsdt = Tables::get<uint64_t>(t.at(fadt), 140);
    const uint8_t* d = t.at(dsdt);
    EXPECT_EQ(d[8], 2);  // revision 2: 64-bit integers
    return {d + 36, d + t.length(dsdt)};
}

bool contains(const std::vector<uint8_t>& hay, const std::vector<uint8_t>& needle) {
    return std::search(hay.begin(), hay.end(), needle.begin(), needle.end()) != hay.end();
}

TEST(AcpiBuild, DsdtS5AndSerialPorts) {
    Tables t(two_cpus_two_serials());
    auto aml = dsdt_of(t);
    EXPECT_EQ(aml, build_dsdt_aml(two_cpus_two_serials()));
    // Name (\_S5, Package (4) {0, 0, 0, 0})
    EXPECT_TRUE(contains(aml, {0x08, '\\', '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0, 0, 0, 0}));
    // Device (COM1) { Name (_HID, EisaId ("PNP0501")) Name (_UID, 1)
    //   Method (_STA) { Return (0x0F) }
    //   Name (_CRS, ResourceTemplate () { IO (Decode16, 0x3F8, 0x3F8, 1, 8) IRQNoFlags () {4} }) }
    const std::vector<uint8_t> com1 = {
        0x5b, 0x82, 0x35, 'C',  'O',  'M',  '1',                     //
        0x08, '_',  'H',  'I',  'D',  0x0c, 0x41, 0xd0, 0x05, 0x01,  //
        0x08, '_',  'U',  'I',  'D',  0x01,                          //
        0x14, 0x09, '_',  'S',  'T',  'A',  0x00, 0xa4, 0x0a, 0x0f,  //
        0x08, '_',  'C',  'R',  'S',  0x11, 0x10, 0x0a, 0x0d,        //
        0x47, 0x01, 0xf8, 0x03, 0xf8, 0x03, 0x01, 0x08, 0x22, 0x10, 0x00, 0x79, 0x00,
    };
    EXPECT_TRUE(contains(aml, com1));
    EXPECT_TRUE(contains(aml, {'C', 'O', 'M', '2', 0x08, '_', 'H', 'I', 'D'}));
    EXPECT_TRUE(contains(aml, {0x47, 0x01, 0xf8, 0x02, 0xf8, 0x02, 0x01, 0x08, 0x22, 0x08, 0x00}));
    EXPECT_FALSE(contains(aml, {'C', 'O', 'M', '3'}));
    // Scope (\_SB) wraps the devices.
    EXPECT_TRUE(contains(aml, {'\\', '_', 'S', 'B', '_'}));
}

TEST(AcpiBuild, DsdtIsaPlatformDevices) {
    auto aml = build_dsdt_aml(two_cpus_two_serials());
    // Device (KBD) { Name (_HID, EisaId ("PNP0303")) Name (_CRS, ResourceTemplate () {
    //   IO (Decode16, 0x60, 0x60, 1, 1) IO (Decode16, 0x64, 0x64, 1, 1) IRQNoFlags () {1} }) }
    EXPECT_TRUE(contains(
        aml, {'K', 'B', 'D', '_', 0x08, '_', 'H', 'I', 'D', 0x0c, 0x41, 0xd0, 0x03, 0x03}));
    EXPECT_TRUE(contains(aml, {0x47, 0x01, 0x60, 0x00, 0x60, 0x00, 0x01, 0x01, 0x47, 0x01, 0x64,
                               0x00, 0x64, 0x00, 0x01, 0x01, 0x22, 0x02, 0x00, 0x79, 0x00}));
    // PS/2 mouse PNP0F13 on IRQ 12, RTC PNP0B00 at 0x70-0x71 on IRQ 8.
    EXPECT_TRUE(contains(
        aml, {'M', 'O', 'U', '_', 0x08, '_', 'H', 'I', 'D', 0x0c, 0x41, 0xd0, 0x0f, 0x13}));
    EXPECT_TRUE(contains(aml, {0x22, 0x00, 0x10, 0x79, 0x00}));
    EXPECT_TRUE(contains(
        aml, {'R', 'T', 'C', '_', 0x08, '_', 'H', 'I', 'D', 0x0c, 0x41, 0xd0, 0x0b, 0x00}));
    EXPECT_TRUE(contains(aml, {0x47, 0x01, 0x70, 0x00, 0x70, 0x00, 0x01, 0x02, 0x22, 0x00, 0x01}));
}

TEST(AcpiBuild, DsdtProcessorDevices) {
    auto aml = build_dsdt_aml({12, {}});
    // Device (C00B) { Name (_HID, "ACPI0007") Name (_UID, 11) }
    const std::vector<uint8_t> c00b = {0x5b, 0x82, 0x1b, 'C', '0', '0', 'B', 0x08, '_', 'H',
                                       'I',  'D',  0x0d, 'A', 'C', 'P', 'I', '0',  '0', '0',
                                       '7',  0x00, 0x08, '_', 'U', 'I', 'D', 0x0a, 0x0b};
    EXPECT_TRUE(contains(aml, c00b));
    EXPECT_TRUE(contains(aml, {'C', '0', '0', '0', 0x08}));
    EXPECT_FALSE(contains(aml, {'C', '0', '0', 'C', 0x08}));
}

// Reads one AML integer (ZeroOp, OneOp or a Byte/Word/DWord constant) at `at`.
uint64_t read_aml_integer(const std::vector<uint8_t>& b, size_t& at) {
    uint8_t op = b.at(at++);
    if (op == 0x00 || op == 0x01) return op;
    unsigned size = op == 0x0a ? 1 : op == 0x0b ? 2 : op == 0x0c ? 4 : 0;
    EXPECT_NE(size, 0u) << "opcode " << int(op);
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= uint64_t(b.at(at++)) << (8 * i);
    return v;
}

size_t skip_pkg_length(const std::vector<uint8_t>& b, size_t at) {
    return at + 1 + (b.at(at) >> 6);
}

AcpiConfig with_pci() {
    AcpiConfig config{1, {}};
    config.pci_window_start = 0x8000000;
    return config;
}

// Walks the 128 entries of Name (`table`, Package (0x80) {...}) and checks each with `check`
// (slot, pin, the source's bytes, the source index).
void for_each_routing_entry(
    const std::vector<uint8_t>& aml, const char* table,
    const std::function<void(unsigned, unsigned, std::vector<uint8_t>, uint64_t)>& check) {
    const std::vector<uint8_t> header = {
        0x08, uint8_t(table[0]), uint8_t(table[1]), uint8_t(table[2]), uint8_t(table[3]), 0x12};
    auto it = std::search(aml.begin(), aml.end(), header.begin(), header.end());
    ASSERT_NE(it, aml.end()) << "no Name (" << table << ", Package ...)";
    size_t at = skip_pkg_length(aml, size_t(it - aml.begin()) + header.size());
    ASSERT_EQ(aml[at++], 128);  // 32 slots x 4 pins
    for (unsigned slot = 0; slot < 32; slot++) {
        for (unsigned pin = 0; pin < 4; pin++) {
            ASSERT_EQ(aml.at(at), 0x12) << "slot " << slot << " pin " << pin;
            at = skip_pkg_length(aml, at + 1);
            ASSERT_EQ(aml.at(at++), 4);
            EXPECT_EQ(read_aml_integer(aml, at), (uint64_t(slot) << 16) | 0xffff);
            EXPECT_EQ(read_aml_integer(aml, at), pin);
            std::vector<uint8_t> source;
            if (aml.at(at) == 0x00) {
                source = {aml[at++]};
            } else {
                source.assign(aml.begin() + at, aml.begin() + at + 10);  // \_SB.LNKx
                at += 10;
            }
            uint64_t index = read_aml_integer(aml, at);
            check(slot, pin, source, index);
        }
    }
}

TEST(AcpiBuild, DsdtApicModeRoutingFollowsThePiixSwizzleToGsi16) {
    auto aml = build_dsdt_aml(with_pci());
    for_each_routing_entry(aml, "PRTA", [](unsigned slot, unsigned pin, auto source, auto gsi) {
        EXPECT_EQ(source, std::vector<uint8_t>{0x00}) << "Source Zero: a GSI follows";
        EXPECT_EQ(gsi, 16 + (slot + pin) % 4) << "slot " << slot << " pin " << pin;
    });
    // Package () { 0x0002FFFF, 3, Zero, 17 }: the VGA slot's INTD# on PIRQB, GSI 17.
    EXPECT_TRUE(contains(
        aml, {0x12, 0x0c, 0x04, 0x0c, 0xff, 0xff, 0x02, 0x00, 0x0a, 0x03, 0x00, 0x0a, 0x11}));
}

TEST(AcpiBuild, DsdtPicModeRoutingNamesTheLinkDevices) {
    auto aml = build_dsdt_aml(with_pci());
    for_each_routing_entry(aml, "PRTP", [](unsigned slot, unsigned pin, auto source, auto index) {
        char link = char('A' + (slot + pin) % 4);
        EXPECT_EQ(source, (std::vector<uint8_t>{'\\', 0x2e, '_', 'S', 'B', '_', 'L', 'N', 'K',
                                                uint8_t(link)}))
            << "slot " << slot << " pin " << pin;
        EXPECT_EQ(index, 0u);
    });
}

TEST(AcpiBuild, DsdtPrtSelectsTheTableByThePicMethod) {
    auto aml = build_dsdt_aml(with_pci());
    // Method (_PRT) { If (\PICF) { Return (PRTA) } Return (PRTP) }
    EXPECT_TRUE(contains(aml, {0x14, 0x17, '_',  'P', 'R', 'T', 0x00, 0xa0, 0x0b, '\\', 'P', 'I',
                               'C',  'F',  0xa4, 'P', 'R', 'T', 'A',  0xa4, 'P',  'R',  'T', 'P'}));
    // Name (\PICF, Zero) and Method (\_PIC, 1) { Store (Arg0, \PICF) }: PIC mode until told.
    EXPECT_TRUE(contains(aml, {0x08, '\\', 'P', 'I', 'C', 'F', 0x00}));
    EXPECT_TRUE(contains(
        aml, {0x14, 0x0e, '\\', '_', 'P', 'I', 'C', 0x01, 0x70, 0x68, '\\', 'P', 'I', 'C', 'F'}));
}

TEST(AcpiBuild, DsdtPirqLinksDriveThePiix3RouteRegisters) {
    auto aml = build_dsdt_aml(with_pci());
    // Device (ISA) { Name (_ADR, 0x00010000)
    //   OperationRegion (PIRQ, PCI_Config, 0x60, 4)
    //   Field (PIRQ, ByteAcc, NoLock, Preserve) { PRQA, 8, PRQB, 8, PRQC, 8, PRQD, 8 } }
    EXPECT_TRUE(contains(
        aml, {'I',  'S',  'A', '_', 0x08, '_',  'A',  'D',  'R',  0x0c, 0x00, 0x00, 0x01, 0x00,
              0x5b, 0x80, 'P', 'I', 'R',  'Q',  0x02, 0x0a, 0x60, 0x0a, 0x04, 0x5b, 0x81, 0x1a,
              'P',  'I',  'R', 'Q', 0x01, 'P',  'R',  'Q',  'A',  0x08, 'P',  'R',  'Q',  'B',
              0x08, 'P',  'R', 'Q', 'C',  0x08, 'P',  'R',  'Q',  'D',  0x08}));
    const std::vector<uint8_t> prqc = {'\\', 0x2f, 0x04, '_', 'S', 'B', '_', 'P', 'C', 'I',
                                       '0',  'I',  'S',  'A', '_', 'P', 'R', 'Q', 'C'};
    auto with = [](std::vector<uint8_t> a, const std::vector<uint8_t>& b) {
        a.insert(a.end(), b.begin(), b.end());
        return a;
    };
    // Device (LNKC) { Name (_HID, EisaId ("PNP0C0F")) Name (_UID, 3)
    //   Name (_PRS, ResourceTemplate () { IRQ (Level, ActiveLow, Shared) {5, 10, 11} })
    EXPECT_TRUE(
        contains(aml, {'L',  'N',  'K',  'C',  0x08, '_',  'H',  'I',  'D',  0x0c, 0x41, 0xd0,
                       0x0c, 0x0f, 0x08, '_',  'U',  'I',  'D',  0x0a, 0x03, 0x08, '_',  'P',
                       'R',  'S',  0x11, 0x09, 0x0a, 0x06, 0x23, 0x20, 0x0c, 0x18, 0x79, 0x00}));
    // _STA: If (And (PRQC, 0x80)) { Return (0x09) } Return (0x0B)
    EXPECT_TRUE(contains(aml, with(with({0xa0, 0x1b, 0x7b}, prqc),
                                   {0x0a, 0x80, 0x00, 0xa4, 0x0a, 0x09, 0xa4, 0x0a, 0x0b})));
    // _DIS: Or (PRQC, 0x80, PRQC)
    EXPECT_TRUE(contains(
        aml, with(with(with({'_', 'D', 'I', 'S', 0x00, 0x7d}, prqc), {0x0a, 0x80}), prqc)));
    // _CRS: Store (ResourceTemplate () { IRQ (Level, ActiveLow, Shared) {} }, Local0)
    //       CreateWordField (Local0, 1, IRQW)
    //       Store (ShiftLeft (One, And (PRQC, 0x0F)), IRQW)
    EXPECT_TRUE(contains(
        aml, {'_',  'C',  'R',  'S',  0x08, 0x70, 0x11, 0x09, 0x0a, 0x06, 0x23, 0x00, 0x00, 0x18,
              0x79, 0x00, 0x60, 0x8b, 0x60, 0x01, 'I',  'R',  'Q',  'W',  0x70, 0x79, 0x01, 0x7b}));
    EXPECT_TRUE(contains(aml, with(prqc, {0x0a, 0x0f, 0x00, 0x00, 'I', 'R', 'Q', 'W'})));
    // _SRS: CreateWordField (Arg0, 1, IRQW) FindSetRightBit (IRQW, Local0) Decrement (Local0)
    //       Store (Local0, PRQC)
    EXPECT_TRUE(contains(aml, with({'_', 'S',  'R', 'S', 0x09, 0x8b, 0x68, 0x01, 'I',  'R',  'Q',
                                    'W', 0x82, 'I', 'R', 'Q',  'W',  0x60, 0x76, 0x60, 0x70, 0x60},
                                   prqc)));
}

TEST(AcpiBuild, NoPciRoutingWithoutPciHostBridge) {
    auto aml = build_dsdt_aml({1, {}});
    EXPECT_FALSE(contains(aml, {'_', 'P', 'R', 'T'}));
    EXPECT_FALSE(contains(aml, {'L', 'N', 'K', 'A'}));
    EXPECT_FALSE(contains(aml, {'_', 'P', 'I', 'C'}));
}

// Processor entries (UID, APIC ID) and the IOAPIC ID of a MADT.
std::pair<std::vector<std::pair<uint8_t, uint8_t>>, int> madt_ids(const Tables& t) {
    uint64_t madt_addr = t.xsdt_entries().at("APIC");
    const uint8_t* m = t.at(madt_addr);
    std::vector<std::pair<uint8_t, uint8_t>> cpus;
    int ioapic_id = -1;
    for (uint32_t off = 44; off < t.length(madt_addr) && m[off + 1] >= 2; off += m[off + 1]) {
        if (m[off] == 0) cpus.push_back({m[off + 2], m[off + 3]});
        if (m[off] == 1) ioapic_id = m[off + 2];
    }
    return {cpus, ioapic_id};
}

TEST(AcpiBuild, MadtUsesTopologyApicIds) {
    AcpiConfig config{6, {}, {0, 1, 2, 4, 5, 6}};  // 2 sockets x 3 cores: IDs skip 3
    Tables t(config);
    auto [cpus, ioapic_id] = madt_ids(t);
    EXPECT_EQ(cpus, (std::vector<std::pair<uint8_t, uint8_t>>{
                        {0, 0}, {1, 1}, {2, 2}, {3, 4}, {4, 5}, {5, 6}}));
    EXPECT_EQ(ioapic_id, 7);  // clear of every processor's APIC ID
    // The DSDT's processor devices keep the dense UIDs the MADT uses.
    EXPECT_TRUE(contains(dsdt_of(t), {'C', '0', '0', '5', 0x08}));
}

TEST(AcpiBuild, RejectsBadApicIds) {
    EXPECT_THAT(build_acpi_tables({2, {}, {0}}).error().message(), HasSubstr("1 APIC IDs for 2"));
    EXPECT_THAT(build_acpi_tables({1, {}, {0xfe}}).error().message(), HasSubstr("APIC ID 254"));
    EXPECT_TRUE(build_acpi_tables({1, {}, {0xfd}}).ok());
}

TEST(AcpiBuild, ManyCpusStillFit) {
    AcpiConfig config{kAcpiMaxCpus, {{0x3f8, 4}, {0x2f8, 3}, {0x3e8, 4}, {0x2e8, 3}}};
    config.pci_window_start = 0x8000000;  // the PCI routing tables too
    Tables t(config);
    EXPECT_LE(t.raw().blob.size(), pc::kAcpiTablesSize);
    EXPECT_EQ(t.length(t.xsdt_entries()["APIC"]), 44u + kAcpiMaxCpus * 8 + 12 + 2 * 10);
}

TEST(AcpiBuild, RejectsBadConfigs) {
    EXPECT_THAT(build_acpi_tables({0, {}}).error().message(), HasSubstr("0 CPUs"));
    EXPECT_THAT(build_acpi_tables({kAcpiMaxCpus + 1, {}}).error().message(), HasSubstr("CPUs"));
    AcpiConfig five{1, std::vector<AcpiSerialPort>(5, {0x3f8, 4})};
    EXPECT_THAT(build_acpi_tables(five).error().message(), HasSubstr("serial ports"));
    EXPECT_THAT(build_acpi_tables({1, {{0x3f8, 16}}}).error().message(), HasSubstr("IRQ 16"));
}

TEST(AcpiTable, HeaderAndChecksum) {
    AcpiTable t("TEST", 7);
    t.u32(0x11223344);
    auto bytes = std::move(t).finish();
    ASSERT_EQ(bytes.size(), 40u);
    EXPECT_EQ(std::string(bytes.begin(), bytes.begin() + 4), "TEST");
    EXPECT_EQ(Tables::get<uint32_t>(bytes.data(), 4), 40u);
    EXPECT_EQ(bytes[8], 7);
    EXPECT_EQ(std::string(bytes.begin() + 10, bytes.begin() + 16), "KEMU  ");
    EXPECT_EQ(std::string(bytes.begin() + 16, bytes.begin() + 24), "KEMUPC  ");
    EXPECT_EQ(std::string(bytes.begin() + 28, bytes.begin() + 32), "KEMU");
    EXPECT_EQ(byte_sum(bytes.data(), bytes.size()), 0);
    EXPECT_EQ(Tables::get<uint32_t>(bytes.data(), 36), 0x11223344u);
    const uint8_t some[] = {1, 2, 3};
    EXPECT_EQ(acpi_checksum(some), uint8_t(-6));
}

}  // namespace
}  // namespace kemu
