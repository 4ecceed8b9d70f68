// The -vnc option as QEMU spells it: ":N" (TCP port 5900+N on every address), "HOST:N",
// "unix:PATH", "none", each optionally followed by ",password=on|off". Parsed apart from
// starting the server so every spelling can be tested without opening a socket.
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

    static constexpr int kBasePort = 5900;
    int port() const { return kBasePort + display; }
};

// Errors are bare ("invalid display number 'x'"); the caller adds "-vnc TEXT: ".
Result<VncOptions> parse_vnc_option(std::string_view text);

}  // namespace kemu
