#include "ui/vnc_listener.h"

#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

namespace kemu {

namespace {

constexpr int kBacklog = 16;

Error port_error(int err) {
    return Error(std::string("Failed to find an available port: ") + strerror(err));
}

// The numeric address and port a socket is bound to.
void describe_bound(VncListenSocket& out) {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    getsockname(out.fd.get(), reinterpret_cast<sockaddr*>(&addr), &len);
    char host[NI_MAXHOST] = "", service[NI_MAXSERV] = "";
    getnameinfo(reinterpret_cast<sockaddr*>(&addr), len, host, sizeof host, service, sizeof service,
                NI_NUMERICHOST | NI_NUMERICSERV);
    out.host = host;
    out.service = service;
    out.family = addr.ss_family == AF_INET6 ? "ipv6" : "ipv4";
}

// `host` empty: every address.
Result<std::vector<VncListenSocket>> open_tcp(const std::string& host_name, int port_number) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    addrinfo* found = nullptr;
    std::string port = std::to_string(port_number);
    const char* host = host_name.empty() ? nullptr : host_name.c_str();
    if (int rc = getaddrinfo(host, port.c_str(), &hints, &found); rc != 0)
        return Error("address resolution failed for " + host_name + ":" + port + ": " +
                     gai_strerror(rc));
    std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> list(found, freeaddrinfo);

    std::vector<VncListenSocket> sockets;
    int last_error = EADDRNOTAVAIL;
    for (addrinfo* ai = found; ai; ai = ai->ai_next) {
        bool have_family = std::any_of(sockets.begin(), sockets.end(), [&](const auto& s) {
            return s.family == (ai->ai_family == AF_INET6 ? "ipv6" : "ipv4");
        });
        if (have_family || (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)) continue;
        UniqueFd fd(socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
        if (!fd.valid()) {
            last_error = errno;
            continue;  // a kernel without IPv6
        }
        int one = 1;
        setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        // Separate sockets per family, as QEMU binds them, so each shows in `info vnc`.
        if (ai->ai_family == AF_INET6)
            setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
        if (bind(fd.get(), ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd.get(), kBacklog) != 0) {
            if (errno == EADDRINUSE || errno == EACCES) return port_error(errno);
            last_error = errno;
            continue;
        }
        VncListenSocket s;
        s.fd = std::move(fd);
        describe_bound(s);
        sockets.push_back(std::move(s));
    }
    if (sockets.empty()) return port_error(last_error);
    std::stable_sort(sockets.begin(), sockets.end(),
                     [](const auto& a, const auto& b) { return a.family < b.family; });
    return sockets;
}

Result<std::vector<VncListenSocket>> open_unix(const VncOptions& options) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (options.path.size() >= sizeof addr.sun_path)
        return Error("unix socket path '" + options.path + "' is too long");
    memcpy(addr.sun_path, options.path.c_str(), options.path.size() + 1);
    // A socket left behind by an earlier run is replaced; any other file is not.
    struct stat st;
    if (lstat(options.path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) unlink(options.path.c_str());
    UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd.valid()) return Error(std::string("cannot create socket: ") + strerror(errno));
    if (bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        listen(fd.get(), kBacklog) != 0)
        return Error("Failed to bind socket to " + options.path + ": " + strerror(errno));
    std::vector<VncListenSocket> sockets(1);
    sockets[0].fd = std::move(fd);
    sockets[0].host = options.path;
    sockets[0].family = "unix";
    return sockets;
}

}  // namespace

Result<std::vector<VncListenSocket>> open_vnc_listeners(const VncOptions& options) {
    switch (options.kind) {
        case VncOptions::Kind::Tcp: {
            KEMU_TRY(sockets, open_tcp(options.host, options.port()));
            if (!options.websocket) return sockets;
            KEMU_TRY(websockets,
                     open_tcp(options.websocket_listen_host(), options.websocket_listen_port()));
            for (VncListenSocket& s : websockets) {
                s.websocket = true;
                sockets.push_back(std::move(s));
            }
            return sockets;
        }
        case VncOptions::Kind::Unix:
            return open_unix(options);
        case VncOptions::Kind::None:
            break;
    }
    return std::vector<VncListenSocket>();
}

}  // namespace kemu
