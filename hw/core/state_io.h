// Versioned device state for snapshots and migration. A device writes its fields
// in a fixed order; load() receives the version the state was saved with so newer
// code can read older streams. Readers never trust the stream: every read is
// bounds-checked and a short stream is an Error, never a crash.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "system/error.h"

namespace kemu {

class StateWriter {
  public:
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
    void raw(const void* p, size_t n) {
        auto* b = static_cast<const uint8_t*>(p);
        data_.insert(data_.end(), b, b + n);
    }
    std::vector<uint8_t> data_;
};

class StateReader {
  public:
    explicit StateReader(std::span<const uint8_t> data) : data_(data) {}

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
