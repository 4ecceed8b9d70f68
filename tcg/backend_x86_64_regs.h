// The x86-64 backend's local register allocator: a cache of temps in host registers for
// one translation block. Every non-constant temp has a home in env (a global's field, a
// local's scratch slot); a register holding a newer value than the home is dirty. The
// backend writes dirty values home where control merges or leaves (labels, branches, block
// ends) and where a callee may look (calls), and drops registers whose values may change.
// A local is written home only while it is live: after its last use (in a block without
// backward branches) it is simply dropped.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "tcg/backend_x86_64_assembler.h"
#include "tcg/ir.h"

namespace kemu::tcg::x64 {

// A set of host registers, one bit per register number.
using RegSet = uint32_t;

// env lives in r14 for the whole block; rax, rcx and rdx are the emitter's scratch.
inline constexpr int kEnvReg = Xbyak::Operand::R14;
// r14 holds env + kEnvBias rather than env: a 1-byte displacement then reaches env's first
// 256 bytes instead of 128, which is where targets keep what blocks touch most.
inline constexpr int32_t kEnvBias = 128;
// The address of env's byte `offset`.
inline Xbyak::RegExp env_at(int64_t offset) {
    return Xbyak::Reg64(kEnvReg) + int(offset - kEnvBias);
}
// The same, as a lean memory operand (HostAssembler).
inline Mem env_mem(int64_t offset) {
    return {kEnvReg, int32_t(offset - kEnvBias)};
}
// Registers a call may clobber (SysV), among the allocatable ones.
inline constexpr RegSet kCallerSaved = 1u << Xbyak::Operand::RSI | 1u << Xbyak::Operand::RDI |
                                       1u << Xbyak::Operand::R8 | 1u << Xbyak::Operand::R9 |
                                       1u << Xbyak::Operand::R10 | 1u << Xbyak::Operand::R11;
inline constexpr RegSet kAllocatable = kCallerSaved | 1u << Xbyak::Operand::RBX |
                                       1u << Xbyak::Operand::RBP | 1u << Xbyak::Operand::R12 |
                                       1u << Xbyak::Operand::R13 | 1u << Xbyak::Operand::R15;
// The order free registers are handed out: callee-saved first, as they survive calls.
inline constexpr int kAllocationOrder[] = {
    Xbyak::Operand::RBX, Xbyak::Operand::RBP, Xbyak::Operand::R12, Xbyak::Operand::R13,
    Xbyak::Operand::R15, Xbyak::Operand::RSI, Xbyak::Operand::RDI, Xbyak::Operand::R8,
    Xbyak::Operand::R9,  Xbyak::Operand::R10, Xbyak::Operand::R11};

class RegCache {
  public:
    static constexpr uint32_t kNoHome = UINT32_MAX;
    static constexpr uint32_t kLiveForever = UINT32_MAX;
    // Globals are tracked in 64-bit masks (pending constants, global deaths): the backend
    // compiles functions of targets with at most this many.
    static constexpr size_t kMaxGlobals = 64;

    // What the cache knows of a block, and its working memory: kept from block to block, so
    // compiling one allocates nothing once the vectors have grown.
    struct Memory {
        // home[t]: env offset of temp t's memory (kNoHome for constants); last_use[t]: index
        // of the last op that mentions local t (kLiveForever when that cannot be known).
        // global_deaths[i] bit g: global g's value is not needed after op i (empty: none).
        std::vector<uint32_t> home;
        // [first, second): the env bytes the globals' homes cover.
        std::pair<uint32_t, uint32_t> global_homes;
        std::vector<uint32_t> last_use;
        std::vector<uint64_t> global_deaths;
        // overwritten[i] bit g: from op i on, g is written before anything could look at it.
        std::vector<uint64_t> overwritten;
        std::vector<int8_t> reg_of;  // temp -> register, -1 when only in memory
        // Globals whose newest value is a constant not yet in a register or at home.
        std::vector<std::optional<int32_t>> constant;
    };

    // Caches f's temps, with home, last_use and global_deaths filled in for f.
    RegCache(HostAssembler& code, const Function& f, Memory& memory);

    // Starts op `index`: registers handed out for the previous op may be reused.
    void begin_op(uint32_t index);
    // A register holding t's value, kept for the rest of this op. Ask for every input
    // before the first def() of the op.
    Xbyak::Reg64 use(TempId t);
    // A fresh register for t's new value (t's old register, if any, stays valid as an input
    // of this op but no longer means t).
    Xbyak::Reg64 def(TempId t);
    // Like def, but takes over the register of input `from` when its old value is not
    // needed after this op (from is t itself, or a local used for the last time): for
    // instructions that read `from` only through the destination.
    Xbyak::Reg64 def_over(TempId t, TempId from);
    // Copies t's value into `dst` without caching it (call arguments).
    void load_into(const Xbyak::Reg64& dst, TempId t);
    // t's value is no longer needed (a local's discard).
    void drop(TempId t);
    // Loads global g into `reg`, which must be free, as a clean value.
    void load_global(TempId g, int reg);
    // The register holding t's value, or -1.
    int reg_of(TempId t) const { return reg_of_[t]; }

    // Writes home the dirty values held in `regs`, and dirty globals anywhere if `globals`.
    void write_back(RegSet regs, bool globals);
    // Forgets the (clean) values in `regs`, and globals anywhere if `globals`.
    void forget(RegSet regs, bool globals);
    // Env bytes [offset, offset + size) are about to be read (write=false) or written: makes
    // globals overlapping them current in memory, and for a write forgets them.
    void alias_env(uint32_t offset, uint32_t size, bool write);

    // Global g's new value is `value`, a 32-bit signed immediate: it needs no register until
    // something reads it, and goes home as an immediate store where globals are written back.
    void set_constant(TempId g, int32_t value);

    // A dirty global's register (or, with reg < 0, its constant) and home, for code off the
    // main path that must make globals current in memory without changing what the cache
    // believes.
    struct HomeStore {
        int reg;
        uint32_t home;
        int32_t constant = 0;
    };
    // Appends them to `out`.
    void dirty_globals(std::vector<HomeStore>& out) const;
    // The registers in `regs` that hold a temp's value.
    RegSet bound(RegSet regs) const;

  private:
    static constexpr uint32_t kNone = UINT32_MAX;
    struct Slot {
        uint32_t temp = kNone;
        bool dirty = false;
        uint64_t stamp = 0;  // last use, for LRU eviction
    };

    int allocate();
    void unbind(int reg);
    void store_home(int reg);
    bool needed(TempId t) const;
    void bind(int reg, TempId t, bool dirty);

    HostAssembler& code_;
    const Function& f_;
    const std::vector<uint32_t>& home_;
    const std::pair<uint32_t, uint32_t> global_homes_;
    const std::vector<uint32_t>& last_use_;
    const std::vector<uint64_t>& global_deaths_;
    const std::vector<uint64_t>& overwritten_;
    std::vector<int8_t>& reg_of_;
    std::vector<std::optional<int32_t>>& constant_;
    void store_constant(TempId g);
    void drop_constant(TempId t);
    uint64_t pending_constants_ = 0;  // bit g: constant_[g] is set
    std::array<Slot, 16> slots_{};
    RegSet locked_ = 0;
    uint32_t op_index_ = 0;
    uint64_t clock_ = 0;
};

}  // namespace kemu::tcg::x64
