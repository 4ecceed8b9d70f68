#include "monitor/hmp_registers.h"

#include <string>

#include "monitor/hmp_table.h"

namespace kemu {

namespace {

constexpr struct {
    std::string_view names;  // '|' separated
    Gpr reg;
} kGprs[] = {
    {"eax|rax", RAX},    {"ecx|rcx", RCX},    {"edx|rdx", RDX}, {"ebx|rbx", RBX},
    {"esp|rsp|sp", RSP}, {"ebp|rbp|fp", RBP}, {"esi|rsi", RSI}, {"edi|rdi", RDI},
    {"r8", R8},          {"r9", R9},          {"r10", R10},     {"r11", R11},
    {"r12", R12},        {"r13", R13},        {"r14", R14},     {"r15", R15},
};

constexpr struct {
    std::string_view names;
    uint64_t (*read)(const X86CpuState&);
} kOthers[] = {
    {"eip|rip", [](const X86CpuState& s) { return s.rip; }},
    {"pc", [](const X86CpuState& s) { return s.seg[CS].base + s.rip; }},
    {"eflags|rflags", [](const X86CpuState& s) { return s.rflags; }},
    {"cr0", [](const X86CpuState& s) { return s.cr0; }},
    {"cr2", [](const X86CpuState& s) { return s.cr2; }},
    {"cr3", [](const X86CpuState& s) { return s.cr3; }},
    {"cr4", [](const X86CpuState& s) { return s.cr4; }},
    {"efer", [](const X86CpuState& s) { return s.efer; }},
};

constexpr struct {
    std::string_view name;
    SegReg seg;
} kSegments[] = {{"es", ES}, {"cs", CS}, {"ss", SS}, {"ds", DS}, {"fs", FS}, {"gs", GS}};

constexpr struct {
    std::string_view suffix;
    uint64_t (*read)(const Segment&);
} kSegmentFields[] = {
    {"", [](const Segment& s) { return uint64_t(s.selector); }},
    {".base", [](const Segment& s) { return s.base; }},
    {".limit", [](const Segment& s) { return uint64_t(s.limit); }},
};

}  // namespace

Result<uint64_t> cpu_register_value(const X86CpuState& s, std::string_view name) {
    for (const auto& gpr : kGprs)
        if (names_contain(gpr.names, name)) return s.regs[gpr.reg];
    for (const auto& other : kOthers)
        if (names_contain(other.names, name)) return other.read(s);
    for (const auto& seg : kSegments) {
        if (!name.starts_with(seg.name)) continue;
        for (const auto& field : kSegmentFields)
            if (name.substr(seg.name.size()) == field.suffix) return field.read(s.seg[seg.seg]);
    }
    return Error("unknown register '$" + std::string(name) + "'");
}

}  // namespace kemu
