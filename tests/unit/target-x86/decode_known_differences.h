// Where decode() and the oracles (Capstone "cs", Zydis "zy") are known to disagree,
// and why kemu is right or deliberately narrower. Keys are
// "<oracle>.<kind>[@<mode>]:<what>", where kind is
//   accepts:  the oracle decodes bytes kemu rejects (#UD), matched by the oracle's
//             mnemonic (mn=), Capstone group (grp=) or Zydis ISA extension (isa=), or
//             by a structural key: "lock" (kemu only refuses a LOCK the SDM makes #UD),
//             "prefix-column" (kemu decodes the bytes once 66/F2/F3 are dropped: the
//             oracle ignored a mandatory-prefix column the SDM leaves empty),
//             "vex-after-prefix" (66/F2/F3/LOCK/REX before VEX is #UD), "vex-w"
//             (kemu decodes the bytes with VEX.W flipped: a .W0/.W1 row);
//   rejects:  kemu decodes bytes the oracle rejects, matched by kemu's Op (kop=),
//             mnemonic (op=), row (sdm=) or class (vex, sse);
//   length:   both decode, to different lengths;
//   operands: same length, different GPR/memory operands (Capstone only).
// "rep66" marks instructions carrying both 66 and F2/F3, which Capstone mis-sizes;
// "vex-vvvv3" a 3-byte VEX outside 64-bit mode with vvvv[3] clear.
#pragma once

#include <string>

namespace kemu::x86 {

struct KnownDifference {
    const char* key;
    const char* reason;
};

inline constexpr KnownDifference kKnownDifferences[] = {
    // ---- the oracles are laxer than the SDM
    {"cs.accepts:lock", "Capstone ignores the #UD of LOCK on a register or non-lockable op"},
    {"cs.accepts:prefix-column", "Capstone ignores 66/F2/F3 where the SDM's column is empty"},
    {"zy.accepts:prefix-column", "Zydis decodes prefix columns of extensions kemu lacks"},
    {"cs.accepts:vex-after-prefix", "66/F2/F3/LOCK/REX before VEX is #UD (SDM 2.3.2)"},
    {"cs.accepts:vex-w", "Capstone ignores the .W0/.W1 of VEX-only rows"},
    {"zy.rejects:vex-vvvv3",
     "outside 64-bit mode 3-byte VEX ignores vvvv[3] (SDM 2.3.6); Zydis "
     "demands it"},
    {"cs.rejects:op=AESENC", "VEX.256 AES (VAES): Capstone lacks it"},
    {"cs.rejects:op=AESENCLAST", "VEX.256 AES (VAES): Capstone lacks it"},
    {"cs.rejects:op=AESDEC", "VEX.256 AES (VAES): Capstone lacks it"},
    {"cs.rejects:op=AESDECLAST", "VEX.256 AES (VAES): Capstone lacks it"},
    {"cs.accepts:rep66", "Capstone mis-decodes 66 combined with F2/F3"},
    {"cs.length:rep66", "Capstone mis-decodes 66 combined with F2/F3"},
    {"cs.rejects:rep66", "Capstone mis-decodes 66 combined with F2/F3"},
    {"cs.operands:rep66", "Capstone mis-sizes operands when 66 is combined with F2/F3"},
    {"cs.accepts:mn=mov", "MOV to CS, MOV with Sreg 6/7, CR1/CR5-7/CR9+ and DR8+ are #UD"},
    {"cs.accepts:mn=salc", "D6 (SALC) is undefined in the SDM; kemu raises #UD"},
    {"zy.accepts:mn=salc", "D6 (SALC) is undefined in the SDM; kemu raises #UD"},
    {"cs.accepts:mn=syscall", "SYSCALL outside 64-bit mode is AMD-only; kemu models Intel"},
    {"cs.accepts:mn=sysret", "SYSRET outside 64-bit mode is AMD-only; kemu models Intel"},
    {"zy.accepts:mn=syscall", "SYSCALL outside 64-bit mode is AMD-only; kemu models Intel"},
    {"zy.accepts:mn=sysret", "SYSRET outside 64-bit mode is AMD-only; kemu models Intel"},
    {"cs.length:kop=Call", "66 on near branches in 64-bit mode: Intel ignores it, Capstone is AMD"},
    {"cs.length:kop=Jmp", "66 on near branches in 64-bit mode: Intel ignores it, Capstone is AMD"},
    {"cs.length:kop=Jcc", "66 on near branches in 64-bit mode: Intel ignores it, Capstone is AMD"},
    {"cs.length@64:kop=Ret", "Capstone mishandles 66 followed by several REX bytes"},
    {"cs.length:kop=MovCr", "MOV CR ignores ModRM.mod (SDM); the oracles read a displacement"},
    {"cs.length:kop=MovDr", "MOV DR ignores ModRM.mod (SDM); the oracles read a displacement"},
    {"zy.length:kop=MovCr", "MOV CR ignores ModRM.mod (SDM); the oracles read a displacement"},
    {"zy.length:kop=MovDr", "MOV DR ignores ModRM.mod (SDM); the oracles read a displacement"},
    {"cs.length:kop=Ud", "UD0 and UD1 take a ModRM byte (current SDM); Capstone reads none"},
    {"cs.rejects:kop=Ud", "UD0 with prefixes: Capstone rejects, the SDM gives it ModRM"},
    // ---- the oracles are stricter than the SDM, or lack an extension kemu decodes
    {"cs.rejects:kop=Nop", "0F 0D and 0F 18-1F reserved-NOP forms: Capstone lacks some"},
    {"zy.rejects:kop=Nop", "0F 1A/1B without MPX are hint NOPs; Zydis treats them as MPX"},
    {"cs.rejects:kop=Prefetch", "Capstone lacks PREFETCHW (0F 0D /1) in some forms"},
    {"cs.rejects:kop=Fence", "LFENCE/MFENCE/SFENCE ignore ModRM.rm; Capstone wants rm=0"},
    {"cs.rejects:kop=MovSeg", "MOV r/m, Sreg with REX.B: Capstone rejects"},
    {"zy.rejects:kop=Mwait", "Zydis rejects MWAIT with 66/F2/F3; the SDM lists no such rule"},
    {"cs.rejects:kop=Adcx", "Capstone lacks ADX in 16-bit mode"},
    {"cs.rejects:kop=Adox", "Capstone lacks ADX in 16-bit mode"},
    {"cs.rejects@16:kop=Crc32", "Capstone lacks CRC32 in 16-bit mode"},
    {"cs.rejects@16:kop=Popcnt", "Capstone lacks POPCNT in 16-bit mode"},
    {"cs.rejects:kop=Invpcid", "Capstone lacks INVPCID"},
    {"cs.rejects@16:sse", "Capstone lacks SSE3 and later in 16-bit mode"},
    // ---- operand presentation
    {"cs.operands:sdm=XCHG Zv,rAX", "the SDM lists 90+r as XCHG r, rAX; Capstone swaps them"},
    {"cs.operands:kop=Movsxd", "MOVSXD without REX.W is r32, r/m32 (SDM); Capstone says r64"},
    {"cs.operands:kop=Lsl", "LSL r64, r32/m16 with REX.W (SDM); Capstone says r64 source"},
    {"cs.operands:kop=Nop", "Capstone shows hint NOPs with a second operand"},
    {"cs.operands:kop=Crc32", "Capstone decodes F2 0F 38 F0/F1 with 66 as MOVBE"},
    {"cs.operands@64:kop=In", "66 with REX.W on IN/OUT: REX.W wins (SDM 2.2.1.2)"},
    {"cs.operands@64:kop=Out", "66 with REX.W on IN/OUT: REX.W wins (SDM 2.2.1.2)"},
    {"cs.operands:kop=Rdpid", "Capstone decodes F3 0F C7 /7 as RDSEED, ignoring F3"},
    // ---- extensions kemu does not decode (#UD by design until the translator needs them)
    {"cs.accepts:grp=3dnow", "AMD 3DNow!"},
    {"zy.accepts:isa=AMD3DNOW", "AMD 3DNow!"},
    {"cs.accepts:grp=sse4a", "AMD SSE4a"},
    {"zy.accepts:isa=SSE4A", "AMD SSE4a"},
    {"cs.accepts:grp=fma4", "AMD FMA4"},
    {"zy.accepts:isa=FMA4", "AMD FMA4"},
    {"cs.accepts:grp=xop", "AMD XOP"},
    {"zy.accepts:isa=XOP", "AMD XOP"},
    {"cs.accepts:grp=vm", "VMX and SVM: kemu exposes no virtualization extensions"},
    {"zy.accepts:isa=VTX", "VMX: kemu exposes no virtualization extensions"},
    {"zy.accepts:isa=SVM", "SVM: kemu exposes no virtualization extensions"},
    {"cs.accepts:mn=getsec", "SMX"},
    {"zy.accepts:isa=SMX", "SMX"},
    {"cs.accepts:grp=avx512", "AVX-512 mask instructions (VEX-encoded)"},
    {"cs.accepts:grp=dqi", "AVX-512 mask instructions (VEX-encoded)"},
    {"zy.accepts:isa=AVX512VEX", "AVX-512 mask instructions (VEX-encoded)"},
    {"zy.accepts:isa=KNC", "Knights Corner"},
    {"zy.accepts:isa=KNCV", "Knights Corner"},
    {"cs.accepts:mn=montmul", "VIA PadLock"},
    {"cs.accepts:mn=xstorerng", "VIA PadLock"},
    {"zy.accepts:isa=PADLOCK", "VIA PadLock"},
    {"cs.accepts:grp=rtm", "TSX/RTM"},
    {"zy.accepts:isa=RTM", "TSX/RTM"},
    {"cs.accepts:mn=vgatherdpd", "AVX2 gathers (VSIB) not decoded yet"},
    {"cs.accepts:mn=vgatherdps", "AVX2 gathers (VSIB) not decoded yet"},
    {"cs.accepts:mn=vgatherqpd", "AVX2 gathers (VSIB) not decoded yet"},
    {"cs.accepts:mn=vgatherqps", "AVX2 gathers (VSIB) not decoded yet"},
    {"cs.accepts:mn=vpgatherdd", "AVX2 gathers (VSIB) not decoded yet"},
    {"cs.accepts:mn=vpgatherdq", "AVX2 gathers (VSIB) not decoded yet"},
    {"cs.accepts:mn=vpgatherqd", "AVX2 gathers (VSIB) not decoded yet"},
    {"cs.accepts:mn=vpgatherqq", "AVX2 gathers (VSIB) not decoded yet"},
    {"zy.accepts:isa=AVX2GATHER", "AVX2 gathers (VSIB) not decoded yet"},
    {"zy.accepts:isa=AVX_VNNI", "AVX-VNNI"},
    {"zy.accepts:isa=VPCLMULQDQ", "VEX.256 PCLMULQDQ (VPCLMULQDQ)"},
    {"zy.accepts:isa=GFNI", "GFNI"},
    {"zy.accepts:isa=KEYLOCKER", "Key Locker"},
    {"zy.accepts:isa=KEYLOCKER_WIDE", "Key Locker"},
    {"zy.accepts:isa=SGX_ENCLV", "SGX"},
    {"zy.accepts:isa=ENQCMD", "ENQCMD"},
    {"zy.accepts:isa=HRESET", "HRESET"},
    {"zy.accepts:isa=MOVDIR", "MOVDIRI/MOVDIR64B"},
    {"zy.accepts:isa=SNP", "AMD SEV-SNP"},
    {"zy.accepts:isa=AMD_INVLPGB", "AMD INVLPGB/TLBSYNC"},
    {"zy.accepts:isa=PT", "Processor Trace PTWRITE"},
    {"zy.accepts:isa=CET", "CET shadow stacks"},
    {"zy.accepts:isa=UINTR", "user interrupts"},
};

inline bool is_known_difference(const std::string& key) {
    for (const auto& k : kKnownDifferences)
        if (key == k.key) return true;
    return false;
}

}  // namespace kemu::x86
