// What the x86-64 backend works out about a block before it emits any code: where each temp
// lives in env, how long locals live, and where a global's register may take a result.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "tcg/backend_x86_64_regs.h"
#include "tcg/ir.h"

namespace kemu::tcg::x64 {

// Where each temp lives in env (memory.home), as the interpreter lays it out: globals in
// their fields, locals in scratch slots in order; and the env bytes the globals' fields
// cover (memory.global_homes). The scratch slots used, or nullopt when too few.
std::optional<uint32_t> assign_homes(const Function& f, RegCache::Memory& memory);
// last[t]: the last op that mentions local t (RegCache::kLiveForever for every local when a
// branch goes back). label_seen is working memory.
void last_uses(const Function& f, std::vector<uint32_t>& last, std::vector<bool>& label_seen);
// deaths[i] bit g: global g's value is not needed after op i reads it. overwritten[i] bit g:
// from op i on, the next thing to happen to g is a write, with nothing looking at it before
// (a register evicted during op i need not take g's value home). Both all zero in a block
// that branches backwards. label_seen is working memory.
void global_deaths(const Function& f, std::vector<uint64_t>& deaths,
                   std::vector<uint64_t>& overwritten, std::vector<bool>& label_seen);
// Whether f has an op `opc`.
bool uses(const Function& f, Opc opc);

}  // namespace kemu::tcg::x64
