#include "chardev/spec.h"

#include <vector>

namespace kemu {

namespace {

struct Option {
    std::string key;
    std::string value;
    bool has_value;
};

// Splits "a=1,b,c=x,,y" at single commas; ",," is a literal comma, as in QEMU.
std::vector<std::string> split_commas(std::string_view text) {
    std::vector<std::string> parts(1);
    for (size_t i = 0; i < text.size(); i++) {
        if (text[i] != ',') {
            parts.back().push_back(text[i]);
        } else if (i + 1 < text.size() && text[i + 1] == ',') {
            parts.back().push_back(',');
            i++;
        } else {
            parts.emplace_back();
        }
    }
    return parts;
}

std::vector<Option> parse_options(const std::vector<std::string>& parts, size_t first) {
    std::vector<Option> options;
    for (size_t i = first; i < parts.size(); i++) {
        size_t eq = parts[i].find('=');
        if (eq == std::string::npos)
            options.push_back({parts[i], "", false});
        else
            options.push_back({parts[i].substr(0, eq), parts[i].substr(eq + 1), true});
    }
    return options;
}

Result<void> set_bool(const Option& opt, bool& out) {
    if (!opt.has_value || opt.value == "on" || opt.value == "yes") {
        out = true;  // "server" alone means server=on
    } else if (opt.value == "off" || opt.value == "no") {
        out = false;
    } else {
        return Error("parameter '" + opt.key + "' expects 'on' or 'off'");
    }
    return ok();
}

Result<void> set_string(const Option& opt, std::string& out) {
    if (!opt.has_value) return Error("parameter '" + opt.key + "' needs a value");
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
         if (o.has_value) return Error("parameter 'nowait' takes no value");
         s.socket.wait = false;
         return ok();
     }},
};

Result<void> apply_options(const std::vector<Option>& options, unsigned context,
                           ChardevSpec& spec) {
    for (const Option& opt : options) {
        const KeyRule* rule = nullptr;
        for (const KeyRule& r : kKeys)
            if (opt.key == r.key && (r.backends & context)) rule = &r;
        if (!rule) return Error("invalid parameter '" + opt.key + "'");
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
    {"socket", ChardevBackend::Socket},
};

// Legacy strings that are a whole spec by themselves.
constexpr BackendName kLegacyWords[] = {
    {"null", ChardevBackend::Null},
    {"stdio", ChardevBackend::Stdio},
    {"pty", ChardevBackend::Pty},
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
    std::vector<std::string> parts = split_commas(rest);
    if (is_unix) {
        spec.socket.family = SocketOptions::Family::Unix;
        spec.socket.path = parts[0];
        if (spec.socket.path.empty()) return Error("'unix:' needs a path");
    } else {
        spec.socket.family = SocketOptions::Family::Tcp;
        KEMU_TRY_VOID(split_host_port(parts[0], spec.socket));
    }
    return apply_options(parse_options(parts, 1), kLegacySocketFlag, spec);
}

}  // namespace

Result<ChardevSpec> parse_chardev_option(std::string_view text) {
    std::vector<std::string> parts = split_commas(text);
    ChardevSpec spec;
    const BackendName* found = nullptr;
    for (const BackendName& b : kBackends)
        if (parts[0] == b.name) found = &b;
    if (!found) return Error("unknown chardev backend '" + parts[0] + "'");
    spec.backend = found->backend;
    KEMU_TRY_VOID(apply_options(parse_options(parts, 1), bit(spec.backend), spec));
    if (spec.id.empty()) return Error("chardev: parameter 'id' is missing");
    if (spec.backend == ChardevBackend::File && spec.path.empty())
        return Error("chardev file: parameter 'path' is missing");
    if (spec.backend == ChardevBackend::Socket) KEMU_TRY_VOID(check_socket_address(spec));
    return spec;
}

Result<LegacyChardevSpec> parse_legacy_chardev(std::string_view text, std::string id) {
    LegacyChardevSpec legacy;
    if (text.starts_with("mon:")) {
        auto inner = parse_legacy_chardev(text.substr(4), std::move(id));
        if (!inner) return inner.error();
        if (inner->kind != LegacyChardevSpec::Kind::New)
            return Error("'mon:' needs a backend to share, not '" + std::string(text.substr(4)) +
                         "'");
        inner->spec.mux = true;
        inner->with_monitor = true;
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
