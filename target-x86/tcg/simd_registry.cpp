// The vector handlers by mnemonic, and the two helpers translated code calls to run one:
// they turn simd_call.h's operand codes into an Args, run the handler, and put its
// results where the instruction says (MMX's x87 view, VEX.128's zeroed upper half,
// flags, #XM).
#include <string>
#include <unordered_map>
#include <vector>

#include "system/log.h"
#include "target-x86/tcg/cc_op.h"
#include "target-x86/tcg/cpu_mode.h"
#include "target-x86/tcg/cpu_runtime.h"
#include "target-x86/tcg/exceptions.h"
#include "target-x86/tcg/simd.h"
#include "target-x86/tcg/simd_call.h"
#include "target-x86/tcg/simd_state.h"

namespace kemu::x86 {

namespace simd {

namespace {

struct Registry {
    std::vector<OpInfo> ops;
    std::unordered_map<std::string_view, unsigned> by_mnemonic;

    Registry() {
        for (auto table : {integer_ops(), fp_ops()}) {
            for (const OpInfo& op : table) {
                if (!by_mnemonic.emplace(op.mnemonic, unsigned(ops.size())).second)
                    log_unimp("simd: %.*s has two handlers; the first wins\n",
                              int(op.mnemonic.size()), op.mnemonic.data());
                ops.push_back(op);
            }
        }
    }
};

const Registry& registry() {
    static const Registry r;
    return r;
}

}  // namespace

// The handlers by index for the helpers, set by the first lookup: a helper call always
// comes from a translated lookup, and this spares it a static-initialization check.
static const OpInfo* handlers_by_index = nullptr;

const OpInfo* find_op(std::string_view mnemonic) {
    const Registry& r = registry();
    handlers_by_index = r.ops.data();
    auto it = r.by_mnemonic.find(mnemonic);
    return it == r.by_mnemonic.end() ? nullptr : &r.ops[it->second];
}

unsigned op_index(const OpInfo& op) {
    return unsigned(&op - registry().ops.data());
}

}  // namespace simd

namespace {

using simd::Loc;
using simd::Slot;

// MMX values are copied out of the x87 registers' 16-byte slots into whole Vecs.
struct Operands {
    simd::Vec mmx[4];
    simd::Vec scratch;
};

simd::Vec* resolve(CpuEnv& e, Operands& o, uint64_t codes, Slot s) {
    const unsigned reg = simd::reg_of(codes, s);
    switch (simd::loc_of(codes, s)) {
        case Loc::None:
            return nullptr;
        case Loc::Xmm:
            return reinterpret_cast<simd::Vec*>(e.s.fpu.ymm[reg].data());
        case Loc::Mmx:
            std::memcpy(o.mmx[s].b, e.s.fpu.st[reg].data(), 8);
            return &o.mmx[s];
        case Loc::Staged:
            return reinterpret_cast<simd::Vec*>(e.simd_mem);
        case Loc::Scratch:
            return &o.scratch;
    }
    return nullptr;
}

bool uses_mmx(uint64_t codes) {
    for (Slot s : {simd::kDst, simd::kA, simd::kB, simd::kC})
        if (simd::loc_of(codes, s) == Loc::Mmx) return true;
    return false;
}

uint64_t run(void* env, uint64_t index, uint64_t codes, uint64_t gpr, uint64_t extras) {
    CpuEnv& e = *static_cast<CpuEnv*>(env);
    const simd::OpInfo& op = simd::handlers_by_index[index];
    if (uses_mmx(codes)) mmx_enter(e);
    Operands o;
    simd::Args args{resolve(e, o, codes, simd::kDst),
                    resolve(e, o, codes, simd::kA),
                    resolve(e, o, codes, simd::kB),
                    resolve(e, o, codes, simd::kC),
                    gpr,
                    &e.s.fpu.mxcsr,
                    uint8_t(extras),
                    uint8_t(extras >> 8),
                    uint8_t(extras >> 16),
                    false};
    uint64_t result = op.fn(args);
    if (args.unmasked_fault) {
        uint8_t vector = (e.s.cr4 & cr4bit::OSXMMEXCPT) ? x86::vec::XM : x86::vec::UD;
        e.runtime->raise(vector, std::nullopt);
    }
    if (simd::loc_of(codes, simd::kDst) == Loc::Mmx) {
        auto& reg = e.s.fpu.st[simd::reg_of(codes, simd::kDst)];
        std::memcpy(reg.data(), o.mmx[simd::kDst].b, 8);
        reg[8] = reg[9] = 0xff;  // an MMX write sets the register's exponent to all ones
    }
    if ((extras >> 24 & 1) && simd::loc_of(codes, simd::kDst) == Loc::Xmm)
        std::fill(e.s.fpu.ymm[simd::reg_of(codes, simd::kDst)].begin() + 16,
                  e.s.fpu.ymm[simd::reg_of(codes, simd::kDst)].end(), 0);
    if (op.flags & simd::kResultEcxFlags) {
        e.cc_op = kCcEflags;
        e.cc_src = (result >> 32) & kArithFlags;
        return uint32_t(result);
    }
    if (op.flags & simd::kResultFlags) {
        e.cc_op = kCcEflags;
        e.cc_src = result & kArithFlags;
    }
    return result;
}

}  // namespace

// (handler index, operand codes, integer source, extras): see simd_call.h.
uint64_t helper_simd(void* env, uint64_t index, uint64_t codes, uint64_t gpr, uint64_t extras) {
    return run(env, index, codes, gpr, extras);
}

uint64_t helper_simd_fp(void* env, uint64_t index, uint64_t codes, uint64_t gpr, uint64_t extras) {
    return run(env, index, codes, gpr, extras);
}

// MASKMOVQ/MASKMOVDQU: (linear address of DS:rDI, operand codes (A: data, B: mask), bytes).
// Each byte whose mask byte has its top bit set is stored; the others are not touched.
uint64_t helper_maskmov(void* env, uint64_t linear, uint64_t codes, uint64_t bytes, uint64_t) {
    CpuEnv& e = *static_cast<CpuEnv*>(env);
    if (uses_mmx(codes)) mmx_enter(e);
    Operands o;
    const simd::Vec* data = resolve(e, o, codes, simd::kA);
    const simd::Vec* mask = resolve(e, o, codes, simd::kB);
    for (unsigned i = 0; i < bytes; i++)
        if (mask->b[i] & 0x80) e.runtime->write(linear + i, 1, data->b[i], Priv::Current);
    return 0;
}

// VMASKMOVPS/PD and VPMASKMOVD/Q: (linear address, operand codes (dst, A: mask, B: data for a
// store), bytes | element size << 8 | store << 16). Only the elements whose mask element has
// its top bit set touch memory, so only they can fault; a load zeroes the others.
uint64_t helper_vmaskmov(void* env, uint64_t linear, uint64_t codes, uint64_t shape, uint64_t) {
    CpuEnv& e = *static_cast<CpuEnv*>(env);
    const unsigned bytes = shape & 0xff, element = (shape >> 8) & 0xff;
    const bool store = shape >> 16 & 1;
    Operands o;
    const simd::Vec* mask = resolve(e, o, codes, simd::kA);
    auto selected = [&](unsigned i) { return mask->b[i * element + element - 1] & 0x80; };
    if (store) {
        const simd::Vec* data = resolve(e, o, codes, simd::kB);
        for (unsigned i = 0; i < bytes / element; i++)
            if (selected(i))
                e.runtime->write(linear + i * element, element,
                                 element == 8 ? data->get<uint64_t>(i) : data->get<uint32_t>(i),
                                 Priv::Current);
        return 0;
    }
    simd::Vec loaded{};
    for (unsigned i = 0; i < bytes / element; i++) {
        if (!selected(i)) continue;
        uint64_t v = e.runtime->read(linear + i * element, element, Priv::Current);
        element == 8 ? loaded.set<uint64_t>(i, v) : loaded.set<uint32_t>(i, uint32_t(v));
    }
    auto& dst = e.s.fpu.ymm[simd::reg_of(codes, simd::kDst)];
    std::memcpy(dst.data(), loaded.b, bytes);
    if (bytes == 16) std::fill(dst.begin() + 16, dst.end(), 0);
    return 0;
}

}  // namespace kemu::x86
