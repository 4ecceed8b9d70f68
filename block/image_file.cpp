#include "block/image_file.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <memory>

namespace kemu::block {

namespace {

struct FreeDeleter {
    void operator()(uint8_t* p) const { std::free(p); }
};
using AlignedBuffer = std::unique_ptr<uint8_t, FreeDeleter>;

AlignedBuffer aligned_alloc_bytes(size_t len) {
    void* p = nullptr;
    if (posix_memalign(&p, ImageFile::kDirectAlign, len) != 0) return nullptr;
    return AlignedBuffer(static_cast<uint8_t*>(p));
}

bool is_aligned(uint64_t offset, size_t len, const void* buf) {
    constexpr uint64_t mask = ImageFile::kDirectAlign - 1;
    return (offset & mask) == 0 && (len & mask) == 0 &&
           (reinterpret_cast<uintptr_t>(buf) & mask) == 0;
}

// Calls `transfer(done)` (a pread or pwrite of the bytes from `done` on) until `len` bytes
// are done, through short transfers and EINTR. Returns the bytes done, fewer if a transfer
// moved none (end of file), or -1 with errno set.
template <typename Transfer>
ssize_t transfer_full(size_t len, Transfer transfer) {
    size_t done = 0;
    while (done < len) {
        ssize_t n = transfer(done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return -1;
        if (n == 0) break;
        done += static_cast<size_t>(n);
    }
    return static_cast<ssize_t>(done);
}

// A read past EOF yields zeroes, as for a sparse tail.
ssize_t pread_full(int fd, uint8_t* buf, size_t len, uint64_t offset) {
    ssize_t n = transfer_full(len, [&](size_t done) {
        return ::pread(fd, buf + done, len - done, static_cast<off_t>(offset + done));
    });
    if (n < 0) return -1;
    if (static_cast<size_t>(n) < len) std::memset(buf + n, 0, len - static_cast<size_t>(n));
    return static_cast<ssize_t>(len);
}

ssize_t pwrite_full(int fd, const uint8_t* buf, size_t len, uint64_t offset) {
    ssize_t n = transfer_full(len, [&](size_t done) {
        return ::pwrite(fd, buf + done, len - done, static_cast<off_t>(offset + done));
    });
    if (n < 0) return -1;
    if (static_cast<size_t>(n) < len) {
        errno = ENOSPC;  // the kernel accepted no more bytes
        return -1;
    }
    return n;
}

}  // namespace

Result<ImageFile> ImageFile::open(const std::string& path, FileOpenFlags flags) {
    int oflags = O_CLOEXEC | (flags.read_only ? O_RDONLY : O_RDWR);
    if (flags.create) oflags |= O_CREAT | O_TRUNC;
    if (flags.direct) oflags |= O_DIRECT;
    int fd = ::open(path.c_str(), oflags, 0644);
    if (fd < 0) {
        return Error(std::string("Could not open '") + path + "': " + std::strerror(errno));
    }
    ImageFile f;
    f.fd_.reset(fd);
    f.path_ = path;
    f.read_only_ = flags.read_only;
    f.direct_ = flags.direct;
    f.no_flush_ = flags.no_flush;
    struct stat st {};
    if (fstat(fd, &st) == 0) f.block_device_ = S_ISBLK(st.st_mode);
    return f;
}

Error ImageFile::io_error(const char* op) const {
    return Error(std::string("Could not ") + op + " '" + path_ + "': " + std::strerror(errno));
}

Result<void> ImageFile::read(uint64_t offset, std::span<uint8_t> buf) const {
    if (direct_ && !is_aligned(offset, buf.size(), buf.data())) return direct_read(offset, buf);
    if (pread_full(fd_.get(), buf.data(), buf.size(), offset) < 0) return io_error("read");
    return ok();
}

Result<void> ImageFile::write(uint64_t offset, std::span<const uint8_t> buf) {
    if (read_only_) return Error("Could not write '" + path_ + "': image is read-only");
    if (direct_ && !is_aligned(offset, buf.size(), buf.data())) return direct_write(offset, buf);
    if (pwrite_full(fd_.get(), buf.data(), buf.size(), offset) < 0) return io_error("write");
    return ok();
}

// Unaligned O_DIRECT access goes through an aligned bounce buffer covering the request.
Result<void> ImageFile::direct_read(uint64_t offset, std::span<uint8_t> buf) const {
    uint64_t start = offset & ~(kDirectAlign - 1);
    uint64_t end = (offset + buf.size() + kDirectAlign - 1) & ~(kDirectAlign - 1);
    AlignedBuffer bounce = aligned_alloc_bytes(end - start);
    if (!bounce) return Error("Could not read '" + path_ + "': out of memory");
    if (pread_full(fd_.get(), bounce.get(), end - start, start) < 0) return io_error("read");
    std::memcpy(buf.data(), bounce.get() + (offset - start), buf.size());
    return ok();
}

Result<void> ImageFile::direct_write(uint64_t offset, std::span<const uint8_t> buf) {
    uint64_t start = offset & ~(kDirectAlign - 1);
    uint64_t end = (offset + buf.size() + kDirectAlign - 1) & ~(kDirectAlign - 1);
    AlignedBuffer bounce = aligned_alloc_bytes(end - start);
    if (!bounce) return Error("Could not write '" + path_ + "': out of memory");
    // Read-modify-write of the partial head and tail blocks.
    if (start != offset || end != offset + buf.size()) {
        if (pread_full(fd_.get(), bounce.get(), end - start, start) < 0) return io_error("read");
    }
    std::memcpy(bounce.get() + (offset - start), buf.data(), buf.size());
    if (pwrite_full(fd_.get(), bounce.get(), end - start, start) < 0) return io_error("write");
    return ok();
}

Result<uint64_t> ImageFile::size() const {
    if (block_device_) {
        uint64_t bytes = 0;
        if (ioctl(fd_.get(), BLKGETSIZE64, &bytes) != 0) return io_error("get size of");
        return bytes;
    }
    struct stat st {};
    if (fstat(fd_.get(), &st) != 0) return io_error("stat");
    return static_cast<uint64_t>(st.st_size);
}

Result<void> ImageFile::truncate(uint64_t size) {
    if (block_device_) {
        KEMU_TRY(cur, this->size());
        if (cur < size) return Error("Cannot grow device files");
        return ok();
    }
    if (ftruncate(fd_.get(), static_cast<off_t>(size)) != 0) return io_error("resize");
    return ok();
}

Result<void> ImageFile::datasync() {
    if (read_only_ || no_flush_) return ok();
    if (fdatasync(fd_.get()) != 0) return io_error("flush");
    return ok();
}

Result<void> ImageFile::write_zeroes(uint64_t offset, uint64_t len, bool unmap) {
    if (len == 0) return ok();
    int mode = unmap ? (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE) : FALLOC_FL_ZERO_RANGE;
    if (!block_device_ &&
        fallocate(fd_.get(), mode, static_cast<off_t>(offset), static_cast<off_t>(len)) == 0) {
        return ok();
    }
    if (block_device_) {
        uint64_t range[2] = {offset, len};
        if (ioctl(fd_.get(), BLKZEROOUT, range) == 0) return ok();
    }
    return write_zero_bytes(offset, len);
}

Result<void> ImageFile::write_zero_bytes(uint64_t offset, uint64_t len) {
    constexpr uint64_t chunk = 1 << 20;
    AlignedBuffer zero = aligned_alloc_bytes(chunk);
    if (!zero) return Error("out of memory");
    std::memset(zero.get(), 0, chunk);
    for (uint64_t done = 0; done < len;) {
        uint64_t n = std::min(chunk, len - done);
        KEMU_TRY_VOID(write(offset + done, {zero.get(), n}));
        done += n;
    }
    return ok();
}

Result<void> ImageFile::preallocate(uint64_t offset, uint64_t len, Prealloc mode) {
    if (len == 0 || block_device_) return ok();
    if (mode == Prealloc::Falloc) {
        if (fallocate(fd_.get(), 0, static_cast<off_t>(offset), static_cast<off_t>(len)) != 0) {
            return io_error("preallocate");
        }
        return ok();
    }
    // Holes read as zeroes, so filling them changes no content, whatever lies around them.
    for (uint64_t pos = offset; pos < offset + len;) {
        Run run = data_run(pos, offset + len - pos);
        if (!run.data) KEMU_TRY_VOID(write_zero_bytes(pos, run.length));
        pos += run.length;
    }
    return ok();
}

ImageFile::Run ImageFile::data_run(uint64_t offset, uint64_t len) const {
    if (block_device_) return {len, true};
    off_t data = lseek(fd_.get(), static_cast<off_t>(offset), SEEK_DATA);
    if (data < 0) {
        // ENXIO: no data after offset, so the rest is a hole; other errors: assume data.
        return {len, errno != ENXIO};
    }
    if (static_cast<uint64_t>(data) > offset) {
        return {std::min<uint64_t>(len, static_cast<uint64_t>(data) - offset), false};
    }
    off_t hole = lseek(fd_.get(), static_cast<off_t>(offset), SEEK_HOLE);
    if (hole < 0 || static_cast<uint64_t>(hole) <= offset) return {len, true};
    return {std::min<uint64_t>(len, static_cast<uint64_t>(hole) - offset), true};
}

uint64_t ImageFile::allocated_bytes() const {
    struct stat st {};
    if (fstat(fd_.get(), &st) != 0) return 0;
    return static_cast<uint64_t>(st.st_blocks) * 512;
}

}  // namespace kemu::block
