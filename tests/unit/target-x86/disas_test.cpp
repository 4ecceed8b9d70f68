#include "target-x86/disas.h"

#include <gtest/gtest.h>

#include "target-x86/cpu_state.h"

namespace kemu {
namespace {

TEST(Disas, DecodesInTheRequestedMode) {
    const uint8_t code[] = {0xb8, 0x01, 0x00, 0x00, 0x00, 0xf4};  // mov eax, 1; hlt
    auto lines = disassemble(code, 0x100000, 32, 10);
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(lines[0].text, "mov eax, 1");
    EXPECT_EQ(lines[0].length, 5u);
    EXPECT_EQ(lines[1].address, 0x100005u);
    EXPECT_EQ(lines[1].text, "hlt");
    // The same bytes in 16-bit mode are a 3-byte mov ax, 1 followed by add [bx+si], al.
    auto real = disassemble(code, 0, 16, 1);
    ASSERT_EQ(real.size(), 1u);
    EXPECT_EQ(real[0].text, "mov ax, 1");
}

// disassemble() goes through the disas-capstone module (KEMU_MODULE_DIR names the build
// tree); capstone_disassemble is the same code linked in.
TEST(Disas, TheModuleAndTheLinkedInCodeAgree) {
    const uint8_t code[] = {0x48, 0x8d, 0x05, 0x10, 0x00, 0x00, 0x00, 0xc3};  // lea rax,[rip+16]
    auto loaded = disassemble(code, 0x1000, 64, 4);
    auto linked = capstone_disassemble(code, 0x1000, 64, 4);
    ASSERT_EQ(loaded.size(), 2u);
    ASSERT_EQ(linked.size(), 2u);
    for (size_t i = 0; i < 2; i++) {
        EXPECT_EQ(loaded[i].text, linked[i].text);
        EXPECT_EQ(loaded[i].length, linked[i].length);
    }
    EXPECT_EQ(loaded[0].text, "lea rax, [rip + 0x10]");
}

TEST(Disas, CodeSizeFollowsCsAndMode) {
    X86CpuState s = reset_cpu_state(true);
    EXPECT_EQ(code_size_bits(s), 16u);
    s.cr0 |= 1;
    s.seg[CS].db = true;
    EXPECT_EQ(code_size_bits(s), 32u);
    s.efer = 0x500;
    s.seg[CS].l = true;
    s.seg[CS].db = false;
    EXPECT_EQ(code_size_bits(s), 64u);
}

}  // namespace
}  // namespace kemu
