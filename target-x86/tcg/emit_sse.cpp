// SSE, AVX and MMX. Moves, bitwise logic and the state instructions are emitted inline
// (or as one state helper); everything else is a call to the handler simd::find_op()
// names for the row's mnemonic, with the operands described as simd_call.h says. The
// #UD/#NM rules come from CR0, CR4 and XCR0 through the block's flags.
#include <algorithm>
#include <string_view>
#include <unordered_map>

#include "system/log.h"
#include "target-x86/tcg/emit.h"
#include "target-x86/tcg/host_simd_form.h"
#include "target-x86/tcg/simd.h"
#include "target-x86/tcg/simd_call.h"
#include "target-x86/tcg/simd_fp.h"
#include "tcg/vfp.h"

namespace kemu::x86 {

namespace {

using simd::Loc;
using tcg::VfpForm;
using tcg::VfpOperation;

std::string_view mnemonic(const DecodedInsn& in) {
    std::string_view s = in.sdm;
    return s.substr(0, s.find(' '));
}

bool is_vex(const Ctx& c) {
    return c.in->attrs & kAttrVex;
}

bool has_kind(const DecodedInsn& in, OperandKind k) {
    for (unsigned i = 0; i < in.operand_count; i++)
        if (in.operands[i].kind == k) return true;
    return false;
}

// #UD when the block flags carry any of `ud`, else #NM with CR0.TS; true when it raised.
bool undefined_or_unavailable(Ctx& c, uint32_t ud) {
    if (c.flags & ud) {
        raise_exception(c, 6);
        return true;
    }
    if (c.flags & tbflag::kSimdNm) {
        raise_exception(c, 7);
        return true;
    }
    return false;
}

// SDM vol. 3 table 2-2 and vol. 2 2.8: #UD first (CR0.EM, CR4.OSFXSR, XCR0), then #NM (CR0.TS).
bool simd_faults(Ctx& c) {
    const bool mmx = has_kind(*c.in, OperandKind::Mmx) || mnemonic(*c.in) == "EMMS";
    uint32_t ud = is_vex(c) ? tbflag::kAvxUd : 0;
    if (!is_vex(c) && mmx) ud |= tbflag::kMmxUd;
    if (!is_vex(c) && (has_kind(*c.in, OperandKind::Xmm) || !mmx)) ud |= tbflag::kSseUd;
    return undefined_or_unavailable(c, ud);
}

uint32_t xmm_offset(unsigned reg) {
    return uint32_t(offsetof(CpuEnv, s.fpu.ymm) + reg * 32);
}
uint32_t mmx_offset(unsigned reg) {
    return uint32_t(offsetof(CpuEnv, s.fpu.st) + reg * 16);
}
constexpr uint32_t kStagedOffset = uint32_t(offsetof(CpuEnv, simd_mem));

void mmx_enter(Ctx& c) {
    c.b.call(kHelper_mmx_enter, {});
}

// The memory operand's address after the segment checks for `size` bytes.
TempId mem_address(Ctx& c, unsigned size, bool write) {
    check_segment(c, unsigned(c.in->mem.seg), effective_offset(c), size, write);
    return operand_address(c);
}

// --- 8-byte pieces of an operand, for the inline moves and logic

struct Place {
    OperandKind kind;
    unsigned reg = 0;
    TempId addr = 0;     // Mem
    unsigned align = 0;  // Mem: #GP(0) unless addr is a multiple (legacy 16-byte operands,
                         // VMOVAPS and friends), checked by the piece at offset 0
};

Place place_of(Ctx& c, const Operand& o, unsigned size, bool write) {
    Place p{o.kind, o.reg};
    if (o.kind == OperandKind::Mem) p.addr = mem_address(c, size, write);
    return p;
}

uint32_t reg_offset(const Place& p) {
    return p.kind == OperandKind::Mmx ? mmx_offset(p.reg) : xmm_offset(p.reg);
}

// `size` bytes (1..8) at byte `at` of the operand.
TempId read_piece(Ctx& c, const Place& p, unsigned at, unsigned size = 8) {
    if (p.kind == OperandKind::Mem)
        return load(c, c.b.addi(p.addr, at), size, false, at == 0 ? p.align : 0);
    if (p.kind == OperandKind::Gpr) return read_gpr(c, p.reg, size);
    TempId v = c.b.ld(Opc::ld, reg_offset(p) + at);
    return size == 8 ? v : zero_extend(c, v, size);
}

void write_piece(Ctx& c, const Place& p, unsigned at, TempId v, unsigned size = 8) {
    if (p.kind == OperandKind::Mem)
        return store(c, c.b.addi(p.addr, at), v, size, at == 0 ? p.align : 0);
    if (p.kind == OperandKind::Gpr) return write_gpr(c, p.reg, size, v);
    static constexpr Opc kStore[] = {Opc::st8, Opc::st16, Opc::st32, Opc::st};
    c.b.st(kStore[log2_size(size)], v, reg_offset(p) + at);
    if (p.kind == OperandKind::Mmx) c.b.st(Opc::st16, c.b.cst(0xffff), reg_offset(p) + 8);
}

// VEX.128 (and VEX scalar) forms zero bits 128-255 of a register destination.
void zero_upper(Ctx& c, const Place& p) {
    if (!is_vex(c) || p.kind != OperandKind::Xmm) return;
    c.b.st(Opc::st, c.b.cst(0), reg_offset(p) + 16);
    c.b.st(Opc::st, c.b.cst(0), reg_offset(p) + 24);
}

// --- moves

enum class MoveKind : uint8_t {
    Full,         // MOVAPS/MOVDQU...: the whole operand
    FullAligned,  // the same with the alignment check (legacy and VEX alike)
    Scalar,       // MOVSS/MOVSD: low element; loads zero the rest, reg forms merge
    Low64,        // MOVLPS/MOVLPD/MOVHLPS
    High64,       // MOVHPS/MOVHPD/MOVLHPS
    Int,          // MOVD/MOVQ between GPR/memory and MMX/XMM, MOVQ xmm forms, MOVQ2DQ, MOVDQ2Q
};

struct MoveRow {
    MoveKind kind;
    uint8_t element = 0;  // Scalar: 4 or 8
};

const std::unordered_map<std::string_view, MoveRow>& move_rows() {
    static const std::unordered_map<std::string_view, MoveRow> rows = {
        {"MOVAPS", {MoveKind::FullAligned}},
        {"MOVAPD", {MoveKind::FullAligned}},
        {"MOVDQA", {MoveKind::FullAligned}},
        {"MOVNTPS", {MoveKind::FullAligned}},
        {"MOVNTPD", {MoveKind::FullAligned}},
        {"MOVNTDQ", {MoveKind::FullAligned}},
        {"MOVNTDQA", {MoveKind::FullAligned}},
        {"MOVUPS", {MoveKind::Full}},
        {"MOVUPD", {MoveKind::Full}},
        {"MOVDQU", {MoveKind::Full}},
        {"LDDQU", {MoveKind::Full}},
        {"MOVNTQ", {MoveKind::Full}},
        {"MOVSS", {MoveKind::Scalar, 4}},
        {"MOVSD", {MoveKind::Scalar, 8}},
        {"MOVLPS", {MoveKind::Low64}},
        {"MOVLPD", {MoveKind::Low64}},
        {"MOVHLPS", {MoveKind::Low64}},
        {"MOVHPS", {MoveKind::High64}},
        {"MOVHPD", {MoveKind::High64}},
        {"MOVLHPS", {MoveKind::High64}},
        {"MOVD", {MoveKind::Int}},
        {"MOVQ", {MoveKind::Int}},
        {"MOVQ2DQ", {MoveKind::Int}},
        {"MOVDQ2Q", {MoveKind::Int}},
    };
    return rows;
}

void emit_move(Ctx& c, const MoveRow& row) {
    const DecodedInsn& in = *c.in;
    const Operand& dst_op = in.operands[0];
    // VEX forms with three operands take the upper part from the middle (H) operand.
    const bool merge3 = in.operand_count == 3;
    const Operand& src_op = in.operands[in.operand_count - 1];
    const bool load_form = src_op.kind == OperandKind::Mem;
    const bool store_form = dst_op.kind == OperandKind::Mem;
    if (has_kind(in, OperandKind::Mmx)) mmx_enter(c);

    switch (row.kind) {
        case MoveKind::Full:
        case MoveKind::FullAligned: {
            unsigned size = dst_op.kind == OperandKind::Mem ? src_op.size : dst_op.size;
            if (!size) size = 16;
            Place src = place_of(c, src_op, size, false);
            Place dst = place_of(c, dst_op, size, true);
            if (row.kind == MoveKind::FullAligned) {
                if (load_form) src.align = size;
                if (store_form) dst.align = size;
            }
            if (size >= 16 && load_form && dst.kind == OperandKind::Xmm) {
                load_vector(c, src.addr, size, src.align, reg_offset(dst));
                if (size == 16) zero_upper(c, dst);
                return;
            }
            if (size >= 16 && store_form && src.kind == OperandKind::Xmm)
                return store_vector(c, dst.addr, size, dst.align, reg_offset(src));
            if (size >= 16 && src.kind == OperandKind::Xmm && dst.kind == OperandKind::Xmm) {
                c.b.emit(Opc::vmov, tcg::Type::I64, {reg_offset(dst), reg_offset(src), size});
                if (size == 16) zero_upper(c, dst);
                return;
            }
            // Read everything first: a fault on the source must leave the destination alone.
            TempId v[4];
            for (unsigned i = 0; i < size / 8; i++)
                v[i] = read_piece(c, src, 8 * i);
            for (unsigned i = 0; i < size / 8; i++)
                write_piece(c, dst, 8 * i, v[i]);
            if (size == 16) zero_upper(c, dst);
            return;
        }
        case MoveKind::Scalar: {
            const unsigned e = row.element;
            Place src = place_of(c, src_op, e, false);
            Place dst = place_of(c, dst_op, e, true);
            TempId low = read_piece(c, src, 0, e);
            if (store_form) return write_piece(c, dst, 0, low, e);
            if (load_form) {
                write_piece(c, dst, 0, low, 8);
                write_piece(c, dst, 8, c.b.cst(0));
                return zero_upper(c, dst);
            }
            if (merge3) {
                Place upper{OperandKind::Xmm, in.operands[1].reg};
                TempId lo = read_piece(c, upper, 0), hi = read_piece(c, upper, 8);
                write_piece(c, dst, 0, lo);
                write_piece(c, dst, 8, hi);
            }
            write_piece(c, dst, 0, low, e);
            return zero_upper(c, dst);
        }
        case MoveKind::Low64:
        case MoveKind::High64: {
            const bool high = row.kind == MoveKind::High64;
            Place src = place_of(c, src_op, 8, false);
            Place dst = place_of(c, dst_op, 8, true);
            if (store_form) return write_piece(c, dst, 0, read_piece(c, src, high ? 8 : 0));
            // MOVHLPS takes the source's high half, MOVLHPS its low half; memory forms 8 bytes.
            std::string_view m = mnemonic(in);
            unsigned from = m == "MOVHLPS" ? 8 : 0;
            TempId v = read_piece(c, src, from);
            if (merge3) {
                Place other{OperandKind::Xmm, in.operands[1].reg};
                TempId keep = read_piece(c, other, high ? 0 : 8);
                write_piece(c, dst, high ? 0 : 8, keep);
            }
            write_piece(c, dst, high ? 8 : 0, v);
            return zero_upper(c, dst);
        }
        case MoveKind::Int: {
            unsigned size = src_op.kind == OperandKind::Gpr || src_op.kind == OperandKind::Mem
                                ? src_op.size
                                : dst_op.size;
            if (dst_op.kind == OperandKind::Gpr || dst_op.kind == OperandKind::Mem)
                size = dst_op.size;
            if (!size || size > 8) size = 8;
            Place src = place_of(c, src_op, size, false);
            Place dst = place_of(c, dst_op, size, true);
            TempId v = read_piece(c, src, 0, size);
            if (dst_op.kind == OperandKind::Gpr || store_form)
                return write_piece(c, dst, 0, v, size);
            write_piece(c, dst, 0, v, 8);
            if (dst_op.kind == OperandKind::Xmm) {
                write_piece(c, dst, 8, c.b.cst(0));
                zero_upper(c, dst);
            }
            return;
        }
    }
}

// --- bitwise logic, inline on 8-byte pieces

enum class Logic : uint8_t { And, AndNot, Or, Xor };

const std::unordered_map<std::string_view, Logic>& logic_rows() {
    static const std::unordered_map<std::string_view, Logic> rows = {
        {"PAND", Logic::And},     {"ANDPS", Logic::And},     {"ANDPD", Logic::And},
        {"PANDN", Logic::AndNot}, {"ANDNPS", Logic::AndNot}, {"ANDNPD", Logic::AndNot},
        {"POR", Logic::Or},       {"ORPS", Logic::Or},       {"ORPD", Logic::Or},
        {"PXOR", Logic::Xor},     {"XORPS", Logic::Xor},     {"XORPD", Logic::Xor},
    };
    return rows;
}

void emit_logic(Ctx& c, Logic op) {
    const DecodedInsn& in = *c.in;
    const Operand& d = in.operands[0];
    const Operand& a = in.operand_count == 3 ? in.operands[1] : d;
    const Operand& b = in.operands[in.operand_count - 1];
    const unsigned size = d.kind == OperandKind::Mmx ? 8 : d.size;
    if (d.kind == OperandKind::Mmx) mmx_enter(c);
    Place src = place_of(c, b, size, false);
    if (b.kind == OperandKind::Mem && !is_vex(c) && size == 16) src.align = 16;
    Place pa{a.kind, a.reg}, pd{d.kind, d.reg};
    // XOR/ANDN of a register with itself is the zeroing idiom: no need to read it.
    const bool same = b.kind != OperandKind::Mem && a.reg == b.reg && a.kind == b.kind;
    TempId r[4];
    for (unsigned i = 0; i < size / 8; i++) {
        if (same && (op == Logic::Xor || op == Logic::AndNot)) {
            r[i] = c.b.cst(0);
            continue;
        }
        TempId x = read_piece(c, pa, 8 * i), y = read_piece(c, src, 8 * i);
        switch (op) {
            case Logic::And:
                r[i] = c.b.and_(x, y);
                break;
            case Logic::AndNot:
                r[i] = c.b.and_(c.b.not_(x), y);
                break;
            case Logic::Or:
                r[i] = c.b.or_(x, y);
                break;
            case Logic::Xor:
                r[i] = c.b.xor_(x, y);
                break;
        }
    }
    for (unsigned i = 0; i < size / 8; i++)
        write_piece(c, pd, 8 * i, r[i]);
    if (size == 16) zero_upper(c, pd);
}

// --- everything else: one handler call

struct CallPlan {
    uint64_t codes = 0;
    TempId gpr;
    unsigned bytes = 16;
    unsigned gpr_size = 0;
    int result_operand = -1;  // GPR or memory operand taking the handler's return value
    bool staged_dst = false;  // vector result goes to memory through simd_mem
};

uint64_t reg_code(const Operand& o) {
    return simd::operand_code(o.kind == OperandKind::Mmx ? Loc::Mmx : Loc::Xmm, o.reg);
}

bool is_vector_reg(const Operand& o) {
    return o.kind == OperandKind::Xmm || o.kind == OperandKind::Mmx;
}

// Loads a vector memory source into simd_mem: its bytes, zero above.
void stage_load(Ctx& c, unsigned size, bool aligned) {
    TempId addr = mem_address(c, size, false);
    if (size >= 16) {
        load_vector(c, addr, size, aligned ? size : 0, kStagedOffset);
        for (unsigned at = size; at < 32; at += 8)
            c.b.st(Opc::st, c.b.cst(0), kStagedOffset + at);
        return;
    }
    for (unsigned at = 0; at < 32; at += 8) {
        const unsigned align = aligned && at == 0 ? size : 0;
        TempId v =
            at < size ? load(c, c.b.addi(addr, at), size < 8 ? size : 8, false, align) : c.b.cst(0);
        c.b.st(Opc::st, v, kStagedOffset + at);
    }
}

// The instruction's vector length (Args::bytes): MMX-only forms 8, VEX.256 32, others 16.
unsigned vector_length(const DecodedInsn& in) {
    if (has_kind(in, OperandKind::Mmx) && !has_kind(in, OperandKind::Xmm)) return 8;
    return (in.attrs & kAttrVex) && in.vex_l ? 32 : 16;
}

// Legacy CMPPS and friends define predicates 0-7 only; INSERTPS from memory ignores
// the source-lane bits 7:6 (the loaded dword is lane 0).
uint8_t adjusted_imm(const DecodedInsn& in) {
    std::string_view m = mnemonic(in);
    uint8_t imm = uint8_t(in.imm);
    if (!(in.attrs & kAttrVex) && m.starts_with("CMP") && m.size() == 5) imm &= 7;
    if (m == "INSERTPS" && in.has_mem()) imm &= 0x3f;
    return imm;
}

// A PCMPESTRx length register as a signed 32-bit value. With REX.W/VEX.W in 64-bit mode the
// length is all of RAX/RDX; saturating it to 32 bits keeps its sign and leaves the handler's clamp
// to the element count exact.
TempId explicit_length(Ctx& c, unsigned reg) {
    const bool wide = c.code64() && ((c.in->rex & 8) || ((c.in->attrs & kAttrVex) && c.in->vex_w));
    if (!wide) return read_gpr(c, reg, 4);
    TempId v = read_gpr(c, reg, 8);
    TempId lo = c.b.cst(uint64_t(int64_t(INT32_MIN))), hi = c.b.cst(INT32_MAX);
    v = c.b.movcond(Cond::Lt, v, lo, lo, v);
    return c.b.movcond(Cond::Gt, v, hi, hi, v);
}

// An instruction with vector operands only (and no flags, GPR or MMX results) may run as
// itself in the JIT's code; floating point only while MXCSR has the host's controls.
bool runs_as_itself(const Ctx& c, const simd::OpInfo& op, const CallPlan& plan) {
    constexpr uint32_t kNotVector =
        simd::kResultGpr | simd::kResultFlags | simd::kResultEcxFlags | simd::kGprSource;
    if ((op.flags & kNotVector) || plan.result_operand >= 0 || plan.staged_dst) return false;
    return !(op.flags & simd::kFloatingPoint) || (c.flags & tbflag::kSimdInline);
}

// The host_simd op, with the helper call the interpreter makes in its place.
void emit_host_simd(Ctx& c, HelperId helper, std::initializer_list<TempId> args,
                    const tcg::HostSimdInsn& h) {
    const uint32_t index = c.b.function().add_host_simd(h);
    const TempId* a = args.begin();
    c.b.emit(Opc::host_simd, tcg::Type::I64, {a[0], a[1], a[2], a[3], uint32_t(helper), index});
}

void emit_call(Ctx& c, const simd::OpInfo& op) {
    const DecodedInsn& in = *c.in;
    const bool vex = is_vex(c);
    CallPlan plan;
    plan.gpr = c.b.cst(0);
    uint64_t sources[3] = {};
    unsigned nsrc = 0;
    uint8_t imm = 0;
    const Operand& first = in.operands[0];

    for (unsigned i = 1; i < in.operand_count; i++) {
        const Operand& o = in.operands[i];
        const bool integer = o.kind == OperandKind::Gpr ||
                             (o.kind == OperandKind::Mem && (op.flags & simd::kGprSource));
        if (o.kind == OperandKind::Imm) {
            imm = adjusted_imm(in);
        } else if (integer) {
            plan.gpr = read_operand(c, i);
            plan.gpr_size = o.size ? o.size : in.opsize;
        } else if (o.kind == OperandKind::Mem) {
            bool aligned = !vex && o.size == 16 && !(op.flags & simd::kUnaligned);
            stage_load(c, o.size, aligned);
            if (nsrc < 3) sources[nsrc++] = simd::operand_code(Loc::Staged, 0);
        } else if (is_vector_reg(o) && nsrc < 3) {
            sources[nsrc++] = reg_code(o);
        }
    }

    uint64_t dst, a, b, cc = 0;
    const bool reads_first = op.flags & (simd::kResultFlags | simd::kResultEcxFlags);
    if (reads_first || !is_vector_reg(first)) {
        // The first operand is a source (COMISS, PTEST, PCMPxSTRx) or takes a GPR/memory result.
        if (first.kind == OperandKind::Gpr || first.kind == OperandKind::Mem) {
            plan.result_operand = 0;
            plan.gpr_size = first.size ? first.size : in.opsize;
        }
        if (!(op.flags & simd::kResultGpr) && first.kind == OperandKind::Mem) {
            plan.result_operand = -1;
            plan.staged_dst = true;
        }
        dst = plan.staged_dst ? simd::operand_code(Loc::Staged, 0)
                              : simd::operand_code(Loc::Scratch, 0);
        if (is_vector_reg(first) && reads_first) {
            a = reg_code(first);
            b = nsrc ? sources[0] : a;
            cc = nsrc > 1 ? sources[1] : 0;
        } else {
            a = nsrc ? sources[0] : 0;
            b = nsrc > 1 ? sources[1] : a;
            cc = nsrc > 2 ? sources[2] : 0;
        }
        std::string_view m = mnemonic(in);
        if (m == "PCMPESTRM" || m == "PCMPISTRM") dst = simd::operand_code(Loc::Xmm, 0);
        plan.bytes = vector_length(in);
    } else {
        dst = reg_code(first);
        if (!vex) {
            a = dst;
            b = nsrc ? sources[0] : dst;
            cc = nsrc > 1 ? sources[1] : 0;
        } else if (nsrc >= 2) {
            a = sources[0];
            b = sources[1];
            cc = nsrc > 2 ? sources[2] : 0;
        } else {
            a = b = nsrc ? sources[0] : dst;
        }
        plan.bytes = vector_length(in);
    }
    if (op.flags & simd::kResultGpr && plan.result_operand < 0 && first.kind == OperandKind::Gpr)
        plan.result_operand = 0;
    if (plan.gpr_size == 0) plan.gpr_size = in.opsize;
    // PCMPESTRx's explicit lengths: EAX in the low half, EDX in the high half.
    if (mnemonic(in).starts_with("PCMPESTR")) {
        TempId eax = zero_extend(c, explicit_length(c, RAX), 4);
        plan.gpr = c.b.or_(eax, c.b.shli(explicit_length(c, RDX), 32));
    }
    plan.codes = simd::place(simd::kDst, dst) | simd::place(simd::kA, a) |
                 simd::place(simd::kB, b) | simd::place(simd::kC, cc);
    // VEX.128 and VEX scalar forms (Vss/Vsd: 4 or 8 bytes) zero bits 128-255 alike.
    const bool upper_zero = vex && plan.bytes < 32 && first.kind == OperandKind::Xmm;
    const bool plain =
        !(op.flags & (simd::kFloatingPoint | simd::kResultFlags | simd::kResultEcxFlags));
    const HelperId helper = plain ? kHelper_simd : kHelper_simd_fp;
    const std::initializer_list<TempId> args = {
        c.b.cst(simd::op_index(op)), c.b.cst(plan.codes), plan.gpr,
        c.b.cst(simd::extras(imm, plan.bytes, plan.gpr_size, upper_zero))};
    if (runs_as_itself(c, op, plan)) {
        if (auto h = host_simd_form(in, xmm_offset, kStagedOffset)) {
            h->raises_fp = op.flags & simd::kFloatingPoint;
            emit_host_simd(c, helper, args, *h);
            return;
        }
    }
    TempId result = c.b.call(helper, args);

    if (op.flags & simd::kResultEcxFlags) write_gpr(c, RCX, 4, result);
    if (op.flags & (simd::kResultFlags | simd::kResultEcxFlags)) set_cc_dynamic(c);
    if (plan.result_operand == 0) {
        if (first.kind == OperandKind::Gpr) {
            write_gpr(c, first.reg, plan.gpr_size < 4 ? 4 : plan.gpr_size, result);
        } else {
            store(c, mem_address(c, first.size, true), result, first.size);
        }
    }
    if (plan.staged_dst) {
        TempId addr = mem_address(c, first.size, true);
        if (first.size >= 16) return store_vector(c, addr, first.size, 0, kStagedOffset);
        for (unsigned at = 0; at < first.size; at += 8)
            store(c, c.b.addi(addr, at), c.b.ld(Opc::ld, kStagedOffset + at),
                  first.size - at < 8 ? first.size - at : 8);
    }
}

// Rows whose VEX.W1 form is another instruction under the same decoder name.
constexpr std::pair<std::string_view, std::string_view> kW1Names[] = {
    {"VPSRLVD", "VPSRLVQ"},
    {"VPSLLVD", "VPSLLVQ"},
};

// The handler for a row. Names differ from the decoder's where one row covers several
// instructions: FMA3 opcode runs, VEX.W1 twins, and the immediate forms of shifts and
// VPERMILPS/PD (registered as "NAME/ib").
const simd::OpInfo* handler_for(const DecodedInsn& in) {
    std::string_view m = mnemonic(in);
    if (std::string_view fma = simd::fma_mnemonic(in.opcode, in.vex_w);
        in.map == 2 && (in.attrs & kAttrVex) && !fma.empty())
        m = fma;
    for (auto [w0, w1] : kW1Names)
        if (in.vex_w && m == w0) m = w1;
    const simd::OpInfo* op = nullptr;
    if (has_kind(in, OperandKind::Imm)) op = simd::find_op(std::string(m) + "/ib");
    if (!op) op = simd::find_op(m);
    return op && simd::fp_op_available(*op) ? op : nullptr;
}

// EMMS, and under VEX (L=0) VZEROUPPER / (L=1) VZEROALL.
void emit_emms(Ctx& c) {
    if (!is_vex(c)) {
        c.b.call(kHelper_emms, {});
        return;
    }
    const unsigned regs = c.code64() ? 16 : 8;
    for (unsigned r = 0; r < regs; r++)
        for (unsigned at = c.in->vex_l ? 0 : 16; at < 32; at += 8)
            c.b.st(Opc::st, c.b.cst(0), xmm_offset(r) + at);
}

void emit_masked_store(Ctx& c) {
    const DecodedInsn& in = *c.in;
    // DS:rDI, with the instruction's segment override and address size.
    TempId di = read_gpr(c, RDI, in.addrsize);
    check_segment(c, unsigned(in.mem.seg), di, in.operands[0].size, true);
    TempId addr = linear(c, unsigned(in.mem.seg), di);
    uint64_t codes = simd::place(simd::kA, reg_code(in.operands[0])) |
                     simd::place(simd::kB, reg_code(in.operands[1]));
    unsigned bytes = in.operands[0].kind == OperandKind::Mmx ? 8 : 16;
    c.b.call(kHelper_maskmov, {addr, c.b.cst(codes), c.b.cst(bytes)});
}

// VMASKMOVPS/PD, VPMASKMOVD/Q: the load form is "V,H,M", the store form "M,H,V"; H is the mask.
void emit_masked_vector(Ctx& c) {
    const DecodedInsn& in = *c.in;
    const bool store = in.operands[0].kind == OperandKind::Mem;
    std::string_view m = mnemonic(in);
    const unsigned element = m.ends_with("PD") || (m == "VPMASKMOVD" && in.vex_w) ? 8 : 4;
    const unsigned bytes = vector_length(in);
    TempId addr = mem_address(c, bytes, store);
    const Operand& data = in.operands[store ? 2 : 0];
    uint64_t codes = simd::place(simd::kA, reg_code(in.operands[1])) |
                     simd::place(store ? simd::kB : simd::kDst, reg_code(data));
    c.b.call(kHelper_vmaskmov,
             {addr, c.b.cst(codes), c.b.cst(bytes | element << 8 | unsigned(store) << 16)});
}

// Legacy-encoded SSE/SSE2 arithmetic, as the host's own instruction in the JIT's code, where
// the block's MXCSR lets the host compute the guest's exact result and flags.
constexpr std::pair<std::string_view, uint32_t> kInlineFp[] = {
#define KEMU_INLINE_FP(name, operation)                                           \
    {name "SS", tcg::vfp_op(VfpOperation::operation, VfpForm::ScalarSingle)},     \
        {name "SD", tcg::vfp_op(VfpOperation::operation, VfpForm::ScalarDouble)}, \
        {name "PS", tcg::vfp_op(VfpOperation::operation, VfpForm::PackedSingle)}, \
        {name "PD", tcg::vfp_op(VfpOperation::operation, VfpForm::PackedDouble)},
    KEMU_INLINE_FP("ADD", Add) KEMU_INLINE_FP("SUB", Sub) KEMU_INLINE_FP("MUL", Mul)
        KEMU_INLINE_FP("DIV", Div) KEMU_INLINE_FP("MIN", Min) KEMU_INLINE_FP("MAX", Max)
            KEMU_INLINE_FP("SQRT", Sqrt)
#undef KEMU_INLINE_FP
};

bool emit_inline_fp(Ctx& c) {
    const DecodedInsn& in = *c.in;
    if (!(c.flags & tbflag::kSimdInline) || is_vex(c) || in.operand_count != 2) return false;
    const Operand& dst = in.operands[0];
    const Operand& src = in.operands[1];
    if (dst.kind != OperandKind::Xmm) return false;
    std::string_view m = mnemonic(in);
    const auto* row = std::find_if(std::begin(kInlineFp), std::end(kInlineFp),
                                   [&](const auto& r) { return r.first == m; });
    if (row == std::end(kInlineFp)) return false;
    uint32_t src_offset;
    if (src.kind == OperandKind::Xmm) {
        src_offset = xmm_offset(src.reg);
    } else if (src.kind == OperandKind::Mem) {
        stage_load(c, src.size, src.size == 16);  // packed memory operands must be aligned
        src_offset = kStagedOffset;
    } else {
        return false;
    }
    c.b.emit(Opc::vfp, tcg::Type::I64, {row->second, xmm_offset(dst.reg), src_offset});
    return true;
}

void emit_sse(Ctx& c) {
    if (simd_faults(c)) return;
    if (emit_inline_fp(c)) return;
    std::string_view m = mnemonic(*c.in);
    if (m == "EMMS") return emit_emms(c);
    if (m == "MASKMOVQ" || m == "MASKMOVDQU") return emit_masked_store(c);
    if (m == "MOVNTI") return write_operand(c, 0, read_operand(c, 1));
    if (m == "VMASKMOVPS" || m == "VMASKMOVPD" || m == "VPMASKMOVD") return emit_masked_vector(c);
    if (auto it = move_rows().find(m); it != move_rows().end()) return emit_move(c, it->second);
    if (auto it = logic_rows().find(m); it != logic_rows().end()) return emit_logic(c, it->second);
    if (const simd::OpInfo* op = handler_for(*c.in)) return emit_call(c, *op);
    log_unimp("tcg: no SIMD handler for %s\n", c.in->sdm);
    raise_exception(c, 6);
}

// --- state instructions

void emit_ldmxcsr(Ctx& c) {
    if (simd_faults(c)) return;
    c.b.call(kHelper_ldmxcsr, {read_operand(c, 0)});
    c.end = BlockEnd::Next;  // MXCSR decides how the next SSE instructions are translated
}

void emit_stmxcsr(Ctx& c) {
    if (simd_faults(c)) return;
    write_operand(c, 0, c.b.ld(Opc::ld32u, KEMU_ENV_OFFSET(s.fpu.mxcsr)));
}

bool rex_w(const Ctx& c) {
    return c.in->rex & 8;
}

// FXSAVE/FXRSTOR fault like x87 instructions: #UD with CR0.EM, #NM with CR0.TS.
void emit_fxsave(Ctx& c) {
    if (c.flags & (tbflag::kMmxUd | tbflag::kSimdNm)) {
        raise_exception(c, (c.flags & tbflag::kMmxUd) ? 6 : 7);
        return;
    }
    TempId addr = mem_address(c, 512, c.in->op == Op::Fxsave);
    c.b.call(c.in->op == Op::Fxsave ? kHelper_fxsave : kHelper_fxrstor, {addr, c.b.cst(rex_w(c))});
    if (c.in->op == Op::Fxrstor) c.end = BlockEnd::Next;  // a new MXCSR, as LDMXCSR
}

// XSAVE needs CR4.OSXSAVE (#UD) and then CR0.TS clear (#NM).
bool xsave_faults(Ctx& c) {
    return undefined_or_unavailable(c, tbflag::kXsaveUd);
}

TempId edx_eax(Ctx& c) {
    return c.b.or_(zero_extend(c, read_gpr(c, RAX, 4), 4), c.b.shli(read_gpr(c, RDX, 4), 32));
}

void emit_xsave(Ctx& c) {
    if (xsave_faults(c)) return;
    std::string_view m = mnemonic(*c.in);
    if (m == "XSAVES") {
        raise_exception(c, 6);  // CPUID does not advertise XSAVES
        return;
    }
    TempId addr = mem_address(c, 576, true);
    const bool compacted = m == "XSAVEC";
    c.b.call(kHelper_xsave, {addr, edx_eax(c), c.b.cst(uint64_t(rex_w(c)) | compacted << 1)});
}

void emit_xrstor(Ctx& c) {
    if (xsave_faults(c)) return;
    if (mnemonic(*c.in) == "XRSTORS") {
        raise_exception(c, 6);
        return;
    }
    TempId addr = mem_address(c, 576, false);
    c.b.call(kHelper_xrstor, {addr, edx_eax(c), c.b.cst(rex_w(c))});
    c.end = BlockEnd::Next;  // a new MXCSR, as LDMXCSR
}

}  // namespace

void register_sse_emitters(EmitterTable& t) {
    t[Op::Sse] = emit_sse;
    t[Op::Ldmxcsr] = emit_ldmxcsr;
    t[Op::Stmxcsr] = emit_stmxcsr;
    t[Op::Fxsave] = t[Op::Fxrstor] = emit_fxsave;
    t[Op::Xsave] = emit_xsave;
    t[Op::Xrstor] = emit_xrstor;
}

}  // namespace kemu::x86
