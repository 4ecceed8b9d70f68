// The raw format: guest byte N is host byte N. Sparse-aware through SEEK_DATA/SEEK_HOLE.
#pragma once

#include <memory>
#include <mutex>

#include "block/block_driver.h"
#include "block/image_file.h"

namespace kemu::block {

class RawDriver final : public BlockDriver {
  public:
    // `probed`: the format was guessed, not given. As in QEMU, a write is then refused
    // ("Operation not permitted") if block 0 would afterwards probe as another format: the
    // next probing open would otherwise hand guest-written bytes to the qcow2 driver, and a
    // guest could name any host file as its backing file.
    static Result<std::unique_ptr<RawDriver>> open(ImageFile file, bool probed = false);
    // `preallocation`: none (sparse), falloc or full.
    static Result<void> create(const std::string& path, uint64_t size,
                               std::optional<ImageFile::Prealloc> preallocation = std::nullopt);

    const char* format_name() const override { return "raw"; }
    uint64_t size() const override { return size_; }
    bool read_only() const override { return file_.read_only(); }

    Result<void> read(uint64_t offset, std::span<uint8_t> buf) override;
    Result<void> write(uint64_t offset, std::span<const uint8_t> buf) override;
    Result<void> write_zeroes(uint64_t offset, uint64_t len, bool may_unmap) override;
    Result<void> discard(uint64_t offset, uint64_t len) override;
    Result<void> flush() override { return file_.datasync(); }
    Result<Extent> block_status(uint64_t offset, uint64_t len) override;
    Result<void> truncate(uint64_t new_size, bool allow_shrink) override;
    // resize --preallocation=falloc|full of the range a resize added.
    Result<void> preallocate(uint64_t offset, uint64_t len, ImageFile::Prealloc mode) {
        return file_.preallocate(offset, len, mode);
    }
    ImageInfo info() override;
    bool concurrent_safe() const override { return true; }
    std::optional<HostRange> map_direct(uint64_t offset, uint64_t len, bool write) override {
        if (offset > size_ || len > size_ - offset || (write && file_.read_only())) {
            return std::nullopt;
        }
        if (write && guards_block0(offset, len)) return std::nullopt;  // must see the check
        return HostRange{file_.fd(), offset};
    }
    Result<void> close() override { return ok(); }

  private:
    RawDriver(ImageFile file, uint64_t size, bool probed)
        : file_(std::move(file)), size_(size), probed_(probed) {}
    Result<void> check_range(uint64_t offset, uint64_t len) const;
    bool guards_block0(uint64_t offset, uint64_t len) const;
    Result<void> write_block0(uint64_t offset, std::span<const uint8_t> buf);

    ImageFile file_;
    uint64_t size_;
    bool probed_;
    // Serialises writes into block 0 of a probed image, so each check sees the bytes its
    // write lands on (the driver is called from several threads: concurrent_safe()).
    std::mutex block0_lock_;
};

}  // namespace kemu::block
