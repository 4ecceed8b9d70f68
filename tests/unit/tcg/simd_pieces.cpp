// The SIMD pieces of InsnGenerator: one decoder row with random operands, and glibc-style
// string scans that mix vector compares with GPR masks, TZCNT and a backward branch.
#include <string_view>

#include "tests/unit/tcg/insn_generator.h"

namespace kemu::x86::difftest {

namespace {

constexpr unsigned kRax = 0, kRsp = 4, kRdi = 7;
constexpr FlagEffect kAllDefined{0, flag::kArith, 0};
constexpr uint16_t kLogicUndefined = flag::AF;

// COMISS, PTEST, VTESTPS and PCMPxSTRx write every arithmetic flag; no other row touches them.
FlagEffect simd_flags(std::string_view sdm) {
    std::string_view m = sdm.substr(0, sdm.find(' '));
    if (m.starts_with("V")) m.remove_prefix(1);
    for (std::string_view p : {"COMIS", "UCOMIS", "PTEST", "TESTP", "PCMPESTR", "PCMPISTR"})
        if (m.starts_with(p)) return kAllDefined;
    return {};
}

bool named(const SimdTemplate& t, std::string_view name) {
    std::string_view m = t.sdm;
    m = m.substr(0, m.find(' '));
    return m == name || (m.starts_with("V") && m.substr(1) == name);
}

unsigned vex_pp(uint8_t prefix) {
    return prefix == 0x66 ? 1 : prefix == 0xf3 ? 2 : prefix == 0xf2 ? 3 : 0;
}

InsnSpec raw(std::vector<uint8_t> bytes) {
    InsnSpec s;
    s.opcode = std::move(bytes);
    return s;
}

}  // namespace

RegRef InsnGenerator::simd_reg(OperandKind kind) {
    return RegRef{pick(mode64_ && kind != OperandKind::Mmx ? 16 : 8), false};
}

// Mostly aligned to 32 around the base register, sometimes only to 16 or 8 or not at all,
// through the base register, RIP-relative or an absolute address.
MemRef InsnGenerator::simd_mem(unsigned size) {
    int32_t off = int32_t(pick(16)) * 32 - 0x100;
    if (coin(12))
        off += int32_t(1 + pick(size - 1));
    else if (coin(10))
        off += 16;
    else if (coin(10))
        off += 8;
    MemRef m;
    switch (pick(6)) {
        case 0:
            m.base = kRipBase;
            m.target = kBaseValue + uint64_t(int64_t(off));
            break;
        case 1:
            m.base = kNoReg;
            m.disp = int32_t(kBaseValue) + off;
            break;
        default:
            m.base = int(base_reg_);
            m.disp = off;
            break;
    }
    return m;
}

InsnSpec InsnGenerator::simd_spec(const SimdTemplate& t, unsigned reg, unsigned vvvv, RmRef rm) {
    InsnSpec s;
    s.rex_w = t.w;
    s.has_modrm = t.has_modrm;
    s.reg_is_reg = t.digit < 0;
    s.reg = RegRef{t.digit < 0 ? reg : unsigned(t.digit), false};
    s.rm = rm;
    s.imm_size = t.imm_size;
    s.imm = rng_() & 0xff;
    if (t.vex) {
        s.vex_map = t.map;
        s.vex_pp = vex_pp(t.prefix);
        s.vex_vvvv = t.uses_vvvv ? vvvv : 0;
        s.vex_l = t.vex_l;
        s.opcode = {t.opcode};
        return s;
    }
    if (t.prefix) s.prefixes = {t.prefix};
    s.opcode = {0x0f};
    if (t.map == 2) s.opcode.push_back(0x38);
    if (t.map == 3) s.opcode.push_back(0x3a);
    s.opcode.push_back(t.opcode);
    return s;
}

Piece InsnGenerator::finish(const char* form, GenInsn main, std::vector<GenInsn> setup) {
    Piece p;
    p.form = form;
    for (const GenInsn& s : setup)
        undefined_ = after(undefined_, s.flags);
    undefined_ = after(undefined_, main.flags);
    p.setup = std::move(setup);
    p.main = std::move(main);
    return p;
}

Piece InsnGenerator::simd_piece(const SimdTemplate& t) {
    const CodeSize mode = mode64_ ? CodeSize::Bits64 : CodeSize::Bits32;
    InsnSpec s;
    for (unsigned attempt = 0; attempt < 32; attempt++) {
        RmRef rm;
        rm.is_mem = t.mem;
        if (t.mem)
            rm.mem = simd_mem(32);
        else
            rm.reg = simd_reg(OperandKind::Xmm);
        s = simd_spec(t, simd_reg(OperandKind::Xmm).phys, simd_reg(OperandKind::Xmm).phys, rm);
        // The registers chosen may not make another row, and a GPR destination must leave
        // RSP and the memory base and index registers alone.
        std::vector<uint8_t> bytes = encode(s, Arena::kCodeAddr, mode64_);
        DecodeResult r = decode(bytes, mode, Arena::kCodeAddr);
        if (r.status != DecodeStatus::Ok || std::string_view(r.insn.sdm) != t.sdm) continue;
        const Operand& d = r.insn.operands[0];
        if (d.kind == OperandKind::Gpr &&
            (d.reg == kRsp || d.reg == base_reg_ || d.reg == index_reg_))
            continue;
        break;
    }
    std::vector<GenInsn> setup;
    if (named(t, "MASKMOVQ") || named(t, "MASKMOVDQU")) {
        // The implicit destination DS:rDI, somewhere in the arena.
        MemRef at;
        at.base = int(base_reg_);
        at.disp = int32_t(pick(0x200)) - 0x100;
        InsnSpec lea = raw({0x8d});
        lea.rex_w = mode64_;
        lea.has_modrm = lea.reg_is_reg = true;
        lea.reg = RegRef{kRdi, false};
        lea.rm = RmRef{true, {}, at};
        setup.push_back({lea, {}});
    }
    if (t.op == Op::Ldmxcsr) {
        // A valid MXCSR (reserved bits clear, exceptions masked) where it will be loaded.
        InsnSpec mov = raw({0xc7});
        mov.has_modrm = true;
        mov.rm = s.rm;
        mov.imm_size = 4;
        mov.imm = 0x1f80 | pick(4) << 13 | (coin(30) ? 0x8040 : 0) | (rng_() & 0x3f);
        setup.push_back({mov, {}});
    }
    if ((named(t, "PCMPESTRI") || named(t, "PCMPESTRM")) && coin(60)) {
        for (unsigned reg : {0u, 2u}) {  // short explicit lengths in EAX and EDX, some negative
            InsnSpec mov = raw({0xb8});
            mov.opcode_reg = int(reg);
            mov.imm_size = 4;
            mov.imm = uint32_t(int32_t(pick(40)) - 20);
            setup.push_back({mov, {}});
        }
    }
    return finish(t.sdm, {s, simd_flags(t.sdm)}, std::move(setup));
}

Piece InsnGenerator::random_simd_piece() {
    const std::vector<SimdTemplate>& all = simd_templates(mode64_);
    return simd_piece(all[pick(unsigned(all.size()))]);
}

Piece InsnGenerator::string_scan_loop() {
    // The vector width and encoding: VEX.256, VEX.128 or legacy SSE2 (no broadcast: strlen).
    const unsigned kind = pick(3);
    const bool vex = kind < 2, l = kind == 0;
    const unsigned width = l ? 32 : 16;
    const bool memchr = vex && coin(50), use_ptest = vex && coin(40);
    // PMINUB finds zero bytes only: the two-block form is strlen.
    const bool two = !memchr && coin(30);
    auto op = [&](uint8_t prefix, uint8_t map, uint8_t opcode, unsigned reg, unsigned vvvv,
                  RmRef rm, bool wide = true) {
        SimdTemplate t;
        t.vex = vex;
        t.vex_l = l && wide;
        t.prefix = prefix;
        t.map = map;
        t.opcode = opcode;
        t.uses_vvvv = true;
        return GenInsn{simd_spec(t, reg, vvvv, rm), {}};
    };
    auto xmm = [](unsigned r) { return RmRef{false, {r, false}, {}}; };
    auto at_rdi = [](int32_t disp) {
        MemRef m;
        m.base = int(kRdi);
        m.disp = disp;
        return RmRef{true, {}, m};
    };
    auto alu_rdi = [&](uint8_t opcode, unsigned digit, uint64_t imm, unsigned imm_size) {
        InsnSpec s = raw({opcode});
        s.rex_w = mode64_;
        s.has_modrm = true;
        s.reg = RegRef{digit, false};
        s.rm = RmRef{false, {kRdi, false}, {}};
        s.imm_size = imm_size;
        s.imm = imm;
        return s;
    };

    std::vector<GenInsn> setup;
    // rDI somewhere below the base, the byte looked for at most 160 bytes on.
    MemRef start;
    start.base = int(base_reg_);
    start.disp = -int32_t(pick(0x100));
    InsnSpec lea = raw({0x8d});
    lea.rex_w = mode64_;
    lea.has_modrm = lea.reg_is_reg = true;
    lea.reg = RegRef{kRdi, false};
    lea.rm = RmRef{true, {}, start};
    setup.push_back({lea, {}});
    const uint8_t needle = memchr ? uint8_t(rng_()) : 0;
    InsnSpec plant = raw({0xc6});
    plant.has_modrm = true;
    plant.rm = at_rdi(int32_t(pick(160)));
    plant.imm_size = 1;
    plant.imm = needle;
    setup.push_back({plant, {}});
    if (memchr) {
        InsnSpec mov = raw({0xb8});
        mov.opcode_reg = int(kRax);
        mov.imm_size = 4;
        mov.imm = needle;
        setup.push_back({mov, {}});
        setup.push_back(op(0x66, 1, 0x6e, 0, 0, RmRef{false, {kRax, false}, {}}, false));  // VMOVD
        setup.push_back(op(0x66, 2, 0x78, 0, 0, xmm(0)));  // VPBROADCASTB ymm0, xmm0
    } else {
        setup.push_back(op(0x66, 1, 0xef, 0, 0, xmm(0)));  // (V)PXOR ymm0, ymm0, ymm0
    }

    std::vector<GenInsn> loop;
    loop.push_back(op(0xf3, 1, 0x6f, 1, 0, at_rdi(0)));  // (V)MOVDQU ymm1, [rDI]
    if (two) {
        // PMINUB with the next block: a zero byte in either leaves a zero in the minimum.
        if (vex) {
            loop.push_back(op(0x66, 1, 0xda, 1, 1, at_rdi(int32_t(width))));
        } else {
            loop.push_back(op(0xf3, 1, 0x6f, 2, 0, at_rdi(int32_t(width))));
            loop.push_back(op(0x66, 1, 0xda, 1, 1, xmm(2)));
        }
    }
    loop.push_back(op(0x66, 1, 0x74, 1, 1, xmm(0)));  // (V)PCMPEQB ymm1, ymm1, ymm0
    loop.push_back({alu_rdi(0x83, 0, two ? 2 * width : width, 1), kAllDefined});  // ADD rDI, n
    if (use_ptest) {
        loop.push_back({op(0x66, 2, 0x17, 1, 0, xmm(1)).spec, kAllDefined});  // VPTEST ymm1, ymm1
    } else {
        loop.push_back(op(0x66, 1, 0xd7, kRax, 0, xmm(1)));  // (V)PMOVMSKB eax, ymm1
        InsnSpec test = raw({0x85});
        test.has_modrm = test.reg_is_reg = true;
        test.rm = RmRef{false, {kRax, false}, {}};
        loop.push_back({test, {0, flag::kArith & ~kLogicUndefined, kLogicUndefined}});
    }
    unsigned body = 2;
    for (const GenInsn& g : loop)
        body += unsigned(encode(g.spec, 0, mode64_).size());
    loop.push_back({raw({0x74, uint8_t(-int(body))}), {flag::ZF, 0, 0}});  // JZ back
    setup.insert(setup.end(), loop.begin(), loop.end());
    if (use_ptest) setup.push_back(op(0x66, 1, 0xd7, kRax, 0, xmm(1)));
    if (vex && coin(50)) setup.push_back({raw({0xc5, 0xf8, 0x77}), {}});  // VZEROUPPER
    // TZCNT (BSF where the host lacks it: the mask is not zero) turns the mask into an index.
    InsnSpec tzcnt = features_.tzcnt ? raw({0xf3, 0x0f, 0xbc}) : raw({0x0f, 0xbc});
    tzcnt.has_modrm = tzcnt.reg_is_reg = true;
    tzcnt.rm = RmRef{false, {kRax, false}, {}};
    const uint16_t defined = features_.tzcnt ? flag::CF | flag::ZF : flag::ZF;
    return finish("string scan", {tzcnt, {0, defined, uint16_t(flag::kArith & ~defined)}},
                  std::move(setup));
}

}  // namespace kemu::x86::difftest
