// Architectural bit names and the processor-mode questions every system helper asks.
// CPL is read from SS.DPL, as VMX and SVM define it: unlike CS.DPL it is right while running
// a conforming code segment, and the helpers keep SS.DPL equal to CPL even when SS is NULL
// in 64-bit mode.
#pragma once

#include <cstdint>

#include "target-x86/cpu_state.h"

namespace kemu::x86 {

namespace rflag {
constexpr uint64_t CF = 1u << 0, PF = 1u << 2, AF = 1u << 4, ZF = 1u << 6, SF = 1u << 7;
constexpr uint64_t TF = 1u << 8, IF = 1u << 9, DF = 1u << 10, OF = 1u << 11;
constexpr uint64_t IOPL = 3u << 12, NT = 1u << 14, RF = 1u << 16, VM = 1u << 17;
constexpr uint64_t AC = 1u << 18, VIF = 1u << 19, VIP = 1u << 20, ID = 1u << 21;
constexpr uint64_t FIXED1 = 1u << 1;
}  // namespace rflag

namespace cr0bit {
constexpr uint64_t PE = 1u << 0, MP = 1u << 1, EM = 1u << 2, TS = 1u << 3, ET = 1u << 4;
constexpr uint64_t NE = 1u << 5, WP = 1u << 16, AM = 1u << 18, NW = 1u << 29, CD = 1u << 30;
constexpr uint64_t PG = 1u << 31;
}  // namespace cr0bit

namespace cr4bit {
constexpr uint64_t VME = 1u << 0, PVI = 1u << 1, TSD = 1u << 2, DE = 1u << 3, PSE = 1u << 4;
constexpr uint64_t PAE = 1u << 5, MCE = 1u << 6, PGE = 1u << 7, PCE = 1u << 8;
constexpr uint64_t OSFXSR = 1u << 9, OSXMMEXCPT = 1u << 10, UMIP = 1u << 11, LA57 = 1u << 12;
constexpr uint64_t FSGSBASE = 1u << 16, PCIDE = 1u << 17, OSXSAVE = 1u << 18;
constexpr uint64_t SMEP = 1u << 20, SMAP = 1u << 21, PKE = 1u << 22;
}  // namespace cr4bit

namespace eferbit {
constexpr uint64_t SCE = 1u << 0, LME = 1u << 8, LMA = 1u << 10, NXE = 1u << 11;
constexpr uint64_t FFXSR = 1u << 14;
}  // namespace eferbit

inline bool protected_mode(const X86CpuState& s) {
    return s.cr0 & cr0bit::PE;
}
inline bool vm86_mode(const X86CpuState& s) {
    return protected_mode(s) && (s.rflags & rflag::VM);
}
inline bool long_mode(const X86CpuState& s) {
    return s.efer & eferbit::LMA;
}
inline bool code64(const X86CpuState& s) {
    return long_mode(s) && s.seg[CS].l;
}
inline unsigned iopl(const X86CpuState& s) {
    return (s.rflags >> 12) & 3;
}

inline unsigned cpl(const X86CpuState& s) {
    if (!protected_mode(s)) return 0;
    if (s.rflags & rflag::VM) return 3;
    return s.seg[SS].dpl;
}

inline bool is_canonical(uint64_t addr, bool la57 = false) {
    unsigned bits = la57 ? 57 : 48;
    int64_t sext = int64_t(addr << (64 - bits)) >> (64 - bits);
    return uint64_t(sext) == addr;
}

}  // namespace kemu::x86
