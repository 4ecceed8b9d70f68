// -d logging. The mask and the log file are process-wide and set once by main()
// before any thread starts; they are the one piece of global state besides Machine,
// because every layer (devices, CPU, accelerators) logs and none should need a handle.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

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

void log_set_mask(uint64_t mask);
// Empty path: stderr.
Result<void> log_set_file(const std::string& path);
bool log_enabled(LogItem item);

void log_printf(LogItem item, const char* fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_guest_error(...) ::kemu::log_printf(::kemu::LogItem::GuestErrors, __VA_ARGS__)
#define log_unimp(...) ::kemu::log_printf(::kemu::LogItem::Unimp, __VA_ARGS__)

// "1f" style lower-case hex, no prefix.
std::string hex(uint64_t value);

}  // namespace kemu
