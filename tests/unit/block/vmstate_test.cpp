// The qcow2 VM state area: savevm's data path, and its interoperability with QEMU's savevm.
#include <gtest/gtest.h>
#include <stdio.h>
#include <stdlib.h>

#include <string>

#include "block/raw.h"
#include "tests/unit/block/test_util.h"

namespace kemu::block {
namespace {

using test::TempDir;

constexpr uint64_t kMiB = 1 << 20;

std::vector<uint8_t> read_vmstate(qcow2::Qcow2Driver& d, size_t len) {
    std::vector<uint8_t> out(len);
    EXPECT_TRUE(d.read_vmstate(0, out).ok());
    return out;
}

TEST(VmState, SnapshotsCaptureIt) {
    TempDir dir;
    test::create_qcow2(dir.file("v.qcow2"), 3 * kMiB + 4096);  // the area starts at 512 MiB
    auto d = test::open_qcow2(dir.file("v.qcow2"), true);
    auto disk = test::random_bytes(kMiB, 1);
    ASSERT_TRUE(d->write(0, disk).ok());
    // Longer than a cluster and not a multiple of one.
    const size_t len = kMiB + 100;
    auto first = test::random_bytes(len, 2), second = test::random_bytes(len, 3);
    ASSERT_TRUE(d->write_vmstate(0, first).ok());
    EXPECT_EQ(read_vmstate(*d, len), first);
    ASSERT_TRUE(d->snapshot_create({.name = "a", .vm_state_size = len}).ok());
    // The active layer let the state go when the snapshot took it.
    EXPECT_EQ(read_vmstate(*d, len), std::vector<uint8_t>(len, 0));
    ASSERT_TRUE(d->write_vmstate(0, second).ok());
    ASSERT_TRUE(d->snapshot_create({.name = "b", .vm_state_size = len}).ok());
    test::expect_clean(*d);
    ASSERT_TRUE(d->close().ok());

    d = test::open_qcow2(dir.file("v.qcow2"), true);
    ASSERT_EQ(d->snapshots().size(), 2u);
    EXPECT_EQ(d->snapshots()[0].vm_state_size, len);
    ASSERT_TRUE(d->snapshot_apply("a").ok());
    EXPECT_EQ(read_vmstate(*d, len), first);
    EXPECT_EQ(test::read_all(*d, 0, kMiB), disk);
    ASSERT_TRUE(d->snapshot_apply("b").ok());
    EXPECT_EQ(read_vmstate(*d, len), second);
    ASSERT_TRUE(d->snapshot_delete("a").ok());
    ASSERT_TRUE(d->snapshot_delete("b").ok());
    test::expect_clean(*d);
}

TEST(VmState, RawImagesHaveNone) {
    TempDir dir;
    ASSERT_TRUE(RawDriver::create(dir.file("r.raw"), kMiB).ok());
    auto r = open_image(dir.file("r.raw"), {.format = "raw"});
    ASSERT_TRUE(r.ok());
    std::vector<uint8_t> buf(16);
    EXPECT_FALSE((*r)->write_vmstate(0, buf).ok());
    EXPECT_FALSE((*r)->read_vmstate(0, buf).ok());
}

bool have(const char* tool) {
    std::string probe = std::string("command -v ") + tool + " >/dev/null 2>&1";
    return std::system(probe.c_str()) == 0;
}

std::string run(const std::string& command) {
    std::string out;
    FILE* p = popen(command.c_str(), "r");
    if (!p) return out;
    char buf[512];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0)
        out.append(buf, n);
    pclose(p);
    return out;
}

// QEMU's savevm stream starts with "QEVM": finding it where kemu looks for the VM state
// shows both place the area alike; and QEMU reads the state size kemu records.
TEST(VmState, SameAreaAsQemu) {
    if (!have("qemu-system-x86_64") || !have("qemu-img"))
        GTEST_SKIP() << "needs Debian's qemu-system-x86 and qemu-utils for the comparison";
    TempDir dir;
    std::string image = dir.file("q.qcow2");
    run("qemu-img create -q -f qcow2 " + image + " 16M");
    run("printf 'savevm from-qemu\\nquit\\n' | qemu-system-x86_64 -accel tcg -S -nodefaults "
        "-display none -m 16 -monitor stdio -drive file=" +
        image + ",if=none,id=d0 2>&1");
    auto d = test::open_qcow2(image, true);
    ASSERT_EQ(d->snapshots().size(), 1u) << "QEMU's savevm made no snapshot";
    EXPECT_GT(d->snapshots()[0].vm_state_size, 0u);
    ASSERT_TRUE(d->snapshot_apply("from-qemu").ok());
    auto magic = read_vmstate(*d, 4);
    EXPECT_EQ(std::string(magic.begin(), magic.end()), "QEVM");

    auto state = test::random_bytes(300000, 9);
    ASSERT_TRUE(d->write_vmstate(0, state).ok());
    ASSERT_TRUE(d->snapshot_create({.name = "from-kemu", .vm_state_size = state.size()}).ok());
    ASSERT_TRUE(d->close().ok());
    std::string list = run("qemu-img snapshot -l " + image);
    size_t row = list.find("from-kemu");
    ASSERT_NE(row, std::string::npos) << list;
    EXPECT_NE(list.substr(row, list.find('\n', row) - row).find(" 293 KiB "), std::string::npos)
        << list;
    std::string check = run("qemu-img check " + image + " 2>&1");
    EXPECT_NE(check.find("No errors were found on the image."), std::string::npos) << check;
}

}  // namespace
}  // namespace kemu::block
