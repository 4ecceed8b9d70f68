// Self-loops for the x86-64 backend's BlockCompiler: a block whose goto_tb jumps back to its
// own first instruction keeps the globals it reads and the env vectors (guest XMM/YMM
// registers) it touches in registers across the back edge.
//
// Without this, a loop-carried value goes round through env: stored at the block's end,
// loaded at its start, and the load waits for the store to forward (several cycles on every
// iteration's dependency chain). Now the block's entry loads the globals it reads first into
// fixed registers, then reaches the loop entry; the back edge writes dirty globals home as
// any exit does (env stays current, so every exit and the chain-break check need nothing
// more), moves each kept global's value into its fixed register, and a chain from the block
// to itself enters at the loop entry. Vectors go the same way through the vector cache, but
// stay dirty across the back edge: the loop stores them only on the way out.
#include <algorithm>
#include <array>
#include <span>

#include "tcg/backend_x86_64_block.h"

namespace kemu::tcg::x64 {

namespace {

// Enough for the loops that matter, and leaves registers for the body's own temps.
constexpr size_t kMaxLoopGlobals = 8;
// Of the vector cache's 13 registers.
constexpr size_t kMaxLoopVectors = 8;

// One register move of a back edge's parallel move; src < 0 means a load, left to the caller.
struct RegMove {
    int dst;  // -1 once done
    int src;
    size_t what;  // the caller's index of the value
};

// Makes every move with a source register as if all ran at once: a move waits while its
// destination is still another's source, and a cycle parks one value in `park` (a register
// no move names). `copy(dst, src, what)` emits one move.
template <typename Copy>
void move_in_parallel(std::span<RegMove> moves, int park, Copy copy) {
    auto still_read = [&](int reg) {
        for (const RegMove& m : moves)
            if (m.dst >= 0 && m.src == reg) return true;
        return false;
    };
    for (;;) {
        RegMove* blocked = nullptr;
        bool moved = false;
        for (RegMove& m : moves) {
            if (m.dst < 0 || m.src < 0) continue;
            if (still_read(m.dst)) {
                blocked = &m;
                continue;
            }
            copy(m.dst, m.src, m.what);
            m.dst = -1;
            moved = true;
        }
        if (!blocked) return;
        if (moved) continue;
        copy(park, blocked->dst, blocked->what);  // every move left is on a cycle: break one
        for (RegMove& m : moves)
            if (m.dst >= 0 && m.src == blocked->dst) m.src = park;
    }
}

}  // namespace

// Whether some goto_tb goes back to the block's own first instruction: its PC store names
// Function::entry_pc.
bool BlockCompiler::loops_back() const {
    const std::optional<uint64_t> entry = f_.entry_pc();
    if (!entry) return false;
    bool next_is_entry = false;
    for (const Op& op : f_.ops()) {
        if (op.opc == Opc::st && op.type == Type::I64 && writes_next_pc(op.constant(0), 8)) {
            const Temp& pc = temp(op.input(0));
            next_is_entry = pc.kind == TempKind::Const && pc.value == *entry;
        } else if (op.opc == Opc::goto_tb && next_is_entry) {
            return true;
        }
    }
    return false;
}

// The globals the block reads before it writes them, up to its first label or call (where
// the register cache lets go of globals anyway), each loaded into its own register.
void BlockCompiler::load_loop_globals() {
    std::vector<LoopGlobal>& kept = scratch_.loop_globals;
    uint64_t seen = 0;
    auto global_bit = [&](TempId t) -> uint64_t {
        return temp(t).kind == TempKind::Global && t < 64 ? 1ull << t : 0;
    };
    for (const Op& op : f_.ops()) {
        const OpInfo& info = op.info();
        if (op.opc == Opc::set_label || (info.flags & kCall)) break;
        for (unsigned in = 0; in < info.inputs && kept.size() < kMaxLoopGlobals; in++) {
            const TempId t = op.args[info.outputs + in];
            const uint64_t bit = global_bit(t);
            if (!bit || (seen & bit)) continue;
            seen |= bit;
            kept.push_back({t, kAllocationOrder[kept.size()]});
        }
        if (kept.size() == kMaxLoopGlobals) break;
        for (unsigned o = 0; o < info.outputs; o++)
            seen |= global_bit(op.args[o]);
    }
    for (const LoopGlobal& g : kept)
        regs_.load_global(g.global, g.reg);
}

// The env vectors the block touches, up to its first label or call (where the vector cache
// forgets), each loaded into the register the cache picks. The loop entry takes them as
// dirty: arriving by the back edge, they hold what env does not have yet.
void BlockCompiler::load_loop_vectors() {
    // The loop's paths keep their upper halves and leave through VZEROUPPER: AVX hosts only.
    if (!vectors_.cacheable(32)) return;
    std::vector<LoopVector>& kept = scratch_.loop_vectors;
    auto touch = [&](uint32_t offset, unsigned size) {
        if (!vectors_.cacheable(size)) return;
        for (LoopVector& v : kept)
            if (v.offset == offset) {
                v.size = uint8_t(std::max<unsigned>(v.size, size));
                return;
            }
        if (kept.size() < kMaxLoopVectors) kept.push_back({offset, uint8_t(size), -1});
    };
    for (const Op& op : f_.ops()) {
        if (op.opc == Opc::set_label || (op.info().flags & kCall)) break;
        switch (op.opc) {
            case Opc::vfp:
                touch(op.constant(2), 16);
                touch(op.constant(1), 16);
                break;
            case Opc::vmov:
                touch(op.constant(1), op.constant(2));
                touch(op.constant(0), op.constant(2));
                break;
            case Opc::host_simd: {
                const HostSimdInsn& h = f_.host_simd(op.constant(1));
                for (uint32_t source : h.sources)
                    if (source != HostSimdInsn::kNoSource) touch(source, h.width);
                touch(h.result, h.width);
                break;
            }
            case Opc::guest_st_vec:
            case Opc::guest_ld_vec:
                touch(op.constant(1), MemOp{op.constant(0)}.size());
                break;
            default:
                break;
        }
    }
    for (LoopVector& v : kept) {
        v.reg = vectors_.load(v.offset, v.size);
        scratch_.loop_vector_offsets.push_back(v.offset);
    }
    for (const LoopVector& v : kept)
        vectors_.mark_dirty(v.reg);
}

// On a way out of the loop that the cache does not know of (the chain-break exit at the loop
// entry, the back edge unchained): the kept vectors home from their registers, then
// VZEROUPPER for the code outside.
void BlockCompiler::store_loop_vectors() {
    for (const LoopVector& v : scratch_.loop_vectors)
        vectors_.move(Xbyak::util::ptr[env_at(v.offset)], v.reg, v.size);
    c_.vzeroupper();
}

// At the back edge: each kept vector into its register, as the loop entry expects, the
// same way reenter_loop moves globals (xmm0, the emitter's scratch, breaks a cycle). A vector
// the cache let go of comes from env, which it was written back to.
void BlockCompiler::reenter_loop_vectors() {
    const std::vector<LoopVector>& kept = scratch_.loop_vectors;
    std::array<RegMove, kMaxLoopVectors> moves;
    size_t n = 0;
    for (size_t i = 0; i < kept.size(); i++)
        if (const int src = vectors_.find(kept[i].offset, kept[i].size); src != kept[i].reg)
            moves[n++] = {kept[i].reg, src, i};
    // What comes from env must be there first: a narrower dirty value of its bytes (a
    // legacy-SSE result) is stored before any move can overwrite its register.
    for (size_t i = 0; i < n; i++)
        if (moves[i].src < 0) vectors_.read(kept[moves[i].what].offset, kept[moves[i].what].size);
    // xmm0, the emitter's scratch, parks a whole register.
    move_in_parallel(std::span(moves.data(), n), 0, [&](int dst, int src, size_t what) {
        vectors_.copy(dst, src, dst == 0 ? 32 : kept[what].size);
    });
    for (size_t i = 0; i < n; i++)
        if (moves[i].dst >= 0)
            vectors_.move(moves[i].dst, Xbyak::util::ptr[env_at(kept[moves[i].what].offset)],
                          kept[moves[i].what].size);
    vectors_.forget();
}

// At the back edge, after the dirty globals went home: each kept global's value into its
// register, as the loop entry expects. Register moves first (a move waits while its
// destination is still another's source; a cycle parks one value in rax), then loads of the
// globals no register holds.
void BlockCompiler::reenter_loop() {
    const std::vector<LoopGlobal>& kept = scratch_.loop_globals;
    std::array<RegMove, kMaxLoopGlobals> moves;
    size_t n = 0;
    for (size_t i = 0; i < kept.size(); i++)
        if (const int src = regs_.reg_of(kept[i].global); src != kept[i].reg)
            moves[n++] = {kept[i].reg, src, i};
    move_in_parallel(std::span(moves.data(), n), kRax,
                     [&](int dst, int src, size_t) { c_.mov(dst, src); });
    for (size_t i = 0; i < n; i++)
        if (moves[i].dst >= 0)
            c_.load(moves[i].dst, env_mem(f_.temp(kept[moves[i].what].global).env_offset));
    regs_.forget(kAllocatable, true);
}

}  // namespace kemu::tcg::x64
