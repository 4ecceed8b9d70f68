#include "hw/misc/pc_testdev.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdio>

#include "hw/core/device_state.h"
#include "system/log.h"

namespace kemu {

namespace {

constexpr uint64_t kPageSize = 4096;
constexpr unsigned kDataBytes = 4;

}  // namespace

PcTestdev::PcTestdev(std::string name, AddressSpace* guest_memory)
    : Device(std::move(name)),
      guest_memory_(guest_memory),
      iomem_bytes_(kIomemSize, 0),
      data_io_(MemoryRegion::io(
          this->name() + "-ioport", kDataBytes,
          IoOps{
              .read = [this](uint64_t offset, unsigned size) { return read_data(offset, size); },
              .write = [this](uint64_t offset, uint64_t value,
                              unsigned size) { write_data(offset, value, size); },
              .valid = {1, 4, true},
              .impl = {1, 4, true},
          })),
      flush_page_io_(MemoryRegion::io(
          this->name() + "-flush-page", 4,
          IoOps{
              .read = nullptr,
              .write = [this](uint64_t, uint64_t value, unsigned) { flush_page(value); },
              // The address is one 32-bit write; anything else is ignored by the bus.
              .valid = {4, 4, false},
              .impl = {4, 4, false},
          })),
      data_bytes_io_(MemoryRegion::io(
          this->name() + "-ioport-byte", kDataBytes,
          IoOps{
              .read = [this](uint64_t offset, unsigned size) { return read_data(offset, size); },
              .write = [this](uint64_t offset, uint64_t value,
                              unsigned size) { write_data(offset, value, size); },
              .valid = {1, 4, true},
              // The point of this window: the bus must split a wide access into bytes.
              .impl = {1, 1, false},
          })),
      irq_lines_io_(
          MemoryRegion::io(this->name() + "-irq-line", kIrqLines,
                           IoOps{
                               .read = nullptr,
                               .write = [this](uint64_t offset, uint64_t value,
                                               unsigned) { irqs_[offset].set(value != 0); },
                               .valid = {1, 1, false},
                               .impl = {1, 1, false},
                           })),
      iomem_(MemoryRegion::io(
          this->name() + "-iomem", kIomemSize,
          IoOps{
              .read = [this](uint64_t offset, unsigned size) { return read_iomem(offset, size); },
              .write = [this](uint64_t offset, uint64_t value,
                              unsigned size) { write_iomem(offset, value, size); },
              .valid = {1, 8, true},
              .impl = {1, 8, true},
          })) {}

// The register is little-endian: byte i of an access is byte offset+i of the register.
uint64_t PcTestdev::read_data(uint64_t offset, unsigned size) const {
    uint64_t value = 0;
    for (unsigned i = 0; i < size && offset + i < kDataBytes; i++)
        value |= uint64_t((data_ >> (8 * (offset + i))) & 0xff) << (8 * i);
    return value;
}

void PcTestdev::write_data(uint64_t offset, uint64_t value, unsigned size) {
    for (unsigned i = 0; i < size && offset + i < kDataBytes; i++) {
        unsigned shift = unsigned(8 * (offset + i));
        data_ = (data_ & ~(0xffu << shift)) | (uint32_t((value >> (8 * i)) & 0xff) << shift);
    }
}

void PcTestdev::flush_page(uint64_t guest_address) {
    uint64_t page = guest_address & ~(kPageSize - 1);
    const FlatRange* range = guest_memory_ ? guest_memory_->flat_view().lookup(page) : nullptr;
    uint8_t* host = range && range->region->kind() == MemoryRegion::Kind::Ram
                        ? guest_memory_->host_pointer(page, kPageSize)
                        : nullptr;
    if (!host || reinterpret_cast<uintptr_t>(host) % kPageSize != 0) {
        log_guest_error("pc-testdev: flush-page 0x%llx is not a RAM page",
                        (unsigned long long)guest_address);
        return;
    }
    // Taking the page away from the host and giving it back makes KVM drop its
    // mapping through the MMU notifier; the guest's next access faults it in again.
    // With no accelerator mapping (TCG) the page simply stays as it was.
    mprotect(host, kPageSize, PROT_NONE);
    mprotect(host, kPageSize, PROT_READ | PROT_WRITE);
}

uint64_t PcTestdev::read_iomem(uint64_t offset, unsigned size) const {
    uint64_t value = 0;
    for (unsigned i = 0; i < size && offset + i < kIomemSize; i++)
        value |= uint64_t(iomem_bytes_[offset + i]) << (8 * i);
    return value;
}

void PcTestdev::write_iomem(uint64_t offset, uint64_t value, unsigned size) {
    for (unsigned i = 0; i < size && offset + i < kIomemSize; i++)
        iomem_bytes_[offset + i] = uint8_t(value >> (8 * i));
}

void PcTestdev::reset() {
    data_ = 0;
    std::fill(iomem_bytes_.begin(), iomem_bytes_.end(), 0);
    for (IrqLine& line : irqs_)
        line.lower();
}

void PcTestdev::save(StateWriter& out) const {
    uint32_t levels = 0;
    for (unsigned i = 0; i < kIrqLines; i++)
        levels |= uint32_t(irqs_[i].level()) << i;
    state_fields(*this, out, levels);
}

Result<void> PcTestdev::load(StateReader& in, uint32_t version) {
    KEMU_TRY_VOID(check_state_version(*this, version));
    uint32_t levels = 0;
    state_fields(*this, in, levels);
    KEMU_TRY_VOID(finish_load(*this, in));
    for (unsigned i = 0; i < kIrqLines; i++)
        irqs_[i].set((levels >> i) & 1);
    return ok();
}

std::string PcTestdev::describe() const {
    char line[160];
    std::snprintf(
        line, sizeof line, "ioports = 0x%x-0x%x, 0x%x-0x%x, iomem = 0x%llx-0x%llx, data = 0x%08x",
        kPortData, kPortDataBytes + kDataBytes - 1, kPortIrqLines, kPortIrqLines + kIrqLines - 1,
        (unsigned long long)kIomemBase, (unsigned long long)(kIomemBase + kIomemSize - 1), data_);
    return line;
}

}  // namespace kemu
