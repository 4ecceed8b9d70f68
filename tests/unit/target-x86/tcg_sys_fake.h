// A SysContext over flat memory for the TCG system-helper tests: linear == physical, raise()
// throws GuestFault, and a small descriptor-table builder for protected-mode scenarios.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <map>
#include <optional>
#include <vector>

#include "target-x86/cpu_state.h"
#include "target-x86/tcg/cpu_mode.h"
#include "target-x86/tcg/descriptor.h"
#include "target-x86/tcg/sys_context.h"

namespace kemu::x86::test {

struct GuestFault {
    uint8_t vector;
    std::optional<uint32_t> error_code;
};

class FakeSysContext : public SysContext {
  public:
    std::vector<uint8_t> mem = std::vector<uint8_t>(1 << 22);
    uint64_t tsc = 0;
    std::map<uint32_t, uint64_t> apic_msrs;
    std::vector<Priv> privs;             // privilege of every linear access, in order
    unsigned cmpxchg_failures_left = 0;  // simulate another vCPU winning a race

    uint64_t load(uint64_t addr, unsigned size) const {
        uint64_t v = 0;
        std::memcpy(&v, &mem.at(addr), size);
        return v;
    }
    void store(uint64_t addr, unsigned size, uint64_t v) {
        ASSERT_LE(addr + size, mem.size());
        std::memcpy(&mem[addr], &v, size);
    }

    uint64_t read(uint64_t linear, unsigned size, Priv priv) override {
        privs.push_back(priv);
        return load(linear, size);
    }
    void write(uint64_t linear, unsigned size, uint64_t value, Priv priv) override {
        privs.push_back(priv);
        store(linear, size, value);
    }
    uint64_t phys_read(uint64_t paddr, unsigned size) override { return load(paddr, size); }
    bool phys_cmpxchg(uint64_t paddr, unsigned size, uint64_t old, uint64_t value) override {
        if (cmpxchg_failures_left > 0) {
            cmpxchg_failures_left--;
            return false;
        }
        if (load(paddr, size) != old) return false;
        store(paddr, size, value);
        return true;
    }
    [[noreturn]] void raise(uint8_t vector, std::optional<uint32_t> error_code) override {
        throw GuestFault{vector, error_code};
    }
    uint64_t read_tsc() override { return tsc; }
    void write_tsc(uint64_t value) override { tsc = value; }
    std::optional<uint64_t> read_apic_msr(uint32_t msr) override {
        auto it = apic_msrs.find(msr);
        if (it == apic_msrs.end()) return std::nullopt;
        return it->second;
    }
    bool write_apic_msr(uint32_t msr, uint64_t value) override {
        if (!apic_msrs.count(msr)) return false;
        apic_msrs[msr] = value;
        return true;
    }
};

// Descriptor encodings (SDM vol. 3 figure 3-8, 5-8, 6-2).
inline uint64_t seg_desc(uint32_t base, uint32_t limit, uint8_t type, bool s, unsigned dpl,
                         bool present = true, bool l = false, bool db = true, bool g = false) {
    return (uint64_t(limit) & 0xffff) | (uint64_t(base & 0xffffff) << 16) | (uint64_t(type) << 40) |
           (uint64_t(s) << 44) | (uint64_t(dpl) << 45) | (uint64_t(present) << 47) |
           ((uint64_t(limit) >> 16 & 0xf) << 48) | (uint64_t(l) << 53) | (uint64_t(db) << 54) |
           (uint64_t(g) << 55) | (uint64_t(base >> 24) << 56);
}
inline uint64_t gate_desc(uint16_t sel, uint32_t offset, uint8_t type, unsigned dpl,
                          unsigned count_or_ist = 0, bool present = true) {
    return (offset & 0xffff) | (uint64_t(sel) << 16) | (uint64_t(count_or_ist) << 32) |
           (uint64_t(type) << 40) | (uint64_t(dpl) << 45) | (uint64_t(present) << 47) |
           (uint64_t(offset >> 16) << 48);
}

// Memory map used by the scenarios.
constexpr uint64_t kGdt = 0x1000, kIdt = 0x2000, kTss = 0x3000, kTss2 = 0x3400;
constexpr uint64_t kLdt = 0x3800;

// GDT slots.
constexpr uint16_t kCode0 = 0x08, kData0 = 0x10, kCode3 = 0x1b, kData3 = 0x23, kTssSel = 0x28;
constexpr uint16_t kCode64 = 0x30, kCode64u = 0x3b, kData1 = 0x41, kCode1 = 0x49;
constexpr uint16_t kConforming0 = 0x50, kTss2Sel = 0x58, kTss16Sel = 0x60, kLdtSel = 0x68;
constexpr uint16_t kCode16 = 0x70, kTss64Sel = 0x78;  // 0x78 takes two slots

inline void put_gdt(FakeSysContext& m, uint16_t sel, uint64_t raw) {
    m.store(kGdt + (sel & 0xfff8), 8, raw);
}

// A protected-mode (or IA-32e with `ia32e`) state at `cpl` with flat segments and the GDT
// above; the TSS at kTss is loaded in TR.
inline X86CpuState protected_state(FakeSysContext& m, unsigned cpl, bool ia32e = false) {
    put_gdt(m, kCode0, seg_desc(0, 0xfffff, 0xb, true, 0, true, false, true, true));
    put_gdt(m, kData0, seg_desc(0, 0xfffff, 0x3, true, 0, true, false, true, true));
    put_gdt(m, kCode3, seg_desc(0, 0xfffff, 0xb, true, 3, true, false, true, true));
    put_gdt(m, kData3, seg_desc(0, 0xfffff, 0x3, true, 3, true, false, true, true));
    put_gdt(m, kTssSel, seg_desc(kTss, 0x67, 0xb, false, 0));
    put_gdt(m, kCode64, seg_desc(0, 0xfffff, 0xb, true, 0, true, true, false, true));
    put_gdt(m, kCode64u, seg_desc(0, 0xfffff, 0xb, true, 3, true, true, false, true));
    put_gdt(m, kData1, seg_desc(0, 0xfffff, 0x3, true, 1, true, false, true, true));
    put_gdt(m, kCode1, seg_desc(0, 0xfffff, 0xb, true, 1, true, false, true, true));
    put_gdt(m, kConforming0, seg_desc(0, 0xfffff, 0xf, true, 0, true, false, true, true));
    put_gdt(m, kTss2Sel, seg_desc(kTss2, 0x67, 0x9, false, 0));
    put_gdt(m, kTss16Sel, seg_desc(kTss2, 0x2b, 0x1, false, 0));
    put_gdt(m, kLdtSel, seg_desc(kLdt, 0xf, 0x2, false, 0));
    put_gdt(m, kCode16, seg_desc(0, 0xffff, 0xb, true, 0, true, false, false, false));
    put_gdt(m, kTss64Sel, seg_desc(kTss, 0x67, 0xb, false, 0));
    X86CpuState s = reset_cpu_state(true);
    s.cr0 |= cr0bit::PE;
    s.gdt = {kGdt, 0xff};
    s.idt = {kIdt, 0xfff};
    auto load = [&](uint16_t sel) {
        Descriptor d;
        d.raw = m.load(kGdt + (sel & 0xfff8), 8);
        return segment_from_descriptor(sel, d);
    };
    if (ia32e) {
        s.efer = eferbit::LME | eferbit::LMA;
        s.cr0 |= cr0bit::PG;
        s.cr4 |= cr4bit::PAE;
        s.seg[CS] = load(cpl == 3 ? kCode64u : kCode64);
    } else {
        s.seg[CS] = load(cpl == 3 ? kCode3 : kCode0);
    }
    uint16_t data = cpl == 3 ? kData3 : kData0;
    for (SegReg r : {ES, SS, DS, FS, GS})
        s.seg[r] = load(data);
    s.tr = load(ia32e ? kTss64Sel : kTssSel);
    s.ldt = null_segment(0);
    s.rflags = 0x202;
    return s;
}

#define EXPECT_FAULT(stmt, vec, code)                                              \
    do {                                                                           \
        try {                                                                      \
            stmt;                                                                  \
            ADD_FAILURE() << "no fault from " #stmt;                               \
        } catch (const ::kemu::x86::test::GuestFault& f) {                         \
            EXPECT_EQ(f.vector, (vec)) << #stmt;                                   \
            EXPECT_EQ(f.error_code.value_or(0xdeadbeef), uint32_t(code)) << #stmt; \
        }                                                                          \
    } while (0)

}  // namespace kemu::x86::test
