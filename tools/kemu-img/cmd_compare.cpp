#include <cstdio>
#include <cstring>

#include "tools/kemu-img/commands.h"
#include "tools/kemu-img/common.h"

namespace kemu::img {

namespace {

// qemu-img compare exit codes.
constexpr int kIdentical = 0;
constexpr int kDifferent = 1;
constexpr int kError = 2;

constexpr uint64_t kChunk = 1 << 20;

// First offset in [offset, offset+len) whose byte is non-zero, or nullopt.
Result<std::optional<uint64_t>> first_nonzero(block::BlockDriver& d, uint64_t offset,
                                              uint64_t len) {
    std::vector<uint8_t> buf(kChunk);
    for (uint64_t pos = offset; pos < offset + len;) {
        uint64_t n = std::min(kChunk, offset + len - pos);
        KEMU_TRY(e, d.block_status(pos, n));
        n = e.length;
        if (!(e.zero && !e.data)) {
            KEMU_TRY_VOID(d.read(pos, {buf.data(), n}));
            for (uint64_t i = 0; i < n; ++i) {
                if (buf[i]) return std::optional<uint64_t>(pos + i);
            }
        }
        pos += n;
    }
    return std::optional<uint64_t>();
}

int run(const ParsedArgs& args) {
    if (args.operands.size() != 2) {
        fail("Expecting two image file names");
        return kError;
    }
    std::string fmt1 = args.value("f"), fmt2 = args.value("F", fmt1);
    bool strict = args.has("s"), quiet = args.has("q"), share = args.has("U");
    auto a = open_for_tool(args.operands[0], fmt1, false, true, share);
    if (!a) {
        fail(a.error());
        return kError;
    }
    auto b = open_for_tool(args.operands[1], fmt2, false, true, share);
    if (!b) {
        fail(b.error());
        return kError;
    }
    block::BlockDriver& d1 = **a;
    block::BlockDriver& d2 = **b;
    auto say = [&](const char* fmt, auto... args) {
        if (!quiet) std::printf(fmt, args...);
    };
    if (strict && d1.size() != d2.size()) {
        say("Strict mode: Image size mismatch!\n");
        return kDifferent;
    }
    Progress progress(args.has("p") && !quiet);
    uint64_t common = std::min(d1.size(), d2.size());
    std::vector<uint8_t> buf1(kChunk), buf2(kChunk);
    for (uint64_t pos = 0; pos < common;) {
        uint64_t n = std::min(kChunk, common - pos);
        auto e1 = d1.block_status(pos, n);
        auto e2 = d2.block_status(pos, n);
        if (!e1 || !e2) {
            fail(!e1 ? e1.error() : e2.error());
            return kError;
        }
        n = std::min(e1->length, e2->length);
        bool zero1 = e1->zero && !e1->data, zero2 = e2->zero && !e2->data;
        if (!(zero1 && zero2)) {
            auto r1 = d1.read(pos, {buf1.data(), n});
            auto r2 = d2.read(pos, {buf2.data(), n});
            if (!r1 || !r2) {
                fail(!r1 ? r1.error() : r2.error());
                return kError;
            }
            if (std::memcmp(buf1.data(), buf2.data(), n) != 0) {
                uint64_t i = 0;
                while (buf1[i] == buf2[i])
                    ++i;
                say("Content mismatch at offset %llu!\n", static_cast<unsigned long long>(pos + i));
                return kDifferent;
            }
        }
        pos += n;
        progress.update(static_cast<double>(pos) / static_cast<double>(common));
    }
    if (d1.size() != d2.size()) {
        say("Warning: Image size mismatch!\n");
        // The larger image's tail must read as zeroes.
        block::BlockDriver& big = d1.size() > d2.size() ? d1 : d2;
        auto nz = first_nonzero(big, common, big.size() - common);
        if (!nz) {
            fail(nz.error());
            return kError;
        }
        if (*nz) {
            say("Content mismatch at offset %llu!\n", static_cast<unsigned long long>(**nz));
            return kDifferent;
        }
    }
    progress.finish();
    say("Images are identical.\n");
    return kIdentical;
}

}  // namespace

const Command kCompareCommand{
    {"compare", "filename1 filename2", options_of("compare"), /*usage_status=*/kError}, run};

}  // namespace kemu::img
