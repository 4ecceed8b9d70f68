// `info jit` from the statistics the TCG accelerator hands over.
#include "monitor/jit_report.h"

#include <gtest/gtest.h>

namespace kemu {
namespace {

JitInfo sample() {
    return JitInfo{.tb_count = 12,
                   .translations = 345,
                   .guest_insns = 6789,
                   .ir_ops = 10111,
                   .invalidations = 2,
                   .flushes = 1,
                   .cache_bytes = 5 << 10,
                   .frontend_ns = 234'567,
                   .optimize_ns = 300'000,
                   .backend_ns = 700'999,
                   .backend = "x86-64 JIT",
                   .host_code = JitInfo::HostCode{3 << 10, 64 << 20}};
}

TEST(JitReport, EveryCounterOnItsOwnAlignedLine) {
    EXPECT_EQ(format_info_jit(sample()),
              "Translation buffer state:\n"
              "TB count            12\n"
              "translations        345\n"
              "guest instructions  6789\n"
              "IR ops              10111\n"
              "TB invalidations    2\n"
              "TB flushes          1\n"
              "cache size          5 KiB\n"
              "translation time    1235 us\n"
              "  frontend          234 us\n"
              "  optimizer         300 us\n"
              "  backend           700 us\n"
              "backend             x86-64 JIT\n"
              "host code           3 KiB of 64 MiB\n");
}

TEST(JitReport, TheInterpreterHasNoHostCodeLine) {
    JitInfo info = sample();
    info.backend = "interpreter";
    info.host_code.reset();
    std::string text = format_info_jit(info);
    EXPECT_NE(text.find("\nbackend             interpreter\n"), std::string::npos) << text;
    EXPECT_EQ(text.find("host code"), std::string::npos) << text;
}

}  // namespace
}  // namespace kemu
