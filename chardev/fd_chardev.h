// The common engine of the fd-backed chardevs (stdio, pty, socket): input read on
// the event loop with the frontend's flow control, output written straight to a
// blocking fd or through a bounded buffer on a non-blocking one.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "chardev/chardev.h"
#include "system/error.h"

namespace kemu {

class EventLoop;

class FdChardev : public Chardev {
  public:
    // Output a non-blocking fd could not take yet; beyond this, bytes are dropped.
    static constexpr size_t kMaxPendingOutput = 64 * 1024;

    ~FdChardev() override;

    void write(std::span<const uint8_t> data) override;
    void attach(CharFrontend* frontend) override;
    void detach(CharFrontend* frontend) override;
    void frontend_ready() override;

    size_t pending_output() const { return pending_.size(); }

  protected:
    FdChardev(std::string id, EventLoop& loop);

    // Starts streaming. `in_fd` may be -1 (output only). A non-blocking `out_fd`
    // must be `in_fd` as well, so one epoll registration covers both directions.
    // The fds stay owned by the subclass and must outlive stop_streaming().
    Result<void> start_streaming(int in_fd, int out_fd, bool out_nonblocking);
    void stop_streaming();
    bool streaming() const { return out_fd_ >= 0 || in_fd_ >= 0; }

    // End of input: read() returned 0 or failed, or the peer hung up.
    virtual void input_closed() = 0;

    EventLoop& loop() { return loop_; }

  private:
    void handle_events(uint32_t events);
    void read_input();
    void flush_output();
    ssize_t write_some(const uint8_t* data, size_t size);
    // Watches exactly what is needed now: EPOLLIN while input is wanted and the
    // frontend can take it, EPOLLOUT while output is pending; nothing otherwise,
    // so a hung-up fd cannot make the loop spin while input is paused.
    void update_watch();
    bool input_wanted() const;

    EventLoop& loop_;
    int in_fd_ = -1;
    int out_fd_ = -1;
    bool out_nonblocking_ = false;
    bool out_is_socket_ = false;
    bool input_enabled_ = false;
    bool registered_ = false;
    uint32_t watched_ = 0;
    std::vector<uint8_t> pending_;
};

}  // namespace kemu
