// A new pseudo-terminal (-serial pty); the user connects to its /dev/pts/N with
// screen, minicom or picocom.
#pragma once

#include <memory>

#include "chardev/fd_chardev.h"
#include "system/unique_fd.h"

namespace kemu {

class PtyChardev final : public FdChardev {
  public:
    // Prints "char device redirected to /dev/pts/N (label ID)" on stderr, as QEMU
    // does, so scripts that scrape that line work unchanged.
    static Result<std::unique_ptr<PtyChardev>> create(std::string id, EventLoop& loop);
    ~PtyChardev() override;

    std::string filename() const override { return "pty:" + slave_path_; }
    const std::string& slave_path() const { return slave_path_; }

  private:
    PtyChardev(std::string id, EventLoop& loop) : FdChardev(std::move(id), loop) {}
    void input_closed() override {}

    UniqueFd master_;
    // Kept open by us so the master never sees a hang-up while no user is
    // attached (which would make it permanently readable); output meanwhile fills
    // the pty buffer and then the bounded pending buffer, and the rest is dropped.
    UniqueFd slave_;
    std::string slave_path_;
};

}  // namespace kemu
