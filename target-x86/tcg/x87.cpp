#include "target-x86/tcg/x87.h"

#include <algorithm>
#include <cstring>

#include "target-x86/tcg/cpu_mode.h"
#include "target-x86/tcg/exceptions.h"

namespace kemu::x86::x87 {

namespace {

uint16_t get16(const uint8_t* p) {
    return uint16_t(p[0] | p[1] << 8);
}
uint32_t get32(const uint8_t* p) {
    return uint32_t(get16(p)) | uint32_t(get16(p + 2)) << 16;
}
void put16(uint8_t* p, uint16_t v) {
    p[0] = uint8_t(v);
    p[1] = uint8_t(v >> 8);
}
void put32(uint8_t* p, uint32_t v) {
    put16(p, uint16_t(v));
    put16(p + 2, uint16_t(v >> 16));
}

uint8_t abridged_from(uint16_t full) {
    uint8_t tags = 0;
    for (unsigned p = 0; p < 8; p++)
        if (((full >> (2 * p)) & 3) != uint16_t(Tag::Empty)) tags |= uint8_t(1u << p);
    return tags;
}

constexpr Form R(uint8_t size) {
    return {Kind::Host, MemAccess::Read, size, false};
}
constexpr Form W(uint8_t size) {
    return {Kind::Host, MemAccess::Write, size, false};
}
constexpr Form K(Kind kind, MemAccess access = MemAccess::None, uint8_t size = 0) {
    return {kind, access, size, false};
}
constexpr Form kNone{};  // encodings the decoder rejects

// Memory forms by escape and ModRM.reg (SDM vol. 2 appendix A.4, tables ).
constexpr Form kMemForms[8][8] = {
    {R(4), R(4), R(4), R(4), R(4), R(4), R(4), R(4)},  // D8: m32fp arithmetic
    {R(4), kNone, W(4), W(4), K(Kind::Fldenv, MemAccess::Read), K(Kind::Fldcw, MemAccess::Read, 2),
     K(Kind::Fnstenv, MemAccess::Write), K(Kind::Fnstcw, MemAccess::Write, 2)},
    {R(4), R(4), R(4), R(4), R(4), R(4), R(4), R(4)},      // DA: m32int arithmetic
    {R(4), W(4), W(4), W(4), kNone, R(10), kNone, W(10)},  // DB
    {R(8), R(8), R(8), R(8), R(8), R(8), R(8), R(8)},      // DC: m64fp arithmetic
    {R(8), W(8), W(8), W(8), K(Kind::Frstor, MemAccess::Read), kNone,
     K(Kind::Fnsave, MemAccess::Write), K(Kind::Fnstsw, MemAccess::Write, 2)},
    {R(2), R(2), R(2), R(2), R(2), R(2), R(2), R(2)},    // DE: m16int arithmetic
    {R(2), W(2), W(2), W(2), R(10), R(8), W(10), W(8)},  // DF
};

// Register forms that are not plain host instructions.
struct RegSpecial {
    uint8_t escape, first, last;
    Form form;
};
constexpr RegSpecial kRegSpecials[] = {
    {3, 0xe0, 0xe1, K(Kind::Obsolete)},
    {3, 0xe2, 0xe2, K(Kind::Fnclex)},
    {3, 0xe3, 0xe3, K(Kind::Fninit)},
    {3, 0xe4, 0xe4, K(Kind::Obsolete)},
    {2, 0xc0, 0xdf, {Kind::Host, MemAccess::None, 0, false, true}},  // FCMOVcc
    {3, 0xc0, 0xdf, {Kind::Host, MemAccess::None, 0, false, true}},  // FCMOVNcc
    {3, 0xe8, 0xf7, {Kind::Host, MemAccess::None, 0, true}},         // FUCOMI, FCOMI
    {7, 0xe0, 0xe0, K(Kind::Fnstsw)},                                // FNSTSW AX
    {7, 0xe8, 0xf7, {Kind::Host, MemAccess::None, 0, true}},         // FUCOMIP, FCOMIP
};

}  // namespace

unsigned top(const FpuState& f) {
    return (f.fsw >> fsw::kTopShift) & 7;
}

Tag classify(const uint8_t* v) {
    uint64_t mantissa;
    std::memcpy(&mantissa, v, 8);
    unsigned exponent = get16(v + 8) & 0x7fff;
    if (exponent == 0) return mantissa == 0 ? Tag::Zero : Tag::Special;
    if (exponent == 0x7fff || !(mantissa >> 63)) return Tag::Special;
    return Tag::Valid;
}

uint16_t full_tag_word(const FpuState& f) {
    uint16_t full = 0;
    for (unsigned p = 0; p < 8; p++) {
        Tag t = (f.ftw >> p & 1) ? classify(f.st[(p - top(f)) & 7].data()) : Tag::Empty;
        full |= uint16_t(unsigned(t) << (2 * p));
    }
    return full;
}

uint8_t abridged_tag_word(uint16_t full) {
    return abridged_from(full);
}

void update_summary(FpuState& f) {
    bool unmasked = f.fsw & fsw::kExceptions & ~f.fcw;
    f.fsw = unmasked ? f.fsw | fsw::ES | fsw::B : f.fsw & ~(fsw::ES | fsw::B);
}

bool exception_pending(const FpuState& f) {
    return f.fsw & fsw::ES;
}

void finit(FpuState& f) {
    f.fcw = 0x37f;
    f.fsw = 0;
    f.ftw = 0;
    f.fop = 0;
    f.fip = 0;
    f.fdp = 0;
}

void fclex(FpuState& f) {
    f.fsw &= uint16_t(~(fsw::kSticky | fsw::ES | fsw::B));
}

namespace {

HostImage image_with_status(const FpuState& f, uint16_t status) {
    HostImage img{};
    put16(&img[0], f.fcw);
    put16(&img[4], status);
    put16(&img[8], full_tag_word(f));
    for (unsigned i = 0; i < 8; i++)
        std::memcpy(&img[kImageRegs + 10 * i], f.st[i].data(), 10);
    return img;
}

// FCW, FSW as the image has it, tags and registers; the pointers stay FpuState's own.
void take_image(FpuState& f, const HostImage& img) {
    f.fcw = get16(&img[0]);
    f.fsw = get16(&img[4]);
    f.ftw = abridged_from(get16(&img[8]));
    for (unsigned i = 0; i < 8; i++) {
        std::memcpy(f.st[i].data(), &img[kImageRegs + 10 * i], 10);
        std::fill(f.st[i].begin() + 10, f.st[i].end(), 0);
    }
}

}  // namespace

HostImage to_host_image(const FpuState& f) {
    return image_with_status(f, f.fsw & uint16_t(~(fsw::kSticky | fsw::ES | fsw::B)));
}

void from_host_image(FpuState& f, const HostImage& img) {
    uint16_t sticky = f.fsw & fsw::kSticky;
    take_image(f, img);
    f.fsw = uint16_t((f.fsw & ~(fsw::ES | fsw::B)) | sticky);
    update_summary(f);
}

HostImage to_live_image(const FpuState& f) {
    return image_with_status(f, f.fsw);
}

void from_live_image(FpuState& f, const HostImage& img) {
    take_image(f, img);
    update_summary(f);
}

// Real-mode layouts keep the linear pointers split: bits 15:0 in one field, the rest
// shifted to bits 12 and up of the next (next to FOP for the instruction pointer).
void store_env(const FpuState& f, EnvFormat fmt, std::span<uint8_t> out) {
    uint32_t ip = uint32_t(f.fip), dp = uint32_t(f.fdp);
    uint16_t fop = f.fop & 0x7ff;
    if (fmt.size32) {
        std::fill(out.begin(), out.begin() + 28, 0xff);  // reserved halves read as ones
        put16(&out[0], f.fcw);
        put16(&out[4], f.fsw);
        put16(&out[8], full_tag_word(f));
        if (fmt.real_mode) {
            put16(&out[12], uint16_t(ip));
            put32(&out[16], (ip >> 16) << 12 | fop);
            put16(&out[20], uint16_t(dp));
            put32(&out[24], (dp >> 16) << 12);
        } else {
            // FCS and FDS are stored as zero (the "FCS and FDS deprecated" behaviour).
            put32(&out[12], ip);
            put32(&out[16], uint32_t(fop) << 16);
            put32(&out[20], dp);
            put32(&out[24], 0);
        }
        return;
    }
    put16(&out[0], f.fcw);
    put16(&out[2], f.fsw);
    put16(&out[4], full_tag_word(f));
    put16(&out[6], uint16_t(ip));
    put16(&out[10], uint16_t(dp));
    if (fmt.real_mode) {
        put16(&out[8], uint16_t((ip >> 16 & 0xf) << 12 | fop));
        put16(&out[12], uint16_t((dp >> 16 & 0xf) << 12));
    } else {
        put16(&out[8], 0);
        put16(&out[12], 0);
    }
}

void load_env(FpuState& f, EnvFormat fmt, std::span<const uint8_t> in) {
    unsigned w = fmt.size32 ? 4 : 2;  // field stride
    f.fcw = get16(&in[0]);
    f.fsw = get16(&in[w]);
    f.ftw = abridged_from(get16(&in[2 * w]));
    if (fmt.size32 && fmt.real_mode) {
        f.fip = get16(&in[12]) | (get32(&in[16]) >> 12 & 0xffff) << 16;
        f.fop = get16(&in[16]) & 0x7ff;
        f.fdp = get16(&in[20]) | (get32(&in[24]) >> 12 & 0xffff) << 16;
    } else if (fmt.size32) {
        f.fip = get32(&in[12]);
        f.fop = get16(&in[18]) & 0x7ff;
        f.fdp = get32(&in[20]);
    } else if (fmt.real_mode) {
        f.fip = get16(&in[6]) | uint32_t(get16(&in[8]) >> 12) << 16;
        f.fop = get16(&in[8]) & 0x7ff;
        f.fdp = get16(&in[10]) | uint32_t(get16(&in[12]) >> 12) << 16;
    } else {
        f.fip = get16(&in[6]);
        f.fdp = get16(&in[10]);
    }
    update_summary(f);
}

void store_registers(const FpuState& f, std::span<uint8_t> out) {
    for (unsigned i = 0; i < 8; i++)
        std::memcpy(&out[10 * i], f.st[i].data(), 10);
}

void load_registers(FpuState& f, std::span<const uint8_t> in) {
    for (unsigned i = 0; i < 8; i++) {
        std::memcpy(f.st[i].data(), &in[10 * i], 10);
        std::fill(f.st[i].begin() + 10, f.st[i].end(), 0);
    }
}

Form form_of(unsigned escape, uint8_t modrm) {
    escape &= 7;
    if (modrm < 0xc0) return kMemForms[escape][(modrm >> 3) & 7];
    for (const RegSpecial& s : kRegSpecials)
        if (s.escape == escape && modrm >= s.first && modrm <= s.last) return s.form;
    return {};
}

uint8_t device_fault(uint64_t cr0, bool is_wait) {
    if (is_wait) return (cr0 & cr0bit::MP) && (cr0 & cr0bit::TS) ? vec::NM : 0;
    return cr0 & (cr0bit::EM | cr0bit::TS) ? vec::NM : 0;
}

}  // namespace kemu::x86::x87
