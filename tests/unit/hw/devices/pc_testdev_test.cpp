// pc-testdev: the scratch register through both windows, the interrupt lines, the
// MMIO scratch memory and the flush-page port, as kvm-unit-tests drives them.
#include "hw/misc/pc_testdev.h"

#include <gtest/gtest.h>
#include <sys/mman.h>

#include <cstring>

#include "tests/unit/hw/devices/device_harness.h"

namespace kemu {
namespace {

using test::DeviceHarness;
using test::IrqRecorder;

struct TestdevFixture : ::testing::Test {
    DeviceHarness h;
    AddressSpace memory{"memory", 1ull << 32};
    PcTestdev dev{"pc-testdev", &memory};

    void SetUp() override {
        h.map(PcTestdev::kPortData, dev.data_io());
        h.map(PcTestdev::kPortFlushPage, dev.flush_page_io());
        h.map(PcTestdev::kPortDataBytes, dev.data_bytes_io());
        h.map(PcTestdev::kPortIrqLines, dev.irq_lines_io());
        ASSERT_TRUE(memory.map(PcTestdev::kIomemBase, &dev.iomem()).ok());
    }
    uint64_t mem_read(uint64_t addr, unsigned size) {
        uint64_t v = 0;
        EXPECT_EQ(memory.read(addr, size, &v), MemTxResult::Ok);
        return v;
    }
};

TEST_F(TestdevFixture, DataRegisterKeepsEachByteLane) {
    h.outl(0xe0, 0x12345678);
    EXPECT_EQ(h.inl(0xe0), 0x12345678u);
    EXPECT_EQ(h.inb(0xe1), 0x56);
    EXPECT_EQ(h.inw(0xe2), 0x1234);
    h.outb(0xe3, 0xab);
    h.outw(0xe0, 0xcdef);
    EXPECT_EQ(h.inl(0xe0), 0xab34cdefu);
    EXPECT_EQ(dev.data(), 0xab34cdefu);
}

TEST_F(TestdevFixture, ByteWindowSeesTheSameRegisterThroughSplitAccesses) {
    h.outl(0xe8, 0x11223344);
    EXPECT_EQ(h.inl(0xe0), 0x11223344u);
    EXPECT_EQ(h.inw(0xea), 0x1122);
    h.outw(0xe9, 0xbeef);
    EXPECT_EQ(h.inl(0xe8), 0x11beef44u);
    EXPECT_EQ(h.inb(0xeb), 0x11);
}

TEST_F(TestdevFixture, IrqPortsDriveLineLevels) {
    IrqRecorder line14(dev.irq(14)), line23(dev.irq(23));
    h.outb(0x2000 + 14, 1);
    EXPECT_TRUE(line14.level());
    EXPECT_FALSE(line23.level());
    h.outb(0x2000 + 23, 0x80);  // any non-zero value raises
    EXPECT_TRUE(line23.level());
    h.outw(0x2000 + 14, 0);  // only byte writes are decoded
    EXPECT_TRUE(line14.level());
    h.outb(0x2000 + 14, 0);
    EXPECT_FALSE(line14.level());
    EXPECT_TRUE(line23.level());
    EXPECT_EQ(h.inb(0x2000), 0xff) << "the IRQ ports are write-only";
}

TEST_F(TestdevFixture, IomemIsScratchMemoryOfEveryWidth) {
    ASSERT_EQ(memory.write(PcTestdev::kIomemBase + 0x10, 8, 0x0123456789abcdefull),
              MemTxResult::Ok);
    EXPECT_EQ(mem_read(PcTestdev::kIomemBase + 0x10, 8), 0x0123456789abcdefull);
    EXPECT_EQ(mem_read(PcTestdev::kIomemBase + 0x11, 2), 0xabcdu);
    ASSERT_EQ(memory.write(PcTestdev::kIomemBase + 0xffff, 1, 0x5a), MemTxResult::Ok);
    EXPECT_EQ(mem_read(PcTestdev::kIomemBase + 0xffff, 1), 0x5au);
    EXPECT_EQ(mem_read(PcTestdev::kIomemBase, 4), 0u);
}

TEST_F(TestdevFixture, FlushPageKeepsRamContentsAndIgnoresNonRam) {
    const size_t size = 4 * 4096;
    void* host = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ASSERT_NE(host, MAP_FAILED);
    auto* bytes = static_cast<uint8_t*>(host);
    std::memset(bytes, 0x3c, size);
    MemoryRegion ram = MemoryRegion::ram("ram", bytes, size);
    ASSERT_TRUE(memory.map(0x100000, &ram).ok());
    h.outl(0xe4, 0x101234);  // any address inside the page
    EXPECT_EQ(bytes[0x1000], 0x3c) << "the page is readable again";
    bytes[0x1000] = 0x42;  // and writable
    EXPECT_EQ(mem_read(0x101000, 1), 0x42u);
    h.outl(0xe4, PcTestdev::kIomemBase);  // MMIO: ignored
    h.outl(0xe4, 0x80000000);             // unassigned: ignored
    h.outb(0xe4, 0x10);                   // not a 32-bit write: ignored by the bus
    memory.unmap(&ram);
    munmap(host, size);
}

TEST_F(TestdevFixture, ResetAndSaveLoad) {
    h.outl(0xe0, 0xfeedface);
    h.outb(0x2005, 1);
    ASSERT_EQ(memory.write(PcTestdev::kIomemBase + 0x100, 4, 0xcafe), MemTxResult::Ok);

    PcTestdev copy("pc-testdev", nullptr);
    IrqRecorder copy_line5(copy.irq(5));
    test::copy_state(dev, copy);
    EXPECT_EQ(copy.data(), 0xfeedfaceu);
    EXPECT_TRUE(copy_line5.level());
    EXPECT_EQ(copy.iomem().ops().read(0x100, 4), 0xcafeu);

    StateReader empty(std::span<const uint8_t>{});
    EXPECT_FALSE(copy.load(empty, copy.state_version()).ok());
    EXPECT_FALSE(copy.load(empty, copy.state_version() + 1).ok());

    dev.reset();
    EXPECT_EQ(h.inl(0xe0), 0u);
    EXPECT_EQ(mem_read(PcTestdev::kIomemBase + 0x100, 4), 0u);
    EXPECT_FALSE(dev.irq(5).level());
}

}  // namespace
}  // namespace kemu
