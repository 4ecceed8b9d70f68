// Emitters for the integer ISA extensions: MOVBE, CRC32, ADX, BMI1, BMI2, RDRAND/RDSEED,
// RDFSBASE/RDGSBASE/WRFSBASE/WRGSBASE, RDPID and CLAC/STAC (SDM vol. 2, each one's page).
#include "target-x86/tcg/emit.h"

namespace kemu::x86 {

namespace {

constexpr TempId kNoTemp = ~0u;
constexpr unsigned kZfShift = 6, kSfShift = 7, kOfShift = 11;

// MOVBE: a load or a store with the bytes reversed; the other operand is a register.
void emit_movbe(Ctx& c) {
    const unsigned size = operand_size(c, 0);
    TempId v = read_operand(c, 1);
    TempId r = c.b.temp();
    c.b.emit(Opc::bswap, tcg::Type::I64, {r, v, size});
    write_operand(c, 0, r);
}

// CRC32: CRC-32C of the source's bytes, continuing from the destination's low 32 bits; the
// result is zero-extended into a 64-bit destination. Flags are unchanged.
void emit_crc32(Ctx& c) {
    TempId crc = read_operand(c, 0);
    TempId data = read_operand(c, 1);
    TempId r = c.b.call(kHelper_crc32c, {crc, data, c.b.cst(operand_size(c, 1))});
    write_operand(c, 0, r);
}

// The arithmetic flags as bits at their EFLAGS positions. When this block last left them as
// an EFLAGS record (as ADCX/ADOX themselves do), cc_src already holds them: carry chains of
// ADCX and ADOX then never call the flags helper.
TempId current_flags(Ctx& c) {
    if (c.cc_static && cc_kind(*c.cc_static) == CcKind::Eflags) return kGlobalCcSrc;
    return eflags(c);
}

// ADCX and ADOX: add with carry in and out through CF (ADCX) or OF (ADOX) alone, so that
// two carry chains can interleave. Every other flag keeps its value.
void emit_adx(Ctx& c) {
    const unsigned size = operand_size(c, 0);
    const unsigned bit = c.in->op == Op::Adcx ? 0 : kOfShift;
    TempId a = read_operand(c, 0);
    TempId b = read_operand(c, 1);
    TempId flags = current_flags(c);
    TempId carry_in = c.b.andi(c.b.shri(flags, bit), 1);
    TempId sum, carry_out;
    if (size == 8) {
        TempId partial = c.b.add(a, b);
        sum = c.b.add(partial, carry_in);
        carry_out =
            c.b.or_(c.b.setcond(Cond::Ltu, partial, a), c.b.setcond(Cond::Ltu, sum, partial));
    } else {
        // 32-bit operands are zero-extended: the carry lands in bit 32.
        sum = c.b.add(c.b.add(a, b), carry_in);
        carry_out = c.b.shri(sum, 32);
    }
    write_operand(c, 0, sum);
    TempId next = c.b.or_(c.b.andi(flags, ~(1ull << bit)), c.b.shli(carry_out, bit));
    set_cc(c, CcKind::Eflags, 8, c.b.cst(0), next);
}

// The flags of BZHI and BLSI/BLSMSK/BLSR: ZF and SF from the result, CF as given, OF clear.
// AF and PF are undefined; kemu clears them.
void set_bmi_flags(Ctx& c, unsigned size, TempId result, TempId cf) {
    TempId r = zero_extend(c, result, size);
    TempId zf = c.b.shli(c.b.setcond(Cond::Eq, r, c.b.cst(0)), kZfShift);
    TempId sf = c.b.shli(c.b.shri(r, 8 * size - 1), kSfShift);
    set_cc(c, CcKind::Eflags, 8, c.b.cst(0), c.b.or_(cf, c.b.or_(zf, sf)));
}

// ANDN Gy,By,Ey: ~By & Ey, flags as a logic op (AF and PF undefined).
void emit_andn(Ctx& c) {
    const unsigned size = operand_size(c, 0);
    TempId inverted = read_operand(c, 1);
    TempId src = read_operand(c, 2);
    TempId r = c.b.binop(Opc::andc, src, inverted);
    write_operand(c, 0, r);
    set_cc(c, CcKind::Logic, size, r, kNoTemp);
}

// BEXTR Gy,Ey,By: By[15:8] bits of Ey starting at bit By[7:0]; bits past the operand read
// as zero. ZF from the result, CF = OF = 0 (SF, AF, PF undefined).
void emit_bextr(Ctx& c) {
    const unsigned size = operand_size(c, 0);
    TempId src = read_operand(c, 1);  // zero-extended, so a 32-bit start of 32..63 yields 0
    TempId control = read_operand(c, 2);
    TempId start = c.b.andi(control, 0xff);
    TempId len = c.b.andi(c.b.shri(control, 8), 0xff);
    TempId sixty_four = c.b.cst(64);
    TempId shifted =
        c.b.movcond(Cond::Ltu, start, sixty_four, c.b.shr(src, c.b.andi(start, 63)), c.b.cst(0));
    TempId low_bits = c.b.sub(c.b.shl(c.b.cst(1), c.b.andi(len, 63)), c.b.cst(1));
    TempId mask = c.b.movcond(Cond::Ltu, len, sixty_four, low_bits, c.b.cst(~0ull));
    TempId r = c.b.and_(shifted, mask);
    write_operand(c, 0, r);
    set_cc(c, CcKind::Logic, size, r, kNoTemp);
}

// BZHI Gy,Ey,By: Ey with the bits from index By[7:0] up cleared; CF when the index is past
// the operand's last bit (the source is then kept whole).
void emit_bzhi(Ctx& c) {
    const unsigned size = operand_size(c, 0);
    const unsigned bits = 8 * size;
    TempId src = read_operand(c, 1);
    TempId index = c.b.andi(read_operand(c, 2), 0xff);
    TempId keep = c.b.sub(c.b.shl(c.b.cst(1), c.b.andi(index, 63)), c.b.cst(1));
    TempId r = c.b.movcond(Cond::Ltu, index, c.b.cst(bits), c.b.and_(src, keep), src);
    write_operand(c, 0, r);
    set_bmi_flags(c, size, r, c.b.setcond(Cond::Geu, index, c.b.cst(bits)));
}

// BLSI (lowest set bit), BLSMSK (mask up to it), BLSR (reset it), all By,Ey. CF: the source
// is non-zero (BLSI) or zero (BLSMSK, BLSR).
void emit_bls(Ctx& c) {
    const unsigned size = operand_size(c, 0);
    const Op op = c.in->op;
    TempId src = read_operand(c, 1);
    TempId minus_one = c.b.sub(src, c.b.cst(1));
    TempId r = op == Op::Blsi     ? c.b.and_(c.b.neg(src), src)
               : op == Op::Blsmsk ? c.b.xor_(minus_one, src)
                                  : c.b.and_(minus_one, src);
    TempId cf = c.b.setcond(op == Op::Blsi ? Cond::Ne : Cond::Eq, src, c.b.cst(0));
    write_operand(c, 0, r);
    set_bmi_flags(c, size, r, cf);
}

// MULX By,Gy,Ey: rDX * Ey unsigned, low half to VEX.vvvv, high half to ModRM.reg; no flags.
// The high half is written last: when both name one register it holds the high half.
void emit_mulx(Ctx& c) {
    const unsigned size = operand_size(c, 0);
    TempId a = read_gpr(c, RDX, size);
    TempId b = read_operand(c, 2);
    TempId lo, hi;
    if (size == 8) {
        lo = c.b.temp();
        hi = c.b.temp();
        c.b.emit(Opc::mulu2, tcg::Type::I64, {lo, hi, a, b});
    } else {
        lo = c.b.binop(Opc::mul, a, b);  // 32 x 32 bits zero-extended: exact in 64 bits
        hi = c.b.shri(lo, 32);
    }
    write_operand(c, 0, lo);
    write_operand(c, 1, hi);
}

// PDEP and PEXT Gy,By,Ey: scatter By into / gather By from the bits Ey selects; no flags.
void emit_pdep_pext(Ctx& c) {
    TempId src = read_operand(c, 1);
    TempId mask = read_operand(c, 2);
    HelperId h = c.in->op == Op::Pdep ? kHelper_pdep : kHelper_pext;
    write_operand(c, 0, c.b.call(h, {src, mask}));
}

// RORX Gy,Ey,Ib: rotate right by the masked immediate; no flags.
void emit_rorx(Ctx& c) {
    const unsigned size = operand_size(c, 0);
    const unsigned bits = 8 * size;
    const unsigned count = unsigned(c.in->imm) & (bits - 1);
    TempId a = read_operand(c, 1);
    TempId r = a;
    if (size == 8) {
        r = c.b.binop(Opc::rotr, a, c.b.cst(count));
    } else if (count) {
        r = c.b.or_(c.b.shri(a, count), c.b.shli(a, bits - count));  // a is zero-extended
    }
    write_operand(c, 0, r);
}

// SHLX SHRX SARX Gy,Ey,By: shift by By masked to the operand width; no flags.
void emit_shiftx(Ctx& c) {
    const unsigned size = operand_size(c, 0);
    const Op op = c.in->op;
    TempId a = read_operand(c, 1);
    TempId count = c.b.andi(read_operand(c, 2), 8 * size - 1);
    TempId r = op == Op::Shlx   ? c.b.shl(a, count)
               : op == Op::Shrx ? c.b.shr(a, count)
                                : c.b.sar(sign_extend(c, a, size), count);
    write_operand(c, 0, r);
}

// RDRAND and RDSEED: the helper draws from the host and sets CF (valid) with the other
// arithmetic flags clear.
void emit_rdrand(Ctx& c) {
    TempId v = c.b.call(kHelper_rdrand, {c.b.cst(operand_size(c, 0))});
    write_operand(c, 0, v);
    set_cc_dynamic(c);
}

// RDFSBASE/RDGSBASE and WRFSBASE/WRGSBASE: ModRM.reg 0 and 2 name FS, 1 and 3 GS. The
// helpers check CR4.FSGSBASE (and the canonical form of a new base) when they run.
unsigned fsgs_segment(const Ctx& c) {
    return (c.in->modrm_reg & 1) ? GS : FS;
}

void emit_rdfsbase(Ctx& c) {
    write_operand(c, 0, c.b.call(kHelper_rdfsbase, {c.b.cst(fsgs_segment(c))}));
}

void emit_wrfsbase(Ctx& c) {
    c.b.call(kHelper_wrfsbase, {c.b.cst(fsgs_segment(c)), read_operand(c, 0)});
}

// RDPID: IA32_TSC_AUX, zero-extended.
void emit_rdpid(Ctx& c) {
    write_operand(c, 0, c.b.ld(Opc::ld32u, KEMU_ENV_OFFSET(s.msr.tsc_aux)));
}

// CLAC and STAC: #UD above CPL 0 (virtual-8086 mode included); the helper checks CPUID.SMAP.
void emit_clac_stac(Ctx& c) {
    if (c.cpl() != 0) {
        raise_exception(c, 6);
        return;
    }
    c.b.call(kHelper_set_ac, {c.b.cst(c.in->op == Op::Stac)});
}

}  // namespace

void register_bitmanip_emitters(EmitterTable& t) {
    t[Op::Movbe] = emit_movbe;
    t[Op::Crc32] = emit_crc32;
    t[Op::Adcx] = t[Op::Adox] = emit_adx;
    t[Op::Andn] = emit_andn;
    t[Op::Bextr] = emit_bextr;
    t[Op::Bzhi] = emit_bzhi;
    t[Op::Blsi] = t[Op::Blsmsk] = t[Op::Blsr] = emit_bls;
    t[Op::Mulx] = emit_mulx;
    t[Op::Pdep] = t[Op::Pext] = emit_pdep_pext;
    t[Op::Rorx] = emit_rorx;
    t[Op::Shlx] = t[Op::Shrx] = t[Op::Sarx] = emit_shiftx;
    t[Op::Rdrand] = t[Op::Rdseed] = emit_rdrand;
    t[Op::Rdfsbase] = emit_rdfsbase;
    t[Op::Wrfsbase] = emit_wrfsbase;
    t[Op::Rdpid] = emit_rdpid;
    t[Op::Clac] = t[Op::Stac] = emit_clac_stac;
}

}  // namespace kemu::x86
