#include "chardev/file_chardev.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace kemu {

Result<std::unique_ptr<FileChardev>> FileChardev::create(std::string id, const std::string& path,
                                                         bool append) {
    int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC);
    UniqueFd fd(open(path.c_str(), flags, 0666));
    if (!fd.valid()) return Error("could not open '" + path + "': " + std::strerror(errno));
    return std::unique_ptr<FileChardev>(new FileChardev(std::move(id), path, std::move(fd)));
}

void FileChardev::write(std::span<const uint8_t> data) {
    while (!data.empty()) {
        ssize_t n = ::write(fd_.get(), data.data(), data.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;  // a full disk loses console output, never the guest's progress
        data = data.subspan(size_t(n));
    }
}

}  // namespace kemu
