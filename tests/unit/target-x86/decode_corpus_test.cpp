// Corpus comparison of decode() against Capstone (and Zydis where meson found it):
// for every instruction of a seeded corpus that any decoder accepts, the lengths
// must agree, and for integer instructions the register and memory operands must
// agree with Capstone's. Every disagreement must match a row of kKnownDifferences,
// which says why the SDM (or kemu's scope) is on our side. See docs/decoder.md.
#include <capstone/capstone.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "target-x86/decode.h"
#include "tests/unit/target-x86/decode_known_differences.h"

#ifdef KEMU_HAVE_ZYDIS
#include <Zydis/Zydis.h>
#endif

namespace kemu::x86 {
namespace {

using Bytes = std::vector<uint8_t>;

constexpr CodeSize kModes[] = {CodeSize::Bits16, CodeSize::Bits32, CodeSize::Bits64};
const char* mode_name(CodeSize m) {
    return m == CodeSize::Bits16 ? "16" : m == CodeSize::Bits32 ? "32" : "64";
}

// ---- the corpus --------------------------------------------------------------------------

// ModRM bytes covering every reg and rm value, every mod, SIB and the no-base forms.
constexpr uint8_t kModrms[] = {0xc0, 0xc9, 0xd2, 0xdb, 0xe4, 0xed, 0xf6, 0xff,
                               0x00, 0x0d, 0x14, 0x1f, 0x23, 0x2c, 0x36, 0x3d,
                               0x44, 0x4f, 0x85, 0x9e, 0x5c, 0xa4, 0x7e, 0xb5};

std::vector<Bytes> prefix_sets(CodeSize mode) {
    std::vector<Bytes> p = {{}, {0x66}, {0xf3}, {0xf2}, {0x67}, {0xf0}, {0x2e, 0x66, 0xf2}};
    if (mode == CodeSize::Bits64) {
        p.push_back({0x48});
        p.push_back({0x66, 0x45});
        p.push_back({0xf3, 0x4b});
    } else {
        p.push_back({0x26});
        p.push_back({0x64, 0x67, 0x66});
    }
    return p;
}

Bytes with_tail(Bytes b, std::mt19937_64& rng) {
    while (b.size() < 15)
        b.push_back(uint8_t(rng()));
    return b;
}

std::vector<Bytes> build_corpus(CodeSize mode, uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::vector<Bytes> out;
    const Bytes escapes[4] = {{}, {0x0f}, {0x0f, 0x38}, {0x0f, 0x3a}};
    for (const Bytes& prefix : prefix_sets(mode))
        for (const Bytes& esc : escapes)
            for (unsigned op = 0; op < 256; op++)
                for (uint8_t modrm : kModrms) {
                    Bytes b = prefix;
                    b.insert(b.end(), esc.begin(), esc.end());
                    b.push_back(uint8_t(op));
                    b.push_back(modrm);
                    out.push_back(with_tail(std::move(b), rng));
                }
    // VEX: random fields, with R and X set outside 64-bit mode so C4/C5 mean VEX.
    for (int i = 0; i < 40000; i++) {
        const bool three = rng() & 1;
        uint8_t b1 = uint8_t(rng());
        if (mode != CodeSize::Bits64) b1 |= 0xc0;
        Bytes b = {uint8_t(three ? 0xc4 : 0xc5), b1};
        if (three) {
            b[1] = uint8_t((b1 & 0xe0) | (rng() % 8 ? 1 + rng() % 3 : rng() % 32));
            b.push_back(uint8_t(rng()));
        }
        b.push_back(uint8_t(rng()));
        b.push_back(kModrms[rng() % std::size(kModrms)]);
        out.push_back(with_tail(std::move(b), rng));
    }
    for (int i = 0; i < 20000; i++)
        out.push_back(with_tail({}, rng));
    return out;
}

// ---- the oracles -------------------------------------------------------------------------

struct OracleResult {
    unsigned length = 0;  // 0: rejected
    std::string text;
    std::vector<std::string> keys;  // classification candidates for kKnownDifferences
};

class CapstoneOracle {
  public:
    explicit CapstoneOracle(CodeSize mode) {
        cs_mode m = mode == CodeSize::Bits64   ? CS_MODE_64
                    : mode == CodeSize::Bits32 ? CS_MODE_32
                                               : CS_MODE_16;
        ok_ = cs_open(CS_ARCH_X86, m, &h_) == CS_ERR_OK;
        if (ok_) cs_option(h_, CS_OPT_DETAIL, CS_OPT_ON), insn_ = cs_malloc(h_);
    }
    ~CapstoneOracle() {
        if (insn_) cs_free(insn_, 1);
        if (ok_) cs_close(&h_);
    }
    bool ok() const { return ok_; }
    const cs_insn* last() const { return insn_; }
    csh handle() const { return h_; }

    OracleResult decode(const Bytes& b) {
        OracleResult r;
        const uint8_t* code = b.data();
        size_t size = b.size();
        uint64_t addr = 0x1000;
        if (!cs_disasm_iter(h_, &code, &size, &addr, insn_)) return r;
        r.length = insn_->size;
        r.text = std::string(insn_->mnemonic) + " " + insn_->op_str;
        r.keys.push_back(std::string("mn=") + insn_->mnemonic);
        for (unsigned i = 0; i < insn_->detail->groups_count; i++)
            r.keys.push_back(std::string("grp=") + cs_group_name(h_, insn_->detail->groups[i]));
        return r;
    }

  private:
    csh h_ = 0;
    bool ok_ = false;
    cs_insn* insn_ = nullptr;
};

#ifdef KEMU_HAVE_ZYDIS
class ZydisOracle {
  public:
    explicit ZydisOracle(CodeSize mode) {
        ZydisMachineMode m = mode == CodeSize::Bits64   ? ZYDIS_MACHINE_MODE_LONG_64
                             : mode == CodeSize::Bits32 ? ZYDIS_MACHINE_MODE_LEGACY_32
                                                        : ZYDIS_MACHINE_MODE_LEGACY_16;
        ZydisStackWidth w = mode == CodeSize::Bits64   ? ZYDIS_STACK_WIDTH_64
                            : mode == CodeSize::Bits32 ? ZYDIS_STACK_WIDTH_32
                                                       : ZYDIS_STACK_WIDTH_16;
        ZydisDecoderInit(&dec_, m, w);
    }
    OracleResult decode(const Bytes& b) {
        OracleResult r;
        ZydisDecodedInstruction insn;
        if (!ZYAN_SUCCESS(ZydisDecoderDecodeInstruction(&dec_, nullptr, b.data(), b.size(), &insn)))
            return r;
        r.length = insn.length;
        r.text = ZydisMnemonicGetString(insn.mnemonic);
        r.keys.push_back(std::string("mn=") + r.text);
        r.keys.push_back(std::string("isa=") + ZydisISAExtGetString(insn.meta.isa_ext));
        r.keys.push_back(std::string("isaset=") + ZydisISASetGetString(insn.meta.isa_set));
        return r;
    }

  private:
    ZydisDecoder dec_;
};
#endif

// ---- comparison --------------------------------------------------------------------------

std::string hex_bytes(const Bytes& b, unsigned n) {
    std::string s;
    char buf[4];
    for (unsigned i = 0; i < n && i < b.size(); i++)
        std::snprintf(buf, 4, "%02x ", b[i]), s += buf;
    return s;
}

std::string kemu_mnemonic(const DecodedInsn& d) {
    std::string s;
    for (const char* p = d.sdm; *p && *p != ' '; p++)
        s += *p;
    return s;
}

struct Report {
    unsigned compared = 0, accepted = 0;
    std::map<std::string, unsigned> used;                             // known rows hit
    std::map<std::string, std::pair<unsigned, std::string>> unknown;  // key -> count, example
};

// kemu's verdict on the same bytes with the LOCK prefixes removed: if that decodes to
// the oracle's length, the only disagreement is that kemu enforces the LOCK rules.
bool only_lock_differs(const Bytes& b, CodeSize mode, unsigned oracle_len) {
    static const std::set<uint8_t> kLegacy = {0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65,
                                              0x66, 0x67, 0xf0, 0xf2, 0xf3};
    Bytes stripped;
    size_t i = 0;
    for (; i < b.size(); i++) {
        const bool rex = mode == CodeSize::Bits64 && (b[i] & 0xf0) == 0x40;
        if (!kLegacy.count(b[i]) && !rex) break;
        if (b[i] != 0xf0) stripped.push_back(b[i]);
    }
    const unsigned removed = unsigned(i - stripped.size());
    if (!removed) return false;
    stripped.insert(stripped.end(), b.begin() + i, b.end());
    DecodeResult r = decode(stripped, mode, 0x1000);
    return r.status == DecodeStatus::Ok && r.insn.length + removed == oracle_len;
}

// What the prefix run of `b` holds, for the structural keys below.
struct PrefixRun {
    bool opsize = false, rep = false, before_vex = false;
};
PrefixRun scan_prefixes(const Bytes& b, CodeSize mode) {
    PrefixRun p;
    size_t i = 0;
    for (; i < b.size(); i++) {
        const uint8_t c = b[i];
        const bool rex = mode == CodeSize::Bits64 && (c & 0xf0) == 0x40;
        if (c == 0x66)
            p.opsize = true;
        else if (c == 0xf2 || c == 0xf3)
            p.rep = true;
        else if (!rex && c != 0xf0 && c != 0x67 && c != 0x26 && c != 0x2e && c != 0x36 &&
                 c != 0x3e && c != 0x64 && c != 0x65)
            break;
    }
    p.before_vex = i > 0 && i < b.size() && (b[i] == 0xc4 || b[i] == 0xc5) &&
                   (mode == CodeSize::Bits64 || (i + 1 < b.size() && b[i + 1] >= 0xc0));
    return p;
}

// kemu's verdict with the 66/F2/F3 prefixes removed: if that decodes to the oracle's
// length, the oracle ignored a mandatory-prefix column the SDM leaves empty.
bool only_prefix_column_differs(const Bytes& b, CodeSize mode, unsigned oracle_len) {
    Bytes stripped;
    size_t i = 0;
    for (; i < b.size(); i++) {
        const uint8_t c = b[i];
        const bool rex = mode == CodeSize::Bits64 && (c & 0xf0) == 0x40;
        if (c == 0x66 || c == 0xf2 || c == 0xf3) continue;
        if (!rex && c != 0xf0 && c != 0x67 && c != 0x26 && c != 0x2e && c != 0x36 && c != 0x3e &&
            c != 0x64 && c != 0x65)
            break;
        stripped.push_back(c);
    }
    const unsigned removed = unsigned(i - stripped.size());
    if (!removed) return false;
    stripped.insert(stripped.end(), b.begin() + i, b.end());
    DecodeResult r = decode(stripped, mode, 0x1000);
    return r.status == DecodeStatus::Ok && r.insn.length + removed == oracle_len;
}

// Where the 3-byte VEX of `b` starts, or -1.
int vex3_at(const Bytes& b, CodeSize mode) {
    for (size_t i = 0; i + 2 < b.size(); i++) {
        if (b[i] == 0xc4 && (mode == CodeSize::Bits64 || b[i + 1] >= 0xc0)) return int(i);
        if (b[i] != 0x26 && b[i] != 0x2e && b[i] != 0x36 && b[i] != 0x3e && b[i] != 0x64 &&
            b[i] != 0x65 && b[i] != 0x67)
            return -1;
    }
    return -1;
}

// kemu accepts the bytes with VEX.W flipped: the oracle ignored a .W0/.W1 restriction.
bool only_vex_w_differs(const Bytes& b, CodeSize mode, unsigned oracle_len) {
    const int at = vex3_at(b, mode);
    if (at < 0) return false;
    Bytes flipped = b;
    flipped[at + 2] ^= 0x80;
    DecodeResult r = decode(flipped, mode, 0x1000);
    return r.status == DecodeStatus::Ok && r.insn.length == oracle_len;
}

void record(Report& rep, const std::string& oracle, const std::string& kind, CodeSize mode,
            const std::vector<std::string>& keys, const std::string& example) {
    for (const std::string& k : keys)
        for (const std::string& full : {oracle + "." + kind + ":" + k,
                                        oracle + "." + kind + "@" + mode_name(mode) + ":" + k}) {
            if (is_known_difference(full)) {
                rep.used[full]++;
                rep.accepted++;
                return;
            }
        }
    std::string all;
    for (const std::string& k : keys)
        all += " " + k;
    const std::string primary = oracle + "." + kind + ":" + (keys.empty() ? "?" : keys[0]);
    auto& u = rep.unknown[primary];
    if (!u.first++) u.second = example + " | keys:" + all;
}

std::vector<std::string> kemu_keys(const DecodedInsn& d) {
    std::vector<std::string> keys = {"kop=" + std::string(op_name(d.op)), "op=" + kemu_mnemonic(d),
                                     "sdm=" + std::string(d.sdm)};
    if (d.attrs & kAttrVex)
        keys.push_back("vex");
    else if (d.attrs & kAttrSse)
        keys.push_back("sse");
    return keys;
}

void compare_lengths(Report& rep, const std::string& oracle, const Bytes& b, CodeSize mode,
                     const DecodeResult& k, const OracleResult& o) {
    const bool kemu_ok = k.status == DecodeStatus::Ok;
    if (!kemu_ok && !o.length) return;
    rep.compared++;
    if (kemu_ok && o.length == k.insn.length) return;
    const std::string example =
        std::string(mode_name(mode)) +
        "-bit: " + hex_bytes(b, std::max<unsigned>(o.length, k.insn.length) + 2) +
        " | kemu: " + (kemu_ok ? format_insn(k.insn) : "rejected") + " | " + oracle + ": " +
        (o.length ? o.text : "rejected");
    const PrefixRun p = scan_prefixes(b, mode);
    std::vector<std::string> keys;
    if (p.opsize && p.rep) keys.push_back("rep66");
    if (p.before_vex) keys.push_back("vex-after-prefix");
    const int vex3 = vex3_at(b, mode);
    if (mode != CodeSize::Bits64 && vex3 >= 0 && !(b[vex3 + 2] & 0x40)) keys.push_back("vex-vvvv3");
    std::string kind;
    if (!kemu_ok) {
        kind = "accepts";
        if (only_lock_differs(b, mode, o.length)) keys.push_back("lock");
        if (only_prefix_column_differs(b, mode, o.length)) keys.push_back("prefix-column");
        if (only_vex_w_differs(b, mode, o.length)) keys.push_back("vex-w");
        keys.insert(keys.end(), o.keys.begin(), o.keys.end());
    } else {
        kind = o.length ? "length" : "rejects";
        const auto kk = kemu_keys(k.insn);
        keys.insert(keys.end(), kk.begin(), kk.end());
        keys.insert(keys.end(), o.keys.begin(), o.keys.end());
    }
    record(rep, oracle, kind, mode, keys, example);
}

// Operands of integer instructions: the GPRs and the memory operand, in order.
std::string gpr_text(unsigned reg, unsigned size, bool high8) {
    static const char* const k64[] = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi"};
    static const char* const k32[] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};
    static const char* const k16[] = {"ax", "cx", "dx", "bx", "sp", "bp", "si", "di"};
    static const char* const k8[] = {"al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil"};
    static const char* const kHigh[] = {"ah", "ch", "dh", "bh"};
    if (high8) return kHigh[reg & 3];
    if (reg >= 8) {
        const char* suffix = size == 1 ? "b" : size == 2 ? "w" : size == 4 ? "d" : "";
        return "r" + std::to_string(reg) + suffix;
    }
    return size == 1 ? k8[reg] : size == 2 ? k16[reg] : size == 4 ? k32[reg] : k64[reg];
}

std::string kemu_operands(const DecodedInsn& d) {
    std::string s;
    for (unsigned i = 0; i < d.operand_count; i++) {
        const Operand& o = d.operands[i];
        if (o.kind == OperandKind::Gpr) s += gpr_text(o.reg, o.size, o.high8) + ";";
        if (o.kind != OperandKind::Mem) continue;
        const MemOperand& m = d.mem;
        const unsigned a = m.addr_size;
        s += "[";
        if (m.base == MemOperand::kRip)
            s += a == 8 ? "rip" : "eip";
        else if (m.base >= 0)
            s += gpr_text(m.base, a, false);
        if (m.index >= 0)
            s += "+" + gpr_text(m.index, a, false) + "*" + std::to_string(1 << m.scale);
        const uint64_t mask = a == 8 ? ~0ull : (1ull << (8 * a)) - 1;
        s += "+" + std::to_string(uint64_t(m.disp) & mask) + "];";
    }
    return s;
}

std::string capstone_operands(const CapstoneOracle& cs, const DecodedInsn& d) {
    std::string s;
    const cs_x86& x = cs.last()->detail->x86;
    for (unsigned i = 0; i < x.op_count; i++) {
        const cs_x86_op& o = x.operands[i];
        if (o.type == X86_OP_REG) {
            const std::string name = cs_reg_name(cs.handle(), o.reg);
            bool gpr = false;
            for (unsigned r = 0; r < 16 && !gpr; r++)
                for (unsigned size : {1u, 2u, 4u, 8u})
                    gpr = gpr || name == gpr_text(r, size, false) ||
                          (r < 4 && size == 1 && name == gpr_text(r + 4, 1, true));
            if (gpr) s += name + ";";
        } else if (o.type == X86_OP_MEM) {
            const unsigned a = d.mem.addr_size;
            const uint64_t mask = a == 8 ? ~0ull : (1ull << (8 * a)) - 1;
            s += "[";
            if (o.mem.base != X86_REG_INVALID) s += cs_reg_name(cs.handle(), o.mem.base);
            if (o.mem.index != X86_REG_INVALID && o.mem.index != X86_REG_EIZ &&
                o.mem.index != X86_REG_RIZ)
                s += std::string("+") + cs_reg_name(cs.handle(), o.mem.index) + "*" +
                     std::to_string(o.mem.scale);
            s += "+" + std::to_string(uint64_t(o.mem.disp) & mask) + "];";
        }
    }
    return s;
}

bool integer_insn(const DecodedInsn& d) {
    if (d.attrs & (kAttrSse | kAttrX87 | kAttrString | kAttrVex)) return false;
    for (unsigned i = 0; i < d.operand_count; i++)
        if (d.operands[i].kind != OperandKind::Gpr && d.operands[i].kind != OperandKind::Mem &&
            d.operands[i].kind != OperandKind::Imm)
            return false;
    return true;
}

void print_report(const char* what, const Report& rep) {
    std::printf("%s: %u instructions compared, %u known differences accepted\n", what, rep.compared,
                rep.accepted);
    for (const auto& [k, n] : rep.used)
        std::printf("  known %-40s %u\n", k.c_str(), n);
    for (const auto& [k, u] : rep.unknown)
        std::printf("  UNKNOWN %s (%u), e.g. %s\n", k.c_str(), u.first, u.second.c_str());
}

TEST(DecodeCorpus, AgreesWithCapstoneAndZydis) {
    Report lengths, operands;
    for (CodeSize mode : kModes) {
        CapstoneOracle cs(mode);
        ASSERT_TRUE(cs.ok());
#ifdef KEMU_HAVE_ZYDIS
        ZydisOracle zy(mode);
#endif
        for (const Bytes& b : build_corpus(mode, 0x6b656d75 + unsigned(mode))) {
            const DecodeResult k = decode(b, mode, 0x1000);
            const OracleResult c = cs.decode(b);
            compare_lengths(lengths, "cs", b, mode, k, c);
#ifdef KEMU_HAVE_ZYDIS
            compare_lengths(lengths, "zy", b, mode, k, zy.decode(b));
#endif
            if (k.status != DecodeStatus::Ok || c.length != k.insn.length || !integer_insn(k.insn))
                continue;
            operands.compared++;
            const std::string mine = kemu_operands(k.insn), theirs = capstone_operands(cs, k.insn);
            if (mine != theirs)
                record(
                    operands, "cs", "operands", mode,
                    [&] {
                        auto keys = kemu_keys(k.insn);
                        const PrefixRun p = scan_prefixes(b, mode);
                        if (p.opsize && p.rep) keys.insert(keys.begin(), "rep66");
                        return keys;
                    }(),
                    std::string(mode_name(mode)) + "-bit: " + hex_bytes(b, c.length) +
                        " | kemu: " + mine + " | cs: " + theirs + " (" + c.text + ")");
        }
    }
    print_report("lengths", lengths);
    print_report("operands", operands);
    EXPECT_TRUE(lengths.unknown.empty());
    EXPECT_TRUE(operands.unknown.empty());
    // A row no instruction needs any more is stale: the table must stay a true record.
    for (const auto& k : kKnownDifferences) {
        const std::string key = k.key;
#ifndef KEMU_HAVE_ZYDIS
        if (key.starts_with("zy.")) continue;
#endif
        EXPECT_TRUE(lengths.used.count(key) || operands.used.count(key)) << "stale: " << key;
    }
    EXPECT_GT(lengths.compared, 500000u);
    EXPECT_GT(operands.compared, 100000u);
}

}  // namespace
}  // namespace kemu::x86
