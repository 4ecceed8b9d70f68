// Floating-point arithmetic on vectors in the CPU state block, as the host's SSE computes
// it: the vfp IR op. A frontend emits it only where the host instruction's result and
// exception flags are exactly the guest's (an x86 guest whose MXCSR has the host's controls
// on an x86-64 host); the JIT emits the instruction itself and the interpreter calls
// run_vfp, so both give bit-identical results.
//
// The op works on the host's MXCSR as it stands: the caller keeps its controls at round to
// nearest, no DAZ/FTZ, all exceptions masked, and its flags a subset of the guest's, so ORing
// them into the guest's MXCSR after each op adds exactly the flags that op raised.
#pragma once

#include <cstdint>

namespace kemu::tcg {

// Operation x form: bits 1:0 the form, the rest the operation.
enum class VfpForm : uint8_t { ScalarSingle, ScalarDouble, PackedSingle, PackedDouble };
enum class VfpOperation : uint8_t { Add, Sub, Mul, Div, Min, Max, Sqrt, Count };

constexpr uint32_t vfp_op(VfpOperation operation, VfpForm form) {
    return uint32_t(operation) << 2 | uint32_t(form);
}
constexpr VfpOperation vfp_operation(uint32_t op) {
    return VfpOperation(op >> 2);
}
constexpr VfpForm vfp_form(uint32_t op) {
    return VfpForm(op & 3);
}
constexpr uint32_t kVfpOpCount = uint32_t(VfpOperation::Count) << 2;

// Whether this build can run vfp ops (an x86-64 host).
constexpr bool kVfpAvailable =
#if defined(__x86_64__)
    true;
#else
    false;
#endif

// dst = dst <op> src on 16-byte vectors, flags ORed into *status.
void run_vfp(uint32_t op, uint8_t* dst, const uint8_t* src, uint32_t* status);

// Clears the host MXCSR flags that `status` lacks, restoring the vfp ops' precondition after
// the guest's MXCSR was written (LDMXCSR, FXRSTOR, XRSTOR, a new vCPU state).
void trim_host_fp_flags(uint32_t status);

// JIT code left flags in the host's MXCSR (TargetInfo::fp_unsettled_offset): ORs them into
// `status` and clears `unsettled`.
void settle_host_fp_flags(uint8_t& unsettled, uint32_t& status);

}  // namespace kemu::tcg
