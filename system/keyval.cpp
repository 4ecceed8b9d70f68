#include "system/keyval.h"

#include <cctype>
#include <charconv>
#include <cmath>

namespace kemu {

Result<std::vector<KeyValueItem>> split_keyvalues(std::string_view text) {
    std::vector<std::string> items(1);
    for (size_t i = 0; i < text.size(); i++) {
        if (text[i] != ',') {
            items.back() += text[i];
        } else if (i + 1 < text.size() && text[i + 1] == ',') {
            items.back() += ',';
            i++;
        } else {
            items.emplace_back();
        }
    }
    std::vector<KeyValueItem> out;
    for (const std::string& item : items) {
        size_t eq = item.find('=');
        if (eq == 0) return Error("Invalid parameter '" + item + "'");
        if (eq == std::string::npos)
            out.push_back({item, "", false});
        else
            out.push_back({item.substr(0, eq), item.substr(eq + 1), true});
    }
    return out;
}

Result<KeyValues> parse_keyvalues(std::string_view text, std::string_view implied_key) {
    KEMU_TRY(items, split_keyvalues(text));
    KeyValues out;
    for (size_t i = 0; i < items.size(); i++) {
        KeyValueItem& item = items[i];
        if (item.has_value)
            out.emplace_back(std::move(item.key), std::move(item.value));
        else if (item.key.empty())
            continue;
        else if (i == 0 && !implied_key.empty())
            out.emplace_back(std::string(implied_key), std::move(item.key));
        else
            out.emplace_back(std::move(item.key), "on");
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

namespace {

// Bytes per unit for a size suffix letter, or 0.
uint64_t suffix_unit(char letter) {
    static constexpr std::string_view kLetters = "BKMGTPE";
    size_t shift = kLetters.find(char(std::toupper(static_cast<unsigned char>(letter))));
    return shift == std::string_view::npos ? 0 : 1ull << (10 * shift);
}

}  // namespace

Result<uint64_t> parse_size(std::string_view text, uint64_t default_unit) {
    auto invalid = [&] { return Error("invalid size '" + std::string(text) + "'"); };
    auto too_large = [&] { return Error("size '" + std::string(text) + "' is too large"); };
    size_t n = 0;
    while (n < text.size() && std::isdigit(static_cast<unsigned char>(text[n])))
        n++;
    std::string_view whole = text.substr(0, n);
    std::string_view fraction;
    if (n < text.size() && text[n] == '.') {
        size_t start = ++n;
        while (n < text.size() && std::isdigit(static_cast<unsigned char>(text[n])))
            n++;
        fraction = text.substr(start, n - start);
        if (fraction.empty()) return invalid();
    }
    if (whole.empty()) return invalid();
    std::string_view suffix = text.substr(n);
    uint64_t unit = default_unit;
    if (!suffix.empty()) {
        bool trailing_b = suffix.size() == 2 && (suffix[1] == 'B' || suffix[1] == 'b');
        unit = suffix_unit(suffix[0]);
        if (!unit || (suffix.size() > 1 && !trailing_b)) return invalid();
    }
    // A fraction of a byte is no size.
    if (!fraction.empty() && unit == 1) return invalid();
    uint64_t count = 0;
    auto [end, ec] = std::from_chars(whole.data(), whole.data() + whole.size(), count);
    if (ec != std::errc() || (unit && count > UINT64_MAX / unit)) return too_large();
    uint64_t bytes = count * unit;
    if (!fraction.empty()) {
        double part = 0, scale = 0.1;  // by hand: strtod would follow the locale's '.'
        for (char digit : fraction) {
            part += (digit - '0') * scale;
            scale /= 10;
        }
        auto extra = uint64_t(std::llround(part * double(unit)));
        if (extra > UINT64_MAX - bytes) return too_large();
        bytes += extra;
    }
    return bytes;
}

Result<bool> parse_bool(std::string_view key, std::string_view value) {
    if (value == "on" || value == "yes" || value == "true") return true;
    if (value == "off" || value == "no" || value == "false") return false;
    return Error("Parameter '" + std::string(key) + "' expects 'on' or 'off', not '" +
                 std::string(value) + "'");
}

}  // namespace kemu
