#include "system/read_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <string>

namespace kemu {
namespace {

std::string temp_file_with(size_t bytes) {
    char path[] = "/tmp/kemu-read-file-XXXXXX";
    const int fd = mkstemp(path);
    EXPECT_GE(fd, 0);
    for (size_t i = 0; i < bytes; i++) {
        const uint8_t b = uint8_t(i * 7);
        EXPECT_EQ(write(fd, &b, 1), 1);
    }
    close(fd);
    return path;
}

TEST(ReadFile, ReadsTheWholeFile) {
    const std::string path = temp_file_with(70000);
    auto data = read_file(path);
    ASSERT_TRUE(data) << data.error().message();
    ASSERT_EQ(data->size(), 70000u);
    for (size_t i = 0; i < data->size(); i++)
        ASSERT_EQ((*data)[i], uint8_t(i * 7)) << i;
    unlink(path.c_str());
}

TEST(ReadFile, ReadsAnEmptyFileAndAPipe) {
    const std::string path = temp_file_with(0);
    auto empty = read_file(path);
    ASSERT_TRUE(empty);
    EXPECT_TRUE(empty->empty());
    unlink(path.c_str());
    auto proc = read_file("/proc/self/stat");  // size 0 in fstat, content on read
    ASSERT_TRUE(proc);
    EXPECT_FALSE(proc->empty());
}

TEST(ReadFile, ErrorsSayWhy) {
    auto missing = read_file("/nonexistent/kemu-file");
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().message(), "could not open: No such file or directory");
    const std::string path = temp_file_with(100);
    auto big = read_file(path, 99);
    ASSERT_FALSE(big);
    EXPECT_EQ(big.error().message(), "larger than 99 bytes");
    EXPECT_TRUE(read_file(path, 100));
    unlink(path.c_str());
}

}  // namespace
}  // namespace kemu
