// Monitor commands that type into the guest.
#include <string>

#include "monitor/hmp_args.h"
#include "monitor/hmp_handlers.h"
#include "monitor/monitor.h"
#include "ui/keymap.h"

namespace kemu {

namespace {

// How long `sendkey` holds its keys when not told, as QEMU does.
constexpr unsigned kDefaultHoldMs = 100;
// Longer holds are typos; a minute still covers any deliberate one.
constexpr uint64_t kMaxHoldMs = 60'000;

}  // namespace

void hmp_sendkey(Monitor& mon, const HmpArgs& args) {
    Result<std::vector<uint16_t>> keys = parse_key_chord(args.text("keys"));
    if (!keys) return mon.print_error("sendkey: " + keys.error().message());
    uint64_t hold_ms = args.has("hold_ms") ? args.number("hold_ms") : kDefaultHoldMs;
    if (hold_ms > kMaxHoldMs)
        return mon.print_error("sendkey: hold time " + std::to_string(hold_ms) +
                               " ms is over the limit of " + std::to_string(kMaxHoldMs) + " ms");
    Result<void> sent = mon.host().send_keys(std::move(*keys), unsigned(hold_ms));
    if (!sent) mon.print_error("sendkey: " + sent.error().message());
}

}  // namespace kemu
