#include "monitor/hmp_registers.h"

#include <gtest/gtest.h>

namespace kemu {
namespace {

uint64_t value(const X86CpuState& s, std::string_view name) {
    auto r = cpu_register_value(s, name);
    EXPECT_TRUE(r.ok()) << name << ": " << (r.ok() ? "" : r.error().message());
    return r.ok() ? *r : 0;
}

X86CpuState sample_state() {
    X86CpuState s = reset_cpu_state(true);
    for (unsigned i = 0; i < 16; i++)
        s.regs[i] = 0x1111111100000000ull * (i + 1) + i;
    s.rip = 0x7c00;
    s.rflags = 0x246;
    s.seg[CS] = {.selector = 0xf000, .base = 0xf0000, .limit = 0xffff};
    s.seg[SS].selector = 0x18;
    s.seg[FS].base = 0x7fff00001000ull;
    s.cr3 = 0x1000;
    return s;
}

TEST(MonitorRegisters, GeneralRegistersUnderBothSpellingsAreWhole) {
    X86CpuState s = sample_state();
    // QEMU's x86-64 monitor gives the whole register for the 32-bit name too.
    EXPECT_EQ(value(s, "eax"), s.regs[RAX]);
    EXPECT_EQ(value(s, "rax"), s.regs[RAX]);
    EXPECT_EQ(value(s, "ecx"), s.regs[RCX]);
    EXPECT_EQ(value(s, "rdx"), s.regs[RDX]);
    EXPECT_EQ(value(s, "ebx"), s.regs[RBX]);
    EXPECT_EQ(value(s, "esp"), s.regs[RSP]);
    EXPECT_EQ(value(s, "rsp"), s.regs[RSP]);
    EXPECT_EQ(value(s, "sp"), s.regs[RSP]);
    EXPECT_EQ(value(s, "fp"), s.regs[RBP]);
    EXPECT_EQ(value(s, "rsi"), s.regs[RSI]);
    EXPECT_EQ(value(s, "edi"), s.regs[RDI]);
    EXPECT_EQ(value(s, "r8"), s.regs[R8]);
    EXPECT_EQ(value(s, "r15"), s.regs[R15]);
}

TEST(MonitorRegisters, PcIsCsBasePlusRip) {
    X86CpuState s = sample_state();
    EXPECT_EQ(value(s, "eip"), 0x7c00u);
    EXPECT_EQ(value(s, "rip"), 0x7c00u);
    EXPECT_EQ(value(s, "pc"), 0xf7c00u);
    EXPECT_EQ(value(s, "eflags"), 0x246u);
    EXPECT_EQ(value(s, "cr3"), 0x1000u);
}

TEST(MonitorRegisters, SegmentSelectorsBasesAndLimits) {
    X86CpuState s = sample_state();
    EXPECT_EQ(value(s, "cs"), 0xf000u);
    EXPECT_EQ(value(s, "cs.base"), 0xf0000u);
    EXPECT_EQ(value(s, "cs.limit"), 0xffffu);
    EXPECT_EQ(value(s, "ss"), 0x18u);
    EXPECT_EQ(value(s, "fs.base"), 0x7fff00001000u);
}

TEST(MonitorRegisters, UnknownNames) {
    X86CpuState s = sample_state();
    for (const char* name : {"eaxx", "r16", "cs.bas", "csx", "EAX", "", "ds.base.limit"}) {
        auto r = cpu_register_value(s, name);
        ASSERT_FALSE(r.ok()) << name;
        EXPECT_EQ(r.error().message(), std::string("unknown register '$") + name + "'");
    }
}

}  // namespace
}  // namespace kemu
