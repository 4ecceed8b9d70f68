#include "system/log.h"

#include <atomic>
#include <cstdarg>
#include <cstdio>

namespace kemu {

namespace {

struct LogItemInfo {
    const char* name;
    const char* help;
};

constexpr LogItemInfo kLogItems[] = {
#define LOG_ITEM(id, name, help) {name, help},
#include "system/log_items.def"
#undef LOG_ITEM
};

std::atomic<uint64_t> g_mask{0};
FILE* g_file = nullptr;

}  // namespace

Result<uint64_t> parse_log_items(std::string_view spec) {
    uint64_t mask = 0;
    while (!spec.empty()) {
        size_t comma = spec.find(',');
        std::string_view item = spec.substr(0, comma);
        spec = comma == std::string_view::npos ? std::string_view{} : spec.substr(comma + 1);
        if (item == "help") return Error(log_items_help());
        bool found = false;
        for (unsigned i = 0; i < unsigned(LogItem::Count); i++) {
            if (item == kLogItems[i].name) {
                mask |= 1ull << i;
                found = true;
            }
        }
        if (!found) return Error("unknown log item '" + std::string(item) + "' (try -d help)");
    }
    return mask;
}

std::string log_items_help() {
    std::string out = "Log items (comma separated):";
    for (const LogItemInfo& info : kLogItems) {
        char line[160];
        std::snprintf(line, sizeof line, "\n%-14s %s", info.name, info.help);
        out += line;
    }
    return out;
}

void log_set_mask(uint64_t mask) {
    g_mask = mask;
}

Result<void> log_set_file(const std::string& path) {
    if (path.empty()) return ok();
    FILE* f = std::fopen(path.c_str(), "w");
    if (!f) return Error("cannot open log file '" + path + "'");
    std::setvbuf(f, nullptr, _IOLBF, 0);
    g_file = f;
    return ok();
}

bool log_enabled(LogItem item) {
    return g_mask.load(std::memory_order_relaxed) & (1ull << unsigned(item));
}

void log_printf(LogItem item, const char* fmt, ...) {
    if (!log_enabled(item)) return;
    FILE* out = g_file ? g_file : stderr;
    va_list ap;
    va_start(ap, fmt);
    std::vfprintf(out, fmt, ap);
    va_end(ap);
    std::fputc('\n', out);
}

std::string hex(uint64_t value) {
    char buf[20];
    std::snprintf(buf, sizeof buf, "%llx", (unsigned long long)value);
    return buf;
}

}  // namespace kemu
