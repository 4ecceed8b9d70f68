#include "tests/unit/tcg/simd_forms.h"

#include <cpuid.h>

#include <cstring>
#include <string_view>

namespace kemu::x86::difftest {

namespace {

// The CPUID bits the optional SIMD extensions need.
struct HostSimd {
    bool sse = false, sse2 = false, sse3 = false, ssse3 = false, sse41 = false, sse42 = false;
    bool avx = false, avx2 = false, fma = false, f16c = false, aes = false, vaes = false;
    bool pclmul = false, sha = false, sse4a = false;
    bool intel = false;  // the vendor whose documented behaviour kemu follows where vendors differ
};

HostSimd host_simd() {
    HostSimd h;
    unsigned a, b, c, d;
    if (__get_cpuid(0, &a, &b, &c, &d)) {
        char vendor[12];
        std::memcpy(vendor, &b, 4);
        std::memcpy(vendor + 4, &d, 4);
        std::memcpy(vendor + 8, &c, 4);
        h.intel = std::string_view(vendor, 12) == "GenuineIntel";
    }
    if (__get_cpuid(1, &a, &b, &c, &d)) {
        h.sse = d & (1u << 25);
        h.sse2 = d & (1u << 26);
        h.sse3 = c & 1;
        h.pclmul = c & (1u << 1);
        h.ssse3 = c & (1u << 9);
        h.fma = c & (1u << 12);
        h.sse41 = c & (1u << 19);
        h.sse42 = c & (1u << 20);
        h.aes = c & (1u << 25);
        h.avx = (c & (1u << 28)) && (c & (1u << 27));  // and OSXSAVE
        h.f16c = c & (1u << 29);
    }
    if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
        h.avx2 = b & (1u << 5);
        h.sha = b & (1u << 29);
        h.vaes = c & (1u << 9);
    }
    if (__get_cpuid(0x80000001, &a, &b, &c, &d)) h.sse4a = c & (1u << 6);
    return h;
}

bool starts(std::string_view s, std::string_view p) {
    return s.substr(0, p.size()) == p;
}

// Forms whose behaviour the vendors define differently, where kemu follows Intel's manual:
// an AMD host is no oracle for them. AMD runs the SHA instructions on a misaligned memory
// operand, which Intel's legacy-SSE rule makes #GP; and AMD makes VEX.W1 VPEXTRQ/VPINSRQ
// outside 64-bit mode #UD, where Intel ignores VEX.W (VPEXTRD/VPINSRD).
bool vendor_specific(const SimdTemplate& t, std::string_view base, bool mode64) {
    if (starts(base, "SHA")) return t.mem;
    return !mode64 && t.vex && t.w && (base == "PEXTRD" || base == "PINSRD");
}

// Whether the host runs a row. kemu's rows for the base extensions up to SSE4.2 are assumed
// present on any host that has AVX2 (the generator wants that anyway for the VEX forms).
bool host_runs(const SimdTemplate& t, const HostSimd& h, bool mode64) {
    std::string_view m = t.sdm;
    m = m.substr(0, m.find(' '));
    if (t.vex && !(h.avx && h.avx2)) return false;
    if (!h.sse42 || !h.ssse3) return false;
    std::string_view base = t.vex && starts(m, "V") ? m.substr(1) : m;
    if (!h.intel && vendor_specific(t, base, mode64)) return false;
    if (starts(base, "AES")) return t.vex_l ? h.vaes : h.aes;
    if (starts(base, "PCLMUL")) return h.pclmul;
    if (starts(base, "SHA")) return h.sha;
    if (starts(m, "VFM") || starts(m, "VFNM")) return h.fma;
    if (m == "VCVTPH2PS" || m == "VCVTPS2PH") return h.f16c;
    if (m == "EXTRQ" || m == "INSERTQ" || m == "MOVNTSS" || m == "MOVNTSD") return h.sse4a;
    return true;
}

// The bytes of one probe: prefixes/VEX, escape, opcode, ModRM (register rm 0 or [rAX]),
// then zeros for any immediate.
std::vector<uint8_t> probe_bytes(const SimdTemplate& t, unsigned reg_field, unsigned vvvv) {
    std::vector<uint8_t> b;
    if (t.vex) {
        b.push_back(0xc4);
        b.push_back(uint8_t(0xe0 | t.map));
        unsigned pp = t.prefix == 0x66 ? 1 : t.prefix == 0xf3 ? 2 : t.prefix == 0xf2 ? 3 : 0;
        b.push_back(uint8_t((t.w ? 0x80 : 0) | (~vvvv & 15) << 3 | (t.vex_l ? 4 : 0) | pp));
    } else {
        if (t.prefix) b.push_back(t.prefix);
        if (t.w) b.push_back(0x48);
        b.push_back(0x0f);
        if (t.map == 2) b.push_back(0x38);
        if (t.map == 3) b.push_back(0x3a);
    }
    b.push_back(t.opcode);
    b.push_back(uint8_t((t.mem ? 0x00 : 0xc0) | (reg_field & 7) << 3));
    const size_t head = b.size();
    b.resize(head + 4, 0);
    return b;
}

bool wanted(Op op) {
    return op == Op::Sse || op == Op::Ldmxcsr || op == Op::Stmxcsr;
}

std::vector<SimdTemplate> enumerate(bool mode64) {
    const CodeSize mode = mode64 ? CodeSize::Bits64 : CodeSize::Bits32;
    const HostSimd host = host_simd();
    std::vector<SimdTemplate> out;
    SimdTemplate t;
    for (unsigned encoding = 0; encoding < 6; encoding++) {
        // 0-1: legacy W0/W1; 2-5: VEX L0W0, L0W1, L1W0, L1W1.
        t.vex = encoding >= 2;
        t.w = encoding & 1;
        t.vex_l = encoding >= 4;
        if (t.w && !t.vex && !mode64) continue;
        for (uint8_t prefix : {0x00, 0x66, 0xf3, 0xf2}) {
            t.prefix = prefix;
            for (unsigned map = 1; map <= 3; map++) {
                t.map = uint8_t(map);
                for (unsigned opcode = 0; opcode < 256; opcode++) {
                    t.opcode = uint8_t(opcode);
                    for (bool mem : {false, true}) {
                        t.mem = mem;
                        DecodeResult r[8];
                        for (unsigned d = 0; d < 8; d++) {
                            std::vector<uint8_t> b = probe_bytes(t, d, 0);
                            r[d] = decode(b, mode, 0);
                        }
                        bool all_same = true;
                        for (unsigned d = 1; d < 8; d++)
                            all_same &= r[d].status == r[0].status &&
                                        std::string_view(r[d].insn.sdm) == r[0].insn.sdm;
                        for (unsigned d = 0; d < (all_same ? 1u : 8u); d++) {
                            const DecodedInsn& in = r[d].insn;
                            if (r[d].status != DecodeStatus::Ok || !wanted(in.op)) continue;
                            if (in.map != map || in.opcode != opcode) continue;
                            // EMMS, VZEROUPPER and VZEROALL have no ModRM: one form.
                            if (!in.has_modrm && mem) continue;
                            SimdTemplate row = t;
                            row.sdm = in.sdm;
                            row.op = in.op;
                            row.digit = all_same ? -1 : int(d);
                            row.has_modrm = in.has_modrm;
                            std::vector<uint8_t> head = probe_bytes(t, d, 0);
                            row.imm_size =
                                in.length - unsigned(head.size() - 4) + (in.has_modrm ? 0 : 1);
                            if (t.vex) {
                                std::vector<uint8_t> v = probe_bytes(t, d, 5);
                                row.uses_vvvv = decode(v, mode, 0).status == DecodeStatus::Ok;
                            }
                            if (host_runs(row, host, mode64)) out.push_back(row);
                        }
                    }
                }
            }
        }
    }
    return out;
}

uint32_t random_float(std::mt19937_64& rng) {
    const uint32_t sign = uint32_t(rng() & 1) << 31;
    switch (rng() % 12) {
        case 0:
            return sign;  // ±0
        case 1:
            return sign | 0x7f800000;  // ±inf
        case 2:
            return sign | 0x7fc00000 | uint32_t(rng() & 0x3fffff);  // QNaN
        case 3:
            return sign | 0x7f800000 | (1 + uint32_t(rng() % 0x3fffff));  // SNaN
        case 4:
            return sign | (1 + uint32_t(rng() % 0x7fffff));  // denormal
        case 5:
            return sign | 0x00800000 | uint32_t(rng() & 0xff);  // smallest normals
        case 6:
        case 7: {
            // Integral values and halves around the int32/int64 conversion limits.
            static constexpr float kNear[] = {0.5f,          1.5f,         2.5f,
                                              -0.5f,         2147483520.f, 2147483648.f,
                                              -2147483648.f, 4294967296.f, 9.2233715e18f,
                                              -9.223372e18f, 1e10f,        3.0f};
            float f = kNear[rng() % std::size(kNear)];
            uint32_t v;
            std::memcpy(&v, &f, 4);
            return v;
        }
        default:
            return sign | uint32_t(rng() % 0x7f000000 + 0x00800000);  // normal
    }
}

uint64_t random_double(std::mt19937_64& rng) {
    const uint64_t sign = (rng() & 1) << 63;
    constexpr uint64_t kExp = 0x7ff0000000000000ull, kMant = 0x000fffffffffffffull;
    switch (rng() % 12) {
        case 0:
            return sign;
        case 1:
            return sign | kExp;
        case 2:
            return sign | kExp | 0x0008000000000000ull | (rng() & (kMant >> 1));
        case 3:
            return sign | kExp | (1 + rng() % (kMant >> 1));
        case 4:
            return sign | (1 + rng() % kMant);
        case 5:
            return sign | 0x0010000000000000ull | (rng() & 0xffff);
        case 6:
        case 7: {
            static constexpr double kNear[] = {0.5,
                                               1.5,
                                               2.5,
                                               -0.5,
                                               2147483647.5,
                                               2147483648.0,
                                               -2147483648.5,
                                               -2147483649.0,
                                               4294967296.0,
                                               9.2233720368547758e18,
                                               -9.2233720368547758e18,
                                               1e300};
            double f = kNear[rng() % std::size(kNear)];
            uint64_t v;
            std::memcpy(&v, &f, 8);
            return v;
        }
        default:
            return sign | (rng() % 0x7fd0000000000000ull + 0x0010000000000000ull);
    }
}

}  // namespace

const std::vector<SimdTemplate>& simd_templates(bool mode64) {
    static const std::vector<SimdTemplate> k64 = enumerate(true), k32 = enumerate(false);
    return mode64 ? k64 : k32;
}

std::string describe_host_simd() {
    const HostSimd h = host_simd();
    const std::pair<const char*, bool> kNamed[] = {
        {"sse", h.sse},       {"sse2", h.sse2},    {"sse3", h.sse3},   {"ssse3", h.ssse3},
        {"sse4.1", h.sse41},  {"sse4.2", h.sse42}, {"avx", h.avx},     {"avx2", h.avx2},
        {"fma", h.fma},       {"f16c", h.f16c},    {"aes", h.aes},     {"vaes", h.vaes},
        {"pclmul", h.pclmul}, {"sha", h.sha},      {"sse4a", h.sse4a},
    };
    std::string out;
    for (const auto& [name, present] : kNamed)
        if (present) out += std::string(out.empty() ? "" : " ") + name;
    if (out.empty()) out = "none";
    if (!h.intel) out += " (not Intel: the forms vendors define differently are skipped)";
    return out;
}

uint64_t vector_chunk(std::mt19937_64& rng) {
    switch (rng() % 6) {
        case 0:
        case 1:
            return random_double(rng);
        case 2:
        case 3:
            return random_float(rng) | uint64_t(random_float(rng)) << 32;
        case 4: {
            // Bytes, words and dwords at their edges (saturation, compares, zero bytes).
            static constexpr uint64_t kEdges[] = {0,
                                                  ~0ull,
                                                  0x8080808080808080ull,
                                                  0x7f7f7f7f7f7f7f7full,
                                                  0x8000800080008000ull,
                                                  0x7fff7fff7fff7fffull,
                                                  0x8000000080000000ull,
                                                  0x00ff00ff00ff00ffull,
                                                  0x0000000100000001ull};
            return kEdges[rng() % std::size(kEdges)] ^ (rng() % 3 ? 0 : rng() & rng());
        }
        default:
            return rng();
    }
}

}  // namespace kemu::x86::difftest
