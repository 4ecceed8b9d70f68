#include "hw/i386/linux_boot.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstddef>

#include "guest_ram.h"
#include "hw/i386/pc_layout.h"

namespace kemu {
namespace {

using test::GuestRam;
using ::testing::HasSubstr;

constexpr uint64_t kRamSize = 16ull << 20;

// Offsets in boot_params as Documentation/arch/x86/zero-page.rst and boot.rst list them.
#define EXPECT_OFFSET(member, documented) EXPECT_EQ(offsetof(BootParams, member), documented)

TEST(BootParamsLayout, ZeroPageFields) {
    EXPECT_OFFSET(screen_info, 0x000u);
    EXPECT_OFFSET(apm_bios_info, 0x040u);
    EXPECT_OFFSET(tboot_addr, 0x058u);
    EXPECT_OFFSET(ist_info, 0x060u);
    EXPECT_OFFSET(acpi_rsdp_addr, 0x070u);
    EXPECT_OFFSET(hd0_info, 0x080u);
    EXPECT_OFFSET(hd1_info, 0x090u);
    EXPECT_OFFSET(sys_desc_table, 0x0a0u);
    EXPECT_OFFSET(olpc_ofw_header, 0x0b0u);
    EXPECT_OFFSET(ext_ramdisk_image, 0x0c0u);
    EXPECT_OFFSET(ext_ramdisk_size, 0x0c4u);
    EXPECT_OFFSET(ext_cmd_line_ptr, 0x0c8u);
    EXPECT_OFFSET(cc_blob_address, 0x13cu);
    EXPECT_OFFSET(edid_info, 0x140u);
    EXPECT_OFFSET(efi_info, 0x1c0u);
    EXPECT_OFFSET(alt_mem_k, 0x1e0u);
    EXPECT_OFFSET(scratch, 0x1e4u);
    EXPECT_OFFSET(e820_entries, 0x1e8u);
    EXPECT_OFFSET(eddbuf_entries, 0x1e9u);
    EXPECT_OFFSET(edd_mbr_sig_buf_entries, 0x1eau);
    EXPECT_OFFSET(kbd_status, 0x1ebu);
    EXPECT_OFFSET(secure_boot, 0x1ecu);
    EXPECT_OFFSET(sentinel, 0x1efu);
    EXPECT_OFFSET(hdr, 0x1f1u);
    EXPECT_OFFSET(edd_mbr_sig_buffer, 0x290u);
    EXPECT_OFFSET(e820_table, 0x2d0u);
    EXPECT_OFFSET(eddbuf, 0xd00u);
    EXPECT_EQ(sizeof(BootE820Entry), 20u);
}

TEST(BootParamsLayout, SetupHeaderFields) {
    EXPECT_OFFSET(hdr.setup_sects, 0x1f1u);
    EXPECT_OFFSET(hdr.root_flags, 0x1f2u);
    EXPECT_OFFSET(hdr.syssize, 0x1f4u);
    EXPECT_OFFSET(hdr.ram_size, 0x1f8u);
    EXPECT_OFFSET(hdr.vid_mode, 0x1fau);
    EXPECT_OFFSET(hdr.root_dev, 0x1fcu);
    EXPECT_OFFSET(hdr.boot_flag, 0x1feu);
    EXPECT_OFFSET(hdr.jump, 0x200u);
    EXPECT_OFFSET(hdr.header, 0x202u);
    EXPECT_OFFSET(hdr.version, 0x206u);
    EXPECT_OFFSET(hdr.realmode_swtch, 0x208u);
    EXPECT_OFFSET(hdr.start_sys_seg, 0x20cu);
    EXPECT_OFFSET(hdr.kernel_version, 0x20eu);
    EXPECT_OFFSET(hdr.type_of_loader, 0x210u);
    EXPECT_OFFSET(hdr.loadflags, 0x211u);
    EXPECT_OFFSET(hdr.setup_move_size, 0x212u);
    EXPECT_OFFSET(hdr.code32_start, 0x214u);
    EXPECT_OFFSET(hdr.ramdisk_image, 0x218u);
    EXPECT_OFFSET(hdr.ramdisk_size, 0x21cu);
    EXPECT_OFFSET(hdr.bootsect_kludge, 0x220u);
    EXPECT_OFFSET(hdr.heap_end_ptr, 0x224u);
    EXPECT_OFFSET(hdr.ext_loader_ver, 0x226u);
    EXPECT_OFFSET(hdr.ext_loader_type, 0x227u);
    EXPECT_OFFSET(hdr.cmd_line_ptr, 0x228u);
    EXPECT_OFFSET(hdr.initrd_addr_max, 0x22cu);
    EXPECT_OFFSET(hdr.kernel_alignment, 0x230u);
    EXPECT_OFFSET(hdr.relocatable_kernel, 0x234u);
    EXPECT_OFFSET(hdr.min_alignment, 0x235u);
    EXPECT_OFFSET(hdr.xloadflags, 0x236u);
    EXPECT_OFFSET(hdr.cmdline_size, 0x238u);
    EXPECT_OFFSET(hdr.hardware_subarch, 0x23cu);
    EXPECT_OFFSET(hdr.hardware_subarch_data, 0x240u);
    EXPECT_OFFSET(hdr.payload_offset, 0x248u);
    EXPECT_OFFSET(hdr.payload_length, 0x24cu);
    EXPECT_OFFSET(hdr.setup_data, 0x250u);
    EXPECT_OFFSET(hdr.pref_address, 0x258u);
    EXPECT_OFFSET(hdr.init_size, 0x260u);
    EXPECT_OFFSET(hdr.handover_offset, 0x264u);
    EXPECT_OFFSET(hdr.kernel_info_offset, 0x268u);
}

// A synthetic bzImage: boot sector and setup sectors with a hand-written header,
// then `kernel_size` bytes of protected-mode "code" (a recognisable pattern).
struct FakeKernel {
    uint8_t setup_sects = 4;
    uint16_t version = 0x020f;
    uint16_t xloadflags = 0x3;  // XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G
    uint32_t initrd_addr_max = 0x7fffffff;
    uint32_t cmdline_size = 2047;
    uint32_t init_size = 0x10000;
    uint8_t header_len = 0x6a;  // byte at 0x201: header ends at 0x202 + 0x6a = 0x26c
    size_t kernel_size = 0x3000;

    std::vector<uint8_t> build() const {
        size_t setup = (setup_sects ? setup_sects : 4) + 1;
        std::vector<uint8_t> img(setup * 512 + kernel_size, 0);
        auto put = [&](size_t off, uint64_t v, unsigned n) {
            for (unsigned i = 0; i < n; i++)
                img[off + i] = uint8_t(v >> (8 * i));
        };
        put(0x1f1, setup_sects, 1);
        put(0x1fa, 0xffff, 2);  // vid_mode: normal
        put(0x1fe, 0xaa55, 2);
        put(0x200, 0xeb, 1);
        put(0x201, header_len, 1);
        put(0x202, 0x53726448, 4);  // "HdrS"
        put(0x206, version, 2);
        put(0x211, 0x01, 1);  // LOADED_HIGH
        put(0x22c, initrd_addr_max, 4);
        put(0x230, 0x200000, 4);
        put(0x234, 1, 1);
        put(0x236, xloadflags, 2);
        put(0x238, cmdline_size, 4);
        put(0x258, 0x1000000, 8);
        put(0x260, init_size, 4);
        put(0x268, 0xdeadbeef, 4);  // beyond the header when header_len is shorter
        for (size_t i = 0; i < kernel_size; i++)
            img[setup * 512 + i] = uint8_t(i * 7 + 1);
        return img;
    }
};

LinuxBootConfig config_for(const std::vector<uint8_t>& kernel, std::span<const uint8_t> initrd = {},
                           std::string cmdline = "console=ttyS0") {
    return {kernel, initrd, std::move(cmdline), {kRamSize, 0}};
}

TEST(LinuxBoot, LoadsProtectedModeKernelAt1MiB) {
    GuestRam ram(kRamSize);
    auto kernel = FakeKernel{}.build();
    auto r = load_linux(config_for(kernel), ram.mem());
    ASSERT_TRUE(r.ok()) << r.error().message();
    EXPECT_EQ(r->kernel_addr, 0x100000u);
    EXPECT_EQ(ram.range(0x100000, 0x3000),
              std::vector<uint8_t>(kernel.begin() + 5 * 512, kernel.end()));
    EXPECT_EQ(ram.u8(0x100000 + 0x3000), 0);  // nothing past the image
}

TEST(LinuxBoot, ZeroSetupSectsMeansFour) {
    GuestRam ram(kRamSize);
    FakeKernel fk;
    fk.setup_sects = 0;
    auto kernel = fk.build();
    auto r = load_linux(config_for(kernel), ram.mem());
    ASSERT_TRUE(r.ok()) << r.error().message();
    EXPECT_EQ(ram.u8(0x100000), kernel[5 * 512]);
    EXPECT_EQ(ram.u8(0x100001), kernel[5 * 512 + 1]);
}

TEST(LinuxBoot, BootParamsFields) {
    GuestRam ram(kRamSize);
    auto kernel = FakeKernel{}.build();
    ASSERT_TRUE(load_linux(config_for(kernel, {}, "console=ttyS0 quiet"), ram.mem()).ok());
    const uint64_t bp = pc::kBootParams;
    // Copied from the image.
    EXPECT_EQ(ram.u32(bp + 0x202), 0x53726448u);
    EXPECT_EQ(ram.u16(bp + 0x206), 0x020fu);
    EXPECT_EQ(ram.u8(bp + 0x1f1), 4u);
    EXPECT_EQ(ram.u16(bp + 0x1fa), 0xffffu);
    EXPECT_EQ(ram.u32(bp + 0x230), 0x200000u);
    EXPECT_EQ(ram.u64(bp + 0x258), 0x1000000u);
    EXPECT_EQ(ram.u32(bp + 0x260), 0x10000u);
    // Filled in by the loader.
    EXPECT_EQ(ram.u8(bp + 0x210), 0xffu);     // type_of_loader
    EXPECT_EQ(ram.u8(bp + 0x211), 0x81u);     // LOADED_HIGH | CAN_USE_HEAP
    EXPECT_EQ(ram.u16(bp + 0x224), 0xfe00u);  // heap_end_ptr
    EXPECT_EQ(ram.u32(bp + 0x228), pc::kBootCmdline);
    EXPECT_EQ(ram.u32(bp + 0x0c8), 0u);  // ext_cmd_line_ptr
    EXPECT_EQ(ram.u32(bp + 0x218), 0u);  // no initrd
    EXPECT_EQ(ram.u32(bp + 0x21c), 0u);
    EXPECT_EQ(ram.c_string(pc::kBootCmdline), "console=ttyS0 quiet");
}

TEST(LinuxBoot, CopiesOnlyTheHeaderTheImageDeclares) {
    GuestRam ram(kRamSize);
    FakeKernel fk;
    fk.header_len = 0x66;  // ends at 0x268: kernel_info_offset is not part of it
    auto kernel = fk.build();
    ASSERT_TRUE(load_linux(config_for(kernel), ram.mem()).ok());
    EXPECT_EQ(ram.u32(pc::kBootParams + 0x264), 0u);
    EXPECT_EQ(ram.u32(pc::kBootParams + 0x268), 0u);
    fk.header_len = 0x6a;
    kernel = fk.build();
    ASSERT_TRUE(load_linux(config_for(kernel), ram.mem()).ok());
    EXPECT_EQ(ram.u32(pc::kBootParams + 0x268), 0xdeadbeefu);
}

TEST(LinuxBoot, E820Table) {
    GuestRam ram(kRamSize);
    auto kernel = FakeKernel{}.build();
    LinuxBootConfig config = config_for(kernel);
    config.ram = {kRamSize, 1ull << 30};
    ASSERT_TRUE(load_linux(config, ram.mem()).ok());
    const uint64_t bp = pc::kBootParams;
    ASSERT_EQ(ram.u8(bp + 0x1e8), 5u);
    struct Expected {
        uint64_t addr, size;
        uint32_t type;
    };
    const Expected expected[] = {
        {0, 0x9fc00, 1},
        {0x9fc00, 0x400, 2},
        {0xe0000, 0x20000, 2},
        {0x100000, kRamSize - 0x100000, 1},
        {0x100000000ull, 1ull << 30, 1},
    };
    for (size_t i = 0; i < 5; i++) {
        uint64_t e = bp + 0x2d0 + i * 20;
        EXPECT_EQ(ram.u64(e), expected[i].addr) << i;
        EXPECT_EQ(ram.u64(e + 8), expected[i].size) << i;
        EXPECT_EQ(ram.u32(e + 16), expected[i].type) << i;
    }
    EXPECT_EQ(ram.u64(bp + 0x2d0 + 5 * 20), 0u);
}

TEST(LinuxBoot, InitrdAtTopOfLowRam) {
    GuestRam ram(kRamSize);
    auto kernel = FakeKernel{}.build();
    std::vector<uint8_t> initrd(5000);
    for (size_t i = 0; i < initrd.size(); i++)
        initrd[i] = uint8_t(i ^ 0x5a);
    auto r = load_linux(config_for(kernel, initrd), ram.mem());
    ASSERT_TRUE(r.ok()) << r.error().message();
    // Highest 4 KiB-aligned start with 5000 bytes below 16 MiB.
    EXPECT_EQ(r->initrd_addr, 0xffe000u);
    EXPECT_EQ(ram.u32(pc::kBootParams + 0x218), 0xffe000u);
    EXPECT_EQ(ram.u32(pc::kBootParams + 0x21c), 5000u);
    EXPECT_EQ(ram.u32(pc::kBootParams + 0x0c0), 0u);
    EXPECT_EQ(ram.u32(pc::kBootParams + 0x0c4), 0u);
    EXPECT_EQ(ram.range(0xffe000, 5000), initrd);
}

TEST(LinuxBoot, InitrdHonoursInitrdAddrMax) {
    GuestRam ram(kRamSize);
    FakeKernel fk;
    fk.initrd_addr_max = 0x7fffff;  // 8 MiB - 1
    auto kernel = fk.build();
    std::vector<uint8_t> initrd(5000, 0x11);
    auto r = load_linux(config_for(kernel, initrd), ram.mem());
    ASSERT_TRUE(r.ok()) << r.error().message();
    EXPECT_EQ(r->initrd_addr, 0x7fe000u);
    EXPECT_EQ(ram.range(0x7fe000, 5000), initrd);
}

TEST(LinuxBoot, EntryState) {
    GuestRam ram(kRamSize);
    auto kernel = FakeKernel{}.build();
    auto r = load_linux(config_for(kernel), ram.mem());
    ASSERT_TRUE(r.ok());
    const X86CpuState& s = r->cpu;
    EXPECT_EQ(s.rip, 0x100200u);
    EXPECT_EQ(s.regs[RSI], pc::kBootParams);
    EXPECT_EQ(s.cr0 & 0x80000001u, 0x80000001u);  // PG | PE
    EXPECT_EQ(s.cr3, pc::kBootPml4);
    EXPECT_EQ(s.cr4 & 0x20u, 0x20u);     // PAE
    EXPECT_EQ(s.efer & 0x500u, 0x500u);  // LME | LMA
    EXPECT_EQ(s.rflags & 0x200u, 0u);    // interrupts off
    EXPECT_EQ(s.seg[CS].selector, 0x10u);
    EXPECT_TRUE(s.seg[CS].l);
    EXPECT_FALSE(s.seg[CS].db);
    for (SegReg r : {DS, ES, SS}) {
        EXPECT_EQ(s.seg[r].selector, 0x18u);
        EXPECT_EQ(s.seg[r].base, 0u);
        EXPECT_EQ(s.seg[r].limit, 0xffffffffu);
    }
    EXPECT_EQ(s.gdt.base, pc::kBootGdt);
    EXPECT_EQ(s.gdt.limit, 31u);
    // The GDT the selectors refer to is in guest memory.
    EXPECT_EQ(ram.u64(pc::kBootGdt + 0x10), 0x00af9b000000ffffull);
    EXPECT_EQ(ram.u64(pc::kBootGdt + 0x18), 0x00cf93000000ffffull);
    EXPECT_EQ(ram.u64(pc::kBootPml4) & ~0xfffull, pc::kBootPml4 + 0x1000);
}

struct Rejection {
    const char* what;
    FakeKernel kernel;
    size_t truncate_to;  // 0: keep the whole image
    std::string message;
};

TEST(LinuxBoot, Rejections) {
    std::vector<Rejection> cases;
    FakeKernel fk;
    cases.push_back({"too small", fk, 0x200, "not a bzImage"});
    cases.push_back({"truncated", fk, 5 * 512, "truncated bzImage"});
    FakeKernel old = fk;
    old.version = 0x020b;
    cases.push_back({"old", old, 0, "2.11 is too old"});
    FakeKernel no64 = fk;
    no64.xloadflags = 0x2;
    cases.push_back({"no 64-bit entry", no64, 0, "no 64-bit entry point"});
    FakeKernel huge = fk;
    huge.init_size = uint32_t(kRamSize);  // needs more than the RAM above 1 MiB
    cases.push_back({"too big", huge, 0, "too big for guest RAM"});
    for (const Rejection& c : cases) {
        GuestRam ram(kRamSize);
        auto image = c.kernel.build();
        if (c.truncate_to) image.resize(c.truncate_to);
        auto r = load_linux(config_for(image), ram.mem());
        ASSERT_FALSE(r.ok()) << c.what;
        EXPECT_THAT(r.error().message(), HasSubstr(c.message)) << c.what;
    }
}

TEST(LinuxBoot, RejectsImageWithoutHdrS) {
    GuestRam ram(kRamSize);
    auto image = FakeKernel{}.build();
    image[0x202] = 'X';
    auto r = load_linux(config_for(image), ram.mem());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message(), "not a bzImage (no HdrS signature)");
}

TEST(LinuxBoot, RejectsLongCommandLine) {
    GuestRam ram(kRamSize);
    FakeKernel fk;
    fk.cmdline_size = 10;
    auto kernel = fk.build();
    EXPECT_TRUE(load_linux(config_for(kernel, {}, std::string(10, 'a')), ram.mem()).ok());
    auto r = load_linux(config_for(kernel, {}, std::string(11, 'a')), ram.mem());
    ASSERT_FALSE(r.ok());
    EXPECT_THAT(r.error().message(), HasSubstr("command line too long"));
}

TEST(LinuxBoot, RejectsInitrdThatDoesNotFit) {
    GuestRam ram(kRamSize);
    auto kernel = FakeKernel{}.build();
    FakeKernel low;
    low.initrd_addr_max = 0x7fffff;
    auto low_kernel = low.build();
    // Fits under 16 MiB but not under initrd_addr_max (8 MiB) above the kernel.
    std::vector<uint8_t> initrd(10ull << 20);
    EXPECT_TRUE(load_linux(config_for(kernel, initrd), ram.mem()).ok());
    auto r = load_linux(config_for(low_kernel, initrd), ram.mem());
    ASSERT_FALSE(r.ok());
    EXPECT_THAT(r.error().message(), HasSubstr("initrd too big"));
    std::vector<uint8_t> huge(kRamSize);
    EXPECT_FALSE(load_linux(config_for(kernel, huge), ram.mem()).ok());
}

TEST(LinuxBoot, RejectsRamThatIsNotThere) {
    GuestRam ram(4ull << 20);  // the layout claims more RAM than the address space has
    auto kernel = FakeKernel{}.build();
    std::vector<uint8_t> initrd(100);
    auto r = load_linux(config_for(kernel, initrd), ram.mem());
    ASSERT_FALSE(r.ok());
    EXPECT_THAT(r.error().message(), HasSubstr("outside guest RAM"));
}

}  // namespace
}  // namespace kemu
