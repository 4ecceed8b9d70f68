// Versioned device state for snapshots and migration. A device writes its fields
// in a fixed order; load() receives the version the state was saved with so newer
// code can read older streams. Readers never trust the stream: every read is
// bounds-checked and a short stream is an Error, never a crash.
//
// A device declares its fields once, in a static template that save() calls with a
// StateWriter (Self is then const) and load() with a StateReader:
//
//     template <typename Self, typename Io>
//     static void state_fields(Self& self, Io& io) { io(self.ier_, self.lcr_, self.fifo_); }
//
// so both walk the same list in the same order. A field is an integer, bool or enum; a
// std::array or C array of fields; a std::optional of one; a struct with its own public
// state_fields; a std::vector of fixed length (the stream must hold exactly as many
// elements); or bounded(container, max) for a queue that holds 0..max elements.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "system/error.h"

namespace kemu {

// A queue saved with its length, which a reader accepts up to `max`.
template <typename Container>
struct Bounded {
    Container& items;
    size_t max;
};
template <typename Container>
Bounded<Container> bounded(Container& items, size_t max) {
    return {items, max};
}

template <typename T, typename Io>
concept HasStateFields = requires(T& value, Io& io) {
    std::remove_const_t<T>::state_fields(value, io);
};

template <typename T>
inline constexpr bool kIsStdArray = false;
template <typename T, size_t N>
inline constexpr bool kIsStdArray<std::array<T, N>> = true;

template <typename T>
inline constexpr bool kIsVector = false;
template <typename T>
inline constexpr bool kIsVector<std::vector<T>> = true;

template <typename T>
inline constexpr bool kIsOptional = false;
template <typename T>
inline constexpr bool kIsOptional<std::optional<T>> = true;

class StateWriter {
  public:
    // Writes each field in turn (see state_fields above).
    template <typename... T>
    void operator()(const T&... fields) {
        (field(fields), ...);
    }

    void u8(uint8_t v) { raw(&v, 1); }
    void u16(uint16_t v) { raw(&v, 2); }
    void u32(uint32_t v) { raw(&v, 4); }
    void u64(uint64_t v) { raw(&v, 8); }
    void boolean(bool v) { u8(v ? 1 : 0); }
    void bytes(std::span<const uint8_t> b) {
        u32(uint32_t(b.size()));
        raw(b.data(), b.size());
    }
    const std::vector<uint8_t>& data() const { return data_; }

  private:
    template <typename T>
    void field(const T& v) {
        if constexpr (std::is_same_v<T, bool>) {
            boolean(v);
        } else if constexpr (std::is_enum_v<T>) {
            field(static_cast<std::underlying_type_t<T>>(v));
        } else if constexpr (std::is_integral_v<T>) {
            raw(&v, sizeof v);
        } else if constexpr (HasStateFields<const T, StateWriter>) {
            T::state_fields(v, *this);
        } else if constexpr (kIsOptional<T>) {
            boolean(v.has_value());
            field(v.value_or(typename T::value_type{}));
        } else if constexpr (kIsVector<T>) {
            u32(uint32_t(v.size()));
            for (const auto& item : v)
                field(item);
        } else {
            static_assert(kIsStdArray<T> || std::is_array_v<T>, "not a state field type");
            for (const auto& item : v)
                field(item);
        }
    }
    template <typename Container>
    void field(const Bounded<Container>& queue) {
        u32(uint32_t(queue.items.size()));
        for (const auto& item : queue.items)
            field(item);
    }

    void raw(const void* p, size_t n) {
        auto* b = static_cast<const uint8_t*>(p);
        data_.insert(data_.end(), b, b + n);
    }
    std::vector<uint8_t> data_;
};

class StateReader {
  public:
    explicit StateReader(std::span<const uint8_t> data) : data_(data) {}

    // Reads each field in turn (see state_fields above); a short or malformed stream sets
    // the failure flag, leaving fields zero or as they were.
    template <typename... T>
    void operator()(T&&... fields) {
        (field(fields), ...);
    }

    // Each getter sets the sticky failure flag on a short stream and returns 0.
    uint8_t u8() { return get<uint8_t>(); }
    uint16_t u16() { return get<uint16_t>(); }
    uint32_t u32() { return get<uint32_t>(); }
    uint64_t u64() { return get<uint64_t>(); }
    bool boolean() { return u8() != 0; }
    // Reads a length-prefixed blob into exactly `out.size()` bytes; a different length fails.
    void bytes(std::span<uint8_t> out) {
        if (u32() != out.size()) {
            failed_ = true;
            return;
        }
        take(out.data(), out.size());
    }

    bool failed() const { return failed_; }
    bool at_end() const { return pos_ == data_.size(); }
    // Ok when the whole stream was consumed without running short.
    Result<void> finish(const std::string& what) const {
        if (failed_ || !at_end()) return Error(what + ": malformed device state");
        return ok();
    }

  private:
    template <typename T>
    void field(T& v) {
        if constexpr (std::is_same_v<T, bool>) {
            v = boolean();
        } else if constexpr (std::is_enum_v<T>) {
            v = T(get<std::underlying_type_t<T>>());
        } else if constexpr (std::is_integral_v<T>) {
            v = get<T>();
        } else if constexpr (HasStateFields<T, StateReader>) {
            T::state_fields(v, *this);
        } else if constexpr (kIsOptional<T>) {
            bool present = boolean();
            typename T::value_type value{};
            field(value);
            v = present ? T(value) : std::nullopt;
        } else if constexpr (kIsVector<T>) {
            // The length is the device's; a stream with another one leaves the vector alone.
            if (u32() != v.size()) {
                failed_ = true;
                return;
            }
            for (auto& item : v)
                field(item);
        } else {
            static_assert(kIsStdArray<T> || std::is_array_v<T>, "not a state field type");
            for (auto& item : v)
                field(item);
        }
    }
    template <typename Container>
    void field(Bounded<Container>& queue) {
        uint32_t count = u32();
        if (count > queue.max) failed_ = true;
        queue.items.clear();
        for (uint32_t i = 0; i < count && !failed_; i++) {
            typename Container::value_type item{};
            field(item);
            queue.items.push_back(item);
        }
    }

    template <typename T>
    T get() {
        T v{};
        take(&v, sizeof v);
        return v;
    }
    void take(void* out, size_t n) {
        if (failed_ || data_.size() - pos_ < n) {
            failed_ = true;
            std::memset(out, 0, n);
            return;
        }
        std::memcpy(out, data_.data() + pos_, n);
        pos_ += n;
    }

    std::span<const uint8_t> data_;
    size_t pos_ = 0;
    bool failed_ = false;
};

}  // namespace kemu
