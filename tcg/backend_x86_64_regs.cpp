#include "tcg/backend_x86_64_regs.h"

#include <bit>
#include <utility>

namespace kemu::tcg::x64 {

using Xbyak::Reg64;

RegCache::RegCache(HostAssembler& code, const Function& f, Memory& memory)
    : code_(code),
      f_(f),
      home_(memory.home),
      global_homes_(memory.global_homes),
      last_use_(memory.last_use),
      global_deaths_(memory.global_deaths),
      overwritten_(memory.overwritten),
      reg_of_(memory.reg_of),
      constant_(memory.constant) {
    reg_of_.assign(f.temps().size(), -1);
    constant_.assign(f.temps().size(), std::nullopt);
}

void RegCache::begin_op(uint32_t index) {
    op_index_ = index;
    locked_ = 0;
}

bool RegCache::needed(TempId t) const {
    const Temp& temp = f_.temp(t);
    if (temp.kind == TempKind::Global) return true;
    return temp.kind == TempKind::Local && last_use_[t] >= op_index_;
}

void RegCache::store_home(int reg) {
    Slot& s = slots_[reg];
    if (s.dirty && needed(s.temp)) code_.store(env_mem(home_[s.temp]), reg);
    s.dirty = false;
}

void RegCache::unbind(int reg) {
    Slot& s = slots_[reg];
    if (s.temp != kNone) reg_of_[s.temp] = -1;
    s.temp = kNone;
    s.dirty = false;
}

void RegCache::bind(int reg, TempId t, bool dirty) {
    if (reg_of_[t] >= 0) unbind(reg_of_[t]);
    drop_constant(t);
    slots_[reg] = {t, dirty, ++clock_};
    reg_of_[t] = int8_t(reg);
    locked_ |= 1u << reg;
}

int RegCache::allocate() {
    int best = -1;
    for (int r : kAllocationOrder) {
        if (locked_ >> r & 1) continue;
        if (slots_[r].temp == kNone) return r;
        if (best < 0 || slots_[r].stamp < slots_[best].stamp) best = r;
    }
    // A global the block overwrites before anyone could look needs no trip home.
    const TempId evicted = slots_[best].temp;
    if (!(evicted < kMaxGlobals && op_index_ < overwritten_.size() &&
          (overwritten_[op_index_] >> evicted & 1)))
        store_home(best);
    unbind(best);
    return best;
}

Reg64 RegCache::use(TempId t) {
    if (int r = reg_of_[t]; r >= 0) {
        slots_[r].stamp = ++clock_;
        locked_ |= 1u << r;
        return Reg64(r);
    }
    int r = allocate();
    const bool pending = constant_[t].has_value();  // a value not yet at home: dirty
    load_into(Reg64(r), t);
    bind(r, t, pending);
    return Reg64(r);
}

void RegCache::set_constant(TempId g, int32_t value) {
    if (int r = reg_of_[g]; r >= 0) unbind(r);
    constant_[g] = value;
    pending_constants_ |= 1ull << g;
}

void RegCache::store_constant(TempId g) {
    if (!constant_[g]) return;
    code_.store_imm(env_mem(home_[g]), *constant_[g]);
    drop_constant(g);
}

void RegCache::drop_constant(TempId t) {
    constant_[t].reset();
    if (t < kMaxGlobals) pending_constants_ &= ~(1ull << t);
}

Reg64 RegCache::def(TempId t) {
    if (int old = reg_of_[t]; old >= 0) unbind(old);
    int r = allocate();
    bind(r, t, true);
    return Reg64(r);
}

Reg64 RegCache::def_over(TempId t, TempId from) {
    const int r = reg_of_[from];
    const Temp& source = f_.temp(from);
    const bool dies_here =
        (source.kind == TempKind::Local && last_use_[from] == op_index_) ||
        (source.kind == TempKind::Global && from < 64 && op_index_ < global_deaths_.size() &&
         (global_deaths_[op_index_] >> from & 1));
    if (r < 0 || (from != t && !dies_here)) return def(t);
    unbind(r);
    bind(r, t, true);
    return Reg64(r);
}

void RegCache::load_into(const Reg64& dst, TempId t) {
    const Temp& temp = f_.temp(t);
    if (int r = reg_of_[t]; r >= 0)
        code_.mov(dst.getIdx(), r);
    else if (constant_[t])
        code_.mov_imm(dst.getIdx(), uint64_t(int64_t(*constant_[t])));
    else if (temp.kind == TempKind::Const)
        code_.mov_imm(dst.getIdx(), temp.value);
    else
        code_.load(dst.getIdx(), env_mem(home_[t]));
}

void RegCache::load_global(TempId g, int reg) {
    code_.load(reg, env_mem(home_[g]));
    bind(reg, g, false);
}

void RegCache::drop(TempId t) {
    if (int r = reg_of_[t]; r >= 0 && f_.temp(t).kind == TempKind::Local) unbind(r);
}

void RegCache::write_back(RegSet regs, bool globals) {
    if (globals)
        for (uint64_t m = pending_constants_; m; m &= m - 1)
            store_constant(TempId(std::countr_zero(m)));
    for (int r = 0; r < 16; r++) {
        const Slot& s = slots_[r];
        if (s.temp == kNone || !s.dirty) continue;
        if ((regs >> r & 1) || (globals && f_.temp(s.temp).kind == TempKind::Global)) store_home(r);
    }
}

void RegCache::forget(RegSet regs, bool globals) {
    if (globals)
        for (uint64_t m = pending_constants_; m; m &= m - 1)
            drop_constant(TempId(std::countr_zero(m)));
    for (int r = 0; r < 16; r++) {
        const Slot& s = slots_[r];
        if (s.temp == kNone) continue;
        if ((regs >> r & 1) || (globals && f_.temp(s.temp).kind == TempKind::Global)) unbind(r);
    }
}

void RegCache::dirty_globals(std::vector<HomeStore>& out) const {
    for (uint64_t m = pending_constants_; m; m &= m - 1) {
        const TempId g = TempId(std::countr_zero(m));
        out.push_back({-1, home_[g], *constant_[g]});
    }
    for (int r = 0; r < 16; r++) {
        const Slot& s = slots_[r];
        if (s.temp != kNone && s.dirty && f_.temp(s.temp).kind == TempKind::Global)
            out.push_back({r, home_[s.temp]});
    }
}

RegSet RegCache::bound(RegSet regs) const {
    RegSet held = 0;
    for (int r = 0; r < 16; r++)
        if ((regs >> r & 1) && slots_[r].temp != kNone) held |= 1u << r;
    return held;
}

void RegCache::alias_env(uint32_t offset, uint32_t size, bool write) {
    // Most env accesses are of fields no global lives in (the next PC, the block's tag).
    if (offset >= global_homes_.second || offset + size <= global_homes_.first) return;
    for (uint64_t m = pending_constants_; m; m &= m - 1) {
        const TempId g = TempId(std::countr_zero(m));
        const uint32_t home = home_[g];
        if (home >= offset + size || offset >= home + 8) continue;
        store_constant(g);  // a write may cover only part of it
    }
    for (int r = 0; r < 16; r++) {
        const Slot& s = slots_[r];
        if (s.temp == kNone || f_.temp(s.temp).kind != TempKind::Global) continue;
        const uint32_t home = home_[s.temp];
        if (home >= offset + size || offset >= home + 8) continue;
        store_home(r);
        if (write) unbind(r);
    }
}

}  // namespace kemu::tcg::x64
