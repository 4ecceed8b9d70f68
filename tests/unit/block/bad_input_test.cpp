// Hostile or damaged images: every case must end in a clear error, never a crash or hang.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "block/qcow2/format.h"
#include "tests/unit/block/test_util.h"

namespace kemu::block {
namespace {

using test::TempDir;

void patch(const std::string& path, uint64_t offset, std::span<const uint8_t> bytes) {
    auto f = ImageFile::open(path, {});
    ASSERT_TRUE(f.ok());
    ASSERT_TRUE(f->write(offset, bytes).ok());
}

void patch_be32(const std::string& path, uint64_t offset, uint32_t v) {
    uint8_t b[4];
    qcow2::put_be32(b, v);
    patch(path, offset, b);
}

void patch_be64(const std::string& path, uint64_t offset, uint64_t v) {
    uint8_t b[8];
    qcow2::put_be64(b, v);
    patch(path, offset, b);
}

// This process's virtual size (/proc/self/statm's first field), 0 when unknown.
uint64_t address_space_bytes() {
    FILE* f = std::fopen("/proc/self/statm", "r");
    if (!f) return 0;
    unsigned long long pages = 0;
    const bool read = std::fscanf(f, "%llu", &pages) == 1;
    std::fclose(f);
    return read ? pages * uint64_t(sysconf(_SC_PAGESIZE)) : 0;
}

std::string open_error(const std::string& path) {
    auto d = open_image(path, {.format = "qcow2", .read_only = true});
    return d ? std::string() : d.error().message();
}

TEST(Qcow2BadInput, TruncatedHeader) {
    TempDir dir;
    test::create_qcow2(dir.file("a.qcow2"), 1 << 20);
    ASSERT_EQ(truncate(dir.file("a.qcow2").c_str(), 40), 0);
    EXPECT_NE(open_error(dir.file("a.qcow2")), "");
}

TEST(Qcow2BadInput, ClusterBitsOutOfRange) {
    TempDir dir;
    test::create_qcow2(dir.file("a.qcow2"), 1 << 20);
    patch_be32(dir.file("a.qcow2"), 20, 40);
    EXPECT_NE(open_error(dir.file("a.qcow2")).find("cluster size"), std::string::npos);
}

TEST(Qcow2BadInput, HugeL1Table) {
    TempDir dir;
    test::create_qcow2(dir.file("a.qcow2"), 1 << 20);
    patch_be32(dir.file("a.qcow2"), 36, 0x7fffffff);
    EXPECT_NE(open_error(dir.file("a.qcow2")).find("L1 table too large"), std::string::npos);
}

TEST(Qcow2BadInput, ExtendedL2IsUnsupported) {
    TempDir dir;
    test::create_qcow2(dir.file("a.qcow2"), 1 << 20);
    patch_be64(dir.file("a.qcow2"), 72, qcow2::kIncompatExtendedL2);
    EXPECT_EQ(open_error(dir.file("a.qcow2")),
              "Could not open '" + dir.file("a.qcow2") +
                  "': Unsupported qcow2 feature(s): extended L2 entries");
}

TEST(Qcow2BadInput, L2EntryPastEndOfFile) {
    TempDir dir;
    test::create_qcow2(dir.file("a.qcow2"), 1 << 20);
    uint64_t l2_offset;
    {
        auto d = test::open_qcow2(dir.file("a.qcow2"), true);
        ASSERT_TRUE(d->write(0, std::vector<uint8_t>(512, 1)).ok());
        ASSERT_TRUE(d->close().ok());
        auto f = ImageFile::open(dir.file("a.qcow2"), {.read_only = true});
        uint8_t l1[8];
        ASSERT_TRUE(f->read(d->header().l1_table_offset, l1).ok());
        l2_offset = qcow2::be64(l1) & qcow2::kOffsetMask;
    }
    patch_be64(dir.file("a.qcow2"), l2_offset, qcow2::kOflagCopied | (1ull << 40));
    auto d = test::open_qcow2(dir.file("a.qcow2"), false);
    ASSERT_TRUE(d);
    std::vector<uint8_t> buf(512);
    auto r = d->read(0, buf);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message().find("past the end"), std::string::npos);
    auto c = d->check(qcow2::RepairMode::None);
    ASSERT_TRUE(c.ok());
    EXPECT_GT(c->corruptions, 0u);
}

TEST(Qcow2BadInput, WritableOpenMarksCorruptImage) {
    TempDir dir;
    test::create_qcow2(dir.file("a.qcow2"), 1 << 20);
    {
        auto d = test::open_qcow2(dir.file("a.qcow2"), true);
        ASSERT_TRUE(d->write(0, std::vector<uint8_t>(512, 1)).ok());
        ASSERT_TRUE(d->close().ok());
    }
    auto d = test::open_qcow2(dir.file("a.qcow2"), false);
    uint64_t l1_offset = d->header().l1_table_offset;
    d.reset();
    patch_be64(dir.file("a.qcow2"), l1_offset, qcow2::kOflagCopied | 0x1234);  // unaligned L2
    {
        auto rw = test::open_qcow2(dir.file("a.qcow2"), true);
        std::vector<uint8_t> buf(512);
        testing::internal::CaptureStderr();
        EXPECT_FALSE(rw->read(0, buf).ok());
        // A host-side failure, not a guest error: printed whatever -d says.
        std::string printed = testing::internal::GetCapturedStderr();
        EXPECT_EQ(printed.rfind(std::string(program_invocation_short_name) + ": qcow2 ", 0), 0u)
            << printed;
        EXPECT_NE(printed.find("marking image as corrupt"), std::string::npos) << printed;
    }
    auto again = open_image(dir.file("a.qcow2"), {.format = "qcow2"});
    ASSERT_FALSE(again.ok());
    EXPECT_NE(again.error().message().find("corrupt"), std::string::npos);
    EXPECT_TRUE(open_image(dir.file("a.qcow2"), {.format = "qcow2", .read_only = true}).ok());
}

// check -r all on an image marked corrupt: it may be opened for the check, and once the
// repair leaves nothing wrong the mark goes, as with qemu-img.
TEST(Qcow2BadInput, RepairClearsTheCorruptMark) {
    TempDir dir;
    test::create_qcow2(dir.file("a.qcow2"), 1 << 20);
    patch_be64(dir.file("a.qcow2"), 72, qcow2::kIncompatCorrupt);
    ASSERT_FALSE(open_image(dir.file("a.qcow2"), {.format = "qcow2"}).ok());
    {
        auto d = test::open_qcow2(dir.file("a.qcow2"), true, nullptr, {.for_check = true});
        ASSERT_TRUE(d);
        auto r = d->check(qcow2::RepairMode::All);
        ASSERT_TRUE(r.ok()) << r.error().message();
        ASSERT_TRUE(d->close().ok());
    }
    EXPECT_TRUE(open_image(dir.file("a.qcow2"), {.format = "qcow2"}).ok());
}

// Writes `data` at the image's start, then points its first refcount table entry at an
// unaligned offset, which makes the refcount structure unusable.
void write_then_destroy_refcount_entry(const std::string& path, std::span<const uint8_t> data) {
    uint64_t table_offset = 0;
    {
        auto d = test::open_qcow2(path, true);
        ASSERT_TRUE(d->write(0, data).ok());
        table_offset = d->header().refcount_table_offset;
        ASSERT_TRUE(d->close().ok());
    }
    patch_be64(path, table_offset, 0x1234);
}

// A destroyed refcount table entry: check reports it without crashing; -r all builds a new
// refcount structure from the tables, after which the image is clean, keeps its data and
// takes writes.
TEST(Qcow2BadInput, DestroyedRefcountStructureIsRebuilt) {
    TempDir dir;
    test::create_qcow2(dir.file("a.qcow2"), 4 << 20);
    auto data = test::random_bytes(1 << 20, 77);
    write_then_destroy_refcount_entry(dir.file("a.qcow2"), data);
    {
        auto d = test::open_qcow2(dir.file("a.qcow2"), false, nullptr, {.for_check = true});
        auto r = d->check(qcow2::RepairMode::None);
        ASSERT_TRUE(r.ok()) << r.error().message();
        EXPECT_EQ(r->corruptions, 1u);
    }
    {
        auto d = test::open_qcow2(dir.file("a.qcow2"), true, nullptr, {.for_check = true});
        auto r = d->check(qcow2::RepairMode::All);
        ASSERT_TRUE(r.ok()) << r.error().message();
        EXPECT_EQ(r->corruptions_fixed, 1u);
        ASSERT_TRUE(d->close().ok());
    }
    auto d = test::open_qcow2(dir.file("a.qcow2"), true);
    test::expect_clean(*d);
    EXPECT_EQ(test::read_all(*d, 0, 1 << 20), data);
    auto more = test::random_bytes(1 << 20, 78);
    ASSERT_TRUE(d->write(2 << 20, more).ok());
    ASSERT_TRUE(d->flush().ok());
    test::expect_clean(*d);
    EXPECT_EQ(test::read_all(*d, 2 << 20, 1 << 20), more);
    EXPECT_EQ(test::read_all(*d, 0, 1 << 20), data);
}

// The fuzzer's out-of-memory image in its smallest form: with 2 MiB clusters and 1-bit
// refcounts one refcount block covers 16M clusters, and a rebuild that grew its recount
// (4 bytes per cluster) to whole blocks asked for 64 MiB per block. The repair runs in a
// child whose address space may grow by 48 MiB at most: enough for the check and rebuild of
// a small image (a few 2 MiB clusters at a time), not for one block's worth of recount.
TEST(Qcow2BadInput, RebuildWithLargeClustersAndNarrowRefcountsStaysSmall) {
    TempDir dir;
    test::create_qcow2(dir.file("a.qcow2"), 16 << 20,
                       {.cluster_size = 2 << 20, .refcount_bits = 1});
    auto data = test::random_bytes(3 << 20, 79);
    write_then_destroy_refcount_entry(dir.file("a.qcow2"), data);
    const pid_t child = fork();
    ASSERT_GE(child, 0) << std::strerror(errno);
    if (child == 0) {
        rlimit limit{};
        const uint64_t used = address_space_bytes();
        limit.rlim_cur = limit.rlim_max = used + (48 << 20);
        if (used == 0 || setrlimit(RLIMIT_AS, &limit) != 0) _exit(2);
        auto d = test::open_qcow2(dir.file("a.qcow2"), true, nullptr, {.for_check = true});
        auto r = d->check(qcow2::RepairMode::All);
        _exit(r.ok() && r->corruptions_fixed == 1 && d->close().ok() ? 0 : 1);
    }
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status)) << "the repair died of signal " << WTERMSIG(status);
    ASSERT_EQ(WEXITSTATUS(status), 0);
    auto d = test::open_qcow2(dir.file("a.qcow2"), true);
    test::expect_clean(*d);
    EXPECT_EQ(test::read_all(*d, 0, 3 << 20), data);
}

// A refcount table without its first block: every refcount reads 0, the header's cluster's
// too. An allocation must still never place anything there (the fuzzer found a refcount
// block written over the header, then dereferenced as missing).
TEST(Qcow2BadInput, MissingRefcountBlockNeverHandsOutTheHeader) {
    TempDir dir;
    test::create_qcow2(dir.file("a.qcow2"), 1 << 20);
    uint64_t table_offset = 0;
    {
        auto d = test::open_qcow2(dir.file("a.qcow2"), false);
        table_offset = d->header().refcount_table_offset;
    }
    patch_be64(dir.file("a.qcow2"), table_offset, 0);
    {
        auto d = test::open_qcow2(dir.file("a.qcow2"), true);
        ASSERT_TRUE(d);
        (void)d->write(0, std::vector<uint8_t>(512, 0x5a));  // succeeds or reports: no crash
        (void)d->close();
    }
    EXPECT_EQ(open_error(dir.file("a.qcow2")), "");  // the header is still a qcow2 header
}

std::vector<uint8_t> file_bytes(const std::string& path, uint64_t offset, size_t len) {
    auto f = ImageFile::open(path, {.read_only = true});
    std::vector<uint8_t> out(len);
    EXPECT_TRUE(f.ok() && f->read(offset, out).ok());
    return out;
}

// An L2 entry that names a metadata cluster as guest data: a write through it is refused and
// marks the image corrupt, and the metadata is left as it was.
TEST(Qcow2BadInput, GuestWritesNeverLandOnMetadata) {
    enum Target { kL1, kRefcountTable, kRefcountBlock, kL2 };
    for (Target target : {kL1, kRefcountTable, kRefcountBlock, kL2}) {
        TempDir dir;
        const std::string path = dir.file("a.qcow2");
        test::create_qcow2(path, 1 << 20);
        uint64_t l2 = 0, victim = 0;
        {
            auto d = test::open_qcow2(path, true);
            ASSERT_TRUE(d->write(0, test::random_bytes(65536, 7)).ok());
            const qcow2::Header& h = d->header();
            l2 = qcow2::be64(file_bytes(path, h.l1_table_offset, 8).data()) & qcow2::kOffsetMask;
            const uint64_t refblock = d->refcounts().table()[0] & qcow2::kRefTableOffsetMask;
            victim = target == kL1              ? h.l1_table_offset
                     : target == kRefcountTable ? h.refcount_table_offset
                     : target == kRefcountBlock ? refblock
                                                : l2;
            ASSERT_TRUE(d->close().ok());
        }
        ASSERT_NE(l2, 0u);
        patch_be64(path, l2, victim | qcow2::kOflagCopied);  // guest cluster 0 -> metadata
        const std::vector<uint8_t> before = file_bytes(path, victim, 65536);
        {
            auto d = test::open_qcow2(path, true);
            ASSERT_TRUE(d);
            if (target == kRefcountBlock) (void)d->refcounts().get(0);  // cache the block
            auto r = d->write(512, std::vector<uint8_t>(4096, 0xee));
            ASSERT_FALSE(r.ok()) << "target " << target;
            EXPECT_NE(r.error().message().find("would overwrite"), std::string::npos)
                << r.error().message();
            (void)d->close();
        }
        EXPECT_EQ(file_bytes(path, victim, 65536), before) << "target " << target;
        const uint64_t incompatible = qcow2::be64(file_bytes(path, 72, 8).data());
        EXPECT_TRUE(incompatible & 2) << "the corrupt bit, target " << target;
    }
}

TEST(Qcow2BadInput, CyclicBackingChain) {
    TempDir dir;
    test::create_qcow2(dir.file("a.qcow2"), 1 << 20,
                       {.backing_file = "b.qcow2", .backing_format = "qcow2"});
    test::create_qcow2(dir.file("b.qcow2"), 1 << 20,
                       {.backing_file = "a.qcow2", .backing_format = "qcow2"});
    EXPECT_NE(open_error(dir.file("a.qcow2")).find("loop"), std::string::npos);
    test::create_qcow2(dir.file("self.qcow2"), 1 << 20,
                       {.backing_file = "self.qcow2", .backing_format = "qcow2"});
    EXPECT_NE(open_error(dir.file("self.qcow2")).find("loop"), std::string::npos);
}

TEST(Qcow2BadInput, MissingBackingFile) {
    TempDir dir;
    test::create_qcow2(dir.file("a.qcow2"), 1 << 20,
                       {.backing_file = "nope.qcow2", .backing_format = "qcow2"});
    EXPECT_NE(open_error(dir.file("a.qcow2")).find("backing file"), std::string::npos);
}

// Random corruption of the metadata clusters: open, read everything, check. Any outcome
// but a crash or a hang is acceptable.
TEST(Qcow2BadInput, FuzzedMetadataNeverCrashes) {
    TempDir dir;
    std::string pristine = dir.file("pristine.qcow2");
    test::create_qcow2(pristine, 2 << 20, {.cluster_size = 4096});
    {
        auto d = test::open_qcow2(pristine, true);
        ASSERT_TRUE(d->write(0, test::random_bytes(300000, 2)).ok());
        ASSERT_TRUE(d->snapshot_create({.name = "s"}).ok());
        ASSERT_TRUE(d->write(100000, test::random_bytes(50000, 3)).ok());
        ASSERT_TRUE(d->close().ok());
    }
    auto src = ImageFile::open(pristine, {.read_only = true});
    auto size = src->size();
    std::vector<uint8_t> image(*size);
    ASSERT_TRUE(src->read(0, image).ok());
    std::mt19937 rng(99);
    for (int iter = 0; iter < 150; ++iter) {
        auto copy = image;
        int flips = 1 + static_cast<int>(rng() % 8);
        for (int i = 0; i < flips; ++i) {
            // Mostly the first clusters (header, refcounts, L1/L2), sometimes anywhere.
            size_t pos =
                rng() % 4 ? rng() % std::min<size_t>(copy.size(), 8 * 4096) : rng() % copy.size();
            copy[pos] ^= static_cast<uint8_t>(1u << (rng() % 8));
        }
        std::string path = dir.file("fuzz.qcow2");
        {
            auto f = ImageFile::open(path, {.create = true});
            ASSERT_TRUE(f->write(0, copy).ok());
        }
        auto d = open_image(path, {.format = "qcow2", .read_only = iter % 2 == 0});
        if (!d) continue;
        std::vector<uint8_t> buf(65536);
        for (uint64_t off = 0; off + buf.size() <= (*d)->size() && off < (4u << 20);
             off += buf.size()) {
            (void)(*d)->read(off, buf);
        }
        if (iter % 2) (void)(*d)->write(4096, std::span<const uint8_t>(buf.data(), 4096));
        if (auto* q = dynamic_cast<qcow2::Qcow2Driver*>(d->get())) {
            (void)q->check(qcow2::RepairMode::None);
        }
    }
}

}  // namespace
}  // namespace kemu::block
