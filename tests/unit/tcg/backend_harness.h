// Runs one IR Function through the interpreter and through the x86-64 backend from the same
// initial state and compares what they leave behind. The fake target is a plain struct as
// env: globals, plain fields for env loads and stores, a trace the helpers write, the insn
// index, the scratch area (not compared: each backend keeps its locals its own way) and a
// softmmu TLB (not compared: its addends point into each run's own guest memory).
//
// Guest memory is a small array that the slow path (fake guest_load/guest_store) wraps
// addresses into. A TLB entry maps a page onto the same bytes, so a hit and a miss touch the
// same memory; but a slow load also adds global g5 to its value and leaves a trace, so an
// access that hits in one run and misses in the other shows, besides being counted.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "tcg/exit.h"
#include "tcg/ir.h"

namespace kemu::tcg::backend_test {

inline constexpr unsigned kGlobals = 8;
inline constexpr unsigned kScratchSlots = 64;
inline constexpr unsigned kGuestBytes = 128;

// The fake TLB: 64-byte pages (two fill the guest array), four entries per MMU index.
inline constexpr unsigned kPageBits = 6;
inline constexpr uint64_t kPageSize = 1ull << kPageBits;
inline constexpr unsigned kTlbEntries = 4;
inline constexpr unsigned kMmuCount = 3;
inline constexpr uint64_t kTlbInvalid = ~0ull;
// Any low bit in a tag (here: "not plain RAM") makes every access to the page go slow.
inline constexpr uint64_t kTlbFlag = 1;

// One TLB entry as a test writes it: the guest page it maps and its read and write tags
// (the page for a hit, or the page with flag bits, or invalid).
struct FakeTlbEntry {
    uint64_t page = 0;
    uint64_t read_tag = kTlbInvalid;
    uint64_t write_tag = kTlbInvalid;
};

inline unsigned tlb_index(uint64_t addr) {
    return unsigned(addr >> kPageBits) % kTlbEntries;
}
inline uint64_t page_of(uint64_t addr) {
    return addr & ~(kPageSize - 1);
}

// How the fake target lays its TLB out in env: absent (every access calls out), entries of
// a power-of-two size, or of an odd size (the probe scales the index differently).
enum class TlbShape { Absent, PowerOfTwo, Odd };
inline constexpr TlbShape kTlbShapes[] = {TlbShape::Absent, TlbShape::PowerOfTwo, TlbShape::Odd};
// Room for either layout: up to 32-byte entries, one spare entry between MMU tables.
inline constexpr unsigned kTlbWords = kMmuCount * (kTlbEntries + 1) * 4;

struct TestEnv {
    uint64_t g[kGlobals];
    uint64_t field[4];
    uint64_t trace;  // helpers and guest memory accesses leave their arguments here
    uint32_t insn_index;
    uint32_t fp_status;              // TargetInfo::fp_status_offset (vfp ops)
    uint8_t fp_unsettled;            // TargetInfo::fp_unsettled_offset
    alignas(16) uint8_t vec[4][16];  // vfp operands; vector moves and accesses
    uint64_t scratch[kScratchSlots];
    uint64_t tlb[kTlbWords];  // laid out by the target's TlbLayout, filled in by each run
};
inline constexpr size_t kComparedBytes = offsetof(TestEnv, scratch);
inline constexpr uint32_t kFieldOffset = offsetof(TestEnv, field);
inline constexpr uint32_t kGlobalOffset = offsetof(TestEnv, g);
inline constexpr uint32_t kVecOffset = offsetof(TestEnv, vec);

// Helpers of the fake target, by index.
enum Helper : uint32_t {
    kMix,      // reads and writes globals
    kPure,     // kHelperNoGlobals | kHelperPure
    kTrace,    // kHelperNoGlobals, writes the trace field
    kClobber,  // overwrites globals g0 and g1
    kPaddd,    // vec[a & 1] += vec[b & 1] in 32-bit lanes: host_simd's fallback for PADDD
    kHelperCount,
};

const TargetInfo& test_target(TlbShape shape = TlbShape::PowerOfTwo);

struct Machine {
    TestEnv env{};
    std::array<uint8_t, kGuestBytes> guest{};
    std::array<std::array<FakeTlbEntry, kTlbEntries>, kMmuCount> tlb{};  // all invalid
};

struct Outcome {
    Machine machine;
    BlockExit exit;
    unsigned calls = 0;   // guest_load/guest_store calls
    unsigned misses = 0;  // those that missed the TLB
};

Outcome run_interpreter(const Function& f, const Machine& init);
// sse_only: the backend compiles vector code as for a host without AVX.
Outcome run_backend(const Function& f, const Machine& init, bool sse_only = false);

// Empty when both runs agree; otherwise what differs, followed by the function's text.
// Besides state, the backend must call out exactly for the interpreter's TLB misses (for
// every access when the target has no TLB). A function with vector ops runs on the backend
// a second time as without AVX. The interpreter's run goes to `reference`.
std::string compare_runs(const Function& f, const Machine& init, Outcome* reference = nullptr);

}  // namespace kemu::tcg::backend_test
