#include "target-x86/cpu_dump.h"

#include <cstdarg>
#include <cstdio>

namespace kemu {

namespace {

void appendf(std::string& out, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
void appendf(std::string& out, const char* fmt, ...) {
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    std::vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    out += buf;
}

// The descriptor's attribute bits in their positions in the descriptor's high dword.
uint32_t descriptor_flags(const Segment& s) {
    return uint32_t(s.type) << 8 | uint32_t(s.s) << 12 | uint32_t(s.dpl) << 13 |
           uint32_t(s.present) << 15 | uint32_t(s.avl) << 20 | uint32_t(s.l) << 21 |
           uint32_t(s.db) << 22 | uint32_t(s.g) << 23;
}

std::string flag_letters(uint64_t rflags) {
    constexpr struct {
        unsigned bit;
        char letter;
    } kFlags[] = {{10, 'D'}, {11, 'O'}, {7, 'S'}, {6, 'Z'}, {4, 'A'}, {2, 'P'}, {0, 'C'}};
    std::string out = "[";
    for (auto f : kFlags)
        out += (rflags >> f.bit) & 1 ? f.letter : '-';
    return out + "]";
}

}  // namespace

std::string format_cpu_state(const X86CpuState& s) {
    std::string out;
    bool long_mode = s.efer & (1u << 10);  // EFER.LMA
    const auto& r = s.regs;
    unsigned cpl = s.seg[CS].dpl;
    bool halted = s.mp_state == MpState::Halted;
    if (long_mode) {
        appendf(out, "RAX=%016llx RBX=%016llx RCX=%016llx RDX=%016llx\n",
                (unsigned long long)r[RAX], (unsigned long long)r[RBX], (unsigned long long)r[RCX],
                (unsigned long long)r[RDX]);
        appendf(out, "RSI=%016llx RDI=%016llx RBP=%016llx RSP=%016llx\n",
                (unsigned long long)r[RSI], (unsigned long long)r[RDI], (unsigned long long)r[RBP],
                (unsigned long long)r[RSP]);
        for (unsigned i = 8; i < 16; i += 4)
            appendf(out, "R%-2u=%016llx R%-2u=%016llx R%-2u=%016llx R%-2u=%016llx\n", i,
                    (unsigned long long)r[i], i + 1, (unsigned long long)r[i + 1], i + 2,
                    (unsigned long long)r[i + 2], i + 3, (unsigned long long)r[i + 3]);
        appendf(out, "RIP=%016llx RFL=%08llx %s CPL=%u II=0 A20=1 SMM=0 HLT=%d\n",
                (unsigned long long)s.rip, (unsigned long long)s.rflags,
                flag_letters(s.rflags).c_str(), cpl, halted);
    } else {
        appendf(out, "EAX=%08x EBX=%08x ECX=%08x EDX=%08x\n", uint32_t(r[RAX]), uint32_t(r[RBX]),
                uint32_t(r[RCX]), uint32_t(r[RDX]));
        appendf(out, "ESI=%08x EDI=%08x EBP=%08x ESP=%08x\n", uint32_t(r[RSI]), uint32_t(r[RDI]),
                uint32_t(r[RBP]), uint32_t(r[RSP]));
        appendf(out, "EIP=%08x EFL=%08x %s CPL=%u II=0 A20=1 SMM=0 HLT=%d\n", uint32_t(s.rip),
                uint32_t(s.rflags), flag_letters(s.rflags).c_str(), cpl, halted);
    }
    static constexpr const char* kSegNames[] = {"ES ", "CS ", "SS ", "DS ", "FS ", "GS "};
    auto segment_line = [&](const char* name, const Segment& seg) {
        if (long_mode)
            appendf(out, "%s=%04x %016llx %08x %08x\n", name, seg.selector,
                    (unsigned long long)seg.base, seg.limit, descriptor_flags(seg));
        else
            appendf(out, "%s=%04x %08x %08x %08x\n", name, seg.selector, uint32_t(seg.base),
                    seg.limit, descriptor_flags(seg));
    };
    for (unsigned i = 0; i < SEG_COUNT; i++)
        segment_line(kSegNames[i], s.seg[i]);
    segment_line("LDT", s.ldt);
    segment_line("TR ", s.tr);
    if (long_mode) {
        appendf(out, "GDT=     %016llx %08x\n", (unsigned long long)s.gdt.base, s.gdt.limit);
        appendf(out, "IDT=     %016llx %08x\n", (unsigned long long)s.idt.base, s.idt.limit);
        appendf(out, "CR0=%08x CR2=%016llx CR3=%016llx CR4=%08x\n", uint32_t(s.cr0),
                (unsigned long long)s.cr2, (unsigned long long)s.cr3, uint32_t(s.cr4));
    } else {
        appendf(out, "GDT=     %08x %08x\n", uint32_t(s.gdt.base), s.gdt.limit);
        appendf(out, "IDT=     %08x %08x\n", uint32_t(s.idt.base), s.idt.limit);
        appendf(out, "CR0=%08x CR2=%08x CR3=%08x CR4=%08x\n", uint32_t(s.cr0), uint32_t(s.cr2),
                uint32_t(s.cr3), uint32_t(s.cr4));
    }
    appendf(out, "DR0=%016llx DR1=%016llx DR2=%016llx DR3=%016llx\n", (unsigned long long)s.dr[0],
            (unsigned long long)s.dr[1], (unsigned long long)s.dr[2], (unsigned long long)s.dr[3]);
    appendf(out, "DR6=%016llx DR7=%016llx\n", (unsigned long long)s.dr[6],
            (unsigned long long)s.dr[7]);
    appendf(out, "EFER=%016llx\n", (unsigned long long)s.efer);
    appendf(out, "FCW=%04x FSW=%04x [ST=%u] FTW=%02x MXCSR=%08x\n", s.fpu.fcw, s.fpu.fsw,
            (s.fpu.fsw >> 11) & 7, s.fpu.ftw, s.fpu.mxcsr);
    return out;
}

}  // namespace kemu
