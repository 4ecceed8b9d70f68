#include "chardev/fd_chardev.h"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "system/event_loop.h"

namespace kemu {

namespace {

// Bytes read per wake-up when nobody limits us (no frontend: input is discarded).
constexpr size_t kReadChunk = 4096;

bool is_socket(int fd) {
    struct stat st {};
    return fd >= 0 && fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode);
}

}  // namespace

// A socket gets send() with MSG_NOSIGNAL, so a vanished peer is an error, not SIGPIPE. Asked
// once: a guest's console writes a byte at a time, and a failed send() before each write()
// doubled the system calls of a boot's serial output.
ssize_t FdChardev::write_some(const uint8_t* data, size_t size) {
    if (out_is_socket_) return send(out_fd_, data, size, MSG_NOSIGNAL);
    return ::write(out_fd_, data, size);
}

FdChardev::FdChardev(std::string id, EventLoop& loop) : Chardev(std::move(id)), loop_(loop) {}

FdChardev::~FdChardev() {
    stop_streaming();
}

Result<void> FdChardev::start_streaming(int in_fd, int out_fd, bool out_nonblocking) {
    KEMU_ASSERT(!out_nonblocking || out_fd == in_fd);
    in_fd_ = in_fd;
    out_fd_ = out_fd;
    out_nonblocking_ = out_nonblocking;
    out_is_socket_ = is_socket(out_fd);
    input_enabled_ = in_fd >= 0;
    pending_.clear();
    if (input_enabled_) {
        auto added = loop_.add_fd(in_fd_, 0, [this](uint32_t events) { handle_events(events); });
        if (!added) {
            input_enabled_ = false;
            if (out_nonblocking_) return added.error();
            return ok();
        }
        registered_ = true;
        watched_ = 0;
        update_watch();
    }
    return ok();
}

void FdChardev::stop_streaming() {
    if (registered_) loop_.remove_fd(in_fd_);
    registered_ = false;
    watched_ = 0;
    in_fd_ = out_fd_ = -1;
    input_enabled_ = false;
    pending_.clear();
}

void FdChardev::attach(CharFrontend* frontend) {
    Chardev::attach(frontend);
    update_watch();
}

void FdChardev::detach(CharFrontend* frontend) {
    Chardev::detach(frontend);
    update_watch();
}

void FdChardev::frontend_ready() {
    update_watch();
}

bool FdChardev::input_wanted() const {
    if (!input_enabled_) return false;
    return !frontend() || frontend()->can_receive() > 0;
}

void FdChardev::update_watch() {
    if (in_fd_ < 0) return;
    uint32_t want = (input_wanted() ? EPOLLIN : 0u) | (pending_.empty() ? 0u : EPOLLOUT);
    if (want == 0) {
        if (registered_) loop_.remove_fd(in_fd_);
        registered_ = false;
        watched_ = 0;
        return;
    }
    if (!registered_) {
        if (!loop_.add_fd(in_fd_, want, [this](uint32_t events) { handle_events(events); })) return;
        registered_ = true;
    } else if (want != watched_) {
        loop_.modify_fd(in_fd_, want);
    }
    watched_ = want;
}

void FdChardev::handle_events(uint32_t events) {
    if (events & EPOLLOUT) flush_output();
    if (in_fd_ < 0) return;
    if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
        if (input_wanted()) {
            read_input();
        } else if (events & (EPOLLHUP | EPOLLERR)) {
            // Hung up while input is paused: pending output can no longer arrive, so it
            // goes; unread input stays in the kernel until the frontend is ready, and
            // with nothing left to watch the fd leaves the epoll set instead of spinning.
            pending_.clear();
        }
    }
    if (in_fd_ >= 0) update_watch();
}

void FdChardev::read_input() {
    size_t room = frontend() ? std::min(frontend()->can_receive(), kReadChunk) : kReadChunk;
    uint8_t buf[kReadChunk];
    ssize_t n = ::read(in_fd_, buf, room);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (n <= 0) {
        input_enabled_ = false;
        input_closed();
        return;
    }
    deliver(std::span<const uint8_t>(buf, size_t(n)));
}

void FdChardev::write(std::span<const uint8_t> data) {
    if (out_fd_ < 0) return;
    if (!out_nonblocking_) {
        while (!data.empty()) {
            ssize_t n = write_some(data.data(), data.size());
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0)
                return;  // a closed terminal or full disk: drop, as a UART with no cable does
            data = data.subspan(size_t(n));
        }
        return;
    }
    if (pending_.empty()) {
        ssize_t n = write_some(data.data(), data.size());
        if (n > 0) data = data.subspan(size_t(n));
        if (n < 0 && errno != EAGAIN && errno != EINTR) return;
    }
    size_t room = kMaxPendingOutput - std::min(kMaxPendingOutput, pending_.size());
    size_t keep = std::min(room, data.size());
    pending_.insert(pending_.end(), data.begin(), data.begin() + keep);
    update_watch();
}

void FdChardev::flush_output() {
    while (!pending_.empty()) {
        ssize_t n = write_some(pending_.data(), pending_.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) return;
        if (n <= 0) {
            pending_.clear();
            return;
        }
        pending_.erase(pending_.begin(), pending_.begin() + n);
    }
}

}  // namespace kemu
