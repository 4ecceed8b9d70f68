#include "block/image_lock.h"

#include <errno.h>
#include <fcntl.h>

#include <cstring>
#include <vector>

namespace kemu::block {

namespace {

// QEMU's permission bits (BLK_PERM_*), which fix the byte offsets.
enum Perm : int { kConsistentRead = 0, kWrite = 1, kWriteUnchanged = 2, kResize = 3 };
constexpr const char* kPermNames[] = {"consistent read", "write", "write unchanged", "resize"};
constexpr off_t kPermBase = 100;
constexpr off_t kSharedBase = 200;

struct flock byte_lock(short type, off_t byte) {
    struct flock fl {};
    fl.l_type = type;
    fl.l_whence = SEEK_SET;
    fl.l_start = byte;
    fl.l_len = 1;
    return fl;
}

// True when another open file description holds a lock on `byte`.
bool taken_by_other(int fd, off_t byte) {
    struct flock fl = byte_lock(F_WRLCK, byte);
    if (fcntl(fd, F_OFD_GETLK, &fl) != 0) return false;
    return fl.l_type != F_UNLCK;
}

}  // namespace

Result<ImageLock> ImageLock::acquire(const std::string& path, bool writable, bool share_write) {
    ImageLock lock;
    lock.fd_.reset(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!lock.fd_.valid()) {
        return Error("Could not open '" + path + "': " + std::strerror(errno));
    }
    std::vector<int> have = {kConsistentRead};
    std::vector<int> refuse;
    if (writable) {
        have.push_back(kWrite);
        have.push_back(kResize);
        refuse = {kWrite, kResize};
    } else if (!share_write) {
        refuse = {kWrite};
    }
    const std::string hint = "\nIs another process using the image [" + path + "]?";
    for (int p : have) {
        if (taken_by_other(lock.fd_.get(), kSharedBase + p)) {
            return Error(std::string("Failed to get \"") + kPermNames[p] + "\" lock" + hint);
        }
    }
    for (int p : refuse) {
        if (taken_by_other(lock.fd_.get(), kPermBase + p)) {
            return Error(std::string("Failed to get shared \"") + kPermNames[p] + "\" lock" + hint);
        }
    }
    auto take = [&](off_t byte) {
        struct flock fl = byte_lock(F_RDLCK, byte);
        return fcntl(lock.fd_.get(), F_OFD_SETLK, &fl) == 0;
    };
    for (int p : have) {
        if (!take(kPermBase + p))
            return Error("Failed to lock byte " + std::to_string(kPermBase + p));
    }
    for (int p : refuse) {
        if (!take(kSharedBase + p)) {
            return Error("Failed to lock byte " + std::to_string(kSharedBase + p));
        }
    }
    return lock;
}

}  // namespace kemu::block
