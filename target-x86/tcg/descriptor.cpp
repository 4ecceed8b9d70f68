#include "target-x86/tcg/descriptor.h"

namespace kemu::x86 {

uint32_t Descriptor::limit() const {
    uint32_t lim = (raw & 0xffff) | ((raw >> 32) & 0xf0000);
    return g() ? (lim << 12) | 0xfff : lim;
}

uint64_t Descriptor::base() const {
    uint64_t b = ((raw >> 16) & 0xffffff) | (((raw >> 56) & 0xff) << 24);
    if (!s()) b |= (high & 0xffffffff) << 32;
    return b;
}

uint64_t Descriptor::gate_offset() const {
    return (raw & 0xffff) | (((raw >> 48) & 0xffff) << 16) | ((high & 0xffffffff) << 32);
}

std::optional<Descriptor> fetch_descriptor(const X86CpuState& s, SysContext& ctx, uint16_t selector,
                                           bool wide) {
    bool local = selector & 4;
    uint64_t base = local ? s.ldt.base : s.gdt.base;
    uint32_t limit = local ? s.ldt.limit : s.gdt.limit;
    if (local && (s.ldt.unusable || !s.ldt.present)) return std::nullopt;
    uint32_t offset = selector & 0xfff8;
    uint32_t last = offset + (wide ? 15 : 7);
    if (last > limit) return std::nullopt;
    Descriptor d;
    d.addr = base + offset;
    d.raw = ctx.read(d.addr, 8, Priv::Supervisor);
    if (wide) d.high = ctx.read(d.addr + 8, 8, Priv::Supervisor);
    return d;
}

void mark_accessed(SysContext& ctx, Descriptor& d) {
    if (!d.s() || (d.type() & 1)) return;
    d.raw |= 1ull << 40;
    ctx.write(d.addr + 5, 1, (d.raw >> 40) & 0xff, Priv::Supervisor);
}

void set_tss_busy(SysContext& ctx, Descriptor& d, bool busy) {
    d.raw = busy ? d.raw | (2ull << 40) : d.raw & ~(2ull << 40);
    ctx.write(d.addr + 5, 1, (d.raw >> 40) & 0xff, Priv::Supervisor);
}

Segment segment_from_descriptor(uint16_t selector, const Descriptor& d) {
    Segment seg;
    seg.selector = selector;
    seg.base = d.base();
    seg.limit = d.limit();
    seg.type = d.type();
    seg.s = d.s();
    seg.dpl = d.dpl();
    seg.present = d.present();
    seg.avl = (d.raw >> 52) & 1;
    seg.l = d.l();
    seg.db = d.db();
    seg.g = d.g();
    seg.unusable = false;
    return seg;
}

Segment null_segment(uint16_t selector, uint8_t dpl) {
    Segment seg;
    seg.selector = selector;
    seg.base = 0;
    seg.limit = 0;
    seg.type = 0;
    seg.s = false;
    seg.dpl = dpl;
    seg.present = false;
    seg.unusable = true;
    return seg;
}

Segment real_mode_segment(const Segment& old, uint16_t selector) {
    Segment seg = old;
    seg.selector = selector;
    seg.base = uint64_t(selector) << 4;
    return seg;
}

Segment vm86_segment(uint16_t selector, bool code) {
    Segment seg;
    seg.selector = selector;
    seg.base = uint64_t(selector) << 4;
    seg.limit = 0xffff;
    seg.type = code ? 0xb : 0x3;
    seg.s = true;
    seg.dpl = 3;
    seg.present = true;
    return seg;
}

}  // namespace kemu::x86
