// Vector and floating-point ops for the x86-64 backend's BlockCompiler (vfp, vmov,
// host_simd, host_x87), and where the guest's MXCSR flags stand.
#include <array>
#include <cstring>

#include "tcg/backend_x86_64_block.h"
#include "tcg/vfp.h"

namespace kemu::tcg::x64 {

using Xbyak::CodeGenerator;
using Xbyak::Operand;
using namespace Xbyak::util;

namespace {

// The vfp ops' instructions, in vfp_op order (tcg/vfp.h).
using VfpInsn = void (CodeGenerator::*)(const Xbyak::Xmm&, const Operand&);
constexpr VfpInsn kVfpInsns[kVfpOpCount] = {
    &CodeGenerator::addss,  &CodeGenerator::addsd,  &CodeGenerator::addps,  &CodeGenerator::addpd,
    &CodeGenerator::subss,  &CodeGenerator::subsd,  &CodeGenerator::subps,  &CodeGenerator::subpd,
    &CodeGenerator::mulss,  &CodeGenerator::mulsd,  &CodeGenerator::mulps,  &CodeGenerator::mulpd,
    &CodeGenerator::divss,  &CodeGenerator::divsd,  &CodeGenerator::divps,  &CodeGenerator::divpd,
    &CodeGenerator::minss,  &CodeGenerator::minsd,  &CodeGenerator::minps,  &CodeGenerator::minpd,
    &CodeGenerator::maxss,  &CodeGenerator::maxsd,  &CodeGenerator::maxps,  &CodeGenerator::maxpd,
    &CodeGenerator::sqrtss, &CodeGenerator::sqrtsd, &CodeGenerator::sqrtps, &CodeGenerator::sqrtpd,
};

// The bytes of `h` with its registers 0..2 renamed to host[0..2] (any of 0-15): the ModRM
// fields, VEX's inverted R, B and vvvv, or for a legacy encoding a REX prefix where a
// register needs one (the memory form's REX.B for r14 stays). Returns the length; the memory
// operand's disp32 moves to *disp_at.
unsigned rename_registers(const HostSimdInsn& h, const std::array<int, 3>& host,
                          std::array<uint8_t, 16>& out, unsigned* disp_at) {
    auto field = [&](unsigned f) {
        return h.fields[f] == HostSimdInsn::kNoField ? -1 : host[h.fields[f]];
    };
    const int reg = field(0), rm = field(1), vvvv = field(2);
    const bool memory = h.env_disp_at != 0;
    uint8_t modrm = h.bytes[h.modrm_at];
    if (reg >= 0) modrm = uint8_t((modrm & ~0x38) | (reg & 7) << 3);
    if (rm >= 0) modrm = uint8_t((modrm & ~0x07) | (rm & 7));
    unsigned n = 0, from = 0;
    if (h.vex) {
        std::copy(h.bytes.begin(), h.bytes.begin() + h.length, out.begin());
        uint8_t& rxb = out[h.prefix_at + 1];
        if (reg >= 0) rxb = uint8_t((rxb & ~0x80) | (reg & 8 ? 0 : 0x80));
        if (rm >= 0) rxb = uint8_t((rxb & ~0x20) | (rm & 8 ? 0 : 0x20));
        uint8_t& wvvvv = out[h.prefix_at + 2];
        if (vvvv >= 0) wvvvv = uint8_t((wvvvv & ~0x78) | (~vvvv & 0xf) << 3);
        out[h.modrm_at] = modrm;
        *disp_at = h.env_disp_at;
        return h.length;
    }
    for (; from < h.prefix_at; from++)
        out[n++] = h.bytes[from];
    const uint8_t rex = uint8_t((reg >= 8 ? 4 : 0) | (rm >= 8 || memory ? 1 : 0));
    if (rex) out[n++] = uint8_t(0x40 | rex);
    if (memory) from++;  // the REX.B the form has
    const int shift = int(n) - int(from);
    for (; from < h.length; from++)
        out[n++] = from == h.modrm_at ? modrm : h.bytes[from];
    *disp_at = memory ? unsigned(int(h.env_disp_at) + shift) : 0;
    return n;
}

}  // namespace

// The host's MXCSR flags (the vCPU keeps them a subset of the guest's, so they are the
// guest's plus what inline SIMD ops raised since) ORed into the guest's status word, and the
// unsettled byte cleared (TargetInfo::fp_unsettled_offset). The red zone below rsp holds the
// STMXCSR word; signal frames skip it. Uses rax.
void emit_fp_settle(HostAssembler& code, const TargetInfo& t) {
    code.stmxcsr(ptr[rsp - 8]);
    code.mov(eax, dword[rsp - 8]);
    code.and_(eax, 0x3f);
    code.or_(dword[env_at(t.fp_status_offset)], eax);
    code.mov(byte[env_at(t.fp_unsettled_offset)], 0);
}

// The same where the unsettled byte says a block left flags behind.
void emit_fp_settle_if_unsettled(HostAssembler& code, const TargetInfo& t) {
    Xbyak::Label settled;
    code.cmp(byte[env_at(t.fp_unsettled_offset)], 0);
    code.je(settled);
    emit_fp_settle(code, t);
    code.L(settled);
}

// vfp ops: legacy-SSE arithmetic in place on the destination's cached register, with the
// source's register or its env bytes as the operand; the result goes to env as well, unless
// the next op is a vfp on the same destination, which stores it again and reads it, if at all,
// from the register (its operands are aligned env vectors: the same as this one or apart). A
// run such as MULPD then ADDPD on one register makes one store, not two.
void BlockCompiler::vfp(const Op& op) {
    const uint32_t dst = op.constant(1), src = op.constant(2);
    vectors_.clean_upper();
    const int source = vectors_.find(src, 16);
    if (source < 0) vectors_.read(src, 16);
    const Xbyak::Xmm d(vectors_.load(dst, 16));
    vectors_.claim(dst, 16);  // the same register, its value about to change
    if (source >= 0)
        (c_.*kVfpInsns[op.constant(0)])(d, Xbyak::Xmm(source));
    else
        (c_.*kVfpInsns[op.constant(0)])(d, ptr[env_at(src)]);
    fp_flags_ = FpFlags::Pending;
}

// A vector register move: register to register where the size is cached.
void BlockCompiler::vmov(uint32_t dst, uint32_t src, unsigned size) {
    if (!vectors_.cacheable(size)) {
        vectors_.read(src, size);
        vectors_.written(dst, size);
        for (unsigned i = 0; i < size; i += 16) {
            c_.movups(xmm0, ptr[env_at(src + i)]);
            c_.movups(ptr[env_at(dst + i)], xmm0);
        }
        return;
    }
    const int from = vectors_.load(src, size);
    const int to = vectors_.claim(dst, size);
    vectors_.copy(to, from, size);
}

// A vector instruction as itself, its result stored to env and cached. A renamable form
// runs on the cache's registers, its result in the register that held its destination;
// another is run on xmm/ymm 0-2 copied from the cache. SSE forms run with the upper halves
// clean.
void BlockCompiler::host_simd(const HostSimdInsn& h) {
    const unsigned width = h.width;
    if (width == 16) vectors_.clean_upper();
    std::array<int, 3> host{0, 1, 2};
    for (int i = 0; i < 3; i++)
        if (h.sources[i] != HostSimdInsn::kNoSource) host[i] = vectors_.load(h.sources[i], width);
    if (h.env_disp_at) vectors_.read(h.memory_offset, width);  // read from env
    const bool rename = h.renamable && h.sources[h.result_reg] == h.result;
    std::array<uint8_t, 16> bytes{};
    unsigned length = h.length, disp_at = h.env_disp_at;
    if (rename) {
        length = rename_registers(h, host, bytes, &disp_at);
    } else {
        for (int i = 0; i < 3; i++)
            if (h.sources[i] != HostSimdInsn::kNoSource) vectors_.copy(i, host[i], width);
        std::copy(h.bytes.begin(), h.bytes.end(), bytes.begin());
    }
    if (disp_at) {  // the memory operand's env offset, as r14 reaches it
        const uint32_t disp = h.memory_offset - kEnvBias;
        std::memcpy(&bytes[disp_at], &disp, 4);
    }
    for (unsigned b = 0; b < length; b++)
        c_.db(bytes[b]);
    const int result = rename ? host[h.result_reg] : h.result_reg;
    vectors_.copy(vectors_.claim(h.result, width), result, width);
    if (h.raises_fp) fp_flags_ = FpFlags::Pending;
}

// The instruction's own bytes; a memory form addresses its operand as [r14 + disp32]
// (REX.B, mod 10, rm 110), r14 being biased (env_at).
void BlockCompiler::host_x87(const Op& op) {
    const uint32_t insn = op.constant(0);
    const uint8_t escape = uint8_t(0xd8 | (insn >> 8 & 7)), modrm = uint8_t(insn);
    if (modrm >= 0xc0) {
        c_.db(escape);
        c_.db(modrm);
    } else {
        // It may read or store there: up to FNSAVE's 108 bytes.
        vectors_.read(op.constant(1), 108);
        vectors_.written(op.constant(1), 108);
        c_.db(0x41);
        c_.db(escape);
        c_.db(0x80 | (modrm & 0x38) | 6);
        c_.dd(uint32_t(op.constant(1) - kEnvBias));
    }
}

void BlockCompiler::mark_fp_unsettled() {
    c_.mov(byte[env_at(f_.target().fp_unsettled_offset)], 1);
}

// The status word complete, before something may read it or change the host's MXCSR:
// inline where this block raised the flags, else through the shared subroutine that
// settles what the unsettled byte says is left. Uses rax.
void BlockCompiler::make_fp_flags_current() {
    if (fp_flags_ == FpFlags::Pending)
        emit_fp_settle(c_, f_.target());
    else if (fp_flags_ == FpFlags::Unknown)
        call_host(stubs_.fp_settle());
    fp_flags_ = FpFlags::Settled;
}

// Control leaves the path (a branch, a label where paths join, the block's end) with
// flags pending: they are left for whoever reads them next, marked unsettled, which
// costs a store instead of a STMXCSR.
void BlockCompiler::leave_fp_flags() {
    if (fp_flags_ != FpFlags::Pending) return;
    mark_fp_unsettled();
    fp_flags_ = FpFlags::Unknown;
}

// Whether op might let anything see the guest's status word or change the host's MXCSR
// (a call, a fault) before pending flags are settled. Guest accesses settle on their slow
// path instead; branches and block ends leave them (leave_fp_flags).
bool BlockCompiler::may_see_fp_status(const Op& op) const {
    if (is_env_load(op.opc) || is_env_store(op.opc)) {
        const uint32_t at = op.constant(0), status = f_.target().fp_status_offset;
        return at < status + 4 && status < at + 8;
    }
    switch (op.opc) {
        case Opc::guest_ld:
        case Opc::guest_st:
        case Opc::guest_ld_vec:
        case Opc::guest_st_vec:
            return false;
        default:
            return op.info().flags & (kCall | kMayFault);
    }
}

bool BlockCompiler::writes_env_bytes(Opc opc) {
    return opc == Opc::vmov || opc == Opc::guest_ld_vec || opc == Opc::vfp ||
           opc == Opc::host_simd || opc == Opc::host_x87;
}

}  // namespace kemu::tcg::x64
