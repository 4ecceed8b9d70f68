#include "hw/acpi/bios_linker_loader.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

namespace kemu {
namespace {

uint32_t le32(const std::vector<uint8_t>& b, size_t at) {
    uint32_t v;
    std::memcpy(&v, &b[at], 4);
    return v;
}

// A NUL-padded 56-byte name field: the text, then zeros to the end of the field.
void expect_name(const std::vector<uint8_t>& b, size_t at, const std::string& name) {
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(&b[at]), name.size()), name);
    for (size_t i = name.size(); i < 56; i++)
        ASSERT_EQ(b[at + i], 0) << "byte " << i << " of the name field of " << name;
}

TEST(BiosLinkerLoader, CommandsAre128BytesInOrder) {
    BiosLinkerLoader l;
    EXPECT_TRUE(l.bytes().empty());
    l.allocate("etc/acpi/tables", 64, BiosLinkerLoader::Zone::High);
    l.add_pointer("etc/acpi/rsdp", "etc/acpi/tables", 16, 4);
    l.add_checksum("etc/acpi/rsdp", 8, 0, 20);
    const std::vector<uint8_t>& b = l.bytes();
    ASSERT_EQ(b.size(), 3 * 128u);
    EXPECT_EQ(le32(b, 0), 1u);
    EXPECT_EQ(le32(b, 128), 2u);
    EXPECT_EQ(le32(b, 256), 3u);
}

TEST(BiosLinkerLoader, AllocateLayout) {
    BiosLinkerLoader l;
    l.allocate("etc/acpi/rsdp", 16, BiosLinkerLoader::Zone::FSeg);
    const std::vector<uint8_t>& b = l.bytes();
    expect_name(b, 4, "etc/acpi/rsdp");
    EXPECT_EQ(le32(b, 60), 16u);  // alignment
    EXPECT_EQ(b[64], 2);          // zone FSEG
    for (size_t i = 65; i < 128; i++)
        ASSERT_EQ(b[i], 0) << i;
}

TEST(BiosLinkerLoader, AddPointerLayout) {
    BiosLinkerLoader l;
    l.add_pointer("etc/acpi/tables", "etc/acpi/dsdt", 0x1234, 8);
    const std::vector<uint8_t>& b = l.bytes();
    expect_name(b, 4, "etc/acpi/tables");  // destination: the file patched
    expect_name(b, 60, "etc/acpi/dsdt");   // source: the file whose address is added
    EXPECT_EQ(le32(b, 116), 0x1234u);
    EXPECT_EQ(b[120], 8);
    for (size_t i = 121; i < 128; i++)
        ASSERT_EQ(b[i], 0) << i;
}

TEST(BiosLinkerLoader, AddChecksumLayout) {
    BiosLinkerLoader l;
    l.add_checksum("etc/acpi/tables", 0x49, 0x40, 0x24);
    const std::vector<uint8_t>& b = l.bytes();
    expect_name(b, 4, "etc/acpi/tables");
    EXPECT_EQ(le32(b, 60), 0x49u);  // the checksum byte
    EXPECT_EQ(le32(b, 64), 0x40u);  // range start
    EXPECT_EQ(le32(b, 68), 0x24u);  // range length
    for (size_t i = 72; i < 128; i++)
        ASSERT_EQ(b[i], 0) << i;
}

TEST(BiosLinkerLoader, LongestNameKeepsItsTerminator) {
    BiosLinkerLoader l;
    std::string name(55, 'n');
    l.allocate(name, 4, BiosLinkerLoader::Zone::High);
    expect_name(l.bytes(), 4, name);
}

}  // namespace
}  // namespace kemu
