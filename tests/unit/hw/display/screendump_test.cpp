#include "ui/screendump.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace kemu {
namespace {

std::vector<uint8_t> read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

uint32_t be32(const uint8_t* p) {
    return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3];
}

class ScreendumpTest : public ::testing::Test {
  protected:
    ScreendumpTest() {
        char tmpl[] = "/tmp/kemu-screendump-XXXXXX";
        dir = mkdtemp(tmpl);
        surface.row(0)[0] = 0xff0000;
        surface.row(1)[2] = 0x0000ff;
    }
    ~ScreendumpTest() override { std::filesystem::remove_all(dir); }

    std::string dir;
    DisplaySurface surface{3, 2};
};

TEST_F(ScreendumpTest, PpmHasP6HeaderAndRgbBody) {
    std::string path = dir + "/s.ppm";
    ASSERT_TRUE(write_screendump(surface, path, ImageFormat::Ppm).ok());
    std::vector<uint8_t> data = read_file(path);
    std::string header = "P6\n3 2\n255\n";
    ASSERT_EQ(data.size(), header.size() + 3 * 2 * 3);
    EXPECT_EQ(std::string(data.begin(), data.begin() + long(header.size())), header);
    const uint8_t* body = data.data() + header.size();
    EXPECT_EQ(body[0], 0xff);
    EXPECT_EQ(body[1], 0x00);
    EXPECT_EQ(body[(1 * 3 + 2) * 3 + 2], 0xff);
}

TEST_F(ScreendumpTest, PngHasSignatureAndDecodesToTheSurface) {
    std::string path = dir + "/s.png";
    ASSERT_TRUE(write_screendump(surface, path, ImageFormat::Png).ok());
    std::vector<uint8_t> data = read_file(path);
    const uint8_t signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    ASSERT_GT(data.size(), 8u);
    EXPECT_TRUE(std::equal(signature, signature + 8, data.begin()));
    // Walk the chunks, checking each CRC, and inflate IDAT.
    size_t pos = 8;
    std::vector<uint8_t> idat;
    std::vector<std::string> types;
    while (pos + 12 <= data.size()) {
        uint32_t length = be32(&data[pos]);
        std::string type(data.begin() + long(pos) + 4, data.begin() + long(pos) + 8);
        types.push_back(type);
        const uint8_t* body = &data[pos + 8];
        uLong crc = crc32(0, &data[pos + 4], length + 4);
        EXPECT_EQ(be32(body + length), crc) << type;
        if (type == "IHDR") {
            EXPECT_EQ(be32(body), 3u);
            EXPECT_EQ(be32(body + 4), 2u);
            EXPECT_EQ(body[8], 8);  // bit depth
            EXPECT_EQ(body[9], 2);  // truecolour
        }
        if (type == "IDAT") idat.insert(idat.end(), body, body + length);
        pos += 12 + length;
    }
    EXPECT_EQ(types, (std::vector<std::string>{"IHDR", "IDAT", "IEND"}));
    std::vector<uint8_t> raw(2 * (1 + 3 * 3));
    uLongf raw_size = raw.size();
    ASSERT_EQ(uncompress(raw.data(), &raw_size, idat.data(), uLong(idat.size())), Z_OK);
    ASSERT_EQ(raw_size, raw.size());
    EXPECT_EQ(raw[0], 0) << "filter type None";
    EXPECT_EQ(raw[1], 0xff);
    EXPECT_EQ(raw[10 + 1 + 2 * 3 + 2], 0xff) << "blue pixel at (2, 1)";
}

TEST_F(ScreendumpTest, UnwritablePathIsAOneLineError) {
    std::string path = dir + "/missing/s.ppm";
    Result<void> r = write_screendump(surface, path, ImageFormat::Ppm);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message(), path + ": No such file or directory");
}

TEST(ImageFormatTest, ParsesKnownNames) {
    EXPECT_EQ(*parse_image_format("png"), ImageFormat::Png);
    EXPECT_EQ(*parse_image_format("ppm"), ImageFormat::Ppm);
    EXPECT_FALSE(parse_image_format("gif").ok());
}

}  // namespace
}  // namespace kemu
