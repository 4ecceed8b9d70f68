#include "hw/ide/ata_disk.h"

#include <algorithm>

#include "hw/core/device_state.h"
#include "system/log.h"

namespace kemu::ide {

namespace {

constexpr uint64_t kLba28Limit = 1ull << 28;
// The largest translation the IDENTIFY CHS words can describe (16383 x 16 x 63).
constexpr unsigned kMaxCylinders = 16383;
constexpr unsigned kDefaultHeads = 16;
constexpr unsigned kDefaultSectorsPerTrack = 63;

}  // namespace

const std::array<AtaDisk::Entry, 256>& AtaDisk::command_table() {
    static const std::array<Entry, 256> table = [] {
        std::array<Entry, 256> t{};
        auto rw = [&](uint8_t op, bool write, Mode mode, bool lba48) {
            t[op] = {&AtaDisk::read_write, {write, mode, lba48}};
        };
        // Every data-in command but READ VERIFY has a data-out twin with the same protocol.
        struct Transfer {
            uint8_t read, write;
            Mode mode;
            bool lba48;
        };
        static constexpr Transfer kTransfers[] = {
            {0x20, 0x30, Mode::Pio, false},          // READ / WRITE SECTORS
            {0x21, 0x31, Mode::Pio, false},          // ... WITHOUT RETRY
            {0x24, 0x34, Mode::Pio, true},           // READ / WRITE SECTORS EXT
            {0xc4, 0xc5, Mode::PioMultiple, false},  // READ / WRITE MULTIPLE
            {0x29, 0x39, Mode::PioMultiple, true},   // READ / WRITE MULTIPLE EXT
            {0xc8, 0xca, Mode::Dma, false},          // READ / WRITE DMA
            {0xc9, 0xcb, Mode::Dma, false},          // ... WITHOUT RETRY
            {0x25, 0x35, Mode::Dma, true},           // READ / WRITE DMA EXT
        };
        for (const Transfer& x : kTransfers) {
            rw(x.read, false, x.mode, x.lba48);
            rw(x.write, true, x.mode, x.lba48);
        }
        rw(0x40, false, Mode::Verify, false);  // READ VERIFY SECTORS
        rw(0x41, false, Mode::Verify, false);  // READ VERIFY SECTORS WITHOUT RETRY
        rw(0x42, false, Mode::Verify, true);   // READ VERIFY SECTORS EXT
        t[0x00] = {&AtaDisk::abort};           // NOP always aborts
        t[0xec] = {&AtaDisk::identify};
        t[0xc6] = {&AtaDisk::set_multiple_mode};
        t[0xef] = {&AtaDisk::set_features};
        t[0x91] = {&AtaDisk::initialize_device_parameters};
        t[0xe5] = {&AtaDisk::check_power_mode};
        t[0xe1] = {&AtaDisk::idle_command};     // IDLE IMMEDIATE
        t[0xe3] = {&AtaDisk::idle_command};     // IDLE
        t[0xe0] = {&AtaDisk::standby_command};  // STANDBY IMMEDIATE
        t[0xe2] = {&AtaDisk::standby_command};  // STANDBY
        t[0xe7] = {&AtaDisk::flush_cache};
        t[0xea] = {&AtaDisk::flush_cache};  // FLUSH CACHE EXT
        t[0xf8] = {&AtaDisk::read_native_max, {false, Mode::Pio, false}};
        t[0x27] = {&AtaDisk::read_native_max, {false, Mode::Pio, true}};
        t[0x70] = {&AtaDisk::no_operation};  // SEEK
        for (unsigned op = 0x10; op <= 0x1f; op++)
            t[op] = {&AtaDisk::no_operation};  // RECALIBRATE
        return t;
    }();
    return table;
}

AtaDisk::AtaDisk(std::string name, block::BlockBackend& backend, DriveIdentity identity)
    : Device(std::move(name)), backend_(backend), identity_(std::move(identity)) {
    heads_ = kDefaultHeads;
    sectors_per_track_ = kDefaultSectorsPerTrack;
    cylinders_ =
        unsigned(std::clamp<uint64_t>(sectors() / (heads_ * sectors_per_track_), 1, kMaxCylinders));
    reset();
}

void AtaDisk::reset() {
    write_cache_ = !block::cache_flags(backend_.cache_mode()).writethrough;
    modes_ = TransferModes{};
    // The power-on block size is the vendor's choice (ATA/ATAPI-6, SET MULTIPLE MODE): the largest,
    // so word 59 reports a valid setting (Linux prints it as "multi 16") and READ/WRITE MULTIPLE
    // work before any SET MULTIPLE MODE, as on QEMU's drive.
    multiple_ = kMaxMultiple;
    power_mode_ = 0xff;
    cur_cylinders_ = cylinders_;
    cur_heads_ = heads_;
    cur_sectors_per_track_ = sectors_per_track_;
    soft_reset();
}

void AtaDisk::save(StateWriter& out) const {
    state_fields(*this, out);
}

Result<void> AtaDisk::load(StateReader& in, uint32_t version) {
    KEMU_TRY_VOID(check_state_version(*this, version));
    state_fields(*this, in);
    // A stream from elsewhere must not enable what the drive cannot do, nor divide by zero.
    if (multiple_ > kMaxMultiple || (multiple_ & (multiple_ - 1))) multiple_ = 0;
    modes_.clamp_loaded_state();
    cur_heads_ = std::max(cur_heads_, 1u);
    cur_sectors_per_track_ = std::max(cur_sectors_per_track_, 1u);
    return finish_load(*this, in);
}

void AtaDisk::soft_reset() {
    io_.cancel();
    xfer_ = Transfer{};
    if (channel_) set_busy();
    io_.when_idle([this] {
        if (channel_) load_signature();
    });
}

void AtaDisk::execute(uint8_t command) {
    const Entry& e = command_table()[command];
    if (!e.run) {
        log_unimp("ata-disk: command %02x not supported\n", command);
        abort_command();
        return;
    }
    (this->*e.run)(e.access);
}

bool AtaDisk::start_sector(bool lba48, uint64_t* lba) {
    const TaskFile& t = tf();
    if (lba48) {
        *lba = t.lba48();
        return true;
    }
    if (t.device & kDeviceLba) {
        *lba = t.lba28();
        return true;
    }
    unsigned cylinder = unsigned(t.lba_high) << 8 | t.lba_mid;
    unsigned head = t.device & 0x0f, sector = t.lba_low;
    if (sector == 0 || sector > cur_sectors_per_track_ || head >= cur_heads_ ||
        cylinder >= std::max(cur_cylinders_, 1u)) {
        finish(kStatusReady | kStatusErr, kErrorIdnf);
        return false;
    }
    *lba = (uint64_t(cylinder) * cur_heads_ + head) * cur_sectors_per_track_ + sector - 1;
    return true;
}

void AtaDisk::read_write(Access access) {
    const TaskFile& t = tf();
    uint32_t count = access.lba48 ? (uint32_t(t.hob_count) << 8 | t.count) : t.count;
    if (count == 0) count = access.lba48 ? 65536 : 256;
    uint64_t lba;
    if (!start_sector(access.lba48, &lba)) return;
    if (access.mode == Mode::PioMultiple && multiple_ == 0) {
        abort_command();
        return;
    }
    if (lba + count > sectors()) {
        log_guest_error("ata-disk: sectors %llu+%u beyond the end (%llu)\n",
                        (unsigned long long)lba, count, (unsigned long long)sectors());
        finish(kStatusReady | kStatusErr, kErrorIdnf);
        return;
    }
    if (access.write && backend_.read_only()) {
        abort_command();
        return;
    }
    power_mode_ = 0xff;
    if (access.mode == Mode::Verify) {
        finish(kStatusReady);
        return;
    }
    xfer_ = Transfer{.mode = access.mode,
                     .lba48 = access.lba48,
                     .lba = lba,
                     .remaining = count,
                     .block = access.mode == Mode::PioMultiple ? uint32_t(multiple_) : 1u};
    if (access.write) {
        next_write_chunk(false);
    } else {
        next_read_chunk();
    }
}

void AtaDisk::next_read_chunk() {
    xfer_.chunk_sectors = std::min(xfer_.remaining, kChunkSectors);
    xfer_.chunk_done = 0;
    xfer_.buf = std::make_shared<std::vector<uint8_t>>(size_t(xfer_.chunk_sectors) * kSectorSize);
    set_busy();
    io_.read(backend_, xfer_.lba * kSectorSize, xfer_.buf, [this](bool ok) {
        if (!ok) {
            transfer_failed(kErrorUnc);
            return;
        }
        if (xfer_.mode != Mode::Dma) {
            send_read_block();
            return;
        }
        dma(*xfer_.buf, true, [this](bool dma_ok) {
            if (!dma_ok) {
                transfer_failed(kErrorAbrt);
                return;
            }
            xfer_.lba += xfer_.chunk_sectors;
            xfer_.remaining -= xfer_.chunk_sectors;
            if (xfer_.remaining) {
                next_read_chunk();
            } else {
                finish(kStatusReady);
            }
        });
    });
}

// PIO data-in: an interrupt announces each DRQ block; none follows the last one.
void AtaDisk::send_read_block() {
    uint32_t n = std::min(xfer_.block, xfer_.chunk_sectors - xfer_.chunk_done);
    std::span<uint8_t> data(xfer_.buf->data() + size_t(xfer_.chunk_done) * kSectorSize,
                            size_t(n) * kSectorSize);
    pio(data, true, true, [this, n] {
        xfer_.chunk_done += n;
        if (xfer_.chunk_done < xfer_.chunk_sectors) {
            send_read_block();
            return;
        }
        xfer_.lba += xfer_.chunk_sectors;
        xfer_.remaining -= xfer_.chunk_sectors;
        if (xfer_.remaining) {
            next_read_chunk();
        } else {
            tf().status = kStatusReady;
        }
    });
}

void AtaDisk::next_write_chunk(bool interrupt_host) {
    xfer_.chunk_sectors = std::min(xfer_.remaining, kChunkSectors);
    xfer_.chunk_done = 0;
    xfer_.buf = std::make_shared<std::vector<uint8_t>>(size_t(xfer_.chunk_sectors) * kSectorSize);
    if (xfer_.mode != Mode::Dma) {
        receive_write_block(interrupt_host);
        return;
    }
    dma(*xfer_.buf, false, [this](bool ok) {
        if (!ok) {
            transfer_failed(kErrorAbrt);
            return;
        }
        write_chunk();
    });
}

// PIO data-out: the first block needs no interrupt; each later one follows the interrupt
// that says the previous block was taken.
void AtaDisk::receive_write_block(bool interrupt_host) {
    uint32_t n = std::min(xfer_.block, xfer_.chunk_sectors - xfer_.chunk_done);
    std::span<uint8_t> data(xfer_.buf->data() + size_t(xfer_.chunk_done) * kSectorSize,
                            size_t(n) * kSectorSize);
    pio(data, false, interrupt_host, [this, n] {
        xfer_.chunk_done += n;
        if (xfer_.chunk_done < xfer_.chunk_sectors) {
            receive_write_block(true);
        } else {
            write_chunk();
        }
    });
}

void AtaDisk::write_chunk() {
    set_busy();
    io_.write(backend_, xfer_.lba * kSectorSize, xfer_.buf, [this](bool ok) {
        if (!ok) {
            transfer_failed(kErrorAbrt);
            return;
        }
        xfer_.lba += xfer_.chunk_sectors;
        xfer_.remaining -= xfer_.chunk_sectors;
        if (xfer_.remaining) {
            next_write_chunk(true);
        } else {
            complete_write();
        }
    });
}

// With the write cache disabled a write completes only once it is on stable storage.
void AtaDisk::complete_write() {
    xfer_.buf.reset();
    if (write_cache_) {
        finish(kStatusReady);
        return;
    }
    io_.flush(backend_, [this](bool ok) {
        if (ok) {
            finish(kStatusReady);
        } else {
            transfer_failed(kErrorAbrt);
        }
    });
}

void AtaDisk::transfer_failed(uint8_t error) {
    // The LBA registers point at the first sector of the chunk that failed.
    if (xfer_.lba48) {
        tf().set_lba48(xfer_.lba);
    } else if (tf().device & kDeviceLba) {
        tf().set_lba28(uint32_t(xfer_.lba));
    }
    xfer_ = Transfer{};
    finish(kStatusReady | kStatusErr, error);
}

void AtaDisk::identify(Access) {
    IoBuffer data = identify_data().bytes();
    xfer_ = Transfer{.buf = data};
    pio(*data, true, true, [this] {
        xfer_.buf.reset();
        tf().status = kStatusReady;
    });
}

IdentifyData AtaDisk::identify_data() const {
    IdentifyData id;
    uint64_t total = sectors();
    id[0] = 0x0040;  // fixed device
    id[1] = uint16_t(cylinders_);
    id[3] = uint16_t(heads_);
    id[6] = uint16_t(sectors_per_track_);
    id[47] = 0x8000 | kMaxMultiple;
    id[49] = 0x0f00;  // DMA, LBA, IORDY (may be disabled)
    id[50] = 0x4000;
    id[51] = id[52] = 0x0200;  // obsolete PIO/DMA timing, mode 2
    id[53] = 0x0007;           // words 54-58, 64-70 and 88 are valid
    id[54] = uint16_t(cur_cylinders_);
    id[55] = uint16_t(cur_heads_);
    id[56] = uint16_t(cur_sectors_per_track_);
    id.set_u32(57, std::min<uint64_t>(
                       uint64_t(cur_cylinders_) * cur_heads_ * cur_sectors_per_track_, UINT32_MAX));
    id[59] = uint16_t(multiple_ ? 0x0100 | multiple_ : 0);
    id.set_u32(60, uint32_t(std::min(total, kLba28Limit - 1)));
    id[64] = 0x0003;  // PIO modes 3 and 4
    id[65] = id[66] = id[67] = id[68] = 120;
    id[80] = 0x00f0;  // ATA/ATAPI-4 to -7
    id[82] = 0x4020;  // NOP, write cache
    id[83] = 0x7400;  // FLUSH CACHE EXT, FLUSH CACHE, 48-bit addressing
    id[84] = 0x4000;
    id[85] = uint16_t(0x4000 | (write_cache_ ? 0x0020 : 0));
    id[86] = 0x3400;
    id[87] = 0x4000;
    modes_.fill(id);
    // Hardware reset result, and an 80-conductor cable so UDMA modes above 2 are usable.
    id[93] = uint16_t(0x6000 | (unit_ == 0 ? 0x000b : 0x0300));
    id.set_u64(100, total);
    id[106] = 0x4000;  // one 512-byte logical sector per physical sector
    identity_.fill(id, kDefaultModel);
    return id;
}

void AtaDisk::set_multiple_mode(Access) {
    unsigned count = tf().count;
    if (count > kMaxMultiple || (count & (count - 1))) {
        abort_command();
        return;
    }
    multiple_ = uint8_t(count);
    finish(kStatusReady);
}

void AtaDisk::set_features(Access) {
    switch (tf().feature) {
        case 0x02:  // enable write cache
            write_cache_ = true;
            break;
        case 0x82:  // disable write cache: flush what it holds first
            write_cache_ = false;
            flush_cache({});
            return;
        case 0x03:
            if (!modes_.select(tf().count)) {
                abort_command();
                return;
            }
            break;
        case 0x55:  // read look-ahead off / on, reverting to defaults off / on
        case 0xaa:
        case 0x66:
        case 0xcc:
            break;
        default:
            log_unimp("ata-disk: SET FEATURES %02x not supported\n", tf().feature);
            abort_command();
            return;
    }
    finish(kStatusReady);
}

void AtaDisk::initialize_device_parameters(Access) {
    unsigned heads = (tf().device & 0x0f) + 1u, per_track = tf().count;
    if (per_track == 0) {
        abort_command();
        return;
    }
    cur_heads_ = heads;
    cur_sectors_per_track_ = per_track;
    cur_cylinders_ = unsigned(std::min<uint64_t>(sectors() / (heads * per_track), 65535));
    finish(kStatusReady);
}

void AtaDisk::check_power_mode(Access) {
    tf().count = power_mode_;
    finish(kStatusReady);
}

void AtaDisk::idle_command(Access) {
    power_mode_ = 0xff;
    finish(kStatusReady);
}

void AtaDisk::standby_command(Access) {
    power_mode_ = 0x00;
    finish(kStatusReady);
}

void AtaDisk::flush_cache(Access) {
    set_busy();
    io_.flush(backend_, [this](bool ok) {
        if (ok) {
            finish(kStatusReady);
        } else {
            finish(kStatusReady | kStatusErr, kErrorAbrt);
        }
    });
}

void AtaDisk::read_native_max(Access access) {
    uint64_t total = sectors();
    if (access.lba48) {
        tf().set_lba48(total ? total - 1 : 0);
    } else {
        tf().set_lba28(uint32_t(std::min(total, kLba28Limit) - (total ? 1 : 0)));
    }
    finish(kStatusReady);
}

void AtaDisk::no_operation(Access) {
    finish(kStatusReady);
}

}  // namespace kemu::ide
