#include "tcg/backend_x86_64_probe_sharing.h"

#include <algorithm>
#include <array>

namespace kemu::tcg::x64 {

namespace {

// A span wider than this often straddles two pages, and then every run of the block pays
// for the leader's failed check on top of each member's own probe.
constexpr int64_t kMaxSpan = 256;
// The root of constant addresses: their forms are the constant.
constexpr uint32_t kConstRoot = 1;

struct Group {
    uint32_t root = 0;  // 0: the slot is free
    unsigned mmu = 0;
    uint32_t leader = 0;
    uint64_t leader_disp = 0;
    int64_t first = 0, last = 0;  // the span's bytes, from the leader's address
    uint64_t stamp = 0;
};

// A value as root + disp, where a root names a value no op up to the next reset point can
// change (a temp's definition, not the temp).
class Forms {
  public:
    Forms(const Function& f, ProbeSharingMemory& m) : f_(f), m_(m) {
        const size_t n = f.temps().size();
        if (m.form_epoch.size() < n) {
            m.form_epoch.resize(n, 0);
            m.form_root.resize(n);
            m.form_disp.resize(n);
        }
        reset();  // what the last block left is stale
    }
    // Everything known is forgotten: where paths join, or something may rewrite globals.
    void reset() { m_.epoch++; }

    std::pair<uint32_t, uint64_t> of(TempId t) {
        const Temp& temp = f_.temp(t);
        if (temp.kind == TempKind::Const) return {kConstRoot, temp.value};
        if (m_.form_epoch[t] != m_.epoch) set(t, next_root_++, 0);
        return {m_.form_root[t], m_.form_disp[t]};
    }
    // Op's outputs after it: a 64-bit copy or constant offset keeps its input's root.
    void define(const Op& op) {
        const OpInfo& info = op.info();
        if (info.outputs == 0) return;
        auto constant = [&](unsigned i) { return f_.temp(op.input(i)).kind == TempKind::Const; };
        auto value = [&](unsigned i) { return f_.temp(op.input(i)).value; };
        auto offset = [&](unsigned from, uint64_t delta) {
            auto [root, disp] = of(op.input(from));
            set(op.output(0), root, disp + delta);
        };
        if (op.type == Type::I64 && info.outputs == 1) {
            if (op.opc == Opc::mov) return offset(0, 0);
            if (op.opc == Opc::add && constant(1)) return offset(0, value(1));
            if (op.opc == Opc::add && constant(0)) return offset(1, value(0));
            if (op.opc == Opc::sub && constant(1)) return offset(0, 0 - value(1));
        }
        for (unsigned k = 0; k < info.outputs; k++)
            set(op.output(k), next_root_++, 0);
    }

  private:
    void set(TempId t, uint32_t root, uint64_t disp) {
        m_.form_epoch[t] = m_.epoch;
        m_.form_root[t] = root;
        m_.form_disp[t] = disp;
    }
    const Function& f_;
    ProbeSharingMemory& m_;
    uint32_t next_root_ = kConstRoot + 1;
};

// Where paths join, or a callee may change the TLB (and globals).
bool closes_groups(const Op& op) {
    return op.opc == Opc::set_label || (op.info().flags & (kCall | kBlockEnd));
}

// Ops that may write a global's env field behind its temp's back.
bool rewrites_globals(const Op& op) {
    return closes_groups(op) || is_env_store(op.opc) || op.opc == Opc::host_x87;
}

}  // namespace

void share_probes(const Function& f, bool probes, const std::vector<uint32_t>& slots,
                  std::vector<ProbeShare>& share, ProbeSharingMemory& memory) {
    const std::vector<Op>& ops = f.ops();
    share.clear();
    if (!probes || slots.empty()) return;
    // Most blocks have fewer than two accesses: then there is nothing to share, and the pass
    // over their ops, a few percent of a translation, is skipped.
    uint32_t accesses = 0, end = 0;
    for (uint32_t i = 0; i < ops.size(); i++)
        if (ops[i].opc == Opc::guest_ld || ops[i].opc == Opc::guest_st) {
            accesses++;
            end = i + 1;
        }
    if (accesses < 2) return;
    share.assign(end, ProbeShare{});
    Forms forms(f, memory);
    std::array<Group, kMaxProbeGroups> groups{};
    const unsigned group_count = std::min<unsigned>(kMaxProbeGroups, unsigned(slots.size()));
    uint64_t clock = 0;
    auto close_all = [&] {
        for (unsigned g = 0; g < group_count; g++)
            groups[g].root = 0;
    };
    for (uint32_t i = 0; i < end; i++) {
        const Op& op = ops[i];
        if (closes_groups(op)) close_all();
        if (rewrites_globals(op)) forms.reset();
        const bool store = op.opc == Opc::guest_st;
        if (op.opc == Opc::guest_ld || store) {
            const MemOp mop{op.constant(0)};
            if (mop.alignment() == 1) {
                auto [root, disp] = forms.of(op.input(store ? 1 : 0));
                const int64_t size = int64_t(mop.size());
                Group* joined = nullptr;
                Group* victim = &groups[0];
                for (unsigned g = 0; g < group_count; g++) {
                    Group& grp = groups[g];
                    const auto from_leader = int64_t(disp - grp.leader_disp);
                    if (grp.root == root && grp.mmu == mop.mmu_idx() && from_leader > -kMaxSpan &&
                        from_leader < kMaxSpan &&
                        std::max(grp.last, from_leader + size - 1) -
                                std::min(grp.first, from_leader) <
                            kMaxSpan)
                        joined = &grp;
                    if (victim->root && (!grp.root || grp.stamp < victim->stamp)) victim = &grp;
                }
                Group& grp = joined ? *joined : *victim;
                const uint32_t slot = slots[size_t(&grp - groups.data())];
                if (joined) {
                    const auto from_leader = int64_t(disp - grp.leader_disp);
                    grp.first = std::min(grp.first, from_leader);
                    grp.last = std::max(grp.last, from_leader + size - 1);
                    grp.stamp = ++clock;
                    ProbeShare& lead = share[grp.leader];
                    lead.role = ProbeShare::Role::Leader;
                    lead.first = int32_t(grp.first);
                    lead.last = int32_t(grp.last);
                    (store ? lead.write : lead.read) = true;
                    share[i] = {ProbeShare::Role::Follower, false, false, 0, 0, slot};
                } else {
                    grp = {root, mop.mmu_idx(), i, disp, 0, size - 1, ++clock};
                    ProbeShare& lead = share[i];
                    lead.slot = slot;
                    (store ? lead.write : lead.read) = true;
                }
            }
        }
        forms.define(op);
    }
}

}  // namespace kemu::tcg::x64
