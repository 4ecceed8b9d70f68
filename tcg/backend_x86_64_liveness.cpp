#include "tcg/backend_x86_64_liveness.h"

#include "tcg/backend_x86_64_regs.h"

namespace kemu::tcg::x64 {

std::optional<uint32_t> assign_homes(const Function& f, RegCache::Memory& memory) {
    const TargetInfo& target = f.target();
    std::vector<uint32_t>& home = memory.home;
    home.assign(f.temps().size(), RegCache::kNoHome);
    memory.global_homes = target.global_homes();
    uint32_t next_slot = 0;
    for (TempId t = 0; t < f.temps().size(); t++) {
        const Temp& temp = f.temp(t);
        if (temp.kind == TempKind::Global) home[t] = temp.env_offset;
        if (temp.kind != TempKind::Local) continue;
        if (next_slot == target.scratch_slots) return std::nullopt;
        home[t] = target.scratch_offset + 8 * next_slot++;
    }
    return next_slot;
}

// The last op that mentions each local. Control only moves forward unless some branch goes
// back to an earlier label; then no local may be considered dead before the block ends.
void last_uses(const Function& f, std::vector<uint32_t>& last, std::vector<bool>& label_seen) {
    const std::vector<Op>& ops = f.ops();
    last.assign(f.temps().size(), 0);
    label_seen.assign(f.label_count(), false);
    bool backward = false;
    for (uint32_t i = 0; i < ops.size(); i++) {
        const Op& op = ops[i];
        const OpInfo& info = op.info();
        for (unsigned k = 0; k < unsigned(info.outputs + info.inputs); k++)
            last[op.args[k]] = i;
        if (op.opc == Opc::set_label) label_seen[op.constant(0)] = true;
        if (op.opc == Opc::br && label_seen[op.constant(0)]) backward = true;
        if (op.opc == Opc::brcond && label_seen[op.constant(1)]) backward = true;
    }
    if (backward) last.assign(last.size(), RegCache::kLiveForever);
}

// Bit g of entry i: global g's value is not needed after op i reads it, because the next
// thing to happen to it is a write, with nothing in between that could look at it (a call,
// a possible fault, an env access, a branch, a label or the block's end). Its register can
// then take op i's result. All zero in a block that branches backwards.
void global_deaths(const Function& f, std::vector<uint64_t>& deaths,
                   std::vector<uint64_t>& overwritten, std::vector<bool>& label_seen) {
    const std::vector<Op>& ops = f.ops();
    deaths.assign(ops.size() + 1, 0);
    overwritten.assign(ops.size() + 1, 0);
    label_seen.assign(f.label_count(), false);
    for (const Op& op : ops) {
        if (op.opc == Opc::set_label) label_seen[op.constant(0)] = true;
        if ((op.opc == Opc::br && label_seen[op.constant(0)]) ||
            (op.opc == Opc::brcond && label_seen[op.constant(1)]))
            return;
    }
    // compile() takes at most 64 globals (RegCache::kMaxGlobals).
    const TempId globals = f.global_count();
    auto global_bit = [&](TempId t) -> uint64_t { return t < globals ? 1ull << t : 0; };
    uint64_t next_is_write = 0;
    for (size_t i = ops.size(); i-- > 0;) {
        const Op& op = ops[i];
        const OpInfo& info = op.info();
        const bool looks = (info.flags & (kBlockEnd | kMayFault | kCall | kBranch)) ||
                           op.opc == Opc::set_label || is_env_load(op.opc) ||
                           is_env_store(op.opc) || op.opc == Opc::vfp || op.opc == Opc::host_x87;
        uint64_t outputs = 0;
        for (unsigned o = 0; o < info.outputs; o++)
            outputs |= global_bit(op.args[o]);
        for (unsigned in = 0; in < info.inputs; in++) {
            const uint64_t bit = global_bit(op.args[info.outputs + in]);
            if (bit & (next_is_write | outputs)) deaths[i] |= bit;
        }
        // Going back past op i: its writes come after its reads, and an op that looks at
        // the state reads every global.
        next_is_write |= outputs;
        for (unsigned in = 0; in < info.inputs; in++)
            next_is_write &= ~global_bit(op.args[info.outputs + in]);
        if (looks) next_is_write = 0;
        overwritten[i] = next_is_write;
    }
}

bool uses(const Function& f, Opc opc) {
    for (const Op& op : f.ops())
        if (op.opc == opc) return true;
    return false;
}

}  // namespace kemu::tcg::x64
