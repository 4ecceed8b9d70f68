// Executable memory for translated code. One memfd is mapped twice: a writable view the
// backend emits into and an executable view the vCPUs run, so no page is ever writable and
// executable at once (W^X) and no mprotect flip is needed while other threads run code.
// Blocks are appended; when full() the owner drops every block and calls reset().
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>

#include "system/error.h"
#include "system/mapped_region.h"

namespace kemu::tcg {

class CodeBuffer {
  public:
    // Room below which the owner should flush before translating the next block.
    static constexpr size_t kMinFree = 16 * 1024;

    static Result<CodeBuffer> create(size_t capacity);

    CodeBuffer(CodeBuffer&&) noexcept = default;
    CodeBuffer& operator=(CodeBuffer&&) noexcept = default;
    CodeBuffer(const CodeBuffer&) = delete;
    CodeBuffer& operator=(const CodeBuffer&) = delete;

    // Where the next block's bytes are written, and how many fit.
    uint8_t* write_cursor() const { return writable_.data() + used_; }
    // The executable addresses of the buffer's first byte and of the write cursor.
    const uint8_t* executable_base() const { return executable_.data(); }
    const uint8_t* executable_cursor() const { return executable_.data() + used_; }
    // The writable alias of an address in committed code (for patching jumps).
    uint8_t* writable_alias(const void* code) const {
        return writable_.data() + (static_cast<const uint8_t*>(code) - executable_.data());
    }
    size_t remaining() const { return writable_.size() - used_; }

    // Ends the block of `size` bytes written at write_cursor(): returns its executable address.
    const void* commit(size_t size);

    bool full() const { return remaining() < kMinFree; }
    // Forgets all code; every pointer into the buffer must have been dropped.
    void reset() { used_ = released_ = 0; }

    size_t used() const { return used_; }
    size_t capacity() const { return writable_.size(); }

  private:
    CodeBuffer(MappedRegion writable, MappedRegion executable)
        : writable_(std::move(writable)), executable_(std::move(executable)) {}

    MappedRegion writable_;
    MappedRegion executable_;
    size_t used_ = 0;
    size_t released_ = 0;  // where the cursor was when the write view was last given back
};

}  // namespace kemu::tcg
