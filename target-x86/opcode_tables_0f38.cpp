// The three-byte maps 0F38 and 0F3A (SDM Vol. 2 Tables ): SSSE3, SSE4,
// AES, SHA, the AVX/AVX2 VEX-only rows, BMI1/BMI2, ADX, MOVBE and CRC32.
#include "target-x86/opcode_tables.h"

namespace kemu::x86 {
namespace {

using enum Op;
constexpr Pfx k66 = Pfx::P66, kF3 = Pfx::F3, kF2 = Pfx::F2, kNP = Pfx::None;

// SSSE3 rows come as an MMX form (no prefix) and an XMM form (66).
consteval std::array<OpcodeRow, 2> ssse3(uint8_t opcode, const char* mmx, const char* xmm) {
    return {row(opcode, Sse, mmx, kMmx).prefix(kNP), row(opcode, Sse, xmm, kSse).prefix(k66)};
}

constexpr OpcodeRow k0F38Rows[] = {
    row(0x0c, Sse, "VPERMILPS Vx,Hx,Wx", kAvx | kW0).prefix(k66),
    row(0x0d, Sse, "VPERMILPD Vx,Hx,Wx", kAvx | kW0).prefix(k66),
    row(0x0e, Sse, "VTESTPS Vx,Wx", kAvx | kW0).prefix(k66),
    row(0x0f, Sse, "VTESTPD Vx,Wx", kAvx | kW0).prefix(k66),
    // the legacy BLENDVs read XMM0; their VEX forms are 0F3A 4A-4C with an L operand
    row(0x10, Sse, "PBLENDVB Vdq,Wdq,XMM0", kMmx).prefix(k66),
    row(0x14, Sse, "BLENDVPS Vdq,Wdq,XMM0", kMmx).prefix(k66),
    row(0x15, Sse, "BLENDVPD Vdq,Wdq,XMM0", kMmx).prefix(k66),
    row(0x16, Sse, "VPERMPS Vqq,Hqq,Wqq", kAvx256 | kW0).prefix(k66),
    row(0x13, Sse, "VCVTPH2PS Vx,Wxh", kAvx | kW0).prefix(k66),
    row(0x17, Sse, "PTEST Vx,Wx", kSse).prefix(k66),
    row(0x18, Sse, "VBROADCASTSS Vx,Wd", kAvx | kW0).prefix(k66),
    row(0x19, Sse, "VBROADCASTSD Vqq,Wq", kAvx256 | kW0).prefix(k66),
    row(0x1a, Sse, "VBROADCASTF128 Vqq,Mdq", kAvx256 | kW0).prefix(k66),
    row(0x20, Sse, "PMOVSXBW Vx,Ux/Mxh", kSse).prefix(k66),
    row(0x21, Sse, "PMOVSXBD Vx,Ux/Mxq", kSse).prefix(k66),
    row(0x22, Sse, "PMOVSXBQ Vx,Ux/Mxo", kSse).prefix(k66),
    row(0x23, Sse, "PMOVSXWD Vx,Ux/Mxh", kSse).prefix(k66),
    row(0x24, Sse, "PMOVSXWQ Vx,Ux/Mxq", kSse).prefix(k66),
    row(0x25, Sse, "PMOVSXDQ Vx,Ux/Mxh", kSse).prefix(k66),
    row(0x28, Sse, "PMULDQ Vx,Hx,Wx", kSse).prefix(k66),
    row(0x29, Sse, "PCMPEQQ Vx,Hx,Wx", kSse).prefix(k66),
    row(0x2a, Sse, "MOVNTDQA Vx,Mx", kSse).prefix(k66),
    row(0x2b, Sse, "PACKUSDW Vx,Hx,Wx", kSse).prefix(k66),
    row(0x2c, Sse, "VMASKMOVPS Vx,Hx,Mx", kAvx | kW0).prefix(k66),
    row(0x2d, Sse, "VMASKMOVPD Vx,Hx,Mx", kAvx | kW0).prefix(k66),
    row(0x2e, Sse, "VMASKMOVPS Mx,Hx,Vx", kAvx | kW0).prefix(k66),
    row(0x2f, Sse, "VMASKMOVPD Mx,Hx,Vx", kAvx | kW0).prefix(k66),
    row(0x30, Sse, "PMOVZXBW Vx,Ux/Mxh", kSse).prefix(k66),
    row(0x31, Sse, "PMOVZXBD Vx,Ux/Mxq", kSse).prefix(k66),
    row(0x32, Sse, "PMOVZXBQ Vx,Ux/Mxo", kSse).prefix(k66),
    row(0x33, Sse, "PMOVZXWD Vx,Ux/Mxh", kSse).prefix(k66),
    row(0x34, Sse, "PMOVZXWQ Vx,Ux/Mxq", kSse).prefix(k66),
    row(0x35, Sse, "PMOVZXDQ Vx,Ux/Mxh", kSse).prefix(k66),
    row(0x36, Sse, "VPERMD Vqq,Hqq,Wqq", kAvx256 | kW0).prefix(k66),
    row(0x37, Sse, "PCMPGTQ Vx,Hx,Wx", kSse).prefix(k66),
    row(0x38, Sse, "PMINSB Vx,Hx,Wx", kSse).prefix(k66),
    row(0x39, Sse, "PMINSD Vx,Hx,Wx", kSse).prefix(k66),
    row(0x3a, Sse, "PMINUW Vx,Hx,Wx", kSse).prefix(k66),
    row(0x3b, Sse, "PMINUD Vx,Hx,Wx", kSse).prefix(k66),
    row(0x3c, Sse, "PMAXSB Vx,Hx,Wx", kSse).prefix(k66),
    row(0x3d, Sse, "PMAXSD Vx,Hx,Wx", kSse).prefix(k66),
    row(0x3e, Sse, "PMAXUW Vx,Hx,Wx", kSse).prefix(k66),
    row(0x3f, Sse, "PMAXUD Vx,Hx,Wx", kSse).prefix(k66),
    row(0x40, Sse, "PMULLD Vx,Hx,Wx", kSse).prefix(k66),
    row(0x41, Sse, "PHMINPOSUW Vdq,Wdq", kSse128).prefix(k66),
    row(0x45, Sse, "VPSRLVD Vx,Hx,Wx", kAvx).prefix(k66),
    row(0x46, Sse, "VPSRAVD Vx,Hx,Wx", kAvx | kW0).prefix(k66),
    row(0x47, Sse, "VPSLLVD Vx,Hx,Wx", kAvx).prefix(k66),
    row(0x58, Sse, "VPBROADCASTD Vx,Wd", kAvx | kW0).prefix(k66),
    row(0x59, Sse, "VPBROADCASTQ Vx,Wq", kAvx | kW0).prefix(k66),
    row(0x5a, Sse, "VBROADCASTI128 Vqq,Mdq", kAvx256 | kW0).prefix(k66),
    row(0x78, Sse, "VPBROADCASTB Vx,Wb", kAvx | kW0).prefix(k66),
    row(0x79, Sse, "VPBROADCASTW Vx,Ww", kAvx | kW0).prefix(k66),
    row(0x82, Invpcid, "INVPCID Gy,Mdq", kPriv | kF64).prefix(k66),
    row(0x8c, Sse, "VPMASKMOVD Vx,Hx,Mx", kAvx).prefix(k66),
    row(0x8e, Sse, "VPMASKMOVD Mx,Hx,Vx", kAvx).prefix(k66),
    // FMA3: VFMADD/VFMSUB/VFNMADD/VFNMSUB in 132/213/231 orders, all Vx,Hx,Wx
    row(0x96, Sse, "VFMADDSUB132PS..VFNMSUB132SD Vx,Hx,Wx", kAvx).prefix(k66).span_to(0x9f),
    row(0xa6, Sse, "VFMADDSUB213PS..VFNMSUB213SD Vx,Hx,Wx", kAvx).prefix(k66).span_to(0xaf),
    row(0xb6, Sse, "VFMADDSUB231PS..VFNMSUB231SD Vx,Hx,Wx", kAvx).prefix(k66).span_to(0xbf),
    row(0xc8, Sse, "SHA1NEXTE Vdq,Wdq", kMmx).prefix(kNP),
    row(0xc9, Sse, "SHA1MSG1 Vdq,Wdq", kMmx).prefix(kNP),
    row(0xca, Sse, "SHA1MSG2 Vdq,Wdq", kMmx).prefix(kNP),
    row(0xcb, Sse, "SHA256RNDS2 Vdq,Wdq,XMM0", kMmx).prefix(kNP),
    row(0xcc, Sse, "SHA256MSG1 Vdq,Wdq", kMmx).prefix(kNP),
    row(0xcd, Sse, "SHA256MSG2 Vdq,Wdq", kMmx).prefix(kNP),
    row(0xdb, Sse, "AESIMC Vdq,Wdq", kSse128).prefix(k66),
    row(0xdc, Sse, "AESENC Vx,Hx,Wx", kSse).prefix(k66),
    row(0xdd, Sse, "AESENCLAST Vx,Hx,Wx", kSse).prefix(k66),
    row(0xde, Sse, "AESDEC Vx,Hx,Wx", kSse).prefix(k66),
    row(0xdf, Sse, "AESDECLAST Vx,Hx,Wx", kSse).prefix(k66),
    // F0-F7: integer instructions; 66 is an operand-size prefix for MOVBE, ADCX and CRC32
    row(0xf0, Crc32, "CRC32 Gy,Eb").prefix(kF2),
    row(0xf0, Movbe, "MOVBE Gv,Mv").prefix(Pfx::NoRep),
    row(0xf1, Crc32, "CRC32 Gy,Ev").prefix(kF2),
    row(0xf1, Movbe, "MOVBE Mv,Gv").prefix(Pfx::NoRep),
    row(0xf2, Andn, "ANDN Gy,By,Ey", kVexGpr).prefix(kNP),
    row(0xf3, Blsr, "BLSR By,Ey", kVexGpr).prefix(kNP).digit(1),
    row(0xf3, Blsmsk, "BLSMSK By,Ey", kVexGpr).prefix(kNP).digit(2),
    row(0xf3, Blsi, "BLSI By,Ey", kVexGpr).prefix(kNP).digit(3),
    row(0xf5, Bzhi, "BZHI Gy,Ey,By", kVexGpr).prefix(kNP),
    row(0xf5, Pext, "PEXT Gy,By,Ey", kVexGpr).prefix(kF3),
    row(0xf5, Pdep, "PDEP Gy,By,Ey", kVexGpr).prefix(kF2),
    row(0xf6, Adcx, "ADCX Gy,Ey").prefix(k66),
    row(0xf6, Adox, "ADOX Gy,Ey").prefix(kF3),
    row(0xf6, Mulx, "MULX By,Gy,Ey", kVexGpr).prefix(kF2),
    row(0xf7, Bextr, "BEXTR Gy,Ey,By", kVexGpr).prefix(kNP),
    row(0xf7, Shlx, "SHLX Gy,Ey,By", kVexGpr).prefix(k66),
    row(0xf7, Sarx, "SARX Gy,Ey,By", kVexGpr).prefix(kF3),
    row(0xf7, Shrx, "SHRX Gy,Ey,By", kVexGpr).prefix(kF2),
};

constexpr auto k0F38All = join(
    list(k0F38Rows), ssse3(0x00, "PSHUFB Pq,Qq", "PSHUFB Vx,Hx,Wx"),
    ssse3(0x01, "PHADDW Pq,Qq", "PHADDW Vx,Hx,Wx"), ssse3(0x02, "PHADDD Pq,Qq", "PHADDD Vx,Hx,Wx"),
    ssse3(0x03, "PHADDSW Pq,Qq", "PHADDSW Vx,Hx,Wx"),
    ssse3(0x04, "PMADDUBSW Pq,Qq", "PMADDUBSW Vx,Hx,Wx"),
    ssse3(0x05, "PHSUBW Pq,Qq", "PHSUBW Vx,Hx,Wx"), ssse3(0x06, "PHSUBD Pq,Qq", "PHSUBD Vx,Hx,Wx"),
    ssse3(0x07, "PHSUBSW Pq,Qq", "PHSUBSW Vx,Hx,Wx"),
    ssse3(0x08, "PSIGNB Pq,Qq", "PSIGNB Vx,Hx,Wx"), ssse3(0x09, "PSIGNW Pq,Qq", "PSIGNW Vx,Hx,Wx"),
    ssse3(0x0a, "PSIGND Pq,Qq", "PSIGND Vx,Hx,Wx"),
    ssse3(0x0b, "PMULHRSW Pq,Qq", "PMULHRSW Vx,Hx,Wx"), ssse3(0x1c, "PABSB Pq,Qq", "PABSB Vx,Wx"),
    ssse3(0x1d, "PABSW Pq,Qq", "PABSW Vx,Wx"), ssse3(0x1e, "PABSD Pq,Qq", "PABSD Vx,Wx"));

constexpr OpcodeRow k0F3ARows[] = {
    row(0x00, Sse, "VPERMQ Vqq,Wqq,Ib", kAvx256 | kW1).prefix(k66),
    row(0x01, Sse, "VPERMPD Vqq,Wqq,Ib", kAvx256 | kW1).prefix(k66),
    row(0x02, Sse, "VPBLENDD Vx,Hx,Wx,Ib", kAvx | kW0).prefix(k66),
    row(0x04, Sse, "VPERMILPS Vx,Wx,Ib", kAvx | kW0).prefix(k66),
    row(0x05, Sse, "VPERMILPD Vx,Wx,Ib", kAvx | kW0).prefix(k66),
    row(0x06, Sse, "VPERM2F128 Vqq,Hqq,Wqq,Ib", kAvx256 | kW0).prefix(k66),
    row(0x08, Sse, "ROUNDPS Vx,Wx,Ib", kSse).prefix(k66),
    row(0x09, Sse, "ROUNDPD Vx,Wx,Ib", kSse).prefix(k66),
    row(0x0a, Sse, "ROUNDSS Vss,Hx,Wss,Ib", kSse).prefix(k66),
    row(0x0b, Sse, "ROUNDSD Vsd,Hx,Wsd,Ib", kSse).prefix(k66),
    row(0x0c, Sse, "BLENDPS Vx,Hx,Wx,Ib", kSse).prefix(k66),
    row(0x0d, Sse, "BLENDPD Vx,Hx,Wx,Ib", kSse).prefix(k66),
    row(0x0e, Sse, "PBLENDW Vx,Hx,Wx,Ib", kSse).prefix(k66),
    row(0x0f, Sse, "PALIGNR Pq,Qq,Ib", kMmx).prefix(kNP),
    row(0x0f, Sse, "PALIGNR Vx,Hx,Wx,Ib", kSse).prefix(k66),
    row(0x14, Sse, "PEXTRB Rd/Mb,Vdq,Ib", kSse128).prefix(k66),
    row(0x15, Sse, "PEXTRW Rd/Mw,Vdq,Ib", kSse128).prefix(k66),
    row(0x16, Sse, "PEXTRD Ey,Vdq,Ib", kSse128).prefix(k66),
    row(0x17, Sse, "EXTRACTPS Ed,Vdq,Ib", kSse128).prefix(k66),
    row(0x18, Sse, "VINSERTF128 Vqq,Hqq,Wdq,Ib", kAvx256 | kW0).prefix(k66),
    row(0x19, Sse, "VEXTRACTF128 Wdq,Vqq,Ib", kAvx256 | kW0).prefix(k66),
    row(0x1d, Sse, "VCVTPS2PH Wxh,Vx,Ib", kAvx | kW0).prefix(k66),
    row(0x20, Sse, "PINSRB Vdq,Hdq,Ry/Mb,Ib", kSse128).prefix(k66),
    row(0x21, Sse, "INSERTPS Vdq,Hdq,Udq/Md,Ib", kSse128).prefix(k66),
    row(0x22, Sse, "PINSRD Vdq,Hdq,Ey,Ib", kSse128).prefix(k66),
    row(0x38, Sse, "VINSERTI128 Vqq,Hqq,Wdq,Ib", kAvx256 | kW0).prefix(k66),
    row(0x39, Sse, "VEXTRACTI128 Wdq,Vqq,Ib", kAvx256 | kW0).prefix(k66),
    row(0x40, Sse, "DPPS Vx,Hx,Wx,Ib", kSse).prefix(k66),
    row(0x41, Sse, "DPPD Vdq,Hdq,Wdq,Ib", kSse128).prefix(k66),
    row(0x42, Sse, "MPSADBW Vx,Hx,Wx,Ib", kSse).prefix(k66),
    row(0x44, Sse, "PCLMULQDQ Vdq,Hdq,Wdq,Ib", kSse128).prefix(k66),
    row(0x46, Sse, "VPERM2I128 Vqq,Hqq,Wqq,Ib", kAvx256 | kW0).prefix(k66),
    row(0x4a, Sse, "VBLENDVPS Vx,Hx,Wx,Lx", kAvx | kW0).prefix(k66),
    row(0x4b, Sse, "VBLENDVPD Vx,Hx,Wx,Lx", kAvx | kW0).prefix(k66),
    row(0x4c, Sse, "VPBLENDVB Vx,Hx,Wx,Lx", kAvx | kW0).prefix(k66),
    row(0x60, Sse, "PCMPESTRM Vdq,Wdq,Ib", kSse128).prefix(k66),
    row(0x61, Sse, "PCMPESTRI Vdq,Wdq,Ib", kSse128).prefix(k66),
    row(0x62, Sse, "PCMPISTRM Vdq,Wdq,Ib", kSse128).prefix(k66),
    row(0x63, Sse, "PCMPISTRI Vdq,Wdq,Ib", kSse128).prefix(k66),
    row(0xcc, Sse, "SHA1RNDS4 Vdq,Wdq,Ib", kMmx).prefix(kNP),
    row(0xdf, Sse, "AESKEYGENASSIST Vdq,Wdq,Ib", kSse128).prefix(k66),
    row(0xf0, Rorx, "RORX Gy,Ey,Ib", kVexGpr).prefix(kF2),
};

constexpr auto k0F38Index = build_index<expanded_rows(k0F38All)>(k0F38All);
constexpr auto k0F3AIndex = build_index<expanded_rows(k0F3ARows)>(k0F3ARows);

}  // namespace

constinit const OpcodeMap k0F38Map{k0F38All, k0F38Index.order, k0F38Index.first,
                                   k0F38Index.has_modrm};
constinit const OpcodeMap k0F3AMap{k0F3ARows, k0F3AIndex.order, k0F3AIndex.first,
                                   k0F3AIndex.has_modrm};

}  // namespace kemu::x86
