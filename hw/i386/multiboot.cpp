#include "hw/i386/multiboot.h"

#include <algorithm>
#include <cstring>

#include "hw/i386/boot_cpu_state.h"
#include "hw/i386/pc_layout.h"
#include "system/hex.h"
#include "system/log.h"

namespace kemu {
namespace {

using namespace multiboot;

constexpr uint64_t kPage = 4096;

// ELF32 (System V ABI, "Object Files") field offsets and values we check.
constexpr uint8_t kElfMagic[4] = {0x7f, 'E', 'L', 'F'};
constexpr unsigned kEiClass = 4, kEiData = 5;
constexpr uint8_t kElfClass32 = 1, kElfClass64 = 2, kElfData2Lsb = 1;
constexpr uint16_t kEtExec = 2, kEm386 = 3;
constexpr uint64_t kElfHeaderSize = 52, kPhdrSize = 32;
constexpr uint32_t kPtLoad = 1;

uint32_t le32(std::span<const uint8_t> b, uint64_t off) {
    uint32_t v;
    std::memcpy(&v, b.data() + off, 4);
    return v;
}
uint16_t le16(std::span<const uint8_t> b, uint64_t off) {
    uint16_t v;
    std::memcpy(&v, b.data() + off, 2);
    return v;
}
void put32(std::vector<uint8_t>& b, uint64_t off, uint32_t v) {
    std::memcpy(&b[off], &v, 4);
}
void put64(std::vector<uint8_t>& b, uint64_t off, uint64_t v) {
    std::memcpy(&b[off], &v, 8);
}

uint64_t align_up(uint64_t v, uint64_t a) {
    return (v + a - 1) & ~(a - 1);
}

struct LoadedImage {
    uint64_t start = UINT64_MAX;
    uint64_t end = 0;
    uint32_t entry = 0;
};

// The image may use RAM from 1 MiB up: our boot structures live below it.
Result<void> check_range(uint64_t start, uint64_t end, const PcRamLayout& ram) {
    if (start < pc::kHighMemory)
        return Error("multiboot kernel loads at 0x" + hex(start) + ", below 1 MiB");
    if (end > ram.below_4g)
        return Error("multiboot kernel ends at 0x" + hex(end) + ", beyond guest RAM (0x" +
                     hex(ram.below_4g) + ")");
    return ok();
}

Result<LoadedImage> load_aout(const MultibootHeader& h, std::span<const uint8_t> image,
                              const PcRamLayout& ram, AddressSpace& mem) {
    if (h.load_addr > h.header_addr || h.header_addr - h.load_addr > h.offset)
        return Error("multiboot header_addr/load_addr do not match the header's file offset");
    uint64_t file_offset = h.offset - (h.header_addr - h.load_addr);
    uint64_t load_size = image.size() - file_offset;
    if (h.load_end_addr != 0) {
        if (h.load_end_addr < h.load_addr) return Error("multiboot load_end_addr below load_addr");
        load_size = h.load_end_addr - h.load_addr;
        if (load_size > image.size() - file_offset)
            return Error("multiboot kernel is shorter than load_end_addr says");
    }
    uint64_t end = h.load_addr + load_size;
    uint64_t bss_end = h.bss_end_addr != 0 ? h.bss_end_addr : end;
    if (bss_end < end) return Error("multiboot bss_end_addr below load_end_addr");
    KEMU_TRY_VOID(check_range(h.load_addr, bss_end, ram));
    KEMU_TRY_VOID(write_guest(mem, h.load_addr, image.subspan(file_offset, load_size), "kernel"));
    KEMU_TRY_VOID(zero_guest(mem, end, bss_end - end, "kernel bss"));
    return LoadedImage{h.load_addr, bss_end, h.entry_addr};
}

Result<LoadedImage> load_elf32(std::span<const uint8_t> image, const PcRamLayout& ram,
                               AddressSpace& mem) {
    if (image.size() < kElfHeaderSize || !std::equal(kElfMagic, kElfMagic + 4, image.begin()))
        return Error("multiboot kernel is neither ELF nor marked with the a.out kludge");
    if (image[kEiClass] == kElfClass64)
        return Error("ELF64 multiboot kernels are not supported (Multiboot v1 loads ELF32)");
    if (image[kEiClass] != kElfClass32 || image[kEiData] != kElfData2Lsb ||
        le16(image, 18) != kEm386 || le16(image, 16) != kEtExec)
        return Error("multiboot kernel is not a little-endian i386 ELF32 executable");
    uint32_t entry = le32(image, 24);
    uint64_t phoff = le32(image, 28);
    uint64_t phentsize = le16(image, 42);
    uint64_t phnum = le16(image, 44);
    if (phentsize < kPhdrSize || phoff > image.size() || phnum * phentsize > image.size() - phoff)
        return Error("multiboot ELF program headers lie outside the file");

    LoadedImage loaded;
    uint64_t entry_phys = entry;
    for (uint64_t i = 0; i < phnum; i++) {
        auto ph = image.subspan(phoff + i * phentsize, kPhdrSize);
        uint64_t offset = le32(ph, 4), vaddr = le32(ph, 8), paddr = le32(ph, 12);
        uint64_t filesz = le32(ph, 16), memsz = le32(ph, 20);
        if (le32(ph, 0) != kPtLoad || memsz == 0) continue;
        if (filesz > memsz || offset > image.size() || filesz > image.size() - offset)
            return Error("multiboot ELF segment " + std::to_string(i) + " lies outside the file");
        KEMU_TRY_VOID(check_range(paddr, paddr + memsz, ram));
        KEMU_TRY_VOID(write_guest(mem, paddr, image.subspan(offset, filesz), "kernel"));
        KEMU_TRY_VOID(zero_guest(mem, paddr + filesz, memsz - filesz, "kernel bss"));
        loaded.start = std::min(loaded.start, paddr);
        loaded.end = std::max(loaded.end, paddr + memsz);
        // Paging is off at entry, so a virtual entry point must become physical.
        if (entry >= vaddr && entry - vaddr < memsz) entry_phys = paddr + (entry - vaddr);
    }
    if (loaded.end == 0) return Error("multiboot ELF kernel has no loadable segment");
    loaded.entry = uint32_t(entry_phys);
    return loaded;
}

// Accumulates NUL-terminated strings for the string area at pc::kBootCmdline.
class StringArea {
  public:
    uint32_t add(const std::string& s) {
        uint32_t addr = uint32_t(pc::kBootCmdline + bytes_.size());
        bytes_.insert(bytes_.end(), s.begin(), s.end());
        bytes_.push_back(0);
        return addr;
    }
    const std::vector<uint8_t>& bytes() const { return bytes_; }

  private:
    std::vector<uint8_t> bytes_;
};

}  // namespace

std::optional<MultibootHeader> find_multiboot_header(std::span<const uint8_t> image) {
    uint64_t limit = std::min<uint64_t>(image.size(), kSearchLimit);
    for (uint64_t off = 0; off + 12 <= limit; off += 4) {
        uint32_t magic = le32(image, off), flags = le32(image, off + 4);
        if (magic != kHeaderMagic || uint32_t(magic + flags + le32(image, off + 8)) != 0) continue;
        MultibootHeader h{off, flags, 0, 0, 0, 0, 0};
        if (flags & kFlagAoutKludge) {
            // The address fields are part of the header, which must lie within the limit.
            if (off + 32 > limit) continue;
            h.header_addr = le32(image, off + 12);
            h.load_addr = le32(image, off + 16);
            h.load_end_addr = le32(image, off + 20);
            h.bss_end_addr = le32(image, off + 24);
            h.entry_addr = le32(image, off + 28);
        }
        return h;
    }
    return std::nullopt;
}

std::vector<MultibootModuleSpec> parse_multiboot_module_list(std::string_view list) {
    std::vector<MultibootModuleSpec> specs;
    std::string current;
    auto finish = [&] {
        if (current.empty()) return;
        specs.push_back({current.substr(0, current.find(' ')), current});
        current.clear();
    };
    for (size_t i = 0; i < list.size(); i++) {
        if (list[i] != ',') {
            current += list[i];
        } else if (i + 1 < list.size() && list[i + 1] == ',') {
            current += ',';
            i++;
        } else {
            finish();
        }
    }
    finish();
    return specs;
}

Result<MultibootResult> load_multiboot(const MultibootConfig& config, AddressSpace& mem) {
    auto header = find_multiboot_header(config.kernel);
    if (!header) return Error("no Multiboot header in the first 8 KiB");
    uint32_t unsupported = header->flags & kRequiredMask & ~kSupportedRequired;
    if (unsupported & kFlagVideoMode)
        return Error(
            "multiboot kernel requires a video mode (header flag 2), which kemu does "
            "not provide");
    if (unsupported)
        return Error("multiboot kernel requires unsupported features (header flags 0x" +
                     hex(unsupported) + ")");
    if (config.modules.size() > kMaxModules)
        return Error("too many multiboot modules (" + std::to_string(config.modules.size()) +
                     ", at most " + std::to_string(kMaxModules) + ")");

    auto loaded = (header->flags & kFlagAoutKludge)
                      ? load_aout(*header, config.kernel, config.ram, mem)
                      : load_elf32(config.kernel, config.ram, mem);
    if (!loaded) return loaded.error();

    std::vector<uint8_t> page(kPage, 0);
    StringArea strings;
    uint32_t info_flags = kInfoMemory | kInfoCmdline | kInfoMods | kInfoMmap | kInfoLoaderName;
    put32(page, kInfoOffFlags, info_flags);
    put32(page, kInfoOffMemLower, uint32_t(kEbdaStart >> 10));
    put32(page, kInfoOffMemUpper, uint32_t((config.ram.below_4g - pc::kHighMemory) >> 10));
    put32(page, kInfoOffCmdline, strings.add(config.cmdline));
    put32(page, kInfoOffLoaderName, strings.add("kemu"));

    // Each mmap entry: size (20, not counting itself), base, length, type.
    std::vector<E820Entry> map = pc_e820_map(config.ram);
    for (size_t i = 0; i < map.size(); i++) {
        uint64_t at = kMmapOffset + i * 24;
        put32(page, at, 20);
        put64(page, at + 4, map[i].addr);
        put64(page, at + 12, map[i].size);
        put32(page, at + 20, uint32_t(map[i].type));
    }
    put32(page, kInfoOffMmapLength, uint32_t(map.size() * 24));
    put32(page, kInfoOffMmapAddr, uint32_t(pc::kMultibootInfo + kMmapOffset));

    // Modules follow the kernel, each page aligned (which also meets header flag 0).
    uint64_t next = align_up(loaded->end, kPage);
    for (size_t i = 0; i < config.modules.size(); i++) {
        const MultibootModule& m = config.modules[i];
        if (m.data.size() > config.ram.below_4g || next > config.ram.below_4g - m.data.size())
            return Error("multiboot module " + std::to_string(i) + " (" + m.cmdline +
                         ") does not fit in guest RAM");
        KEMU_TRY_VOID(write_guest(mem, next, m.data, "multiboot module"));
        uint64_t at = kModsOffset + i * kModEntrySize;
        put32(page, at, uint32_t(next));
        put32(page, at + 4, uint32_t(next + m.data.size()));
        put32(page, at + 8, strings.add(m.cmdline));
        next = align_up(next + m.data.size(), kPage);
    }
    put32(page, kInfoOffModsCount, uint32_t(config.modules.size()));
    put32(page, kInfoOffModsAddr, uint32_t(pc::kMultibootInfo + kModsOffset));

    if (strings.bytes().size() > kStringAreaSize)
        return Error("multiboot command line and module strings exceed 64 KiB");
    KEMU_TRY_VOID(write_guest(mem, pc::kBootCmdline, strings.bytes(), "multiboot strings"));
    KEMU_TRY_VOID(write_guest(mem, pc::kMultibootInfo, page, "multiboot info"));
    KEMU_TRY_VOID(write_boot_gdt(mem));

    MultibootResult result;
    result.cpu = protected_mode_entry_state(loaded->entry);
    result.cpu.regs[RAX] = kBootloaderMagic;
    result.cpu.regs[RBX] = pc::kMultibootInfo;
    result.load_start = uint32_t(loaded->start);
    result.load_end = uint32_t(loaded->end);
    result.entry = loaded->entry;
    return result;
}

}  // namespace kemu
