#include "tcg/backend_x86_64.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "tcg/backend_x86_64_labels.h"
#include "tcg/backend_x86_64_liveness.h"
#include "tcg/backend_x86_64_regs.h"
#include "tcg/backend_x86_64_vregs.h"
#include "tcg/vfp.h"

namespace kemu::tcg {

namespace {

using Xbyak::CodeGenerator;
using Xbyak::Operand;
using Xbyak::Reg;
using Xbyak::Reg64;
using namespace Xbyak::util;
using x64::Alu;
using x64::assign_homes;
using x64::BlockLabels;
using x64::Cc;
using x64::env_at;
using x64::env_mem;
using x64::global_deaths;
using x64::HostAssembler;
using x64::kEnvBias;
using x64::last_uses;
using x64::Mem;
using x64::RegCache;
using x64::RegSet;
using x64::Shift;
using x64::uses;

// The emitter's scratch registers (never allocated), by encoding number for HostAssembler.
constexpr int kRax = Operand::RAX, kRcx = Operand::RCX, kRdx = Operand::RDX;

// The vfp ops' instructions, in vfp_op order (tcg/vfp.h).
using VfpInsn = void (CodeGenerator::*)(const Xbyak::Xmm&, const Operand&);
constexpr VfpInsn kVfpInsns[kVfpOpCount] = {
    &CodeGenerator::addss,  &CodeGenerator::addsd,  &CodeGenerator::addps,  &CodeGenerator::addpd,
    &CodeGenerator::subss,  &CodeGenerator::subsd,  &CodeGenerator::subps,  &CodeGenerator::subpd,
    &CodeGenerator::mulss,  &CodeGenerator::mulsd,  &CodeGenerator::mulps,  &CodeGenerator::mulpd,
    &CodeGenerator::divss,  &CodeGenerator::divsd,  &CodeGenerator::divps,  &CodeGenerator::divpd,
    &CodeGenerator::minss,  &CodeGenerator::minsd,  &CodeGenerator::minps,  &CodeGenerator::minpd,
    &CodeGenerator::maxss,  &CodeGenerator::maxsd,  &CodeGenerator::maxps,  &CodeGenerator::maxpd,
    &CodeGenerator::sqrtss, &CodeGenerator::sqrtsd, &CodeGenerator::sqrtps, &CodeGenerator::sqrtpd,
};

// Callee-saved registers the block uses (allocatable ones and env's r14), pushed in order.
const Reg64 kSaved[] = {rbx, rbp, r12, r13, r14, r15};
// SysV argument registers after env (rdi).
const Reg64 kArgs[] = {rsi, rdx, rcx, r8};

// A register at the op's width: 32-bit forms zero-extend, which is the IR's i32 rule.
Reg sized(const Reg64& r, Type t) {
    if (t == Type::I32) return r.cvt32();
    return r;
}

unsigned width(Type t) {
    return t == Type::I32 ? 32 : 64;
}

uint64_t width_mask(Type t) {
    return t == Type::I32 ? 0xffffffffull : ~0ull;
}

// x86 condition codes per IR condition (Always and Never are handled before these are used).
struct CondCode {
    Cc cc;
    void (CodeGenerator::*setcc)(const Operand&);
    void (CodeGenerator::*cmovcc)(const Reg&, const Operand&);
};
const CondCode kCondCodes[] = {
    {Cc::E, &CodeGenerator::sete, &CodeGenerator::cmove},     // Eq
    {Cc::NE, &CodeGenerator::setne, &CodeGenerator::cmovne},  // Ne
    {Cc::L, &CodeGenerator::setl, &CodeGenerator::cmovl},     // Lt
    {Cc::GE, &CodeGenerator::setge, &CodeGenerator::cmovge},  // Ge
    {Cc::LE, &CodeGenerator::setle, &CodeGenerator::cmovle},  // Le
    {Cc::G, &CodeGenerator::setg, &CodeGenerator::cmovg},     // Gt
    {Cc::B, &CodeGenerator::setb, &CodeGenerator::cmovb},     // Ltu
    {Cc::AE, &CodeGenerator::setae, &CodeGenerator::cmovae},  // Geu
    {Cc::BE, &CodeGenerator::setbe, &CodeGenerator::cmovbe},  // Leu
    {Cc::A, &CodeGenerator::seta, &CodeGenerator::cmova},     // Gtu
};
static_assert(std::size(kCondCodes) == size_t(Cond::Always));

// Two-operand ALU instructions with register and immediate forms.
struct AluForms {
    void (CodeGenerator::*rr)(const Operand&, const Operand&);
    void (CodeGenerator::*ri)(const Operand&, uint32_t);
};
AluForms alu_forms(Opc opc) {
    switch (opc) {
        case Opc::add:
            return {&CodeGenerator::add, &CodeGenerator::add};
        case Opc::sub:
            return {&CodeGenerator::sub, &CodeGenerator::sub};
        case Opc::and_:
            return {&CodeGenerator::and_, &CodeGenerator::and_};
        case Opc::or_:
            return {&CodeGenerator::or_, &CodeGenerator::or_};
        default:
            return {&CodeGenerator::xor_, &CodeGenerator::xor_};
    }
}

// Shift and rotate instructions by cl and by an immediate.
struct ShiftForms {
    void (CodeGenerator::*by_cl)(const Operand&, const Xbyak::Reg8&);
    void (CodeGenerator::*by_imm)(const Operand&, int);
};
ShiftForms shift_forms(Opc opc) {
    switch (opc) {
        case Opc::shl:
            return {&CodeGenerator::shl, &CodeGenerator::shl};
        case Opc::shr:
            return {&CodeGenerator::shr, &CodeGenerator::shr};
        case Opc::sar:
            return {&CodeGenerator::sar, &CodeGenerator::sar};
        case Opc::rotl:
            return {&CodeGenerator::rol, &CodeGenerator::rol};
        default:
            return {&CodeGenerator::ror, &CodeGenerator::ror};
    }
}

// The deposit op's field mask, computed exactly as the interpreter does.
uint64_t deposit_field(unsigned pos, unsigned len) {
    return len >= 64 ? ~0ull : ((1ull << len) - 1) << (pos & 63);
}

// Whether guest accesses probe the target's TLB inline: the page mask must fit a
// sign-extended 32-bit immediate, and a page must hold the widest access.
bool probe_supported(const TlbLayout& t) {
    return t.present && t.page_bits >= 3 && t.page_bits <= 31 && std::has_single_bit(t.entries);
}

bool host_has_avx() {
    static const bool avx = Xbyak::util::Cpu().has(Xbyak::util::Cpu::tAVX);
    return avx;
}

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

// The host's MXCSR flags (the vCPU keeps them a subset of the guest's, so they are the
// guest's plus what inline SIMD ops raised since) ORed into the guest's status word, and the
// unsettled byte cleared (TargetInfo::fp_unsettled_offset). The red zone below rsp holds the
// STMXCSR word; signal frames skip it. Uses rax.
void emit_fp_settle(HostAssembler& code, const TargetInfo& t) {
    code.stmxcsr(ptr[rsp - 8]);
    code.mov(eax, dword[rsp - 8]);
    code.and_(eax, 0x3f);
    code.or_(dword[env_at(t.fp_status_offset)], eax);
    code.mov(byte[env_at(t.fp_unsettled_offset)], 0);
}

// The same where the unsettled byte says a block left flags behind.
void emit_fp_settle_if_unsettled(HostAssembler& code, const TargetInfo& t) {
    Xbyak::Label settled;
    code.cmp(byte[env_at(t.fp_unsettled_offset)], 0);
    code.je(settled);
    emit_fp_settle(code, t);
    code.L(settled);
}

// Where a code buffer's shared entry and exit stubs are (emit_shared_stubs).
struct SharedStubs {
    const uint8_t* enter = nullptr;
    const uint8_t* exit[4] = {};  // by BlockExit
    // The slow-path thunks of each guest_load/guest_store/... function.
    std::span<const X86Backend::Thunk> thunks;
    const uint8_t* thunk(const void* fn, bool keeps_vectors) const {
        for (const X86Backend::Thunk& t : thunks)
            if (t.fn == fn && t.keeps_vectors == keeps_vectors) return t.code;
        return nullptr;
    }
    const uint8_t* fp_settle() const { return thunk(nullptr, false); }
};

}  // namespace

// Where the guest's MXCSR flags stand on the path being emitted.
enum class FpFlags : uint8_t {
    Settled,  // the host's MXCSR flags are all in the guest's status word
    Pending,  // this block's inline SIMD ops may have raised flags the status word lacks
    Unknown,  // a block before may have left some, as env's unsettled byte says
};

// A guest access's out-of-line slow path: taken on a TLB miss, it calls guest_load or
// guest_store with the main path's registers preserved and returns after the access.
struct SlowPath {
    BlockLabels::Id entry, resume;
    const void* fn;
    uint32_t memop;
    int addr, value;                    // registers; value only for a store
    int out;                            // a load's destination register, -1 for a store
    std::optional<uint32_t> vector_at;  // a vector access: its env offset
    bool keep_vectors = false;          // the vector cache holds values: the thunk saves them
    bool clean_upper = false;           // else VZEROUPPER before the call, for compiled code
    int reload_vector = -1;  // a vector load's cached register, loaded from env after the call
    // Dirty globals the callee may read: BlockScratch::slow_globals[globals, globals_end).
    uint32_t globals = 0, globals_end = 0;
    FpFlags fp = FpFlags::Settled;  // at the access: the callee may fault or look
};

// Working memory for compiling a block, kept from block to block by the BlockAssembler.
struct BlockScratch {
    x64::RegCache::Memory regs;
    std::vector<SlowPath> slow_paths;
    std::vector<x64::RegCache::HomeStore> slow_globals;
    std::vector<bool> label_seen;
};

namespace {

class BlockCompiler {
  public:
    // `at` is the executable address the block's first byte will have; `stubs` those of the
    // code buffer's shared entry and exits.
    // `scratch.regs` has f's homes, last uses and global deaths filled in.
    BlockCompiler(HostAssembler& code, const Function& f, BlockScratch& scratch,
                  BlockLabels& labels, const uint8_t* at, const SharedStubs& stubs)
        : c_(code),
          f_(f),
          regs_(code, f, scratch.regs),
          labels_(labels),
          scratch_(scratch),
          slow_paths_(scratch.slow_paths),
          probe_(probe_supported(f.target().tlb)),
          vectors_(code, host_has_avx()),
          at_(at),
          stubs_(stubs) {}

    // The shared entry builds the frame and jumps here, as a chained block does (with env in
    // r14); every exit leaves through a shared stub that takes the frame down again.
    // False when a jump was left without a target.
    bool emit() {
        labels_.reset(f_.label_count());
        slow_paths_.clear();
        scratch_.slow_globals.clear();
        fp_flags_ = FpFlags::Unknown;
        tag_stub_ = labels_.make();
        const TargetInfo& t = f_.target();
        if (t.chaining) {
            c_.cmp(dword[env_at(t.chain_break_offset)], 0);
            jump_to(stubs_.exit[size_t(BlockExit::Exit)], 0x85);  // jne
        }
        const std::vector<Op>& ops = f_.ops();
        for (uint32_t i = 0; i < ops.size(); i++) {
            regs_.begin_op(i);
            emit_op(ops[i]);
        }
        // A block that runs off its end leaves like exit_tb.
        regs_.begin_op(uint32_t(ops.size()));
        leave_fp_flags();
        vectors_.clean_upper();
        leave(BlockExit::Exit);
        for (SlowPath& slow : slow_paths_)
            emit_slow_path(slow);
        emit_tag_stub();
        return labels_.resolve();
    }

  private:
    const Temp& temp(TempId t) const { return f_.temp(t); }

    // Temp t as a 32-bit immediate for an op of `type`, when the instruction's immediate
    // form computes the same thing (i32 ops see only the low half; i64 sign-extends).
    bool as_imm(TempId t, Type type, uint32_t& imm) const {
        if (temp(t).kind != TempKind::Const) return false;
        const uint64_t v = temp(t).value;
        if (type == Type::I64 && int64_t(v) != int64_t(int32_t(uint32_t(v)))) return false;
        imm = uint32_t(v);
        return true;
    }

    // d = a before an instruction that updates d in place (and so sets its upper half).
    void copy_for_update(const Reg& d, const Reg& a) {
        if (d.getIdx() != a.getIdx()) c_.mov(d, a);
    }

    // `cmp a, b` at the op's width.
    void compare(Type type, TempId a, TempId b) {
        const Reg ra = sized(regs_.use(a), type);
        uint32_t imm;
        if (as_imm(b, type, imm))
            c_.cmp(ra, imm);
        else
            c_.cmp(ra, sized(regs_.use(b), type));
    }

    // A jump another block's entry can be patched into; until then it goes to the next
    // instruction (the exit). Padding puts its rel32 on a 4-byte boundary so a patch is
    // one atomic store.
    void chain_jump(uint32_t slot) {
        if (!f_.target().chaining || slot > 1) return;
        regs_.write_back(0, true);
        while ((c_.getSize() + 1) % 4)
            c_.nop();
        c_.db(0xe9);
        jump_rel32_[slot] = uint32_t(c_.getSize());
        c_.dd(0);
    }

  public:
    void set_tag(uint64_t tag) { tag_ = tag; }
    uint32_t jump_rel32(unsigned slot) const { return jump_rel32_[slot]; }

  private:
    // An indirect branch asks the target for the next block and jumps straight into it
    // (same frame, env in r14); without an answer it leaves to the exec loop.
    void jump_through_cache(uint32_t index) {
        const TargetInfo& t = f_.target();
        if (!t.chaining || !t.goto_ptr_target) return;
        regs_.write_back(x64::kCallerSaved, true);
        regs_.forget(x64::kCallerSaved, false);
        if (t.fast_jumps.present && f_.fast_jump_key()) {
            if (next_pc_)
                probe_fast_jump_at(*next_pc_, *f_.fast_jump_key());
            else
                probe_fast_jumps(*f_.fast_jump_key(), next_pc_register(index));
        }
        store_tag();  // goto_ptr_target reads which block is asking
        c_.lea(rdi, ptr[env_at(0)]);
        call_host(reinterpret_cast<const void*>(t.goto_ptr_target));
        const BlockLabels::Id miss = labels_.make();
        c_.test(rax, rax);
        labels_.jcc(Cc::E, miss);
        c_.jmp(rax);
        labels_.bind(miss);
    }

    // The fast jump cache's entry for the next PC (TargetInfo::fast_jumps), entered without
    // a call when it matches; anything else falls through to the call.
    // `pc_in`: a register that holds the next PC, or -1 to load it from env.
    void probe_fast_jumps(uint32_t key, int pc_in) {
        const FastJumpLayout& j = f_.target().fast_jumps;
        static_assert(sizeof(FastJump) == 32);
        const BlockLabels::Id miss = labels_.make();
        if (pc_in >= 0)
            c_.mov(kRax, pc_in);
        else
            c_.mov(rax, qword[env_at(j.pc_offset)]);
        c_.mov(rcx, rax);
        c_.shr(rcx, int(j.bits));
        c_.xor_(rcx, rax);
        c_.and_(ecx, (1u << j.bits) - 1);
        c_.shl(ecx, 5);
        c_.lea(rcx, ptr[env_at(j.offset) + rcx]);
        c_.cmp(rax, qword[rcx + offsetof(FastJump, pc)]);
        labels_.jcc(Cc::NE, miss);
        c_.mov(rax, qword[env_at(j.key_offset)]);
        c_.or_(rax, key);
        c_.cmp(rax, qword[rcx + offsetof(FastJump, key)]);
        labels_.jcc(Cc::NE, miss);
        c_.mov(rax, qword[rcx + offsetof(FastJump, valid)]);
        c_.cmp(byte[rax], 0);
        labels_.jcc(Cc::E, miss);
        c_.jmp(qword[rcx + offsetof(FastJump, code)]);
        labels_.bind(miss);
    }

    // probe_fast_jumps for a next PC known now (a direct jump into another page, which is
    // never chained): its entry's place is a constant, and the PC an immediate.
    void probe_fast_jump_at(uint64_t pc, uint32_t key) {
        const FastJumpLayout& j = f_.target().fast_jumps;
        const uint64_t index = (pc ^ pc >> j.bits) & ((1u << j.bits) - 1);
        const uint32_t entry = j.offset + uint32_t(index * sizeof(FastJump));
        auto field = [&](size_t offset) { return qword[env_at(entry + uint32_t(offset))]; };
        const BlockLabels::Id miss = labels_.make();
        if (int64_t(pc) == int64_t(int32_t(uint32_t(pc)))) {
            c_.cmp(field(offsetof(FastJump, pc)), uint32_t(pc));
        } else {
            c_.mov(rax, pc);
            c_.cmp(rax, field(offsetof(FastJump, pc)));
        }
        labels_.jcc(Cc::NE, miss);
        c_.mov(rax, qword[env_at(j.key_offset)]);
        c_.or_(rax, key);
        c_.cmp(rax, field(offsetof(FastJump, key)));
        labels_.jcc(Cc::NE, miss);
        c_.mov(rax, field(offsetof(FastJump, valid)));
        c_.cmp(byte[rax], 0);
        labels_.jcc(Cc::E, miss);
        c_.jmp(field(offsetof(FastJump, code)));
        labels_.bind(miss);
    }

    // The block's tag goes into env only where someone may read it: before a call, on a
    // memory slow path and on the way out. A chain of blocks that stays in JIT code (a loop)
    // stores none; the exec loop set the first block's before entering it.
    void store_tag() {
        if (!f_.target().chaining || tag_stored_) return;
        labels_.call(tag_stub_);
        tag_stub_used_ = true;
        tag_stored_ = true;
    }

    // The store itself is a subroutine after the block's code: 5 bytes a call where it was 17
    // inline, and a block stores its tag in three or four places (exits, calls, slow paths).
    void emit_tag_stub() {
        if (!tag_stub_used_) return;
        labels_.bind(tag_stub_);
        c_.mov(rax, tag_);
        c_.mov(qword[env_at(f_.target().block_tag_offset)], rax);
        c_.ret();
    }

    void leave(BlockExit exit) {
        regs_.write_back(0, true);
        store_tag();
        jump_to(stubs_.exit[size_t(exit)]);
    }

    // A jump (or, with `condition`, the 0F-prefixed jcc) to code outside this block. The
    // block is assembled in the buffer's write view, so the displacement is worked out from
    // the executable address it will run at.
    void jump_to(const uint8_t* target, int condition = -1) {
        const size_t length = condition >= 0 ? 6 : 5;
        const uint32_t rel = uint32_t(int32_t(target - (at_ + c_.getSize() + length)));
        if (condition >= 0)
            c_.op_rel32({0x0f, uint8_t(condition)}, rel);
        else
            c_.op_rel32({0xe9}, rel);
    }

    void call_host(const void* fn) { emit_host_call(c_, at_, fn, rax); }

    // Calls fn(env, args..., imm) at op `index`; `imm` follows the temps when given, and
    // arguments up to `zeroed` are zero (as the interpreter passes them). Globals are
    // written home first when the callee may see them, and re-read afterwards when it may
    // change them; values in caller-saved registers are saved home if still needed.
    void call(uint32_t index, const void* fn, std::span<const uint32_t> args,
              std::initializer_list<uint32_t> imms, unsigned zeroed, bool sees_globals,
              bool writes_globals) {
        regs_.begin_op(index + 1);  // arguments used for the last time need not be saved
        store_tag();
        make_fp_flags_current();
        vectors_.clean_upper();
        vectors_.forget();
        regs_.write_back(x64::kCallerSaved, sees_globals);
        // Argument registers are filled from registers, env or constants without clobbering
        // a source: rdx and rcx never are one, so they go first; r8 goes through rax so that
        // rsi and r8 may trade values.
        const unsigned n = unsigned(args.size());
        for (unsigned i = 1; i < n && i < 3; i++)
            regs_.load_into(kArgs[i], args[i]);
        if (n > 3) regs_.load_into(rax, args[3]);
        if (n > 0) regs_.load_into(rsi, args[0]);
        if (n > 3) c_.mov(r8, rax);
        unsigned next = n;
        for (uint32_t imm : imms)
            c_.mov(kArgs[next++].cvt32(), imm);
        for (; next < zeroed; next++)
            c_.mov(kArgs[next].cvt32(), 0u);
        regs_.forget(x64::kCallerSaved, false);
        c_.lea(rdi, ptr[env_at(0)]);
        call_host(fn);
        regs_.forget(0, writes_globals);
    }

    // The displacement from env to the tags and addend of MMU index `mmu`'s entry 0, when
    // it fits an instruction's 32-bit displacement.
    std::optional<int32_t> tlb_displacement(unsigned mmu) const {
        const TlbLayout& t = f_.target().tlb;
        const uint64_t last = std::max({t.read_tag, t.write_tag, t.addend});
        const uint64_t base = t.offset + uint64_t(mmu) * t.mmu_stride;
        if (base + last > uint64_t(INT32_MAX)) return std::nullopt;
        return int32_t(base);
    }

    // The softmmu fast path's test (target-x86/tcg/softmmu.cpp): the entry's tag equals
    // addr's page and the access stays within the page. Leaves the host address's addend
    // in rax on a hit; jumps to `miss` otherwise. Uses rax and rcx.
    void probe_tlb(const Reg64& addr, MemOp mop, bool write, int32_t base, BlockLabels::Id miss) {
        const TlbLayout& t = f_.target().tlb;
        const uint32_t page = 1u << t.page_bits;
        const int a = addr.getIdx();
        // rax = the entry's byte offset within its MMU's table.
        c_.mov(kRax, a);
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
        auto entry = [&](uint32_t field) {
            Mem m = env_mem(int64_t(base) + field);
            m.index = kRax;
            return m;
        };
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
        c_.cmp(kRcx, entry(write ? t.write_tag : t.read_tag));
        labels_.jcc(Cc::NE, miss);
        c_.load(kRax, entry(t.addend));
    }

    // guest_ld/guest_st with an inline TLB probe. Only the miss calls out, from a slow path
    // after the block's code that stores dirty globals home (the callee may read them, and
    // a fault unwinds to an exception handler that reads them from env) and keeps the
    // caller-saved registers, so both paths leave the register cache in the same state.
    void guest_access(const Op& op, const void* fn, bool store) {
        const MemOp mop{op.constant(0)};
        const int32_t base = *tlb_displacement(mop.mmu_idx());
        SlowPath& slow = new_slow_path();
        slow.fn = fn;
        slow.memop = mop.bits;
        const Reg64 addr = regs_.use(op.input(store ? 1 : 0));
        const Reg64 value = store ? regs_.use(op.input(0)) : addr;
        // Before the destination is defined: a global's old value is what the callee sees.
        dirty_globals_for(slow);
        slow.fp = fp_flags_;
        const Reg64 out = store ? rax : regs_.def(op.output(0));
        slow.addr = addr.getIdx();
        slow.value = value.getIdx();
        slow.out = store ? -1 : out.getIdx();
        probe_tlb(addr, mop, store, base, slow.entry);
        const Xbyak::RegExp host = addr + rax;
        if (store)
            store_host(host, value, mop.size());
        else
            load_host(out, host, mop);
        labels_.bind(slow.resume);
    }

    // guest_ld_vec/guest_st_vec: 16 or 32 bytes between guest memory and env after one
    // probe, through a cached register where the size allows; the slow path hands the whole
    // access to the target.
    void guest_vector_access(const Op& op, bool store) {
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
        // A store's value goes into its register before the paths part, so both have it.
        const int value = store && cached ? vectors_.load(at, size) : -1;
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
            if (!store) vectors_.written(at, size);
        } else if (store) {
            move_vector(ptr[host], value, size);
        } else {
            const int reg = vectors_.claim(at, size);
            move_vector(reg, ptr[host], size);
            move_vector(ptr[env_at(at)], reg, size);
            slow.reload_vector = reg;  // the slow path's callee loaded env instead
        }
        labels_.bind(slow.resume);
    }

    // A vector load or store of `size` bytes (16 or 32) between register `reg` and memory.
    void move_vector(int reg, const Xbyak::Address& from, unsigned size) {
        if (size == 32)
            c_.vmovups(Xbyak::Ymm(reg), from);
        else if (host_has_avx())
            c_.vmovups(Xbyak::Xmm(reg), from);
        else
            c_.movups(Xbyak::Xmm(reg), from);
    }
    void move_vector(const Xbyak::Address& to, int reg, unsigned size) {
        if (size == 32)
            c_.vmovups(to, Xbyak::Ymm(reg));
        else if (host_has_avx())
            c_.vmovups(to, Xbyak::Xmm(reg));
        else
            c_.movups(to, Xbyak::Xmm(reg));
    }

    // A guest load's value as guest_load returns it: zero- or sign-extended to 64 bits.
    void load_host(const Reg64& d, const Xbyak::RegExp& host, MemOp mop) {
        const bool sign = mop.sign();
        switch (mop.size()) {
            case 1:
                if (sign)
                    c_.movsx(d, c_.byte[host]);
                else
                    c_.movzx(d.cvt32(), c_.byte[host]);
                return;
            case 2:
                if (sign)
                    c_.movsx(d, c_.word[host]);
                else
                    c_.movzx(d.cvt32(), c_.word[host]);
                return;
            case 4:
                if (sign)
                    c_.movsxd(d, c_.dword[host]);
                else
                    c_.mov(d.cvt32(), c_.dword[host]);
                return;
            default:
                c_.mov(d, c_.qword[host]);
                return;
        }
    }

    void store_host(const Xbyak::RegExp& host, const Reg64& v, unsigned size) {
        switch (size) {
            case 1:
                c_.mov(c_.byte[host], v.cvt8());
                return;
            case 2:
                c_.mov(c_.word[host], v.cvt16());
                return;
            case 4:
                c_.mov(c_.dword[host], v.cvt32());
                return;
            default:
                c_.mov(c_.qword[host], v);
                return;
        }
    }

    void emit_slow_path(SlowPath& slow) {
        labels_.bind(slow.entry);
        if (f_.target().chaining) {  // the access may fault, or find its own code written
            labels_.call(tag_stub_);
            tag_stub_used_ = true;
        }
        // The thunk settles what the unsettled byte says is left.
        if (slow.fp == FpFlags::Pending) mark_fp_unsettled();
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
            move_vector(slow.reload_vector, ptr[env_at(*slow.vector_at)], MemOp{slow.memop}.size());
        labels_.jmp(slow.resume);
    }

    // The dirty globals as they are now, for `slow` to store before its call.
    void dirty_globals_for(SlowPath& slow) {
        slow.globals = uint32_t(scratch_.slow_globals.size());
        regs_.dirty_globals(scratch_.slow_globals);
        slow.globals_end = uint32_t(scratch_.slow_globals.size());
    }

    SlowPath& new_slow_path() {
        SlowPath& slow = slow_paths_.emplace_back();
        slow.entry = labels_.make();
        slow.resume = labels_.make();
        slow.keep_vectors = !vectors_.empty();
        slow.clean_upper = vectors_.upper_dirty();
        return slow;
    }

    // Whether a guest access gets the inline TLB probe rather than a plain call.
    bool probes(const Op& op) const {
        return probe_ && tlb_displacement(MemOp{op.constant(0)}.mmu_idx()).has_value();
    }

    void call_helper(const Op& op, uint32_t index) {
        const HelperInfo& h = f_.target().helpers[op.constant(0)];
        const bool globals = !(h.flags & kHelperNoGlobals);
        const std::span<const uint32_t> inputs(op.args.data() + 1, op.info().inputs);
        call(index, reinterpret_cast<const void*>(h.fn), inputs, {}, 4, globals, globals);
        c_.mov(regs_.def(op.output(0)), rax);
    }

    void binary_alu(const Op& op) {
        const Type t = op.type;
        // A constant goes to the right of a commutative operation, where it can be an immediate.
        TempId left = op.input(0), right = op.input(1);
        if (op.opc != Opc::sub && temp(left).kind == TempKind::Const) std::swap(left, right);
        const Reg64 a = regs_.use(left);
        uint32_t imm;
        const bool is_imm = op.opc != Opc::mul && as_imm(right, t, imm);
        const Reg64 b = is_imm ? rax : regs_.use(right);
        const Reg d = sized(regs_.def_over(op.output(0), left), t);
        // d = a + imm in one instruction when d is another register (LEA sets no flags,
        // which nothing here needs).
        if (is_imm && d.getIdx() != a.getIdx() && (op.opc == Opc::add || op.opc == Opc::sub)) {
            const int32_t delta = op.opc == Opc::add ? int32_t(imm) : -int32_t(imm);
            if (op.opc == Opc::add || imm != 0x80000000u) {
                c_.lea(d, c_.ptr[a + delta]);
                return;
            }
        }
        copy_for_update(d, sized(a, t));
        if (op.opc == Opc::mul)
            c_.imul(d, sized(b, t));
        else if (is_imm)
            (c_.*alu_forms(op.opc).ri)(d, imm);
        else
            (c_.*alu_forms(op.opc).rr)(d, sized(b, t));
    }

    void shift(const Op& op) {
        const Type t = op.type;
        const Reg64 a = regs_.use(op.input(0));
        const ShiftForms forms = shift_forms(op.opc);
        if (temp(op.input(1)).kind == TempKind::Const) {
            const int n = int(temp(op.input(1)).value & (width(t) - 1));
            const Reg d = sized(regs_.def_over(op.output(0), op.input(0)), t);
            // A 32-bit shift of d itself clears d's upper half as the copy would; by 0, the
            // copy does it.
            if (d.getIdx() != a.getIdx() || n == 0) c_.mov(d, sized(a, t));
            if (n) (c_.*forms.by_imm)(d, n);
            return;
        }
        const Reg64 b = regs_.use(op.input(1));
        const Reg d = sized(regs_.def_over(op.output(0), op.input(0)), t);
        c_.mov(ecx, b.cvt32());
        copy_for_update(d, sized(a, t));
        (c_.*forms.by_cl)(d, cl);
    }

    void mul2(const Op& op) {
        const Type t = op.type;
        const Reg64 a = regs_.use(op.input(0));
        const Reg64 b = regs_.use(op.input(1));
        c_.mov(sized(rax, t), sized(a, t));
        if (op.opc == Opc::mulu2)
            c_.mul(sized(b, t));
        else
            c_.imul(sized(b, t));
        c_.mov(regs_.def(op.output(0)), rax);
        c_.mov(regs_.def(op.output(1)), rdx);
    }

    // clz/ctz: bsr/bsf leave ZF set for a zero input, which takes the fallback b instead.
    void count_zeros(const Op& op) {
        const Type t = op.type;
        const Reg64 a = regs_.use(op.input(0));
        const Reg64 b = regs_.use(op.input(1));
        const Reg64 d = regs_.def(op.output(0));
        c_.mov(d, b);
        if (op.opc == Opc::ctz) {
            c_.bsf(sized(rax, t), sized(a, t));
            c_.cmovnz(d, rax);
            return;
        }
        const BlockLabels::Id zero = labels_.make();
        c_.bsr(sized(rcx, t), sized(a, t));
        labels_.jcc(Cc::E, zero);
        c_.mov(eax, width(t) - 1);
        c_.sub(eax, ecx);
        c_.mov(d, rax);
        labels_.bind(zero);
    }

    void bswap(const Op& op) {
        const Reg64 a = regs_.use(op.input(0));
        const Reg64 d = regs_.def(op.output(0));
        switch (op.constant(0)) {
            case 2:
                c_.movzx(eax, a.cvt16());
                c_.rol(ax, 8);
                c_.movzx(d.cvt32(), ax);
                return;
            case 4:
                c_.mov(eax, a.cvt32());
                c_.bswap(eax);
                c_.mov(d.cvt32(), eax);
                return;
            default:
                c_.mov(rax, a);
                c_.bswap(rax);
                c_.mov(sized(d, op.type), sized(rax, op.type));
                return;
        }
    }

    void extend(const Op& op) {
        const Reg64 a = regs_.use(op.input(0));
        const Reg64 d = regs_.def_over(op.output(0), op.input(0));
        const bool i64 = op.type == Type::I64;
        switch (op.opc) {
            case Opc::ext8s:
                c_.movsx(sized(d, op.type), a.cvt8());
                return;
            case Opc::ext8u:
                c_.movzx(d.cvt32(), a.cvt8());
                return;
            case Opc::ext16s:
                c_.movsx(sized(d, op.type), a.cvt16());
                return;
            case Opc::ext16u:
                c_.movzx(d.cvt32(), a.cvt16());
                return;
            case Opc::ext32s:
                if (i64)
                    c_.movsxd(d, a.cvt32());
                else
                    c_.mov(d.cvt32(), a.cvt32());
                return;
            default:  // ext32u
                c_.mov(d.cvt32(), a.cvt32());
                return;
        }
    }

    void deposit(const Op& op) {
        const unsigned pos = op.constant(0), len = op.constant(1);
        const uint64_t field = deposit_field(pos, len) & width_mask(op.type);
        const Reg64 a = regs_.use(op.input(0));
        const Reg64 b = regs_.use(op.input(1));
        const Reg64 d = regs_.def(op.output(0));
        c_.mov(rdx, b);
        if (pos & 63) c_.shl(rdx, int(pos & 63));
        c_.mov(rcx, field);
        c_.and_(rdx, rcx);
        c_.mov(rcx, ~deposit_field(pos, len) & width_mask(op.type));
        c_.and_(rcx, a);
        c_.or_(rcx, rdx);
        c_.mov(d, rcx);
    }

    void extract(const Op& op) {
        const unsigned pos = op.constant(0), len = op.constant(1);
        const Reg64 a = regs_.use(op.input(0));
        const Reg64 d = regs_.def_over(op.output(0), op.input(0));
        copy_for_update(d, a);
        if (pos & 63) c_.shr(d, int(pos & 63));
        if (len >= 64) return;
        if (len == 32) {
            c_.mov(d.cvt32(), d.cvt32());
        } else if (len < 32) {
            c_.and_(d, uint32_t((1ull << len) - 1));
        } else {
            c_.mov(rax, (1ull << len) - 1);
            c_.and_(d, rax);
        }
    }

    void setcond(const Op& op) {
        const Cond cond = Cond(op.constant(0));
        if (cond == Cond::Always || cond == Cond::Never) {
            c_.mov(regs_.def(op.output(0)).cvt32(), cond == Cond::Always ? 1u : 0u);
            return;
        }
        compare(op.type, op.input(0), op.input(1));
        (c_.*kCondCodes[size_t(cond)].setcc)(al);
        c_.movzx(regs_.def(op.output(0)).cvt32(), al);
    }

    void movcond(const Op& op) {
        const Cond cond = Cond(op.constant(0));
        if (cond == Cond::Always || cond == Cond::Never) {
            const Reg64 v = regs_.use(op.input(cond == Cond::Always ? 2 : 3));
            c_.mov(regs_.def(op.output(0)), v);
            return;
        }
        const Reg64 a = regs_.use(op.input(0));
        const Reg64 b = regs_.use(op.input(1));
        const Reg64 v1 = regs_.use(op.input(2));
        const Reg64 v2 = regs_.use(op.input(3));
        const Reg64 d = regs_.def(op.output(0));
        c_.mov(d, v2);
        c_.cmp(sized(a, op.type), sized(b, op.type));
        (c_.*kCondCodes[size_t(cond)].cmovcc)(d, v1);
    }

    void brcond(const Op& op, uint32_t index) {
        const Cond cond = Cond(op.constant(0));
        if (cond == Cond::Never) return;
        const BlockLabels::Id target = op.constant(1);
        if (cond == Cond::Always) {
            regs_.write_back(x64::kAllocatable, true);
            labels_.jmp(target);
            return;
        }
        const Reg64 a = regs_.use(op.input(0));
        uint32_t imm;
        const bool is_imm = as_imm(op.input(1), op.type, imm);
        const Reg64 b = is_imm ? rax : regs_.use(op.input(1));
        // Values live at the target go home (mov leaves the flags alone, but compare after).
        regs_.begin_op(index + 1);
        regs_.write_back(x64::kAllocatable, true);
        if (is_imm)
            c_.cmp(sized(a, op.type), imm);
        else
            c_.cmp(sized(a, op.type), sized(b, op.type));
        labels_.jcc(kCondCodes[size_t(cond)].cc, target);
    }

    // Env loads and stores of `size` bytes at `offset`; globals there are kept coherent.
    void env_load(const Op& op, unsigned size, bool sign) {
        const uint32_t offset = op.constant(0);
        regs_.alias_env(offset, size, false);
        const Reg64 d = regs_.def(op.output(0));
        switch (size) {
            case 1:
                c_.movzx(d.cvt32(), c_.byte[env_at(offset)]);
                return;
            case 2:
                c_.movzx(d.cvt32(), c_.word[env_at(offset)]);
                return;
            case 4:
                if (sign && op.type == Type::I64)
                    c_.movsxd(d, c_.dword[env_at(offset)]);
                else
                    c_.mov(d.cvt32(), c_.dword[env_at(offset)]);
                return;
            default:
                c_.mov(d, c_.qword[env_at(offset)]);
                return;
        }
    }

    void env_store(const Op& op, unsigned size) {
        const uint32_t offset = op.constant(0);
        vectors_.written(offset, size);
        // A constant goes in as the instruction's immediate (sign-extended for 8 bytes).
        const Temp& value = temp(op.input(0));
        if (writes_next_pc(offset, size))
            next_pc_ = size == 8 && value.kind == TempKind::Const
                           ? std::optional<uint64_t>(value.value)
                           : std::nullopt;
        if (value.kind == TempKind::Const &&
            (size < 8 || int64_t(value.value) == int64_t(int32_t(uint32_t(value.value))))) {
            regs_.alias_env(offset, size, true);
            const uint32_t imm = uint32_t(value.value);
            switch (size) {
                case 1:
                    c_.mov(c_.byte[env_at(offset)], uint8_t(imm));
                    return;
                case 2:
                    c_.mov(c_.word[env_at(offset)], uint16_t(imm));
                    return;
                case 4:
                    c_.mov(c_.dword[env_at(offset)], imm);
                    return;
                default:  // as the sign-extended value, which Xbyak checks against imm32
                    c_.mov(c_.qword[env_at(offset)], uint64_t(int64_t(int32_t(imm))));
                    return;
            }
        }
        const Reg64 v = regs_.use(op.input(0));
        regs_.alias_env(offset, size, true);
        if (size == 8 && writes_next_pc(offset, size))
            next_pc_reg_ = {uint32_t(&op - f_.ops().data()), v.getIdx()};
        switch (size) {
            case 1:
                c_.mov(c_.byte[env_at(offset)], v.cvt8());
                return;
            case 2:
                c_.mov(c_.word[env_at(offset)], v.cvt16());
                return;
            case 4:
                c_.mov(c_.dword[env_at(offset)], v.cvt32());
                return;
            default:
                c_.mov(c_.qword[env_at(offset)], v);
                return;
        }
    }

    // vfp ops: legacy-SSE arithmetic in place on the destination's cached register, with the
    // source's register or its env bytes as the operand; the result goes to env as well.
    void vfp(const Op& op) {
        const uint32_t dst = op.constant(1), src = op.constant(2);
        vectors_.clean_upper();
        const int source = vectors_.find(src, 16);
        const bool have = vectors_.find(dst, 16) >= 0;
        const Xbyak::Xmm d(vectors_.claim(dst, 16));
        if (!have) move_vector(d.getIdx(), ptr[env_at(dst)], 16);
        if (source >= 0)
            (c_.*kVfpInsns[op.constant(0)])(d, Xbyak::Xmm(source));
        else
            (c_.*kVfpInsns[op.constant(0)])(d, ptr[env_at(src)]);
        c_.movups(ptr[env_at(dst)], d);
        fp_flags_ = FpFlags::Pending;
    }

    // A vector register move: register to register where the size is cached.
    void vmov(uint32_t dst, uint32_t src, unsigned size) {
        if (!vectors_.cacheable(size)) {
            for (unsigned i = 0; i < size; i += 16) {
                c_.movups(xmm0, ptr[env_at(src + i)]);
                c_.movups(ptr[env_at(dst + i)], xmm0);
            }
            vectors_.written(dst, size);
            return;
        }
        const int from = vectors_.load(src, size);
        const int to = vectors_.claim(dst, size);
        vectors_.copy(to, from, size);
        move_vector(ptr[env_at(dst)], to, size);
    }

    // A vector instruction as itself, on xmm/ymm 0-2 copied from the cache, its result stored
    // to env and cached. SSE forms run with the upper halves clean.
    void host_simd(const HostSimdInsn& h) {
        const unsigned width = h.width;
        if (width == 16) vectors_.clean_upper();
        for (int i = 0; i < 3; i++)
            if (h.sources[i] != HostSimdInsn::kNoSource)
                vectors_.copy(i, vectors_.load(h.sources[i], width), width);
        std::array<uint8_t, 15> bytes = h.bytes;
        if (h.env_disp_at) {  // the memory operand's env offset, as r14 reaches it
            const uint32_t disp = h.memory_offset - kEnvBias;
            std::memcpy(&bytes[h.env_disp_at], &disp, 4);
        }
        for (unsigned b = 0; b < h.length; b++)
            c_.db(bytes[b]);
        move_vector(ptr[env_at(h.result)], h.result_reg, width);
        vectors_.copy(vectors_.claim(h.result, width), h.result_reg, width);
        if (h.raises_fp) fp_flags_ = FpFlags::Pending;
    }

    void mark_fp_unsettled() { c_.mov(byte[env_at(f_.target().fp_unsettled_offset)], 1); }

    // The status word complete, before something may read it or change the host's MXCSR:
    // inline where this block raised the flags, else through the shared subroutine that
    // settles what the unsettled byte says is left. Uses rax.
    void make_fp_flags_current() {
        if (fp_flags_ == FpFlags::Pending)
            emit_fp_settle(c_, f_.target());
        else if (fp_flags_ == FpFlags::Unknown)
            call_host(stubs_.fp_settle());
        fp_flags_ = FpFlags::Settled;
    }

    // Control leaves the path (a branch, a label where paths join, the block's end) with
    // flags pending: they are left for whoever reads them next, marked unsettled, which
    // costs a store instead of a STMXCSR.
    void leave_fp_flags() {
        if (fp_flags_ != FpFlags::Pending) return;
        mark_fp_unsettled();
        fp_flags_ = FpFlags::Unknown;
    }

    // Whether op might let anything see the guest's status word or change the host's MXCSR
    // (a call, a fault) before pending flags are settled. Guest accesses settle on their slow
    // path instead; branches and block ends leave them (leave_fp_flags).
    bool may_see_fp_status(const Op& op) const {
        if (is_env_load(op.opc) || is_env_store(op.opc)) {
            const uint32_t at = op.constant(0), status = f_.target().fp_status_offset;
            return at < status + 4 && status < at + 8;
        }
        switch (op.opc) {
            case Opc::guest_ld:
            case Opc::guest_st:
            case Opc::guest_ld_vec:
            case Opc::guest_st_vec:
                return false;
            default:
                return op.info().flags & (kCall | kMayFault);
        }
    }

    static bool writes_env_bytes(Opc opc) {
        return opc == Opc::vmov || opc == Opc::guest_ld_vec || opc == Opc::vfp ||
               opc == Opc::host_simd || opc == Opc::host_x87;
    }

    // The register that still holds the next PC at the goto_ptr that is op `index`: the op
    // before stored it from there, and what came between (write-backs) kept registers as
    // they were. -1 when it must come from env.
    int next_pc_register(uint32_t index) const {
        return next_pc_reg_ && next_pc_reg_->first + 1 == index ? next_pc_reg_->second : -1;
    }

    // Does an env store of `size` bytes at `offset` touch the next PC that goto_ptr reads?
    bool writes_next_pc(uint32_t offset, unsigned size) const {
        const FastJumpLayout& j = f_.target().fast_jumps;
        return j.present && offset < j.pc_offset + 8 && j.pc_offset < offset + size;
    }

    void emit_op(const Op& op) {
        const uint32_t index = &op - f_.ops().data();
        const Type t = op.type;
        // Only a store of the PC itself teaches it; a label joins paths, and helpers and the
        // ops that write env bytes by offset are not worth telling apart.
        if (op.opc == Opc::set_label || (op.info().flags & kCall) || writes_env_bytes(op.opc))
            next_pc_.reset();
        if (op.opc == Opc::set_label) {  // paths join: only what env holds is known
            vectors_.clean_upper();
            vectors_.forget();
        } else if (op.info().flags & (kBranch | kBlockEnd)) {
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
                regs_.write_back(x64::kAllocatable, true);
                regs_.forget(x64::kAllocatable, true);
                tag_stored_ = false;  // another path may join here without it
                labels_.bind(op.constant(0));
                return;
            case Opc::br:
                regs_.begin_op(index + 1);
                regs_.write_back(x64::kAllocatable, true);
                labels_.jmp(op.constant(0));
                return;
            case Opc::brcond:
                brcond(op, index);
                return;
            case Opc::ld8u:
                env_load(op, 1, false);
                return;
            case Opc::ld16u:
                env_load(op, 2, false);
                return;
            case Opc::ld32u:
                env_load(op, 4, false);
                return;
            case Opc::ld32s:
                env_load(op, 4, true);
                return;
            case Opc::ld:
                env_load(op, t == Type::I32 ? 4 : 8, false);
                return;
            case Opc::st8:
                env_store(op, 1);
                return;
            case Opc::st16:
                env_store(op, 2);
                return;
            case Opc::st32:
                env_store(op, 4);
                return;
            case Opc::st:
                env_store(op, t == Type::I32 ? 4 : 8);
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
            case Opc::host_x87: {
                // The instruction's own bytes; a memory form addresses its operand as
                // [r14 + disp32] (REX.B, mod 10, rm 110), r14 being biased (env_at).
                const uint32_t insn = op.constant(0);
                const uint8_t escape = uint8_t(0xd8 | (insn >> 8 & 7)), modrm = uint8_t(insn);
                if (modrm >= 0xc0) {
                    c_.db(escape);
                    c_.db(modrm);
                } else {
                    c_.db(0x41);
                    c_.db(escape);
                    c_.db(0x80 | (modrm & 0x38) | 6);
                    c_.dd(uint32_t(op.constant(1) - kEnvBias));
                    // It may store there: up to FNSAVE's 108 bytes.
                    vectors_.written(op.constant(1), 108);
                }
                return;
            }
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

    HostAssembler& c_;
    const Function& f_;
    RegCache regs_;
    BlockLabels& labels_;
    BlockScratch& scratch_;
    std::vector<SlowPath>& slow_paths_;
    const bool probe_;
    x64::VectorCache vectors_;
    FpFlags fp_flags_ = FpFlags::Settled;
    const uint8_t* at_;
    const SharedStubs& stubs_;
    uint64_t tag_ = 0;
    bool tag_stored_ = false;          // on the path being emitted, the tag is already in env
    std::optional<uint64_t> next_pc_;  // the PC goto_ptr will read, where a store made it known
    std::optional<std::pair<uint32_t, int>> next_pc_reg_;  // (op index, register) of its store
    BlockLabels::Id tag_stub_ = 0;
    bool tag_stub_used_ = false;
    uint32_t jump_rel32_[2] = {CompiledBlock::kNoJump, CompiledBlock::kNoJump};
};

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
    void aim(CodeBuffer& buf) { HostAssembler::aim(buf.write_cursor(), buf.remaining()); }

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
                    const void* fn, bool keep_vectors) {
    static const Reg64 kKept[] = {rsi, rdi, r8, r9, r10, r11};
    constexpr int kVectorBytes = 32, kVectorArea = x64::VectorCache::kCount * kVectorBytes;
    const bool avx = host_has_avx();
    auto vector_slot = [](int i) { return ptr[rsp + i * kVectorBytes]; };
    for (const Reg64& r : kKept)
        code.push(r);
    // The call pushed 8, the six pushes 48: 8 more realigns to 16 (kVectorArea is 16s).
    code.sub(rsp, 8 + (keep_vectors ? kVectorArea : 0));
    for (int i = 0; keep_vectors && i < x64::VectorCache::kCount; i++) {
        const int reg = x64::VectorCache::kFirst + i;
        if (avx)
            code.vmovups(vector_slot(i), Xbyak::Ymm(reg));
        else
            code.movups(vector_slot(i), Xbyak::Xmm(reg));
    }
    if (keep_vectors && avx) code.vzeroupper();
    code.mov(rsi, rax);
    emit_fp_settle_if_unsettled(code, target);  // the callee may fault, or look
    code.lea(rdi, ptr[env_at(0)]);
    emit_host_call(code, at, fn, r11);
    for (int i = 0; keep_vectors && i < x64::VectorCache::kCount; i++) {
        const int reg = x64::VectorCache::kFirst + i;
        if (avx)
            code.vmovups(Xbyak::Ymm(reg), vector_slot(i));
        else
            code.movups(Xbyak::Xmm(reg), vector_slot(i));
    }
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
    code.aim(buf);
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
    code.aim(buf);
    assemble_stubs(code);
    if (Xbyak::GetError() != Xbyak::ERR_NONE) {
        Xbyak::ClearError();
        return false;
    }
    buf.commit(code.getSize());
    return true;
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
            if (fn && !ensure(fn, vectors,
                              [&](const uint8_t* at) { assemble_thunk(code, at, t, fn, vectors); }))
                return false;
    return ensure(nullptr, false, [&](const uint8_t*) { assemble_fp_settle(code, t); });
}

X86Backend::X86Backend()
    : has_popcnt_(Xbyak::util::Cpu().has(Xbyak::util::Cpu::tPOPCNT)),
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
    const uint8_t* target = to ? to->code() : next;
    int32_t rel = int32_t(target - next);
    __atomic_store_n(reinterpret_cast<int32_t*>(buf.writable_alias(code + site)), rel,
                     __ATOMIC_RELEASE);
}

bool X86Backend::compile(const Function& f, CodeBuffer& buf, CompiledBlock& out, uint64_t tag) {
    BlockAssembler& code = *assembler_;
    x64::RegCache::Memory& regs = code.scratch.regs;
    if (f.target().globals.size() > RegCache::kMaxGlobals) return false;
    if (!assign_homes(f, regs.home)) return false;
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
    global_deaths(f, regs.global_deaths, code.scratch.label_seen);
    code.aim(buf);
    SharedStubs stubs = stubs_at(buf.executable_base(), stub_exits_);
    stubs.thunks = current_thunks_;
    BlockCompiler block(code, f, code.scratch, code.labels, buf.executable_cursor(), stubs);
    block.set_tag(tag);
    const bool complete = block.emit();
    if (!complete || Xbyak::GetError() != Xbyak::ERR_NONE) {
        Xbyak::ClearError();
        return false;
    }
    out.jump_rel32[0] = block.jump_rel32(0);
    out.jump_rel32[1] = block.jump_rel32(1);
    out.code_size = uint32_t(code.getSize());
    const auto* at = static_cast<const uint8_t*>(buf.commit(out.code_size));
    out.enter = reinterpret_cast<CompiledBlock::Enter>(const_cast<uint8_t*>(stubs.enter));
    out.code_offset = uint32_t(at - stubs.enter);
    return true;
}

}  // namespace kemu::tcg
