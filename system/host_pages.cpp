#include "system/host_pages.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdint>

namespace kemu {

namespace {

// /proc/self/pagemap: one 64-bit entry per virtual page; bit 63 present, bit 62 swapped
// (Documentation/admin-guide/mm/pagemap.rst). Opened once; -1 where it cannot be.
int pagemap_fd() {
    static const int fd = ::open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    return fd;
}

}  // namespace

bool anonymous_page_unpopulated(const void* address) {
    static const uint64_t page_size = uint64_t(::sysconf(_SC_PAGESIZE));
    const int fd = pagemap_fd();
    if (fd < 0) return false;
    uint64_t entry;
    const off_t at = off_t(reinterpret_cast<uintptr_t>(address) / page_size * sizeof entry);
    if (::pread(fd, &entry, sizeof entry, at) != ssize_t(sizeof entry)) return false;
    constexpr uint64_t kPresent = 1ull << 63, kSwapped = 1ull << 62;
    return !(entry & (kPresent | kSwapped));
}

}  // namespace kemu
