// Guest accesses that share one inline TLB probe: those a few bytes apart from one base value
// (a structure's fields, a stack frame, a kernel's globals at constant addresses) land on one
// guest page, so the first of them (the leader) checks the whole span once and keeps the
// page's addend in an env slot, and the others (followers) take it from there.
//
// A follower's address is its leader's plus a constant the block fixes, and nothing between
// them can change the TLB's translations (no helper call, no label), so the leader's check
// holds for it. When the span is not on one mapped page (not cached, runs into the next page,
// a flagged tag), the leader stores an odd value instead of the addend, and every member
// probes on its own: a follower's check of the slot is one test.
#pragma once

#include <cstdint>
#include <vector>

#include "tcg/ir.h"

namespace kemu::tcg::x64 {

// Groups open at once, each holding an env slot for its addend.
inline constexpr unsigned kMaxProbeGroups = 4;

struct ProbeShare {
    enum class Role : uint8_t { Alone, Leader, Follower };
    Role role = Role::Alone;
    bool read = false, write = false;  // a leader: the tags its span needs
    int32_t first = 0, last = 0;       // a leader: the span's first and last byte, from its address
    uint32_t slot = 0;                 // a leader or follower: env offset of the group's addend
};

// Working memory of share_probes, kept from block to block.
struct ProbeSharingMemory {
    uint64_t epoch = 0;
    std::vector<uint64_t> form_epoch;  // per temp: the epoch its form was set in
    std::vector<uint32_t> form_root;
    std::vector<uint64_t> form_disp;
};

// share[i] for f's ops up to its last access (Alone but for guest_ld/guest_st; past the
// end of `share`, every op is Alone). `probes`: whether the
// backend probes the TLB inline at all; `slots` env offsets, 8 bytes each, free for the
// groups' addends (none: no sharing).
void share_probes(const Function& f, bool probes, const std::vector<uint32_t>& slots,
                  std::vector<ProbeShare>& share, ProbeSharingMemory& memory);

}  // namespace kemu::tcg::x64
