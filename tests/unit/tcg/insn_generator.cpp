#include "tests/unit/tcg/insn_generator.h"

#include <cpuid.h>

#include <cstring>
#include <string_view>

#include "tests/unit/tcg/arena.h"

namespace kemu::x86::difftest {

using namespace flag;

namespace {

constexpr unsigned kRax = 0, kRcx = 1, kRdx = 2, kRbx = 3, kRsp = 4, kRsi = 6, kRdi = 7;
// Registers that may hold the fixed memory base/index: never an implicit operand of
// any generated instruction (RAX, RCX, RDX, RSI, RDI, RSP are). 32-bit code has the first two.
constexpr unsigned kBaseCandidates[] = {3, 5, 8, 9, 10, 11, 12, 13, 14, 15};
constexpr unsigned kBaseCandidates32 = 2;

constexpr uint64_t kBaseValue = InsnGenerator::kBaseValue;
constexpr uint64_t kStackTop = Arena::kDataAddr + 0xc00;
constexpr unsigned kIndexLimit = 32;

constexpr FlagEffect kAllDefined{0, kArith, 0};
constexpr FlagEffect kNoFlags{};

uint64_t mask_of(unsigned size) {
    return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

}  // namespace

HostFeatures host_features() {
    HostFeatures f;
    unsigned a, b, c, d;
    if (__get_cpuid(1, &a, &b, &c, &d)) {
        f.popcnt = c & (1u << 23);
        f.movbe = c & (1u << 22);
        f.crc32 = c & (1u << 20);
    }
    if (__get_cpuid(0x80000001, &a, &b, &c, &d)) f.lzcnt = c & (1u << 5);
    if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
        f.tzcnt = f.bmi1 = b & (1u << 3);
        f.bmi2 = b & (1u << 8);
        f.adx = b & (1u << 19);
    }
    return f;
}

std::string describe(const HostFeatures& f) {
    const std::pair<const char*, bool> kNamed[] = {
        {"popcnt", f.popcnt}, {"lzcnt", f.lzcnt}, {"tzcnt", f.tzcnt}, {"movbe", f.movbe},
        {"crc32", f.crc32},   {"adx", f.adx},     {"bmi1", f.bmi1},   {"bmi2", f.bmi2},
    };
    std::string out;
    for (const auto& [name, present] : kNamed)
        if (present) out += std::string(out.empty() ? "" : " ") + name;
    return out.empty() ? "none" : out;
}

InsnGenerator::InsnGenerator(uint64_t seed, HostFeatures features, bool mode64)
    : rng_(seed), features_(features), mode64_(mode64) {}

uint64_t InsnGenerator::edge_value(unsigned size) {
    const uint64_t m = mask_of(size);
    const uint64_t sign = 1ull << (8 * size - 1);
    switch (pick(10)) {
        case 0:
            return 0;
        case 1:
            return 1;
        case 2:
            return m;  // -1
        case 3:
            return sign - 1;  // 0x7f..
        case 4:
            return sign;  // 0x80..
        case 5:
            return sign + 1;
        case 6:
            return pick(70);  // small: shift counts, bit offsets
        case 7:
            return m - pick(4);  // just below -1
        default:
            return rng_() & m;
    }
}

MachineState InsnGenerator::initial_state() {
    MachineState s;
    const unsigned candidates = mode64_ ? unsigned(std::size(kBaseCandidates)) : kBaseCandidates32;
    base_reg_ = kBaseCandidates[pick(candidates)];
    do {
        index_reg_ = kBaseCandidates[pick(candidates)];
    } while (index_reg_ == base_reg_);
    static constexpr unsigned kSizes[] = {1, 2, 4, 8};
    for (unsigned r = 0; r < 16; r++) {
        // Upper bits random, low bits an edge value of some width: exercises both
        // partial-register merging and the edge cases of every operand size.
        unsigned size = kSizes[pick(4)];
        uint64_t v = coin(30) ? edge_value(8) : rng_();
        s.gpr[r] = (v & ~mask_of(size)) | edge_value(size);
    }
    s.gpr[kRsp] = kStackTop;
    s.gpr[base_reg_] = kBaseValue;
    s.gpr[index_reg_] = pick(kIndexLimit);
    s.rflags = 0x202 | (rng_() & kArith) | (coin(15) ? 0x400 : 0);
    for (auto& reg : s.ymm)
        for (unsigned at = 0; at < 32; at += 8) {
            uint64_t v = vector_chunk(rng_);
            std::memcpy(reg.data() + at, &v, 8);
        }
    for (uint64_t& reg : s.mm)
        reg = vector_chunk(rng_);
    // Every exception masked; any rounding mode, DAZ and FTZ; some sticky flags already set.
    s.mxcsr = 0x1f80 | uint32_t(pick(4)) << 13 | (coin(25) ? 0x8000 : 0) | (coin(25) ? 0x40 : 0) |
              (coin(20) ? uint32_t(rng_() & 0x3f) : 0);
    undefined_ = 0;
    return s;
}

std::vector<uint8_t> InsnGenerator::initial_data(size_t size) {
    std::vector<uint8_t> d(size);
    for (size_t i = 0; i < size; i += 8) {
        uint64_t v = coin(25) ? edge_value(8) : coin(50) ? vector_chunk(rng_) : rng_();
        std::memcpy(&d[i], &v, std::min<size_t>(8, size - i));
    }
    return d;
}

// The form generators. Each returns one Piece and keeps the generator's record of
// undefined flags in step, inserting a flag-defining instruction where a reader needs it.
struct Forms {
    InsnGenerator& g;

    unsigned pick(unsigned n) { return g.pick(n); }
    bool coin(unsigned p) { return g.coin(p); }

    bool m64() const { return g.mode64_; }
    unsigned gpr_size() const { return m64() ? 8 : 4; }
    unsigned any_size() {
        static constexpr unsigned k[] = {1, 2, 4, 8};
        return k[pick(m64() ? 4 : 3)];
    }
    unsigned wide_size() {
        static constexpr unsigned k[] = {2, 4, 8};
        return k[pick(m64() ? 3 : 2)];
    }
    unsigned any_reg() { return pick(m64() ? 16 : 8); }

    bool writable(unsigned phys) const {
        return phys != kRsp && phys != g.base_reg_ && phys != g.index_reg_;
    }
    RegRef reg_for(unsigned size, bool write) {
        RegRef r;
        do {
            // Without REX, byte register codes 4-7 are AH-BH: 32-bit code has AL-BL and those.
            r.phys = size == 1 && !m64() ? pick(4) : any_reg();
        } while (write && !writable(r.phys));
        r.high8 = size == 1 && r.phys < 4 && coin(30);
        return r;
    }
    RegRef wreg(unsigned size) { return reg_for(size, true); }
    RegRef rreg(unsigned size) { return reg_for(size, false); }

    // A memory operand inside the data arena, in one of the addressing forms.
    MemRef mem() {
        MemRef m;
        m.addr32 = m64() && coin(10);
        int32_t off = int32_t(pick(0x200)) - 0x100;  // around the base
        switch (pick(7)) {
            case 0:
            case 1:
                m.base = int(g.base_reg_);
                m.disp = off / 2;
                m.disp = m.disp < -128 ? -128 : m.disp > 127 ? 127 : m.disp;
                if (coin(20)) m.disp = 0;
                break;
            case 2:
                m.base = int(g.base_reg_);
                m.disp = off;
                m.force_disp32 = true;
                break;
            case 3:
                m.base = int(g.base_reg_);
                m.index = int(g.index_reg_);
                m.scale = pick(4);
                m.disp = coin(50) ? 0 : off / 4;
                break;
            case 4:
                m.base = kRsp;
                m.disp = int32_t(pick(0x100)) - 0x80;
                break;
            case 5:
                m.base = kNoReg;
                m.index = coin(50) ? int(g.index_reg_) : kNoReg;
                m.scale = pick(4);
                m.disp = int32_t(kBaseValue) + off;
                break;
            default:
                m.base = kRipBase;
                m.target = kBaseValue + uint64_t(int64_t(off));
                break;
        }
        return m;
    }
    RmRef rm(unsigned size, bool write) {
        RmRef r;
        r.is_mem = coin(40);
        if (r.is_mem)
            r.mem = mem();
        else
            r.reg = reg_for(size, write);
        return r;
    }

    // Operand size 2 takes 66, size 8 REX.W; size 1 makes the register operands bytes.
    static void sized(InsnSpec& s, unsigned size) {
        if (size == 2) s.prefixes.push_back(0x66);
        if (size == 8) s.rex_w = true;
        s.byte_reg = s.byte_rm = size == 1;
    }
    static InsnSpec modrm(std::vector<uint8_t> opcode, unsigned size, RmRef rm, RegRef reg,
                          bool reg_is_reg = true) {
        InsnSpec s;
        sized(s, size);
        s.opcode = std::move(opcode);
        s.has_modrm = true;
        s.reg_is_reg = reg_is_reg;
        s.reg = reg;
        s.rm = rm;
        return s;
    }
    static RegRef digit(unsigned d) { return RegRef{d, false}; }
    // AH-BH cannot be encoded with REX: fall back to AL-BL (same register, still safe to write).
    static void fix_rex(InsnSpec& s) {
        if (needs_rex(s) && has_high8(s)) {
            s.reg.high8 = false;
            s.rm.reg.high8 = false;
        }
    }
    void imm(InsnSpec& s, unsigned size, uint64_t v) {
        s.imm_size = size;
        s.imm = v & mask_of(size);
    }
    void lock_if_mem(InsnSpec& s) {
        if (s.rm.is_mem && coin(40)) s.prefixes.insert(s.prefixes.begin(), 0xf0);
    }

    // --- pieces
    Piece make(const char* form, InsnSpec spec, FlagEffect fx, std::vector<GenInsn> setup = {}) {
        fix_rex(spec);
        Piece p;
        p.form = form;
        for (GenInsn& s : setup) {
            if (s.flags.reads & g.undefined_) {
                p.setup.push_back(definer());
                g.undefined_ = 0;
            }
            g.undefined_ = after(g.undefined_, s.flags);
            p.setup.push_back(std::move(s));
        }
        if (fx.reads & g.undefined_) {
            p.setup.push_back(definer());
            g.undefined_ = 0;
        }
        p.main = {spec, fx};
        g.undefined_ = after(g.undefined_, fx);
        return p;
    }
    // CMP r, r: every arithmetic flag defined, and no register changed (the piece's
    // set-up may have loaded a count or an offset already).
    GenInsn definer() {
        unsigned size = any_size();
        InsnSpec s = modrm({uint8_t(size == 1 ? 0x38 : 0x39)}, size, RmRef{false, rreg(size), {}},
                           rreg(size));
        fix_rex(s);
        return {s, kAllDefined};
    }
    GenInsn mov_imm8(unsigned reg, uint8_t v) {  // MOV r8, imm8 (CL, DL, ...)
        InsnSpec s;
        s.opcode = {0xb0};
        s.opcode_reg = int(reg);
        s.byte_rm = true;
        imm(s, 1, v);
        return {s, kNoFlags};
    }
    GenInsn mov_imm64(unsigned reg, int32_t v) {  // MOV r64, simm32 (MOV r32, imm32 in 32-bit code)
        InsnSpec s = modrm({0xc7}, gpr_size(), RmRef{false, {reg, false}, {}}, digit(0), false);
        imm(s, 4, uint64_t(uint32_t(v)));
        return {s, kNoFlags};
    }
    GenInsn simple(std::vector<uint8_t> bytes, unsigned size, FlagEffect fx = kNoFlags) {
        InsnSpec s;
        sized(s, size);
        s.opcode = std::move(bytes);
        return {s, fx};
    }

    static FlagEffect alu_effect(unsigned op) {
        bool logic = op == 1 || op == 4 || op == 6;
        bool carry_in = op == 2 || op == 3;
        return {uint16_t(carry_in ? CF : 0), uint16_t(logic ? kArith & ~AF : kArith),
                uint16_t(logic ? AF : 0)};
    }

    Piece alu() {
        unsigned op = pick(8), size = any_size();
        bool write = op != 7;
        FlagEffect fx = alu_effect(op);
        InsnSpec s;
        switch (pick(4)) {
            case 0:
                s = modrm({uint8_t(op * 8 + (size == 1 ? 0 : 1))}, size, rm(size, write),
                          rreg(size));
                if (write) lock_if_mem(s);
                break;
            case 1:
                s = modrm({uint8_t(op * 8 + (size == 1 ? 2 : 3))}, size, rm(size, false),
                          reg_for(size, write));
                break;
            case 2: {
                bool imm8 = size == 1 || coin(50);
                s = modrm({uint8_t(size == 1 ? 0x80
                                   : imm8    ? 0x83
                                             : 0x81)},
                          size, rm(size, write), digit(op), false);
                imm(s, imm8 ? 1 : std::min(size, 4u), g.edge_value(8));
                if (write) lock_if_mem(s);
                break;
            }
            default:
                s.opcode = {uint8_t(op * 8 + (size == 1 ? 4 : 5))};
                sized(s, size);
                imm(s, std::min(size, 4u), g.edge_value(8));
                break;
        }
        return make("alu", s, fx);
    }

    Piece test() {
        unsigned size = any_size();
        FlagEffect fx{0, kArith & ~AF, AF};
        InsnSpec s;
        switch (pick(3)) {
            case 0:
                s = modrm({uint8_t(size == 1 ? 0x84 : 0x85)}, size, rm(size, false), rreg(size));
                break;
            case 1:
                s = modrm({uint8_t(size == 1 ? 0xf6 : 0xf7)}, size, rm(size, false), digit(0),
                          false);
                imm(s, std::min(size, 4u), g.edge_value(8));
                break;
            default:
                s.opcode = {uint8_t(size == 1 ? 0xa8 : 0xa9)};
                sized(s, size);
                imm(s, std::min(size, 4u), g.edge_value(8));
                break;
        }
        return make("test", s, fx);
    }

    Piece unary() {  // INC DEC NOT NEG
        unsigned size = any_size(), which = pick(4);
        bool incdec = which < 2;
        if (incdec && !m64() && coin(30)) {  // 40+r / 48+r: REX prefixes in 64-bit code
            unsigned size = wide_size();
            InsnSpec s;
            sized(s, size);
            s.opcode = {uint8_t(which == 0 ? 0x40 : 0x48)};
            s.opcode_reg = int(wreg(size).phys);
            return make("inc/dec/not/neg", s, {0, kArith & ~CF, 0});
        }
        InsnSpec s =
            modrm({uint8_t(incdec ? (size == 1 ? 0xfe : 0xff) : (size == 1 ? 0xf6 : 0xf7))}, size,
                  rm(size, true), digit(which), false);
        lock_if_mem(s);
        FlagEffect fx = which < 2    ? FlagEffect{0, kArith & ~CF, 0}
                        : which == 2 ? kNoFlags
                                     : kAllDefined;
        return make("inc/dec/not/neg", s, fx);
    }

    uint8_t count_value(unsigned size) {
        unsigned w = 8 * size;
        static constexpr unsigned kInteresting[] = {0,  1,  2,  7,  8,  9,  15,
                                                    16, 17, 31, 32, 33, 63, 64};
        unsigned v = coin(60) ? kInteresting[pick(std::size(kInteresting))] : pick(256);
        if (coin(20)) v = w - 1 + pick(3);
        return uint8_t(v);
    }

    // SHL/SHR/SAR/ROL/ROR/RCL/RCR by 1, imm8 or CL.
    Piece shift() {
        static constexpr unsigned kOps[] = {0, 1, 2, 3, 4, 5, 7};  // ROL ROR RCL RCR SHL SHR SAR
        unsigned op = kOps[pick(7)], size = any_size(), w = 8 * size;
        unsigned how = pick(3);
        uint8_t count = how == 0 ? 1 : count_value(size);
        std::vector<GenInsn> setup;
        InsnSpec s;
        uint8_t base = size == 1 ? 0 : 1;
        if (how == 0) {
            s = modrm({uint8_t(0xd0 + base)}, size, rm(size, true), digit(op), false);
        } else if (how == 1) {
            s = modrm({uint8_t(0xc0 + base)}, size, rm(size, true), digit(op), false);
            imm(s, 1, count);
        } else {
            setup.push_back(mov_imm8(kRcx, count));
            s = modrm({uint8_t(0xd2 + base)}, size, rm(size, true), digit(op), false);
            // CL is the count: the destination must not be RCX's low byte (it would be
            // fine, but the count would no longer be what the flag table assumes).
            if (!s.rm.is_mem && s.rm.reg.phys == kRcx) s.rm.reg.phys = kRax;
        }
        unsigned m = count & (size == 8 ? 63 : 31);
        FlagEffect fx;
        if (m != 0) {
            if (op >= 4) {  // shifts
                fx.defined = CF | PF | ZF | SF | (m == 1 ? OF : 0);
                fx.undefined = AF | (m == 1 ? 0 : OF);
                if (op != 7 && m >= w) {  // SHL/SHR: CF undefined for counts >= width
                    fx.defined &= ~CF;
                    fx.undefined |= CF;
                }
            } else {  // rotates: only CF and OF
                fx.reads = op >= 2 ? CF : 0;
                fx.defined = CF | (m == 1 ? OF : 0);
                fx.undefined = m == 1 ? 0 : OF;
            }
        }
        return make("shift/rotate", s, fx, std::move(setup));
    }

    // SHLD/SHRD by imm8 or CL; 16-bit counts above 16 are undefined and avoided.
    Piece double_shift() {
        unsigned size = wide_size();
        bool right = coin(50), by_cl = coin(50);
        uint8_t count = count_value(size);
        if (size == 2 && (count & 31) > 16) count &= 0xef;
        std::vector<GenInsn> setup;
        InsnSpec s = modrm({0x0f, uint8_t((right ? 0xac : 0xa4) + (by_cl ? 1 : 0))}, size,
                           rm(size, true), rreg(size));
        if (by_cl) {
            setup.push_back(mov_imm8(kRcx, count));
            if (!s.rm.is_mem && s.rm.reg.phys == kRcx) s.rm.reg.phys = kRax;
        } else {
            imm(s, 1, count);
        }
        unsigned m = count & (size == 8 ? 63 : 31);
        FlagEffect fx;
        if (m != 0) {
            fx.defined = CF | PF | ZF | SF | (m == 1 ? OF : 0);
            fx.undefined = AF | (m == 1 ? 0 : OF);
        }
        return make("shld/shrd", s, fx, std::move(setup));
    }

    Piece mul() {  // MUL, IMUL (1, 2 and 3 operands)
        FlagEffect fx{0, CF | OF, SF | ZF | AF | PF};
        unsigned size, form = pick(4);
        InsnSpec s;
        if (form < 2) {
            size = any_size();
            s = modrm({uint8_t(size == 1 ? 0xf6 : 0xf7)}, size, rm(size, false),
                      digit(form == 0 ? 4 : 5), false);
        } else if (form == 2) {
            size = wide_size();
            s = modrm({0x0f, 0xaf}, size, rm(size, false), wreg(size));
        } else {
            size = wide_size();
            bool imm8 = coin(50);
            s = modrm({uint8_t(imm8 ? 0x6b : 0x69)}, size, rm(size, false), wreg(size));
            imm(s, imm8 ? 1 : std::min(size, 4u), g.edge_value(8));
        }
        return make("mul/imul", s, fx);
    }

    // DIV/IDIV. Often preceded by a zero/sign extension so the quotient fits; the rest
    // of the time #DE is likely, and both runs must take it at the same instruction.
    Piece div() {
        unsigned size = any_size();
        bool sign = coin(50);
        std::vector<GenInsn> setup;
        if (coin(70)) {
            if (sign)
                setup.push_back(simple({uint8_t(size == 1 ? 0x98 : 0x99)}, size == 1 ? 2 : size));
            else if (size == 1)  // MOVZX EAX, AL: AH = 0
                setup.push_back(
                    {modrm({0x0f, 0xb6}, 4, RmRef{false, {kRax, false}, {}}, {kRax, false}),
                     kNoFlags});
            else
                setup.push_back({modrm({0x31}, 4, RmRef{false, {kRdx, false}, {}}, {kRdx, false}),
                                 {0, kArith & ~AF, AF}});
        }
        InsnSpec s = modrm({uint8_t(size == 1 ? 0xf6 : 0xf7)}, size, rm(size, false),
                           digit(sign ? 7 : 6), false);
        return make("div/idiv", s, {0, 0, kArith}, std::move(setup));
    }

    // BT BTS BTR BTC with a register or immediate offset, on a register or memory.
    Piece bit_test() {
        unsigned size = wide_size(), op = pick(4);  // BT BTS BTR BTC
        bool write = op != 0;
        FlagEffect fx{0, CF, OF | SF | AF | PF};
        std::vector<GenInsn> setup;
        InsnSpec s;
        if (coin(50)) {
            s = modrm({0x0f, 0xba}, size, rm(size, write), digit(4 + op), false);
            imm(s, 1, g.edge_value(1));
        } else {
            static constexpr uint8_t kOpc[] = {0xa3, 0xab, 0xb3, 0xbb};
            RmRef dst = rm(size, write);
            RegRef offset = rreg(size);
            if (dst.is_mem) {
                // A register offset reaches any word around the operand: keep it near.
                offset = wreg(gpr_size());
                offset.high8 = false;
                setup.push_back(mov_imm64(offset.phys, int32_t(pick(512)) - 256));
            }
            s = modrm({0x0f, kOpc[op]}, size, dst, offset);
        }
        if (write) lock_if_mem(s);
        return make("bt/bts/btr/btc", s, fx, std::move(setup));
    }

    Piece bit_scan() {  // BSF BSR
        unsigned size = wide_size();
        InsnSpec s =
            modrm({0x0f, uint8_t(coin(50) ? 0xbc : 0xbd)}, size, rm(size, false), wreg(size));
        return make("bsf/bsr", s, {0, ZF, CF | OF | SF | AF | PF});
    }

    Piece count_bits() {  // POPCNT LZCNT TZCNT, as far as the host has them
        std::vector<uint8_t> ops;
        if (g.features_.popcnt) ops.push_back(0xb8);
        if (g.features_.lzcnt) ops.push_back(0xbd);
        if (g.features_.tzcnt) ops.push_back(0xbc);
        if (ops.empty()) return bit_scan();
        uint8_t opc = ops[pick(unsigned(ops.size()))];
        unsigned size = wide_size();
        InsnSpec s = modrm({0x0f, opc}, size, rm(size, false), wreg(size));
        s.prefixes.push_back(0xf3);  // after 66: both are prefixes, F3 selects the instruction
        FlagEffect fx = opc == 0xb8 ? kAllDefined : FlagEffect{0, CF | ZF, OF | SF | AF | PF};
        return make("popcnt/lzcnt/tzcnt", s, fx);
    }

    // MOVBE: a byte-reversed load (0F 38 F0) or store (0F 38 F1).
    Piece movbe() {
        if (!g.features_.movbe) return mov();
        unsigned size = wide_size();
        bool store = coin(50);
        InsnSpec s = modrm({0x0f, 0x38, uint8_t(store ? 0xf1 : 0xf0)}, size, RmRef{true, {}, mem()},
                           store ? rreg(size) : wreg(size));
        return make("movbe", s, kNoFlags);
    }

    // CRC32 r32/r64 with r/m8 (F2 0F 38 F0) or r/m16/32/64 (F2 0F 38 F1).
    Piece crc32() {
        if (!g.features_.crc32) return mov();
        InsnSpec s;
        if (coin(30)) {
            unsigned dst = m64() && coin(50) ? 8 : 4;
            s = modrm({0x0f, 0x38, 0xf0}, dst, rm(1, false), wreg(dst));
            s.byte_rm = true;
        } else {
            unsigned src = wide_size();
            s = modrm({0x0f, 0x38, 0xf1}, src, rm(src, false), wreg(src == 8 ? 8 : 4));
        }
        s.prefixes.push_back(0xf2);  // after 66: F2 selects CRC32
        return make("crc32", s, kNoFlags);
    }

    // ADCX (66 0F 38 F6) and ADOX (F3 0F 38 F6), often behind more of them, so that carry
    // chains through CF and through OF interleave.
    GenInsn adx_insn() {
        unsigned size = m64() && coin(50) ? 8 : 4;
        bool adox = coin(50);
        InsnSpec s = modrm({0x0f, 0x38, 0xf6}, size, rm(size, false), wreg(size));
        s.prefixes.push_back(adox ? 0xf3 : 0x66);
        uint16_t f = adox ? OF : CF;
        return {s, {f, f, 0}};
    }
    Piece adx() {
        if (!g.features_.adx) return alu();
        std::vector<GenInsn> setup;
        for (unsigned n = pick(3); n; n--)
            setup.push_back(adx_insn());
        GenInsn main = adx_insn();
        return make("adcx/adox", main.spec, main.flags, std::move(setup));
    }

    // A VEX-encoded GPR instruction (BMI1/BMI2): map 2 is 0F38, 3 is 0F3A; pp 0 none, 1 66,
    // 2 F3, 3 F2; `vvvv` is the register VEX.vvvv names.
    static InsnSpec vex(unsigned map, unsigned pp, uint8_t opcode, unsigned size, RmRef rm,
                        RegRef reg, unsigned vvvv) {
        InsnSpec s;
        s.vex_map = map;
        s.vex_pp = pp;
        s.vex_vvvv = vvvv;
        s.rex_w = size == 8;
        s.opcode = {opcode};
        s.has_modrm = true;
        s.reg_is_reg = true;
        s.reg = reg;
        s.rm = rm;
        return s;
    }
    // A register for BEXTR's start | length << 8, or BZHI's index, or a SHLX count: mostly
    // loaded with values near the operand's edges, else left as it was.
    unsigned control_reg(std::vector<GenInsn>& setup, bool two_fields) {
        RegRef r = wreg(gpr_size());
        if (coin(70)) {
            uint32_t v = count_value(8);
            if (two_fields) v |= uint32_t(count_value(8)) << 8;
            if (coin(20)) v |= uint32_t(rng8()) << 16;  // bits above the fields are ignored
            setup.push_back(mov_imm64(r.phys, int32_t(v)));
        }
        return r.phys;
    }

    Piece bmi1() {  // ANDN BEXTR BLSI BLSMSK BLSR (TZCNT is in count_bits)
        if (!g.features_.bmi1) return alu();
        unsigned size = m64() && coin(50) ? 8 : 4;
        std::vector<GenInsn> setup;
        switch (pick(3)) {
            case 0: {
                InsnSpec s = vex(2, 0, 0xf2, size, rm(size, false), wreg(size), rreg(size).phys);
                return make("andn", s, {0, SF | ZF | OF | CF, AF | PF});
            }
            case 1: {
                unsigned control = control_reg(setup, true);
                InsnSpec s = vex(2, 0, 0xf7, size, rm(size, false), wreg(size), control);
                return make("bextr", s, {0, ZF | CF | OF, SF | AF | PF}, std::move(setup));
            }
            default: {
                InsnSpec s =
                    vex(2, 0, 0xf3, size, rm(size, false), digit(1 + pick(3)), wreg(size).phys);
                s.reg_is_reg = false;
                return make("blsi/blsmsk/blsr", s, {0, SF | ZF | OF | CF, AF | PF});
            }
        }
    }

    Piece bmi2() {  // BZHI MULX PDEP PEXT RORX SARX SHLX SHRX
        if (!g.features_.bmi2) return alu();
        unsigned size = m64() && coin(50) ? 8 : 4;
        std::vector<GenInsn> setup;
        switch (pick(5)) {
            case 0: {
                unsigned index = control_reg(setup, false);
                InsnSpec s = vex(2, 0, 0xf5, size, rm(size, false), wreg(size), index);
                return make("bzhi", s, {0, SF | ZF | OF | CF, AF | PF}, std::move(setup));
            }
            case 1: {  // the two destinations may be one register: it gets the high half
                InsnSpec s = vex(2, 3, 0xf6, size, rm(size, false), wreg(size), wreg(size).phys);
                return make("mulx", s, kNoFlags);
            }
            case 2: {  // PEXT (F3) PDEP (F2)
                InsnSpec s =
                    vex(2, 2 + pick(2), 0xf5, size, rm(size, false), wreg(size), rreg(size).phys);
                return make("pdep/pext", s, kNoFlags);
            }
            case 3: {
                InsnSpec s = vex(3, 3, 0xf0, size, rm(size, false), wreg(size), 0);
                imm(s, 1, count_value(size));
                return make("rorx", s, kNoFlags);
            }
            default: {  // SHLX (66) SARX (F3) SHRX (F2)
                unsigned count = control_reg(setup, false);
                InsnSpec s = vex(2, 1 + pick(3), 0xf7, size, rm(size, false), wreg(size), count);
                return make("shlx/sarx/shrx", s, kNoFlags, std::move(setup));
            }
        }
    }

    Piece bswap() {
        unsigned size = m64() && coin(50) ? 8 : 4;
        InsnSpec s;
        sized(s, size);
        s.opcode = {0x0f, 0xc8};
        s.opcode_reg = int(wreg(size).phys);
        return make("bswap", s, kNoFlags);
    }

    Piece exchange() {  // XCHG XADD CMPXCHG
        unsigned size = any_size();
        uint8_t b = size == 1 ? 0 : 1;
        std::vector<GenInsn> setup;
        InsnSpec s;
        switch (pick(4)) {
            case 0:
                s = modrm({uint8_t(0x86 + b)}, size, rm(size, true), wreg(size));
                lock_if_mem(s);
                return make("xchg", s, kNoFlags);
            case 1: {
                size = wide_size();
                sized(s, size);
                s.opcode = {0x90};
                do {
                    s.opcode_reg = int(wreg(size).phys);
                } while (s.opcode_reg == 0);  // 90 is NOP
                return make("xchg", s, kNoFlags);
            }
            case 2:
                s = modrm({0x0f, uint8_t(0xc0 + b)}, size, rm(size, true), wreg(size));
                lock_if_mem(s);
                return make("xadd", s, kAllDefined);
            default:
                s = modrm({0x0f, uint8_t(0xb0 + b)}, size, rm(size, true), rreg(size));
                lock_if_mem(s);
                // Half the time the accumulator holds the current value, so the exchange succeeds.
                if (s.rm.is_mem && coin(50)) {
                    InsnSpec load =
                        modrm({uint8_t(size == 1 ? 0x8a : 0x8b)}, size, s.rm, RegRef{kRax, false});
                    setup.push_back({load, kNoFlags});
                }
                return make("cmpxchg", s, kAllDefined, std::move(setup));
        }
    }

    // CMPXCHG8B, and CMPXCHG16B (which needs a 16-byte aligned operand, else #GP).
    Piece cmpxchg_wide() {
        bool wide = m64() && coin(50);
        unsigned half = wide ? 8 : 4;
        MemRef m;
        m.base = int(g.base_reg_);
        m.disp = int32_t(pick(16)) * 8 - 64;
        if (coin(10)) m.disp += 1 + int32_t(pick(7));
        std::vector<GenInsn> setup;
        if (coin(50)) {  // EDX:EAX = the current value, so the exchange succeeds
            MemRef hi = m;
            hi.disp += int32_t(half);
            setup.push_back(
                {modrm({0x8b}, half, RmRef{true, {}, m}, RegRef{kRax, false}), kNoFlags});
            setup.push_back(
                {modrm({0x8b}, half, RmRef{true, {}, hi}, RegRef{kRdx, false}), kNoFlags});
        }
        InsnSpec s = modrm({0x0f, 0xc7}, wide ? 8 : 4, RmRef{true, {}, m}, digit(1), false);
        lock_if_mem(s);
        return make("cmpxchg8b/16b", s, {0, ZF, 0}, std::move(setup));
    }

    Piece extend() {  // MOVZX MOVSX MOVSXD CBW/CWDE/CDQE CWD/CDQ/CQO
        switch (pick(4)) {
            case 0:
            case 1: {
                bool from8 = coin(50);
                unsigned size = wide_size();
                InsnSpec s = modrm({0x0f, uint8_t((pick(2) ? 0xbe : 0xb6) + (from8 ? 0 : 1))}, size,
                                   rm(from8 ? 1 : 2, false), wreg(size));
                s.byte_reg = false;  // the destination is a full register
                s.byte_rm = from8;
                s.reg.high8 = false;
                return make("movzx/movsx", s, kNoFlags);
            }
            case 2: {
                if (!m64()) return make("cbw/cwd", simple({0x98}, wide_size()).spec, kNoFlags);
                InsnSpec s = modrm({0x63}, 8, rm(4, false), wreg(8));
                return make("movsxd", s, kNoFlags);
            }
            default: {
                unsigned size = wide_size();
                return make("cbw/cwd", simple({uint8_t(coin(50) ? 0x98 : 0x99)}, size).spec,
                            kNoFlags);
            }
        }
    }

    // LEA with any registers (nothing is accessed), every addressing form and both address sizes.
    Piece lea() {
        unsigned size = wide_size();
        MemRef m;
        m.addr32 = m64() && coin(25);
        switch (pick(5)) {
            case 0:
                m.base = int(any_reg());
                break;
            case 1:
                m.base = int(any_reg());
                do {
                    m.index = int(any_reg());
                } while (m.index == kRsp);
                break;
            case 2:
                m.base = kNoReg;
                do {
                    m.index = int(any_reg());
                } while (m.index == kRsp);
                break;
            case 3:
                m.base = kNoReg;
                break;
            default:
                m.base = kRipBase;
                m.target = Arena::kCodeAddr + pick(0x10000) - 0x8000;
                break;
        }
        m.scale = pick(4);
        m.disp = int32_t(uint32_t(g.edge_value(coin(50) ? 1 : 4)));
        if (m.disp >= -128 && m.disp <= 127 && coin(30)) m.force_disp32 = true;
        InsnSpec s = modrm({0x8d}, size, RmRef{true, {}, m}, wreg(size));
        return make("lea", s, kNoFlags);
    }

    Piece conditional() {  // CMOVcc SETcc
        unsigned cc = pick(16);
        FlagEffect fx{cc_reads(cc), 0, 0};
        if (coin(50)) {
            unsigned size = wide_size();
            InsnSpec s = modrm({0x0f, uint8_t(0x40 + cc)}, size, rm(size, false), wreg(size));
            return make("cmovcc", s, fx);
        }
        InsnSpec s = modrm({0x0f, uint8_t(0x90 + cc)}, 1, rm(1, true), digit(0), false);
        return make("setcc", s, fx);
    }

    // Jcc rel8 (any condition), LOOP/LOOPE/LOOPNE or JrCXZ jumping over a simple piece.
    Piece branch() {
        SkipBranch br;
        const char* form = "jcc";
        if (coin(75)) {
            unsigned cc = pick(16);
            br = {uint8_t(0x70 + cc), {cc_reads(cc), 0, 0}};
        } else {
            static constexpr uint8_t kLoops[] = {0xe0, 0xe1, 0xe2,
                                                 0xe3};  // LOOPNE LOOPE LOOP JrCXZ
            br.opcode = kLoops[pick(4)];
            br.flags = {uint16_t(br.opcode < 0xe2 ? ZF : 0), 0, 0};
            form = "loop/jrcxz";
        }
        // Layout: the body's set-up, the branch, the body. The branch must see defined
        // flags, and a flag is defined after the join only if both paths define it.
        uint16_t before = g.undefined_;
        Piece body = coin(50) ? alu() : coin(50) ? mov() : unary();
        body.form = form;
        body.skip = br;
        uint16_t at_branch = before;
        for (const GenInsn& s : body.setup)
            at_branch = after(at_branch, s.flags);
        if (br.flags.reads & at_branch) {
            body.setup.push_back(definer());
            at_branch = 0;
        }
        if (br.opcode >= 0xe0) {  // a small count, so that LOOP both falls through and jumps
            InsnSpec c;
            c.opcode = {0xb8};
            c.opcode_reg = int(kRcx);
            imm(c, 4, pick(3));
            body.setup.push_back({c, kNoFlags});
            if (!body.main.spec.rm.is_mem && body.main.spec.rm.reg.phys == kRcx)
                body.main.spec.rm.reg.phys = kRax;
        }
        g.undefined_ = uint16_t(after(at_branch, body.main.flags) | at_branch);
        return body;
    }

    // LAHF SAHF PUSHF POPF: the flags as data. PUSHF needs every arithmetic flag defined;
    // POPF pops what PUSHF pushed with some arithmetic flags and DF flipped.
    Piece flags_as_data() {
        switch (pick(3)) {
            case 0: {
                FlagEffect fx{uint16_t(kArith & ~OF), 0, 0};
                return make("lahf/sahf", simple({0x9f}, 4).spec, fx);
            }
            case 1:
                return make("lahf/sahf", simple({0x9e}, 4).spec, {0, uint16_t(kArith & ~OF), 0});
            default: {
                unsigned size = coin(25) ? 2 : gpr_size();
                std::vector<GenInsn> setup;
                setup.push_back(simple({0x9c}, size == 2 ? 2 : 4, {kArith, 0, 0}));
                MemRef top;
                top.base = kRsp;
                InsnSpec low = modrm({0x80}, 1, RmRef{true, {}, top}, digit(6), false);
                imm(low, 1, rng8() & 0xd5);  // CF PF AF ZF SF
                setup.push_back({low, {0, 0, 0}});
                top.disp = 1;
                InsnSpec high = modrm({0x80}, 1, RmRef{true, {}, top}, digit(6), false);
                imm(high, 1, rng8() & 0x0c);  // DF OF
                setup.push_back({high, {0, 0, 0}});
                return make("pushf/popf", simple({0x9d}, size == 2 ? 2 : 4).spec, kAllDefined,
                            std::move(setup));
            }
        }
    }
    uint8_t rng8() { return uint8_t(g.rng_()); }

    // XLAT: AL = [rBX + AL]; only when RBX is the memory base register.
    Piece xlat() {
        if (g.base_reg_ != kRbx) return mov();
        return make("xlat", simple({0xd7}, 4).spec, kNoFlags);
    }

    Piece mov() {
        unsigned size = any_size();
        InsnSpec s;
        switch (pick(4)) {
            case 0:
                s = modrm({uint8_t(size == 1 ? 0x88 : 0x89)}, size, rm(size, true), rreg(size));
                break;
            case 1:
                s = modrm({uint8_t(size == 1 ? 0x8a : 0x8b)}, size, rm(size, false), wreg(size));
                break;
            case 2:
                s = modrm({uint8_t(size == 1 ? 0xc6 : 0xc7)}, size, rm(size, true), digit(0),
                          false);
                imm(s, std::min(size, 4u), g.edge_value(8));
                break;
            default:
                sized(s, size);
                s.opcode = {uint8_t(size == 1 ? 0xb0 : 0xb8)};
                s.opcode_reg = int(wreg(size).phys);
                imm(s, size, g.edge_value(size));
                break;
        }
        return make("mov", s, kNoFlags);
    }

    Piece push_pop() {
        bool word = coin(25);
        InsnSpec s;
        if (word) s.prefixes.push_back(0x66);
        switch (pick(5)) {
            case 0:
                s.opcode = {0x50};
                s.opcode_reg = int(any_reg());
                return make("push", s, kNoFlags);
            case 1:
                s.opcode = {uint8_t(coin(50) ? 0x6a : 0x68)};
                imm(s, s.opcode[0] == 0x6a ? 1 : word ? 2 : 4, g.edge_value(4));
                return make("push", s, kNoFlags);
            case 2: {
                InsnSpec m = modrm({0xff}, 4, RmRef{true, {}, mem()}, digit(6), false);
                m.prefixes = s.prefixes;
                return make("push", m, kNoFlags);
            }
            case 3:
                s.opcode = {0x58};
                s.opcode_reg = int(wreg(gpr_size()).phys);
                return make("pop", s, kNoFlags);
            default: {
                InsnSpec m = modrm({0x8f}, 4, RmRef{true, {}, mem()}, digit(0), false);
                m.prefixes = s.prefixes;
                return make("pop", m, kNoFlags);
            }
        }
    }

    GenInsn lea_into(unsigned reg, int32_t disp) {
        MemRef m;
        m.base = int(g.base_reg_);
        m.disp = disp;
        return {modrm({0x8d}, gpr_size(), RmRef{true, {}, m}, RegRef{reg, false}), kNoFlags};
    }

    // MOVS STOS LODS CMPS SCAS, with and without REP/REPE/REPNE, in either direction.
    Piece string_op() {
        static constexpr uint8_t kOpc[] = {0xa4, 0xaa, 0xac, 0xa6, 0xae};
        unsigned which = pick(5), size = any_size();
        bool compares = which >= 3;
        unsigned rep = pick(3);  // none, F3, F2 (F2 only for the compares)
        if (rep == 2 && !compares) rep = 1;
        std::vector<GenInsn> setup;
        setup.push_back(lea_into(kRsi, int32_t(pick(0x100)) - 0x80));
        setup.push_back(lea_into(kRdi, int32_t(pick(0x100)) - 0x80));
        unsigned n = pick(9);
        if (rep) {
            InsnSpec c;
            c.opcode = {0xb8};
            c.opcode_reg = int(kRcx);
            imm(c, 4, n);
            setup.push_back({c, kNoFlags});
        }
        if (coin(20)) setup.push_back(simple({uint8_t(coin(50) ? 0xfc : 0xfd)}, 4));
        InsnSpec s;
        sized(s, size);
        if (rep) s.prefixes.insert(s.prefixes.begin(), rep == 1 ? 0xf3 : 0xf2);
        s.opcode = {uint8_t(kOpc[which] + (size == 1 ? 0 : 1))};
        FlagEffect fx = compares && !(rep && n == 0) ? kAllDefined : kNoFlags;
        return make("string", s, fx, std::move(setup));
    }

    Piece simd() { return g.random_simd_piece(); }
    Piece string_scan() { return g.string_scan_loop(); }

    Piece flag_ops() {  // CLC STC CMC
        switch (pick(3)) {
            case 0:
                return make("clc/stc/cmc", simple({0xf8}, 4).spec, {0, CF, 0});
            case 1:
                return make("clc/stc/cmc", simple({0xf9}, 4).spec, {0, CF, 0});
            default:
                return make("clc/stc/cmc", simple({0xf5}, 4).spec, {CF, CF, 0});
        }
    }
};

namespace {

struct FormRow {
    const char* name;
    Piece (Forms::*make)();
    unsigned weight;
};

constexpr FormRow kForms[] = {
    {"alu", &Forms::alu, 14},
    {"test", &Forms::test, 3},
    {"unary", &Forms::unary, 5},
    {"shift", &Forms::shift, 10},
    {"double_shift", &Forms::double_shift, 5},
    {"mul", &Forms::mul, 5},
    {"div", &Forms::div, 4},
    {"bit_test", &Forms::bit_test, 5},
    {"bit_scan", &Forms::bit_scan, 3},
    {"count_bits", &Forms::count_bits, 3},
    {"bswap", &Forms::bswap, 2},
    {"exchange", &Forms::exchange, 5},
    {"cmpxchg_wide", &Forms::cmpxchg_wide, 2},
    {"extend", &Forms::extend, 4},
    {"lea", &Forms::lea, 4},
    {"conditional", &Forms::conditional, 6},
    {"branch", &Forms::branch, 5},
    {"flags_as_data", &Forms::flags_as_data, 3},
    {"xlat", &Forms::xlat, 1},
    {"mov", &Forms::mov, 3},
    {"push_pop", &Forms::push_pop, 4},
    {"string", &Forms::string_op, 4},
    {"flag_ops", &Forms::flag_ops, 2},
    {"movbe", &Forms::movbe, 2},
    {"crc32", &Forms::crc32, 2},
    {"adx", &Forms::adx, 3},
    {"bmi1", &Forms::bmi1, 4},
    {"bmi2", &Forms::bmi2, 4},
    {"simd", &Forms::simd, 30},
    {"string_scan", &Forms::string_scan, 2},
};

}  // namespace

std::vector<const char*> InsnGenerator::form_names() {
    std::vector<const char*> names;
    for (const FormRow& f : kForms)
        names.push_back(f.name);
    return names;
}

Piece InsnGenerator::piece(const char* form) {
    Forms f{*this};
    for (const FormRow& row : kForms)
        if (std::string_view(row.name) == form) return (f.*row.make)();
    return f.mov();
}

std::vector<Piece> InsnGenerator::pieces(unsigned max_pieces) {
    unsigned total = 0;
    for (const FormRow& f : kForms)
        total += f.weight;
    Forms f{*this};
    std::vector<Piece> out;
    unsigned n = 1 + pick(max_pieces);
    for (unsigned i = 0; i < n; i++) {
        unsigned r = pick(total);
        for (const FormRow& row : kForms) {
            if (r < row.weight) {
                out.push_back((f.*row.make)());
                break;
            }
            r -= row.weight;
        }
    }
    return out;
}

}  // namespace kemu::x86::difftest
