#include "hw/ide/bmdma.h"

#include <algorithm>

#include "hw/core/device_state.h"
#include "system/log.h"

namespace kemu::ide {

namespace {

constexpr unsigned kRegCommand = 0;
constexpr unsigned kRegStatus = 2;
constexpr unsigned kRegPrdTable = 4;

constexpr uint8_t kCommandStart = 0x01;
constexpr uint8_t kCommandToMemory = 0x08;  // "read/write control": the engine writes memory

constexpr uint8_t kStatusActive = 0x01;
constexpr uint8_t kStatusError = 0x02;
constexpr uint8_t kStatusInterrupt = 0x04;
constexpr uint8_t kStatusDriveCapable = 0x60;  // scratch bits the BIOS sets for the OS

constexpr uint32_t kEndOfTable = 0x80000000;
constexpr uint32_t kEntrySize = 8;
// A PRD table may not cross a 64 KiB boundary, so no table has more entries than this.
constexpr unsigned kMaxEntries = 0x10000 / kEntrySize;

}  // namespace

BusMasterChannel::BusMasterChannel(AddressSpace& memory, IdeChannel& channel)
    : memory_(memory), channel_(channel) {}

void BusMasterChannel::reset() {
    command_ = 0;
    status_ = 0;
    prd_table_ = 0;
    segment_left_ = 0;
}

uint8_t BusMasterChannel::read(unsigned offset) const {
    if (offset == kRegCommand) return command_;
    if (offset == kRegStatus) return status_;
    if (offset >= kRegPrdTable) return uint8_t(prd_table_ >> (8 * (offset - kRegPrdTable)));
    return 0;
}

void BusMasterChannel::write(unsigned offset, uint8_t value) {
    if (offset == kRegCommand) {
        write_command(value);
    } else if (offset == kRegStatus) {
        status_ = uint8_t((status_ & kStatusActive) | (value & kStatusDriveCapable) |
                          (status_ & ~value & (kStatusError | kStatusInterrupt)));
    } else if (offset >= kRegPrdTable) {
        unsigned shift = 8 * (offset - kRegPrdTable);
        prd_table_ = (prd_table_ & ~(0xffu << shift)) | uint32_t(value) << shift;
        prd_table_ &= ~3u;
    }
}

void BusMasterChannel::write_command(uint8_t value) {
    bool was_started = command_ & kCommandStart;
    bool start = value & kCommandStart;
    // The direction may only change while the engine is stopped.
    uint8_t direction = was_started ? (command_ & kCommandToMemory) : (value & kCommandToMemory);
    command_ = uint8_t((start ? kCommandStart : 0) | direction);
    if (!start) {
        // Stopping mid-transfer abandons it; the drive keeps waiting until the guest resets it.
        status_ &= ~kStatusActive;
        return;
    }
    if (was_started) return;
    status_ |= kStatusActive;
    next_entry_ = prd_table_;
    entries_read_ = 0;
    segment_left_ = 0;
    segment_is_last_ = false;
    if (!channel_.has_devices()) {
        fail("bus master started on a channel without drives");
        return;
    }
    channel_.dma_engine_started();
}

// Started is enough: a started engine whose table ran out fails the next transfer, rather
// than leaving the drive waiting for an engine that will never move again.
bool BusMasterChannel::running() const {
    return command_ & kCommandStart;
}

bool BusMasterChannel::fail(const char* why) {
    log_guest_error("ide-bmdma: %s (PRD table %08x)\n", why, prd_table_);
    status_ = uint8_t((status_ | kStatusError) & ~kStatusActive);
    return false;
}

bool BusMasterChannel::next_descriptor() {
    if (entries_read_ == kMaxEntries) return fail("PRD table without end of table");
    uint8_t raw[kEntrySize];
    if (memory_.read_bytes(next_entry_, raw) != MemTxResult::Ok)
        return fail("PRD entry outside memory");
    uint32_t base =
        uint32_t(raw[0]) | uint32_t(raw[1]) << 8 | uint32_t(raw[2]) << 16 | uint32_t(raw[3]) << 24;
    uint32_t control =
        uint32_t(raw[4]) | uint32_t(raw[5]) << 8 | uint32_t(raw[6]) << 16 | uint32_t(raw[7]) << 24;
    next_entry_ += kEntrySize;
    entries_read_++;
    segment_address_ = base & ~1u;
    segment_left_ = control & 0xfffe;
    if (segment_left_ == 0) segment_left_ = 0x10000;
    segment_is_last_ = control & kEndOfTable;
    return true;
}

bool BusMasterChannel::transfer(std::span<uint8_t> data, bool to_memory) {
    if (!(status_ & kStatusActive)) return fail("PRD table shorter than the transfer");
    if (bool(command_ & kCommandToMemory) != to_memory)
        return fail("engine direction does not match the drive's command");
    size_t done = 0;
    while (done < data.size()) {
        if (segment_left_ == 0) {
            if (segment_is_last_) return fail("PRD table shorter than the transfer");
            if (!next_descriptor()) return false;
        }
        size_t n = std::min<size_t>(segment_left_, data.size() - done);
        auto piece = data.subspan(done, n);
        MemTxResult r = to_memory ? memory_.write_bytes(segment_address_, piece)
                                  : memory_.read_bytes(segment_address_, piece);
        if (r != MemTxResult::Ok) return fail("PRD buffer outside memory");
        segment_address_ += uint32_t(n);
        segment_left_ -= uint32_t(n);
        done += n;
    }
    // The table ran out exactly: the engine goes idle. A longer table leaves it active
    // until the guest stops it (SFF-8038i, status "interrupt set, active set").
    if (segment_left_ == 0 && segment_is_last_) status_ &= ~kStatusActive;
    return true;
}

void BusMasterChannel::device_interrupt() {
    status_ |= kStatusInterrupt;
}

void BusMasterChannel::restart_walk() {
    next_entry_ = prd_table_;
    entries_read_ = 0;
    segment_left_ = 0;
    segment_is_last_ = false;
}

Bmdma::Bmdma(std::string name, AddressSpace& memory, IdeChannel& primary, IdeChannel& secondary)
    : Device(std::move(name)),
      ide_{&primary, &secondary},
      channels_{BusMasterChannel(memory, primary), BusMasterChannel(memory, secondary)},
      io_(MemoryRegion::io(this->name(), kBarSize,
                           IoOps{
                               .read = [this](uint64_t offset, unsigned) -> uint64_t {
                                   return channels_[offset / 8].read(unsigned(offset % 8));
                               },
                               .write =
                                   [this](uint64_t offset, uint64_t value, unsigned) {
                                       channels_[offset / 8].write(unsigned(offset % 8),
                                                                   uint8_t(value));
                                   },
                               .valid = {1, 4, true},
                               .impl = {1, 1, false},
                           })) {
    primary.set_dma_engine(&channels_[0]);
    secondary.set_dma_engine(&channels_[1]);
}

Bmdma::~Bmdma() {
    for (IdeChannel* c : ide_)
        c->set_dma_engine(nullptr);
}

void Bmdma::reset() {
    for (auto& c : channels_)
        c.reset();
}

void Bmdma::save(StateWriter& out) const {
    state_fields(*this, out);
}

Result<void> Bmdma::load(StateReader& in, uint32_t version) {
    KEMU_TRY_VOID(check_state_version(*this, version));
    state_fields(*this, in);
    for (auto& c : channels_)
        c.restart_walk();
    return finish_load(*this, in);
}

}  // namespace kemu::ide
