// Helpers for the chardev tests: a recording frontend and byte spans of text. The
// event loop and the scripted backend are in tests/unit/common/fixtures.h.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "chardev/chardev.h"
#include "tests/unit/common/fixtures.h"

namespace kemu::test {

// Records input and events; `room` limits what it takes, like a UART FIFO.
class RecordingFrontend : public CharFrontend {
  public:
    size_t can_receive() override { return room - std::min(room, received.size()); }
    void receive(std::span<const uint8_t> data) override {
        received.append(data.begin(), data.end());
    }
    void event(CharEvent e) override { events.push_back(e); }

    size_t room = 1 << 20;
    std::string received;
    std::vector<CharEvent> events;
};

inline std::span<const uint8_t> bytes(std::string_view text) {
    return std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size());
}

}  // namespace kemu::test
