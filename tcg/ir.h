// The translator's intermediate representation: one Function per translation block,
// a linear list of typed ops over temps. Target-independent: tcg/ knows nothing of
// x86; the frontend gives it the globals (CPU-state fields) and helpers it uses.
// The ops are declared once in ir_ops.def; see docs/ir.md.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "tcg/host_simd.h"

namespace kemu::tcg {

enum class Type : uint8_t { I32, I64 };

enum OpFlags : uint8_t {
    kSideEffects = 1 << 0,
    kBlockEnd = 1 << 1,
    kMayFault = 1 << 2,
    kCall = 1 << 3,
    kBranch = 1 << 4,
};

enum class Opc : uint8_t {
#define IR_OP(name, o, i, c, flags, doc) name,
#include "tcg/ir_ops.def"
#undef IR_OP
    Count
};

struct OpInfo {
    const char* name;
    uint8_t outputs, inputs, constants, flags;
    const char* doc;
};
// In the header: every pass asks for each op's shape, and a call each time shows.
inline constexpr OpInfo kOpInfo[] = {
#define IR_OP(name, o, i, c, flags, doc) {#name, o, i, c, flags, doc},
#include "tcg/ir_ops.def"
#undef IR_OP
};
inline const OpInfo& op_info(Opc opc) {
    return kOpInfo[size_t(opc)];
}

// Loads and stores of the CPU state block's bytes (ld*, st*), which may alias a global's home.
inline bool is_env_load(Opc opc) {
    return opc == Opc::ld8u || opc == Opc::ld16u || opc == Opc::ld32u || opc == Opc::ld32s ||
           opc == Opc::ld;
}
inline bool is_env_store(Opc opc) {
    return opc == Opc::st8 || opc == Opc::st16 || opc == Opc::st32 || opc == Opc::st;
}

enum class Cond : uint8_t { Eq, Ne, Lt, Ge, Le, Gt, Ltu, Geu, Leu, Gtu, Always, Never };
Cond invert(Cond c);
// The comparison on values of `type` (i32 compares the low 32 bits).
bool eval_cond(Cond c, Type type, uint64_t a, uint64_t b);
const char* cond_name(Cond c);

// A guest memory access: log2 size, sign extension, MMU index.
// It may also name the guest instruction it belongs to (its insn_start index), for the
// target to record before a slow path that can fault: such an access needs no insn_start of
// its own. And it may require an alignment: a misaligned address takes the slow path, where
// the target raises its fault. Bits: 2:0 log2 size (1 to 8 bytes for guest_ld/guest_st, 16 or
// 32 for the vector forms), 3 sign, 7:4 MMU index, 8 has an instruction, 11:9 log2 alignment
// (0: none), 31:16 the instruction.
struct MemOp {
    uint32_t bits;
    static constexpr uint32_t kHasInsn = 1u << 8;
    static constexpr MemOp make(unsigned log2_size, bool sign, unsigned mmu_idx) {
        return MemOp{log2_size | (sign ? 8u : 0u) | (mmu_idx << 4)};
    }
    constexpr MemOp with_insn(uint32_t index) const {
        return MemOp{(bits & 0xffffu) | kHasInsn | (index << 16)};
    }
    // `bytes` a power of two up to 128; 0 or 1 for none.
    constexpr MemOp with_alignment(unsigned bytes) const {
        const unsigned log2 = bytes > 1 ? unsigned(std::countr_zero(bytes)) : 0;
        return MemOp{(bits & ~(7u << 9)) | log2 << 9};
    }
    unsigned log2_size() const { return bits & 7; }
    unsigned size() const { return 1u << (bits & 7); }
    bool sign() const { return bits & 8; }
    unsigned mmu_idx() const { return (bits >> 4) & 0xf; }
    bool has_insn() const { return bits & kHasInsn; }
    uint32_t insn() const { return bits >> 16; }
    // The required alignment in bytes, 1 for none.
    uint64_t alignment() const { return 1ull << ((bits >> 9) & 7); }
};

// Helper functions called from translated code. Every helper has this one signature,
// so backends need one calling sequence; unused arguments are ignored.
using HelperFn = uint64_t (*)(void* env, uint64_t, uint64_t, uint64_t, uint64_t);
enum HelperFlags : uint8_t {
    kHelperPure = 1 << 0,  // no side effects (may read globals): removed when its result is unused
    kHelperNoGlobals =
        1 << 1,                // neither reads nor writes globals (they may stay in host registers)
    kHelperMayFault = 1 << 2,  // may raise a guest exception (unwinds to the exec loop)
};
struct HelperInfo {
    const char* name;
    HelperFn fn;
    uint8_t flags;
};

// A CPU-state field the frontend names as a global temp (guest registers, lazy flags).
struct GlobalInfo {
    const char* name;
    uint32_t env_offset;
    Type type;
};

using TempId = uint32_t;
using LabelId = uint32_t;

enum class TempKind : uint8_t { Global, Local, Const };
struct Temp {
    TempKind kind;
    Type type;
    uint32_t env_offset = 0;  // Global
    uint64_t value = 0;       // Const
};

struct Op {
    static constexpr unsigned kMaxArgs = 8;
    Opc opc;
    Type type;
    std::array<uint32_t, kMaxArgs> args{};

    const OpInfo& info() const { return op_info(opc); }
    uint32_t output(unsigned i) const { return args[i]; }
    uint32_t input(unsigned i) const { return args[info().outputs + i]; }
    uint32_t constant(unsigned i) const { return args[info().outputs + info().inputs + i]; }
};

// The bytes an env load or store (is_env_load, is_env_store) moves; its offset is constant(0).
inline unsigned env_access_size(const Op& op) {
    switch (op.opc) {
        case Opc::ld8u:
        case Opc::st8:
            return 1;
        case Opc::ld16u:
        case Opc::st16:
            return 2;
        case Opc::ld32u:
        case Opc::ld32s:
        case Opc::st32:
            return 4;
        default:  // ld, st
            return op.type == Type::I64 ? 8 : 4;
    }
}

// The target's fixed environment for every Function: its globals and helpers.
// Where the target keeps its softmmu TLB in env, so a backend can probe it inline. An
// access of `size` bytes at `addr` with MMU index `mmu` may go straight to host memory at
// addr + addend when the entry's read (or write) tag equals addr's page and the access
// does not cross the page; anything else goes to guest_load/guest_store.
//   entry  = env + offset + mmu * mmu_stride + ((addr >> page_bits) & (entries - 1)) * entry_size
// A tag without flag bits only ever names a page that indexes to its own entry, so a backend
// may compare the page of an access's last byte against the first byte's entry: an access
// that runs into the next page then never matches.
struct TlbLayout {
    uint32_t offset = 0;
    uint32_t mmu_stride = 0;
    uint32_t entry_size = 0;
    uint32_t entries = 0;  // a power of two
    uint32_t page_bits = 12;
    uint32_t read_tag = 0;  // offsets within an entry of the 64-bit tags and the addend
    uint32_t write_tag = 0;
    uint32_t addend = 0;
    bool present = false;  // false: always call out
};

// The target's fast jump cache, which goto_ptr in JIT code probes before it calls out:
// 2^bits FastJump entries at env+offset, the one for PC p at index (p ^ p >> bits) & (2^bits
// - 1). An entry is taken when its pc is the u64 at env+pc_offset (the target stored the
// next PC there), its key is the u64 at env+key_offset ORed with the Function's
// fast_jump_key(), and *valid is non-zero; control then goes to `code`, as to a chained
// block's entry. The target fills entries and moves the key on whenever one may have gone
// stale, so a key covers what the entry cannot check itself (mode, mappings).
struct FastJump {
    uint64_t pc;
    uint64_t key;
    const void* code;
    const uint8_t* valid;
};
struct FastJumpLayout {
    uint32_t offset = 0;
    uint32_t bits = 0;
    uint32_t pc_offset = 0;
    uint32_t key_offset = 0;
    bool present = false;
};

struct TargetInfo {
    std::span<const GlobalInfo> globals;
    std::span<const HelperInfo> helpers;
    uint32_t scratch_offset;     // env offset of per-vCPU scratch space for the interpreter
    uint32_t scratch_slots;      // its size in 8-byte slots: the most locals one block may use
    uint32_t insn_index_offset;  // env offset of a u32 that insn_start sets to its c0
    // Guest memory accesses (the softmmu slow path; backends may inline a TLB probe first).
    uint64_t (*guest_load)(void* env, uint64_t addr, uint32_t memop);
    void (*guest_store)(void* env, uint64_t addr, uint64_t value, uint32_t memop);
    // The vector forms (guest_ld_vec, guest_st_vec): MemOp::size() bytes between guest memory
    // and env at env_offset. A load that faults leaves env as it was.
    void (*guest_load_vector)(void* env, uint64_t addr, uint32_t memop, uint32_t env_offset);
    void (*guest_store_vector)(void* env, uint64_t addr, uint32_t memop, uint32_t env_offset);
    TlbLayout tlb;
    // Direct chaining (JIT): a chained block starts by storing its tag (CompiledBlock's
    // caller picks it) at env+block_tag_offset and leaves at once, as exit_tb, while the
    // u32 at env+chain_break_offset is non-zero. Without them blocks are never chained.
    bool chaining = false;
    uint32_t block_tag_offset = 0;
    uint32_t chain_break_offset = 0;
    // Indirect branches (goto_ptr) in JIT code ask this for the next block's chain entry and
    // jump there; null (or no function) leaves to the exec loop as before.
    const void* (*goto_ptr_target)(void* env) = nullptr;
    // vfp ops OR their floating-point exception flags into the u32 here (the guest's MXCSR).
    uint32_t fp_status_offset = 0;
    FastJumpLayout fast_jumps;
    // JIT code may leave a block with flags its inline SIMD ops raised still only in the
    // host's MXCSR, and sets the u8 here to say so (STMXCSR is slow: one per block end was
    // most of a SIMD loop's time). JIT code settles them before it calls out; whoever runs
    // after JIT code returns settles them with settle_host_fp_flags (tcg/vfp.h).
    uint32_t fp_unsettled_offset = 0;

    // [first, second): the env bytes the globals' fields cover (8 a global, whatever its
    // type). An env load or store outside them neither reads nor writes a global.
    std::pair<uint32_t, uint32_t> global_homes() const {
        std::pair<uint32_t, uint32_t> span{UINT32_MAX, 0};
        for (const GlobalInfo& g : globals) {
            span.first = std::min(span.first, g.env_offset);
            span.second = std::max(span.second, g.env_offset + 8);
        }
        return span;
    }
};

class Function {
  public:
    explicit Function(const TargetInfo& target);

    const TargetInfo& target() const { return *target_; }
    const std::vector<Temp>& temps() const { return temps_; }
    const Temp& temp(TempId t) const { return temps_[t]; }
    std::vector<Op>& ops() { return ops_; }
    const std::vector<Op>& ops() const { return ops_; }
    uint32_t label_count() const { return labels_; }
    // Globals are the first temps (clear() makes them, in target order): temp t is a global
    // exactly when t < global_count().
    TempId global_count() const { return TempId(target_->globals.size()); }

    TempId new_local(Type type);
    TempId new_const(Type type, uint64_t value);
    LabelId new_label() { return labels_++; }
    void clear();

    // host_simd ops' instructions, by index.
    uint32_t add_host_simd(const HostSimdInsn& insn) {
        host_simd_.push_back(insn);
        return uint32_t(host_simd_.size() - 1);
    }
    const HostSimdInsn& host_simd(uint32_t index) const { return host_simd_[index]; }

    // The key (below 2^31) this block's goto_ptr ORs into the fast jump cache's, or none
    // when the block may not take that path (TargetInfo::fast_jumps).
    std::optional<uint32_t> fast_jump_key() const { return fast_jump_key_; }
    void set_fast_jump_key(uint32_t key) { fast_jump_key_ = key; }
    void clear_fast_jump_key() { fast_jump_key_.reset(); }

    // The PC of the block's first instruction, as its goto_tb paths store PCs (at
    // TargetInfo::fast_jumps.pc_offset): a goto_tb after a store of it may be chained back
    // into the block itself, and the JIT then keeps globals in registers around the loop.
    std::optional<uint64_t> entry_pc() const { return entry_pc_; }
    void set_entry_pc(uint64_t pc) { entry_pc_ = pc; }

  private:
    const TargetInfo* target_;
    std::optional<uint32_t> fast_jump_key_;
    std::optional<uint64_t> entry_pc_;
    std::vector<HostSimdInsn> host_simd_;
    std::vector<Temp> temps_;
    std::vector<Op> ops_;
    uint32_t labels_ = 0;
};

// Readable text of a function, one op per line (used by -d op and the tests).
std::string format_function(const Function& f);

}  // namespace kemu::tcg
