// What `info jit` reports, as data: the TCG accelerator fills it, the monitor formats it
// here. QEMU's x-query-jit returns text, so the names are the translator's own.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace kemu {

struct JitInfo {
    uint64_t tb_count = 0;  // translated blocks in the cache now
    uint64_t translations = 0;
    uint64_t guest_insns = 0;
    uint64_t ir_ops = 0;
    uint64_t invalidations = 0;
    uint64_t flushes = 0;
    uint64_t cache_bytes = 0;
    // Translation time by phase.
    uint64_t frontend_ns = 0;
    uint64_t optimize_ns = 0;
    uint64_t backend_ns = 0;
    std::string backend;  // "x86-64 JIT" or "interpreter"
    // The host code buffer, when blocks are compiled to host code.
    struct HostCode {
        uint64_t used_bytes = 0;
        uint64_t capacity_bytes = 0;
        bool operator==(const HostCode&) const = default;
    };
    std::optional<HostCode> host_code;
    bool operator==(const JitInfo&) const = default;
};

std::string format_info_jit(const JitInfo& info);

}  // namespace kemu
