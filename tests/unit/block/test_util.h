// Helpers shared by the block layer tests: a scratch directory and image shortcuts.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "block/open.h"
#include "block/qcow2/qcow2.h"

namespace kemu::block::test {

class TempDir {
  public:
    TempDir() {
        char templ[] = "/tmp/kemu-block-test-XXXXXX";
        path_ = mkdtemp(templ);
    }
    ~TempDir() { std::filesystem::remove_all(path_); }
    std::string file(const std::string& name) const { return path_ + "/" + name; }

  private:
    std::string path_;
};

inline std::vector<uint8_t> random_bytes(size_t n, uint32_t seed) {
    std::mt19937 rng(seed);
    std::vector<uint8_t> v(n);
    for (auto& b : v)
        b = static_cast<uint8_t>(rng());
    return v;
}

inline std::unique_ptr<qcow2::Qcow2Driver> open_qcow2(
    const std::string& path, bool writable, std::unique_ptr<BlockDriver> backing = nullptr,
    qcow2::OpenOptions options = {}) {
    auto file = ImageFile::open(path, {.read_only = !writable});
    EXPECT_TRUE(file.ok()) << (file ? "" : file.error().message());
    if (!file) return nullptr;
    auto d = qcow2::Qcow2Driver::open(std::move(*file), std::move(backing), options);
    EXPECT_TRUE(d.ok()) << (d ? "" : d.error().message());
    return d ? std::move(*d) : nullptr;
}

inline void create_qcow2(const std::string& path, uint64_t size, qcow2::CreateOptions o = {}) {
    o.size = size;
    auto r = qcow2::create(path, o);
    ASSERT_TRUE(r.ok()) << r.error().message();
}

// A new qcow2 image at `path`, opened for writing.
inline std::unique_ptr<qcow2::Qcow2Driver> new_qcow2(const std::string& path, uint64_t size,
                                                     qcow2::CreateOptions o = {}) {
    create_qcow2(path, size, o);
    return open_qcow2(path, true);
}

// Runs a full consistency check and expects a clean result.
inline void expect_clean(qcow2::Qcow2Driver& d) {
    auto r = d.check(qcow2::RepairMode::None);
    ASSERT_TRUE(r.ok()) << r.error().message();
    std::string all;
    for (auto& m : r->messages)
        all += m + "\n";
    EXPECT_EQ(r->corruptions, 0u) << all;
    EXPECT_EQ(r->leaks, 0u) << all;
}

inline std::vector<uint8_t> read_all(BlockDriver& d, uint64_t offset, size_t len) {
    std::vector<uint8_t> v(len);
    auto r = d.read(offset, v);
    EXPECT_TRUE(r.ok()) << (r ? "" : r.error().message());
    return v;
}

}  // namespace kemu::block::test
