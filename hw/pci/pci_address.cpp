#include "hw/pci/pci_address.h"

#include <cstdio>

#include "hw/pci/pci_regs.h"

namespace kemu::pci {

namespace {

// Hex digits (an optional 0x first) up to `limit`; nullopt if empty, malformed or larger.
std::optional<unsigned> parse_hex(std::string_view text, unsigned limit) {
    if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))
        text.remove_prefix(2);
    if (text.empty()) return std::nullopt;
    unsigned value = 0;
    for (char c : text) {
        unsigned digit;
        if (c >= '0' && c <= '9')
            digit = unsigned(c - '0');
        else if (c >= 'a' && c <= 'f')
            digit = unsigned(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            digit = unsigned(c - 'A' + 10);
        else
            return std::nullopt;
        value = value * 16 + digit;
        if (value > limit) return std::nullopt;
    }
    return value;
}

}  // namespace

std::optional<unsigned> parse_address(std::string_view text) {
    size_t dot = text.find('.');
    auto slot = parse_hex(text.substr(0, dot), kSlots - 1);
    if (!slot) return std::nullopt;
    unsigned function = 0;
    if (dot != std::string_view::npos) {
        auto f = parse_hex(text.substr(dot + 1), kFunctions - 1);
        if (!f) return std::nullopt;
        function = *f;
    }
    return devfn(*slot, function);
}

std::string format_address(unsigned devfn) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%02x.%x", slot_of(devfn) & 0xff, function_of(devfn) & 7);
    return buf;
}

}  // namespace kemu::pci
