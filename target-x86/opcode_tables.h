// The opcode maps as the SDM writes them (Vol. 2, Appendix A): each row names an
// opcode (or a run of opcodes), what selects it (mandatory prefix, ModRM.mod
// class, ModRM.reg, ModRM.rm, REX.B), the Op, a mnemonic and the operands in SDM
// notation ("ADD Eb,Gb"), and attributes. Rows are parsed at compile time; a typo
// in an operand spec is a build error. Rows of one opcode are tried in order and
// the first that matches wins, so specific rows precede their catch-all. An
// opcode, or a selector combination, no row matches is #UD. See docs/decoder.md.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <span>

#include "target-x86/decode.h"

namespace kemu::x86 {

// SDM Appendix A.2.1 addressing methods, plus kemu's names for the operands the
// SDM writes as fixed registers or "+r" opcode forms.
enum class Method : uint8_t {
    None,
    A,       // direct far pointer in the instruction
    B,       // VEX.vvvv selects a GPR
    C,       // ModRM.reg selects a control register
    D,       // ModRM.reg selects a debug register
    E,       // ModRM.rm: GPR or memory
    G,       // ModRM.reg: GPR
    H,       // VEX.vvvv: XMM/YMM (absent in the legacy form)
    I,       // immediate
    J,       // relative branch displacement
    L,       // imm8[7:4] selects an XMM/YMM
    M,       // ModRM.rm: memory only
    N,       // ModRM.rm: MMX register only
    O,       // moffs: absolute offset of address size, no ModRM
    P,       // ModRM.reg: MMX register
    Q,       // ModRM.rm: MMX register or memory
    R,       // ModRM.rm: GPR only (mod ignored for MOV CR/DR)
    S,       // ModRM.reg: segment register
    U,       // ModRM.rm: XMM/YMM only
    V,       // ModRM.reg: XMM/YMM
    W,       // ModRM.rm: XMM/YMM or memory
    X,       // string source DS:rSI (segment override allowed)
    Y,       // string destination ES:rDI
    Z,       // low 3 opcode bits (+REX.B) select a GPR: the SDM's "rAX/r8" rows
    FixGpr,  // AL, CL, DX, eAX, rAX...: `fixed` is the GPR number
    FixSeg,  // ES..GS in PUSH/POP sreg
    FixXmm,  // XMM0, implicit in legacy BLENDV
    One,     // the constant 1 of the D0/D1 shifts
    St0,     // x87 ST(0)
    StI,     // x87 ST(i), i = ModRM.rm
};

// SDM Appendix A.2.2 operand-size codes; `bs` is kemu's: an imm8 sign-extended to
// the operand size (the SDM writes Ib and says so in the instruction text). So are the
// fractions of `x` that widening and narrowing vector instructions read or write, which the
// SDM spells out per instruction (PMOVSXBW xmm, m64 / ymm, m128): `xh` half, `xq` a quarter,
// `xo` an eighth of the vector length; and `dup`, MOVDDUP's m64 that is m256 under VEX.256.
enum class Size : uint8_t {
    None,
    b,
    bs,
    w,
    d,
    q,
    dq,
    qq,
    t,
    v,
    z,
    y,
    x,
    p,
    a,
    s,
    ss,
    sd,
    xh,
    xq,
    xo,
    dup,
};

struct OperandSpec {
    Method method = Method::None;
    Size size = Size::None;
    Size mem_size = Size::None;  // "Ry/Mb": the memory form's size where it differs
    uint8_t fixed = 0;
};

// Mandatory prefix column. NoRep: neither F2 nor F3, and 66 stays an operand-size prefix.
enum class Pfx : uint8_t { Any, None, P66, F3, F2, NoRep };
enum class ModSel : uint8_t { Any, Mem, Reg };  // mod != 3 / mod == 3
enum RowFlag : uint8_t { kNoRexB = 1u << 0 };   // 90: NOP only without REX.B

// Table-only attributes beside InsnAttr (same word, high bits); decode() does not copy
// them into DecodedInsn. VexOnly: the legacy encoding is #UD. VexL0/VexL1: the SDM's
// VEX.128 / VEX.256 (and LZ) forms, where the other VEX.L is #UD.
// VexW0/VexW1: the SDM's .W0/.W1 forms, where the other VEX.W is #UD.
inline constexpr uint32_t kAttrVexOnly = 1u << 24, kAttrVexL0 = 1u << 25, kAttrVexL1 = 1u << 26,
                          kAttrVexW0 = 1u << 27, kAttrVexW1 = 1u << 28;
inline constexpr uint32_t kTableOnlyAttrs =
    kAttrVexOnly | kAttrVexL0 | kAttrVexL1 | kAttrVexW0 | kAttrVexW1;

struct RowDef {
    Op op = Op::Invalid;
    const char* sdm = "";  // the row as written: "ADD Eb,Gb"
    uint8_t count = 0;
    std::array<OperandSpec, 4> operands{};
    uint32_t attrs = 0;
    ModSel operand_mod = ModSel::Any;  // what the operands demand: M needs mod != 3, U/N mod == 3
};

struct OpcodeRow {
    uint8_t opcode = 0;
    uint8_t span = 1;  // rows covering opcode .. opcode+span-1 (the "+r" and Jcc runs)
    Pfx pfx = Pfx::Any;
    ModSel mod = ModSel::Any;
    int8_t reg = -1;  // ModRM.reg (the "/digit"), -1: any
    int8_t rm = -1;   // ModRM.rm for mod == 3 rows, -1: any
    uint8_t flags = 0;
    RowDef def;

    constexpr OpcodeRow span_to(uint8_t last) const {
        return with([&](auto& r) { r.span = last - opcode + 1; });
    }
    constexpr OpcodeRow prefix(Pfx p) const {
        return with([&](auto& r) { r.pfx = p; });
    }
    constexpr OpcodeRow digit(int d) const {
        return with([&](auto& r) { r.reg = int8_t(d); });
    }
    constexpr OpcodeRow mem() const {
        return with([](auto& r) { r.mod = ModSel::Mem; });
    }
    constexpr OpcodeRow regs() const {
        return with([](auto& r) { r.mod = ModSel::Reg; });
    }
    constexpr OpcodeRow rm_is(int rm) const {
        return with([&](auto& r) { r.mod = ModSel::Reg, r.rm = int8_t(rm); });
    }
    constexpr OpcodeRow no_rexb() const {
        return with([](auto& r) { r.flags |= kNoRexB; });
    }

  private:
    template <typename F>
    constexpr OpcodeRow with(F f) const {
        OpcodeRow r = *this;
        f(r);
        return r;
    }
};

// One map's rows and, per opcode, the indices of its rows in table order.
struct OpcodeMap {
    std::span<const OpcodeRow> rows;
    std::span<const uint16_t> order;       // row indices grouped by opcode
    std::span<const uint16_t, 257> first;  // order[first[op] .. first[op+1])
    std::span<const bool, 256> has_modrm;
};

// The four maps, each defined in its opcode_tables_<map>.cpp.
extern const OpcodeMap kOneByteMap;  // with the x87 escapes D8-DF
extern const OpcodeMap k0FMap;
extern const OpcodeMap k0F38Map;
extern const OpcodeMap k0F3AMap;

// map: 0 one-byte, 1 0F, 2 0F38, 3 0F3A (DecodedInsn::map).
inline const OpcodeMap& opcode_map(unsigned map) {
    const OpcodeMap* maps[] = {&kOneByteMap, &k0FMap, &k0F38Map, &k0F3AMap};
    return *maps[map];
}

// ---- compile-time parsing of SDM notation -------------------------------------------------

namespace table_detail {

consteval bool same(const char* a, int n, const char* b) {
    for (int i = 0; i < n; i++)
        if (b[i] != a[i]) return false;
    return b[n] == 0;
}

consteval Size parse_size(const char* s, int n) {
    constexpr struct {
        const char* name;
        Size size;
    } kSizes[] = {
        {"", Size::None},   {"b", Size::b},   {"bs", Size::bs}, {"w", Size::w},   {"d", Size::d},
        {"q", Size::q},     {"dq", Size::dq}, {"qq", Size::qq}, {"t", Size::t},   {"v", Size::v},
        {"z", Size::z},     {"y", Size::y},   {"x", Size::x},   {"p", Size::p},   {"a", Size::a},
        {"s", Size::s},     {"ss", Size::ss}, {"sd", Size::sd}, {"ps", Size::x},  {"pd", Size::x},
        {"pi", Size::q},    {"si", Size::d},  {"xh", Size::xh}, {"xq", Size::xq}, {"xo", Size::xo},
        {"dup", Size::dup},
    };
    for (const auto& e : kSizes)
        if (same(s, n, e.name)) return e.size;
    throw "unknown operand size code";
}

struct FixedName {
    const char* name;
    Method method;
    Size size;
    uint8_t reg;
};
inline constexpr FixedName kFixed[] = {
    {"AL", Method::FixGpr, Size::b, 0},    {"CL", Method::FixGpr, Size::b, 1},
    {"AX", Method::FixGpr, Size::w, 0},    {"DX", Method::FixGpr, Size::w, 2},
    {"eAX", Method::FixGpr, Size::z, 0},   {"rAX", Method::FixGpr, Size::v, 0},
    {"ES", Method::FixSeg, Size::w, 0},    {"CS", Method::FixSeg, Size::w, 1},
    {"SS", Method::FixSeg, Size::w, 2},    {"DS", Method::FixSeg, Size::w, 3},
    {"FS", Method::FixSeg, Size::w, 4},    {"GS", Method::FixSeg, Size::w, 5},
    {"XMM0", Method::FixXmm, Size::dq, 0}, {"1", Method::One, Size::b, 1},
    {"ST0", Method::St0, Size::t, 0},      {"STi", Method::StI, Size::t, 0},
};

consteval Method parse_method(char c) {
    constexpr char kLetters[] = "ABCDEGHIJLMNOPQRSUVWXYZ";
    constexpr Method kMethods[] = {
        Method::A, Method::B, Method::C, Method::D, Method::E, Method::G, Method::H, Method::I,
        Method::J, Method::L, Method::M, Method::N, Method::O, Method::P, Method::Q, Method::R,
        Method::S, Method::U, Method::V, Method::W, Method::X, Method::Y, Method::Z,
    };
    for (int i = 0; kLetters[i]; i++)
        if (kLetters[i] == c) return kMethods[i];
    throw "unknown addressing method";
}

// "Eb", "rAX", "Ry/Mb" (register and memory forms of one ModRM.rm operand).
consteval OperandSpec parse_operand(const char* s, int n) {
    for (const auto& f : kFixed)
        if (same(s, n, f.name)) return {f.method, f.size, Size::None, f.reg};
    int slash = -1;
    for (int i = 0; i < n; i++)
        if (s[i] == '/') slash = i;
    if (slash < 0) return {parse_method(s[0]), parse_size(s + 1, n - 1), Size::None, 0};
    Method reg_form = parse_method(s[0]);
    if (s[slash + 1] != 'M') throw "the second form of a split operand must be M";
    Method m = reg_form == Method::R   ? Method::E
               : reg_form == Method::U ? Method::W
               : reg_form == Method::N ? Method::Q
                                       : throw "split operand must start with R, U or N";
    return {m, parse_size(s + 1, slash - 1), parse_size(s + slash + 2, n - slash - 2), 0};
}

}  // namespace table_detail

// "ADD Eb,Gb": mnemonic, a space, then comma-separated operands.
consteval RowDef insn(Op op, const char* text, uint32_t attrs = 0) {
    RowDef d{op, text, 0, {}, attrs};
    int i = 0;
    while (text[i] && text[i] != ' ')
        i++;
    if (!text[i]) return d;
    do {
        int start = ++i;
        while (text[i] && text[i] != ',')
            i++;
        if (d.count == 4) throw "more than four operands";
        OperandSpec o = table_detail::parse_operand(text + start, i - start);
        if (o.mem_size == Size::None) {
            if (o.method == Method::M) d.operand_mod = ModSel::Mem;
            if (o.method == Method::U || o.method == Method::N) d.operand_mod = ModSel::Reg;
        }
        d.operands[d.count++] = o;
    } while (text[i] == ',');
    return d;
}

// A row for `opcode`; the selectors chain: row(...).digit(2).mem().
consteval OpcodeRow row(uint8_t opcode, Op op, const char* text, uint32_t attrs = 0) {
    return OpcodeRow{opcode, 1, Pfx::Any, ModSel::Any, -1, -1, 0, insn(op, text, attrs)};
}

// Attribute spellings for the tables, after the SDM's superscripts.
inline constexpr uint32_t kLock = kAttrLockable, kI64 = kAttrInvalid64, kO64 = kAttrOnly64,
                          kD64 = kAttrDefault64, kF64 = kAttrForce64, kPriv = kAttrPrivileged,
                          kIopl = kAttrIoplSensitive, kBr = kAttrBranch, kStr = kAttrString,
                          kRepe = kAttrRepe, kEnds = kAttrEndsBlock, kX87 = kAttrX87;
inline constexpr uint32_t kMmx = kAttrSse;             // legacy MMX/SSE form only
inline constexpr uint32_t kSse = kAttrSse | kAttrVex;  // legacy and VEX forms
inline constexpr uint32_t kAvx = kAttrSse | kAttrVex | kAttrVexOnly;
inline constexpr uint32_t kSse128 = kSse | kAttrVexL0;  // VEX form is VEX.128 only
inline constexpr uint32_t kAvx256 = kAvx | kAttrVexL1;  // VEX.256 only
inline constexpr uint32_t kW0 = kAttrVexW0, kW1 = kAttrVexW1;
inline constexpr uint32_t kVexGpr = kAttrVex | kAttrVexOnly | kAttrVexL0;  // BMI1/BMI2: VEX.LZ

// Tables written in parts (rows plus rows generated by helpers) are joined into one array.
template <size_t... N>
consteval auto join(const std::array<OpcodeRow, N>&... parts) {
    std::array<OpcodeRow, (N + ...)> out{};
    size_t i = 0;
    ((std::copy(parts.begin(), parts.end(), out.begin() + i), i += N), ...);
    return out;
}

template <size_t N>
consteval std::array<OpcodeRow, N> list(const OpcodeRow (&rows)[N]) {
    std::array<OpcodeRow, N> out{};
    std::copy(rows, rows + N, out.begin());
    return out;
}

// Counts the expanded (opcode, row) pairs so the index can be sized at compile time.
consteval size_t expanded_rows(std::span<const OpcodeRow> rows) {
    size_t n = 0;
    for (const auto& r : rows)
        n += r.span;
    return n;
}

template <size_t Expanded>
struct MapIndex {
    std::array<uint16_t, Expanded> order{};
    std::array<uint16_t, 257> first{};
    std::array<bool, 256> has_modrm{};
};

consteval bool needs_modrm(const OpcodeRow& r) {
    if (r.mod != ModSel::Any || r.reg >= 0 || r.rm >= 0) return true;
    for (unsigned i = 0; i < r.def.count; i++) {
        switch (r.def.operands[i].method) {
            case Method::C:
            case Method::D:
            case Method::E:
            case Method::G:
            case Method::M:
            case Method::N:
            case Method::P:
            case Method::Q:
            case Method::R:
            case Method::S:
            case Method::U:
            case Method::V:
            case Method::W:
            case Method::StI:
                return true;
            default:
                break;
        }
    }
    return false;
}

// A counting sort by opcode that keeps table order within an opcode.
template <size_t Expanded>
consteval MapIndex<Expanded> build_index(std::span<const OpcodeRow> rows) {
    MapIndex<Expanded> ix;
    std::array<uint16_t, 256> count{};
    for (const auto& r : rows) {
        if (r.opcode + r.span > 256) throw "opcode run leaves the map";
        for (unsigned o = r.opcode; o < r.opcode + r.span; o++) {
            count[o]++;
            if (needs_modrm(r)) ix.has_modrm[o] = true;
        }
    }
    for (unsigned o = 0; o < 256; o++)
        ix.first[o + 1] = ix.first[o] + count[o];
    std::array<uint16_t, 256> fill{};
    for (size_t i = 0; i < rows.size(); i++)
        for (unsigned o = rows[i].opcode; o < rows[i].opcode + rows[i].span; o++)
            ix.order[ix.first[o] + fill[o]++] = static_cast<uint16_t>(i);
    return ix;
}

}  // namespace kemu::x86
