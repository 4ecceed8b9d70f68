#include "ui/screendump.h"

#include <zlib.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

namespace kemu {

namespace {

struct FileCloser {
    void operator()(FILE* f) const { std::fclose(f); }
};
using UniqueFile = std::unique_ptr<FILE, FileCloser>;

// The surface's pixels as packed 8-bit R, G, B; with `filter_bytes`, each row starts
// with PNG filter type 0 (None).
std::vector<uint8_t> rgb_rows(const DisplaySurface& s, bool filter_bytes) {
    std::vector<uint8_t> out;
    out.reserve(size_t(s.height()) * (size_t(s.width()) * 3 + 1));
    for (int y = 0; y < s.height(); y++) {
        if (filter_bytes) out.push_back(0);
        const uint32_t* row = s.row(y);
        for (int x = 0; x < s.width(); x++) {
            out.push_back(uint8_t(row[x] >> 16));
            out.push_back(uint8_t(row[x] >> 8));
            out.push_back(uint8_t(row[x]));
        }
    }
    return out;
}

void put_be32(std::vector<uint8_t>& out, uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8)
        out.push_back(uint8_t(v >> shift));
}

// One PNG chunk: length, type, data, CRC-32 over type and data.
void put_chunk(std::vector<uint8_t>& out, const char type[4], const std::vector<uint8_t>& data) {
    put_be32(out, uint32_t(data.size()));
    size_t crc_start = out.size();
    out.insert(out.end(), type, type + 4);
    out.insert(out.end(), data.begin(), data.end());
    uLong crc = crc32(0L, out.data() + crc_start, uInt(out.size() - crc_start));
    put_be32(out, uint32_t(crc));
}

Result<std::vector<uint8_t>> encode_png(const DisplaySurface& s) {
    static constexpr uint8_t kSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    std::vector<uint8_t> raw = rgb_rows(s, true);
    uLongf packed_size = compressBound(uLong(raw.size()));
    std::vector<uint8_t> packed(packed_size);
    if (compress2(packed.data(), &packed_size, raw.data(), uLong(raw.size()), Z_BEST_SPEED) != Z_OK)
        return Error("zlib compression failed");
    packed.resize(packed_size);

    std::vector<uint8_t> header;
    put_be32(header, uint32_t(s.width()));
    put_be32(header, uint32_t(s.height()));
    header.insert(header.end(),
                  {8, 2, 0, 0, 0});  // 8-bit, truecolour, deflate, filter 0, no interlace

    std::vector<uint8_t> png(kSignature, kSignature + 8);
    put_chunk(png, "IHDR", header);
    put_chunk(png, "IDAT", packed);
    put_chunk(png, "IEND", {});
    return png;
}

std::vector<uint8_t> encode_ppm(const DisplaySurface& s) {
    std::string header =
        "P6\n" + std::to_string(s.width()) + " " + std::to_string(s.height()) + "\n255\n";
    std::vector<uint8_t> out(header.begin(), header.end());
    std::vector<uint8_t> body = rgb_rows(s, false);
    out.insert(out.end(), body.begin(), body.end());
    return out;
}

}  // namespace

Result<ImageFormat> parse_image_format(std::string_view name) {
    if (name == "ppm") return ImageFormat::Ppm;
    if (name == "png") return ImageFormat::Png;
    return Error("'" + std::string(name) + "' is not a supported image format (ppm, png)");
}

Result<void> write_screendump(const DisplaySurface& surface, const std::string& path,
                              ImageFormat format) {
    std::vector<uint8_t> image;
    if (format == ImageFormat::Png) {
        auto png = encode_png(surface);
        if (!png) return png.error().with_context(path);
        image = std::move(*png);
    } else {
        image = encode_ppm(surface);
    }
    UniqueFile file(std::fopen(path.c_str(), "wb"));
    if (!file) return Error(path + ": " + std::strerror(errno));
    if (std::fwrite(image.data(), 1, image.size(), file.get()) != image.size())
        return Error(path + ": " + std::strerror(errno));
    // Close here rather than in the deleter: a full disk may only show at the final flush.
    if (std::fclose(file.release()) != 0) return Error(path + ": " + std::strerror(errno));
    return ok();
}

}  // namespace kemu
