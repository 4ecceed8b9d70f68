#include "target-x86/tcg/tss.h"

#include "target-x86/tcg/descriptor.h"
#include "target-x86/tcg/exceptions.h"

namespace kemu::x86 {
namespace {

[[noreturn]] void ts_on_tr(const X86CpuState& s, SysContext& ctx, bool ext) {
    raise_exception(ctx, vec::TS, selector_error(s.tr.selector, ext));
}

}  // namespace

InnerStack tss_inner_stack(const X86CpuState& s, SysContext& ctx, unsigned dpl, bool ext) {
    bool tss32 = s.tr.type & 8;
    uint32_t off = tss32 ? 8 * dpl + 4 : 4 * dpl + 2;
    if (off + (tss32 ? 7 : 3) > s.tr.limit) ts_on_tr(s, ctx, ext);
    InnerStack st;
    if (tss32) {
        st.sp = ctx.read(s.tr.base + off, 4, Priv::Supervisor);
        st.ss = ctx.read(s.tr.base + off + 4, 2, Priv::Supervisor);
    } else {
        st.sp = ctx.read(s.tr.base + off, 2, Priv::Supervisor);
        st.ss = ctx.read(s.tr.base + off + 2, 2, Priv::Supervisor);
    }
    return st;
}

uint64_t tss64_stack(const X86CpuState& s, SysContext& ctx, unsigned dpl, unsigned ist, bool ext) {
    uint32_t off = ist ? 0x24 + 8 * (ist - 1) : 4 + 8 * dpl;
    if (off + 7 > s.tr.limit) ts_on_tr(s, ctx, ext);
    return ctx.read(s.tr.base + off, 8, Priv::Supervisor);
}

Segment load_inner_stack_segment(const X86CpuState& s, SysContext& ctx, uint16_t selector,
                                 unsigned dpl, bool ext) {
    uint32_t err = selector_error(selector, ext);
    if ((selector & 0xfffc) == 0) raise_exception(ctx, vec::TS, ext ? 1u : 0u);
    auto d = fetch_descriptor(s, ctx, selector);
    if (!d) raise_exception(ctx, vec::TS, err);
    if ((selector & 3) != dpl || d->dpl() != dpl || !d->writable_data())
        raise_exception(ctx, vec::TS, err);
    if (!d->present()) raise_exception(ctx, vec::SS, err);
    mark_accessed(ctx, *d);
    return segment_from_descriptor(selector, *d);
}

}  // namespace kemu::x86
