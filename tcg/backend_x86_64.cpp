#include "tcg/backend_x86_64.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <vector>

#include "tcg/backend_x86_64_block.h"
#include "tcg/backend_x86_64_liveness.h"

namespace kemu::tcg {

namespace x64 {

using Xbyak::Reg;
using Xbyak::Reg64;
using namespace Xbyak::util;

namespace {

// Whether guest accesses probe the target's TLB inline: the page mask must fit a
// sign-extended 32-bit immediate, and a page must hold the widest access.
bool probe_supported(const TlbLayout& t) {
    return t.present && t.page_bits >= 3 && t.page_bits <= 31 && std::has_single_bit(t.entries);
}

// Env slots for probe groups' addends: the scratch slots after the locals' homes.
void probe_group_slots(const TargetInfo& t, uint32_t locals, std::vector<uint32_t>& slots) {
    slots.clear();
    for (uint32_t k = 0; k < kMaxProbeGroups && locals + k < t.scratch_slots; k++)
        slots.push_back(t.scratch_offset + 8 * (locals + k));
}

}  // namespace

bool host_has_avx() {
    static const bool avx = Xbyak::util::Cpu().has(Xbyak::util::Cpu::tAVX);
    return avx;
}

BlockCompiler::BlockCompiler(HostAssembler& code, const Function& f, BlockScratch& scratch,
                             BlockLabels& labels, const uint8_t* at, const SharedStubs& stubs,
                             bool avx)
    : c_(code),
      f_(f),
      regs_(code, f, scratch.regs),
      labels_(labels),
      scratch_(scratch),
      slow_paths_(scratch.slow_paths),
      branch_stores_(scratch.branch_stores),
      probe_(probe_supported(f.target().tlb)),
      vectors_(code, avx),
      at_(at),
      stubs_(stubs) {}

bool BlockCompiler::emit() {
    labels_.reset(f_.label_count());
    slow_paths_.clear();
    scratch_.slow_globals.clear();
    fp_flags_ = FpFlags::Unknown;
    tag_stub_ = labels_.make();
    const TargetInfo& t = f_.target();
    scratch_.loop_globals.clear();
    scratch_.loop_vectors.clear();
    scratch_.loop_vector_offsets.clear();
    scratch_.slow_vectors.clear();
    branch_stores_.clear();
    if (t.chaining && loops_back()) {
        load_loop_globals();
        load_loop_vectors();
    }
    loop_entry_ = uint8_t(c_.getSize());
    if (t.chaining && keeps_loop_vectors()) {
        // The back edge keeps the upper halves: they are cleaned on the way out instead.
        const BlockLabels::Id go_on = labels_.make();
        c_.alu(Alu::Cmp, env_mem(t.chain_break_offset), 0, false);
        labels_.jcc(Cc::E, go_on);
        store_loop_vectors();
        leave_at_entry();
        labels_.bind(go_on);
    } else if (t.chaining) {
        entry_exit_ = labels_.make();
        c_.alu(Alu::Cmp, env_mem(t.chain_break_offset), 0, false);
        labels_.jcc(Cc::NE, *entry_exit_);
    }
    const std::vector<Op>& ops = f_.ops();
    for (uint32_t i = 0; i < ops.size(); i++) {
        regs_.begin_op(i);
        emit_op(ops[i]);
    }
    // A block that runs off its end leaves like exit_tb.
    regs_.begin_op(uint32_t(ops.size()));
    leave_fp_flags();
    vectors_.write_back();
    vectors_.clean_upper();
    leave(BlockExit::Exit);
    if (entry_exit_) {
        labels_.bind(*entry_exit_);
        leave_at_entry();
    }
    for (SlowPath& slow : slow_paths_)
        emit_slow_path(slow);
    for (const BranchStores& stores : branch_stores_)
        emit_branch_stores(stores);
    emit_tag_stub();
    return labels_.resolve();
}

void BlockCompiler::emit_op(const Op& op) {
    const uint32_t index = &op - f_.ops().data();
    const Type t = op.type;
    // Only a store of the PC itself teaches it; a label joins paths, and helpers and the
    // ops that write env bytes by offset are not worth telling apart.
    if (op.opc == Opc::set_label || (op.info().flags & kCall) || writes_env_bytes(op.opc))
        next_pc_.reset();
    // A block that keeps vectors around its loop leaves its branches with the upper halves
    // as they are, so the back edge still has them; where those paths go, they may be dirty.
    const bool loop_edge =
        keeps_loop_vectors() && op.opc == Opc::goto_tb && next_pc_ && next_pc_ == f_.entry_pc();
    // Env is current wherever paths join or leave the block; a conditional branch stores
    // on its taken path only (brcond), and a back edge keeps what the loop carries.
    if (op.opc == Opc::set_label) {  // paths join: only what env holds is known
        vectors_.write_back();
        if (keeps_loop_vectors()) {
            vectors_.forget();
            vectors_.assume_upper_dirty();
        } else {
            vectors_.clean_upper();
            vectors_.forget();
        }
    } else if (op.info().flags & kBranch) {
        if (op.opc != Opc::brcond) vectors_.write_back();
        if (!keeps_loop_vectors()) vectors_.clean_upper();
    } else if (loop_edge) {
        vectors_.write_back_except(scratch_.loop_vector_offsets);
    } else if (op.info().flags & kBlockEnd) {
        vectors_.write_back();
        vectors_.clean_upper();
    }
    if (op.opc == Opc::set_label || (op.info().flags & (kBranch | kBlockEnd))) {
        leave_fp_flags();
        if (op.opc == Opc::set_label) fp_flags_ = FpFlags::Unknown;  // other paths join
    } else if (fp_flags_ != FpFlags::Settled && may_see_fp_status(op)) {
        make_fp_flags_current();
    }
    switch (op.opc) {
        case Opc::mov: {
            // A constant straight into the destination, not through a register of its own;
            // a global takes no register at all until something reads it.
            if (temp(op.input(0)).kind == TempKind::Const) {
                const uint64_t v = temp(op.input(0)).value & width_mask(t);
                if (temp(op.output(0)).kind == TempKind::Global &&
                    int64_t(v) == int64_t(int32_t(uint32_t(v)))) {
                    regs_.set_constant(op.output(0), int32_t(uint32_t(v)));
                    return;
                }
                const Reg64 d = regs_.def(op.output(0));
                if (v <= UINT32_MAX)
                    c_.mov(d.cvt32(), uint32_t(v));
                else
                    c_.mov(d, v);
                return;
            }
            const Reg64 a = regs_.use(op.input(0));
            const Reg d = sized(regs_.def_over(op.output(0), op.input(0)), t);
            if (t == Type::I32 || d.getIdx() != a.getIdx()) c_.mov(d, sized(a, t));
            return;
        }
        case Opc::discard:
            regs_.drop(op.constant(0));
            return;
        case Opc::add:
        case Opc::sub:
        case Opc::mul:
        case Opc::and_:
        case Opc::or_:
        case Opc::xor_:
            binary_alu(op);
            return;
        case Opc::andc: {
            const Reg64 a = regs_.use(op.input(0));
            const Reg64 b = regs_.use(op.input(1));
            const Reg d = sized(regs_.def(op.output(0)), t);
            c_.mov(d, sized(b, t));
            c_.not_(d);
            c_.and_(d, sized(a, t));
            return;
        }
        case Opc::shl:
        case Opc::shr:
        case Opc::sar:
        case Opc::rotl:
        case Opc::rotr:
            shift(op);
            return;
        case Opc::neg:
        case Opc::not_: {
            const Reg64 a = regs_.use(op.input(0));
            const Reg d = sized(regs_.def_over(op.output(0), op.input(0)), t);
            copy_for_update(d, sized(a, t));
            if (op.opc == Opc::neg)
                c_.neg(d);
            else
                c_.not_(d);
            return;
        }
        case Opc::mulu2:
        case Opc::muls2:
            mul2(op);
            return;
        case Opc::divu2:
        case Opc::divs2:
            div2(op);
            return;
        case Opc::clz:
        case Opc::ctz:
            count_zeros(op);
            return;
        case Opc::ctpop: {
            const Reg64 a = regs_.use(op.input(0));
            c_.popcnt(sized(regs_.def(op.output(0)), t), sized(a, t));
            return;
        }
        case Opc::bswap:
            bswap(op);
            return;
        case Opc::ext8s:
        case Opc::ext8u:
        case Opc::ext16s:
        case Opc::ext16u:
        case Opc::ext32s:
        case Opc::ext32u:
            extend(op);
            return;
        case Opc::lea: {
            const Reg64 a = regs_.use(op.input(0));
            const Reg64 b = regs_.use(op.input(1));
            const Reg d = sized(regs_.def(op.output(0)), t);
            c_.lea(d, c_.ptr[a + b * (1 << (op.constant(0) & 3)) + int32_t(op.constant(1))]);
            return;
        }
        case Opc::deposit:
            deposit(op);
            return;
        case Opc::extract:
            extract(op);
            return;
        case Opc::setcond:
            setcond(op);
            return;
        case Opc::movcond:
            movcond(op);
            return;
        case Opc::set_label:
            regs_.write_back(kAllocatable, true);
            regs_.forget(kAllocatable, true);
            tag_stored_ = false;  // another path may join here without it
            labels_.bind(op.constant(0));
            return;
        case Opc::br:
            regs_.begin_op(index + 1);
            regs_.write_back(kAllocatable, true);
            labels_.jmp(op.constant(0));
            return;
        case Opc::brcond:
            brcond(op, index);
            return;
        case Opc::ld8u:
        case Opc::ld16u:
        case Opc::ld32u:
        case Opc::ld32s:
        case Opc::ld:
            env_load(op, env_access_size(op), op.opc == Opc::ld32s);
            return;
        case Opc::st8:
        case Opc::st16:
        case Opc::st32:
        case Opc::st:
            env_store(op, env_access_size(op));
            return;
        case Opc::guest_ld: {
            const auto* fn = reinterpret_cast<const void*>(f_.target().guest_load);
            if (probes(op)) {
                guest_access(op, fn, false);
                return;
            }
            const uint32_t args[] = {op.input(0)};
            call(index, fn, args, {op.constant(0)}, 0, true, false);
            c_.mov(regs_.def(op.output(0)), rax);
            return;
        }
        case Opc::guest_st: {
            const auto* fn = reinterpret_cast<const void*>(f_.target().guest_store);
            if (probes(op)) {
                guest_access(op, fn, true);
                return;
            }
            const uint32_t args[] = {op.input(1), op.input(0)};  // address, value
            call(index, fn, args, {op.constant(0)}, 0, true, false);
            return;
        }
        case Opc::guest_ld_vec:
        case Opc::guest_st_vec:
            guest_vector_access(op, op.opc == Opc::guest_st_vec);
            return;
        case Opc::mb:
            c_.mfence();
            return;
        case Opc::vfp:
            vfp(op);
            return;
        case Opc::host_simd:
            host_simd(f_.host_simd(op.constant(1)));
            return;
        case Opc::vmov:
            vmov(op.constant(0), op.constant(1), op.constant(2));
            return;
        case Opc::host_x87:
            host_x87(op);
            return;
        case Opc::call0:
        case Opc::call1:
        case Opc::call2:
        case Opc::call3:
        case Opc::call4:
            call_helper(op, index);
            return;
        case Opc::insn_start:
            c_.mov(c_.dword[env_at(f_.target().insn_index_offset)], uint64_t(op.constant(0)));
            return;
        case Opc::goto_tb:
            chain_jump(op.constant(0));
            leave(op.constant(0) == 0 ? BlockExit::Goto0 : BlockExit::Goto1);
            return;
        case Opc::exit_tb:
            leave(BlockExit::Exit);
            return;
        case Opc::goto_ptr:
            jump_through_cache(index);
            leave(BlockExit::GotoPtr);
            return;
        case Opc::Count:
            return;
    }
}

}  // namespace x64

namespace {

using Xbyak::CodeGenerator;
using Xbyak::Reg64;
using namespace Xbyak::util;
using x64::assign_homes;
using x64::BlockCompiler;
using x64::BlockLabels;
using x64::BlockScratch;
using x64::emit_fp_settle_if_unsettled;
using x64::emit_host_call;
using x64::env_at;
using x64::global_deaths;
using x64::host_has_avx;
using x64::HostAssembler;
using x64::kEnvBias;
using x64::last_uses;
using x64::RegCache;
using x64::SharedStubs;
using x64::uses;

// Callee-saved registers the block uses (allocatable ones and env's r14), pushed in order.
const Reg64 kSaved[] = {rbx, rbp, r12, r13, r14, r15};

// The shared entry and exits at the start of every buffer (emitted again after a reset).
// Entry (env in rdi, the block's chain entry in rsi) saves the callee-saved registers the
// blocks use and keeps env in r14; exit N returns BlockExit N after restoring them. Returns
// each exit's offset from the entry.
std::array<uint32_t, 4> assemble_stubs(CodeGenerator& code) {
    code.setDefaultJmpNEAR(true);  // the same bytes wherever they are assembled
    for (const Reg64& r : kSaved)
        code.push(r);
    code.sub(rsp, 8);  // 6 pushes after the return address: realign to 16 for calls
    code.lea(r14, ptr[rdi + kEnvBias]);
    code.jmp(rsi);
    Xbyak::Label epilogue;  // the stubs are assembled once per buffer
    std::array<uint32_t, 4> exits{};
    for (size_t i = 0; i < exits.size(); i++) {
        exits[i] = uint32_t(code.getSize());
        code.mov(eax, uint32_t(i));
        code.jmp(epilogue);
    }
    code.L(epilogue);
    code.add(rsp, 8);
    for (int i = int(std::size(kSaved)) - 1; i >= 0; i--)
        code.pop(kSaved[i]);
    code.ret();
    return exits;
}

}  // namespace

// One generator for every block, aimed at each block's place in the buffer in turn, with the
// working memory compiling a block needs: making a CodeGenerator per block (its hundreds of
// register members, its label manager's tables) and allocating that memory again for each
// were a fifth of compile time.
class BlockAssembler : public HostAssembler {
  public:
    BlockAssembler() : labels(*this) {}
    // Forgets the last block (its bytes, labels and any error) and writes at buf's cursor.
    void aim_block(CodeBuffer& buf) { aim_unlabelled(buf.write_cursor(), buf.remaining()); }
    // The same for the shared code (stubs, thunks), which uses xbyak's labels.
    void aim_shared(CodeBuffer& buf) { aim(buf.write_cursor(), buf.remaining()); }

    BlockLabels labels;
    BlockScratch scratch;
};

namespace {

// Where the stubs of the buffer whose code starts at `base` are.
SharedStubs stubs_at(const uint8_t* base, const std::array<uint32_t, 4>& exits) {
    SharedStubs stubs;
    stubs.enter = base;
    for (size_t i = 0; i < exits.size(); i++)
        stubs.exit[i] = base + exits[i];
    return stubs;
}

// A memory slow path's call, shared by every block of a buffer: the block hands over the
// address in rax and the other arguments in rdx and rcx; the thunk keeps the caller-saved
// registers the blocks allocate (all of them: cheaper in code than each site pushing its
// own), passes env and the address, and calls `fn`. About 15 bytes less per guest access.
// With `keep_vectors` it keeps the vector cache's registers too (whole, with AVX), for the
// blocks that have something cached there, and calls with the upper halves clean.
void assemble_thunk(HostAssembler& code, const uint8_t* at, const TargetInfo& target,
                    const void* fn, bool keep_vectors, bool avx) {
    static const Reg64 kKept[] = {rsi, rdi, r8, r9, r10, r11};
    constexpr int kVectorBytes = 32, kVectorArea = x64::VectorCache::kCount * kVectorBytes;
    // The cached registers to their slots below the saved GPRs, or back.
    auto move_vectors = [&](bool save) {
        for (int i = 0; keep_vectors && i < x64::VectorCache::kCount; i++) {
            const auto slot = ptr[rsp + i * kVectorBytes];
            const int reg = x64::VectorCache::kFirst + i;
            if (avx && save)
                code.vmovups(slot, Xbyak::Ymm(reg));
            else if (avx)
                code.vmovups(Xbyak::Ymm(reg), slot);
            else if (save)
                code.movups(slot, Xbyak::Xmm(reg));
            else
                code.movups(Xbyak::Xmm(reg), slot);
        }
    };
    for (const Reg64& r : kKept)
        code.push(r);
    // The call pushed 8, the six pushes 48: 8 more realigns to 16 (kVectorArea is 16s).
    code.sub(rsp, 8 + (keep_vectors ? kVectorArea : 0));
    move_vectors(true);
    if (keep_vectors && avx) code.vzeroupper();
    code.mov(rsi, rax);
    emit_fp_settle_if_unsettled(code, target);  // the callee may fault, or look
    code.lea(rdi, ptr[env_at(0)]);
    emit_host_call(code, at, fn, r11);
    move_vectors(false);
    code.add(rsp, 8 + (keep_vectors ? kVectorArea : 0));
    for (int i = int(std::size(kKept)) - 1; i >= 0; i--)
        code.pop(kKept[i]);
    code.ret();
}

// The settle subroutine blocks call before a helper when they cannot know whether a block
// before left MXCSR flags unsettled.
void assemble_fp_settle(HostAssembler& code, const TargetInfo& target) {
    emit_fp_settle_if_unsettled(code, target);
    code.ret();
}

// Assembles one shared piece of code at buf's cursor and commits it; null if it does not fit.
template <class Assemble>
const uint8_t* assemble_shared(BlockAssembler& code, CodeBuffer& buf, Assemble assemble) {
    code.aim_shared(buf);
    const uint8_t* at = buf.executable_cursor();
    assemble(at);
    if (Xbyak::GetError() != Xbyak::ERR_NONE) {
        Xbyak::ClearError();
        return nullptr;
    }
    buf.commit(code.getSize());
    return at;
}

bool emit_stubs(CodeBuffer& buf, BlockAssembler& code) {
    return assemble_shared(code, buf, [&](const uint8_t*) { assemble_stubs(code); }) != nullptr;
}

}  // namespace

X86Backend::~X86Backend() = default;

// The slow-path thunks of f's target in buf, assembled the first time a block needs them.
bool X86Backend::ensure_thunks(const Function& f, CodeBuffer& buf) {
    const TargetInfo& t = f.target();
    BlockAssembler& code = *assembler_;
    auto ensure = [&](const void* fn, bool vectors, auto assemble) {
        for (const Thunk& k : thunks_)
            if (k.buffer == buf.executable_base() && k.fn == fn && k.keeps_vectors == vectors)
                return true;
        const uint8_t* at = assemble_shared(code, buf, assemble);
        if (at) thunks_.push_back({buf.executable_base(), fn, vectors, at});
        return at != nullptr;
    };
    const void* fns[] = {reinterpret_cast<const void*>(t.guest_load),
                         reinterpret_cast<const void*>(t.guest_store),
                         reinterpret_cast<const void*>(t.guest_load_vector),
                         reinterpret_cast<const void*>(t.guest_store_vector)};
    for (const void* fn : fns)
        for (const bool vectors : {false, true})
            if (fn && !ensure(fn, vectors, [&](const uint8_t* at) {
                    assemble_thunk(code, at, t, fn, vectors, avx_);
                }))
                return false;
    return ensure(nullptr, false, [&](const uint8_t*) { assemble_fp_settle(code, t); });
}

X86Backend::X86Backend() : X86Backend(host_has_avx()) {}

X86Backend::X86Backend(bool use_avx)
    : has_popcnt_(Xbyak::util::Cpu().has(Xbyak::util::Cpu::tPOPCNT)),
      avx_(use_avx),
      assembler_(std::make_unique<BlockAssembler>()) {
    CodeGenerator layout;  // assembled only to learn the offsets
    stub_exits_ = assemble_stubs(layout);
}

void patch_chain(CodeBuffer& buf, const CompiledBlock& from, unsigned slot,
                 const CompiledBlock* to) {
    uint32_t site = from.jump_rel32[slot];
    if (site == CompiledBlock::kNoJump) return;
    const uint8_t* code = from.code();
    const uint8_t* next = code + site + 4;  // rel32 counts from the end of the jump
    const bool loops = to == &from && (from.loop_slots >> slot & 1);
    const uint8_t* target = to ? to->code() + (loops ? from.loop_entry : 0) : next;
    int32_t rel = int32_t(target - next);
    __atomic_store_n(reinterpret_cast<int32_t*>(buf.writable_alias(code + site)), rel,
                     __ATOMIC_RELEASE);
}

bool X86Backend::compile(const Function& f, CodeBuffer& buf, CompiledBlock& out, uint64_t tag) {
    BlockAssembler& code = *assembler_;
    x64::RegCache::Memory& regs = code.scratch.regs;
    if (f.target().globals.size() > RegCache::kMaxGlobals) return false;
    const std::optional<uint32_t> locals = assign_homes(f, regs);
    if (!locals) return false;
    if (!has_popcnt_ && uses(f, Opc::ctpop)) return false;
    if (buf.used() == 0) {
        std::erase_if(thunks_, [&](const Thunk& t) { return t.buffer == buf.executable_base(); });
        current_buffer_ = nullptr;
        if (!emit_stubs(buf, code)) return false;
    }
    if (buf.executable_base() != current_buffer_ || &f.target() != current_target_) {
        if (!ensure_thunks(f, buf)) return false;
        current_thunks_.clear();
        for (const Thunk& t : thunks_)
            if (t.buffer == buf.executable_base()) current_thunks_.push_back(t);
        current_buffer_ = buf.executable_base();
        current_target_ = &f.target();
    }

    last_uses(f, regs.last_use, code.scratch.label_seen);
    x64::probe_group_slots(f.target(), *locals, code.scratch.probe_slots);
    share_probes(f, x64::probe_supported(f.target().tlb), code.scratch.probe_slots,
                 code.scratch.probe_shares, code.scratch.probe_sharing);
    global_deaths(f, regs.global_deaths, regs.overwritten, code.scratch.label_seen);
    code.aim_block(buf);
    SharedStubs stubs = stubs_at(buf.executable_base(), stub_exits_);
    stubs.thunks = current_thunks_;
    BlockCompiler block(code, f, code.scratch, code.labels, buf.executable_cursor(), stubs, avx_);
    block.set_tag(tag);
    const bool complete = block.emit();
    if (!complete || Xbyak::GetError() != Xbyak::ERR_NONE) {
        Xbyak::ClearError();
        return false;
    }
    out.jump_rel32[0] = block.jump_rel32(0);
    out.jump_rel32[1] = block.jump_rel32(1);
    out.loop_slots = block.loop_slots();
    out.loop_entry = block.loop_entry();
    out.code_size = uint32_t(code.getSize());
    const auto* at = static_cast<const uint8_t*>(buf.commit(out.code_size));
    out.enter = reinterpret_cast<CompiledBlock::Enter>(const_cast<uint8_t*>(stubs.enter));
    out.code_offset = uint32_t(at - stubs.enter);
    return true;
}

}  // namespace kemu::tcg
