#include "hw/ide/atapi_cdrom.h"

#include <algorithm>

#include "hw/core/device_state.h"
#include "system/log.h"

namespace kemu::ide {

namespace {

using mmc::be16;
using mmc::be32;

// Interrupt reason in the sector count register during PACKET: command/data and direction.
constexpr uint8_t kReasonCommand = 0x01;
constexpr uint8_t kReasonToHost = 0x02;
constexpr uint8_t kReasonCompleted = kReasonCommand | kReasonToHost;

constexpr uint8_t kFeatureDma = 0x01;

}  // namespace

const std::array<AtapiCdrom::Entry, 256>& AtapiCdrom::command_table() {
    static const std::array<Entry, 256> table = [] {
        std::array<Entry, 256> t{};
        t[0x00] = {&AtapiCdrom::test_unit_ready, kNeedsMedium};
        t[0x03] = {&AtapiCdrom::request_sense, kIgnoresAttention};
        t[0x12] = {&AtapiCdrom::inquiry, kIgnoresAttention};
        t[0x1b] = {&AtapiCdrom::start_stop_unit, 0};
        t[0x1e] = {&AtapiCdrom::prevent_allow_removal, 0};
        t[0x25] = {&AtapiCdrom::read_capacity, kNeedsMedium};
        t[0x28] = {&AtapiCdrom::read10, kNeedsMedium};
        t[0x2b] = {&AtapiCdrom::no_data, kNeedsMedium};  // SEEK(10)
        t[0x43] = {&AtapiCdrom::read_toc, kNeedsMedium};
        t[0x46] = {&AtapiCdrom::get_configuration, kIgnoresAttention};
        t[0x4a] = {&AtapiCdrom::get_event_status, kIgnoresAttention};
        t[0x51] = {&AtapiCdrom::read_disc_information, kNeedsMedium};
        t[0x52] = {&AtapiCdrom::read_track_information, kNeedsMedium};
        t[0x5a] = {&AtapiCdrom::mode_sense10, 0};
        t[0xa8] = {&AtapiCdrom::read12, kNeedsMedium};
        t[0xbb] = {&AtapiCdrom::no_data, 0};  // SET CD SPEED
        t[0xbd] = {&AtapiCdrom::mechanism_status, 0};
        return t;
    }();
    return table;
}

AtapiCdrom::AtapiCdrom(std::string name, DriveIdentity identity)
    : Device(std::move(name)), identity_(std::move(identity)) {
    reset();
}

void AtapiCdrom::reset() {
    locked_ = false;
    modes_ = TransferModes{};
    soft_reset();
}

void AtapiCdrom::save(StateWriter& out) const {
    state_fields(*this, out);
}

Result<void> AtapiCdrom::load(StateReader& in, uint32_t version) {
    KEMU_TRY_VOID(check_state_version(*this, version));
    state_fields(*this, in);
    // The media event codes and sense keys that exist fit in 2 and 4 bits.
    media_event_ = mmc::MediaEvent(uint8_t(media_event_) & 3);
    sense_.key &= 0x0f;
    modes_.clamp_loaded_state();
    return finish_load(*this, in);
}

void AtapiCdrom::soft_reset() {
    io_.cancel();
    buf_.reset();
    read_left_ = 0;
    if (channel_) set_busy();
    io_.when_idle([this] {
        if (channel_) load_signature();
    });
}

void AtapiCdrom::insert(block::BlockBackend* medium) {
    abandon_read({mmc::kSenseUnitAttention, mmc::kAscMediumChanged, 0});
    medium_ = medium;
    tray_open_ = false;
    unit_attention_ = medium != nullptr;
    if (medium) media_event_ = mmc::MediaEvent::NewMedia;
}

Result<void> AtapiCdrom::eject(bool force) {
    if (locked_ && !force) {
        media_event_ = mmc::MediaEvent::EjectRequest;
        return Error("device is locked");
    }
    abandon_read({mmc::kSenseNotReady, mmc::kAscMediumNotPresent, 0x02});
    if (medium_) media_event_ = mmc::MediaEvent::MediaRemoval;
    medium_ = nullptr;
    tray_open_ = true;
    locked_ = false;
    return ok();
}

// A READ waiting for the medium that goes away ends with `sense`; its completion is dropped.
void AtapiCdrom::abandon_read(mmc::Sense sense) {
    bool waiting = channel_ && read_left_ > 0 && (tf().status & kStatusBsy);
    io_.cancel();
    if (waiting) check_condition(sense);
}

uint32_t AtapiCdrom::medium_sectors() const {
    return uint32_t(std::min<uint64_t>(medium_->size() / kSectorSize, UINT32_MAX));
}

mmc::MediumState AtapiCdrom::medium_state() const {
    bool present = medium_ && !tray_open_;
    return {.present = present,
            .tray_open = tray_open_,
            .locked = locked_,
            .sectors = present ? medium_sectors() : 0};
}

void AtapiCdrom::execute(uint8_t command) {
    switch (command) {
        case 0xa0:
            packet();
            return;
        case 0xa1:
            identify_packet_device();
            return;
        case 0x08:  // DEVICE RESET: no interrupt, the host polls BSY
            soft_reset();
            return;
        case 0xef:
            set_features();
            return;
        case 0xe5:  // CHECK POWER MODE: always active
            tf().count = 0xff;
            finish(kStatusReady);
            return;
        case 0xe0:  // STANDBY IMMEDIATE, IDLE IMMEDIATE, STANDBY, IDLE
        case 0xe1:
        case 0xe2:
        case 0xe3:
            finish(kStatusReady);
            return;
        case 0xec:
            // IDENTIFY DEVICE aborts with the signature in place: how hosts spot ATAPI.
            load_signature();
            abort_command();
            return;
        default:
            log_unimp("atapi-cdrom: ATA command %02x not supported\n", command);
            abort_command();
            return;
    }
}

void AtapiCdrom::set_features() {
    switch (tf().feature) {
        case 0x03:
            if (!modes_.select(tf().count)) {
                abort_command();
                return;
            }
            break;
        case 0x55:
        case 0xaa:
        case 0x66:
        case 0xcc:
            break;
        default:
            abort_command();
            return;
    }
    finish(kStatusReady);
}

void AtapiCdrom::identify_packet_device() {
    buf_ = identify_data().bytes();
    pio(*buf_, true, true, [this] {
        buf_.reset();
        tf().status = kStatusReady;
    });
}

IdentifyData AtapiCdrom::identify_data() const {
    IdentifyData id;
    // ATAPI, CD-ROM device type, removable, DRQ within 50 us of PACKET, 12-byte packets.
    id[0] = 0x85c0;
    id[49] = 0x0f00;  // DMA, LBA, IORDY
    id[50] = 0x4000;
    id[53] = 0x0006;  // words 64-70 and 88 are valid
    id[64] = 0x0003;
    id[65] = id[66] = id[67] = id[68] = 120;
    id[80] = 0x00f0;
    id[82] = 0x4210;  // NOP, DEVICE RESET, PACKET
    id[83] = 0x4000;
    id[84] = 0x4000;
    id[85] = 0x4210;
    id[87] = 0x4000;
    modes_.fill(id);
    id[93] = uint16_t(0x6000 | (unit_ == 0 ? 0x000b : 0x0300));
    identity_.fill(id, kDefaultModel);
    return id;
}

void AtapiCdrom::packet() {
    dma_ = tf().feature & kFeatureDma;
    byte_limit_ = uint16_t((tf().lba_high << 8 | tf().lba_mid) & ~1);
    if (byte_limit_ == 0) byte_limit_ = 0xfffe;
    tf().count = kReasonCommand;
    pio(cdb_, false, false, [this] { run_packet(); });
}

void AtapiCdrom::run_packet() {
    set_busy();
    uint8_t opcode = cdb_[0];
    const Entry& e = command_table()[opcode];
    if (opcode != 0x03) sense_ = {};
    if (!e.run) {
        log_unimp("atapi-cdrom: packet command %02x not supported\n", opcode);
        check_condition({mmc::kSenseIllegalRequest, mmc::kAscInvalidOpcode, 0});
        return;
    }
    if (unit_attention_ && !(e.flags & kIgnoresAttention)) {
        unit_attention_ = false;
        check_condition({mmc::kSenseUnitAttention, mmc::kAscMediumChanged, 0});
        return;
    }
    if ((e.flags & kNeedsMedium) && !(medium_ && !tray_open_)) {
        check_condition(
            {mmc::kSenseNotReady, mmc::kAscMediumNotPresent, uint8_t(tray_open_ ? 0x02 : 0x01)});
        return;
    }
    (this->*e.run)(cdb_);
}

void AtapiCdrom::check_condition(mmc::Sense sense) {
    sense_ = sense;
    buf_.reset();
    read_left_ = 0;
    tf().count = kReasonCompleted;
    finish(kStatusReady | kStatusErr, uint8_t(sense.key << 4));
}

void AtapiCdrom::complete_ok() {
    buf_.reset();
    tf().count = kReasonCompleted;
    finish(kStatusReady);
}

void AtapiCdrom::send_response(mmc::Bytes response, size_t allocation_length) {
    response.resize(std::min(response.size(), allocation_length));
    if (response.empty()) {
        complete_ok();
        return;
    }
    send_buffer(std::make_shared<std::vector<uint8_t>>(std::move(response)), true, nullptr);
}

void AtapiCdrom::send_buffer(IoBuffer buf, bool last, std::function<void()> next) {
    buf_ = std::move(buf);
    if (!dma_) {
        send_pio_block(0, last, std::move(next));
        return;
    }
    dma(*buf_, true, [this, last, next = std::move(next)](bool ok) {
        if (!ok) {
            check_condition({mmc::kSenseAbortedCommand, 0, 0});
        } else if (last) {
            complete_ok();
        } else {
            next();
        }
    });
}

// One DRQ block of PIO data-in: at most the byte count limit, its size in LBA mid/high.
void AtapiCdrom::send_pio_block(size_t offset, bool last, std::function<void()> next) {
    size_t n = std::min<size_t>(byte_limit_, buf_->size() - offset);
    tf().lba_mid = uint8_t(n);
    tf().lba_high = uint8_t(n >> 8);
    tf().count = kReasonToHost;
    std::span<uint8_t> data(buf_->data() + offset, n);
    pio(data, true, true, [this, offset, n, last, next = std::move(next)]() mutable {
        if (offset + n < buf_->size()) {
            send_pio_block(offset + n, last, std::move(next));
        } else if (last) {
            complete_ok();
        } else {
            next();
        }
    });
}

void AtapiCdrom::read_sectors(uint32_t lba, uint32_t count) {
    if (uint64_t(lba) + count > medium_sectors()) {
        check_condition({mmc::kSenseIllegalRequest, mmc::kAscLbaOutOfRange, 0});
        return;
    }
    if (count == 0) {
        complete_ok();
        return;
    }
    read_lba_ = lba;
    read_left_ = count;
    next_read_chunk();
}

void AtapiCdrom::next_read_chunk() {
    if (!medium_ || tray_open_) {  // ejected between two chunks
        check_condition({mmc::kSenseNotReady, mmc::kAscMediumNotPresent, 0x02});
        return;
    }
    uint32_t n = std::min(read_left_, kChunkSectors);
    auto buf = std::make_shared<std::vector<uint8_t>>(size_t(n) * kSectorSize);
    set_busy();
    io_.read(*medium_, uint64_t(read_lba_) * kSectorSize, buf, [this, buf, n](bool ok) {
        if (!ok) {
            check_condition({mmc::kSenseMediumError, mmc::kAscUnrecoveredRead, 0});
            return;
        }
        read_lba_ += n;
        read_left_ -= n;
        send_buffer(buf, read_left_ == 0, [this] { next_read_chunk(); });
    });
}

void AtapiCdrom::test_unit_ready(Cdb) {
    complete_ok();
}

void AtapiCdrom::request_sense(Cdb cdb) {
    mmc::Sense sense = sense_;
    if (unit_attention_ && sense.key == mmc::kSenseNone) {
        sense = {mmc::kSenseUnitAttention, mmc::kAscMediumChanged, 0};
        unit_attention_ = false;
    }
    sense_ = {};
    send_response(mmc::fixed_sense(sense), cdb[4]);
}

void AtapiCdrom::inquiry(Cdb cdb) {
    if (cdb[1] & 0x01) {  // vital product data pages: none
        check_condition({mmc::kSenseIllegalRequest, mmc::kAscInvalidField, 0});
        return;
    }
    send_response(mmc::inquiry(identity_.version_or_default()), be16(cdb, 3));
}

void AtapiCdrom::start_stop_unit(Cdb cdb) {
    bool load_eject = cdb[4] & 0x02, start = cdb[4] & 0x01;
    if (load_eject && !start) {
        if (locked_) {
            check_condition({mmc::kSenseIllegalRequest, mmc::kAscRemovalPrevented, 0x02});
            return;
        }
        if (medium_ && !tray_open_) media_event_ = mmc::MediaEvent::MediaRemoval;
        tray_open_ = true;
    } else if (load_eject && start && tray_open_) {
        tray_open_ = false;
        if (medium_) media_event_ = mmc::MediaEvent::NewMedia;
    }
    complete_ok();
}

void AtapiCdrom::prevent_allow_removal(Cdb cdb) {
    locked_ = cdb[4] & 0x01;
    complete_ok();
}

void AtapiCdrom::read_capacity(Cdb) {
    send_response(mmc::read_capacity(medium_sectors()), 8);
}

void AtapiCdrom::read10(Cdb cdb) {
    read_sectors(be32(cdb, 2), be16(cdb, 7));
}

void AtapiCdrom::read12(Cdb cdb) {
    read_sectors(be32(cdb, 2), be32(cdb, 6));
}

void AtapiCdrom::read_toc(Cdb cdb) {
    bool msf = cdb[1] & 0x02;
    unsigned format = cdb[2] & 0x0f;
    // Older hosts put the format in the top bits of the control byte.
    if (format == 0) format = cdb[9] >> 6;
    auto toc = mmc::read_toc(medium_sectors(), format, msf, cdb[6]);
    if (!toc) {
        check_condition({mmc::kSenseIllegalRequest, mmc::kAscInvalidField, 0});
        return;
    }
    send_response(std::move(*toc), be16(cdb, 7));
}

void AtapiCdrom::mode_sense10(Cdb cdb) {
    unsigned page_control = cdb[2] >> 6, page = cdb[2] & 0x3f;
    if (page_control == 3) {
        check_condition({mmc::kSenseIllegalRequest, mmc::kAscSavingNotSupported, 0});
        return;
    }
    auto pages = mmc::mode_sense(page, page_control, medium_state());
    if (!pages) {
        check_condition({mmc::kSenseIllegalRequest, mmc::kAscInvalidField, 0});
        return;
    }
    send_response(std::move(*pages), be16(cdb, 7));
}

void AtapiCdrom::get_configuration(Cdb cdb) {
    unsigned request_type = cdb[1] & 0x03;
    if (request_type == 3) {
        check_condition({mmc::kSenseIllegalRequest, mmc::kAscInvalidField, 0});
        return;
    }
    send_response(mmc::get_configuration(medium_state(), request_type, be16(cdb, 2)), be16(cdb, 7));
}

void AtapiCdrom::get_event_status(Cdb cdb) {
    if (!(cdb[1] & 0x01)) {  // asynchronous notification is not supported
        check_condition({mmc::kSenseIllegalRequest, mmc::kAscInvalidField, 0});
        return;
    }
    uint8_t classes = cdb[4];
    mmc::MediaEvent event = mmc::MediaEvent::None;
    if (classes & 0x10) event = std::exchange(media_event_, mmc::MediaEvent::None);
    send_response(mmc::event_status(classes, event, medium_state()), be16(cdb, 7));
}

void AtapiCdrom::read_disc_information(Cdb cdb) {
    if (cdb[1] & 0x07) {  // only standard disc information
        check_condition({mmc::kSenseIllegalRequest, mmc::kAscInvalidField, 0});
        return;
    }
    send_response(mmc::disc_information(medium_sectors()), be16(cdb, 7));
}

void AtapiCdrom::read_track_information(Cdb cdb) {
    auto info = mmc::track_information(cdb[1] & 0x03, be32(cdb, 2), medium_sectors());
    if (!info) {
        check_condition({mmc::kSenseIllegalRequest, mmc::kAscInvalidField, 0});
        return;
    }
    send_response(std::move(*info), be16(cdb, 7));
}

void AtapiCdrom::mechanism_status(Cdb cdb) {
    send_response(mmc::mechanism_status(medium_state()), be16(cdb, 8));
}

}  // namespace kemu::ide
