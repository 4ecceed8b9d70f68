// IR optimisation before a block is compiled: constant and copy propagation with
// folding, then dead-code elimination by backward liveness. Stores to globals that a
// later op overwrites with no possible observer in between (a helper call, a guest
// memory access that may fault, a block exit) are dead too — which is what removes
// most lazy-flag bookkeeping between flag-setting instructions. Last, a value computed
// into a local only to be copied to a global is computed into the global itself.
#pragma once

#include "tcg/ir.h"

namespace kemu::tcg {

struct OptimizeStats {
    unsigned folded = 0;   // ops whose result became a constant
    unsigned removed = 0;  // dead ops dropped
};

OptimizeStats optimize(Function& f);

}  // namespace kemu::tcg
