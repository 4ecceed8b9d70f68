#include "target-x86/cpu_state.h"

namespace kemu {

X86CpuState reset_cpu_state(bool is_bsp) {
    X86CpuState s;
    for (Segment& seg : s.seg) {
        seg = Segment{};
        seg.type = 3;  // read/write data, accessed
    }
    Segment& cs = s.seg[CS];
    cs.selector = 0xf000;
    cs.base = 0xffff0000;
    cs.type = 0xb;  // execute/read code, accessed
    s.ldt = Segment{};
    s.ldt.type = 2;
    s.ldt.s = false;
    s.tr = Segment{};
    s.tr.type = 0xb;  // busy 32-bit TSS, as KVM expects at reset
    s.tr.s = false;
    s.regs[RDX] = 0x600;  // family/model/stepping signature field stays 0x600 until CPUID is wired
    if (!is_bsp) {
        s.apic_base &= ~(1ull << 8);
        s.mp_state = MpState::WaitForSipi;
    }
    return s;
}

}  // namespace kemu
