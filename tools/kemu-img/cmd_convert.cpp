#include <getopt.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "block/qcow2/qcow2.h"
#include "tools/kemu-img/commands.h"
#include "tools/kemu-img/common.h"

namespace kemu::img {

namespace {

constexpr uint64_t kChunk = 2 << 20;

bool all_zero(const uint8_t* p, size_t n) {
    return n == 0 || (p[0] == 0 && std::memcmp(p, p + 1, n - 1) == 0);
}

struct ConvertState {
    block::BlockDriver* out;
    block::qcow2::Qcow2Driver* compressed_out;  // non-null with -c
    uint64_t sparse_size;                       // 0: write every byte
    bool target_has_zeroes;                     // fresh image: skipping zero data is exact
};

// Writes `buf` at `offset`, leaving out sparse_size-aligned all-zero blocks.
Result<void> write_sparse(const ConvertState& s, uint64_t offset, const uint8_t* buf,
                          uint64_t len) {
    if (s.sparse_size == 0) return s.out->write(offset, {buf, len});
    uint64_t pos = 0;
    while (pos < len) {
        uint64_t block_end =
            std::min(len, (offset + pos) / s.sparse_size * s.sparse_size + s.sparse_size - offset);
        uint64_t n = block_end - pos;
        bool zero = all_zero(buf + pos, n);
        uint64_t run = n;
        // Extend the run while blocks keep the same zero/data state.
        while (pos + run < len) {
            uint64_t m = std::min(s.sparse_size, len - pos - run);
            if (all_zero(buf + pos + run, m) != zero) break;
            run += m;
        }
        if (!zero)
            KEMU_TRY_VOID(s.out->write(offset + pos, {buf + pos, run}));
        else if (!s.target_has_zeroes)
            KEMU_TRY_VOID(s.out->write_zeroes(offset + pos, run, true));
        pos += run;
    }
    return ok();
}

Result<void> copy_compressed(const ConvertState& s, block::BlockDriver& in, uint64_t base,
                             Progress& progress, uint64_t total) {
    const uint64_t cs = s.compressed_out->cluster_size();
    std::vector<uint8_t> cluster(cs);
    for (uint64_t pos = 0; pos < in.size(); pos += cs) {
        uint64_t n = std::min(cs, in.size() - pos);
        std::fill(cluster.begin(), cluster.end(), 0);
        KEMU_TRY_VOID(in.read(pos, {cluster.data(), n}));
        if (!all_zero(cluster.data(), cs)) {
            if ((base + pos) % cs == 0 && base + pos + cs <= s.out->size()) {
                KEMU_TRY_VOID(s.compressed_out->write_compressed(base + pos, cluster));
            } else {
                KEMU_TRY_VOID(s.out->write(base + pos, {cluster.data(), n}));
            }
        }
        progress.update(static_cast<double>(base + pos + n) / static_cast<double>(total));
    }
    return ok();
}

Result<void> copy_image(const ConvertState& s, block::BlockDriver& in, uint64_t base,
                        Progress& progress, uint64_t total) {
    std::vector<uint8_t> buf(kChunk);
    uint64_t pos = 0;
    while (pos < in.size()) {
        auto ext = in.block_status(pos, std::min(kChunk, in.size() - pos));
        if (!ext) return ext.error();
        uint64_t n = ext->length;
        if (ext->zero && !ext->data) {
            if (!s.target_has_zeroes) KEMU_TRY_VOID(s.out->write_zeroes(base + pos, n, true));
        } else {
            KEMU_TRY_VOID(in.read(pos, {buf.data(), n}));
            KEMU_TRY_VOID(write_sparse(s, base + pos, buf.data(), n));
        }
        pos += n;
        progress.update(static_cast<double>(base + pos) / static_cast<double>(total));
    }
    return ok();
}

}  // namespace

int cmd_convert(int argc, char** argv) {
    std::string in_format, out_format = "raw";
    OptionMap options;
    bool compress = false, progress_on = false, no_create = false, quiet = false;
    bool share = false;
    uint64_t sparse_size = 4096;
    static const option longopts[] = {{"force-share", no_argument, nullptr, 'U'},
                                      {nullptr, 0, nullptr, 0}};
    int c;
    while ((c = getopt_long(argc, argv, ":f:O:o:cpnqS:t:T:m:WU", longopts, nullptr)) != -1) {
        switch (c) {
            case 'f':
                in_format = optarg;
                break;
            case 'O':
                out_format = optarg;
                break;
            case 'o': {
                auto p = parse_option_list(optarg, options);
                if (!p) return fail(p.error());
                break;
            }
            case 'c':
                compress = true;
                break;
            case 'p':
                progress_on = true;
                break;
            case 'n':
                no_create = true;
                break;
            case 'q':
                quiet = true;
                break;
            case 'S': {
                auto v = parse_size(optarg);
                if (!v || *v % 512) {
                    return fail(
                        "Invalid buffer size for sparse output specified. Valid sizes are "
                        "multiples of 512.");
                }
                sparse_size = *v;
                break;
            }
            // Cache modes, parallelism and ordering are performance hints here.
            case 't':
            case 'T':
            case 'm':
            case 'W':
                break;
            case 'U':
                share = true;
                break;
            default:
                return fail(
                    "usage: kemu-img convert [-c] [-p] [-n] [-f fmt] [-O output_fmt] "
                    "[-o options] [-S sparse_size] filename [...] output_filename");
        }
    }
    if (argc - optind < 2) return fail("Expecting image file name");
    std::string out_path = argv[argc - 1];
    std::vector<OpenedImage> inputs;
    uint64_t total = 0;
    for (int i = optind; i < argc - 1; ++i) {
        auto d = open_for_tool(argv[i], in_format, false, true, share);
        if (!d) return fail(d.error());
        total += (*d)->size();
        inputs.push_back(std::move(*d));
    }
    if (compress && out_format != "qcow2") {
        return fail("Compression not supported for this file format");
    }
    if (!no_create) {
        CreateRequest r{out_path, out_format, total, options, true};
        auto created = create_image(r);
        if (!created) return fail(out_path + ": " + created.error().message());
    }
    auto out = open_for_tool(out_path, no_create ? "" : out_format, true);
    if (!out) return fail(out.error());
    // -S 0 asks for a fully allocated target, so zero ranges are written too.
    ConvertState s{out->get(), nullptr, sparse_size, !no_create && sparse_size != 0};
    if (compress) {
        s.compressed_out = dynamic_cast<block::qcow2::Qcow2Driver*>(out->get());
        if (!s.compressed_out) return fail("Compression not supported for this file format");
    }
    if (no_create && (*out)->size() < total) {
        return fail("Target image is too small for the source");  // qemu-img's condition
    }
    Progress progress(progress_on && !quiet);
    progress.update(0);
    uint64_t base = 0;
    for (auto& in : inputs) {
        auto r = compress ? copy_compressed(s, *in, base, progress, total)
                          : copy_image(s, *in, base, progress, total);
        if (!r)
            return fail("error while writing at byte " + std::to_string(base) + ": " +
                        r.error().message());
        base += in->size();
    }
    auto flushed = (*out)->flush();
    if (!flushed) return fail(flushed.error());
    auto closed = (*out)->close();
    if (!closed) return fail(closed.error());
    progress.finish();
    return 0;
}

}  // namespace kemu::img
