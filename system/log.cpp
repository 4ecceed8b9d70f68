#include "system/log.h"

#include <atomic>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <optional>

#include "system/keyval.h"

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
std::vector<LogAddressRange> g_filter;

// The first of "-", "+" or ".." in `range`, in QEMU's order of preference.
struct RangeOperator {
    size_t at;
    std::string_view op;
};
std::optional<RangeOperator> find_range_operator(std::string_view range) {
    for (std::string_view op : {"-", "+", ".."})
        if (size_t at = range.find(op); at != std::string_view::npos) return RangeOperator{at, op};
    return std::nullopt;
}

Result<LogAddressRange> parse_log_range(std::string_view range) {
    auto op = find_range_operator(range);
    if (!op) return Error("Bad range specifier '" + std::string(range) + "'");
    auto left = parse_uint(range.substr(0, op->at));
    if (!left) return Error("Invalid number to the left of " + std::string(op->op));
    auto right = parse_uint(range.substr(op->at + op->op.size()));
    if (!right) return Error("Invalid number to the right of " + std::string(op->op));
    uint64_t first = *left, last = *right;
    if (op->op == "+") {
        if (*right == 0 || *right - 1 > UINT64_MAX - *left) return Error("Invalid range");
        last = *left + (*right - 1);
    } else if (op->op == "-") {
        if (*right == 0 || *right - 1 > *left) return Error("Invalid range");
        first = *left - (*right - 1);
        last = *left;
    } else if (last < first) {
        return Error("Invalid range");
    }
    return LogAddressRange{first, last};
}

// One line on stderr: the program's name (kemu-system-x86_64, kemu-img), `kind`, the text.
// Formatted first and written with one call, so lines from several threads never interleave.
void print_host_message(const char* kind, const char* fmt, va_list ap) {
    std::string line = std::string(program_invocation_short_name) + ": " + kind;
    va_list measure;
    va_copy(measure, ap);
    int length = std::vsnprintf(nullptr, 0, fmt, measure);
    va_end(measure);
    if (length > 0) {
        size_t prefix = line.size();
        line.resize(prefix + size_t(length) + 1);
        std::vsnprintf(line.data() + prefix, size_t(length) + 1, fmt, ap);
        line.resize(prefix + size_t(length));
    }
    line += '\n';
    std::fputs(line.c_str(), stderr);
}

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
        std::snprintf(line, sizeof line, "\n%-15s %s", info.name, info.help);
        out += line;
    }
    return out;
}

Result<std::vector<LogAddressRange>> parse_log_filter(std::string_view spec) {
    std::vector<LogAddressRange> ranges;
    for (;;) {
        size_t comma = spec.find(',');
        KEMU_TRY(range, parse_log_range(spec.substr(0, comma)));
        ranges.push_back(range);
        if (comma == std::string_view::npos) return ranges;
        spec.remove_prefix(comma + 1);
    }
}

void log_set_mask(uint64_t mask) {
    g_mask = mask;
}

void log_set_filter(std::vector<LogAddressRange> ranges) {
    g_filter = std::move(ranges);
}

bool log_filter_accepts(uint64_t addr) {
    if (g_filter.empty()) return true;
    for (const LogAddressRange& r : g_filter)
        if (addr >= r.first && addr <= r.last) return true;
    return false;
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

void log_host_error(const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    print_host_message("", fmt, ap);
    va_end(ap);
}

void log_host_warning(const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    print_host_message("warning: ", fmt, ap);
    va_end(ap);
}

}  // namespace kemu
