// The x86-64 backend's compiler of one block, and what its files share. Private to
// tcg/backend_x86_64*.cpp: each defines the members of one concept (see docs/jit.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "tcg/backend_x86_64.h"
#include "tcg/backend_x86_64_labels.h"
#include "tcg/backend_x86_64_probe_sharing.h"
#include "tcg/backend_x86_64_regs.h"
#include "tcg/backend_x86_64_vregs.h"
#include "tcg/ir.h"

namespace kemu::tcg::x64 {

// The emitter's scratch registers (never allocated), by encoding number for HostAssembler.
inline constexpr int kRax = Xbyak::Operand::RAX, kRcx = Xbyak::Operand::RCX,
                     kRdx = Xbyak::Operand::RDX;

// A register at the op's width: 32-bit forms zero-extend, which is the IR's i32 rule.
inline Xbyak::Reg sized(const Xbyak::Reg64& r, Type t) {
    if (t == Type::I32) return r.cvt32();
    return r;
}

inline uint64_t width_mask(Type t) {
    return t == Type::I32 ? 0xffffffffull : ~0ull;
}

// x86 condition codes per IR condition (Always and Never are handled before these are used).
struct CondCode {
    Cc cc;
    void (Xbyak::CodeGenerator::*setcc)(const Xbyak::Operand&);
    void (Xbyak::CodeGenerator::*cmovcc)(const Xbyak::Reg&, const Xbyak::Operand&);
};
extern const CondCode kCondCodes[size_t(Cond::Always)];  // backend_x86_64_alu.cpp

// Whether the host has AVX (backend_x86_64.cpp).
bool host_has_avx();
// A call to host code from code that will run at `at` (backend_x86_64_control.cpp).
void emit_host_call(HostAssembler& code, const uint8_t* at, const void* fn,
                    const Xbyak::Reg64& via);
// The host's MXCSR flags settled into the guest's status word, always or where the
// unsettled byte says a block left some (backend_x86_64_simd.cpp).
void emit_fp_settle(HostAssembler& code, const TargetInfo& t);
void emit_fp_settle_if_unsettled(HostAssembler& code, const TargetInfo& t);

// Where a code buffer's shared entry and exit stubs are (assemble_stubs), and its thunks.
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

// Where the guest's MXCSR flags stand on the path being emitted.
enum class FpFlags : uint8_t {
    Settled,  // the host's MXCSR flags are all in the guest's status word
    Pending,  // this block's inline SIMD ops may have raised flags the status word lacks
    Unknown,  // a block before may have left some, as env's unsettled byte says
};

// A guest access's out-of-line slow path: taken on a TLB miss, it calls the target's
// guest_load, guest_store or their vector forms with the main path's registers preserved
// and returns after the access.
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
    // Dirty vectors, stored before the call: BlockScratch::slow_vectors[vectors, vectors_end).
    uint32_t vectors = 0, vectors_end = 0;
    FpFlags fp = FpFlags::Settled;  // at the access: the callee may fault or look
    // A member of a group sharing one probe: on this label, it makes its own probe (a
    // leader first stores the odd value that tells its followers to do the same).
    std::optional<BlockLabels::Id> own_probe;
    std::optional<uint32_t> degrade_slot;
};

// A conditional branch's taken path when vectors are dirty: stores them, then goes on to the
// label (emitted after the block's code, so the path that stays keeps them in registers).
struct BranchStores {
    BlockLabels::Id entry, target;
    uint32_t vectors = 0, vectors_end = 0;  // BlockScratch::slow_vectors[vectors, vectors_end)
};

// A global a self-looping block keeps in a register from its loop entry on.
struct LoopGlobal {
    TempId global;
    int reg;
};

// An env vector (a guest XMM/YMM register) a self-looping block keeps in a host vector
// register from its loop entry on.
struct LoopVector {
    uint32_t offset;
    uint8_t size;
    int reg;
};

// Working memory for compiling a block, kept from block to block by the BlockAssembler.
struct BlockScratch {
    RegCache::Memory regs;
    std::vector<LoopGlobal> loop_globals;
    std::vector<LoopVector> loop_vectors;
    std::vector<uint32_t> loop_vector_offsets;  // loop_vectors' offsets
    std::vector<VectorCache::Dirty> slow_vectors;
    std::vector<BranchStores> branch_stores;
    std::vector<SlowPath> slow_paths;
    std::vector<RegCache::HomeStore> slow_globals;
    std::vector<bool> label_seen;
    std::vector<ProbeShare> probe_shares;  // by op index
    std::vector<uint32_t> probe_slots;
    ProbeSharingMemory probe_sharing;
};

class BlockCompiler {
  public:
    // `at` is the executable address the block's first byte will have; `stubs` those of the
    // code buffer's shared entry and exits.
    // `scratch.regs` has f's homes, last uses and global deaths filled in.
    // `avx`: vectors may use AVX encodings and 32-byte registers (X86Backend's use_avx).
    BlockCompiler(HostAssembler& code, const Function& f, BlockScratch& scratch,
                  BlockLabels& labels, const uint8_t* at, const SharedStubs& stubs, bool avx);

    // The shared entry builds the frame and jumps here, as a chained block does (with env in
    // r14); every exit leaves through a shared stub that takes the frame down again.
    // False when a jump was left without a target.
    bool emit();

    void set_tag(uint64_t tag) { tag_ = tag; }
    uint32_t jump_rel32(unsigned slot) const { return jump_rel32_[slot]; }
    uint8_t loop_slots() const { return loop_slots_; }
    uint8_t loop_entry() const { return loop_entry_; }

  private:
    const Temp& temp(TempId t) const { return f_.temp(t); }

    // Emits one op, mostly through the members below (backend_x86_64.cpp).
    void emit_op(const Op& op);

    // ALU ops and env accesses (backend_x86_64_alu.cpp).
    bool as_imm(TempId t, Type type, uint32_t& imm) const;
    void copy_for_update(const Xbyak::Reg& d, const Xbyak::Reg& a);
    void compare(Type type, TempId a, TempId b);
    void binary_alu(const Op& op);
    void shift(const Op& op);
    void mul2(const Op& op);
    void div2(const Op& op);
    void count_zeros(const Op& op);
    void bswap(const Op& op);
    void extend(const Op& op);
    void deposit(const Op& op);
    void extract(const Op& op);
    void setcond(const Op& op);
    void movcond(const Op& op);
    void env_load(const Op& op, unsigned size, bool sign);
    void env_store(const Op& op, unsigned size);

    // Control flow: jumps, exits and calls (backend_x86_64_control.cpp).
    void chain_jump(uint32_t slot);
    void jump_through_cache(uint32_t index);
    void probe_fast_jumps(uint32_t key, int pc_in);
    void probe_fast_jump_at(uint64_t pc, uint32_t key);
    void store_tag();
    void emit_tag_stub();
    void leave(BlockExit exit);
    void jump_to(const uint8_t* target, int condition = -1);
    void call_host(const void* fn);
    void call(uint32_t index, const void* fn, std::span<const uint32_t> args,
              std::initializer_list<uint32_t> imms, unsigned zeroed, bool sees_globals,
              bool writes_globals);
    void call_helper(const Op& op, uint32_t index);
    void brcond(const Op& op, uint32_t index);
    void emit_branch_stores(const BranchStores& stores);
    void store_vectors(uint32_t from, uint32_t to);
    int next_pc_register(uint32_t index) const;
    bool writes_next_pc(uint32_t offset, unsigned size) const;
    bool defers_pc_store(const Op& store) const;
    void leave_at_entry();

    // Guest memory accesses (backend_x86_64_memory.cpp).
    std::optional<int32_t> tlb_displacement(unsigned mmu) const;
    void tlb_entry_offset();
    Mem tlb_entry_field(int32_t base, uint32_t field) const;
    void probe_tlb(const Xbyak::Reg64& addr, MemOp mop, bool write, int32_t base,
                   BlockLabels::Id miss);
    void guest_access(const Op& op, const void* fn, bool store);
    void probe_span(const Xbyak::Reg64& addr, const ProbeShare& leader, int32_t base,
                    BlockLabels::Id miss);
    void host_access(const Xbyak::Reg64& addr, const Xbyak::Reg64& value, int out, MemOp mop,
                     bool store);
    void guest_vector_access(const Op& op, bool store);
    void emit_slow_path(SlowPath& slow);
    void dirty_globals_for(SlowPath& slow);
    SlowPath& new_slow_path();
    bool probes(const Op& op) const;

    // Self-loops: globals and vectors kept in registers around them
    // (backend_x86_64_loop.cpp).
    bool loops_back() const;
    void load_loop_globals();
    void load_loop_vectors();
    bool keeps_loop_values() const {
        return !scratch_.loop_globals.empty() || !scratch_.loop_vectors.empty();
    }
    bool keeps_loop_vectors() const { return !scratch_.loop_vectors.empty(); }
    void reenter_loop();
    void reenter_loop_vectors();
    void store_loop_vectors();

    // Vector and floating-point ops, and the MXCSR flags (backend_x86_64_simd.cpp).
    void vfp(const Op& op);
    void vmov(uint32_t dst, uint32_t src, unsigned size);
    void host_simd(const HostSimdInsn& h);
    void host_x87(const Op& op);
    void mark_fp_unsettled();
    void make_fp_flags_current();
    void leave_fp_flags();
    bool may_see_fp_status(const Op& op) const;
    static bool writes_env_bytes(Opc opc);

    HostAssembler& c_;
    const Function& f_;
    RegCache regs_;
    BlockLabels& labels_;
    BlockScratch& scratch_;
    std::vector<SlowPath>& slow_paths_;
    std::vector<BranchStores>& branch_stores_;
    const bool probe_;
    VectorCache vectors_;
    FpFlags fp_flags_ = FpFlags::Settled;
    const uint8_t* at_;
    const SharedStubs& stubs_;
    uint64_t tag_ = 0;
    bool tag_stored_ = false;          // on the path being emitted, the tag is already in env
    std::optional<uint64_t> next_pc_;  // the PC goto_ptr will read, where a store made it known
    std::optional<std::pair<uint32_t, int>> next_pc_reg_;  // (op index, register) of its store
    // A constant next PC whose store waits for the goto_tb after it: it goes on the jump's
    // unchained path only (see defers_pc_store).
    std::optional<int32_t> deferred_pc_;
    std::optional<BlockLabels::Id> entry_exit_;  // the entry check's out-of-line exit
    BlockLabels::Id tag_stub_ = 0;
    bool tag_stub_used_ = false;
    uint32_t jump_rel32_[2] = {CompiledBlock::kNoJump, CompiledBlock::kNoJump};
    uint8_t loop_slots_ = 0;
    uint8_t loop_entry_ = 0;
};

}  // namespace kemu::tcg::x64
