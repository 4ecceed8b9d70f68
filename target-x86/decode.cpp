// decode(): prefixes, REX/VEX, opcode map lookup, ModRM/SIB/displacement,
// immediates and operand resolution, all driven by the rows of opcode_tables*.
// Nothing here looks at an opcode value except the escapes (0F, 0F 38, 0F 3A,
// C4/C5) and the prefix bytes. See docs/decoder.md.
#include "target-x86/decode.h"

#include "target-x86/cpu_state.h"
#include "target-x86/opcode_tables.h"

namespace kemu::x86 {

const char* op_name(Op op) {
    static constexpr const char* kNames[] = {
#define X86_OP(name, doc) #name,
#include "target-x86/insn_ops.def"
#undef X86_OP
    };
    auto i = static_cast<size_t>(op);
    return i < std::size(kNames) ? kNames[i] : "?";
}

namespace {

constexpr unsigned kMaxLength = 15;

// Legacy prefix bytes and what they set; REX and VEX are handled apart.
enum class PrefixKind : uint8_t { None, Seg, OpSize, AddrSize, Lock, Rep, Repne };
struct PrefixByte {
    PrefixKind kind = PrefixKind::None;
    int8_t seg = -1;
};
constexpr std::array<PrefixByte, 256> kPrefixBytes = [] {
    std::array<PrefixByte, 256> t{};
    t[0x26] = {PrefixKind::Seg, ES};
    t[0x2e] = {PrefixKind::Seg, CS};
    t[0x36] = {PrefixKind::Seg, SS};
    t[0x3e] = {PrefixKind::Seg, DS};
    t[0x64] = {PrefixKind::Seg, FS};
    t[0x65] = {PrefixKind::Seg, GS};
    t[0x66] = {PrefixKind::OpSize};
    t[0x67] = {PrefixKind::AddrSize};
    t[0xf0] = {PrefixKind::Lock};
    t[0xf2] = {PrefixKind::Repne};
    t[0xf3] = {PrefixKind::Rep};
    return t;
}();

// 16-bit ModRM.rm forms: base, index, and whether the default segment is SS.
struct Mem16Form {
    int8_t base, index;
    bool ss;
};
constexpr Mem16Form kMem16[8] = {
    {3, 6, false},  {3, 7, false},  {5, 6, true},  {5, 7, true},
    {6, -1, false}, {7, -1, false}, {5, -1, true}, {3, -1, false},
};

// Valid control registers: CR0, CR2, CR3, CR4, CR8.
constexpr bool valid_cr(unsigned n) {
    return n == 0 || n == 2 || n == 3 || n == 4 || n == 8;
}

// The FCMOVcc conditions of DA/DB /0-/3 as Jcc condition codes (B, E, BE, U; DB negates).
constexpr uint8_t kFcmovCond[4] = {0x2, 0x4, 0x6, 0xa};

class Decoder {
  public:
    Decoder(std::span<const uint8_t> bytes, CodeSize mode, uint64_t ip)
        : bytes_(bytes), mode_(mode), ip_(ip) {}

    DecodeResult run() {
        DecodeStatus st = decode_all();
        if (st != DecodeStatus::Ok) return {st, DecodedInsn{}};
        return {DecodeStatus::Ok, d_};
    }

  private:
    bool mode64() const { return mode_ == CodeSize::Bits64; }

    // Reads `n` more bytes, little-endian; false (with status_) when they are not there.
    bool take(unsigned n, uint64_t& out) {
        if (pos_ + n > kMaxLength) return fail(DecodeStatus::TooLong);
        if (pos_ + n > bytes_.size()) return fail(DecodeStatus::NeedBytes);
        out = 0;
        for (unsigned i = 0; i < n; i++)
            out |= uint64_t(bytes_[pos_ + i]) << (8 * i);
        pos_ += n;
        return true;
    }
    bool take8(uint8_t& out) {
        uint64_t v;
        if (!take(1, v)) return false;
        out = uint8_t(v);
        return true;
    }
    bool fail(DecodeStatus st) {
        status_ = st;
        return false;
    }

    DecodeStatus decode_all();
    bool read_prefixes(uint8_t& opcode);
    bool read_vex(uint8_t first);
    bool read_opcode(uint8_t first);
    const OpcodeRow* select_row();
    bool row_matches(const OpcodeRow& r, uint8_t mandatory) const;
    void set_sizes(const OpcodeRow& r);
    bool read_modrm_memory();
    bool read_operands(const RowDef& def);
    bool add_operand(const OperandSpec& spec);
    uint8_t size_of(Size s) const;
    bool read_immediate(Size s, uint8_t& size_out, uint64_t& value);
    Operand gpr(unsigned reg, uint8_t size) const;
    int8_t effective_seg(int8_t deflt) const;
    void finish_relative();
    bool vex_fields_valid(const RowDef& def) const;

    std::span<const uint8_t> bytes_;
    CodeSize mode_;
    uint64_t ip_;
    unsigned pos_ = 0;
    DecodeStatus status_ = DecodeStatus::Ok;
    DecodedInsn d_;

    // prefix state beyond what DecodedInsn records
    bool addr_prefix_ = false;
    uint8_t last_rep_ = 0;  // 0xf2 or 0xf3: the last one selects the SSE column
    bool vex_ = false;
    bool vex_w_ = false;
    uint8_t vex_pp_ = 0;
    uint8_t modrm_ = 0;
    bool mandatory66_ = false;
    bool rel_pending_ = false;
    int64_t rel_disp_ = 0;
    unsigned imm_count_ = 0;
};

bool Decoder::read_prefixes(uint8_t& b) {
    for (;;) {
        if (!take8(b)) return false;
        const PrefixByte& p = kPrefixBytes[b];
        if (p.kind != PrefixKind::None) {
            d_.has_rex = false;  // a REX followed by a legacy prefix is ignored
            d_.rex = 0;
        }
        switch (p.kind) {
            case PrefixKind::Seg:
                d_.seg_override = p.seg;
                continue;
            case PrefixKind::OpSize:
                d_.opsize_prefix = true;
                continue;
            case PrefixKind::AddrSize:
                addr_prefix_ = true;
                continue;
            case PrefixKind::Lock:
                d_.lock = true;
                continue;
            case PrefixKind::Rep:
                d_.rep = true, last_rep_ = 0xf3;
                continue;
            case PrefixKind::Repne:
                d_.repne = true, last_rep_ = 0xf2;
                continue;
            case PrefixKind::None:
                break;
        }
        if (mode64() && (b & 0xf0) == 0x40) {
            d_.has_rex = true;
            d_.rex = b;
            continue;
        }
        return true;
    }
}

// C4/C5: three- and two-byte VEX. Outside 64-bit mode they are LES/LDS unless the
// next byte's mod field is 11b.
bool Decoder::read_vex(uint8_t first) {
    if (pos_ >= kMaxLength) return fail(DecodeStatus::TooLong);
    if (pos_ >= bytes_.size()) return fail(DecodeStatus::NeedBytes);
    if (!mode64() && (bytes_[pos_] & 0xc0) != 0xc0) return true;
    if (d_.has_rex || d_.opsize_prefix || d_.rep || d_.repne || d_.lock)
        return fail(DecodeStatus::Invalid);
    vex_ = true;
    uint8_t b1, b2;
    if (!take8(b1)) return false;
    uint8_t r = !(b1 & 0x80), x = 0, bb = 0, map = 1;
    if (first == 0xc4) {
        x = !(b1 & 0x40);
        bb = !(b1 & 0x20);
        map = b1 & 0x1f;
        if (!take8(b2)) return false;
        vex_w_ = b2 & 0x80;
        d_.vex_w = vex_w_;
    } else {
        b2 = b1;
    }
    if (map < 1 || map > 3) return fail(DecodeStatus::Invalid);
    d_.map = map;
    d_.vex_vvvv = (~b2 >> 3) & 0xf;
    d_.vex_l = b2 & 0x04;
    vex_pp_ = b2 & 3;
    // Outside 64-bit mode the register-extension bits do not exist and W does not widen
    // GPR operands (it still selects among .W0/.W1 rows).
    if (!mode64()) r = x = bb = 0, d_.vex_vvvv &= 7;
    d_.rex = uint8_t(0x40 | ((vex_w_ && mode64()) << 3) | (r << 2) | (x << 1) | bb);
    d_.attrs |= kAttrVex;
    return take8(d_.opcode);
}

bool Decoder::read_opcode(uint8_t b) {
    if ((b == 0xc4 || b == 0xc5)) {
        if (!read_vex(b)) return false;
        if (vex_) return true;
    }
    d_.map = 0;
    d_.opcode = b;
    if (b != 0x0f) return true;
    d_.map = 1;
    if (!take8(d_.opcode)) return false;
    if (d_.opcode == 0x38 || d_.opcode == 0x3a) {
        d_.map = d_.opcode == 0x38 ? 2 : 3;
        return take8(d_.opcode);
    }
    return true;
}

bool Decoder::row_matches(const OpcodeRow& r, uint8_t mandatory) const {
    const RowDef& def = r.def;
    if (r.pfx == Pfx::NoRep ? (mandatory == uint8_t(Pfx::F2) || mandatory == uint8_t(Pfx::F3))
                            : r.pfx != Pfx::Any && uint8_t(r.pfx) != mandatory)
        return false;
    const bool reg_form = (modrm_ >> 6) == 3;
    for (ModSel m : {r.mod, def.operand_mod})
        if ((m == ModSel::Mem && reg_form) || (m == ModSel::Reg && !reg_form)) return false;
    if (r.reg >= 0 && r.reg != ((modrm_ >> 3) & 7)) return false;
    if (r.rm >= 0 && r.rm != (modrm_ & 7)) return false;
    if ((r.flags & kNoRexB) && (d_.rex & 1)) return false;
    if ((def.attrs & kAttrInvalid64) && mode64()) return false;
    if ((def.attrs & kAttrOnly64) && !mode64()) return false;
    if (vex_ ? !(def.attrs & kAttrVex) : (def.attrs & kAttrVexOnly) != 0) return false;
    return true;
}

const OpcodeRow* Decoder::select_row() {
    // The mandatory-prefix column: VEX.pp, else the last of F2/F3, else 66.
    constexpr uint8_t kFromPp[4] = {uint8_t(Pfx::None), uint8_t(Pfx::P66), uint8_t(Pfx::F3),
                                    uint8_t(Pfx::F2)};
    uint8_t mandatory = vex_                ? kFromPp[vex_pp_]
                        : last_rep_ == 0xf3 ? uint8_t(Pfx::F3)
                        : last_rep_ == 0xf2 ? uint8_t(Pfx::F2)
                        : d_.opsize_prefix  ? uint8_t(Pfx::P66)
                                            : uint8_t(Pfx::None);
    const OpcodeMap& map = opcode_map(d_.map);
    for (unsigned i = map.first[d_.opcode]; i < map.first[d_.opcode + 1u]; i++) {
        const OpcodeRow& r = map.rows[map.order[i]];
        if (row_matches(r, mandatory)) {
            mandatory66_ = r.pfx == Pfx::P66 && !vex_;
            constexpr uint8_t kPpByte[4] = {0, 0x66, 0xf3, 0xf2};
            d_.simd_prefix = vex_                ? kPpByte[vex_pp_]
                             : r.pfx == Pfx::P66 ? 0x66
                             : r.pfx == Pfx::F3  ? 0xf3
                             : r.pfx == Pfx::F2  ? 0xf2
                                                 : 0;
            d_.reg_is_opcode = r.reg >= 0;
            d_.rm_is_opcode = r.rm >= 0;
            return &r;
        }
    }
    return nullptr;
}

void Decoder::set_sizes(const OpcodeRow& r) {
    const uint32_t a = r.def.attrs;
    const bool p66 = d_.opsize_prefix && !mandatory66_;
    const bool w = d_.rex & 8;
    if (mode64()) {
        d_.opsize = (a & kAttrForce64) || w ? 8 : p66 ? 2 : (a & kAttrDefault64) ? 8 : 4;
        d_.addrsize = addr_prefix_ ? 4 : 8;
    } else {
        const bool bits16 = mode_ == CodeSize::Bits16;
        d_.opsize = bits16 != p66 ? 2 : 4;
        d_.addrsize = bits16 != addr_prefix_ ? 2 : 4;
    }
}

int8_t Decoder::effective_seg(int8_t deflt) const {
    // 64-bit mode ignores ES, CS, SS and DS overrides.
    if (d_.seg_override < 0 || (mode64() && d_.seg_override < int8_t(FS))) return deflt;
    return d_.seg_override;
}

bool Decoder::read_modrm_memory() {
    MemOperand& m = d_.mem;
    m.addr_size = d_.addrsize;
    const unsigned mod = modrm_ >> 6, rm = modrm_ & 7;
    uint64_t disp = 0;
    int8_t deflt = DS;
    if (d_.addrsize == 2) {
        if (mod == 0 && rm == 6) {
            if (!take(2, disp)) return false;
            m.disp = int16_t(disp);
        } else {
            m.base = kMem16[rm].base;
            m.index = kMem16[rm].index;
            deflt = kMem16[rm].ss ? SS : DS;
            if (mod && !take(mod, disp)) return false;
            m.disp = mod == 1 ? int8_t(disp) : int16_t(disp);
        }
        m.seg = effective_seg(deflt);
        return true;
    }
    unsigned base = rm;
    if (rm == 4) {
        uint8_t sib;
        if (!take8(sib)) return false;
        const unsigned index = ((sib >> 3) & 7) | ((d_.rex & 2) << 2);
        if (index != 4) m.index = int8_t(index), m.scale = sib >> 6;
        base = sib & 7;
        if (base == 5 && mod == 0) base = 8 + 16;  // no base: disp32 only
    } else if (rm == 5 && mod == 0) {
        base = mode64() ? 32 : 8 + 16;  // RIP-relative in 64-bit mode, else disp32 only
    }
    if (base < 8) {
        m.base = int8_t(base | ((d_.rex & 1) << 3));
        if (m.base == 4 || m.base == 5) deflt = SS;
    } else if (base == 32) {
        m.base = MemOperand::kRip;
    }
    const unsigned disp_size = mod == 1 ? 1 : (mod == 2 || base >= 8) ? 4 : 0;
    if (disp_size && !take(disp_size, disp)) return false;
    m.disp = disp_size == 1 ? int8_t(disp) : int32_t(disp);
    m.seg = effective_seg(deflt);
    return true;
}

uint8_t Decoder::size_of(Size s) const {
    const uint8_t v = d_.opsize;
    switch (s) {
        case Size::None:
            return 0;
        case Size::b:
        case Size::bs:
            return 1;
        case Size::w:
            return 2;
        case Size::d:
        case Size::ss:
            return 4;
        case Size::q:
        case Size::sd:
            return 8;
        case Size::dq:
            return 16;
        case Size::qq:
            return 32;
        case Size::t:
            return 10;
        case Size::v:
            return v;
        case Size::z:
            return v == 2 ? 2 : 4;
        case Size::y:
            return v == 8 ? 8 : 4;
        case Size::x:
            return d_.vex_l ? 32 : 16;
        case Size::xh:
            return d_.vex_l ? 16 : 8;
        case Size::xq:
            return d_.vex_l ? 8 : 4;
        case Size::xo:
            return d_.vex_l ? 4 : 2;
        case Size::dup:
            return d_.vex_l ? 32 : 8;
        case Size::p:
            return v + 2;
        case Size::a:
            return 2 * v;
        case Size::s:
            return mode64() ? 10 : 6;
    }
    return 0;
}

// Immediates are stored zero-extended to 64 bits from the operand size, after the
// sign extension the SDM specifies (Iz to 64-bit operands, the bs form, J).
bool Decoder::read_immediate(Size s, uint8_t& size, uint64_t& value) {
    const unsigned encoded = s == Size::bs ? 1 : size_of(s);  // z is 4 bytes for 64-bit operands
    if (!take(encoded, value)) return false;
    size = (s == Size::bs || s == Size::z || s == Size::v) ? d_.opsize : uint8_t(encoded);
    if (size > encoded) {
        const unsigned shift = 64 - 8 * encoded;
        value = uint64_t(int64_t(value << shift) >> shift);
        if (size < 8) value &= (uint64_t(1) << (8 * size)) - 1;
    }
    return true;
}

Operand Decoder::gpr(unsigned reg, uint8_t size) const {
    return Operand{OperandKind::Gpr, size, uint8_t(reg),
                   size == 1 && !d_.has_rex && !vex_ && reg >= 4 && reg < 8};
}

bool Decoder::add_operand(const OperandSpec& spec) {
    const unsigned mod = modrm_ >> 6;
    const unsigned reg = ((modrm_ >> 3) & 7) | ((d_.rex & 4) << 1);
    const unsigned rm = (modrm_ & 7) | ((d_.rex & 1) << 3);
    const uint8_t size = size_of(spec.size);
    const uint8_t mem_size = spec.mem_size != Size::None ? size_of(spec.mem_size) : size;
    Operand o{};
    auto rm_operand = [&](OperandKind reg_kind, unsigned regno) {
        if (mod != 3) return Operand{OperandKind::Mem, mem_size, 0, false};
        if (reg_kind == OperandKind::Gpr) return gpr(regno, size);
        return Operand{reg_kind, size, uint8_t(regno), false};
    };
    switch (spec.method) {
        case Method::None:
            return true;
        case Method::E:
            o = rm_operand(OperandKind::Gpr, rm);
            break;
        case Method::M:
            o = {OperandKind::Mem, mem_size, 0, false};
            break;
        case Method::R:
            o = gpr(rm, size);
            break;
        case Method::G:
            o = gpr(reg, size);
            break;
        case Method::B:
            o = gpr(d_.vex_vvvv, size);
            break;
        case Method::Z:
            o = gpr((d_.opcode & 7) | ((d_.rex & 1) << 3), size);
            break;
        case Method::FixGpr:
            o = gpr(spec.fixed, size), o.high8 = false;
            break;
        case Method::C:
            if (!valid_cr(reg)) return fail(DecodeStatus::Invalid);
            o = {OperandKind::Cr, size, uint8_t(reg), false};
            break;
        case Method::D:
            if (reg > 7) return fail(DecodeStatus::Invalid);
            o = {OperandKind::Dr, size, uint8_t(reg), false};
            break;
        case Method::S:
            if (((modrm_ >> 3) & 7) > GS) return fail(DecodeStatus::Invalid);
            o = {OperandKind::Seg, 2, uint8_t((modrm_ >> 3) & 7), false};
            break;
        case Method::FixSeg:
            o = {OperandKind::Seg, 2, spec.fixed, false};
            break;
        case Method::V:
            o = {OperandKind::Xmm, size, uint8_t(reg), false};
            break;
        case Method::U:
            o = {OperandKind::Xmm, size, uint8_t(rm), false};
            break;
        case Method::W:
            o = rm_operand(OperandKind::Xmm, rm);
            break;
        case Method::H:
            if (!vex_) return true;  // the legacy form has no separate source
            o = {OperandKind::Xmm, size, d_.vex_vvvv, false};
            break;
        case Method::FixXmm:
            o = {OperandKind::Xmm, 16, 0, false};
            break;
        case Method::P:
            o = {OperandKind::Mmx, 8, uint8_t(reg & 7), false};
            break;
        case Method::N:
            o = {OperandKind::Mmx, 8, uint8_t(rm & 7), false};
            break;
        case Method::Q:
            o = rm_operand(OperandKind::Mmx, rm & 7);
            break;
        case Method::St0:
            o = {OperandKind::St, 10, 0, false};
            break;
        case Method::StI:
            o = {OperandKind::St, 10, uint8_t(modrm_ & 7), false};
            break;
        case Method::One:
            o = {OperandKind::Imm, 1, 0, false}, d_.imm = 1;
            break;
        case Method::X:
            o = {OperandKind::StrSrc, size, 0, false};
            d_.mem.base = 6;
            break;
        case Method::Y:
            o = {OperandKind::StrDst, size, 0, false};
            break;
        case Method::L: {
            uint64_t v;
            if (!take(1, v)) return false;
            o = {OperandKind::Xmm, size, uint8_t((v >> 4) & (mode64() ? 15 : 7)), false};
            break;
        }
        case Method::O: {
            uint64_t off;
            if (!take(d_.addrsize, off)) return false;
            d_.mem.disp = int64_t(off);
            o = {OperandKind::Mem, size, 0, false};
            break;
        }
        case Method::A: {
            uint64_t off, sel;
            const unsigned off_size = d_.opsize == 2 ? 2 : 4;
            if (!take(off_size, off) || !take(2, sel)) return false;
            d_.imm = off, d_.imm2 = sel;
            o = {OperandKind::FarPtr, uint8_t(off_size + 2), 0, false};
            break;
        }
        case Method::I: {
            uint64_t v;
            uint8_t s;
            if (!read_immediate(spec.size, s, v)) return false;
            (imm_count_++ ? d_.imm2 : d_.imm) = v;
            o = {OperandKind::Imm, s, 0, false};
            break;
        }
        case Method::J: {
            uint64_t v;
            const unsigned n = spec.size == Size::b ? 1 : d_.opsize == 2 ? 2 : 4;
            if (!take(n, v)) return false;
            const unsigned shift = 64 - 8 * n;
            rel_disp_ = int64_t(v << shift) >> shift;
            rel_pending_ = true;
            o = {OperandKind::Rel, d_.opsize, 0, false};
            break;
        }
    }
    d_.operands[d_.operand_count++] = o;
    return true;
}

bool Decoder::read_operands(const RowDef& def) {
    if (d_.has_modrm && (modrm_ >> 6) != 3 && !read_modrm_memory()) return false;
    // Outside ModRM forms, the memory-ish operands still get the effective segment.
    if (!d_.has_modrm || (modrm_ >> 6) == 3) {
        d_.mem.seg = effective_seg(DS);
        d_.mem.addr_size = d_.addrsize;
    }
    for (unsigned i = 0; i < def.count; i++)
        if (!add_operand(def.operands[i])) return false;
    return true;
}

// VEX.L and VEX.W must match a row's .128/.256 and .W0/.W1, and VEX.vvvv must be 1111b (0 once
// inverted) unless an operand reads it.
bool Decoder::vex_fields_valid(const RowDef& def) const {
    if ((def.attrs & kAttrVexL0) && d_.vex_l) return false;
    if ((def.attrs & kAttrVexL1) && !d_.vex_l) return false;
    if ((def.attrs & kAttrVexW0) && vex_w_) return false;
    if ((def.attrs & kAttrVexW1) && !vex_w_) return false;
    for (unsigned i = 0; i < def.count; i++)
        if (def.operands[i].method == Method::H || def.operands[i].method == Method::B) return true;
    return d_.vex_vvvv == 0;
}

void Decoder::finish_relative() {
    if (!rel_pending_) return;
    uint64_t target = ip_ + d_.length + uint64_t(rel_disp_);
    if (d_.opsize < 8) target &= (uint64_t(1) << (8 * d_.opsize)) - 1;
    d_.imm = target;
}

DecodeStatus Decoder::decode_all() {
    uint8_t b;
    if (!read_prefixes(b) || !read_opcode(b)) return status_;
    const OpcodeMap& map = opcode_map(d_.map);
    if (map.first[d_.opcode] == map.first[d_.opcode + 1u]) return DecodeStatus::Invalid;
    d_.has_modrm = map.has_modrm[d_.opcode];
    if (d_.has_modrm && !take8(modrm_)) return status_;
    const OpcodeRow* r = select_row();
    if (!r || r->def.op == Op::Invalid) return DecodeStatus::Invalid;
    d_.op = r->def.op;
    d_.attrs |= r->def.attrs & ~(kTableOnlyAttrs | uint32_t(kAttrVex));
    if (vex_ && !vex_fields_valid(r->def)) return DecodeStatus::Invalid;
    if (vex_) d_.attrs |= kAttrVex;
    d_.sdm = r->def.sdm;
    set_sizes(*r);
    if (d_.has_modrm) {
        d_.modrm_mod = modrm_ >> 6;
        d_.modrm_reg = ((modrm_ >> 3) & 7) | ((d_.rex & 4) << 1);
        d_.modrm_rm = (modrm_ & 7) | ((d_.rex & 1) << 3);
    }
    if (!read_operands(r->def)) return status_;
    d_.length = uint8_t(pos_);
    finish_relative();

    if (d_.op == Op::Jcc || d_.op == Op::Setcc || d_.op == Op::Cmov) d_.cond = d_.opcode & 0xf;
    if (d_.op == Op::X87 && (d_.opcode == 0xda || d_.opcode == 0xdb) && d_.modrm_mod == 3 &&
        ((modrm_ >> 3) & 7) < 4)
        d_.cond = kFcmovCond[(modrm_ >> 3) & 7] | (d_.opcode & 1);
    if (d_.op == Op::Cmpxchg8b && d_.opsize == 8) d_.operands[0].size = 16;
    if (d_.lock && (!(d_.attrs & kAttrLockable) || d_.operands[0].kind != OperandKind::Mem))
        return DecodeStatus::Invalid;
    return DecodeStatus::Ok;
}

}  // namespace

DecodeResult decode(std::span<const uint8_t> bytes, CodeSize mode, uint64_t ip) {
    return Decoder(bytes, mode, ip).run();
}

}  // namespace kemu::x86
