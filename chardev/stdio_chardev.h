// The process's stdin/stdout as a chardev. A terminal on stdin goes into raw
// mode and is restored on every way out of the process (see stdio.cpp).
#pragma once

#include "chardev/fd_chardev.h"
#include "system/error.h"

#include <memory>

namespace kemu {

class StdioChardev final : public FdChardev {
  public:
    // Only one may exist at a time: a second create() fails. `allow_signals` keeps
    // ISIG so Ctrl-C reaches kemu instead of the guest.
    static Result<std::unique_ptr<StdioChardev>> create(std::string id, EventLoop& loop,
                                                        bool allow_signals);
    ~StdioChardev() override;

    std::string filename() const override { return "stdio"; }

  private:
    StdioChardev(std::string id, EventLoop& loop) : FdChardev(std::move(id), loop) {}
    void input_closed() override;
};

}  // namespace kemu
