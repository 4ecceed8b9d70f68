#include <getopt.h>

#include <cstdio>
#include <cstring>

#include "block/qcow2/qcow2.h"
#include "tools/kemu-img/commands.h"
#include "tools/kemu-img/common.h"

namespace kemu::img {

int cmd_rebase(int argc, char** argv) {
    std::string format, new_backing, new_format;
    bool have_b = false, unsafe = false, quiet = false, progress_on = false;
    static const option longopts[] = {{"force-share", no_argument, nullptr, 'U'},
                                      {nullptr, 0, nullptr, 0}};
    int c;
    while ((c = getopt_long(argc, argv, ":f:F:b:upqt:T:U", longopts, nullptr)) != -1) {
        switch (c) {
            case 'f':
                format = optarg;
                break;
            case 'F':
                new_format = optarg;
                break;
            case 'b':
                new_backing = optarg;
                have_b = true;
                break;
            case 'u':
                unsafe = true;
                break;
            case 'p':
                progress_on = true;
                break;
            case 'q':
                quiet = true;
                break;
            case 't':
            case 'T':
            case 'U':
                break;
            default:
                return fail(
                    "usage: kemu-img rebase [-f fmt] [-u] -b backing_file [-F fmt] filename");
        }
    }
    if (optind != argc - 1) return fail("Expecting one image file name");
    if (!have_b) return fail("Must specify backing file (-b) or use unsafe mode (-u)");
    std::string path = argv[optind];
    if (!new_backing.empty() && new_format.empty()) {
        auto probed = block::probe_format(block::resolve_backing_path(path, new_backing));
        if (!probed) return fail(probed.error());
        new_format = *probed;
    }
    auto image = open_for_tool(path, format, true, !unsafe);
    if (!image) return fail(image.error());
    auto* q = dynamic_cast<block::qcow2::Qcow2Driver*>(image->get());
    if (!q) return fail("Operation not supported: raw images have no backing file");
    std::unique_ptr<block::BlockDriver> fresh;
    if (!new_backing.empty()) {
        auto b = open_for_tool(block::resolve_backing_path(path, new_backing), new_format, false);
        if (!b) {
            if (!unsafe)
                return fail("Could not open new backing file '" + new_backing +
                            "': " + b.error().message());
        } else {
            fresh = std::move(b->driver);
        }
    }
    if (!unsafe) {
        // Wherever the image itself defines nothing, keep the old backing contents visible
        // by copying them up if the new backing file differs there.
        Progress progress(progress_on && !quiet);
        std::vector<uint8_t> old_buf(1 << 20), new_buf(1 << 20);
        uint64_t size = q->size();
        for (uint64_t pos = 0; pos < size;) {
            auto e = q->block_status(pos, std::min<uint64_t>(old_buf.size(), size - pos));
            if (!e) return fail(e.error());
            uint64_t n = e->length;
            if (!(e->allocated && e->depth == 0)) {
                auto r = q->read(pos, {old_buf.data(), n});
                if (!r) return fail(r.error());
                std::memset(new_buf.data(), 0, n);
                if (fresh && pos < fresh->size()) {
                    uint64_t avail = std::min(n, fresh->size() - pos);
                    r = fresh->read(pos, {new_buf.data(), avail});
                    if (!r) return fail(r.error());
                }
                if (std::memcmp(old_buf.data(), new_buf.data(), n) != 0) {
                    r = q->write(pos, {old_buf.data(), n});
                    if (!r) return fail(r.error());
                }
            }
            pos += n;
            progress.update(static_cast<double>(pos) / static_cast<double>(size));
        }
        progress.finish();
    }
    auto r = q->flush();
    if (r) r = q->set_backing(new_backing, new_format, std::move(fresh));
    if (r) r = q->close();
    if (!r) return fail(r.error());
    return 0;
}

}  // namespace kemu::img
