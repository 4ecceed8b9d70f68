// Hand-picked encodings with the exact fields decode() must produce, per mode.
// The corpus comparison against Capstone and Zydis is decode_corpus_test.cpp.
#include <gtest/gtest.h>

#include <initializer_list>
#include <vector>

#include "target-x86/cpu_state.h"
#include "target-x86/decode.h"

namespace kemu::x86 {
namespace {

constexpr CodeSize k16 = CodeSize::Bits16, k32 = CodeSize::Bits32, k64 = CodeSize::Bits64;

DecodeResult dec(CodeSize mode, std::initializer_list<uint8_t> bytes, uint64_t ip = 0x1000) {
    std::vector<uint8_t> v(bytes);
    return decode(v, mode, ip);
}

// Decodes and expects success with the given length; the failure message shows the text.
DecodedInsn ok(CodeSize mode, std::initializer_list<uint8_t> bytes, unsigned length,
               uint64_t ip = 0x1000) {
    DecodeResult r = dec(mode, bytes, ip);
    EXPECT_EQ(r.status, DecodeStatus::Ok);
    EXPECT_EQ(r.insn.length, length) << format_insn(r.insn);
    return r.insn;
}

void expect_gpr(const Operand& o, unsigned reg, unsigned size, bool high8 = false) {
    EXPECT_EQ(o.kind, OperandKind::Gpr);
    EXPECT_EQ(o.reg, reg);
    EXPECT_EQ(o.size, size);
    EXPECT_EQ(o.high8, high8);
}

void expect_mem(const DecodedInsn& d, int base, int index, unsigned scale, int64_t disp, int seg,
                unsigned addr_size) {
    EXPECT_TRUE(d.has_mem()) << format_insn(d);
    EXPECT_EQ(d.mem.base, base) << format_insn(d);
    EXPECT_EQ(d.mem.index, index) << format_insn(d);
    EXPECT_EQ(d.mem.scale, scale) << format_insn(d);
    EXPECT_EQ(d.mem.disp, disp) << format_insn(d);
    EXPECT_EQ(d.mem.seg, seg) << format_insn(d);
    EXPECT_EQ(d.mem.addr_size, addr_size) << format_insn(d);
}

TEST(Decode, AluImmediateSignExtension) {
    DecodedInsn d = ok(k64, {0x48, 0x83, 0xc0, 0xf0}, 4);  // add rax, -16
    EXPECT_EQ(d.op, Op::Add);
    EXPECT_EQ(d.opsize, 8);
    ASSERT_EQ(d.operand_count, 2);
    expect_gpr(d.operands[0], 0, 8);
    EXPECT_EQ(d.operands[1].kind, OperandKind::Imm);
    EXPECT_EQ(d.imm, 0xfffffffffffffff0ull);
    d = ok(k64, {0x48, 0xc7, 0xc0, 0xff, 0xff, 0xff, 0xff}, 7);  // mov rax, -1 (Iz)
    EXPECT_EQ(d.imm, ~0ull);
    d = ok(k32, {0x66, 0x83, 0xc0, 0xff}, 4);  // add ax, -1
    EXPECT_EQ(d.imm, 0xffffu);
    EXPECT_EQ(d.opsize, 2);
    d = ok(k16, {0x05, 0x34, 0x12}, 3);  // add ax, 0x1234
    EXPECT_EQ(d.imm, 0x1234u);
}

TEST(Decode, MovImm64IsTheOnlyIq) {
    DecodedInsn d = ok(k64, {0x48, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8}, 10);
    EXPECT_EQ(d.op, Op::Mov);
    EXPECT_EQ(d.imm, 0x0807060504030201ull);
    d = ok(k64, {0x41, 0xb8, 1, 2, 3, 4}, 6);  // mov r8d, imm32
    expect_gpr(d.operands[0], 8, 4);
    d = ok(k32, {0x66, 0xb8, 0x34, 0x12}, 4);
    expect_gpr(d.operands[0], 0, 2);
}

TEST(Decode, ModRm32And64) {
    DecodedInsn d = ok(k64, {0x8b, 0x05, 0x10, 0, 0, 0}, 6);  // mov eax, [rip+0x10]
    expect_mem(d, MemOperand::kRip, -1, 0, 0x10, DS, 8);
    d = ok(k64, {0x67, 0x8b, 0x05, 0x10, 0, 0, 0}, 7);  // [eip+0x10]
    expect_mem(d, MemOperand::kRip, -1, 0, 0x10, DS, 4);
    d = ok(k64, {0x8b, 0x04, 0x24}, 3);  // [rsp]
    expect_mem(d, 4, -1, 0, 0, SS, 8);
    d = ok(k64, {0x41, 0x8b, 0x04, 0x24}, 4);  // [r12]: not SS
    expect_mem(d, 12, -1, 0, 0, DS, 8);
    d = ok(k64, {0x42, 0x8b, 0x04, 0xa5, 0x78, 0x56, 0x34, 0x12}, 8);  // [r12*4+0x12345678]
    expect_mem(d, -1, 12, 2, 0x12345678, DS, 8);
    d = ok(k64, {0x8b, 0x44, 0x25, 0xf8}, 4);  // [rbp-8]: SIB without index
    expect_mem(d, 5, -1, 0, -8, SS, 8);
    d = ok(k64, {0x41, 0x8b, 0x45, 0x00}, 4);  // [r13+0]
    expect_mem(d, 13, -1, 0, 0, DS, 8);
    d = ok(k32, {0x8b, 0x05, 0x00, 0x10, 0, 0}, 6);  // [0x1000]: no RIP outside 64-bit
    expect_mem(d, -1, -1, 0, 0x1000, DS, 4);
    d = ok(k32, {0x8b, 0x8c, 0xc8, 0, 0, 0, 0x80}, 7);  // [eax+ecx*8-0x80000000]
    expect_mem(d, 0, 1, 3, -0x80000000ll, DS, 4);
    expect_gpr(d.operands[0], 1, 4);
}

TEST(Decode, ModRm16) {
    DecodedInsn d = ok(k16, {0x8b, 0x46, 0x02}, 3);  // mov ax, [bp+2]
    expect_mem(d, 5, -1, 0, 2, SS, 2);
    d = ok(k16, {0x8b, 0x00}, 2);  // [bx+si]
    expect_mem(d, 3, 6, 0, 0, DS, 2);
    d = ok(k16, {0x8b, 0x0e, 0x34, 0x12}, 4);  // mov cx, [0x1234]
    expect_mem(d, -1, -1, 0, 0x1234, DS, 2);
    expect_gpr(d.operands[0], 1, 2);
    d = ok(k16, {0x8b, 0x82, 0xfe, 0xff}, 4);  // [bp+si-2]
    expect_mem(d, 5, 6, 0, -2, SS, 2);
    d = ok(k16, {0x3e, 0x8b, 0x46, 0x02}, 4);  // ds: override beats the SS default
    EXPECT_EQ(d.mem.seg, DS);
    d = ok(k16, {0x67, 0x8b, 0x04, 0x24}, 4);  // 32-bit addressing in 16-bit code
    expect_mem(d, 4, -1, 0, 0, SS, 4);
}

TEST(Decode, SegmentOverrides) {
    EXPECT_EQ(ok(k32, {0x26, 0x8b, 0x00}, 3).mem.seg, ES);
    EXPECT_EQ(ok(k32, {0x26, 0x64, 0x8b, 0x00}, 4).mem.seg, FS);  // the last one wins
    EXPECT_EQ(ok(k64, {0x26, 0x8b, 0x00}, 3).mem.seg, DS);        // ignored in 64-bit mode
    EXPECT_EQ(ok(k64, {0x65, 0x8b, 0x00}, 3).mem.seg, GS);
    DecodedInsn d = ok(k32, {0x2e, 0xa4}, 2);  // movsb with a CS source
    EXPECT_EQ(d.op, Op::Movs);
    EXPECT_EQ(d.operands[0].kind, OperandKind::StrDst);
    EXPECT_EQ(d.operands[1].kind, OperandKind::StrSrc);
    EXPECT_EQ(d.mem.seg, CS);
    EXPECT_TRUE(d.attrs & kAttrString);
}

TEST(Decode, High8AndRex) {
    DecodedInsn d = ok(k64, {0x88, 0xe0}, 2);  // mov al, ah
    expect_gpr(d.operands[0], 0, 1);
    expect_gpr(d.operands[1], 4, 1, true);
    d = ok(k64, {0x40, 0x88, 0xe0}, 3);  // mov al, spl
    expect_gpr(d.operands[1], 4, 1, false);
    d = ok(k64, {0x48, 0x66, 0x01, 0xc0}, 4);  // REX before 66 is ignored: add ax, ax
    EXPECT_EQ(d.opsize, 2);
    EXPECT_FALSE(d.has_rex);
    d = ok(k64, {0x66, 0x48, 0x01, 0xc0}, 4);  // REX.W beats 66
    EXPECT_EQ(d.opsize, 8);
    d = ok(k64, {0x45, 0x01, 0xc8}, 3);  // add r8d, r9d
    expect_gpr(d.operands[0], 8, 4);
    expect_gpr(d.operands[1], 9, 4);
    EXPECT_EQ(ok(k32, {0x40}, 1).op, Op::Inc);  // 40 is INC eax outside 64-bit mode
}

TEST(Decode, StackOperandSizes) {
    DecodedInsn d = ok(k64, {0x41, 0x50}, 2);  // push r8 (d64)
    EXPECT_EQ(d.opsize, 8);
    expect_gpr(d.operands[0], 8, 8);
    EXPECT_EQ(ok(k64, {0x66, 0x50}, 2).opsize, 2);
    EXPECT_EQ(ok(k32, {0x50}, 1).opsize, 4);
    EXPECT_EQ(ok(k16, {0x50}, 1).opsize, 2);
    d = ok(k64, {0x6a, 0xff}, 2);  // push -1
    EXPECT_EQ(d.imm, ~0ull);
    d = ok(k32, {0xc8, 0x10, 0x00, 0x01}, 4);  // enter 0x10, 1
    EXPECT_EQ(d.op, Op::Enter);
    EXPECT_EQ(d.imm, 0x10u);
    EXPECT_EQ(d.imm2, 1u);
}

TEST(Decode, RelativeTargets) {
    DecodedInsn d = ok(k64, {0xe8, 0, 0, 0, 0}, 5, 0x1000);
    EXPECT_EQ(d.op, Op::Call);
    EXPECT_EQ(d.operands[0].kind, OperandKind::Rel);
    EXPECT_EQ(d.imm, 0x1005u);
    d = ok(k64, {0x66, 0xe8, 0, 0, 0, 0}, 6, 0x1000);  // f64: 66 does not shrink it (Intel)
    EXPECT_EQ(d.imm, 0x1006u);
    d = ok(k16, {0xe9, 0xfd, 0x7f}, 3, 0x8000);  // wraps at 64 KiB with a 16-bit operand size
    EXPECT_EQ(d.imm, 0u);
    d = ok(k32, {0x74, 0xfe}, 2, 0x2000);  // je $
    EXPECT_EQ(d.op, Op::Jcc);
    EXPECT_EQ(d.cond, 4);
    EXPECT_EQ(d.imm, 0x2000u);
    d = ok(k32, {0x0f, 0x8c, 0x00, 0x01, 0, 0}, 6, 0x2000);  // jl rel32
    EXPECT_EQ(d.cond, 0xc);
    EXPECT_EQ(d.imm, 0x2106u);
    d = ok(k64, {0x0f, 0x4f, 0xc1}, 3);  // cmovg eax, ecx
    EXPECT_EQ(d.op, Op::Cmov);
    EXPECT_EQ(d.cond, 0xf);
    d = ok(k32, {0xea, 0x78, 0x56, 0x34, 0x12, 0x08, 0x00}, 7);  // jmp 0x8:0x12345678
    EXPECT_EQ(d.op, Op::JmpFar);
    EXPECT_EQ(d.imm, 0x12345678u);
    EXPECT_EQ(d.imm2, 8u);
}

TEST(Decode, Moffs) {
    DecodedInsn d = ok(k32, {0xa1, 0x78, 0x56, 0x34, 0x12}, 5);
    expect_mem(d, -1, -1, 0, 0x12345678, DS, 4);
    ok(k64, {0xa1, 1, 2, 3, 4, 5, 6, 7, 8}, 9);
    ok(k64, {0x67, 0xa1, 1, 2, 3, 4}, 6);
    ok(k16, {0xa2, 0x34, 0x12}, 3);
}

TEST(Decode, Lock) {
    EXPECT_TRUE(ok(k64, {0xf0, 0x01, 0x00}, 3).lock);
    EXPECT_EQ(dec(k64, {0xf0, 0x01, 0xc0}).status, DecodeStatus::Invalid);  // register destination
    EXPECT_EQ(dec(k64, {0xf0, 0x39, 0x00}).status, DecodeStatus::Invalid);  // CMP is not lockable
    EXPECT_EQ(dec(k64, {0xf0, 0x8b, 0x00}).status, DecodeStatus::Invalid);
    ok(k32, {0xf0, 0x0f, 0xc7, 0x0e}, 4);  // lock cmpxchg8b
}

TEST(Decode, InvalidAndModeOnly) {
    EXPECT_EQ(dec(k64, {0x06}).status, DecodeStatus::Invalid);  // push es (i64)
    EXPECT_EQ(ok(k32, {0x06}, 1).op, Op::PushSeg);
    DecodedInsn d = ok(k64, {0x48, 0x63, 0xc8}, 3);  // movsxd rcx, eax
    EXPECT_EQ(d.op, Op::Movsxd);
    expect_gpr(d.operands[0], 1, 8);
    expect_gpr(d.operands[1], 0, 4);
    d = ok(k32, {0x63, 0xc8}, 2);  // arpl ax, cx
    EXPECT_EQ(d.op, Op::Arpl);
    expect_gpr(d.operands[0], 0, 2);
    expect_gpr(d.operands[1], 1, 2);
    EXPECT_EQ(dec(k32, {0x0f, 0x01, 0xf8}).status, DecodeStatus::Invalid);  // swapgs (o64)
    EXPECT_EQ(ok(k64, {0x0f, 0x01, 0xf8}, 3).op, Op::Swapgs);
    EXPECT_EQ(dec(k32, {0x8e, 0xc8}).status, DecodeStatus::Invalid);              // mov cs, ax
    EXPECT_EQ(dec(k32, {0x8e, 0xf0}).status, DecodeStatus::Invalid);              // segment 6
    EXPECT_EQ(dec(k32, {0x0f, 0xb8, 0xc1}).status, DecodeStatus::Invalid);        // no F3: JMPE
    EXPECT_EQ(dec(k32, {0x8d, 0xc0}).status, DecodeStatus::Invalid);              // lea with mod 3
    EXPECT_EQ(dec(k32, {0x0f, 0x0f, 0xc0, 0x00}).status, DecodeStatus::Invalid);  // 3DNow!
}

TEST(Decode, NopPauseXchg) {
    EXPECT_EQ(ok(k64, {0x90}, 1).op, Op::Nop);
    EXPECT_EQ(ok(k64, {0xf3, 0x90}, 2).op, Op::Pause);
    DecodedInsn d = ok(k64, {0x41, 0x90}, 2);  // xchg r8d, eax
    EXPECT_EQ(d.op, Op::Xchg);
    expect_gpr(d.operands[0], 8, 4);
    EXPECT_EQ(ok(k32, {0x0f, 0x1f, 0x44, 0x00, 0x00}, 5).op, Op::Nop);
}

TEST(Decode, MandatoryPrefixes) {
    EXPECT_STREQ(ok(k64, {0x0f, 0x58, 0xc1}, 3).sdm, "ADDPS Vps,Hps,Wps");
    EXPECT_STREQ(ok(k64, {0x66, 0x0f, 0x58, 0xc1}, 4).sdm, "ADDPD Vpd,Hpd,Wpd");
    EXPECT_STREQ(ok(k64, {0x66, 0xf2, 0x0f, 0x58, 0xc1}, 5).sdm, "ADDSD Vsd,Hsd,Wsd");
    EXPECT_STREQ(ok(k64, {0xf2, 0xf3, 0x0f, 0x58, 0xc1}, 5).sdm, "ADDSS Vss,Hss,Wss");
    DecodedInsn d = ok(k64, {0x66, 0xf3, 0x0f, 0xb8, 0xc1}, 5);  // popcnt ax, cx
    EXPECT_EQ(d.op, Op::Popcnt);
    EXPECT_EQ(d.opsize, 2);
    d = ok(k64, {0x66, 0x0f, 0x6f, 0x44, 0x24, 0x10}, 6);  // movdqa xmm0, [rsp+16]
    EXPECT_EQ(d.operands[0].kind, OperandKind::Xmm);
    EXPECT_EQ(d.operands[1].size, 16);
    EXPECT_EQ(d.opsize, 4);  // 66 was the mandatory prefix, not an operand-size prefix
    d = ok(k64, {0x44, 0x0f, 0x6f, 0xc1}, 4);  // movq mm0, mm1: REX.R does not reach MMX
    EXPECT_EQ(d.operands[0].kind, OperandKind::Mmx);
    EXPECT_EQ(d.operands[0].reg, 0);
    EXPECT_EQ(ok(k64, {0x66, 0x0f, 0x3a, 0x0f, 0xc1, 0x08}, 6).map, 3);  // palignr
    EXPECT_EQ(ok(k64, {0xf2, 0x0f, 0x38, 0xf1, 0xc1}, 5).op, Op::Crc32);
    EXPECT_EQ(ok(k64, {0x0f, 0xbc, 0xc1}, 3).op, Op::Bsf);
    EXPECT_EQ(ok(k64, {0xf3, 0x0f, 0xbc, 0xc1}, 4).op, Op::Tzcnt);
}

TEST(Decode, Vex) {
    DecodedInsn d = ok(k64, {0xc5, 0xf8, 0x58, 0xc1}, 4);  // vaddps xmm0, xmm0, xmm1
    EXPECT_TRUE(d.attrs & kAttrVex);
    ASSERT_EQ(d.operand_count, 3);
    EXPECT_EQ(d.operands[2].reg, 1);
    EXPECT_EQ(d.operands[0].size, 16);
    d = ok(k64, {0xc5, 0xb4, 0x58, 0xc1}, 4);  // vaddps ymm0, ymm9, ymm1
    EXPECT_EQ(d.operands[1].reg, 9);
    EXPECT_EQ(d.operands[0].size, 32);
    d = ok(k64, {0xc4, 0x41, 0x78, 0x58, 0xc1}, 5);  // vaddps xmm8, xmm0, xmm9
    EXPECT_EQ(d.operands[0].reg, 8);
    EXPECT_EQ(d.operands[2].reg, 9);
    d = ok(k32, {0xc5, 0xf8, 0x58, 0xc1}, 4);  // VEX in 32-bit mode (mod == 3)
    EXPECT_TRUE(d.attrs & kAttrVex);
    d = ok(k32, {0xc4, 0x05, 0, 0, 0, 0}, 6);  // les eax, [0]
    EXPECT_EQ(d.op, Op::Lds);
    EXPECT_EQ(d.operands[1].size, 6);
    d = ok(k64, {0xc4, 0xe2, 0xf0, 0xf7, 0xc2}, 5);  // bextr rax, rdx, rcx
    EXPECT_EQ(d.op, Op::Bextr);
    expect_gpr(d.operands[0], 0, 8);
    expect_gpr(d.operands[2], 1, 8);
    d = ok(k64, {0xc4, 0xe3, 0x79, 0x4c, 0xc1, 0x30}, 6);  // vpblendvb xmm0, xmm0, xmm1, xmm3
    EXPECT_EQ(d.operands[3].reg, 3);
    EXPECT_EQ(dec(k64, {0x66, 0xc5, 0xf8, 0x58, 0xc1}).status, DecodeStatus::Invalid);
    EXPECT_EQ(dec(k64, {0xc5, 0xf8, 0x6f, 0xc1}).status, DecodeStatus::Invalid);  // no VEX MMX
    EXPECT_EQ(dec(k64, {0x66, 0x0f, 0x38, 0x18, 0xc1}).status, DecodeStatus::Invalid);  // VEX only
}

TEST(Decode, SystemInstructions) {
    DecodedInsn d = ok(k64, {0x0f, 0x20, 0xc0}, 3);  // mov rax, cr0
    EXPECT_EQ(d.op, Op::MovCr);
    expect_gpr(d.operands[0], 0, 8);
    EXPECT_EQ(d.operands[1].kind, OperandKind::Cr);
    EXPECT_TRUE(d.attrs & kAttrPrivileged);
    EXPECT_EQ(ok(k64, {0x44, 0x0f, 0x22, 0xc0}, 4).operands[0].reg, 8);     // mov cr8, rax
    EXPECT_EQ(dec(k64, {0x0f, 0x20, 0xc8}).status, DecodeStatus::Invalid);  // cr1
    d = ok(k32, {0x0f, 0x20, 0x00}, 3);  // mod is ignored: mov eax, cr0
    expect_gpr(d.operands[0], 0, 4);
    d = ok(k64, {0x0f, 0x01, 0x15, 0, 0, 0, 0}, 7);  // lgdt [rip]
    EXPECT_EQ(d.op, Op::Lgdt);
    EXPECT_EQ(d.operands[0].size, 10);
    EXPECT_EQ(ok(k32, {0x0f, 0x01, 0x10}, 3).operands[0].size, 6);
    EXPECT_EQ(ok(k64, {0x0f, 0xc7, 0x0e}, 3).operands[0].size, 8);         // cmpxchg8b
    EXPECT_EQ(ok(k64, {0x48, 0x0f, 0xc7, 0x0e}, 4).operands[0].size, 16);  // cmpxchg16b
    EXPECT_EQ(ok(k64, {0x0f, 0xae, 0xf8}, 3).op, Op::Fence);
    EXPECT_EQ(ok(k64, {0xf3, 0x48, 0x0f, 0xae, 0xc0}, 5).op, Op::Rdfsbase);
    EXPECT_EQ(ok(k64, {0x0f, 0xae, 0x38}, 3).op, Op::Clflush);
    EXPECT_EQ(ok(k64, {0x0f, 0x01, 0xd0}, 3).op, Op::Xgetbv);
}

TEST(Decode, X87) {
    DecodedInsn d = ok(k32, {0xd9, 0xe8}, 2);  // fld1
    EXPECT_EQ(d.op, Op::X87);
    EXPECT_TRUE(d.attrs & kAttrX87);
    EXPECT_EQ(ok(k32, {0xdd, 0x05, 0, 0, 0, 0}, 6).operands[0].size, 8);  // fld qword
    EXPECT_EQ(ok(k32, {0xdb, 0x28}, 2).operands[0].size, 10);             // fld tbyte
    EXPECT_EQ(ok(k32, {0xda, 0xc1}, 2).cond, 0x2);                        // fcmovb
    EXPECT_EQ(ok(k32, {0xdb, 0xc9}, 2).cond, 0x5);                        // fcmovne
    EXPECT_EQ(ok(k32, {0xdb, 0xd1}, 2).cond, 0x7);                        // fcmovnbe
    d = ok(k32, {0xdc, 0xc3}, 2);                                         // fadd st(3), st(0)
    EXPECT_EQ(d.operands[0].kind, OperandKind::St);
    EXPECT_EQ(d.operands[0].reg, 3);
    EXPECT_EQ(dec(k32, {0xd9, 0xd1}).status, DecodeStatus::Invalid);  // only D9 D0 is FNOP
}

TEST(Decode, LengthLimits) {
    std::vector<uint8_t> v(14, 0x66);
    v.push_back(0x90);
    EXPECT_EQ(decode(v, k32, 0).status, DecodeStatus::Ok);
    v.insert(v.begin(), 0x66);
    EXPECT_EQ(decode(v, k32, 0).status, DecodeStatus::TooLong);
    EXPECT_EQ(dec(k32, {0xb8, 0, 0}).status, DecodeStatus::NeedBytes);
    EXPECT_EQ(dec(k32, {0x0f}).status, DecodeStatus::NeedBytes);
    EXPECT_EQ(dec(k32, {}).status, DecodeStatus::NeedBytes);
    EXPECT_EQ(dec(k32, {0x66, 0x66}).status, DecodeStatus::NeedBytes);
    EXPECT_EQ(dec(k32, {0xc4}).status, DecodeStatus::NeedBytes);  // VEX or LES: cannot tell yet
}

TEST(Decode, FormatAndNames) {
    EXPECT_STREQ(op_name(Op::Add), "Add");
    EXPECT_STREQ(op_name(Op::Cmpxchg8b), "Cmpxchg8b");
    EXPECT_EQ(format_insn(ok(k32, {0x8b, 0x44, 0x8b, 0x10}, 4)),
              "mov eax, 32b ds:[ebx+ecx*4+0x10]");
    EXPECT_EQ(format_insn(ok(k64, {0x88, 0xe0}, 2)), "mov al, ah");
}

}  // namespace
}  // namespace kemu::x86
