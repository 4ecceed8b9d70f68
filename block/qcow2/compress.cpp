#include "block/qcow2/compress.h"

#include <zlib.h>
#include <zstd.h>

#include <memory>

namespace kemu::block::qcow2 {

namespace {

constexpr int kDeflateWindowBits = -12;  // raw deflate, 4 KiB window, as the format fixes

Result<void> inflate_raw(std::span<const uint8_t> in, std::span<uint8_t> out) {
    z_stream z{};
    if (inflateInit2(&z, kDeflateWindowBits) != Z_OK) return Error("zlib initialisation failed");
    z.next_in = const_cast<Bytef*>(in.data());
    z.avail_in = static_cast<uInt>(in.size());
    z.next_out = out.data();
    z.avail_out = static_cast<uInt>(out.size());
    int r = inflate(&z, Z_FINISH);
    bool full = z.avail_out == 0;
    inflateEnd(&z);
    // The stream may be cut at the sector boundary, so Z_BUF_ERROR with a full output is fine.
    if ((r != Z_STREAM_END && r != Z_BUF_ERROR) || !full) {
        return Error("qcow2: could not decompress cluster (zlib)");
    }
    return ok();
}

// zstd clusters are a sequence of frames; decompress until the output is full.
Result<void> zstd_decompress(std::span<const uint8_t> in, std::span<uint8_t> out) {
    std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> ctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
    if (!ctx) return Error("zstd initialisation failed");
    ZSTD_inBuffer input{in.data(), in.size(), 0};
    ZSTD_outBuffer output{out.data(), out.size(), 0};
    while (output.pos < output.size) {
        size_t before_in = input.pos, before_out = output.pos;
        size_t r = ZSTD_decompressStream(ctx.get(), &output, &input);
        if (ZSTD_isError(r)) return Error("qcow2: could not decompress cluster (zstd)");
        if (input.pos == before_in && output.pos == before_out) break;
    }
    if (output.pos != output.size) return Error("qcow2: compressed cluster is truncated (zstd)");
    return ok();
}

}  // namespace

Result<void> decompress_cluster(CompressionType type, std::span<const uint8_t> in,
                                std::span<uint8_t> out) {
    return type == CompressionType::Zstd ? zstd_decompress(in, out) : inflate_raw(in, out);
}

size_t compress_cluster(CompressionType type, std::span<const uint8_t> in, std::span<uint8_t> out) {
    if (type == CompressionType::Zstd) {
        size_t r = ZSTD_compress(out.data(), out.size(), in.data(), in.size(), 1);
        return ZSTD_isError(r) || r >= in.size() ? 0 : r;
    }
    z_stream z{};
    if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, kDeflateWindowBits, 9,
                     Z_DEFAULT_STRATEGY) != Z_OK) {
        return 0;
    }
    z.next_in = const_cast<Bytef*>(in.data());
    z.avail_in = static_cast<uInt>(in.size());
    z.next_out = out.data();
    z.avail_out = static_cast<uInt>(out.size());
    int r = deflate(&z, Z_FINISH);
    size_t produced = out.size() - z.avail_out;
    deflateEnd(&z);
    return r == Z_STREAM_END && produced < in.size() ? produced : 0;
}

}  // namespace kemu::block::qcow2
