// What the emitter needs to know about simd_fp.cpp's handlers beyond vec.h.
//
// The floating-point handlers run the host's own SSE/FMA/F16C instructions under the
// guest's MXCSR, so results and flags are the host's, bit for bit. Operand conventions
// beyond vec.h's:
//  - CMPPS/PD/SS/SD use imm bits 4:0 (the VEX predicates 0-31). The legacy encodings only
//    define bits 2:0: the caller passes `imm & 7` for them.
//  - Widening conversions (CVTPS2PD, CVTDQ2PD, VCVTPH2PS): `bytes` is the destination
//    width; the source is its low bytes/2 (a memory source is bytes/2 bytes).
//  - Narrowing conversions (CVTPD2PS, CVTPD2DQ, CVTTPD2DQ, VCVTPS2PH): `bytes` is the
//    source width (VEX.L); they write `bytes` bytes of dst: the result in the low bytes/2,
//    zeros above. VCVTPS2PH's source is b (its ModRM.reg register); a memory destination
//    receives the low bytes/2.
//  - Scalar forms write 16 bytes (upper lanes from a; FMA: from dst), and zeros in bytes
//    16-31 when bytes == 32 (VEX.LIG with L=1).
//  - MMX conversions: CVTPI2PS writes 16 bytes (the high 8 from a), CVTPI2PD 16, and
//    CVTPS2PI, CVTTPS2PI, CVTPD2PI, CVTTPD2PI write the 8 bytes of the MMX register; the
//    caller does the x87-to-MMX transition. `bytes` is not used by them.
//  - COMISS/COMISD/UCOMISS/UCOMISD return ZF, PF and CF at their RFLAGS positions.
//  - On an unmasked exception a kResultGpr or kResultFlags handler returns 0: the caller
//    must not write the GPR or the flags.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "target-x86/tcg/simd.h"

namespace kemu::x86::simd {

// Whether the host can run this fp_ops() handler (SSE3, SSE4.1, FMA and F16C are checked
// at run time; a host lacking one must report #UD for those rows). True for ops that are
// not in fp_ops(). Entries are matched by handler and mnemonic, so a copy of one works.
bool fp_op_available(const OpInfo& op);

// The decoder names each FMA3 row as a span ("VFMADDSUB132PS..VFNMSUB132SD" over
// 0F38 96-9F, and the 213 and 231 runs at A6-AF and B6-BF); this is the SDM mnemonic of
// one opcode of those runs with its VEX.W ("VFMADD231SD" for B9 W1), or "" outside them.
std::string_view fma_mnemonic(uint8_t opcode, bool vex_w);

// The CPUID features (cpuid_features.def names) whose floating-point instructions this host
// cannot run, so TCG must not advertise them.
std::vector<std::string_view> fp_features_host_lacks();

}  // namespace kemu::x86::simd
