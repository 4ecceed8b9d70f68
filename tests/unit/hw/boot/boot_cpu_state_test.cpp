#include "hw/i386/boot_cpu_state.h"

#include <gtest/gtest.h>

#include "guest_ram.h"
#include "hw/i386/pc_layout.h"

namespace kemu {
namespace {

using test::GuestRam;

TEST(BootGdt, DescriptorBytes) {
    GuestRam ram(1 << 20);
    ASSERT_TRUE(write_boot_gdt(ram.mem()).ok());
    // SDM vol. 3 figure 3-8, byte by byte: limit 15:0, base 23:0, access, flags|limit 19:16, base
    // 31:24.
    const std::vector<uint8_t> expected = {
        0,    0,    0,    0,    0,    0,    0,    0,     // null
        0xff, 0xff, 0x00, 0x00, 0x00, 0x9b, 0xcf, 0x00,  // 0x08: 32-bit code, G|D
        0xff, 0xff, 0x00, 0x00, 0x00, 0x9b, 0xaf, 0x00,  // 0x10: 64-bit code, G|L
        0xff, 0xff, 0x00, 0x00, 0x00, 0x93, 0xcf, 0x00,  // 0x18: data, G|B
    };
    EXPECT_EQ(ram.range(pc::kBootGdt, 32), expected);
    EXPECT_LE(pc::kBootGdt + 32, pc::kBootIdt);
}

TEST(BootPageTables, IdentityMapFirst4GiBWith2MiBPages) {
    GuestRam ram(1 << 20, 0xcc);
    ASSERT_TRUE(write_identity_page_tables(ram.mem()).ok());
    const uint64_t pml4 = pc::kBootPml4, pdpt = pml4 + 0x1000, pd0 = pml4 + 0x2000;
    EXPECT_EQ(ram.u64(pml4), pdpt | 0x3);  // present, writable
    for (unsigned i = 1; i < 512; i++)
        ASSERT_EQ(ram.u64(pml4 + 8 * i), 0u) << i;
    for (unsigned g = 0; g < 4; g++)
        EXPECT_EQ(ram.u64(pdpt + 8 * g), (pd0 + 0x1000 * g) | 0x3);
    EXPECT_EQ(ram.u64(pdpt + 8 * 4), 0u);
    // Every PDE maps the 2 MiB page at its own address: present, writable, PS.
    for (uint64_t i = 0; i < 2048; i++)
        ASSERT_EQ(ram.u64(pd0 + 8 * i), (i << 21) | 0x83) << i;
    EXPECT_EQ(ram.u64(pd0 + 8 * 2047), 0xffe00083u);
    EXPECT_EQ(ram.u8(pml4 + kBootPageTablesSize), 0xcc);  // nothing written past the tables
}

TEST(BootCpuState, ProtectedModeEntry) {
    X86CpuState s = protected_mode_entry_state(0x100123);
    EXPECT_EQ(s.rip, 0x100123u);
    EXPECT_EQ(s.cr0 & 1, 1u);
    EXPECT_EQ(s.cr0 & 0x80000000u, 0u);
    EXPECT_EQ(s.efer, 0u);
    EXPECT_EQ(s.seg[CS].selector, kBootCode32Selector);
    EXPECT_TRUE(s.seg[CS].db);
    EXPECT_FALSE(s.seg[CS].l);
    EXPECT_EQ(s.seg[CS].type, 0xb);
    EXPECT_EQ(s.seg[CS].limit, 0xffffffffu);
    for (SegReg r : {DS, ES, SS, FS, GS}) {
        EXPECT_EQ(s.seg[r].selector, kBootDataSelector);
        EXPECT_EQ(s.seg[r].type, 0x3);
        EXPECT_TRUE(s.seg[r].db);
        EXPECT_TRUE(s.seg[r].g);
    }
    EXPECT_EQ(s.rflags, 0x2u);
}

TEST(BootCpuState, LongModeEntry) {
    X86CpuState s = long_mode_entry_state(0x100200);
    EXPECT_EQ(s.rip, 0x100200u);
    EXPECT_EQ(s.cr0 & 0x80000001u, 0x80000001u);
    EXPECT_EQ(s.cr3, pc::kBootPml4);
    EXPECT_EQ(s.cr4, 0x20u);
    EXPECT_EQ(s.efer, 0x500u);
    EXPECT_EQ(s.seg[CS].selector, kBootCode64Selector);
    EXPECT_TRUE(s.seg[CS].l);
    EXPECT_FALSE(s.seg[CS].db);
    EXPECT_EQ(s.rflags, 0x2u);
}

TEST(WriteGuest, FailsOutsideRam) {
    GuestRam ram(0x1000);
    const uint8_t bytes[4] = {1, 2, 3, 4};
    EXPECT_TRUE(write_guest(ram.mem(), 0xffc, bytes, "x").ok());
    auto r = write_guest(ram.mem(), 0xffe, bytes, "thing");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message(), "thing at 0xffe is outside guest RAM");
    EXPECT_FALSE(zero_guest(ram.mem(), 0x800, 0x1000, "bss").ok());
}

}  // namespace
}  // namespace kemu
