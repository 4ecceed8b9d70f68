#include "monitor/hmp_registers.h"

#include <gtest/gtest.h>

#include <span>

namespace kemu {
namespace {

uint64_t value(const X86CpuState& s, std::string_view name) {
    auto r = cpu_register_value(s, name);
    EXPECT_TRUE(r.ok()) << name << ": " << (r.ok() ? "" : r.error().message());
    return r.ok() ? *r : 0;
}

struct RegisterCase {
    const char* name;
    uint64_t value;
};

void expect_registers(const X86CpuState& s, std::span<const RegisterCase> cases) {
    for (const RegisterCase& c : cases)
        EXPECT_EQ(value(s, c.name), c.value) << c.name;
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
    const RegisterCase cases[] = {
        {"eax", s.regs[RAX]}, {"rax", s.regs[RAX]}, {"ecx", s.regs[RCX]}, {"rdx", s.regs[RDX]},
        {"ebx", s.regs[RBX]}, {"esp", s.regs[RSP]}, {"rsp", s.regs[RSP]}, {"sp", s.regs[RSP]},
        {"fp", s.regs[RBP]},  {"rsi", s.regs[RSI]}, {"edi", s.regs[RDI]}, {"r8", s.regs[R8]},
        {"r15", s.regs[R15]},
    };
    expect_registers(s, cases);
}

TEST(MonitorRegisters, PcIsCsBasePlusRip) {
    X86CpuState s = sample_state();
    const RegisterCase cases[] = {
        {"eip", 0x7c00u}, {"rip", 0x7c00u}, {"pc", 0xf7c00u}, {"eflags", 0x246u}, {"cr3", 0x1000u},
    };
    expect_registers(s, cases);
}

TEST(MonitorRegisters, SegmentSelectorsBasesAndLimits) {
    X86CpuState s = sample_state();
    const RegisterCase cases[] = {
        {"cs", 0xf000u}, {"cs.base", 0xf0000u},        {"cs.limit", 0xffffu},
        {"ss", 0x18u},   {"fs.base", 0x7fff00001000u},
    };
    expect_registers(s, cases);
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
