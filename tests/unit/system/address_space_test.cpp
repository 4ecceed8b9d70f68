#include "system/address_space.h"

#include <gtest/gtest.h>

#include <vector>

namespace kemu {
namespace {

struct Recorder {
    std::vector<std::tuple<uint64_t, uint64_t, unsigned>> writes;  // offset, value, size
    std::vector<std::pair<uint64_t, unsigned>> reads;
    IoOps ops(unsigned impl_min, unsigned impl_max, unsigned valid_min = 1,
              unsigned valid_max = 8) {
        IoOps o;
        o.read = [this](uint64_t off, unsigned size) {
            reads.push_back({off, size});
            return 0x1122334455667788ull >> (8 * (off & 7));
        };
        o.write = [this](uint64_t off, uint64_t v, unsigned size) {
            writes.push_back({off, v, size});
        };
        o.impl = {impl_min, impl_max, true};
        o.valid = {valid_min, valid_max, true};
        return o;
    }
};

TEST(AddressSpace, RamReadWriteAndUnassigned) {
    std::vector<uint8_t> ram(0x1000);
    auto region = MemoryRegion::ram("ram", ram.data(), ram.size());
    AddressSpace as("memory", 1ull << 32);
    ASSERT_TRUE(as.map(0x10000, &region).ok());
    EXPECT_EQ(as.write(0x10004, 4, 0xdeadbeef), MemTxResult::Ok);
    EXPECT_EQ(ram[4], 0xef);
    EXPECT_EQ(ram[7], 0xde);
    uint64_t v = 0;
    EXPECT_EQ(as.read(0x10004, 2, &v), MemTxResult::Ok);
    EXPECT_EQ(v, 0xbeefu);
    EXPECT_EQ(as.read(0x20000, 4, &v), MemTxResult::Unassigned);
    EXPECT_EQ(v, 0xffffffffu);
}

TEST(AddressSpace, OverlapAtSamePriorityIsRejectedNamingBoth) {
    std::vector<uint8_t> a(0x1000), b(0x1000);
    auto ra = MemoryRegion::ram("alpha", a.data(), a.size());
    auto rb = MemoryRegion::ram("beta", b.data(), b.size());
    AddressSpace as("memory", 1ull << 32);
    ASSERT_TRUE(as.map(0, &ra).ok());
    auto r = as.map(0x800, &rb);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message().find("alpha"), std::string::npos);
    EXPECT_NE(r.error().message().find("beta"), std::string::npos);
}

TEST(AddressSpace, HigherPriorityShadowsAndUnmapRestores) {
    std::vector<uint8_t> low(0x3000, 0x11), high(0x1000, 0x22);
    auto rl = MemoryRegion::ram("low", low.data(), low.size());
    auto rh = MemoryRegion::rom("high", high.data(), high.size());
    AddressSpace as("memory", 1ull << 32);
    ASSERT_TRUE(as.map(0, &rl).ok());
    ASSERT_TRUE(as.map(0x1000, &rh, 1).ok());
    ASSERT_EQ(as.flat_view().ranges.size(), 3u);
    EXPECT_EQ(as.flat_view().ranges[2].offset_in_region, 0x2000u);
    uint64_t v;
    (void)as.read(0x1000, 1, &v);
    EXPECT_EQ(v, 0x22u);
    (void)as.write(0x1000, 1, 0x33);  // ROM ignores guest writes
    EXPECT_EQ(high[0], 0x22);
    as.unmap(&rh);
    ASSERT_EQ(as.flat_view().ranges.size(), 1u);
    (void)as.read(0x1000, 1, &v);
    EXPECT_EQ(v, 0x11u);
}

TEST(AddressSpace, WideAccessIsSplitToImplementedSize) {
    Recorder rec;
    auto region = MemoryRegion::io("uart", 8, rec.ops(1, 1));
    AddressSpace io("io", 0x10000);
    ASSERT_TRUE(io.map(0x3f8, &region).ok());
    ASSERT_EQ(io.write(0x3f8, 2, 0xabcd), MemTxResult::Ok);
    ASSERT_EQ(rec.writes.size(), 2u);
    EXPECT_EQ(rec.writes[0], std::make_tuple(uint64_t(0), uint64_t(0xcd), 1u));
    EXPECT_EQ(rec.writes[1], std::make_tuple(uint64_t(1), uint64_t(0xab), 1u));
    uint64_t v;
    ASSERT_EQ(io.read(0x3f9, 2, &v), MemTxResult::Ok);
    EXPECT_EQ(rec.reads.size(), 2u);
    EXPECT_EQ(v, 0x6677u);  // bytes at offsets 1 and 2 of the pattern
}

TEST(AddressSpace, NarrowAccessIsWidened) {
    Recorder rec;
    auto region = MemoryRegion::io("pm", 16, rec.ops(4, 4));
    AddressSpace io("io", 0x10000);
    ASSERT_TRUE(io.map(0x600, &region).ok());
    uint64_t v;
    ASSERT_EQ(io.read(0x602, 1, &v), MemTxResult::Ok);
    ASSERT_EQ(rec.reads.size(), 1u);
    EXPECT_EQ(rec.reads[0], std::make_pair(uint64_t(0), 4u));
    EXPECT_EQ(v, 0x66u);
    ASSERT_EQ(io.write(0x605, 1, 0x5a), MemTxResult::Ok);
    EXPECT_EQ(rec.writes[0], std::make_tuple(uint64_t(4), uint64_t(0x5a00), 4u));
}

TEST(AddressSpace, InvalidSizeReadsAllOnesAndSkipsHandler) {
    Recorder rec;
    auto region = MemoryRegion::io("dword-only", 8, rec.ops(4, 4, 4, 4));
    AddressSpace io("io", 0x10000);
    ASSERT_TRUE(io.map(0xcf8, &region).ok());
    uint64_t v = 0;
    EXPECT_EQ(io.read(0xcf8, 1, &v), MemTxResult::Invalid);
    EXPECT_EQ(v, 0xffu);
    EXPECT_TRUE(rec.reads.empty());
}

// Two 4 KiB RAM blocks and a 4 GiB memory space to map them into.
struct TwoRamBlocks {
    std::vector<uint8_t> a = std::vector<uint8_t>(0x1000), b = std::vector<uint8_t>(0x1000);
    MemoryRegion ra = MemoryRegion::ram("a", a.data(), a.size());
    MemoryRegion rb = MemoryRegion::ram("b", b.data(), b.size());
    AddressSpace as{"memory", 1ull << 32};

    // `a` at 0 and `b` right after it, so an access can straddle the two.
    void map_back_to_back() {
        ASSERT_TRUE(as.map(0, &ra).ok());
        ASSERT_TRUE(as.map(0x1000, &rb).ok());
    }
};

TEST(AddressSpace, BulkCopyAcrossRamAndHostPointer) {
    TwoRamBlocks m;
    m.map_back_to_back();
    std::vector<uint8_t> data(16, 0x5a);
    EXPECT_EQ(m.as.write_bytes(0xff8, data), MemTxResult::Ok);
    EXPECT_EQ(m.a[0xfff], 0x5a);
    EXPECT_EQ(m.b[7], 0x5a);
    EXPECT_EQ(m.b[8], 0);
    EXPECT_EQ(m.as.host_pointer(0x1000, 0x1000), m.b.data());
    EXPECT_EQ(m.as.host_pointer(0xff8, 16), nullptr);
}

struct CountingListener : MemoryListener {
    size_t commits = 0, last_ranges = 0;
    std::vector<std::pair<uint64_t, uint64_t>> written;
    void commit(const FlatView&, const FlatView& v) override {
        commits++;
        last_ranges = v.ranges.size();
    }
    void ram_written(uint64_t addr, uint64_t size) override { written.emplace_back(addr, size); }
};

// Bulk writes (loaders, DMA) tell listeners which RAM they changed, region by region, so
// TCG can drop code translated from it; CPU-path writes do not (the softmmu sees those).
TEST(AddressSpace, BulkWritesReportTheRamTheyChanged) {
    TwoRamBlocks m;
    m.map_back_to_back();
    CountingListener l;
    m.as.add_listener(&l);
    std::vector<uint8_t> data(16, 0x5a);
    EXPECT_EQ(m.as.write_bytes(0xff8, data), MemTxResult::Ok);
    ASSERT_EQ(l.written.size(), 2u);
    EXPECT_EQ(l.written[0], std::make_pair(uint64_t(0xff8), uint64_t(8)));
    EXPECT_EQ(l.written[1], std::make_pair(uint64_t(0x1000), uint64_t(8)));
    EXPECT_EQ(m.as.write(0x10, 4, 1), MemTxResult::Ok);
    EXPECT_EQ(l.written.size(), 2u);
}

TEST(AddressSpace, ListenersSeeEveryNewView) {
    std::vector<uint8_t> a(0x1000);
    auto ra = MemoryRegion::ram("a", a.data(), a.size());
    AddressSpace as("memory", 1ull << 32);
    CountingListener l;
    as.add_listener(&l);
    EXPECT_EQ(l.commits, 1u);
    ASSERT_TRUE(as.map(0, &ra).ok());
    EXPECT_EQ(l.commits, 2u);
    EXPECT_EQ(l.last_ranges, 1u);
}

TEST(AddressSpace, AnUpdateBatchTellsListenersOnceAtTheEnd) {
    TwoRamBlocks m;
    CountingListener l;
    m.as.add_listener(&l);
    {
        AddressSpace::UpdateBatch outer(m.as);
        ASSERT_TRUE(m.as.map(0, &m.ra).ok());
        {
            AddressSpace::UpdateBatch inner(m.as);
            ASSERT_TRUE(m.as.map(0x1000, &m.rb).ok());
        }
        EXPECT_EQ(l.commits, 1u);                     // the inner batch's end is not the last
        EXPECT_EQ(m.as.host_pointer(0, 1), nullptr);  // accesses see the map before the batch
    }
    EXPECT_EQ(l.commits, 2u);
    EXPECT_EQ(l.last_ranges, 2u);
    EXPECT_EQ(m.as.host_pointer(0x1000, 1), m.b.data());
    { AddressSpace::UpdateBatch nothing(m.as); }
    EXPECT_EQ(l.commits, 2u);  // a batch without changes rebuilds nothing
}

}  // namespace
}  // namespace kemu
