#include "tcg/vfp.h"

#include <cstdlib>

namespace kemu::tcg {

#if defined(__x86_64__)

namespace {

using Kernel = void (*)(uint8_t* dst, const uint8_t* src, uint32_t* status);

// One volatile asm per instruction, with the STMXCSR in the same statement: the compiler can
// neither swap a commutative instruction's operands (which NaN wins depends on their order)
// nor move the instruction across the flag read.
#define KEMU_VFP_KERNEL(name, insn)                                 \
    void name(uint8_t* dst, const uint8_t* src, uint32_t* status) { \
        uint32_t csr;                                               \
        asm volatile("movups (%1), %%xmm0\n\t" insn                 \
                     " (%2), %%xmm0\n\t"                            \
                     "movups %%xmm0, (%1)\n\tstmxcsr %0"            \
                     : "=m"(csr)                                    \
                     : "r"(dst), "r"(src)                           \
                     : "xmm0", "memory");                           \
        *status |= csr & 0x3f;                                      \
    }
#define KEMU_VFP_FORMS(op)            \
    KEMU_VFP_KERNEL(op##ss, #op "ss") \
    KEMU_VFP_KERNEL(op##sd, #op "sd") \
    KEMU_VFP_KERNEL(op##ps, #op "ps") \
    KEMU_VFP_KERNEL(op##pd, #op "pd")
KEMU_VFP_FORMS(add)
KEMU_VFP_FORMS(sub)
KEMU_VFP_FORMS(mul)
KEMU_VFP_FORMS(div)
KEMU_VFP_FORMS(min)
KEMU_VFP_FORMS(max)
KEMU_VFP_FORMS(sqrt)
#undef KEMU_VFP_FORMS
#undef KEMU_VFP_KERNEL

// In vfp_op order: operations, each in VfpForm order.
constexpr Kernel kKernels[kVfpOpCount] = {
    addss, addsd, addps, addpd, subss,  subsd,  subps,  subpd,  mulss, mulsd,
    mulps, mulpd, divss, divsd, divps,  divpd,  minss,  minsd,  minps, minpd,
    maxss, maxsd, maxps, maxpd, sqrtss, sqrtsd, sqrtps, sqrtpd,
};

}  // namespace

void run_vfp(uint32_t op, uint8_t* dst, const uint8_t* src, uint32_t* status) {
    kKernels[op](dst, src, status);
}

void trim_host_fp_flags(uint32_t status) {
    uint32_t csr;
    asm volatile("stmxcsr %0" : "=m"(csr));
    uint32_t trimmed = csr & ~(0x3f & ~status);
    if (trimmed != csr) asm volatile("ldmxcsr %0" : : "m"(trimmed));
}

void settle_host_fp_flags(uint8_t& unsettled, uint32_t& status) {
    uint32_t csr;
    asm volatile("stmxcsr %0" : "=m"(csr));
    status |= csr & 0x3f;
    unsettled = 0;
}

#else

// Frontends check kVfpAvailable and never emit the op on other hosts.
void run_vfp(uint32_t, uint8_t*, const uint8_t*, uint32_t*) {
    std::abort();
}

void trim_host_fp_flags(uint32_t) {}

void settle_host_fp_flags(uint8_t& unsettled, uint32_t&) {
    unsettled = 0;
}

#endif

}  // namespace kemu::tcg
