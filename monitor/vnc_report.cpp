#include "monitor/vnc_report.h"

namespace kemu {

namespace {

// "0.0.0.0:5900 (ipv4)".
std::string address(const std::string& host, const std::string& service,
                    const std::string& family) {
    return host + ":" + service + " (" + family + ")";
}

}  // namespace

std::string format_info_vnc(const std::optional<VncInfo>& info) {
    if (!info) return "None\n";
    std::string out = info->id + ":\n";
    for (const VncServerInfo& s : info->server) {
        out += "  Server: " + address(s.host, s.service, s.family) +
               (s.websocket ? " (websocket)" : "") + "\n";
        out += "    Auth: " + s.auth + " (Sub: none)\n";
    }
    for (const VncClientInfo& c : info->clients) {
        out += "  Client: " + address(c.host, c.service, c.family) + "\n";
        out += "    x509_dname: none\n";
        out += "    sasl_username: none\n";
    }
    return out;
}

}  // namespace kemu
