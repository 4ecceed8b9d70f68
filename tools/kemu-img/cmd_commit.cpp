#include <cstdio>

#include "block/commit.h"
#include "block/qcow2/qcow2.h"
#include "tools/kemu-img/commands.h"
#include "tools/kemu-img/common.h"

namespace kemu::img {

namespace {

int run(const ParsedArgs& args) {
    if (args.operands.size() != 1) return fail("Expecting one image file name");
    const std::string& path = args.operands[0];
    std::string format = args.value("f"), base_name = args.value("b");
    bool keep_top = args.has("d") || args.has("b");  // -b implies -d in qemu-img
    bool quiet = args.has("q");
    auto top = open_for_tool(path, format, false);
    if (!top) return fail(top.error());
    // Find the base layer: the immediate backing file, or the named one further down.
    int base_depth = 1;
    std::string base_path, base_format;
    block::BlockDriver* layer = top->get();
    std::string layer_path = path;
    for (int depth = 1;; ++depth) {
        auto* q = dynamic_cast<block::qcow2::Qcow2Driver*>(layer);
        if (!q || !layer->backing()) {
            return fail(base_name.empty() ? "Image does not have a backing file"
                                          : "Did not find '" + base_name +
                                                "' in the backing chain of '" + path + "'");
        }
        std::string next = block::resolve_backing_path(layer_path, q->header().backing_file);
        if (base_name.empty() || next == base_name || q->header().backing_file == base_name) {
            base_depth = depth;
            base_path = next;
            base_format = q->header().backing_format;
            break;
        }
        layer = layer->backing();
        layer_path = next;
    }
    auto base = open_for_tool(base_path, base_format, true, false);
    if (!base) return fail(base.error());
    Progress progress(args.has("p") && !quiet);
    auto r = block::commit_into(**top, base_depth, **base,
                                [&progress](double done) { progress.update(done); });
    if (r) r = (*base)->close();
    if (!r) return fail(r.error());
    top->reset();
    if (!keep_top) {
        auto rw = open_for_tool(path, format, true, false);
        if (!rw) return fail(rw.error());
        auto emptied = (*rw)->make_empty();
        if (emptied) emptied = (*rw)->close();
        if (!emptied) return fail(emptied.error());
    }
    progress.finish();
    if (!quiet) std::printf("Image committed.\n");
    return 0;
}

}  // namespace

const Command kCommitCommand{{"commit", "filename", options_of("commit")}, run};

}  // namespace kemu::img
