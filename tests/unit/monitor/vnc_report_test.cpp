// `info vnc` as QEMU words it, from the data the VNC server hands over.
#include "monitor/vnc_report.h"

#include <gtest/gtest.h>

namespace kemu {
namespace {

TEST(VncReport, ServersThenClients) {
    VncInfo info;
    info.server = {{"127.0.0.1", "5901", "ipv4", false, "vnc"},
                   {"::1", "5700", "ipv6", true, "vnc"}};
    info.clients = {{"127.0.0.1", "40000", "ipv4"}, {"", "", "unix"}};
    EXPECT_EQ(format_info_vnc(info),
              "default:\n"
              "  Server: 127.0.0.1:5901 (ipv4)\n"
              "    Auth: vnc (Sub: none)\n"
              "  Server: ::1:5700 (ipv6) (websocket)\n"
              "    Auth: vnc (Sub: none)\n"
              "  Client: 127.0.0.1:40000 (ipv4)\n"
              "    x509_dname: none\n"
              "    sasl_username: none\n"
              "  Client: : (unix)\n"
              "    x509_dname: none\n"
              "    sasl_username: none\n");
}

TEST(VncReport, AUnixSocketServerAndNoServerAtAll) {
    VncInfo info;
    info.server = {{"/tmp/vnc.sock", "", "unix", false, "none"}};
    EXPECT_EQ(format_info_vnc(info),
              "default:\n  Server: /tmp/vnc.sock: (unix)\n    Auth: none (Sub: none)\n");
    EXPECT_EQ(format_info_vnc(std::nullopt), "None\n");
}

}  // namespace
}  // namespace kemu
