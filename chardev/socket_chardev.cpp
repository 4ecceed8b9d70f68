#include "chardev/socket_chardev.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>

#include "system/event_loop.h"

namespace kemu {

namespace {

Error errno_error(const std::string& what) {
    return Error(what + ": " + std::strerror(errno));
}

Result<sockaddr_un> unix_address(const std::string& path) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.empty() || path.size() >= sizeof addr.sun_path)
        return Error("socket path '" + path + "' is empty or too long");
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    return addr;
}

std::string address_text(const sockaddr* sa) {
    char host[NI_MAXHOST], serv[NI_MAXSERV];
    socklen_t len = sa->sa_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
    if (getnameinfo(sa, len, host, sizeof host, serv, sizeof serv,
                    NI_NUMERICHOST | NI_NUMERICSERV) != 0)
        return "?";
    return std::string(host) + ":" + serv;
}

struct AddrInfoList {
    addrinfo* head = nullptr;
    ~AddrInfoList() {
        if (head) freeaddrinfo(head);
    }
};

Result<void> resolve(const SocketOptions& o, bool passive, AddrInfoList& out) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = passive ? AI_PASSIVE : 0;
    const char* host = o.host.empty() ? nullptr : o.host.c_str();
    int rc = getaddrinfo(host, o.port.c_str(), &hints, &out.head);
    if (rc != 0)
        return Error("address resolution failed for " + o.host + ":" + o.port + ": " +
                     gai_strerror(rc));
    return ok();
}

// Tries the addresses in turn, each with a new socket, and returns the first socket `use`
// succeeds with (0). Otherwise errno is the last failure of `use`, or `none_tried`.
UniqueFd first_usable_socket(const AddrInfoList& list, int type_flags, int none_tried,
                             const std::function<int(int fd, const addrinfo&)>& use) {
    int last_errno = none_tried;
    for (addrinfo* ai = list.head; ai; ai = ai->ai_next) {
        UniqueFd fd(socket(ai->ai_family, ai->ai_socktype | type_flags, 0));
        if (!fd.valid()) continue;
        if (use(fd.get(), *ai) == 0) return fd;
        last_errno = errno;
    }
    errno = last_errno;
    return {};
}

}  // namespace

Result<std::unique_ptr<SocketChardev>> SocketChardev::create(std::string id, EventLoop& loop,
                                                             const SocketOptions& options) {
    std::unique_ptr<SocketChardev> chr(new SocketChardev(std::move(id), loop, options));
    chr->set_open(false);
    if (!options.server) {
        KEMU_TRY_VOID(chr->connect_now());
        return chr;
    }
    KEMU_TRY_VOID(chr->listen_now());
    if (options.wait) KEMU_TRY_VOID(chr->wait_for_first_client());
    if (!chr->connected()) {
        KEMU_TRY_VOID(loop.add_fd(chr->listener_.get(), EPOLLIN,
                                  [c = chr.get()](uint32_t) { c->accept_client(); }));
    }
    return chr;
}

SocketChardev::~SocketChardev() {
    stop_streaming();
    if (listener_.valid()) loop().remove_fd(listener_.get());
    if (unlink_on_close_) unlink(options_.path.c_str());
}

Result<void> SocketChardev::listen_now() {
    if (options_.family == SocketOptions::Family::Unix) {
        KEMU_TRY(addr, unix_address(options_.path));
        // A socket left behind by an earlier run would make bind() fail; anything
        // that is not a socket is the user's file and stays.
        struct stat st;
        if (lstat(options_.path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode))
            unlink(options_.path.c_str());
        listener_.reset(socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
        if (!listener_.valid()) return errno_error("cannot create socket");
        if (bind(listener_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0)
            return errno_error("cannot bind '" + options_.path + "'");
        unlink_on_close_ = true;
    } else {
        AddrInfoList list;
        KEMU_TRY_VOID(resolve(options_, true, list));
        listener_ = first_usable_socket(
            list, SOCK_NONBLOCK | SOCK_CLOEXEC, 0, [](int fd, const addrinfo& ai) {
                int one = 1;
                setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
                return bind(fd, ai.ai_addr, ai.ai_addrlen);
            });
        if (!listener_.valid())
            return errno_error("cannot bind " + options_.host + ":" + options_.port);
        sockaddr_storage local{};
        socklen_t len = sizeof local;
        getsockname(listener_.get(), reinterpret_cast<sockaddr*>(&local), &len);
        bound_address_ = address_text(reinterpret_cast<sockaddr*>(&local));
        local_port_ = local.ss_family == AF_INET6
                          ? ntohs(reinterpret_cast<sockaddr_in6*>(&local)->sin6_port)
                          : ntohs(reinterpret_cast<sockaddr_in*>(&local)->sin_port);
    }
    if (listen(listener_.get(), 1) < 0) return errno_error("cannot listen");
    return ok();
}

Result<void> SocketChardev::connect_now() {
    UniqueFd fd;
    if (options_.family == SocketOptions::Family::Unix) {
        KEMU_TRY(addr, unix_address(options_.path));
        fd.reset(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
        if (!fd.valid() || connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0)
            return errno_error("cannot connect to '" + options_.path + "'");
    } else {
        AddrInfoList list;
        KEMU_TRY_VOID(resolve(options_, false, list));
        fd = first_usable_socket(list, SOCK_CLOEXEC, ECONNREFUSED, [](int s, const addrinfo& ai) {
            return connect(s, ai.ai_addr, ai.ai_addrlen);
        });
        if (!fd.valid())
            return errno_error("cannot connect to " + options_.host + ":" + options_.port);
    }
    fcntl(fd.get(), F_SETFL, fcntl(fd.get(), F_GETFL) | O_NONBLOCK);
    adopt_client(std::move(fd), options_.family == SocketOptions::Family::Unix
                                    ? options_.path
                                    : options_.host + ":" + options_.port);
    return ok();
}

Result<void> SocketChardev::wait_for_first_client() {
    std::fprintf(stderr, "KEMU waiting for connection on: %s\n", filename().c_str());
    while (!connected()) {
        pollfd p{listener_.get(), POLLIN, 0};
        if (poll(&p, 1, -1) < 0 && errno != EINTR) return errno_error("waiting for a client");
        accept_client();
    }
    return ok();
}

void SocketChardev::accept_client() {
    if (connected()) return;
    sockaddr_storage peer{};
    socklen_t len = sizeof peer;
    UniqueFd fd(accept4(listener_.get(), reinterpret_cast<sockaddr*>(&peer), &len,
                        SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (!fd.valid()) return;  // the client gave up before we got to it
    // Pending connections wait in the backlog until this client leaves.
    loop().remove_fd(listener_.get());
    std::string peer_text = options_.family == SocketOptions::Family::Tcp
                                ? address_text(reinterpret_cast<sockaddr*>(&peer))
                                : std::string();
    adopt_client(std::move(fd), std::move(peer_text));
}

void SocketChardev::adopt_client(UniqueFd fd, std::string peer) {
    if (options_.nodelay && options_.family == SocketOptions::Family::Tcp) {
        int one = 1;
        setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    client_ = std::move(fd);
    peer_ = std::move(peer);
    if (!start_streaming(client_.get(), client_.get(), true)) {
        client_.reset();
        return;
    }
    set_open(true);
}

void SocketChardev::input_closed() {
    stop_streaming();
    client_.reset();
    peer_.clear();
    set_open(false);
    if (!options_.server) return;
    auto watched = loop().add_fd(listener_.get(), EPOLLIN, [this](uint32_t) { accept_client(); });
    (void)watched;  // re-adding a listener we removed ourselves cannot fail short of ENOMEM
}

std::string SocketChardev::describe_local() const {
    std::string text = options_.family == SocketOptions::Family::Unix
                           ? "unix:" + options_.path
                           : "tcp:" + (bound_address_.empty() ? options_.host + ":" + options_.port
                                                              : bound_address_);
    if (options_.server) text += ",server=on";
    return text;
}

std::string SocketChardev::filename() const {
    if (!connected()) return "disconnected:" + describe_local();
    if (peer_.empty()) return describe_local();
    return describe_local() + " <-> " + peer_;
}

}  // namespace kemu
