// Image locking compatible with QEMU's `locking=` scheme: open-file-description (OFD)
// byte locks on the image file. Byte 100+N is held by a user that has permission N;
// byte 200+N by a user that refuses to share permission N. So two writers conflict, and
// QEMU and kemu see each other's locks.
#pragma once

#include <string>

#include "system/error.h"
#include "system/unique_fd.h"

namespace kemu::block {

enum class LockMode { Off, On, Auto };

class ImageLock {
  public:
    // Takes the locks for a reader (`writable` false) or a writer. A reader still refuses
    // concurrent writers unless `share_write` (qemu-img -U).
    static Result<ImageLock> acquire(const std::string& path, bool writable, bool share_write);

    ImageLock(ImageLock&&) = default;
    ImageLock& operator=(ImageLock&&) = default;

  private:
    ImageLock() = default;
    UniqueFd fd_;  // closing it drops every lock
};

}  // namespace kemu::block
