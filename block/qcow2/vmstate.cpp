// The VM state area: where savevm keeps the machine's state, in guest address space just
// past the disk, from the first L1 entry the disk does not use. QEMU places it there too,
// so each can read what the other saved. A snapshot captures it with the rest of the L1
// table; afterwards the active layer lets it go, or every later snapshot would copy it on
// write for nothing.
#include "block/qcow2/qcow2.h"

namespace kemu::block::qcow2 {

namespace {

// Far above any real machine's state; keeps offset arithmetic clear of overflow.
constexpr uint64_t kMaxVmState = 1ull << 40;

}  // namespace

uint64_t Qcow2Driver::vm_state_offset() const {
    uint64_t coverage = cluster_size() * header_.l2_entries();
    return (size() + coverage - 1) / coverage * coverage;
}

Result<void> Qcow2Driver::write_vmstate(uint64_t pos, std::span<const uint8_t> buf) {
    if (pos > kMaxVmState || buf.size() > kMaxVmState - pos) return Error("VM state too large");
    KEMU_TRY_VOID(begin_write());
    uint64_t offset = vm_state_offset() + pos;
    uint64_t coverage = cluster_size() * header_.l2_entries();
    uint64_t needed = (offset + buf.size() + coverage - 1) / coverage;
    if (needed > l1_.size()) KEMU_TRY_VOID(grow_l1(needed));
    return write_range(offset, buf);
}

Result<void> Qcow2Driver::read_vmstate(uint64_t pos, std::span<uint8_t> buf) {
    if (pos > kMaxVmState || buf.size() > kMaxVmState - pos) return Error("VM state too large");
    return read_range(vm_state_offset() + pos, buf);
}

Result<void> Qcow2Driver::drop_vmstate(uint64_t len) {
    const uint64_t cs = cluster_size();
    return discard_range(vm_state_offset(), (len + cs - 1) / cs * cs);
}

}  // namespace kemu::block::qcow2
