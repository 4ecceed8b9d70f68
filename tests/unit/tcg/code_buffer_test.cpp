// The JIT's code memory: one memfd seen through a write view and an exec view.
#include "tcg/code_buffer.h"

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <string>

namespace kemu::tcg {
namespace {

// Resident kilobytes of the mapping that starts at `start`, from /proc/self/smaps.
long resident_kib(const void* start) {
    std::ifstream smaps("/proc/self/smaps");
    char prefix[32];
    std::snprintf(prefix, sizeof prefix, "%lx-", reinterpret_cast<unsigned long>(start));
    std::string line;
    bool in_mapping = false;
    while (std::getline(smaps, line)) {
        if (line.rfind(prefix, 0) == 0) in_mapping = true;
        if (in_mapping && line.rfind("Rss:", 0) == 0) return std::stol(line.substr(4));
    }
    return -1;
}

// Code written through the write view stays in the exec view after the write view has
// given its pages back, and patching an old block through the write view still works.
TEST(CodeBuffer, ReleasedWritePagesKeepTheirCode) {
    auto buf = CodeBuffer::create(8 << 20);
    ASSERT_TRUE(buf) << buf.error().message();
    constexpr size_t kBlock = 4096;
    const uint8_t* first = nullptr;
    uint8_t* first_writable = buf->write_cursor();
    for (unsigned i = 0; i < 3 * 256; i++) {  // 3 MiB of "code", each block its own byte
        std::memset(buf->write_cursor(), i & 0xff, kBlock);
        const auto* entry = static_cast<const uint8_t*>(buf->commit(kBlock));
        if (!first) first = entry;
    }
    const long resident = resident_kib(first_writable);
    ASSERT_GE(resident, 0) << "no mapping at the write view in /proc/self/smaps";
    EXPECT_LT(resident, 1100) << "the write view kept its written pages";
    for (unsigned i = 0; i < 3 * 256; i++)
        ASSERT_EQ(first[i * kBlock + 100], i & 0xff) << "block " << i;
    buf->writable_alias(first)[7] = 0xcc;
    EXPECT_EQ(first[7], 0xcc);
    EXPECT_EQ(first[8], 0);
}

}  // namespace
}  // namespace kemu::tcg
