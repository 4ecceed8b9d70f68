#include "ui/vnc_options.h"

#include "system/keyval.h"

namespace kemu {

namespace {

// Display numbers reach at most port 65535.
constexpr int kMaxDisplay = 65535 - VncOptions::kBasePort;

Result<void> parse_address(std::string_view address, VncOptions& options) {
    if (address == "none") return ok();
    if (address.starts_with("unix:")) {
        options.kind = VncOptions::Kind::Unix;
        options.path = std::string(address.substr(5));
        if (options.path.empty()) return Error("'unix:' needs a path");
        return ok();
    }
    size_t colon = address.rfind(':');
    if (colon == std::string_view::npos)
        return Error("address '" + std::string(address) + "' is not HOST:DISPLAY or unix:PATH");
    std::string_view host = address.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    std::string_view display = address.substr(colon + 1);
    auto number = parse_uint(display);
    if (!number || *number > uint64_t(kMaxDisplay))
        return Error("invalid display number '" + std::string(display) + "'");
    options.kind = VncOptions::Kind::Tcp;
    options.host = std::string(host);
    options.display = int(*number);
    return ok();
}

// `websocket` alone or `=on|off`, `=PORT`, `=HOST:PORT` (HOST may be "[v6]").
Result<void> parse_websocket(const KeyValueItem& item, VncOptions& options) {
    if (!item.has_value) {
        options.websocket = true;
        return ok();
    }
    std::string_view value = item.value;
    size_t colon = value.rfind(':');
    std::string_view port = colon == std::string_view::npos ? value : value.substr(colon + 1);
    auto number = parse_uint(port);
    if (colon == std::string_view::npos && !number) {
        KEMU_TRY(on, parse_bool(item.key, value));
        options.websocket = on;
        return ok();
    }
    if (!number || *number == 0 || *number > 65535)
        return Error("invalid websocket port '" + std::string(port) + "'");
    options.websocket = true;
    options.websocket_port = int(*number);
    if (colon != std::string_view::npos) {
        std::string_view host = value.substr(0, colon);
        if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
            host = host.substr(1, host.size() - 2);
        options.websocket_host = std::string(host);
    }
    return ok();
}

}  // namespace

Result<VncOptions> parse_vnc_option(std::string_view text) {
    KEMU_TRY(items, split_keyvalues(text));
    VncOptions options;
    const KeyValueItem& first = items[0];
    KEMU_TRY_VOID(
        parse_address(first.has_value ? first.key + "=" + first.value : first.key, options));
    for (size_t i = 1; i < items.size(); i++) {
        const KeyValueItem& item = items[i];
        if (item.key == "websocket") {
            KEMU_TRY_VOID(parse_websocket(item, options));
            continue;
        }
        if (item.key != "password") return Error("Invalid parameter '" + item.key + "'");
        if (!item.has_value) {
            options.password = true;  // the old spelling ",password"
            continue;
        }
        KEMU_TRY(on, parse_bool(item.key, item.value));
        options.password = on;
    }
    if (options.kind == VncOptions::Kind::None && options.password)
        return Error("'none' takes no password");
    if (options.kind != VncOptions::Kind::Tcp && options.websocket)
        return Error("websocket needs a TCP display (HOST:N), not '" + first.key + "'");
    return options;
}

}  // namespace kemu
