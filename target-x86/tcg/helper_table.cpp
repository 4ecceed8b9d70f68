#include "target-x86/tcg/helper_ids.h"

namespace kemu::x86 {

#define HELPER(name, flags) \
    uint64_t helper_##name(void* env, uint64_t, uint64_t, uint64_t, uint64_t);
#include "target-x86/tcg/helpers.def"
#undef HELPER

namespace {

using tcg::kHelperMayFault;
using tcg::kHelperNoGlobals;
using tcg::kHelperPure;

constexpr tcg::HelperInfo kHelpers[] = {
#define HELPER(name, flags) {#name, helper_##name, flags},
#include "target-x86/tcg/helpers.def"
#undef HELPER
};
static_assert(std::size(kHelpers) == kHelperCount);

}  // namespace

std::span<const tcg::HelperInfo> x86_helpers() {
    return kHelpers;
}

}  // namespace kemu::x86
