#include "block/raw.h"

#include <algorithm>
#include <array>
#include <vector>

#include "block/probe.h"

namespace kemu::block {

Result<std::unique_ptr<RawDriver>> RawDriver::open(ImageFile file, bool probed) {
    KEMU_TRY(size, file.size());
    // Sizes are whole sectors, as QEMU reports them; the tail past EOF reads as zeroes.
    return std::unique_ptr<RawDriver>(
        new RawDriver(std::move(file), (size + 511) & ~511ull, probed));
}

Result<void> RawDriver::create(const std::string& path, uint64_t size,
                               std::optional<ImageFile::Prealloc> preallocation) {
    KEMU_TRY(file, ImageFile::open(path, {.create = true}));
    KEMU_TRY_VOID(file.truncate(size));
    if (preallocation) KEMU_TRY_VOID(file.preallocate(0, size, *preallocation));
    return ok();
}

Result<void> RawDriver::check_range(uint64_t offset, uint64_t len) const {
    if (offset > size_ || len > size_ - offset) return Error("Request out of range");
    return ok();
}

Result<void> RawDriver::read(uint64_t offset, std::span<uint8_t> buf) {
    KEMU_TRY_VOID(check_range(offset, buf.size()));
    return file_.read(offset, buf);
}

Result<void> RawDriver::write(uint64_t offset, std::span<const uint8_t> buf) {
    KEMU_TRY_VOID(check_range(offset, buf.size()));
    if (guards_block0(offset, buf.size())) return write_block0(offset, buf);
    return file_.write(offset, buf);
}

// Zeroing and discard need no check: the qcow2 magic has no zero byte, so clearing bytes
// cannot make block 0 probe as qcow2.
bool RawDriver::guards_block0(uint64_t offset, uint64_t len) const {
    return probed_ && offset < kProbeBytes && len > 0;
}

Result<void> RawDriver::write_block0(uint64_t offset, std::span<const uint8_t> buf) {
    std::lock_guard<std::mutex> g(block0_lock_);
    std::array<uint8_t, kProbeBytes> head{};
    bool covers_block0 = offset == 0 && buf.size() >= kProbeBytes;
    if (!covers_block0) KEMU_TRY_VOID(file_.read(0, head));
    size_t n = std::min<uint64_t>(buf.size(), kProbeBytes - offset);
    std::copy_n(buf.begin(), n, head.begin() + static_cast<ptrdiff_t>(offset));
    auto format = probe_header(head);
    if (!format || *format != "raw") return Error("Operation not permitted");
    return file_.write(offset, buf);
}

Result<void> RawDriver::write_zeroes(uint64_t offset, uint64_t len, bool may_unmap) {
    KEMU_TRY_VOID(check_range(offset, len));
    return file_.write_zeroes(offset, len, may_unmap);
}

Result<void> RawDriver::discard(uint64_t offset, uint64_t len) {
    KEMU_TRY_VOID(check_range(offset, len));
    // A raw file has no backing layer, so "not garbage" means zeroes: punch, which reads zero.
    return file_.write_zeroes(offset, len, true);
}

Result<Extent> RawDriver::block_status(uint64_t offset, uint64_t len) {
    KEMU_TRY_VOID(check_range(offset, len));
    ImageFile::Run run = file_.data_run(offset, len);
    Extent e;
    e.length = run.length;
    e.data = run.data;
    e.zero = !run.data;
    e.allocated = true;
    if (run.data) {
        e.host_offset = offset;
        e.host_file = file_.path();
    }
    return e;
}

Result<void> RawDriver::truncate(uint64_t new_size, bool allow_shrink) {
    if (new_size < size_ && !allow_shrink) {
        return Error("Use the --shrink option to perform a shrink operation.");
    }
    KEMU_TRY_VOID(file_.truncate(new_size));
    size_ = new_size;
    return ok();
}

ImageInfo RawDriver::info() {
    ImageInfo i;
    i.format = "raw";
    i.filename = file_.path();
    i.virtual_size = size_;
    i.actual_size = file_.allocated_bytes();
    return i;
}

}  // namespace kemu::block
