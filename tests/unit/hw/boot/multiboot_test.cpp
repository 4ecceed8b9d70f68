#include "hw/i386/multiboot.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "guest_ram.h"
#include "hw/i386/pc_layout.h"

namespace kemu {
namespace {

using test::GuestRam;
using ::testing::HasSubstr;

constexpr uint64_t kRamSize = 16ull << 20;

void put32(std::vector<uint8_t>& b, size_t off, uint32_t v) {
    if (b.size() < off + 4) b.resize(off + 4);
    for (unsigned i = 0; i < 4; i++)
        b[off + i] = uint8_t(v >> (8 * i));
}
void put16(std::vector<uint8_t>& b, size_t off, uint16_t v) {
    for (unsigned i = 0; i < 2; i++)
        b[off + i] = uint8_t(v >> (8 * i));
}

void put_header(std::vector<uint8_t>& b, size_t off, uint32_t flags) {
    put32(b, off, 0x1badb002);
    put32(b, off + 4, flags);
    put32(b, off + 8, uint32_t(-(0x1badb002u + flags)));
}

struct Segment {
    uint32_t vaddr, paddr, filesz, memsz;
    uint8_t fill;
};

// An ELF32 i386 executable: header, program headers, a Multiboot header at 0x80
// and each segment's bytes (filled with `fill`) from file offset 0x1000 on.
std::vector<uint8_t> make_elf32(const std::vector<Segment>& segs, uint32_t entry,
                                uint32_t mb_flags = 0x3, uint8_t elf_class = 1) {
    std::vector<uint8_t> b(0x1000, 0);
    b[0] = 0x7f, b[1] = 'E', b[2] = 'L', b[3] = 'F';
    b[4] = elf_class;
    b[5] = 1;  // little-endian
    b[6] = 1;
    put16(b, 16, 2);  // ET_EXEC
    put16(b, 18, 3);  // EM_386
    put32(b, 20, 1);
    put32(b, 24, entry);
    put32(b, 28, 52);  // e_phoff
    put16(b, 40, 52);
    put16(b, 42, 32);
    put16(b, 44, uint16_t(segs.size()));
    put_header(b, 0x80, mb_flags);
    uint32_t offset = 0x1000;
    for (size_t i = 0; i < segs.size(); i++) {
        size_t ph = 52 + i * 32;
        put32(b, ph, 1);  // PT_LOAD
        put32(b, ph + 4, offset);
        put32(b, ph + 8, segs[i].vaddr);
        put32(b, ph + 12, segs[i].paddr);
        put32(b, ph + 16, segs[i].filesz);
        put32(b, ph + 20, segs[i].memsz);
        b.resize(offset + segs[i].filesz, segs[i].fill);
        offset += segs[i].filesz;
    }
    return b;
}

MultibootConfig config_for(const std::vector<uint8_t>& kernel, std::string cmdline = "/k.elf a=1") {
    return {kernel, std::move(cmdline), {}, {kRamSize, 0}};
}

TEST(Multiboot, HeaderSearch) {
    std::vector<uint8_t> img(9000, 0);
    EXPECT_FALSE(is_multiboot(img));
    put_header(img, 8192 - 12, 0);  // last aligned slot inside the first 8 KiB
    EXPECT_TRUE(is_multiboot(img));
    EXPECT_EQ(find_multiboot_header(img)->offset, 8192u - 12);

    std::vector<uint8_t> late(9000, 0);
    put_header(late, 8192, 0);
    EXPECT_FALSE(is_multiboot(late));

    std::vector<uint8_t> unaligned(100, 0);
    put_header(unaligned, 2, 0);
    EXPECT_FALSE(is_multiboot(unaligned));

    std::vector<uint8_t> bad_sum(100, 0);
    put_header(bad_sum, 8, 0);
    bad_sum[16] ^= 1;
    EXPECT_FALSE(is_multiboot(bad_sum));

    EXPECT_FALSE(is_multiboot(std::vector<uint8_t>(8, 0)));
}

TEST(Multiboot, LoadsElfSegmentsAndZeroesBss) {
    GuestRam ram(kRamSize, 0xcc);
    auto kernel = make_elf32(
        {{0x100000, 0x100000, 0x100, 0x2000, 0xaa}, {0x200000, 0x200000, 0x10, 0x10, 0xbb}},
        0x100010);
    auto r = load_multiboot(config_for(kernel), ram.mem());
    ASSERT_TRUE(r.ok()) << r.error().message();
    EXPECT_EQ(r->entry, 0x100010u);
    EXPECT_EQ(r->load_start, 0x100000u);
    EXPECT_EQ(r->load_end, 0x200010u);
    EXPECT_EQ(ram.range(0x100000, 0x100), std::vector<uint8_t>(0x100, 0xaa));
    EXPECT_EQ(ram.range(0x100100, 0x1f00), std::vector<uint8_t>(0x1f00, 0));
    EXPECT_EQ(ram.u8(0x102000), 0xcc);
    EXPECT_EQ(ram.range(0x200000, 0x10), std::vector<uint8_t>(0x10, 0xbb));
}

TEST(Multiboot, EntryState) {
    GuestRam ram(kRamSize);
    auto kernel = make_elf32({{0x100000, 0x100000, 0x100, 0x100, 0x90}}, 0x100020);
    auto r = load_multiboot(config_for(kernel), ram.mem());
    ASSERT_TRUE(r.ok());
    const X86CpuState& s = r->cpu;
    EXPECT_EQ(s.regs[RAX], 0x2badb002u);
    EXPECT_EQ(s.regs[RBX], pc::kMultibootInfo);
    EXPECT_EQ(s.rip, 0x100020u);
    EXPECT_EQ(s.cr0 & 0x80000001u, 1u);  // protected mode, paging off
    EXPECT_EQ(s.efer, 0u);
    EXPECT_EQ(s.rflags & 0x200u, 0u);
    EXPECT_TRUE(s.seg[CS].db);
    EXPECT_EQ(s.seg[CS].base, 0u);
    EXPECT_EQ(s.seg[CS].limit, 0xffffffffu);
    for (SegReg reg : {DS, ES, SS}) {
        EXPECT_EQ(s.seg[reg].base, 0u);
        EXPECT_EQ(s.seg[reg].limit, 0xffffffffu);
    }
}

TEST(Multiboot, InfoStructure) {
    GuestRam ram(kRamSize);
    auto kernel = make_elf32({{0x100000, 0x100000, 0x100, 0x100, 0x90}}, 0x100000);
    MultibootConfig config = config_for(kernel, "/boot/k.elf console=ttyS0");
    config.ram.above_4g = 1ull << 30;
    ASSERT_TRUE(load_multiboot(config, ram.mem()).ok());
    const uint64_t info = pc::kMultibootInfo;
    uint32_t flags = ram.u32(info);
    EXPECT_EQ(flags, (1u << 0) | (1u << 2) | (1u << 3) | (1u << 6) | (1u << 9));
    EXPECT_EQ(ram.u32(info + 4), 639u);                          // mem_lower, KiB
    EXPECT_EQ(ram.u32(info + 8), (kRamSize - 0x100000) / 1024);  // mem_upper, KiB
    EXPECT_EQ(ram.c_string(ram.u32(info + 16)), "/boot/k.elf console=ttyS0");
    EXPECT_EQ(ram.c_string(ram.u32(info + 64)), "kemu");
    EXPECT_EQ(ram.u32(info + 20), 0u);  // mods_count

    ASSERT_EQ(ram.u32(info + 44), 5u * 24);
    uint64_t mmap = ram.u32(info + 48);
    struct Expected {
        uint64_t base, len;
        uint32_t type;
    };
    const Expected expected[] = {{0, 0x9fc00, 1},
                                 {0x9fc00, 0x400, 2},
                                 {0xe0000, 0x20000, 2},
                                 {0x100000, kRamSize - 0x100000, 1},
                                 {0x100000000ull, 1ull << 30, 1}};
    for (size_t i = 0; i < 5; i++) {
        uint64_t e = mmap + i * 24;
        EXPECT_EQ(ram.u32(e), 20u) << i;  // size field excludes itself
        EXPECT_EQ(ram.u64(e + 4), expected[i].base) << i;
        EXPECT_EQ(ram.u64(e + 12), expected[i].len) << i;
        EXPECT_EQ(ram.u32(e + 20), expected[i].type) << i;
    }
}

TEST(Multiboot, ModulesArePageAlignedAfterTheKernel) {
    GuestRam ram(kRamSize);
    auto kernel = make_elf32({{0x100000, 0x100000, 0x100, 0x1800, 0x90}}, 0x100000);
    std::vector<uint8_t> mod_a(0x1234, 0xa1), mod_b(10, 0xb2);
    MultibootConfig config = config_for(kernel);
    config.modules = {{mod_a, "/a.bin x=1"}, {mod_b, "/b.bin"}};
    ASSERT_TRUE(load_multiboot(config, ram.mem()).ok());
    const uint64_t info = pc::kMultibootInfo;
    ASSERT_EQ(ram.u32(info + 20), 2u);
    uint64_t mods = ram.u32(info + 24);
    EXPECT_EQ(ram.u32(mods), 0x102000u);
    EXPECT_EQ(ram.u32(mods + 4), 0x102000u + 0x1234);
    EXPECT_EQ(ram.c_string(ram.u32(mods + 8)), "/a.bin x=1");
    EXPECT_EQ(ram.u32(mods + 12), 0u);
    EXPECT_EQ(ram.u32(mods + 16), 0x104000u);
    EXPECT_EQ(ram.u32(mods + 20), 0x10400au);
    EXPECT_EQ(ram.c_string(ram.u32(mods + 24)), "/b.bin");
    EXPECT_EQ(ram.range(0x102000, 0x1234), mod_a);
    EXPECT_EQ(ram.range(0x104000, 10), mod_b);
}

TEST(Multiboot, ModuleThatDoesNotFit) {
    GuestRam ram(kRamSize);
    auto kernel = make_elf32({{0x100000, 0x100000, 0x100, 0x100, 0x90}}, 0x100000);
    std::vector<uint8_t> big(kRamSize - 0x100000, 0);
    MultibootConfig config = config_for(kernel);
    config.modules = {{big, "/big"}};
    auto r = load_multiboot(config, ram.mem());
    ASSERT_FALSE(r.ok());
    EXPECT_THAT(r.error().message(), HasSubstr("does not fit"));
}

TEST(Multiboot, HigherHalfEntryIsTranslatedToPhysical) {
    GuestRam ram(kRamSize);
    auto kernel = make_elf32({{0xc0100000, 0x100000, 0x100, 0x100, 0x90}}, 0xc010000c);
    auto r = load_multiboot(config_for(kernel), ram.mem());
    ASSERT_TRUE(r.ok()) << r.error().message();
    EXPECT_EQ(r->entry, 0x10000cu);
    EXPECT_EQ(r->cpu.rip, 0x10000cu);
    EXPECT_EQ(ram.u8(0x100000), 0x90);
}

// a.out kludge: 0x200 bytes of file; load 0x100 of it at 1 MiB, bss to 1 MiB + 0x1000.
std::vector<uint8_t> make_aout(uint32_t header_addr, uint32_t load_addr, uint32_t load_end,
                               uint32_t bss_end, uint32_t entry) {
    std::vector<uint8_t> b(0x200);
    for (size_t i = 0; i < b.size(); i++)
        b[i] = uint8_t(i);
    put_header(b, 0x40, 0x10003);
    put32(b, 0x4c, header_addr);
    put32(b, 0x50, load_addr);
    put32(b, 0x54, load_end);
    put32(b, 0x58, bss_end);
    put32(b, 0x5c, entry);
    return b;
}

TEST(Multiboot, AoutKludge) {
    GuestRam ram(kRamSize, 0xcc);
    auto kernel = make_aout(0x100040, 0x100000, 0x100100, 0x101000, 0x100080);
    auto r = load_multiboot(config_for(kernel), ram.mem());
    ASSERT_TRUE(r.ok()) << r.error().message();
    EXPECT_EQ(r->entry, 0x100080u);
    EXPECT_EQ(r->load_end, 0x101000u);
    EXPECT_EQ(ram.range(0x100000, 0x100),
              std::vector<uint8_t>(kernel.begin(), kernel.begin() + 0x100));
    EXPECT_EQ(ram.range(0x100100, 0xf00), std::vector<uint8_t>(0xf00, 0));
    EXPECT_EQ(ram.u8(0x101000), 0xcc);
}

TEST(Multiboot, AoutKludgeDefaultsToWholeFileAndNoBss) {
    GuestRam ram(kRamSize, 0xcc);
    // The header sits 0x40 into the file, so the file starts 0x40 before header_addr.
    auto kernel = make_aout(0x200040, 0x200000, 0, 0, 0x200000);
    auto r = load_multiboot(config_for(kernel), ram.mem());
    ASSERT_TRUE(r.ok()) << r.error().message();
    EXPECT_EQ(r->load_end, 0x200200u);
    EXPECT_EQ(ram.range(0x200000, 0x200), kernel);
    EXPECT_EQ(ram.u8(0x200200), 0xcc);
}

TEST(Multiboot, ElfKernelWithAoutFlagUsesTheAddressFields) {
    GuestRam ram(kRamSize);
    auto kernel = make_elf32({{0x100000, 0x300000, 0x100, 0x100, 0x90}}, 0x123456, 0x10003);
    put32(kernel, 0x8c, 0x100080);  // header_addr: the header is at file offset 0x80
    put32(kernel, 0x90, 0x100000);
    put32(kernel, 0x94, 0);
    put32(kernel, 0x98, 0);
    put32(kernel, 0x9c, 0x100000);
    auto r = load_multiboot(config_for(kernel), ram.mem());
    ASSERT_TRUE(r.ok()) << r.error().message();
    EXPECT_EQ(r->entry, 0x100000u);
    EXPECT_EQ(ram.u8(0x100000), 0x7f);  // the ELF header itself, loaded raw
    EXPECT_EQ(ram.u8(0x300000), 0);
}

TEST(Multiboot, Rejections) {
    struct Case {
        const char* what;
        std::vector<uint8_t> image;
        std::string message;
    };
    std::vector<uint8_t> not_elf(0x100, 0);
    put_header(not_elf, 0x10, 0x3);
    std::vector<Case> cases = {
        {"no header", std::vector<uint8_t>(0x100, 0), "no Multiboot header"},
        {"ELF64", make_elf32({{0x100000, 0x100000, 0x10, 0x10, 0}}, 0x100000, 0x3, 2),
         "ELF64 multiboot kernels are not supported"},
        {"video", make_elf32({{0x100000, 0x100000, 0x10, 0x10, 0}}, 0x100000, 0x7),
         "requires a video mode"},
        {"unknown flag", make_elf32({{0x100000, 0x100000, 0x10, 0x10, 0}}, 0x100000, 0x23),
         "header flags 0x20"},
        {"not ELF, no kludge", not_elf, "neither ELF nor"},
        {"below 1 MiB", make_elf32({{0x8000, 0x8000, 0x10, 0x10, 0}}, 0x8000), "below 1 MiB"},
        {"beyond RAM", make_elf32({{0x100000, uint32_t(kRamSize) - 8, 0x10, 0x10, 0}}, 0x100000),
         "beyond guest RAM"},
        {"no segments", make_elf32({}, 0x100000), "no loadable segment"},
        {"aout load_addr above header_addr", make_aout(0x100040, 0x100100, 0, 0, 0x100100),
         "do not match"},
        {"aout load_end past file", make_aout(0x100040, 0x100000, 0x100400, 0, 0x100000),
         "shorter than load_end_addr"},
        {"aout bss before load end", make_aout(0x100040, 0x100000, 0x100100, 0x100080, 0x100000),
         "bss_end_addr"},
    };
    auto past_file = make_elf32({{0x100000, 0x100000, 0x10, 0x10, 0}}, 0x100000);
    put32(past_file, 52 + 16, 0x100000);  // filesz far beyond the file
    put32(past_file, 52 + 20, 0x100000);
    cases.push_back({"segment past file", past_file, "lies outside the file"});
    auto bad_phdrs = make_elf32({{0x100000, 0x100000, 0x10, 0x10, 0}}, 0x100000);
    put16(bad_phdrs, 44, 0xffff);
    cases.push_back({"program headers past file", bad_phdrs, "program headers lie outside"});

    for (const Case& c : cases) {
        GuestRam ram(kRamSize);
        auto r = load_multiboot(config_for(c.image), ram.mem());
        ASSERT_FALSE(r.ok()) << c.what;
        EXPECT_THAT(r.error().message(), HasSubstr(c.message)) << c.what;
    }
}

TEST(Multiboot, ModuleList) {
    auto specs = parse_multiboot_module_list("/a.bin x=1,/b.bin,,c,,/d y");
    ASSERT_EQ(specs.size(), 2u);
    EXPECT_EQ(specs[0].path, "/a.bin");
    EXPECT_EQ(specs[0].cmdline, "/a.bin x=1");
    EXPECT_EQ(specs[1].path, "/b.bin,c,/d");
    EXPECT_EQ(specs[1].cmdline, "/b.bin,c,/d y");
    EXPECT_TRUE(parse_multiboot_module_list("").empty());
    EXPECT_EQ(parse_multiboot_module_list("x,").size(), 1u);
}

}  // namespace
}  // namespace kemu
