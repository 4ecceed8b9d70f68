// The firmware form of the ACPI tables: run the table-loader script the way SeaBIOS's
// romfile loader does and check that the guest ends up with linked, checksummed tables,
// the same ones direct boot copies in.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <map>
#include <set>
#include <string>

#include "hw/acpi/bios_linker_loader.h"
#include "hw/i386/acpi_build.h"
#include "tests/unit/hw/boot/firmware_reads.h"

namespace kemu {
namespace {

constexpr uint8_t kZoneHigh = 1, kZoneFSeg = 2;

template <typename T>
T get(const uint8_t* p, size_t off = 0) {
    T v;
    std::memcpy(&v, p + off, sizeof v);
    return v;
}

using test::byte_sum;

// A loader after SeaBIOS's romfile_loader: ALLOCATE copies a file to an address the
// `place` function picks for its zone and alignment, ADD_POINTER adds the source file's
// address to a field of the destination, ADD_CHECKSUM subtracts a range's sum from a byte.
class TinyLoader {
  public:
    using Placer = std::function<uint64_t(uint8_t zone, uint32_t align, size_t size)>;
    struct File {
        uint64_t addr = 0;
        uint8_t zone = 0;
        uint32_t align = 0;
        std::vector<uint8_t> bytes;
    };

    TinyLoader(const AcpiFirmwareFiles& files, Placer place) : place_(std::move(place)) {
        rom_[kAcpiRsdpFile] = files.rsdp;
        rom_[kAcpiTablesFile] = files.tables;
        const std::vector<uint8_t>& script = files.loader;
        EXPECT_EQ(script.size() % 128, 0u);
        for (size_t at = 0; at + 128 <= script.size(); at += 128)
            run(&script[at]);
    }

    std::map<std::string, File> files;
    std::vector<uint32_t> commands;

    // The bytes at guest address `addr`, which must lie in a loaded file.
    const uint8_t* at(uint64_t addr, size_t len = 1) const {
        for (const auto& [name, f] : files)
            if (addr >= f.addr && addr + len <= f.addr + f.bytes.size())
                return f.bytes.data() + (addr - f.addr);
        ADD_FAILURE() << "address 0x" << std::hex << addr << " is in no loaded file";
        static const uint8_t zeros[64] = {};
        return zeros;
    }

  private:
    static std::string name(const uint8_t* field) {
        EXPECT_EQ(field[55], 0) << "name field without its terminator";
        return reinterpret_cast<const char*>(field);
    }

    File& loaded(const std::string& n) {
        EXPECT_TRUE(files.count(n)) << n << " used before ALLOCATE";
        return files[n];
    }

    void run(const uint8_t* c) {
        uint32_t command = get<uint32_t>(c);
        commands.push_back(command);
        if (command == 1) {
            std::string n = name(c + 4);
            ASSERT_TRUE(rom_.count(n)) << "ALLOCATE of unknown file " << n;
            ASSERT_FALSE(files.count(n)) << n << " allocated twice";
            File f{0, c[64], get<uint32_t>(c, 60), rom_[n]};
            ASSERT_NE(f.align, 0u);
            ASSERT_EQ(f.align & (f.align - 1), 0u);
            f.addr = place_(f.zone, f.align, f.bytes.size());
            files[n] = std::move(f);
        } else if (command == 2) {
            File& dest = loaded(name(c + 4));
            const File& src = loaded(name(c + 60));
            uint32_t offset = get<uint32_t>(c, 116);
            uint8_t size = c[120];
            ASSERT_TRUE(size == 1 || size == 2 || size == 4 || size == 8);
            ASSERT_LE(offset + size, dest.bytes.size());
            uint64_t v = 0;
            std::memcpy(&v, &dest.bytes[offset], size);
            v += src.addr;
            std::memcpy(&dest.bytes[offset], &v, size);
        } else if (command == 3) {
            File& f = loaded(name(c + 4));
            uint32_t offset = get<uint32_t>(c, 60), start = get<uint32_t>(c, 64),
                     length = get<uint32_t>(c, 68);
            ASSERT_LT(offset, f.bytes.size());
            ASSERT_LE(uint64_t(start) + length, f.bytes.size());
            f.bytes[offset] = uint8_t(f.bytes[offset] - byte_sum(&f.bytes[start], length));
        } else {
            ADD_FAILURE() << "unknown command " << command;
        }
    }

    Placer place_;
    std::map<std::string, std::vector<uint8_t>> rom_;
};

// SeaBIOS-like zones: the F segment and a high zone below the top of 128 MiB of RAM.
uint64_t seabios_like_place(uint8_t zone, uint32_t align, size_t size) {
    static constexpr uint64_t kFSeg = 0xf5a40, kHigh = 0x7fd1230;
    uint64_t base = zone == kZoneFSeg ? kFSeg : kHigh;
    EXPECT_TRUE(zone == kZoneFSeg || zone == kZoneHigh);
    EXPECT_GT(size, 0u);
    return (base + align - 1) & ~uint64_t(align - 1);
}

AcpiConfig config() {
    return {4, {{0x3f8, 4}, {0x2f8, 3}}, {0, 1, 2, 6}};
}

AcpiFirmwareFiles firmware_files() {
    auto files = build_acpi_firmware_files(config());
    EXPECT_TRUE(files.ok()) << files.error().message();
    return std::move(*files);
}

std::string signature(const uint8_t* table) {
    return std::string(reinterpret_cast<const char*>(table), 4);
}

TEST(AcpiFirmwareFiles, ScriptAllocatesBothFilesFirstInTheirZones) {
    TinyLoader l(firmware_files(), seabios_like_place);
    ASSERT_GE(l.commands.size(), 2u);
    EXPECT_EQ(l.commands[0], 1u);
    EXPECT_EQ(l.commands[1], 1u);
    EXPECT_EQ(l.files[kAcpiRsdpFile].zone, kZoneFSeg);
    EXPECT_EQ(l.files[kAcpiTablesFile].zone, kZoneHigh);
    EXPECT_EQ(l.files[kAcpiTablesFile].align % 64, 0u);  // the FACS needs 64
    EXPECT_EQ(l.files[kAcpiRsdpFile].align % 16, 0u);
    // Every pointer is patched before any checksum is computed.
    auto first_checksum = std::find(l.commands.begin(), l.commands.end(), 3u);
    EXPECT_EQ(std::find(first_checksum, l.commands.end(), 2u), l.commands.end());
}

TEST(AcpiFirmwareFiles, LoadedRsdpIsValidAndPointsAtTheTables) {
    TinyLoader l(firmware_files(), seabios_like_place);
    uint64_t rsdp_addr = l.files[kAcpiRsdpFile].addr;
    EXPECT_EQ(rsdp_addr % 16, 0u);
    EXPECT_GE(rsdp_addr, 0xe0000u);
    const uint8_t* rsdp = l.at(rsdp_addr, 36);
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(rsdp), 8), "RSD PTR ");
    EXPECT_EQ(byte_sum(rsdp, 20), 0);
    EXPECT_EQ(byte_sum(rsdp, 36), 0);
    EXPECT_EQ(signature(l.at(get<uint32_t>(rsdp, 16))), "RSDT");
    EXPECT_EQ(signature(l.at(get<uint64_t>(rsdp, 24))), "XSDT");
}

TEST(AcpiFirmwareFiles, RsdtAndXsdtEntriesAreValidTables) {
    TinyLoader l(firmware_files(), seabios_like_place);
    const uint8_t* rsdp = l.at(l.files[kAcpiRsdpFile].addr, 36);
    const uint8_t* rsdt = l.at(get<uint32_t>(rsdp, 16), 36);
    const uint8_t* xsdt = l.at(get<uint64_t>(rsdp, 24), 36);
    uint32_t rsdt_len = get<uint32_t>(rsdt, 4), xsdt_len = get<uint32_t>(xsdt, 4);
    ASSERT_EQ(byte_sum(l.at(get<uint32_t>(rsdp, 16), rsdt_len), rsdt_len), 0);
    ASSERT_EQ(byte_sum(l.at(get<uint64_t>(rsdp, 24), xsdt_len), xsdt_len), 0);
    ASSERT_EQ((rsdt_len - 36) / 4, (xsdt_len - 36) / 8);

    std::set<std::string> seen;
    for (uint32_t i = 0; i < (rsdt_len - 36) / 4; i++) {
        uint64_t addr = get<uint32_t>(rsdt, 36 + 4 * i);
        EXPECT_EQ(get<uint64_t>(xsdt, 36 + 8 * i), addr) << "entry " << i;
        const uint8_t* table = l.at(addr, 36);
        uint32_t len = get<uint32_t>(table, 4);
        EXPECT_EQ(byte_sum(l.at(addr, len), len), 0) << signature(table);
        seen.insert(signature(table));
    }
    EXPECT_EQ(seen, (std::set<std::string>{"FACP", "APIC"}));
}

TEST(AcpiFirmwareFiles, FadtPointsAtFacsAndDsdt) {
    TinyLoader l(firmware_files(), seabios_like_place);
    const uint8_t* rsdp = l.at(l.files[kAcpiRsdpFile].addr, 36);
    const uint8_t* rsdt = l.at(get<uint32_t>(rsdp, 16), 40);
    const uint8_t* fadt = nullptr;
    for (uint32_t off = 36; off < get<uint32_t>(rsdt, 4); off += 4)
        if (signature(l.at(get<uint32_t>(rsdt, off))) == "FACP")
            fadt = l.at(get<uint32_t>(rsdt, off), 148);
    ASSERT_NE(fadt, nullptr);
    uint32_t facs = get<uint32_t>(fadt, 36);
    EXPECT_EQ(facs % 64, 0u);
    EXPECT_EQ(signature(l.at(facs, 64)), "FACS");
    uint32_t dsdt = get<uint32_t>(fadt, 40);
    EXPECT_EQ(get<uint64_t>(fadt, 140), dsdt);  // X_DSDT agrees with DSDT
    const uint8_t* d = l.at(dsdt, 36);
    EXPECT_EQ(signature(d), "DSDT");
    uint32_t len = get<uint32_t>(d, 4);
    EXPECT_EQ(byte_sum(l.at(dsdt, len), len), 0);
}

// Placed where direct boot puts them (the RSDP at the start of the scan area, the tables
// file 64 bytes on), the loaded files are byte for byte the direct-boot blob.
TEST(AcpiFirmwareFiles, SameTablesAsDirectBoot) {
    auto direct = build_acpi_tables(config());
    ASSERT_TRUE(direct.ok());
    TinyLoader l(firmware_files(), [&](uint8_t zone, uint32_t, size_t) {
        return direct->base + (zone == kZoneFSeg ? 0 : 64);
    });
    std::vector<uint8_t> placed = l.files[kAcpiRsdpFile].bytes;
    placed.resize(64, 0);
    const std::vector<uint8_t>& tables = l.files[kAcpiTablesFile].bytes;
    placed.insert(placed.end(), tables.begin(), tables.end());
    EXPECT_EQ(placed, direct->blob);
}

TEST(AcpiFirmwareFiles, ConfigErrorsAreReported) {
    EXPECT_FALSE(build_acpi_firmware_files({0, {}}).ok());
    EXPECT_FALSE(build_acpi_firmware_files({1, {}, {0xfe}}).ok());
}

}  // namespace
}  // namespace kemu
