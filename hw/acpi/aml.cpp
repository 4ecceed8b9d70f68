#include "hw/acpi/aml.h"

#include "system/error.h"

namespace kemu::aml {
namespace {

constexpr uint8_t kZeroOp = 0x00;
constexpr uint8_t kOneOp = 0x01;
constexpr uint8_t kNameOp = 0x08;
constexpr uint8_t kBytePrefix = 0x0a;
constexpr uint8_t kWordPrefix = 0x0b;
constexpr uint8_t kDWordPrefix = 0x0c;
constexpr uint8_t kStringPrefix = 0x0d;
constexpr uint8_t kQWordPrefix = 0x0e;
constexpr uint8_t kScopeOp = 0x10;
constexpr uint8_t kBufferOp = 0x11;
constexpr uint8_t kPackageOp = 0x12;
constexpr uint8_t kMethodOp = 0x14;
constexpr uint8_t kDualNamePrefix = 0x2e;
constexpr uint8_t kMultiNamePrefix = 0x2f;
constexpr uint8_t kRootChar = '\\';
constexpr uint8_t kParentPrefixChar = '^';
constexpr uint8_t kExtOpPrefix = 0x5b;
constexpr uint8_t kOpRegionOp = 0x80;  // after kExtOpPrefix
constexpr uint8_t kFieldOp = 0x81;     // after kExtOpPrefix
constexpr uint8_t kDeviceOp = 0x82;    // after kExtOpPrefix
constexpr uint8_t kLocal0Op = 0x60;
constexpr uint8_t kArg0Op = 0x68;
constexpr uint8_t kStoreOp = 0x70;
constexpr uint8_t kDecrementOp = 0x76;
constexpr uint8_t kShiftLeftOp = 0x79;
constexpr uint8_t kAndOp = 0x7b;
constexpr uint8_t kOrOp = 0x7d;
constexpr uint8_t kFindSetRightBitOp = 0x82;
constexpr uint8_t kCreateWordFieldOp = 0x8b;
constexpr uint8_t kIfOp = 0xa0;
constexpr uint8_t kReturnOp = 0xa4;
constexpr uint8_t kNullName = 0x00;
// FieldFlags: AccessType ByteAcc (1), LockRule NoLock, UpdateRule Preserve.
constexpr uint8_t kByteAccNoLockPreserve = 0x01;

constexpr uint8_t kIrqNoFlagsTag = 0x22;  // small item 0x04, length 2
constexpr uint8_t kIrqTag = 0x23;         // small item 0x04, length 3
// IRQ information byte: level-triggered (_HE 0), active low (_LL, bit 3), shared (_SHR, bit 4).
constexpr uint8_t kIrqLevelLowShared = 0x18;
constexpr uint8_t kIoPortTag = 0x47;  // small item 0x08, length 7
constexpr uint8_t kEndTag = 0x79;     // small item 0x0f, length 1
constexpr uint8_t kIoDecode16 = 1;

void append(Bytes& out, const Bytes& more) {
    out.insert(out.end(), more.begin(), more.end());
}

void append_le(Bytes& out, uint64_t value, unsigned size) {
    for (unsigned i = 0; i < size; i++)
        out.push_back(uint8_t(value >> (8 * i)));
}

Bytes concat(const std::vector<Bytes>& parts) {
    Bytes out;
    for (const Bytes& p : parts)
        append(out, p);
    return out;
}

// `op` (one or two bytes), then PkgLength, then `body`.
Bytes with_pkg_length(std::initializer_list<uint8_t> op, const Bytes& body) {
    Bytes out(op);
    append(out, pkg_length(body.size()));
    append(out, body);
    return out;
}

bool is_lead_name_char(char c) {
    return (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_name_char(char c) {
    return is_lead_name_char(c) || (c >= '0' && c <= '9');
}

void append_name_seg(Bytes& out, std::string_view seg) {
    KEMU_ASSERT(!seg.empty() && seg.size() <= 4 && is_lead_name_char(seg[0]));
    for (size_t i = 0; i < 4; i++) {
        char c = i < seg.size() ? seg[i] : '_';
        KEMU_ASSERT(is_name_char(c));
        out.push_back(uint8_t(c));
    }
}

}  // namespace

Bytes pkg_length(size_t body_size) {
    // The one-byte form holds 6 bits; each extra byte adds 8 bits above the first 4.
    static constexpr size_t kMaxTotal[] = {0x3f, 0xfff, 0xfffff, 0xfffffff};
    for (unsigned extra = 0; extra < 4; extra++) {
        size_t total = body_size + 1 + extra;
        if (total > kMaxTotal[extra]) continue;
        if (extra == 0) return {uint8_t(total)};
        Bytes out{uint8_t(extra << 6 | (total & 0xf))};
        for (unsigned i = 0; i < extra; i++)
            out.push_back(uint8_t(total >> (4 + 8 * i)));
        return out;
    }
    KEMU_ASSERT(!"AML package longer than 256 MiB");
    return {};
}

Bytes name_string(std::string_view path) {
    Bytes out;
    while (!path.empty() && (path[0] == kRootChar || path[0] == kParentPrefixChar)) {
        out.push_back(uint8_t(path[0]));
        path.remove_prefix(1);
    }
    std::vector<std::string_view> segs;
    while (!path.empty()) {
        size_t dot = path.find('.');
        segs.push_back(path.substr(0, dot));
        path = dot == std::string_view::npos ? std::string_view{} : path.substr(dot + 1);
    }
    if (segs.empty()) {
        out.push_back(0);  // NullName
    } else if (segs.size() == 2) {
        out.push_back(kDualNamePrefix);
    } else if (segs.size() > 2) {
        KEMU_ASSERT(segs.size() <= 255);
        out.push_back(kMultiNamePrefix);
        out.push_back(uint8_t(segs.size()));
    }
    for (std::string_view seg : segs)
        append_name_seg(out, seg);
    return out;
}

Bytes integer(uint64_t value) {
    if (value == 0) return {kZeroOp};
    if (value == 1) return {kOneOp};
    struct Width {
        uint64_t max;
        uint8_t prefix;
        unsigned size;
    };
    static constexpr Width kWidths[] = {{0xff, kBytePrefix, 1},
                                        {0xffff, kWordPrefix, 2},
                                        {0xffffffff, kDWordPrefix, 4},
                                        {UINT64_MAX, kQWordPrefix, 8}};
    for (const Width& w : kWidths) {
        if (value > w.max) continue;
        Bytes out{w.prefix};
        append_le(out, value, w.size);
        return out;
    }
    return {};
}

Bytes string(std::string_view text) {
    Bytes out{kStringPrefix};
    for (char c : text) {
        KEMU_ASSERT(c > 0);  // AsciiCharList excludes NUL and non-ASCII
        out.push_back(uint8_t(c));
    }
    out.push_back(0);
    return out;
}

Bytes eisaid(std::string_view id) {
    KEMU_ASSERT(id.size() == 7);
    auto letter = [&](size_t i) { return uint32_t(id[i] - '@') & 0x1f; };
    auto hex_digit = [&](size_t i) {
        char c = id[i];
        return uint32_t(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10) & 0xf;
    };
    // Three 5-bit letters then four hex digits, stored most significant byte first.
    uint32_t big_endian = letter(0) << 26 | letter(1) << 21 | letter(2) << 16 | hex_digit(3) << 12 |
                          hex_digit(4) << 8 | hex_digit(5) << 4 | hex_digit(6);
    Bytes out{kDWordPrefix};
    append_le(out, __builtin_bswap32(big_endian), 4);
    return out;
}

Bytes name(std::string_view path, const Bytes& object) {
    Bytes out{kNameOp};
    append(out, name_string(path));
    append(out, object);
    return out;
}

Bytes package(const std::vector<Bytes>& elements) {
    KEMU_ASSERT(elements.size() <= 255);
    Bytes body{uint8_t(elements.size())};
    append(body, concat(elements));
    return with_pkg_length({kPackageOp}, body);
}

Bytes scope(std::string_view path, const std::vector<Bytes>& terms) {
    Bytes body = name_string(path);
    append(body, concat(terms));
    return with_pkg_length({kScopeOp}, body);
}

Bytes device(std::string_view path, const std::vector<Bytes>& terms) {
    Bytes body = name_string(path);
    append(body, concat(terms));
    return with_pkg_length({kExtOpPrefix, kDeviceOp}, body);
}

Bytes method(std::string_view path, unsigned arg_count, bool serialized,
             const std::vector<Bytes>& terms) {
    KEMU_ASSERT(arg_count <= 7);
    Bytes body = name_string(path);
    body.push_back(uint8_t(arg_count | (serialized ? 1 << 3 : 0)));
    append(body, concat(terms));
    return with_pkg_length({kMethodOp}, body);
}

Bytes return_value(const Bytes& value) {
    Bytes out{kReturnOp};
    append(out, value);
    return out;
}

Bytes local(unsigned n) {
    KEMU_ASSERT(n <= 7);
    return {uint8_t(kLocal0Op + n)};
}

Bytes arg(unsigned n) {
    KEMU_ASSERT(n <= 6);
    return {uint8_t(kArg0Op + n)};
}

namespace {

// `op`, its operands in order, then the target (NullName when empty).
Bytes operation(uint8_t op, const std::vector<Bytes>& operands, const Bytes& target) {
    Bytes out{op};
    append(out, concat(operands));
    if (target.empty())
        out.push_back(kNullName);
    else
        append(out, target);
    return out;
}

}  // namespace

Bytes store(const Bytes& value, const Bytes& target) {
    KEMU_ASSERT(!target.empty());
    Bytes out{kStoreOp};
    append(out, value);
    append(out, target);
    return out;
}

Bytes bit_and(const Bytes& a, const Bytes& b, const Bytes& target) {
    return operation(kAndOp, {a, b}, target);
}

Bytes bit_or(const Bytes& a, const Bytes& b, const Bytes& target) {
    return operation(kOrOp, {a, b}, target);
}

Bytes shift_left(const Bytes& value, const Bytes& count, const Bytes& target) {
    return operation(kShiftLeftOp, {value, count}, target);
}

Bytes find_set_right_bit(const Bytes& value, const Bytes& target) {
    return operation(kFindSetRightBitOp, {value}, target);
}

Bytes decrement(const Bytes& target) {
    Bytes out{kDecrementOp};
    append(out, target);
    return out;
}

Bytes if_then(const Bytes& predicate, const std::vector<Bytes>& terms) {
    Bytes body = predicate;
    append(body, concat(terms));
    return with_pkg_length({kIfOp}, body);
}

Bytes create_word_field(const Bytes& buffer, unsigned byte_index, std::string_view field_name) {
    Bytes out{kCreateWordFieldOp};
    append(out, buffer);
    append(out, integer(byte_index));
    append(out, name_string(field_name));
    return out;
}

Bytes operation_region(std::string_view path, RegionSpace space, uint64_t offset, uint64_t length) {
    Bytes out{kExtOpPrefix, kOpRegionOp};
    append(out, name_string(path));
    out.push_back(uint8_t(space));
    append(out, integer(offset));
    append(out, integer(length));
    return out;
}

Bytes byte_field(std::string_view region, const std::vector<FieldUnit>& units) {
    Bytes body = name_string(region);
    body.push_back(kByteAccNoLockPreserve);
    for (const FieldUnit& unit : units) {
        // A NamedField's bit count is encoded like a PkgLength; below 64 it is one byte.
        KEMU_ASSERT(unit.bits > 0 && unit.bits < 0x40);
        append_name_seg(body, unit.name);
        body.push_back(uint8_t(unit.bits));
    }
    return with_pkg_length({kExtOpPrefix, kFieldOp}, body);
}

Bytes buffer(std::span<const uint8_t> data) {
    Bytes body = integer(data.size());
    body.insert(body.end(), data.begin(), data.end());
    return with_pkg_length({kBufferOp}, body);
}

Bytes io_decode16(uint16_t min, uint16_t max, uint8_t alignment, uint8_t length) {
    Bytes out{kIoPortTag, kIoDecode16};
    append_le(out, min, 2);
    append_le(out, max, 2);
    out.push_back(alignment);
    out.push_back(length);
    return out;
}

Bytes irq_no_flags(unsigned irq) {
    KEMU_ASSERT(irq < 16);
    Bytes out{kIrqNoFlagsTag};
    append_le(out, 1u << irq, 2);
    return out;
}

Bytes irq_level_low_shared(uint16_t mask) {
    Bytes out{kIrqTag};
    append_le(out, mask, 2);
    out.push_back(kIrqLevelLowShared);
    return out;
}

namespace {

enum class AddressSpace : uint8_t { Memory = 0, Io = 1, BusNumber = 2 };
constexpr uint8_t kWordAddressTag = 0x88;
constexpr uint8_t kDwordAddressTag = 0x87;
// General flags: a producer (the bridge decodes the window for devices below it) whose
// minimum and maximum are fixed.
constexpr uint8_t kProducerFixedBounds = 0x0c;

// Granularity, minimum, maximum, translation offset (0) and length of `width` bytes each.
Bytes address_window(uint8_t tag, unsigned width, AddressSpace space, uint8_t type_flags,
                     uint64_t min, uint64_t max) {
    Bytes out{tag};
    append_le(out, 3 + 5 * width, 2);
    out.push_back(uint8_t(space));
    out.push_back(kProducerFixedBounds);
    out.push_back(type_flags);
    for (uint64_t field : {uint64_t(0), min, max, uint64_t(0), max - min + 1})
        append_le(out, field, width);
    return out;
}

}  // namespace

Bytes bus_number_window(uint16_t min, uint16_t max) {
    return address_window(kWordAddressTag, 2, AddressSpace::BusNumber, 0, min, max);
}

// Type flags 3: the window covers ISA and non-ISA port ranges alike.
Bytes io_window(uint16_t min, uint16_t max) {
    return address_window(kWordAddressTag, 2, AddressSpace::Io, 3, min, max);
}

// Type flags 3: read-write, cacheable.
Bytes memory32_window(uint32_t min, uint32_t max) {
    return address_window(kDwordAddressTag, 4, AddressSpace::Memory, 3, min, max);
}

Bytes resource_template(const std::vector<Bytes>& descriptors) {
    Bytes data = concat(descriptors);
    // A zero checksum tells the OS the template is valid without summing it.
    data.push_back(kEndTag);
    data.push_back(0);
    return buffer(data);
}

}  // namespace kemu::aml
