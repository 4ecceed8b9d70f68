#include "system/keyval.h"

#include <cctype>
#include <charconv>
#include <cmath>

namespace kemu {

Result<KeyValues> parse_keyvalues(std::string_view text, std::string_view implied_key) {
    KeyValues out;
    std::vector<std::string> items(1);
    for (size_t i = 0; i < text.size(); i++) {
        if (text[i] == ',') {
            if (i + 1 < text.size() && text[i + 1] == ',') {
                items.back() += ',';
                i++;
            } else {
                items.emplace_back();
            }
        } else {
            items.back() += text[i];
        }
    }
    for (size_t i = 0; i < items.size(); i++) {
        const std::string& item = items[i];
        size_t eq = item.find('=');
        if (eq == std::string::npos) {
            if (item.empty()) continue;
            if (i == 0 && !implied_key.empty())
                out.emplace_back(std::string(implied_key), item);
            else
                out.emplace_back(item, "on");
            continue;
        }
        if (eq == 0) return Error("Invalid parameter '" + item + "'");
        out.emplace_back(item.substr(0, eq), item.substr(eq + 1));
    }
    return out;
}

Result<uint64_t> parse_uint(std::string_view text) {
    uint64_t v = 0;
    int base = 10;
    std::string_view digits = text;
    if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
        base = 16;
        digits.remove_prefix(2);
    }
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v, base);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size())
        return Error("'" + std::string(text) + "' is not a number");
    return v;
}

Result<uint64_t> parse_size(std::string_view text, uint64_t default_unit) {
    if (text.empty()) return Error("empty size");
    size_t n = 0;
    while (n < text.size() && (std::isdigit(static_cast<unsigned char>(text[n])) || text[n] == '.'))
        n++;
    std::string number(text.substr(0, n));
    std::string_view suffix = text.substr(n);
    if (number.empty() || number.front() == '.' || number.back() == '.' ||
        number.find('.') != number.rfind('.'))
        return Error("invalid size '" + std::string(text) + "'");
    uint64_t unit = default_unit;
    if (!suffix.empty()) {
        if (suffix.size() > 1 && !(suffix.size() == 2 && (suffix[1] == 'B' || suffix[1] == 'b')))
            return Error("invalid size '" + std::string(text) + "'");
        switch (std::toupper(static_cast<unsigned char>(suffix[0]))) {
            case 'B':
                unit = 1;
                break;
            case 'K':
                unit = 1ull << 10;
                break;
            case 'M':
                unit = 1ull << 20;
                break;
            case 'G':
                unit = 1ull << 30;
                break;
            case 'T':
                unit = 1ull << 40;
                break;
            default:
                return Error("invalid size '" + std::string(text) + "'");
        }
    }
    double value = std::strtod(number.c_str(), nullptr);
    double bytes = value * double(unit);
    if (!(bytes < 18446744073709551616.0))
        return Error("size '" + std::string(text) + "' is too large");
    if (number.find('.') == std::string::npos) {
        uint64_t whole = 0;
        auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), whole);
        if (ec != std::errc() || (unit && whole > UINT64_MAX / unit))
            return Error("size '" + std::string(text) + "' is too large");
        return whole * unit;
    }
    return uint64_t(std::llround(bytes));
}

Result<bool> parse_bool(std::string_view text) {
    if (text == "on" || text == "yes" || text == "true") return true;
    if (text == "off" || text == "no" || text == "false") return false;
    return Error("'" + std::string(text) + "' is not on or off");
}

}  // namespace kemu
