// A host file or block device holding an image: positional I/O that never returns short,
// O_DIRECT alignment handled with bounce buffers, and the sparse-file queries the drivers
// need (SEEK_DATA/SEEK_HOLE, hole punching).
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "system/error.h"
#include "system/unique_fd.h"

namespace kemu::block {

struct FileOpenFlags {
    bool read_only = false;
    bool direct = false;  // O_DIRECT: bypass the host page cache
    bool create = false;  // create (or truncate) the file
    // datasync() does nothing: QEMU's cache=unsafe (BDRV_O_NO_FLUSH), where a crash may lose
    // or corrupt the image and only a clean exit leaves it whole (kemu-img convert's default).
    bool no_flush = false;
};

class ImageFile {
  public:
    static Result<ImageFile> open(const std::string& path, FileOpenFlags flags);

    ImageFile(ImageFile&&) = default;
    ImageFile& operator=(ImageFile&&) = default;

    Result<void> read(uint64_t offset, std::span<uint8_t> buf) const;
    Result<void> write(uint64_t offset, std::span<const uint8_t> buf);
    Result<uint64_t> size() const;
    Result<void> truncate(uint64_t size);
    Result<void> datasync();
    // Makes [offset, offset+len) read as zeroes; frees host space when `unmap` and possible.
    Result<void> write_zeroes(uint64_t offset, uint64_t len, bool unmap);
    // Allocates host blocks for the range without changing its contents.
    // preallocation=falloc reserves the blocks (they read as zeroes without being written);
    // full writes zeroes into every hole, as QEMU does, so no write ever has to allocate.
    enum class Prealloc { Falloc, Full };
    Result<void> preallocate(uint64_t offset, uint64_t len, Prealloc mode);
    // Length of the run starting at `offset` (at most `len`) that is all data or all hole.
    struct Run {
        uint64_t length;
        bool data;
    };
    Run data_run(uint64_t offset, uint64_t len) const;
    // Bytes of host storage in use (st_blocks * 512).
    uint64_t allocated_bytes() const;

    int fd() const { return fd_.get(); }
    bool is_block_device() const { return block_device_; }
    bool read_only() const { return read_only_; }
    bool direct() const { return direct_; }
    const std::string& path() const { return path_; }
    // Offsets, lengths and buffer addresses must be multiples of this for O_DIRECT.
    static constexpr uint64_t kDirectAlign = 4096;

  private:
    Result<void> write_zero_bytes(uint64_t offset, uint64_t len);
    ImageFile() = default;
    Result<void> direct_read(uint64_t offset, std::span<uint8_t> buf) const;
    Result<void> direct_write(uint64_t offset, std::span<const uint8_t> buf);
    Error io_error(const char* op) const;

    UniqueFd fd_;
    std::string path_;
    bool read_only_ = false;
    bool direct_ = false;
    bool no_flush_ = false;
    bool block_device_ = false;
};

}  // namespace kemu::block
