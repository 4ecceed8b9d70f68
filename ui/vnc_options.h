// The -vnc option as QEMU spells it: ":N" (TCP port 5900+N on every address), "HOST:N",
// "unix:PATH", "none", each optionally followed by ",password=on|off" and, for TCP,
// ",websocket=on|PORT|HOST:PORT". Parsed apart from starting the server so every
// spelling can be tested without opening a socket.
#pragma once

#include <string>
#include <string_view>

#include "system/error.h"

namespace kemu {

struct VncOptions {
    enum class Kind { None, Tcp, Unix };
    Kind kind = Kind::None;
    std::string host;  // Tcp: empty means every address
    int display = 0;   // Tcp: the port is 5900 + display
    std::string path;  // Unix
    // VNC authentication: clients need the password `set_password vnc` gives.
    bool password = false;
    // An extra TCP port for WebSocket clients (noVNC): `websocket=on` is 5700 + display on
    // the server's host, `websocket=PORT` and `websocket=HOST:PORT` say where.
    bool websocket = false;
    std::string websocket_host;  // empty: the same host as the VNC server
    int websocket_port = 0;      // 0: kWebSocketBasePort + display

    static constexpr int kBasePort = 5900;
    static constexpr int kWebSocketBasePort = 5700;
    int port() const { return kBasePort + display; }
    int websocket_listen_port() const {
        return websocket_port ? websocket_port : kWebSocketBasePort + display;
    }
    const std::string& websocket_listen_host() const {
        return websocket_host.empty() ? host : websocket_host;
    }
};

// Errors are bare ("invalid display number 'x'"); the caller adds "-vnc TEXT: ".
Result<VncOptions> parse_vnc_option(std::string_view text);

}  // namespace kemu
