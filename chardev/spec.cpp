#include "chardev/spec.h"

#include <vector>

#include "system/keyval.h"

namespace kemu {

namespace {

using Option = KeyValueItem;

// The first item names the backend or the address: taken as written, '=' and all.
std::string as_written(const Option& item) {
    return item.has_value ? item.key + "=" + item.value : item.key;
}

Result<void> set_bool(const Option& opt, bool& out) {
    if (!opt.has_value) {
        out = true;  // "server" alone means server=on
        return ok();
    }
    KEMU_TRY(on, parse_bool(opt.key, opt.value));
    out = on;
    return ok();
}

Result<void> set_string(const Option& opt, std::string& out) {
    if (!opt.has_value) return Error("Parameter '" + opt.key + "' needs a value");
    out = opt.value;
    return ok();
}

using ApplyFn = Result<void> (*)(const Option&, ChardevSpec&);

// Backend bit sets for the key table.
constexpr unsigned bit(ChardevBackend b) {
    return 1u << unsigned(b);
}
constexpr unsigned kAllBackends = ~0u;
constexpr unsigned kSocket = bit(ChardevBackend::Socket);
// The legacy "unix:"/"tcp:" strings carry only the socket flags after the address.
constexpr unsigned kLegacySocketFlag = 1u << 31;

struct KeyRule {
    const char* key;
    unsigned backends;
    ApplyFn apply;
};

// Every key -chardev understands, and for which backends.
constexpr KeyRule kKeys[] = {
    {"id", kAllBackends, [](const Option& o, ChardevSpec& s) { return set_string(o, s.id); }},
    {"mux", kAllBackends, [](const Option& o, ChardevSpec& s) { return set_bool(o, s.mux); }},
    {"signal", bit(ChardevBackend::Stdio),
     [](const Option& o, ChardevSpec& s) { return set_bool(o, s.signals); }},
    {"path", bit(ChardevBackend::File),
     [](const Option& o, ChardevSpec& s) { return set_string(o, s.path); }},
    {"append", bit(ChardevBackend::File),
     [](const Option& o, ChardevSpec& s) { return set_bool(o, s.append); }},
    {"path", kSocket, [](const Option& o, ChardevSpec& s) { return set_string(o, s.socket.path); }},
    {"host", kSocket, [](const Option& o, ChardevSpec& s) { return set_string(o, s.socket.host); }},
    {"port", kSocket, [](const Option& o, ChardevSpec& s) { return set_string(o, s.socket.port); }},
    {"server", kSocket | kLegacySocketFlag,
     [](const Option& o, ChardevSpec& s) { return set_bool(o, s.socket.server); }},
    {"wait", kSocket | kLegacySocketFlag,
     [](const Option& o, ChardevSpec& s) { return set_bool(o, s.socket.wait); }},
    {"nodelay", kSocket | kLegacySocketFlag,
     [](const Option& o, ChardevSpec& s) { return set_bool(o, s.socket.nodelay); }},
    // The old spelling of wait=off.
    {"nowait", kSocket | kLegacySocketFlag,
     [](const Option& o, ChardevSpec& s) -> Result<void> {
         if (o.has_value) return Error("Parameter 'nowait' takes no value");
         s.socket.wait = false;
         return ok();
     }},
};

// Applies every item after the first, which names the backend or the address.
Result<void> apply_options(const std::vector<Option>& items, unsigned context, ChardevSpec& spec) {
    for (size_t i = 1; i < items.size(); i++) {
        const Option& opt = items[i];
        const KeyRule* rule = nullptr;
        for (const KeyRule& r : kKeys)
            if (opt.key == r.key && (r.backends & context)) rule = &r;
        if (!rule) return Error("Invalid parameter '" + opt.key + "'");
        KEMU_TRY_VOID(rule->apply(opt, spec));
    }
    return ok();
}

// "HOST:PORT" with an optional "[v6]" host; an empty host means every address.
Result<void> split_host_port(std::string_view text, SocketOptions& socket) {
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos)
        return Error("expected HOST:PORT, got '" + std::string(text) + "'");
    std::string_view host = text.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    socket.host = std::string(host);
    socket.port = std::string(text.substr(colon + 1));
    if (socket.port.empty()) return Error("missing port in '" + std::string(text) + "'");
    return ok();
}

struct BackendName {
    const char* name;
    ChardevBackend backend;
};

constexpr BackendName kBackends[] = {
    {"null", ChardevBackend::Null},     {"stdio", ChardevBackend::Stdio},
    {"file", ChardevBackend::File},     {"pty", ChardevBackend::Pty},
    {"socket", ChardevBackend::Socket}, {"vc", ChardevBackend::Vc},
};

// Legacy strings that are a whole spec by themselves.
constexpr BackendName kLegacyWords[] = {
    {"null", ChardevBackend::Null},
    {"stdio", ChardevBackend::Stdio},
    {"pty", ChardevBackend::Pty},
    {"vc", ChardevBackend::Vc},
};

Result<void> check_socket_address(ChardevSpec& spec) {
    SocketOptions& s = spec.socket;
    if (!s.path.empty()) {
        if (!s.host.empty() || !s.port.empty())
            return Error("chardev socket: 'path' cannot be combined with 'host'/'port'");
        s.family = SocketOptions::Family::Unix;
    } else if (!s.port.empty()) {
        s.family = SocketOptions::Family::Tcp;
    } else {
        return Error("chardev socket: needs 'path' or 'host'/'port'");
    }
    return ok();
}

// "unix:PATH[,flags]" or "tcp:HOST:PORT[,flags]", the prefix already removed.
Result<void> parse_legacy_socket(std::string_view rest, bool is_unix, ChardevSpec& spec) {
    spec.backend = ChardevBackend::Socket;
    KEMU_TRY(items, split_keyvalues(rest));
    std::string address = as_written(items[0]);
    if (is_unix) {
        spec.socket.family = SocketOptions::Family::Unix;
        spec.socket.path = address;
        if (spec.socket.path.empty()) return Error("'unix:' needs a path");
    } else {
        spec.socket.family = SocketOptions::Family::Tcp;
        KEMU_TRY_VOID(split_host_port(address, spec.socket));
    }
    return apply_options(items, kLegacySocketFlag, spec);
}

}  // namespace

Result<ChardevSpec> parse_chardev_option(std::string_view text) {
    KEMU_TRY(items, split_keyvalues(text));
    ChardevSpec spec;
    const BackendName* found = nullptr;
    for (const BackendName& b : kBackends)
        if (as_written(items[0]) == b.name) found = &b;
    if (!found) return Error("unknown chardev backend '" + as_written(items[0]) + "'");
    spec.backend = found->backend;
    KEMU_TRY_VOID(apply_options(items, bit(spec.backend), spec));
    if (spec.id.empty()) return Error("chardev: parameter 'id' is missing");
    if (spec.backend == ChardevBackend::File && spec.path.empty())
        return Error("chardev file: parameter 'path' is missing");
    if (spec.backend == ChardevBackend::Socket) KEMU_TRY_VOID(check_socket_address(spec));
    return spec;
}

Result<LegacyChardevSpec> parse_legacy_chardev(std::string_view text, std::string id) {
    LegacyChardevSpec legacy;
    if (text.starts_with("mon:")) {
        KEMU_TRY(inner, parse_legacy_chardev(text.substr(4), std::move(id)));
        if (inner.kind != LegacyChardevSpec::Kind::New)
            return Error("'mon:' needs a backend to share, not '" + std::string(text.substr(4)) +
                         "'");
        inner.spec.mux = true;
        inner.with_monitor = true;
        return inner;
    }
    if (text == "none") return legacy;
    if (text.starts_with("chardev:")) {
        legacy.kind = LegacyChardevSpec::Kind::Existing;
        legacy.existing_id = std::string(text.substr(8));
        if (legacy.existing_id.empty()) return Error("'chardev:' needs an id");
        return legacy;
    }

    legacy.kind = LegacyChardevSpec::Kind::New;
    ChardevSpec& spec = legacy.spec;
    spec.id = std::move(id);
    for (const BackendName& word : kLegacyWords) {
        if (text == word.name) {
            spec.backend = word.backend;
            return legacy;
        }
    }
    if (text.starts_with("file:")) {
        spec.backend = ChardevBackend::File;
        spec.path = std::string(text.substr(5));  // commas included: a path is all of it
        if (spec.path.empty()) return Error("'file:' needs a path");
        return legacy;
    }
    if (text.starts_with("unix:")) {
        KEMU_TRY_VOID(parse_legacy_socket(text.substr(5), true, spec));
        return legacy;
    }
    if (text.starts_with("tcp:")) {
        KEMU_TRY_VOID(parse_legacy_socket(text.substr(4), false, spec));
        return legacy;
    }
    std::string_view name = text.substr(0, text.find(':'));
    return Error("unknown chardev backend '" + std::string(name) + "'");
}

}  // namespace kemu
