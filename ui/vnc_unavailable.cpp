// VncServer for a build without libvncserver: -vnc is then a one-line error.
#include "ui/vnc.h"

namespace kemu {

struct VncServer::ClientInfo {};

Result<std::unique_ptr<VncServer>> VncServer::start(Setup, ConsoleSet&, ConsoleLink::Post) {
    return Error("VNC support is not built into this kemu (libvncserver was not found)");
}

// Never constructed: start() above is the only way to make one.
VncServer::~VncServer() = default;
Result<void> VncServer::set_password(const std::string&) {
    return Error("Could not set password");
}
std::string VncServer::info_text() const {
    return vnc_info_none();
}
size_t VncServer::client_count() const {
    return 0;
}

}  // namespace kemu
