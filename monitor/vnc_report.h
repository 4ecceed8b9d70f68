// What `info vnc` reports, as data: the VNC server fills it (ui/vnc.cpp), the monitor
// formats it here, and a QMP front end could serialise it as QEMU's query-vnc-servers
// (VncInfo2; the field names are that command's). kemu has neither TLS nor SASL, so
// there is no vencrypt, x509_dname or sasl_username.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace kemu {

// A listening socket.
struct VncServerInfo {
    std::string host;     // numeric address, or the path of a Unix socket
    std::string service;  // port number, or "" for a Unix socket
    std::string family;   // "ipv4", "ipv6", "unix"
    bool websocket = false;
    std::string auth;  // "none" or "vnc"
    bool operator==(const VncServerInfo&) const = default;
};

// A connected client: the far end of its socket. (Which listener it came through, QMP's
// `websocket`, is not recorded.)
struct VncClientInfo {
    std::string host;
    std::string service;
    std::string family;
    bool operator==(const VncClientInfo&) const = default;
};

struct VncInfo {
    std::string id = "default";  // QEMU's name for the -vnc display
    std::vector<VncServerInfo> server;
    std::vector<VncClientInfo> clients;
    bool operator==(const VncInfo&) const = default;
};

// QEMU's layout; no server at all is "None".
std::string format_info_vnc(const std::optional<VncInfo>& info);

}  // namespace kemu
