#include "tcg/code_buffer.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

#include "system/unique_fd.h"

namespace kemu::tcg {

namespace {

// Blocks start 4-byte aligned, which their goto_tb patch sites need (the backend pads each
// rel32 onto a 4-byte boundary counting from the block's start). 16 cost 6 bytes more per
// block on average, 0.6 MiB of a boot's code, and boot times do not tell the two apart.
constexpr size_t kBlockAlign = 4;
// The write view's pages count in the process's RSS as much as the exec view's, though
// nothing reads them once written: every time this much new code is committed, every page
// behind the cursor leaves the write view (on a shared mapping MADV_DONTNEED keeps their
// contents in the memfd), the ones that patching chained jumps faulted back in as well.
constexpr size_t kReleaseBytes = 1 << 20;
constexpr size_t kPage = 4096;

Error os_error(const char* what) {
    return Error(std::string("code buffer: ") + what + ": " + std::strerror(errno));
}

// Where to ask for the exec view: just below the emulator's own code, so translated code
// reaches its helpers with a 5-byte rel32 call instead of loading a 64-bit address. Only a
// hint: the kernel maps elsewhere when that range is taken, and those calls take the long
// form (the backend checks each one).
void* near_own_code(size_t capacity) {
    constexpr uintptr_t kGap = 16u << 20;
    const auto own = reinterpret_cast<uintptr_t>(&CodeBuffer::create);
    if (own < capacity + 2 * kGap) return nullptr;
    return reinterpret_cast<void*>((own - capacity - kGap) & ~(kPage - 1));
}

}  // namespace

Result<CodeBuffer> CodeBuffer::create(size_t capacity) {
    const size_t page = size_t(sysconf(_SC_PAGESIZE));
    capacity = (capacity + page - 1) / page * page;
    if (capacity == 0) return Error("code buffer: empty");
    UniqueFd fd(memfd_create("kemu-jit", MFD_CLOEXEC));
    if (!fd.valid()) return os_error("memfd_create");
    if (ftruncate(fd.get(), off_t(capacity)) != 0) return os_error("ftruncate");
    void* rw = mmap(nullptr, capacity, PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
    if (rw == MAP_FAILED) return os_error("mmap (write view)");
    MappedRegion writable(rw, capacity);
    void* rx =
        mmap(near_own_code(capacity), capacity, PROT_READ | PROT_EXEC, MAP_SHARED, fd.get(), 0);
    if (rx == MAP_FAILED) return os_error("mmap (exec view)");
    return CodeBuffer(std::move(writable), MappedRegion(rx, capacity));
}

const void* CodeBuffer::commit(size_t size) {
    const void* entry = executable_.data() + used_;
    used_ = std::min(used_ + (size + kBlockAlign - 1) / kBlockAlign * kBlockAlign, capacity());
    const size_t written = used_ / kPage * kPage;
    if (written >= released_ + kReleaseBytes) {
        madvise(writable_.data(), written, MADV_DONTNEED);
        released_ = written;
    }
    return entry;
}

}  // namespace kemu::tcg
