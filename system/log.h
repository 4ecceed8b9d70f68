// -d logging. The mask, the -dfilter ranges and the log file are process-wide and set once by
// main() before any thread starts; they are the one piece of global state besides Machine, because
// every layer (devices, CPU, accelerators) logs and none should need a handle.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "system/error.h"

namespace kemu {

enum class LogItem : unsigned {
#define LOG_ITEM(id, name, help) id,
#include "system/log_items.def"
#undef LOG_ITEM
    Count
};

// Parses "guest_errors,unimp" (or "help"); "help" is reported as an Error listing items.
Result<uint64_t> parse_log_items(std::string_view spec);
std::string log_items_help();

// One -dfilter range, both ends included.
struct LogAddressRange {
    uint64_t first = 0;
    uint64_t last = 0;
    bool operator==(const LogAddressRange&) const = default;
};

// -dfilter "0x1000+0x100,0x8000..0x8fff,0x2000-0x10": start+length, first..last (inclusive)
// or end-length (the range that ends at `end`).
Result<std::vector<LogAddressRange>> parse_log_filter(std::string_view spec);

void log_set_mask(uint64_t mask);
// Empty: every address passes.
void log_set_filter(std::vector<LogAddressRange> ranges);
// Whether per-address logging (in_asm, exec, ...) of guest address `addr` is wanted.
bool log_filter_accepts(uint64_t addr);
// Empty path: stderr.
Result<void> log_set_file(const std::string& path);
bool log_enabled(LogItem item);

void log_printf(LogItem item, const char* fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_guest_error(...) ::kemu::log_printf(::kemu::LogItem::GuestErrors, __VA_ARGS__)
#define log_unimp(...) ::kemu::log_printf(::kemu::LogItem::Unimp, __VA_ARGS__)

// Host runtime failures (an ioctl the kernel refused, a corrupt image): always shown, on
// stderr, with the program's name as main's reporter prints it ("kemu-system-x86_64: warning:
// ..."). Guest mistakes go to log_guest_error; user and configuration errors travel as a
// Result up to main.
void log_host_error(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void log_host_warning(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

}  // namespace kemu
