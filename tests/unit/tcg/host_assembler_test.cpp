// HostAssembler's direct encodings against xbyak's for the same instructions, compared as
// Capstone disassembly (the two may pick different but equivalent encodings) and in length:
// every register, base, index and displacement class.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "target-x86/disas.h"
#include "tcg/backend_x86_64_assembler.h"

namespace kemu::tcg::x64 {
namespace {

using Xbyak::Reg32;
using Xbyak::Reg64;

constexpr int32_t kDisps[] = {0, 1, -1, 127, -128, 128, -129, 0x12345678, INT32_MIN};

class HostAssemblerTest : public ::testing::Test {
  protected:
    // What `lean` writes disassembles as what `reference` writes, in no more bytes.
    template <class Lean, class Reference>
    void expect_same(Lean lean, Reference reference) {
        size_t lean_size, reference_size;
        std::string a = text(lean, lean_size), b = text(reference, reference_size);
        ASSERT_FALSE(a.empty());
        EXPECT_EQ(a, b);
        EXPECT_LE(lean_size, reference_size) << a;
    }

  private:
    template <class Emit>
    std::string text(Emit emit, size_t& size) {
        code_.aim(buffer_.data(), buffer_.size());
        emit(code_);
        EXPECT_EQ(Xbyak::GetError(), 0);
        size = code_.getSize();
        std::string out;
        for (const DisasLine& l : capstone_disassemble({buffer_.data(), code_.getSize()}, 0, 64, 4))
            out += l.text + "; ";
        return out;
    }

    std::vector<uint8_t> buffer_ = std::vector<uint8_t>(64);
    HostAssembler code_;
};

Xbyak::RegExp address(const Mem& m) {
    Xbyak::RegExp e = Reg64(m.base) + m.disp;
    if (m.index >= 0) e = e + Reg64(m.index) * (1 << m.scale);
    return e;
}

std::vector<Mem> operands() {
    std::vector<Mem> out;
    for (int base = 0; base < 16; base++)
        for (int32_t disp : kDisps) {
            out.push_back({base, disp});
            for (int index : {0, 5, 12, 13})
                out.push_back({base, disp, index, unsigned(index % 4)});
        }
    return out;
}

using AluReference = void (Xbyak::CodeGenerator::*)(const Xbyak::Operand&, const Xbyak::Operand&);
using AluImmReference = void (Xbyak::CodeGenerator::*)(const Xbyak::Operand&, uint32_t);
constexpr std::pair<Alu, AluImmReference> kAluImms[] = {
    {Alu::Add, &Xbyak::CodeGenerator::add},  {Alu::Or, &Xbyak::CodeGenerator::or_},
    {Alu::And, &Xbyak::CodeGenerator::and_}, {Alu::Sub, &Xbyak::CodeGenerator::sub},
    {Alu::Xor, &Xbyak::CodeGenerator::xor_}, {Alu::Cmp, &Xbyak::CodeGenerator::cmp}};
constexpr std::pair<Alu, AluReference> kAluRegs[] = {
    {Alu::Add, &Xbyak::CodeGenerator::add},  {Alu::Or, &Xbyak::CodeGenerator::or_},
    {Alu::And, &Xbyak::CodeGenerator::and_}, {Alu::Sub, &Xbyak::CodeGenerator::sub},
    {Alu::Xor, &Xbyak::CodeGenerator::xor_}, {Alu::Cmp, &Xbyak::CodeGenerator::cmp}};

TEST_F(HostAssemblerTest, RegisterMoves) {
    for (int d = 0; d < 16; d++)
        for (int s = 0; s < 16; s++) {
            expect_same([&](HostAssembler& c) { c.mov(d, s); },
                        [&](HostAssembler& c) { c.mov(Reg64(d), Reg64(s)); });
            expect_same([&](HostAssembler& c) { c.mov(d, s, false); },
                        [&](HostAssembler& c) { c.mov(Reg32(d), Reg32(s)); });
        }
}

TEST_F(HostAssemblerTest, MemoryForms) {
    for (const Mem& m : operands())
        for (int r : {0, 3, 7, 8, 15}) {
            SCOPED_TRACE(testing::Message() << "base " << m.base << " disp " << m.disp << " index "
                                            << m.index << " reg " << r);
            expect_same([&](HostAssembler& c) { c.load(r, m); },
                        [&](HostAssembler& c) { c.mov(Reg64(r), c.qword[address(m)]); });
            expect_same([&](HostAssembler& c) { c.load(r, m, false); },
                        [&](HostAssembler& c) { c.mov(Reg32(r), c.dword[address(m)]); });
            expect_same([&](HostAssembler& c) { c.store(m, r); },
                        [&](HostAssembler& c) { c.mov(c.qword[address(m)], Reg64(r)); });
            expect_same([&](HostAssembler& c) { c.cmp(r, m); },
                        [&](HostAssembler& c) { c.cmp(Reg64(r), c.qword[address(m)]); });
            expect_same([&](HostAssembler& c) { c.lea(r, m); },
                        [&](HostAssembler& c) { c.lea(Reg64(r), c.ptr[address(m)]); });
        }
    for (const Mem& m : operands())
        for (int r = 0; r < 16; r++) {
            SCOPED_TRACE(testing::Message() << "base " << m.base << " disp " << m.disp << " index "
                                            << m.index << " reg " << r);
            const Reg64 q(r);
            const Reg32 d(r);
            auto load = [&](unsigned size, bool sign, auto reference) {
                expect_same([&](HostAssembler& c) { c.load_sized(r, m, size, sign); }, reference);
            };
            load(1, false, [&](HostAssembler& c) { c.movzx(d, c.byte[address(m)]); });
            load(1, true, [&](HostAssembler& c) { c.movsx(q, c.byte[address(m)]); });
            load(2, false, [&](HostAssembler& c) { c.movzx(d, c.word[address(m)]); });
            load(2, true, [&](HostAssembler& c) { c.movsx(q, c.word[address(m)]); });
            load(4, false, [&](HostAssembler& c) { c.mov(d, c.dword[address(m)]); });
            load(4, true, [&](HostAssembler& c) { c.movsxd(q, c.dword[address(m)]); });
            load(8, false, [&](HostAssembler& c) { c.mov(q, c.qword[address(m)]); });
            auto store = [&](unsigned size, auto reference) {
                expect_same([&](HostAssembler& c) { c.store_sized(m, r, size); }, reference);
            };
            store(1, [&](HostAssembler& c) { c.mov(c.byte[address(m)], q.cvt8()); });
            store(2, [&](HostAssembler& c) { c.mov(c.word[address(m)], q.cvt16()); });
            store(4, [&](HostAssembler& c) { c.mov(c.dword[address(m)], d); });
            store(8, [&](HostAssembler& c) { c.mov(c.qword[address(m)], q); });
            expect_same([&](HostAssembler& c) { c.lea(r, m, false); },
                        [&](HostAssembler& c) { c.lea(d, c.ptr[address(m)]); });
        }
    for (const Mem& m : operands())
        for (int32_t imm : {0, -1, 0x7fffffff}) {
            expect_same([&](HostAssembler& c) { c.store_imm(m, imm); },
                        [&](HostAssembler& c) { c.mov(c.qword[address(m)], imm); });
            expect_same([&](HostAssembler& c) { c.store_imm(m, imm, false); },
                        [&](HostAssembler& c) { c.mov(c.dword[address(m)], imm); });
        }
}

TEST_F(HostAssemblerTest, Immediates) {
    const uint64_t values[] = {0,     1,           0x7fffffff,  0x80000000,   0xffffffff,
                               ~0ull, ~0ull << 31, 0x100000000, 0x123456789a, 1ull << 63};
    for (int r = 0; r < 16; r++) {
        for (uint64_t v : values)
            expect_same([&](HostAssembler& c) { c.mov_imm(r, v); },
                        [&](HostAssembler& c) { c.mov(Reg64(r), v); });
        for (int32_t imm : {0, 1, -1, 127, -128, 128, 0x1ffe0, -4096, INT32_MIN}) {
            for (auto [op, reference] : kAluImms) {
                expect_same([&](HostAssembler& c) { c.alu(op, r, imm); },
                            [&](HostAssembler& c) { (c.*reference)(Reg64(r), uint32_t(imm)); });
                expect_same([&](HostAssembler& c) { c.alu(op, r, imm, false); },
                            [&](HostAssembler& c) { (c.*reference)(Reg32(r), uint32_t(imm)); });
            }
        }
        for (uint8_t n : {1, 7, 31, 63}) {
            expect_same([&](HostAssembler& c) { c.shift(Shift::Shr, r, n); },
                        [&](HostAssembler& c) { c.shr(Reg64(r), n); });
            expect_same([&](HostAssembler& c) { c.shift(Shift::Shl, r, uint8_t(n & 31), false); },
                        [&](HostAssembler& c) { c.shl(Reg32(r), n & 31); });
            expect_same([&](HostAssembler& c) { c.shift(Shift::Sar, r, n); },
                        [&](HostAssembler& c) { c.sar(Reg64(r), n); });
        }
    }
}

TEST_F(HostAssemblerTest, AluWithMemoryAndRegisters) {
    for (const Mem& m : operands()) {
        SCOPED_TRACE(testing::Message()
                     << "base " << m.base << " disp " << m.disp << " index " << m.index);
        for (int32_t imm : {0, -1, 127, -128, 128, 0x12345678, INT32_MIN})
            for (auto [op, reference] : kAluImms) {
                expect_same(
                    [&](HostAssembler& c) { c.alu(op, m, imm); },
                    [&](HostAssembler& c) { (c.*reference)(c.qword[address(m)], uint32_t(imm)); });
                expect_same(
                    [&](HostAssembler& c) { c.alu(op, m, imm, false); },
                    [&](HostAssembler& c) { (c.*reference)(c.dword[address(m)], uint32_t(imm)); });
            }
        for (uint8_t imm : {0, 1, 0x80, 0xff})
            expect_same([&](HostAssembler& c) { c.cmp_byte(m, imm); },
                        [&](HostAssembler& c) { c.cmp(c.byte[address(m)], imm); });
        expect_same([&](HostAssembler& c) { c.jmp_to(m); },
                    [&](HostAssembler& c) { c.jmp(c.qword[address(m)]); });
    }
    for (int d = 0; d < 16; d++) {
        expect_same([&](HostAssembler& c) { c.jmp_to(d); },
                    [&](HostAssembler& c) { c.jmp(Reg64(d)); });
        expect_same([&](HostAssembler& c) { c.test(d); },
                    [&](HostAssembler& c) { c.test(Reg64(d), Reg64(d)); });
        expect_same([&](HostAssembler& c) { c.test(d, false); },
                    [&](HostAssembler& c) { c.test(Reg32(d), Reg32(d)); });
        for (int s = 0; s < 16; s++)
            for (auto [op, reference] : kAluRegs) {
                expect_same([&](HostAssembler& c) { c.alu_reg(op, d, s); },
                            [&](HostAssembler& c) { (c.*reference)(Reg64(d), Reg64(s)); });
                expect_same([&](HostAssembler& c) { c.alu_reg(op, d, s, false); },
                            [&](HostAssembler& c) { (c.*reference)(Reg32(d), Reg32(s)); });
            }
    }
}

// Jumps and calls with a displacement the caller worked out (code at address 0).
TEST_F(HostAssemblerTest, JumpsAndCalls) {
    expect_same([](HostAssembler& c) { c.op_rel32({0xe9}, 0x10); },
                [](HostAssembler& c) { c.db(0xe9), c.dd(0x10); });
    expect_same(
        [](HostAssembler& c) {
            c.op_rel32({0x0f, 0x85}, uint32_t(-6));
        },
        [](HostAssembler& c) { c.db(0x0f), c.db(0x85), c.dd(uint32_t(-6)); });
    expect_same([](HostAssembler& c) { c.op_rel32({0xe8}, 0x1000); },
                [](HostAssembler& c) { c.db(0xe8), c.dd(0x1000); });
    expect_same([](HostAssembler& c) { c.op_rel8(0x74, -2); },
                [](HostAssembler& c) { c.db(0x74), c.db(0xfe); });
}

// Without room for an instruction nothing is written and xbyak's error is set, as its own
// encoder does, so the backend's "buffer full" path sees it.
TEST_F(HostAssemblerTest, FullBufferSetsTheError) {
    std::vector<uint8_t> small(8, 0xcc);
    HostAssembler c;
    c.aim(small.data(), 4);
    c.store(Mem{14, 0x1000}, 3);
    EXPECT_NE(Xbyak::GetError(), 0);
    EXPECT_EQ(c.getSize(), 0u);
    EXPECT_EQ(small[0], 0xcc);
    c.aim(small.data(), small.size());
    EXPECT_EQ(Xbyak::GetError(), 0);
}

}  // namespace
}  // namespace kemu::tcg::x64
