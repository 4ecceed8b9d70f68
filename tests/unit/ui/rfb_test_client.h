// A minimal RFB 3.8 client for the VNC server tests: handshake (no auth or VNC auth),
// raw-encoded updates into a local framebuffer, key and pointer events. Blocking reads
// with a timeout; a pump function runs the main loop's posted work while waiting.
#pragma once

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

namespace kemu::test {

class RfbClient {
  public:
    using Pump = std::function<void()>;

    explicit RfbClient(Pump pump) : pump_(std::move(pump)) {}
    ~RfbClient() {
        if (fd_ >= 0) close(fd_);
    }

    bool connect_unix(const std::string& path) {
        fd_ = socket(AF_UNIX, SOCK_STREAM, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
        return ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    }
    int fd() const { return fd_; }

    // Version, security (1 = none, 2 = VNC auth with `encrypt` answering the challenge),
    // ClientInit (shared), ServerInit. Returns false on any failure.
    // Without `encodings`, SetEncodings waits for send_encodings().
    bool handshake(std::function<void(uint8_t challenge[16])> encrypt = nullptr,
                   bool encodings = true) {
        std::string version = read_bytes(12);
        if (version.substr(0, 4) != "RFB ") return false;
        send_bytes("RFB 003.008\n");
        int count = read_u8();
        if (count <= 0) return false;
        std::string types = read_bytes(size_t(count));
        uint8_t wanted = encrypt ? 2 : 1;
        if (types.find(char(wanted)) == std::string::npos) return false;
        send_bytes(std::string(1, char(wanted)));
        if (encrypt) {
            std::string challenge = read_bytes(16);
            uint8_t buf[16];
            memcpy(buf, challenge.data(), 16);
            encrypt(buf);
            send_bytes(std::string(reinterpret_cast<char*>(buf), 16));
        }
        if (read_u32() != 0) return false;  // SecurityResult
        send_bytes(std::string(1, '\1'));
        width = read_u16();
        height = read_u16();
        std::string format = read_bytes(16);
        bits_per_pixel = uint8_t(format[0]);
        red_shift = uint8_t(format[10]);
        blue_shift = uint8_t(format[12]);
        read_bytes(read_u32());  // name
        pixels.assign(size_t(width) * height, 0);
        if (encodings) send_encodings();
        return ok_;
    }

    // Raw encoding and DesktopSize (-223).
    void send_encodings() {
        std::string enc = {2, 0, 0, 2, 0, 0, 0, 0, char(0xff), char(0xff), char(0xff), char(0x21)};
        send_bytes(enc);
    }

    void request_update(bool incremental) {
        std::string msg = {3,           char(incremental), 0,           0, 0, 0, char(width >> 8),
                           char(width), char(height >> 8), char(height)};
        send_bytes(msg);
    }

    // Reads one FramebufferUpdate message (skipping others); false on a timeout.
    bool read_update() {
        while (ok_) {
            int type = read_u8();
            if (!ok_) return false;
            if (type == 0) break;
            if (type == 2) continue;  // bell
            if (type == 3) {          // cut text
                read_bytes(3);
                read_bytes(read_u32());
                continue;
            }
            ok_ = false;
        }
        read_u8();
        int rects = read_u16();
        for (int i = 0; i < rects && ok_; i++) {
            int x = read_u16(), y = read_u16(), w = read_u16(), h = read_u16();
            int32_t encoding = int32_t(read_u32());
            if (encoding == -223) {  // DesktopSize
                width = w;
                height = h;
                pixels.assign(size_t(w) * h, 0);
                resized++;
                continue;
            }
            if (encoding != 0) {
                ok_ = false;
                break;
            }
            std::string data = read_bytes(size_t(w) * h * 4);
            for (int row = 0; row < h && ok_; row++)
                memcpy(&pixels[size_t(y + row) * width + x], data.data() + size_t(row) * w * 4,
                       size_t(w) * 4);
        }
        return ok_;
    }

    // The pixel at (x, y) as 0x00RRGGBB, whatever shifts the server announced.
    uint32_t rgb(int x, int y) const {
        uint32_t p = pixels[size_t(y) * width + x];
        return (((p >> red_shift) & 0xff) << 16) | (p & 0xff00) | ((p >> blue_shift) & 0xff);
    }

    void key(uint32_t keysym, bool down) {
        std::string msg = {4,
                           char(down),
                           0,
                           0,
                           char(keysym >> 24),
                           char(keysym >> 16),
                           char(keysym >> 8),
                           char(keysym)};
        send_bytes(msg);
    }
    void pointer(int mask, int x, int y) {
        std::string msg = {5, char(mask), char(x >> 8), char(x), char(y >> 8), char(y)};
        send_bytes(msg);
    }
    void send_bytes(const std::string& data) {
        if (::send(fd_, data.data(), data.size(), MSG_NOSIGNAL) != ssize_t(data.size()))
            ok_ = false;
    }
    bool ok() const { return ok_; }

    int width = 0, height = 0;
    int bits_per_pixel = 0, red_shift = 0, blue_shift = 0;
    int resized = 0;
    std::vector<uint32_t> pixels;

  private:
    std::string read_bytes(size_t n) {
        std::string out;
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (out.size() < n && ok_) {
            if (pump_) pump_();
            pollfd p{fd_, POLLIN, 0};
            if (poll(&p, 1, 5) <= 0) {
                if (std::chrono::steady_clock::now() > deadline) ok_ = false;
                continue;
            }
            char buf[65536];
            ssize_t got = recv(fd_, buf, std::min(n - out.size(), sizeof buf), 0);
            if (got <= 0) {
                ok_ = false;
                break;
            }
            out.append(buf, size_t(got));
        }
        if (out.size() < n) out.resize(n);
        return out;
    }
    int read_u8() { return uint8_t(read_bytes(1)[0]); }
    int read_u16() {
        std::string b = read_bytes(2);
        return (uint8_t(b[0]) << 8) | uint8_t(b[1]);
    }
    uint32_t read_u32() {
        std::string b = read_bytes(4);
        return (uint32_t(uint8_t(b[0])) << 24) | (uint32_t(uint8_t(b[1])) << 16) |
               (uint32_t(uint8_t(b[2])) << 8) | uint8_t(b[3]);
    }

    Pump pump_;
    int fd_ = -1;
    bool ok_ = true;
};

}  // namespace kemu::test
