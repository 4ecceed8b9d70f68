// A Chardev is a byte stream between a guest device (the frontend: a UART, the
// monitor, debugcon) and the outside (stdio, a file, a pty, a socket). Backends
// run on the main event loop with the machine lock held.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace kemu {

// State changes a backend reports to its frontend: a socket client connecting
// (Opened) or leaving (Closed), a mux moving input focus, a break condition.
enum class CharEvent { Opened, Closed, FocusIn, FocusOut, Break };

// What a device implements to receive bytes. Backends deliver at most
// can_receive() bytes, so a UART FIFO applies back-pressure to the host side.
class CharFrontend {
  public:
    virtual ~CharFrontend() = default;
    virtual size_t can_receive() = 0;
    virtual void receive(std::span<const uint8_t> data) = 0;
    virtual void event(CharEvent) {}
};

class Chardev {
  public:
    explicit Chardev(std::string id) : id_(std::move(id)) {}
    virtual ~Chardev() = default;
    Chardev(const Chardev&) = delete;
    Chardev& operator=(const Chardev&) = delete;

    const std::string& id() const { return id_; }
    // What `info chardev` shows after "filename=" ("stdio", "file:/tmp/x", "pty:/dev/pts/3").
    virtual std::string filename() const = 0;

    // Guest -> outside. Never blocks the caller for long; a closed or full sink drops bytes.
    virtual void write(std::span<const uint8_t> data) = 0;

    // One frontend at a time (the mux chardev multiplexes several on one backend).
    // A frontend attaching to an open backend is told so with CharEvent::Opened.
    virtual void attach(CharFrontend* frontend) {
        frontend_ = frontend;
        if (frontend_ && open_) frontend_->event(CharEvent::Opened);
    }
    // A frontend going away before its chardev calls this (a mux keeps the others).
    virtual void detach(CharFrontend* frontend) {
        if (frontend_ == frontend) frontend_ = nullptr;
    }
    CharFrontend* frontend() const { return frontend_; }
    // The frontend calls this when it can take input again (a UART FIFO drained).
    virtual void frontend_ready() {}

    // False while there is nobody on the other side (a listening socket without a client).
    bool is_open() const { return open_; }

  protected:
    // For backends: records an open/close and tells the frontend about the change.
    void set_open(bool open) {
        if (open == open_) return;
        open_ = open;
        send_event(open ? CharEvent::Opened : CharEvent::Closed);
    }
    void send_event(CharEvent event) {
        if (frontend_) frontend_->event(event);
    }

    // For backends: hands input to the frontend, as much as it can take; returns bytes taken.
    size_t deliver(std::span<const uint8_t> data) {
        if (!frontend_) return data.size();  // nobody listening: input is discarded
        size_t n = std::min(data.size(), frontend_->can_receive());
        if (n) frontend_->receive(data.first(n));
        return n;
    }

  private:
    std::string id_;
    CharFrontend* frontend_ = nullptr;
    bool open_ = true;
};

}  // namespace kemu
