// The sockets a VNC server listens on: for TCP one per address family of the host
// (QEMU's ":0" binds 0.0.0.0 and :: both), or one Unix socket. Kept apart from
// libvncserver so binding and its errors are testable.
#pragma once

#include <string>
#include <vector>

#include "system/error.h"
#include "system/unique_fd.h"
#include "ui/vnc_options.h"

namespace kemu {

struct VncListenSocket {
    UniqueFd fd;
    std::string host;        // numeric address, or the path of a Unix socket
    std::string service;     // port number, or "" for a Unix socket
    std::string family;      // "ipv4", "ipv6", "unix", as `info vnc` and QMP word it
    bool websocket = false;  // the websocket= port
};

// Binds and listens: the VNC sockets, then those of websocket= if asked for. A port in
// use is an error ("Failed to find an available port: Address already in use"); a host
// without IPv6 just gets no IPv6 socket.
Result<std::vector<VncListenSocket>> open_vnc_listeners(const VncOptions& options);

}  // namespace kemu
