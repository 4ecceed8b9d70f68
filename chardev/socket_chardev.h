// Unix-domain and TCP stream sockets. As a server (the usual monitor/serial
// setup) it listens, serves one client at a time and accepts the next after a
// disconnect; queued connections wait in the listen backlog meanwhile. As a
// client it connects once at creation.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "chardev/fd_chardev.h"
#include "system/unique_fd.h"

namespace kemu {

struct SocketOptions {
    enum class Family { Unix, Tcp };
    Family family = Family::Unix;
    std::string path;  // Unix
    std::string host;  // TCP; empty listens on every address
    std::string port;  // TCP; a number or a service name
    bool server = false;
    // Server only: block in create() until the first client connects.
    bool wait = true;
    bool nodelay = false;
};

class SocketChardev final : public FdChardev {
  public:
    static Result<std::unique_ptr<SocketChardev>> create(std::string id, EventLoop& loop,
                                                         const SocketOptions& options);
    ~SocketChardev() override;

    // "disconnected:unix:/tmp/s,server=on" or "tcp:0.0.0.0:4444,server=on <-> 127.0.0.1:5555".
    std::string filename() const override;
    bool connected() const { return client_.valid(); }
    // The bound TCP port (useful after asking for port 0).
    uint16_t local_port() const { return local_port_; }

  private:
    SocketChardev(std::string id, EventLoop& loop, SocketOptions options)
        : FdChardev(std::move(id), loop), options_(std::move(options)) {}

    Result<void> listen_now();
    Result<void> connect_now();
    Result<void> wait_for_first_client();
    void accept_client();
    void adopt_client(UniqueFd fd, std::string peer);
    void input_closed() override;
    std::string describe_local() const;

    SocketOptions options_;
    UniqueFd listener_;
    UniqueFd client_;
    std::string bound_address_;  // "0.0.0.0:4444" for TCP
    std::string peer_;
    uint16_t local_port_ = 0;
    bool unlink_on_close_ = false;
};

}  // namespace kemu
