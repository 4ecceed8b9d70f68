#include "hw/nvram/fw_cfg.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "hw/core/device_state.h"
#include "system/hex.h"
#include "system/log.h"

namespace kemu {
namespace {

constexpr char kSignature[] = "QEMU";
// What the DMA address register reads as: "QEMU CFG" in address (big-endian) order.
constexpr char kDmaSignature[] = "QEMU CFG";
constexpr size_t kDirEntrySize = 64;
constexpr size_t kDmaDescriptorSize = 16;  // control, length (BE32), address (BE64)
// Bytes of guest memory a DMA read fills per step once the item has run out, so a
// guest-chosen length never sizes an allocation.
constexpr size_t kZeroChunk = 4096;

uint32_t load_be32(const uint8_t* p) {
    return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
}

uint64_t load_be64(const uint8_t* p) {
    return uint64_t(load_be32(p)) << 32 | load_be32(p + 4);
}

void store_be(uint8_t* p, uint64_t value, unsigned bytes) {
    for (unsigned i = 0; i < bytes; i++)
        p[i] = uint8_t(value >> (8 * (bytes - 1 - i)));
}

std::vector<uint8_t> little_endian(uint64_t value, unsigned bytes) {
    std::vector<uint8_t> out(bytes);
    for (unsigned i = 0; i < bytes; i++)
        out[i] = uint8_t(value >> (8 * i));
    return out;
}

bool is_device_key(uint16_t key) {
    return key == FwCfg::kKeySignature || key == FwCfg::kKeyId || key == FwCfg::kKeyFileDir;
}

bool is_file_key(uint16_t key) {
    return key >= FwCfg::kKeyFileFirst && key < FwCfg::kKeyWriteChannel;
}

}  // namespace

FwCfg::FwCfg(std::string name, AddressSpace& memory)
    : Device(std::move(name)),
      memory_(memory),
      ctl_region_(
          MemoryRegion::io("fwcfg", kCtlWindowSize,
                           IoOps{[this](uint64_t o, unsigned s) { return ctl_read(o, s); },
                                 [this](uint64_t o, uint64_t v, unsigned s) { ctl_write(o, v, s); },
                                 {1, 2, false},
                                 {1, 2, false}})),
      dma_region_(
          MemoryRegion::io("fwcfg.dma", kDmaWindowSize,
                           IoOps{[this](uint64_t o, unsigned s) { return dma_read(o, s); },
                                 [this](uint64_t o, uint64_t v, unsigned s) { dma_write(o, v, s); },
                                 {4, 8, false},
                                 {4, 8, false}})) {
    items_[kKeySignature].data.assign(kSignature, kSignature + 4);
    items_[kKeyId].data = little_endian(kIdTraditional | kIdDma, 4);
    rebuild_directory();
}

void FwCfg::reset() {
    key_ = kKeySignature;
    offset_ = 0;
    dma_address_high_ = 0;
}

Result<void> FwCfg::add_bytes(uint16_t key, std::vector<uint8_t> data) {
    if (key & kKeyWriteChannel)
        return Error("fw_cfg: key 0x" + hex(key) + " has the write-channel bit set");
    if (is_device_key(key)) return Error("fw_cfg: key 0x" + hex(key) + " belongs to the device");
    if (is_file_key(key)) return Error("fw_cfg: key 0x" + hex(key) + " is in the file range");
    items_[key] = Item{std::move(data), nullptr};
    return ok();
}

Result<void> FwCfg::add_u16(uint16_t key, uint16_t value) {
    return add_bytes(key, little_endian(value, 2));
}

Result<void> FwCfg::add_u32(uint16_t key, uint32_t value) {
    return add_bytes(key, little_endian(value, 4));
}

Result<void> FwCfg::add_u64(uint16_t key, uint64_t value) {
    return add_bytes(key, little_endian(value, 8));
}

Result<void> FwCfg::add_file(std::string_view name, std::vector<uint8_t> data,
                             WriteCallback on_write) {
    std::string n(name);
    if (n.empty() || n.size() > kMaxFileName || n.find('\0') != std::string::npos)
        return Error("fw_cfg: invalid file name '" + n + "' (1 to " + std::to_string(kMaxFileName) +
                     " characters)");
    if (data.size() > UINT32_MAX) return Error("fw_cfg: file '" + n + "' is too large");
    auto at = std::lower_bound(files_.begin(), files_.end(), n,
                               [](const File& f, const std::string& s) { return f.name < s; });
    if (at != files_.end() && at->name == n) return Error("fw_cfg: duplicate file '" + n + "'");
    if (kKeyFileFirst + files_.size() >= kKeyWriteChannel) return Error("fw_cfg: too many files");
    files_.insert(at, File{std::move(n), Item{std::move(data), std::move(on_write)}});
    rebuild_directory();
    return ok();
}

const std::vector<uint8_t>* FwCfg::file(std::string_view name) const {
    for (const File& f : files_)
        if (f.name == name) return &f.item.data;
    return nullptr;
}

uint16_t FwCfg::file_key(std::string_view name) const {
    for (size_t i = 0; i < files_.size(); i++)
        if (files_[i].name == name) return uint16_t(kKeyFileFirst + i);
    return 0xffff;
}

// FWCfgFiles: a big-endian count, then per file its size (BE32), key (BE16), two
// reserved bytes and the NUL-padded name.
void FwCfg::rebuild_directory() {
    std::vector<uint8_t> dir(4 + files_.size() * kDirEntrySize, 0);
    store_be(dir.data(), files_.size(), 4);
    for (size_t i = 0; i < files_.size(); i++) {
        uint8_t* entry = &dir[4 + i * kDirEntrySize];
        store_be(entry, files_[i].item.data.size(), 4);
        store_be(entry + 4, kKeyFileFirst + i, 2);
        std::memcpy(entry + 8, files_[i].name.data(), files_[i].name.size());
    }
    items_[kKeyFileDir].data = std::move(dir);
}

FwCfg::Item* FwCfg::item(uint16_t key) {
    if (is_file_key(key)) {
        size_t index = key - kKeyFileFirst;
        return index < files_.size() ? &files_[index].item : nullptr;
    }
    auto it = items_.find(key);
    return it == items_.end() ? nullptr : &it->second;
}

void FwCfg::select(uint16_t key) {
    key_ = key & ~kKeyWriteChannel;
    offset_ = 0;
}

// Past the end of the item (or with no item selected) the data port reads 0.
uint8_t FwCfg::read_data_byte() {
    const Item* it = item(key_);
    if (!it || offset_ >= it->data.size()) return 0;
    return it->data[offset_++];
}

uint64_t FwCfg::ctl_read(uint64_t offset, unsigned size) {
    if (offset == kDataOffset && size == 1) return read_data_byte();
    log_guest_error("%s: %u-byte read of the selector port (offset %llu)", name().c_str(), size,
                    (unsigned long long)offset);
    return 0;
}

void FwCfg::ctl_write(uint64_t offset, uint64_t value, unsigned size) {
    if (offset == kSelectorOffset && size == 2) {
        select(uint16_t(value));
        return;
    }
    // The data port stopped taking writes in QEMU 2.4; firmware writes through DMA.
    if (offset == kDataOffset && size == 1) return;
    log_guest_error("%s: %u-byte write at offset %llu ignored", name().c_str(), size,
                    (unsigned long long)offset);
}

uint64_t FwCfg::dma_read(uint64_t offset, unsigned size) const {
    uint64_t value = 0;
    for (unsigned i = 0; i < size && offset + i < kDmaWindowSize; i++)
        value |= uint64_t(uint8_t(kDmaSignature[offset + i])) << (8 * i);
    return value;
}

// The register holds the address big-endian: the high half at offset 0, the low half
// at offset 4. Port accesses arrive little-endian, hence the byte swaps.
void FwCfg::dma_write(uint64_t offset, uint64_t value, unsigned size) {
    if (offset == 0 && size == 4) {
        dma_address_high_ = __builtin_bswap32(uint32_t(value));
        return;
    }
    uint64_t descriptor;
    if (offset == 4 && size == 4)
        descriptor = uint64_t(dma_address_high_) << 32 | __builtin_bswap32(uint32_t(value));
    else if (offset == 0 && size == 8)
        descriptor = __builtin_bswap64(value);
    else {
        log_guest_error("%s: %u-byte write at DMA register offset %llu ignored", name().c_str(),
                        size, (unsigned long long)offset);
        return;
    }
    dma_address_high_ = 0;  // the register reads as zero after each operation
    run_dma(descriptor);
}

void FwCfg::run_dma(uint64_t descriptor) {
    std::array<uint8_t, kDmaDescriptorSize> access;
    if (memory_.read_bytes(descriptor, access) != MemTxResult::Ok) {
        log_guest_error("%s: DMA descriptor at 0x%llx is not in RAM", name().c_str(),
                        (unsigned long long)descriptor);
        return;
    }
    uint32_t control = load_be32(&access[0]);
    uint32_t result = dma_transfer(control, load_be32(&access[4]), load_be64(&access[8]));
    std::array<uint8_t, 4> done;
    store_be(done.data(), result, 4);
    if (memory_.write_bytes(descriptor, done) != MemTxResult::Ok)
        log_guest_error("%s: cannot store the DMA status at 0x%llx", name().c_str(),
                        (unsigned long long)descriptor);
}

uint32_t FwCfg::dma_transfer(uint32_t control, uint32_t length, uint64_t address) {
    if (control & kDmaSelect) select(uint16_t(control >> 16));
    if (control & kDmaRead) return dma_read_item(length, address) ? 0 : kDmaError;
    if (control & kDmaWrite) return dma_write_item(length, address) ? 0 : kDmaError;
    if (control & kDmaSkip) {
        const Item* it = item(key_);
        uint64_t size = it ? it->data.size() : 0;
        offset_ = uint32_t(std::min<uint64_t>(size, uint64_t(offset_) + length));
    }
    return 0;
}

// Copies what is left of the item and fills the rest of the buffer with zeros, as a
// read past the end of an item returns zeros.
bool FwCfg::dma_read_item(uint32_t length, uint64_t address) {
    const Item* it = item(key_);
    uint64_t available = it && offset_ < it->data.size() ? it->data.size() - offset_ : 0;
    uint64_t from_item = std::min<uint64_t>(available, length);
    if (from_item > 0 && memory_.write_bytes(address, std::span(it->data).subspan(
                                                          offset_, from_item)) != MemTxResult::Ok) {
        log_guest_error("%s: DMA read into 0x%llx+0x%llx: not RAM", name().c_str(),
                        (unsigned long long)address, (unsigned long long)from_item);
        return false;
    }
    offset_ += uint32_t(from_item);
    static constexpr std::array<uint8_t, kZeroChunk> kZeros{};
    for (uint64_t done = from_item; done < length;) {
        uint64_t n = std::min<uint64_t>(kZeroChunk, length - done);
        if (memory_.write_bytes(address + done, std::span(kZeros).first(n)) != MemTxResult::Ok) {
            log_guest_error("%s: DMA read into 0x%llx: not RAM", name().c_str(),
                            (unsigned long long)(address + done));
            return false;
        }
        done += n;
    }
    return true;
}

// Writes may not resize an item: one that would run past its end is dropped whole.
bool FwCfg::dma_write_item(uint32_t length, uint64_t address) {
    Item* it = item(key_);
    if (!it || !it->on_write) {
        log_guest_error("%s: DMA write to read-only item 0x%x", name().c_str(), key_);
        return false;
    }
    if (uint64_t(offset_) + length > it->data.size()) {
        log_guest_error("%s: DMA write of %u bytes at offset %u runs past item 0x%x (%zu bytes)",
                        name().c_str(), length, offset_, key_, it->data.size());
        return false;
    }
    std::vector<uint8_t> bytes(length);  // bounded by the item's size, checked above
    if (memory_.read_bytes(address, bytes) != MemTxResult::Ok) {
        log_guest_error("%s: DMA write from 0x%llx+0x%x: not RAM", name().c_str(),
                        (unsigned long long)address, length);
        return false;
    }
    uint32_t at = offset_;
    std::copy(bytes.begin(), bytes.end(), it->data.begin() + at);
    offset_ += length;
    it->on_write(at, length);
    return true;
}

void FwCfg::save(StateWriter& out) const {
    state_fields(*this, out);
}

// A writable file's length is the machine's: a stream holding another length is malformed.
Result<void> FwCfg::load(StateReader& in, uint32_t version) {
    KEMU_TRY_VOID(check_state_version(*this, version));
    state_fields(*this, in);
    key_ &= ~kKeyWriteChannel;
    return finish_load(*this, in);
}

std::string FwCfg::describe() const {
    std::string out = "items " + std::to_string(items_.size()) + ", files " +
                      std::to_string(files_.size()) + "\n";
    for (const File& f : files_)
        out += "file " + f.name + " (" + std::to_string(f.item.data.size()) + " bytes)\n";
    return out;
}

}  // namespace kemu
