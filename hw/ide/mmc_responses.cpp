#include "hw/ide/mmc_responses.h"

#include <cstring>
#include <string_view>

namespace kemu::ide::mmc {

namespace {

// The largest CD (80 minutes at 75 frames per second); anything bigger is a DVD.
constexpr uint32_t kCdMaxSectors = 80 * 60 * 75;
constexpr uint16_t kProfileCdRom = 0x0008;
constexpr uint16_t kProfileDvdRom = 0x0010;
constexpr uint8_t kAdrControlDataTrack = 0x14;  // ADR 1 (position), control 4 (data)
constexpr uint8_t kLeadOutTrack = 0xaa;
constexpr uint32_t kPregapFrames = 150;  // LBA 0 is MSF 00:02:00

void put16(Bytes& b, size_t at, uint32_t v) {
    b[at] = uint8_t(v >> 8);
    b[at + 1] = uint8_t(v);
}
void put32(Bytes& b, size_t at, uint32_t v) {
    put16(b, at, v >> 16);
    put16(b, at + 2, v);
}
void append(Bytes& b, std::initializer_list<uint8_t> bytes) {
    b.insert(b.end(), bytes);
}
void put_text(Bytes& b, size_t at, size_t width, std::string_view text) {
    for (size_t i = 0; i < width; i++)
        b[at + i] = i < text.size() ? uint8_t(text[i]) : uint8_t(' ');
}

// A TOC address: MSF as 00 M S F, or a big-endian LBA.
void append_address(Bytes& b, uint32_t lba, bool msf) {
    if (msf) {
        uint32_t frames = lba + kPregapFrames;
        append(b,
               {0, uint8_t(frames / (75 * 60)), uint8_t(frames / 75 % 60), uint8_t(frames % 75)});
    } else {
        append(b, {uint8_t(lba >> 24), uint8_t(lba >> 16), uint8_t(lba >> 8), uint8_t(lba)});
    }
}

// Fills in a header's big-endian length field: the bytes after the field itself.
Bytes with_length16(Bytes b) {
    put16(b, 0, uint32_t(b.size() - 2));
    return b;
}

}  // namespace

bool MediumState::dvd() const {
    return sectors > kCdMaxSectors;
}

Bytes inquiry(std::string_view revision) {
    Bytes b(36, 0);
    b[0] = 0x05;  // CD/DVD device
    b[1] = 0x80;  // removable medium
    b[2] = 0x00;  // no SCSI version claimed, as ATAPI drives report
    b[3] = 0x21;  // ATAPI transport, response data format 1
    b[4] = uint8_t(b.size() - 5);
    put_text(b, 8, 8, "KEMU");
    put_text(b, 16, 16, "KEMU DVD-ROM");
    put_text(b, 32, 4, revision);
    return b;
}

Bytes fixed_sense(Sense sense) {
    Bytes b(18, 0);
    b[0] = 0x70;  // current error, fixed format
    b[2] = sense.key;
    b[7] = 10;  // additional sense length
    b[12] = sense.asc;
    b[13] = sense.ascq;
    return b;
}

Bytes read_capacity(uint32_t sectors) {
    Bytes b(8, 0);
    put32(b, 0, sectors ? sectors - 1 : 0);
    put32(b, 4, 2048);
    return b;
}

std::optional<Bytes> read_toc(uint32_t sectors, unsigned format, bool msf, uint8_t track) {
    Bytes b = {0, 0, 1, 1};  // length, first and last track (or session)
    switch (format) {
        case 0:
            if (track > 1 && track != kLeadOutTrack) return std::nullopt;
            if (track <= 1) {
                append(b, {0, kAdrControlDataTrack, 1, 0});
                append_address(b, 0, msf);
            }
            append(b, {0, kAdrControlDataTrack, kLeadOutTrack, 0});
            append_address(b, sectors, msf);
            return with_length16(b);
        case 1:  // the first track of the last (only) session
            append(b, {0, kAdrControlDataTrack, 1, 0});
            append_address(b, 0, msf);
            return with_length16(b);
        case 2: {
            // Full TOC: points A0 (first track), A1 (last track), A2 (lead-out) and track 1,
            // addresses always in MSF.
            uint32_t lead_out = sectors + kPregapFrames;
            auto entry = [&](uint8_t point, uint8_t pmin, uint8_t psec, uint8_t pframe) {
                append(b, {1, kAdrControlDataTrack, 0, point, 0, 0, 0, 0, pmin, psec, pframe});
            };
            entry(0xa0, 1, 0x00, 0);  // first track 1, disc type CD-ROM
            entry(0xa1, 1, 0, 0);
            entry(0xa2, uint8_t(lead_out / (75 * 60)), uint8_t(lead_out / 75 % 60),
                  uint8_t(lead_out % 75));
            entry(1, 0, 2, 0);
            return with_length16(b);
        }
        default:
            return std::nullopt;
    }
}

std::optional<Bytes> mode_sense(unsigned page, unsigned page_control, const MediumState& m) {
    if (page_control > 2) return std::nullopt;  // saved values: the caller reports 39h
    bool changeable = page_control == 1;
    Bytes b(8, 0);  // mode parameter header(10), no block descriptors
    auto add_page = [&](Bytes p) {
        if (changeable) std::memset(p.data() + 2, 0, p.size() - 2);
        b.insert(b.end(), p.begin(), p.end());
    };
    bool all = page == 0x3f;
    if (page == 0x01 || all) add_page({0x01, 0x06, 0x00, 0x05, 0, 0, 0, 0});
    // CD device parameters: 60 MSF seconds per minute, 75 frames per second.
    if (page == 0x0d || all) add_page({0x0d, 0x06, 0, 0, 0, 60, 0, 75});
    if (page == 0x2a || all) {
        Bytes caps(22, 0);
        caps[0] = 0x2a;
        caps[1] = 20;
        caps[2] = 0x3b;  // reads CD-R, CD-RW, DVD-ROM, DVD-R, DVD-RAM
        caps[4] = 0x70;  // mode 2 form 1 and 2, multi-session
        // Tray loading mechanism, eject, lock, and the lock's current state.
        caps[6] = uint8_t(0x29 | (m.locked ? 0x02 : 0));
        put16(caps, 8, 4 * 176);  // maximum read speed in kB/s (4x)
        put16(caps, 10, 0);       // volume levels
        put16(caps, 12, 512);     // buffer size in KiB
        put16(caps, 14, 4 * 176);
        add_page(caps);
    }
    if (b.size() == 8) return std::nullopt;
    return with_length16(b);
}

Bytes get_configuration(const MediumState& m, unsigned request_type, uint16_t start) {
    uint16_t current_profile = !m.present ? 0 : m.dvd() ? kProfileDvdRom : kProfileCdRom;
    struct Feature {
        uint16_t code;
        bool current;
        Bytes body;  // after the 4-byte feature header
    };
    auto profile = [&](uint16_t p) {
        return Bytes{uint8_t(p >> 8), uint8_t(p), uint8_t(current_profile == p), 0};
    };
    Bytes profiles = profile(kProfileDvdRom);
    Bytes cd = profile(kProfileCdRom);
    profiles.insert(profiles.end(), cd.begin(), cd.end());
    const Feature features[] = {
        {0x0000, true, profiles},                          // profile list
        {0x0001, true, {0, 0, 0, 2, 0, 0, 0, 0}},          // core: ATAPI interface
        {0x0003, true, {0x29, 0, 0, 0}},                   // removable medium: tray, eject, lock
        {0x0010, m.present, {0, 0, 0x08, 0, 0, 1, 0, 0}},  // random readable, 2048-byte blocks
    };
    Bytes b(8, 0);
    put16(b, 6, current_profile);
    for (const Feature& f : features) {
        if (f.code < start) continue;
        if (request_type == 1 && !f.current) continue;
        if (request_type == 2 && f.code != start) continue;
        // Version 0 except core (version 2 in MMC-5); persistent for the always-current ones.
        uint8_t flags = uint8_t((f.code == 0x0001 ? 0x08 : 0) | (f.code < 0x0010 ? 0x02 : 0) |
                                (f.current ? 0x01 : 0));
        append(b, {uint8_t(f.code >> 8), uint8_t(f.code), flags, uint8_t(f.body.size())});
        b.insert(b.end(), f.body.begin(), f.body.end());
    }
    put32(b, 0, uint32_t(b.size() - 4));
    return b;
}

Bytes event_status(uint8_t class_request, MediaEvent event, const MediumState& m) {
    constexpr uint8_t kMediaClass = 4, kMediaClassBit = 1 << kMediaClass;
    if (!(class_request & kMediaClassBit)) {
        // No event available for the classes asked: NEA set, no descriptor.
        return {0, 2, 0x80, kMediaClassBit};
    }
    uint8_t media_status = uint8_t((m.present ? 0x02 : 0) | (m.tray_open ? 0x01 : 0));
    return {0, 6, kMediaClass, kMediaClassBit, uint8_t(event), media_status, 0, 0};
}

Bytes disc_information(uint32_t) {
    Bytes b(34, 0);
    b[2] = 0x0e;  // disc complete, last session complete
    b[3] = 1;     // first track
    b[4] = 1;     // sessions
    b[5] = 1;     // first track of the last session
    b[6] = 1;     // last track of the last session
    // Lead-in and lead-out start times of a finalised disc: FFFFFFFFh.
    std::memset(b.data() + 16, 0xff, 8);
    return with_length16(b);
}

std::optional<Bytes> track_information(unsigned address_type, uint32_t number, uint32_t sectors) {
    bool track_one = (address_type == 0 && number < sectors) || (address_type == 1 && number == 1);
    if (!track_one) return std::nullopt;
    Bytes b(36, 0);
    b[2] = 1;     // track
    b[3] = 1;     // session
    b[5] = 0x04;  // data track, recorded uninterrupted
    b[6] = 0x01;  // data mode 1
    put32(b, 8, 0);
    put32(b, 24, sectors);
    return with_length16(b);
}

Bytes mechanism_status(const MediumState& m) {
    Bytes b(8, 0);
    b[1] = m.tray_open ? 0x10 : 0;
    return b;
}

}  // namespace kemu::ide::mmc
