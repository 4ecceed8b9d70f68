// The VNC server (-vnc): libvncserver on a thread of its own shows the active console
// and sends keys and the pointer to the consoles. Frames come from the consoles through
// a ConsoleLink at most kFrameRate times a second and only while a client is connected;
// the thread never takes the machine lock, so a slow or hostile client stalls nobody but
// itself. libvncserver's headers stay inside vnc.cpp, which is built as the ui-vnc module
// (system/module.h) so that only -vnc loads libvncserver.
#pragma once

#include <memory>
#include <string>

#include "monitor/vnc_report.h"
#include "system/error.h"
#include "ui/console_link.h"
#include "ui/keymap.h"
#include "ui/vnc_options.h"

namespace kemu {

class VncServer {
  public:
    static constexpr int kFrameRate = 30;

    struct Setup {
        VncOptions options;
        std::string name;                        // -name: the desktop name reads "kemu (NAME)"
        const KeyboardLayout* layout = nullptr;  // -k; null for the default
    };

    // Main thread: loads the ui-vnc module and starts a server (start_vnc_server).
    static Result<std::unique_ptr<VncServer>> start(Setup setup, ConsoleSet& consoles,
                                                    ConsoleLink::Post post);
    // Main thread: stops the server's thread and disconnects every client.
    virtual ~VncServer() = default;

    // `set_password vnc PW` and `change vnc password PW`; only with password=on (QEMU
    // refuses otherwise). VNC authentication uses the first 8 characters.
    virtual Result<void> set_password(const std::string& password) = 0;
    // `info vnc`: the listening sockets and the connected clients.
    virtual VncInfo info() const = 0;
    virtual size_t client_count() const = 0;
};

// The ui-vnc module's entry (vnc.cpp), which tests also link directly: binds the sockets
// and starts the server thread. Errors are bare ("Failed to find an available port:
// Address already in use").
Result<std::unique_ptr<VncServer>> start_vnc_server(VncServer::Setup setup, ConsoleSet& consoles,
                                                    ConsoleLink::Post post);
using StartVncServer = decltype(&start_vnc_server);

}  // namespace kemu
