#include "ui/vnc.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <rfb/rfb.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <bitset>
#include <chrono>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

#include "ui/vnc_listener.h"

namespace kemu {

namespace {

// The thread sleeps in libvncserver's select until a client or the main loop (a frame is
// ready) wakes it, or it is time to ask for the next frame; this bounds each sleep so a stop
// request is seen.
constexpr long kMaxWaitUs = 100'000;
constexpr auto kFramePeriod = std::chrono::microseconds(1'000'000 / VncServer::kFrameRate);
constexpr int kInitialWidth = 640;
constexpr int kInitialHeight = 480;

// libvncserver would print every connection on stderr; kemu's users see `info vnc`.
void quiet(const char*, ...) {}

// The RFB pointer mask: 1 left, 2 middle, 4 right, 8 wheel up, 16 wheel down.
uint8_t pointer_buttons(int mask) {
    return uint8_t(((mask & 1) ? kButtonLeft : 0) | ((mask & 2) ? kButtonMiddle : 0) |
                   ((mask & 4) ? kButtonRight : 0));
}

}  // namespace

// The server on libvncserver.
class LibVncServer final : public VncServer {
  public:
    LibVncServer(Setup setup, ConsoleSet& consoles, ConsoleLink::Post post);
    ~LibVncServer() override;
    Result<void> init(std::vector<VncListenSocket> sockets);

    Result<void> set_password(const std::string& password) override;
    VncInfo info() const override;
    size_t client_count() const override;

  private:
    struct ClientInfo;
    struct Callbacks;  // libvncserver's callbacks, on the server thread
    void run();
    void accept_websocket_clients();
    // Takes a frame from the mirror into the framebuffer; whether there was one.
    bool apply_frame();
    void tell_clients_the_size();
    void use_surface_pixel_layout();

    Setup setup_;
    ConsoleLink link_;
    std::string desktop_name_;
    rfbScreenInfo* screen_ = nullptr;
    std::vector<uint32_t> pixels_;  // the framebuffer libvncserver sends from
    // The VNC sockets' fds are handed to libvncserver (info only here); the websocket=
    // sockets stay ours, since libvncserver listens on one socket per family only.
    std::vector<VncListenSocket> listeners_;
    std::atomic<bool> stop_{false};
    UniqueFd frame_ready_;  // eventfd the main loop signals when a requested frame is in
    std::thread thread_;

    mutable std::mutex lock_;  // guards password_ and clients_ (main and server thread)
    std::string password_;
    std::vector<ClientInfo*> clients_;
};

struct LibVncServer::ClientInfo {
    LibVncServer* server = nullptr;
    VncClientInfo peer;
    int last_x = 0, last_y = 0;
    bool has_position = false;
    int last_mask = 0;
    std::bitset<KEY_CNT> keys_down;         // released for it if the client vanishes
    int known_width = 0, known_height = 0;  // the framebuffer size the client was told
};

struct LibVncServer::Callbacks {
    static rfbNewClientAction new_client(rfbClientPtr cl) {
        auto* server = static_cast<LibVncServer*>(cl->screen->screenData);
        auto* info = new ClientInfo;
        info->server = server;
        sockaddr_storage addr{};
        socklen_t len = sizeof addr;
        char host[NI_MAXHOST] = "", service[NI_MAXSERV] = "";
        if (getpeername(cl->sock, reinterpret_cast<sockaddr*>(&addr), &len) == 0 &&
            addr.ss_family != AF_UNIX)
            getnameinfo(reinterpret_cast<sockaddr*>(&addr), len, host, sizeof host, service,
                        sizeof service, NI_NUMERICHOST | NI_NUMERICSERV);
        const char* family = addr.ss_family == AF_INET6  ? "ipv6"
                             : addr.ss_family == AF_INET ? "ipv4"
                                                         : "unix";
        info->peer = {host, service, family};
        info->known_width = cl->screen->width;
        info->known_height = cl->screen->height;
        cl->clientData = info;
        cl->clientGoneHook = client_gone;
        std::lock_guard<std::mutex> guard(server->lock_);
        server->clients_.push_back(info);
        return RFB_CLIENT_ACCEPT;
    }

    static void client_gone(rfbClientPtr cl) {
        auto* info = static_cast<ClientInfo*>(cl->clientData);
        if (!info) return;
        LibVncServer* server = info->server;
        for (uint16_t code = 0; code < KEY_CNT; code++)
            if (info->keys_down[code]) server->link_.key(code, false);
        {
            std::lock_guard<std::mutex> guard(server->lock_);
            std::erase(server->clients_, info);
        }
        cl->clientData = nullptr;
        delete info;
    }

    static void key_event(rfbBool down, rfbKeySym keysym, rfbClientPtr cl) {
        auto* info = static_cast<ClientInfo*>(cl->clientData);
        if (!info) return;
        LibVncServer* server = info->server;
        uint16_t code = keycode_from_keysym(*server->setup_.layout, keysym);
        if (code == KEY_RESERVED || code >= KEY_CNT) return;
        info->keys_down[code] = down;
        server->link_.key(code, down);
    }

    // VNC positions are absolute; the PS/2 mouse moves relatively, so the guest gets the
    // motion from the last position this client reported.
    static void pointer_event(int mask, int x, int y, rfbClientPtr cl) {
        auto* info = static_cast<ClientInfo*>(cl->clientData);
        if (!info) return;
        PointerMotion motion;
        if (info->has_position) {
            motion.dx = x - info->last_x;
            motion.dy = y - info->last_y;
        }
        int pressed = mask & ~info->last_mask;
        if (pressed & 8) motion.dz += 1;
        if (pressed & 16) motion.dz -= 1;
        motion.buttons = pointer_buttons(mask);
        bool changed = motion.dx || motion.dy || motion.dz ||
                       motion.buttons != pointer_buttons(info->last_mask);
        info->last_x = x;
        info->last_y = y;
        info->has_position = true;
        info->last_mask = mask;
        if (changed) info->server->link_.pointer(motion);
    }

    static rfbBool check_password(rfbClientPtr cl, const char* response, int len) {
        auto* server = static_cast<LibVncServer*>(cl->screen->screenData);
        char key[9] = {};
        {
            std::lock_guard<std::mutex> guard(server->lock_);
            // With password=on and no password set, nobody gets in (as in QEMU).
            if (server->password_.empty()) return FALSE;
            strncpy(key, server->password_.c_str(), 8);
        }
        if (len != CHALLENGESIZE) return FALSE;
        unsigned char expected[CHALLENGESIZE];
        memcpy(expected, cl->authChallenge, CHALLENGESIZE);
        rfbEncryptBytes(expected, key);
        return memcmp(expected, response, CHALLENGESIZE) == 0;
    }
};

LibVncServer::LibVncServer(Setup setup, ConsoleSet& consoles, ConsoleLink::Post post)
    : setup_(std::move(setup)), link_(consoles, std::move(post)) {
    if (!setup_.layout) setup_.layout = &default_keyboard_layout();
    desktop_name_ = setup_.name.empty() ? "kemu" : "kemu (" + setup_.name + ")";
}

Result<std::unique_ptr<VncServer>> start_vnc_server(VncServer::Setup setup, ConsoleSet& consoles,
                                                    ConsoleLink::Post post) {
    KEMU_TRY(sockets, open_vnc_listeners(setup.options));
    auto server = std::make_unique<LibVncServer>(std::move(setup), consoles, std::move(post));
    KEMU_TRY_VOID(server->init(std::move(sockets)));
    return std::unique_ptr<VncServer>(std::move(server));
}

Result<void> LibVncServer::init(std::vector<VncListenSocket> sockets) {
    frame_ready_ = UniqueFd(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
    if (!frame_ready_.valid()) return Error("cannot create the VNC server's eventfd");
    rfbLog = quiet;
    rfbErr = quiet;
    int argc = 1;
    char program[] = "kemu-system-x86_64";
    char* argv[] = {program, nullptr};
    pixels_.assign(size_t(kInitialWidth) * kInitialHeight, 0);
    screen_ = rfbGetScreen(&argc, argv, kInitialWidth, kInitialHeight, 8, 3, 4);
    if (!screen_) return Error("cannot create the VNC server");
    screen_->frameBuffer = reinterpret_cast<char*>(pixels_.data());
    use_surface_pixel_layout();
    screen_->desktopName = desktop_name_.c_str();
    screen_->screenData = this;
    screen_->alwaysShared = TRUE;
    // No server-drawn arrow in the picture: it would hide guest pixels, and clients draw
    // their own pointer.
    screen_->cursor = nullptr;
    // Only the server thread sees SIGPIPE, blocked there; the process keeps its handling.
    screen_->ignoreSIGPIPE = FALSE;
    screen_->newClientHook = Callbacks::new_client;
    screen_->kbdAddEvent = Callbacks::key_event;
    screen_->ptrAddEvent = Callbacks::pointer_event;
    if (setup_.options.password) {
        screen_->authPasswdData = this;  // any non-null value asks for VNC authentication
        screen_->passwordCheck = Callbacks::check_password;
    }
    // Our own sockets stand in for libvncserver's (which knows neither Unix sockets nor
    // QEMU's addresses): marked ready, rfbInitServer leaves them alone and later closes them.
    screen_->socketState = RFB_SOCKET_READY;
    screen_->port = setup_.options.kind == VncOptions::Kind::Tcp ? setup_.options.port() : 0;
    screen_->ipv6port = screen_->port;
    FD_ZERO(&screen_->allFds);
    screen_->maxFd = -1;
    for (VncListenSocket& s : sockets) {
        // In allFds so that libvncserver's select wakes for them too.
        int fd = s.websocket ? s.fd.get() : s.fd.release();
        if (s.websocket)
            fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
        else
            (s.family == "ipv6" ? screen_->listen6Sock : screen_->listenSock) = fd;
        FD_SET(fd, &screen_->allFds);
        screen_->maxFd = std::max(screen_->maxFd, fd);
    }
    listeners_ = std::move(sockets);
    FD_SET(frame_ready_.get(), &screen_->allFds);
    screen_->maxFd = std::max(screen_->maxFd, frame_ready_.get());
    link_.set_frame_ready([fd = frame_ready_.get()] {
        uint64_t one = 1;
        // Only a wake-up: the count is drained, not read.
        [[maybe_unused]] ssize_t n = write(fd, &one, sizeof one);
    });
    rfbInitServer(screen_);
    thread_ = std::thread([this] { run(); });
    return ok();
}

LibVncServer::~LibVncServer() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    if (!screen_) return;
    rfbShutdownServer(screen_, TRUE);
    rfbScreenCleanup(screen_);
    if (setup_.options.kind == VncOptions::Kind::Unix) unlink(setup_.options.path.c_str());
}

void LibVncServer::run() {
    // Named for top -H and the display benchmark (bench/display.py).
    pthread_setname_np(pthread_self(), "vnc");
    sigset_t pipe;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
    using Clock = std::chrono::steady_clock;
    auto next_frame = Clock::now();
    bool updated = false;
    while (!stop_) {
        long wait_us = kMaxWaitUs;
        if (screen_->clientHead) {
            auto until =
                std::chrono::duration_cast<std::chrono::microseconds>(next_frame - Clock::now());
            wait_us = std::clamp<long>(long(until.count()), 0, kMaxWaitUs);
        }
        // libvncserver sends what is marked after its wait: an update just taken goes
        // out at once rather than after the next sleep.
        rfbProcessEvents(screen_, updated ? 0 : wait_us);
        uint64_t signals;
        while (read(frame_ready_.get(), &signals, sizeof signals) > 0) {
        }
        accept_websocket_clients();
        updated = false;
        if (!screen_->clientHead) continue;
        auto now = Clock::now();
        if (now >= next_frame) {
            link_.request_frame();
            // A steady cadence; after a long stall, start again from now rather than burst.
            next_frame = std::max(next_frame + kFramePeriod, now);
        }
        updated = apply_frame();
    }
}

// libvncserver takes the WebSocket handshake from any new client (it peeks for an HTTP
// request before sending the RFB greeting), so a connection accepted here only needs to
// be handed over as its own accept path would.
void LibVncServer::accept_websocket_clients() {
    for (const VncListenSocket& s : listeners_) {
        if (!s.websocket) continue;
        int fd;
        while ((fd = accept4(s.fd.get(), nullptr, nullptr, SOCK_CLOEXEC)) >= 0) {
            int one = 1;
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
            rfbNewClient(screen_, fd);
        }
    }
}

void LibVncServer::use_surface_pixel_layout() {
    // The surface's own 0x00RRGGBB words: frames are copied as they are, and clients that
    // ask for this common layout get their pixels without a translation. libvncserver's
    // default for 8 bits per sample on a little-endian host has red lowest instead.
    screen_->serverFormat.redShift = 16;
    screen_->serverFormat.greenShift = 8;
    screen_->serverFormat.blueShift = 0;
}

// libvncserver tells a client of a new size only if the client had already asked for
// DesktopSize when the size changed. One that connected just before a mode change and sent
// its encodings just after would keep drawing the new frames into the old size; it is told
// once it can be.
void LibVncServer::tell_clients_the_size() {
    rfbClientIteratorPtr clients = rfbGetClientIterator(screen_);
    while (rfbClientPtr cl = rfbClientIteratorNext(clients)) {
        auto* info = static_cast<ClientInfo*>(cl->clientData);
        if (!info || !cl->useNewFBSize) continue;
        if (info->known_width != screen_->width || info->known_height != screen_->height)
            cl->newFBSizePending = TRUE;
        info->known_width = screen_->width;
        info->known_height = screen_->height;
    }
    rfbReleaseClientIterator(clients);
}

bool LibVncServer::apply_frame() {
    auto update = link_.take_frame(pixels_);
    tell_clients_the_size();
    if (!update) return false;
    if (update->resized) {
        // Sends DesktopSize to clients that support it and marks everything modified. It
        // also resets the server's pixel layout to libvncserver's default and picks every
        // client's translation for that, so both are redone.
        rfbNewFramebuffer(screen_, reinterpret_cast<char*>(pixels_.data()), update->width,
                          update->height, 8, 3, 4);
        tell_clients_the_size();
        use_surface_pixel_layout();
        rfbClientIteratorPtr clients = rfbGetClientIterator(screen_);
        while (rfbClientPtr cl = rfbClientIteratorNext(clients))
            screen_->setTranslateFunction(cl);
        rfbReleaseClientIterator(clients);
        return true;
    }
    for (const Rect& r : update->rects)
        rfbMarkRectAsModified(screen_, r.x, r.y, r.x + r.width, r.y + r.height);
    return true;
}

Result<void> LibVncServer::set_password(const std::string& password) {
    if (!setup_.options.password) return Error("Could not set password");
    std::lock_guard<std::mutex> guard(lock_);
    password_ = password;
    return ok();
}

size_t LibVncServer::client_count() const {
    std::lock_guard<std::mutex> guard(lock_);
    return clients_.size();
}

VncInfo LibVncServer::info() const {
    VncInfo info;
    for (const VncListenSocket& s : listeners_)
        info.server.push_back(
            {s.host, s.service, s.family, s.websocket, setup_.options.password ? "vnc" : "none"});
    std::lock_guard<std::mutex> guard(lock_);
    for (const ClientInfo* client : clients_)
        info.clients.push_back(client->peer);
    return info;
}

}  // namespace kemu

// The module's entry (system/module.h).
extern "C" {
extern const kemu::StartVncServer kemu_ui_vnc;
const kemu::StartVncServer kemu_ui_vnc = kemu::start_vnc_server;
}
