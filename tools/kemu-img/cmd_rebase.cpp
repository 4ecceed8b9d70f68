#include <cstdio>
#include <cstring>

#include "block/qcow2/qcow2.h"
#include "tools/kemu-img/commands.h"
#include "tools/kemu-img/common.h"

namespace kemu::img {

namespace {

int run(const ParsedArgs& args) {
    if (args.operands.size() != 1) return fail("Expecting one image file name");
    if (!args.has("b")) return fail("Must specify backing file (-b) or use unsafe mode (-u)");
    const std::string& path = args.operands[0];
    std::string new_backing = args.value("b"), new_format = args.value("F");
    bool unsafe = args.has("u");
    if (!new_backing.empty() && new_format.empty()) {
        auto probed = block::probe_format(block::resolve_backing_path(path, new_backing));
        if (!probed) return fail(probed.error());
        new_format = *probed;
    }
    auto image = open_for_tool(path, args.value("f"), true, !unsafe);
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
        Progress progress(args.has("p") && !args.has("q"));
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

}  // namespace

const Command kRebaseCommand{{"rebase", "filename", options_of("rebase")}, run};

}  // namespace kemu::img
