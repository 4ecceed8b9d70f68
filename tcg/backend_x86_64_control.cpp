// Control flow for the x86-64 backend's BlockCompiler: branches, chained jumps, the fast
// jump cache, block exits and calls to host code.
#include <cstddef>
#include <span>

#include "tcg/backend_x86_64_block.h"

namespace kemu::tcg::x64 {

using Xbyak::Reg64;
using namespace Xbyak::util;

namespace {

// SysV argument registers after env (rdi).
const Reg64 kArgs[] = {rsi, rdx, rcx, r8};

}  // namespace

// A call to host code from code that will run at `at` (its first byte's executable
// address): a rel32 call when `fn` is within reach (the code buffer asks to be mapped near
// the emulator's own code), else through `via`, which the call may clobber.
void emit_host_call(HostAssembler& code, const uint8_t* at, const void* fn, const Reg64& via) {
    const uint8_t* next = at + code.getSize() + 5;
    const int64_t rel = static_cast<const uint8_t*>(fn) - next;
    if (rel == int64_t(int32_t(rel))) {
        code.op_rel32({0xe8}, uint32_t(int32_t(rel)));
        return;
    }
    code.mov(via, reinterpret_cast<uint64_t>(fn));
    code.call(via);
}

// A jump another block's entry can be patched into; until then it goes to the next
// instruction (the exit). Padding puts its rel32 on a 4-byte boundary so a patch is
// one atomic store.
void BlockCompiler::chain_jump(uint32_t slot) {
    if (!f_.target().chaining || slot > 1) return;
    regs_.write_back(0, true);
    const bool loop_edge = keeps_loop_values() && next_pc_ == f_.entry_pc();
    if (loop_edge) {
        reenter_loop();
        reenter_loop_vectors();
        loop_slots_ |= uint8_t(1u << slot);
    }
    while ((c_.getSize() + 1) % 4)
        c_.nop();
    c_.db(0xe9);
    jump_rel32_[slot] = uint32_t(c_.getSize());
    c_.dd(0);
    if (deferred_pc_) {
        c_.store_imm(env_mem(f_.target().fast_jumps.pc_offset), *deferred_pc_);
        deferred_pc_.reset();
    }
    // Unchained, the jump leaves the block: with the vectors it kept for the loop.
    if (loop_edge && keeps_loop_vectors()) store_loop_vectors();
}

// An indirect branch asks the target for the next block and jumps straight into it
// (same frame, env in r14); without an answer it leaves to the exec loop.
void BlockCompiler::jump_through_cache(uint32_t index) {
    const TargetInfo& t = f_.target();
    if (!t.chaining || !t.goto_ptr_target) return;
    regs_.write_back(kCallerSaved, true);
    regs_.forget(kCallerSaved, false);
    if (t.fast_jumps.present && f_.fast_jump_key()) {
        if (next_pc_)
            probe_fast_jump_at(*next_pc_, *f_.fast_jump_key());
        else
            probe_fast_jumps(*f_.fast_jump_key(), next_pc_register(index));
    }
    store_tag();  // goto_ptr_target reads which block is asking
    c_.lea(rdi.getIdx(), env_mem(0));
    call_host(reinterpret_cast<const void*>(t.goto_ptr_target));
    const BlockLabels::Id miss = labels_.make();
    c_.test(kRax);
    labels_.jcc(Cc::E, miss);
    c_.jmp_to(kRax);
    labels_.bind(miss);
}

// The fast jump cache's entry for the next PC (TargetInfo::fast_jumps), entered without
// a call when it matches; anything else falls through to the call.
// `pc_in`: a register that holds the next PC, or -1 to load it from env.
void BlockCompiler::probe_fast_jumps(uint32_t key, int pc_in) {
    const FastJumpLayout& j = f_.target().fast_jumps;
    static_assert(sizeof(FastJump) == 32);
    const BlockLabels::Id miss = labels_.make();
    auto field = [&](size_t offset) { return Mem{kRcx, int32_t(offset)}; };
    if (pc_in >= 0)
        c_.mov(kRax, pc_in);
    else
        c_.load(kRax, env_mem(j.pc_offset));
    c_.mov(kRcx, kRax);
    c_.shift(Shift::Shr, kRcx, uint8_t(j.bits));
    c_.alu_reg(Alu::Xor, kRcx, kRax);
    c_.alu(Alu::And, kRcx, int32_t((1u << j.bits) - 1), false);
    c_.shift(Shift::Shl, kRcx, 5, false);
    c_.lea(kRcx, Mem{kEnvReg, int32_t(j.offset - kEnvBias), kRcx});
    c_.cmp(kRax, field(offsetof(FastJump, pc)));
    labels_.jcc(Cc::NE, miss);
    c_.load(kRax, env_mem(j.key_offset));
    c_.alu(Alu::Or, kRax, int32_t(key));
    c_.cmp(kRax, field(offsetof(FastJump, key)));
    labels_.jcc(Cc::NE, miss);
    c_.load(kRax, field(offsetof(FastJump, valid)));
    c_.cmp_byte(Mem{kRax}, 0);
    labels_.jcc(Cc::E, miss);
    c_.jmp_to(field(offsetof(FastJump, code)));
    labels_.bind(miss);
}

// probe_fast_jumps for a next PC known now (a direct jump into another page, which is
// never chained): its entry's place is a constant, and the PC an immediate.
void BlockCompiler::probe_fast_jump_at(uint64_t pc, uint32_t key) {
    const FastJumpLayout& j = f_.target().fast_jumps;
    const uint64_t index = (pc ^ pc >> j.bits) & ((1u << j.bits) - 1);
    const uint32_t entry = j.offset + uint32_t(index * sizeof(FastJump));
    auto field = [&](size_t offset) { return env_mem(entry + uint32_t(offset)); };
    const BlockLabels::Id miss = labels_.make();
    if (int64_t(pc) == int64_t(int32_t(uint32_t(pc)))) {
        c_.alu(Alu::Cmp, field(offsetof(FastJump, pc)), int32_t(uint32_t(pc)));
    } else {
        c_.mov_imm(kRax, pc);
        c_.cmp(kRax, field(offsetof(FastJump, pc)));
    }
    labels_.jcc(Cc::NE, miss);
    c_.load(kRax, env_mem(j.key_offset));
    c_.alu(Alu::Or, kRax, int32_t(key));
    c_.cmp(kRax, field(offsetof(FastJump, key)));
    labels_.jcc(Cc::NE, miss);
    c_.load(kRax, field(offsetof(FastJump, valid)));
    c_.cmp_byte(Mem{kRax}, 0);
    labels_.jcc(Cc::E, miss);
    c_.jmp_to(field(offsetof(FastJump, code)));
    labels_.bind(miss);
}

// The block's tag goes into env only where someone may read it: before a call, on a
// memory slow path and on the way out. A chain of blocks that stays in JIT code (a loop)
// stores none; the exec loop set the first block's before entering it.
void BlockCompiler::store_tag() {
    if (!f_.target().chaining || tag_stored_) return;
    labels_.call(tag_stub_);
    tag_stub_used_ = true;
    tag_stored_ = true;
}

// The store itself is a subroutine after the block's code: 5 bytes a call where it was 17
// inline, and a block stores its tag in three or four places (exits, calls, slow paths).
void BlockCompiler::emit_tag_stub() {
    if (!tag_stub_used_) return;
    labels_.bind(tag_stub_);
    c_.mov_imm(kRax, tag_);
    c_.store(env_mem(f_.target().block_tag_offset), kRax);
    c_.ret();
}

void BlockCompiler::leave(BlockExit exit) {
    regs_.write_back(0, true);
    store_tag();
    jump_to(stubs_.exit[size_t(exit)]);
}

// A jump (or, with `condition`, the 0F-prefixed jcc) to code outside this block. The
// block is assembled in the buffer's write view, so the displacement is worked out from
// the executable address it will run at.
void BlockCompiler::jump_to(const uint8_t* target, int condition) {
    const size_t length = condition >= 0 ? 6 : 5;
    const uint32_t rel = uint32_t(int32_t(target - (at_ + c_.getSize() + length)));
    if (condition >= 0)
        c_.op_rel32({0x0f, uint8_t(condition)}, rel);
    else
        c_.op_rel32({0xe9}, rel);
}

void BlockCompiler::call_host(const void* fn) {
    emit_host_call(c_, at_, fn, rax);
}

// Calls fn(env, args..., imm) at op `index`; `imm` follows the temps when given, and
// arguments up to `zeroed` are zero (as the interpreter passes them). Globals are
// written home first when the callee may see them, and re-read afterwards when it may
// change them; values in caller-saved registers are saved home if still needed.
void BlockCompiler::call(uint32_t index, const void* fn, std::span<const uint32_t> args,
                         std::initializer_list<uint32_t> imms, unsigned zeroed, bool sees_globals,
                         bool writes_globals) {
    regs_.begin_op(index + 1);  // arguments used for the last time need not be saved
    store_tag();
    make_fp_flags_current();
    vectors_.write_back();
    vectors_.clean_upper();
    vectors_.forget();
    regs_.write_back(kCallerSaved, sees_globals);
    // Argument registers are filled from registers, env or constants without clobbering
    // a source: rdx and rcx never are one, so they go first; r8 goes through rax so that
    // rsi and r8 may trade values.
    const unsigned n = unsigned(args.size());
    for (unsigned i = 1; i < n && i < 3; i++)
        regs_.load_into(kArgs[i], args[i]);
    if (n > 3) regs_.load_into(rax, args[3]);
    if (n > 0) regs_.load_into(rsi, args[0]);
    if (n > 3) c_.mov(r8.getIdx(), kRax);
    unsigned next = n;
    for (uint32_t imm : imms)
        c_.mov_imm(kArgs[next++].getIdx(), imm);
    for (; next < zeroed; next++)
        c_.mov_imm(kArgs[next].getIdx(), 0);
    regs_.forget(kCallerSaved, false);
    c_.lea(rdi.getIdx(), env_mem(0));
    call_host(fn);
    regs_.forget(0, writes_globals);
}

void BlockCompiler::call_helper(const Op& op, uint32_t index) {
    const HelperInfo& h = f_.target().helpers[op.constant(0)];
    const bool globals = !(h.flags & kHelperNoGlobals);
    const std::span<const uint32_t> inputs(op.args.data() + 1, op.info().inputs);
    call(index, reinterpret_cast<const void*>(h.fn), inputs, {}, 4, globals, globals);
    c_.mov(regs_.def(op.output(0)).getIdx(), kRax);
}

void BlockCompiler::brcond(const Op& op, uint32_t index) {
    const Cond cond = Cond(op.constant(0));
    if (cond == Cond::Never) return;
    const BlockLabels::Id target = op.constant(1);
    if (cond == Cond::Always) {
        regs_.write_back(kAllocatable, true);
        vectors_.write_back();
        labels_.jmp(target);
        return;
    }
    const Reg64 a = regs_.use(op.input(0));
    uint32_t imm;
    const bool is_imm = as_imm(op.input(1), op.type, imm);
    const Reg64 b = is_imm ? rax : regs_.use(op.input(1));
    // Values live at the target go home (mov leaves the flags alone, but compare after).
    regs_.begin_op(index + 1);
    regs_.write_back(kAllocatable, true);
    if (is_imm)
        c_.cmp(sized(a, op.type), imm);
    else
        c_.cmp(sized(a, op.type), sized(b, op.type));
    if (!vectors_.any_dirty()) {
        labels_.jcc(kCondCodes[size_t(cond)].cc, target);
        return;
    }
    // The label expects env current: the dirty vectors are stored on the taken path only,
    // after the block's code, so a loop that stays keeps them in registers.
    BranchStores& stores = branch_stores_.emplace_back();
    stores.entry = labels_.make();
    stores.target = target;
    stores.vectors = uint32_t(scratch_.slow_vectors.size());
    vectors_.dirty(scratch_.slow_vectors);
    stores.vectors_end = uint32_t(scratch_.slow_vectors.size());
    labels_.jcc(kCondCodes[size_t(cond)].cc, stores.entry);
}

void BlockCompiler::emit_branch_stores(const BranchStores& stores) {
    labels_.bind(stores.entry);
    store_vectors(stores.vectors, stores.vectors_end);
    labels_.jmp(stores.target);
}

// Dirty vectors recorded in BlockScratch::slow_vectors[from, to), stored from their registers.
void BlockCompiler::store_vectors(uint32_t from, uint32_t to) {
    for (uint32_t i = from; i < to; i++) {
        const VectorCache::Dirty& v = scratch_.slow_vectors[i];
        vectors_.move(ptr[env_at(v.offset)], v.reg, v.size);
    }
}

// The register that still holds the next PC at the goto_ptr that is op `index`: the op
// before stored it from there, and what came between (write-backs) kept registers as
// they were. -1 when it must come from env.
int BlockCompiler::next_pc_register(uint32_t index) const {
    return next_pc_reg_ && next_pc_reg_->first + 1 == index ? next_pc_reg_->second : -1;
}

// Whether `store`, of a constant next PC right before a goto_tb, can go after the goto_tb's
// jump, on the path that leaves the block: a chained jump then skips it. The block the jump
// is patched to stores its own PC should it leave at its entry (leave_at_entry), and
// everything else that needs the PC within a block works it out from the block's tag.
bool BlockCompiler::defers_pc_store(const Op& store) const {
    const TargetInfo& t = f_.target();
    const uint32_t index = uint32_t(&store - f_.ops().data());
    const std::vector<Op>& ops = f_.ops();
    if (!t.chaining || !t.fast_jumps.present || store.opc != Opc::st ||
        store.constant(0) != t.fast_jumps.pc_offset || index + 1 >= ops.size() ||
        ops[index + 1].opc != Opc::goto_tb || ops[index + 1].constant(0) > 1)
        return false;
    const Temp& pc = temp(store.input(0));
    return pc.kind == TempKind::Const && int64_t(pc.value) == int64_t(int32_t(pc.value));
}

// The entry check's way out (an exit request, a chain break): the exec loop finds RIP in
// env, which a chained jump into this block may have left unwritten (defers_pc_store).
void BlockCompiler::leave_at_entry() {
    const TargetInfo& t = f_.target();
    if (const std::optional<uint64_t> pc = f_.entry_pc(); pc && t.fast_jumps.present) {
        c_.mov_imm(kRax, *pc);
        c_.store(env_mem(t.fast_jumps.pc_offset), kRax);
    }
    jump_to(stubs_.exit[size_t(BlockExit::Exit)]);
}

// Does an env store of `size` bytes at `offset` touch the next PC that goto_ptr reads?
bool BlockCompiler::writes_next_pc(uint32_t offset, unsigned size) const {
    const FastJumpLayout& j = f_.target().fast_jumps;
    return j.present && offset < j.pc_offset + 8 && j.pc_offset < offset + size;
}

}  // namespace kemu::tcg::x64
