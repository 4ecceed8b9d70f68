#include "block/commit.h"

#include <algorithm>
#include <vector>

namespace kemu::block {

Result<void> commit_into(BlockDriver& top, int base_depth, BlockDriver& base,
                         const std::function<void(double)>& progress) {
    constexpr uint64_t kChunk = 2 << 20;
    uint64_t size = std::min(top.size(), base.size());
    std::vector<uint8_t> buf(kChunk);
    for (uint64_t pos = 0; pos < size;) {
        KEMU_TRY(e, top.block_status(pos, std::min(kChunk, size - pos)));
        uint64_t n = e.length;
        if (e.allocated && e.depth < base_depth) {
            if (e.zero && !e.data) {
                KEMU_TRY_VOID(base.write_zeroes(pos, n, false));
            } else {
                KEMU_TRY_VOID(top.read(pos, {buf.data(), n}));
                KEMU_TRY_VOID(base.write(pos, {buf.data(), n}));
            }
        }
        pos += n;
        if (progress) progress(static_cast<double>(pos) / static_cast<double>(size));
    }
    return base.flush();
}

}  // namespace kemu::block
