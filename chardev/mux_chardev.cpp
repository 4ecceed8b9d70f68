#include "chardev/mux_chardev.h"

#include <algorithm>
#include <cstdio>

namespace kemu {

MuxChardev::MuxChardev(std::string id, Chardev& backend)
    : Chardev(std::move(id)), backend_(backend) {
    // Open mirrors the backend, which reports its state as soon as we attach.
    set_open(false);
    backend_.attach(this);
}

MuxChardev::~MuxChardev() {
    backend_.detach(this);
}

const char* MuxChardev::help_text() {
    return "\r\n"
           "C-a h    show this help\r\n"
           "C-a x    quit the emulator\r\n"
           "C-a s    write disk data back (when the machine supports it)\r\n"
           "C-a b    send a break to the focused device\r\n"
           "C-a t    toggle timestamps on console output\r\n"
           "C-a c    switch between console and monitor\r\n"
           "C-a C-a  send C-a itself\r\n";
}

void MuxChardev::attach(CharFrontend* frontend) {
    if (!frontend || frontends_.size() >= kMaxFrontends) return;
    frontends_.push_back(Port{frontend, {}});
    if (frontends_.size() - 1 != focus_) frontend->event(CharEvent::FocusOut);
    if (is_open()) frontend->event(CharEvent::Opened);
}

void MuxChardev::detach(CharFrontend* frontend) {
    auto it = std::find_if(frontends_.begin(), frontends_.end(),
                           [&](const Port& p) { return p.frontend == frontend; });
    if (it == frontends_.end()) return;
    size_t index = size_t(it - frontends_.begin());
    frontends_.erase(it);
    if (frontends_.empty()) {
        focus_ = 0;
        return;
    }
    if (index == focus_) {
        focus_ = 0;
        frontends_[0].frontend->event(CharEvent::FocusIn);
    } else if (index < focus_) {
        focus_--;
    }
}

void MuxChardev::set_focus(size_t index) {
    if (index >= frontends_.size() || index == focus_) return;
    // What was typed before the switch belongs to the old focus.
    flush(focus_);
    frontends_[focus_].frontend->event(CharEvent::FocusOut);
    focus_ = index;
    frontends_[focus_].frontend->event(CharEvent::FocusIn);
    flush(focus_);
    backend_.frontend_ready();
}

size_t MuxChardev::can_receive() {
    if (frontends_.empty()) return kInputBuffer;
    return kInputBuffer - std::min(kInputBuffer, frontends_[focus_].pending.size());
}

void MuxChardev::receive(std::span<const uint8_t> data) {
    for (uint8_t byte : data) {
        if (escape_pending_) {
            escape_pending_ = false;
            if (byte != kEscape) {
                handle_escape(byte);
                continue;
            }
        } else if (byte == kEscape) {
            escape_pending_ = true;
            continue;
        }
        // With no frontend yet, input is dropped as by any unattached backend.
        if (!frontends_.empty() && frontends_[focus_].pending.size() < kInputBuffer)
            frontends_[focus_].pending.push_back(byte);
    }
    if (!frontends_.empty()) flush(focus_);
}

void MuxChardev::handle_escape(uint8_t command) {
    static constexpr struct {
        uint8_t key;
        void (MuxChardev::*action)();
    } kEscapes[] = {
        {'h', &MuxChardev::escape_help},       {'?', &MuxChardev::escape_help},
        {'x', &MuxChardev::escape_quit},       {'s', &MuxChardev::escape_save},
        {'b', &MuxChardev::escape_break},      {'c', &MuxChardev::escape_next_focus},
        {'t', &MuxChardev::escape_timestamps},
    };
    // Unknown escapes are swallowed rather than guessed at.
    for (const auto& e : kEscapes)
        if (e.key == command) (this->*e.action)();
}

void MuxChardev::escape_help() {
    write_to_backend(help_text());
}

void MuxChardev::escape_quit() {
    write_to_backend("KEMU: Terminated\r\n");
    if (on_quit_) on_quit_();
}

void MuxChardev::escape_save() {
    if (on_save_) on_save_();
}

void MuxChardev::escape_break() {
    if (!frontends_.empty()) frontends_[focus_].frontend->event(CharEvent::Break);
}

void MuxChardev::escape_next_focus() {
    if (!frontends_.empty()) set_focus((focus_ + 1) % frontends_.size());
}

void MuxChardev::escape_timestamps() {
    timestamps_ = !timestamps_;
    timestamps_since_ = std::chrono::steady_clock::now();
}

void MuxChardev::flush(size_t index) {
    // A frontend's receive() may call frontend_ready() on us again.
    if (flushing_) return;
    flushing_ = true;
    Port& port = frontends_[index];
    while (!port.pending.empty()) {
        size_t n = std::min(port.pending.size(), port.frontend->can_receive());
        if (n == 0) break;
        std::vector<uint8_t> chunk(port.pending.begin(), port.pending.begin() + n);
        port.pending.erase(port.pending.begin(), port.pending.begin() + n);
        port.frontend->receive(chunk);
    }
    flushing_ = false;
}

void MuxChardev::frontend_ready() {
    // Any frontend may be the one that drained, the unfocused ones included.
    for (size_t i = 0; i < frontends_.size(); i++)
        flush(i);
    backend_.frontend_ready();
}

void MuxChardev::event(CharEvent event) {
    switch (event) {
        case CharEvent::Opened:
        case CharEvent::Closed:
            set_open(event == CharEvent::Opened);
            for (Port& port : frontends_)
                port.frontend->event(event);
            break;
        case CharEvent::Break:
            if (!frontends_.empty()) frontends_[focus_].frontend->event(event);
            break;
        case CharEvent::FocusIn:
        case CharEvent::FocusOut:
            break;  // a backend has no focus to give
    }
}

void MuxChardev::write(std::span<const uint8_t> data) {
    if (!timestamps_) {
        if (!data.empty()) at_line_start_ = data.back() == '\n';
        backend_.write(data);
        return;
    }
    std::string out;
    for (uint8_t byte : data) {
        if (at_line_start_) out += timestamp();
        out.push_back(char(byte));
        at_line_start_ = byte == '\n';
    }
    write_to_backend(out);
}

void MuxChardev::write_to_backend(std::string_view text) {
    backend_.write(std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
}

std::string MuxChardev::timestamp() const {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::steady_clock::now() - timestamps_since_)
                  .count();
    char buf[40];
    std::snprintf(buf, sizeof buf, "[%02lld:%02lld:%02lld.%03lld] ", (long long)(ms / 3600000),
                  (long long)(ms / 60000 % 60), (long long)(ms / 1000 % 60),
                  (long long)(ms % 1000));
    return buf;
}

}  // namespace kemu
