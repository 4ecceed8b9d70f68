// Guest memory accesses for the x86-64 backend's BlockCompiler: the inline TLB probe, the
// host access on a hit and the out-of-line slow path on a miss.
#include <algorithm>
#include <bit>
#include <optional>

#include "tcg/backend_x86_64_block.h"

namespace kemu::tcg::x64 {

using Xbyak::Reg64;
using namespace Xbyak::util;

// The displacement from env to the tags and addend of MMU index `mmu`'s entry 0, when
// it fits an instruction's 32-bit displacement.
std::optional<int32_t> BlockCompiler::tlb_displacement(unsigned mmu) const {
    const TlbLayout& t = f_.target().tlb;
    const uint64_t last = std::max({t.read_tag, t.write_tag, t.addend});
    const uint64_t base = t.offset + uint64_t(mmu) * t.mmu_stride;
    if (base + last > uint64_t(INT32_MAX)) return std::nullopt;
    return int32_t(base);
}

// rax = the byte offset within its MMU's table of the entry for the address in rax.
void BlockCompiler::tlb_entry_offset() {
    const TlbLayout& t = f_.target().tlb;
    const unsigned scale = std::countr_zero(t.entry_size);
    const uint64_t index_mask = uint64_t(t.entries - 1) << scale;
    if (std::has_single_bit(t.entry_size) && scale <= t.page_bits && index_mask <= UINT32_MAX) {
        if (t.page_bits > scale) c_.shift(Shift::Shr, kRax, uint8_t(t.page_bits - scale));
        c_.alu(Alu::And, kRax, int32_t(uint32_t(index_mask)), false);
    } else {
        c_.shr(rax, int(t.page_bits));
        c_.and_(eax, t.entries - 1);
        c_.imul(rax, rax, int(t.entry_size));
    }
}

// The field of the entry whose offset tlb_entry_offset left in rax.
Mem BlockCompiler::tlb_entry_field(int32_t base, uint32_t field) const {
    Mem m = env_mem(int64_t(base) + field);
    m.index = kRax;
    return m;
}

// The softmmu fast path's test (target-x86/tcg/softmmu.cpp): the entry's tag equals
// addr's page and the access stays within the page. Leaves the host address's addend
// in rax on a hit; jumps to `miss` otherwise. Uses rax and rcx.
void BlockCompiler::probe_tlb(const Reg64& addr, MemOp mop, bool write, int32_t base,
                              BlockLabels::Id miss) {
    const TlbLayout& t = f_.target().tlb;
    const uint32_t page = 1u << t.page_bits;
    const int a = addr.getIdx();
    c_.mov(kRax, a);
    tlb_entry_offset();
    // The page of the access's last byte against addr's entry: an access that runs into
    // the next page cannot match (that page has another entry), so one compare covers it.
    // An access aligned to at least its size cannot cross a page: its address with the
    // alignment bits kept matches only when they are clear. The mask's imm32 sign-extends
    // to all bits above the page offset.
    const uint64_t align = mop.alignment();
    if (align >= mop.size()) {
        c_.mov(kRcx, a);
        c_.alu(Alu::And, kRcx, int32_t(~(page - 1) | uint32_t(align - 1)));
    } else {
        if (align > 1) {
            c_.test(addr, uint32_t(align - 1));
            labels_.jcc(Cc::NE, miss);
        }
        if (mop.size() > 1)
            c_.lea(kRcx, Mem{a, int32_t(mop.size() - 1)});
        else
            c_.mov(kRcx, a);
        c_.alu(Alu::And, kRcx, int32_t(~(page - 1)));
    }
    c_.cmp(kRcx, tlb_entry_field(base, write ? t.write_tag : t.read_tag));
    labels_.jcc(Cc::NE, miss);
    c_.load(kRax, tlb_entry_field(base, t.addend));
}

// A probe group leader's test: the group's whole span, [addr + first, addr + last], on the
// page of one entry whose tags allow what its members do. The same compare as probe_tlb's:
// the span's last byte against the entry of its first.
void BlockCompiler::probe_span(const Reg64& addr, const ProbeShare& leader, int32_t base,
                               BlockLabels::Id miss) {
    const TlbLayout& t = f_.target().tlb;
    const uint32_t page = 1u << t.page_bits;
    const int a = addr.getIdx();
    if (leader.first)
        c_.lea(kRax, Mem{a, leader.first});
    else
        c_.mov(kRax, a);
    tlb_entry_offset();
    c_.lea(kRcx, Mem{a, leader.last});
    c_.alu(Alu::And, kRcx, int32_t(~(page - 1)));
    for (const auto& [needed, tag] :
         {std::pair{leader.read, t.read_tag}, {leader.write, t.write_tag}})
        if (needed) {
            c_.cmp(kRcx, tlb_entry_field(base, tag));
            labels_.jcc(Cc::NE, miss);
        }
    c_.load(kRax, tlb_entry_field(base, t.addend));
}

// guest_ld/guest_st with an inline TLB probe. Only the miss calls out, from a slow path
// after the block's code that stores dirty globals home (the callee may read them, and
// a fault unwinds to an exception handler that reads them from env) and keeps the
// caller-saved registers, so both paths leave the register cache in the same state.
// A member of a probe group (backend_x86_64_probe_sharing.h) probes the group's span as its
// leader, or takes the addend its leader left; it probes on its own out of line.
void BlockCompiler::guest_access(const Op& op, const void* fn, bool store) {
    const MemOp mop{op.constant(0)};
    const int32_t base = *tlb_displacement(mop.mmu_idx());
    const auto index = size_t(&op - f_.ops().data());
    const ProbeShare share =
        index < scratch_.probe_shares.size() ? scratch_.probe_shares[index] : ProbeShare{};
    SlowPath& slow = new_slow_path();
    slow.fn = fn;
    slow.memop = mop.bits;
    const Reg64 addr = regs_.use(op.input(store ? 1 : 0));
    const Reg64 value = store ? regs_.use(op.input(0)) : addr;
    // Before the destination is defined: a global's old value is what the callee sees.
    dirty_globals_for(slow);
    slow.fp = fp_flags_;
    const int out = store ? -1 : regs_.def(op.output(0)).getIdx();
    slow.addr = addr.getIdx();
    slow.value = value.getIdx();
    slow.out = out;
    switch (share.role) {
        case ProbeShare::Role::Alone:
            probe_tlb(addr, mop, store, base, slow.entry);
            break;
        case ProbeShare::Role::Leader:
            slow.own_probe = labels_.make();
            slow.degrade_slot = share.slot;
            probe_span(addr, share, base, *slow.own_probe);
            c_.store(env_mem(share.slot), kRax);
            break;
        case ProbeShare::Role::Follower:
            slow.own_probe = labels_.make();
            c_.load(kRax, env_mem(share.slot));
            c_.test(al, 1);
            labels_.jcc(Cc::NE, *slow.own_probe);
            break;
    }
    host_access(addr, value, out, mop, store);
    labels_.bind(slow.resume);
}

// The access itself, at addr + rax (the page's addend).
void BlockCompiler::host_access(const Reg64& addr, const Reg64& value, int out, MemOp mop,
                                bool store) {
    const Mem host{addr.getIdx(), 0, kRax};
    if (store)
        c_.store_sized(host, value.getIdx(), mop.size());
    else
        c_.load_sized(out, host, mop.size(), mop.sign());
}

// guest_ld_vec/guest_st_vec: 16 or 32 bytes between guest memory and env after one
// probe, through a cached register where the size allows; the slow path hands the whole
// access to the target.
void BlockCompiler::guest_vector_access(const Op& op, bool store) {
    const TargetInfo& target = f_.target();
    const MemOp mop{op.constant(0)};
    const uint32_t at = op.constant(1);
    const unsigned size = mop.size();
    const void* fn = store ? reinterpret_cast<const void*>(target.guest_store_vector)
                           : reinterpret_cast<const void*>(target.guest_load_vector);
    if (!probes(op)) {
        const uint32_t args[] = {op.input(0)};
        call(uint32_t(&op - f_.ops().data()), fn, args, {mop.bits, at}, 0, true, false);
        return;
    }
    const bool cached = vectors_.cacheable(size);
    // A store's value goes into its register before the paths part, so both have it. Env
    // is current under an access done without the cache (both paths).
    const int value = store && cached ? vectors_.load(at, size) : -1;
    if (!cached && store) vectors_.read(at, size);
    if (!cached && !store) vectors_.written(at, size);
    const Reg64 addr = regs_.use(op.input(0));
    SlowPath& slow = new_slow_path();
    slow.fn = fn;
    slow.memop = mop.bits;
    slow.vector_at = at;
    dirty_globals_for(slow);
    slow.fp = fp_flags_;
    slow.addr = slow.value = addr.getIdx();
    slow.out = -1;
    probe_tlb(addr, mop, store, *tlb_displacement(mop.mmu_idx()), slow.entry);
    const Xbyak::RegExp host = addr + rax;
    if (!cached) {
        for (unsigned i = 0; i < size; i += 16) {
            c_.movups(xmm0, ptr[store ? env_at(at + i) : host + int(i)]);
            c_.movups(ptr[store ? host + int(i) : env_at(at + i)], xmm0);
        }
    } else if (store) {
        vectors_.move(ptr[host], value, size);
    } else {
        const int reg = vectors_.claim(at, size);
        vectors_.move(reg, ptr[host], size);
        slow.reload_vector = reg;  // the slow path's callee loaded env instead
    }
    labels_.bind(slow.resume);
}

// A guest load's value as guest_load returns it: zero- or sign-extended to 64 bits.
void BlockCompiler::emit_slow_path(SlowPath& slow) {
    if (slow.own_probe) {
        labels_.bind(*slow.own_probe);
        if (slow.degrade_slot) c_.store_imm(env_mem(*slow.degrade_slot), 1);
        const MemOp mop{slow.memop};
        const bool store = slow.out < 0;
        probe_tlb(Reg64(slow.addr), mop, store, *tlb_displacement(mop.mmu_idx()), slow.entry);
        host_access(Reg64(slow.addr), Reg64(slow.value), slow.out, mop, store);
        labels_.jmp(slow.resume);
    }
    labels_.bind(slow.entry);
    if (f_.target().chaining) {  // the access may fault, or find its own code written
        labels_.call(tag_stub_);
        tag_stub_used_ = true;
    }
    // The thunk settles what the unsettled byte says is left.
    if (slow.fp == FpFlags::Pending) mark_fp_unsettled();
    store_vectors(slow.vectors, slow.vectors_end);
    for (uint32_t i = slow.globals; i < slow.globals_end; i++) {
        const RegCache::HomeStore& g = scratch_.slow_globals[i];
        if (g.reg < 0)
            c_.store_imm(env_mem(g.home), g.constant);
        else
            c_.store(env_mem(g.home), g.reg);
    }
    // rdx, rcx and rax are never allocated, so filling them clobbers no source. The
    // thunk keeps every caller-saved register and passes env and the address (rax).
    if (slow.vector_at) {
        c_.mov_imm(kRdx, slow.memop);
        c_.mov_imm(kRcx, *slow.vector_at);
    } else if (slow.out < 0) {
        c_.mov(kRdx, slow.value);
        c_.mov_imm(kRcx, slow.memop);
    } else {
        c_.mov_imm(kRdx, slow.memop);
    }
    c_.mov(kRax, slow.addr);
    if (slow.clean_upper && !slow.keep_vectors) c_.vzeroupper();
    call_host(stubs_.thunk(slow.fn, slow.keep_vectors));
    if (slow.out >= 0) c_.mov(slow.out, kRax);
    if (slow.reload_vector >= 0)
        vectors_.move(slow.reload_vector, ptr[env_at(*slow.vector_at)], MemOp{slow.memop}.size());
    labels_.jmp(slow.resume);
}

// The dirty globals as they are now, for `slow` to store before its call.
void BlockCompiler::dirty_globals_for(SlowPath& slow) {
    slow.globals = uint32_t(scratch_.slow_globals.size());
    regs_.dirty_globals(scratch_.slow_globals);
    slow.globals_end = uint32_t(scratch_.slow_globals.size());
}

SlowPath& BlockCompiler::new_slow_path() {
    SlowPath& slow = slow_paths_.emplace_back();
    slow.entry = labels_.make();
    slow.resume = labels_.make();
    slow.keep_vectors = !vectors_.empty();
    slow.clean_upper = vectors_.upper_dirty();
    // The callee may read env, and a fault leaves the block for good: dirty vectors go home.
    slow.vectors = uint32_t(scratch_.slow_vectors.size());
    vectors_.dirty(scratch_.slow_vectors);
    slow.vectors_end = uint32_t(scratch_.slow_vectors.size());
    return slow;
}

// Whether a guest access gets the inline TLB probe rather than a plain call.
bool BlockCompiler::probes(const Op& op) const {
    return probe_ && tlb_displacement(MemOp{op.constant(0)}.mmu_idx()).has_value();
}

}  // namespace kemu::tcg::x64
