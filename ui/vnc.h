// The VNC server (-vnc): libvncserver on a thread of its own shows the active console
// and sends keys and the pointer to the consoles. Frames come from the consoles through
// a ConsoleLink at most kFrameRate times a second and only while a client is connected;
// the thread never takes the machine lock, so a slow or hostile client stalls nobody but
// itself. libvncserver's headers stay inside vnc.cpp.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "system/error.h"
#include "ui/console_link.h"
#include "ui/keymap.h"
#include "ui/vnc_listener.h"
#include "ui/vnc_options.h"

struct _rfbScreenInfo;

namespace kemu {

class VncServer {
  public:
    static constexpr int kFrameRate = 30;

    struct Setup {
        VncOptions options;
        std::string name;                        // -name: the desktop name reads "kemu (NAME)"
        const KeyboardLayout* layout = nullptr;  // -k; null for the default
    };

    // Main thread: binds the sockets and starts the server thread. Errors are bare
    // ("Failed to find an available port: Address already in use").
    static Result<std::unique_ptr<VncServer>> start(Setup setup, ConsoleSet& consoles,
                                                    ConsoleLink::Post post);
    // Main thread: stops the thread and disconnects every client.
    ~VncServer();
    VncServer(const VncServer&) = delete;
    VncServer& operator=(const VncServer&) = delete;

    // `set_password vnc PW` and `change vnc password PW`; only with password=on (QEMU
    // refuses otherwise). VNC authentication uses the first 8 characters.
    Result<void> set_password(const std::string& password);
    // `info vnc`, worded as QEMU's.
    std::string info_text() const;
    size_t client_count() const;

  private:
    struct ClientInfo;
    VncServer(Setup setup, ConsoleSet& consoles, ConsoleLink::Post post);
    Result<void> init(std::vector<VncListenSocket> sockets);
    void run();
    void apply_frame();

    // libvncserver's callbacks, on the server thread (defined in vnc.cpp).
    struct Callbacks;

    Setup setup_;
    ConsoleLink link_;
    std::string desktop_name_;
    _rfbScreenInfo* screen_ = nullptr;
    std::vector<uint32_t> pixels_;            // the framebuffer libvncserver sends from
    std::vector<VncListenSocket> listeners_;  // fds handed to libvncserver; info only
    std::atomic<bool> stop_{false};
    std::thread thread_;

    mutable std::mutex lock_;  // guards password_ and clients_ (main and server thread)
    std::string password_;
    std::vector<ClientInfo*> clients_;
};

// `info vnc` without a server.
inline std::string vnc_info_none() {
    return "None\n";
}

}  // namespace kemu
