#include "hw/acpi/aml.h"

#include <gtest/gtest.h>

namespace kemu::aml {
namespace {

using B = Bytes;

// Reads a PkgLength (ACPI 6.4 section 20.2.4): returns {encoded length, bytes used}.
std::pair<size_t, size_t> decode_pkg_length(const B& b, size_t at) {
    unsigned extra = b[at] >> 6;
    if (extra == 0) return {b[at] & 0x3f, 1};
    size_t len = b[at] & 0xf;
    for (unsigned i = 0; i < extra; i++)
        len |= size_t(b[at + 1 + i]) << (4 + 8 * i);
    return {len, 1 + extra};
}

TEST(Aml, IntegersUseTheShortestEncoding) {
    EXPECT_EQ(integer(0), (B{0x00}));
    EXPECT_EQ(integer(1), (B{0x01}));
    EXPECT_EQ(integer(2), (B{0x0a, 0x02}));
    EXPECT_EQ(integer(0xff), (B{0x0a, 0xff}));
    EXPECT_EQ(integer(0x100), (B{0x0b, 0x00, 0x01}));
    EXPECT_EQ(integer(0xffff), (B{0x0b, 0xff, 0xff}));
    EXPECT_EQ(integer(0x10000), (B{0x0c, 0x00, 0x00, 0x01, 0x00}));
    EXPECT_EQ(integer(0xffffffff), (B{0x0c, 0xff, 0xff, 0xff, 0xff}));
    EXPECT_EQ(integer(0x100000000ull), (B{0x0e, 0, 0, 0, 0, 1, 0, 0, 0}));
    EXPECT_EQ(integer(0x8877665544332211ull),
              (B{0x0e, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88}));
}

TEST(Aml, Strings) {
    EXPECT_EQ(string("ab"), (B{0x0d, 'a', 'b', 0x00}));
    EXPECT_EQ(string(""), (B{0x0d, 0x00}));
}

TEST(Aml, NameStrings) {
    EXPECT_EQ(name_string("_S5"), (B{'_', 'S', '5', '_'}));
    EXPECT_EQ(name_string("COM1"), (B{'C', 'O', 'M', '1'}));
    EXPECT_EQ(name_string("\\_SB"), (B{'\\', '_', 'S', 'B', '_'}));
    EXPECT_EQ(name_string("^FOO"), (B{'^', 'F', 'O', 'O', '_'}));
    EXPECT_EQ(name_string("\\_SB.COM1"), (B{'\\', 0x2e, '_', 'S', 'B', '_', 'C', 'O', 'M', '1'}));
    EXPECT_EQ(name_string("A.B.C"),
              (B{0x2f, 3, 'A', '_', '_', '_', 'B', '_', '_', '_', 'C', '_', '_', '_'}));
    EXPECT_EQ(name_string("\\"), (B{'\\', 0x00}));
}

TEST(Aml, EisaId) {
    // PNP0501: 'P'=0x10, 'N'=0x0e, 'P'=0x10 packed into 15 bits, then 0x05 0x01.
    EXPECT_EQ(eisaid("PNP0501"), (B{0x0c, 0x41, 0xd0, 0x05, 0x01}));
    EXPECT_EQ(eisaid("PNP0A03"), (B{0x0c, 0x41, 0xd0, 0x0a, 0x03}));
    // Always a DWordConst, even when the value would fit a word.
    EXPECT_EQ(eisaid("PNP0000"), (B{0x0c, 0x41, 0xd0, 0x00, 0x00}));
}

TEST(Aml, NameAndPackage) {
    EXPECT_EQ(name("_UID", integer(1)), (B{0x08, '_', 'U', 'I', 'D', 0x01}));
    EXPECT_EQ(package({integer(0), integer(0), integer(0), integer(0)}),
              (B{0x12, 0x06, 0x04, 0x00, 0x00, 0x00, 0x00}));
    EXPECT_EQ(name("\\_S5", package({integer(5), integer(0x1234)})),
              (B{0x08, '\\', '_', 'S', '5', '_', 0x12, 0x07, 0x02, 0x0a, 0x05, 0x0b, 0x34, 0x12}));
}

TEST(Aml, ScopeDeviceMethod) {
    EXPECT_EQ(scope("\\_SB", {}), (B{0x10, 0x06, '\\', '_', 'S', 'B', '_'}));
    EXPECT_EQ(device("COM1", {}), (B{0x5b, 0x82, 0x05, 'C', 'O', 'M', '1'}));
    EXPECT_EQ(method("_STA", 0, false, {return_value(integer(0x0f))}),
              (B{0x14, 0x09, '_', 'S', 'T', 'A', 0x00, 0xa4, 0x0a, 0x0f}));
    EXPECT_EQ(method("FOO", 2, true, {}), (B{0x14, 0x06, 'F', 'O', 'O', '_', 0x0a}));
    EXPECT_EQ(device("C000", {name("_UID", integer(0))}),
              (B{0x5b, 0x82, 0x0b, 'C', '0', '0', '0', 0x08, '_', 'U', 'I', 'D', 0x00}));
}

TEST(Aml, BuffersAndResourceTemplates) {
    EXPECT_EQ(buffer({}), (B{0x11, 0x02, 0x00}));
    const uint8_t data[] = {0xde, 0xad};
    EXPECT_EQ(buffer(data), (B{0x11, 0x05, 0x0a, 0x02, 0xde, 0xad}));
    EXPECT_EQ(io_decode16(0x3f8, 0x3f8, 1, 8), (B{0x47, 0x01, 0xf8, 0x03, 0xf8, 0x03, 0x01, 0x08}));
    EXPECT_EQ(irq_no_flags(4), (B{0x22, 0x10, 0x00}));
    EXPECT_EQ(irq_no_flags(9), (B{0x22, 0x00, 0x02}));
    EXPECT_EQ(resource_template({irq_no_flags(4)}),
              (B{0x11, 0x08, 0x0a, 0x05, 0x22, 0x10, 0x00, 0x79, 0x00}));
}

TEST(Aml, MethodBodyOperators) {
    EXPECT_EQ(local(0), (B{0x60}));
    EXPECT_EQ(local(7), (B{0x67}));
    EXPECT_EQ(arg(0), (B{0x68}));
    EXPECT_EQ(arg(6), (B{0x6e}));
    EXPECT_EQ(store(arg(0), name_string("\\PICF")), (B{0x70, 0x68, '\\', 'P', 'I', 'C', 'F'}));
    // And (FOO, 0x80) with no target, Or (FOO, 0x80, FOO)
    EXPECT_EQ(bit_and(name_string("FOO"), integer(0x80)),
              (B{0x7b, 'F', 'O', 'O', '_', 0x0a, 0x80, 0x00}));
    EXPECT_EQ(bit_or(name_string("FOO"), integer(0x80), name_string("FOO")),
              (B{0x7d, 'F', 'O', 'O', '_', 0x0a, 0x80, 'F', 'O', 'O', '_'}));
    EXPECT_EQ(shift_left(integer(1), local(1)), (B{0x79, 0x01, 0x61, 0x00}));
    EXPECT_EQ(find_set_right_bit(local(1), local(0)), (B{0x82, 0x61, 0x60}));
    EXPECT_EQ(decrement(local(0)), (B{0x76, 0x60}));
    // If (Local0) { Return (One) }
    EXPECT_EQ(if_then(local(0), {return_value(integer(1))}), (B{0xa0, 0x04, 0x60, 0xa4, 0x01}));
    EXPECT_EQ(create_word_field(arg(0), 1, "IRQW"), (B{0x8b, 0x68, 0x01, 'I', 'R', 'Q', 'W'}));
}

TEST(Aml, OperationRegionAndField) {
    EXPECT_EQ(operation_region("PIRQ", RegionSpace::PciConfig, 0x60, 4),
              (B{0x5b, 0x80, 'P', 'I', 'R', 'Q', 0x02, 0x0a, 0x60, 0x0a, 0x04}));
    // Field (PIRQ, ByteAcc, NoLock, Preserve) { PRQA, 8, PRQB, 16 }
    EXPECT_EQ(byte_field("PIRQ", {{"PRQA", 8}, {"PRQB", 16}}),
              (B{0x5b, 0x81, 0x10, 'P', 'I', 'R', 'Q', 0x01, 'P', 'R', 'Q', 'A', 0x08, 'P', 'R',
                 'Q', 'B', 0x10}));
}

TEST(Aml, IrqDescriptorWithFlags) {
    // IRQ (Level, ActiveLow, Shared) {5, 10, 11}
    EXPECT_EQ(irq_level_low_shared(1 << 5 | 1 << 10 | 1 << 11), (B{0x23, 0x20, 0x0c, 0x18}));
    EXPECT_EQ(irq_level_low_shared(0), (B{0x23, 0x00, 0x00, 0x18}));
}

TEST(Aml, PkgLengthBoundaries) {
    // One byte holds lengths up to 63 (the length counts the PkgLength itself).
    EXPECT_EQ(pkg_length(62), (B{63}));
    // 64 bytes need a second PkgLength byte, which makes the total 65.
    EXPECT_EQ(pkg_length(63), (B{0x41, 0x04}));
    // Two bytes reach 4095; one more needs a third byte.
    EXPECT_EQ(pkg_length(4093), (B{0x4f, 0xff}));
    EXPECT_EQ(pkg_length(4094), (B{0x81, 0x00, 0x01}));
    EXPECT_EQ(pkg_length(0xfffff - 3), (B{0x8f, 0xff, 0xff}));
    EXPECT_EQ(pkg_length(0xfffff - 2), (B{0xc1, 0x00, 0x00, 0x01}));
}

TEST(Aml, PkgLengthCoversTheWholeConstruct) {
    for (size_t n : {0u, 1u, 58u, 59u, 60u, 61u, 62u, 63u, 64u, 4089u, 4090u, 4091u, 4092u, 4093u,
                     4094u, 4095u, 4096u, 70000u}) {
        B data(n, 0x5a);
        B buf = buffer(data);
        auto [len, used] = decode_pkg_length(buf, 1);
        EXPECT_EQ(len, buf.size() - 1) << n;  // everything after BufferOp
        EXPECT_EQ(used, len <= 63 ? 1u : len <= 4095 ? 2u : len <= 0xfffff ? 3u : 4u) << n;
    }
}

}  // namespace
}  // namespace kemu::aml
