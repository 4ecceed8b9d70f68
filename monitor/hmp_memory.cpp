#include "monitor/hmp_memory.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>

namespace kemu {

namespace {

// Column widths (QEMU's): hex shows every nibble; octal and decimal pad to the
// longest value the unit can hold.
int octal_width(unsigned unit) {
    return int((unit * 8 + 2) / 3);
}
int decimal_width(unsigned unit) {
    return int((unit * 8 * 10 + 32) / 33);
}

int64_t sign_extend(uint64_t value, unsigned unit) {
    if (unit == 8) return int64_t(value);
    unsigned shift = 64 - unit * 8;
    return int64_t(value << shift) >> shift;
}

std::string format_hex(unsigned unit, uint64_t v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%0*" PRIx64, int(unit * 2), v);
    return buf;
}

std::string format_octal(unsigned unit, uint64_t v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%#*" PRIo64, octal_width(unit), v);
    return buf;
}

std::string format_unsigned(unsigned unit, uint64_t v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%*" PRIu64, decimal_width(unit), v);
    return buf;
}

// Signed as the unit is wide: a byte 0xff is -1.
std::string format_signed(unsigned unit, uint64_t v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%*" PRId64, decimal_width(unit), sign_extend(v, unit));
    return buf;
}

std::string format_char(unsigned, uint64_t v) {
    static constexpr struct {
        uint64_t byte;
        const char* text;
    } kEscapes[] = {{'\'', "\\'"}, {'\\', "\\\\"}, {'\n', "\\n"}, {'\r', "\\r"}};
    for (const auto& e : kEscapes)
        if (v == e.byte) return std::string("'") + e.text + "'";
    char buf[16];
    if (v >= 32 && v <= 126)
        std::snprintf(buf, sizeof buf, "'%c'", char(v));
    else
        std::snprintf(buf, sizeof buf, "'\\x%02" PRIx64 "'", v & 0xff);
    return buf;
}

constexpr struct {
    char format;
    std::string (*print)(unsigned unit, uint64_t value);
} kPrinters[] = {
    {'x', format_hex},    {'o', format_octal}, {'u', format_unsigned},
    {'d', format_signed}, {'c', format_char},
};

uint64_t load_le(const uint8_t* p, unsigned unit) {
    uint64_t v = 0;
    for (unsigned i = 0; i < unit; i++)
        v |= uint64_t(p[i]) << (8 * i);
    return v;
}

}  // namespace

std::string format_memory_value(char format, unsigned unit, uint64_t value) {
    for (const auto& p : kPrinters)
        if (p.format == format) return p.print(unit, value);
    return format_hex(unit, value);
}

std::string format_print_value(char format, uint64_t value) {
    char buf[32];
    switch (format) {
        case 'x':
            std::snprintf(buf, sizeof buf, "%#" PRIx64, value);
            return buf;
        case 'o':
            std::snprintf(buf, sizeof buf, "%#" PRIo64, value);
            return buf;
        case 'u':
            std::snprintf(buf, sizeof buf, "%" PRIu64, value);
            return buf;
        case 'c':
            return format_char(1, value & 0xff);
        default:
            std::snprintf(buf, sizeof buf, "%" PRId64, int64_t(value));
            return buf;
    }
}

void dump_memory(const MemoryFormat& format, uint64_t addr, const MemoryReader& read,
                 const std::function<void(std::string_view)>& out) {
    unsigned unit = format.unit;
    uint64_t remaining = format.count * unit;
    const uint64_t line_bytes = unit == 1 ? 8 : 16;
    uint8_t buf[16];
    while (remaining > 0) {
        char head[24];
        std::snprintf(head, sizeof head, "%016" PRIx64 ":", addr);
        std::string line = head;
        size_t n = size_t(std::min(remaining, line_bytes));
        if (!read(addr, std::span<uint8_t>(buf, n))) {
            out(line + " Cannot access memory\n");
            return;
        }
        for (size_t i = 0; i + unit <= n; i += unit)
            line += " " + format_memory_value(format.format, unit, load_le(buf + i, unit));
        out(line + "\n");
        addr += n;
        remaining -= n;
    }
}

}  // namespace kemu
