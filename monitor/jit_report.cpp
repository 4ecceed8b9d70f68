#include "monitor/jit_report.h"

namespace kemu {

namespace {

std::string row(const char* name, const std::string& value) {
    std::string out = name;
    out.resize(20, ' ');
    return out + value + "\n";
}

}  // namespace

std::string format_info_jit(const JitInfo& j) {
    std::string out = "Translation buffer state:\n";
    out += row("TB count", std::to_string(j.tb_count));
    out += row("translations", std::to_string(j.translations));
    out += row("guest instructions", std::to_string(j.guest_insns));
    out += row("IR ops", std::to_string(j.ir_ops));
    out += row("TB invalidations", std::to_string(j.invalidations));
    out += row("TB flushes", std::to_string(j.flushes));
    out += row("cache size", std::to_string(j.cache_bytes >> 10) + " KiB");
    auto us = [](uint64_t ns) { return std::to_string(ns / 1000) + " us"; };
    out += row("translation time", us(j.frontend_ns + j.optimize_ns + j.backend_ns));
    out += row("  frontend", us(j.frontend_ns));
    out += row("  optimizer", us(j.optimize_ns));
    out += row("  backend", us(j.backend_ns));
    out += row("backend", j.backend);
    if (j.host_code) {
        out += row("host code", std::to_string(j.host_code->used_bytes >> 10) + " KiB of " +
                                    std::to_string(j.host_code->capacity_bytes >> 20) + " MiB");
    }
    return out;
}

}  // namespace kemu
