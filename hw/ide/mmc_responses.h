// The data-in payloads of the SCSI/MMC commands the ATAPI CD-ROM answers, built as plain byte
// vectors from SPC-3 and MMC-5 (single-session, single-data-track discs of 2048-byte
// sectors). A nullopt means the CDB asked for something the drive does not have: the caller
// reports ILLEGAL REQUEST / INVALID FIELD IN CDB.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace kemu::ide::mmc {

using Bytes = std::vector<uint8_t>;

// Sense keys and additional sense codes the drive reports.
inline constexpr uint8_t kSenseNone = 0x00;
inline constexpr uint8_t kSenseNotReady = 0x02;
inline constexpr uint8_t kSenseMediumError = 0x03;
inline constexpr uint8_t kSenseIllegalRequest = 0x05;
inline constexpr uint8_t kSenseUnitAttention = 0x06;
inline constexpr uint8_t kSenseAbortedCommand = 0x0b;
inline constexpr uint8_t kAscUnrecoveredRead = 0x11;
inline constexpr uint8_t kAscInvalidOpcode = 0x20;
inline constexpr uint8_t kAscLbaOutOfRange = 0x21;
inline constexpr uint8_t kAscInvalidField = 0x24;
inline constexpr uint8_t kAscMediumChanged = 0x28;
inline constexpr uint8_t kAscSavingNotSupported = 0x39;
inline constexpr uint8_t kAscMediumNotPresent = 0x3a;
inline constexpr uint8_t kAscRemovalPrevented = 0x53;

struct Sense {
    uint8_t key = kSenseNone, asc = 0, ascq = 0;

    template <typename Self, typename Io>
    static void state_fields(Self& self, Io& io) {
        io(self.key, self.asc, self.ascq);
    }
};

// GET EVENT STATUS NOTIFICATION media event codes.
enum class MediaEvent : uint8_t { None = 0, EjectRequest = 1, NewMedia = 2, MediaRemoval = 3 };

// What the drive holds, for the commands that describe it.
struct MediumState {
    bool present = false;  // a medium is in the closed tray
    bool tray_open = false;
    bool locked = false;
    uint32_t sectors = 0;
    bool dvd() const;
};

inline uint16_t be16(std::span<const uint8_t> b, size_t at) {
    return uint16_t(b[at] << 8 | b[at + 1]);
}
inline uint32_t be32(std::span<const uint8_t> b, size_t at) {
    return uint32_t(b[at]) << 24 | uint32_t(b[at + 1]) << 16 | uint32_t(b[at + 2]) << 8 | b[at + 3];
}

// The product revision field carries the drive's firmware revision (its ver= property).
Bytes inquiry(std::string_view revision);
Bytes fixed_sense(Sense sense);
Bytes read_capacity(uint32_t sectors);
// READ TOC/PMA/ATIP formats 0 (TOC), 1 (session info) and 2 (full TOC).
std::optional<Bytes> read_toc(uint32_t sectors, unsigned format, bool msf, uint8_t track);
// MODE SENSE(10) for pages 01h, 0Dh, 2Ah or 3Fh (all); page control 0-2.
std::optional<Bytes> mode_sense(unsigned page, unsigned page_control, const MediumState& m);
// `request_type` 0 (all), 1 (current) or 2 (the one at `start`).
Bytes get_configuration(const MediumState& m, unsigned request_type, uint16_t start);
Bytes event_status(uint8_t class_request, MediaEvent event, const MediumState& m);
Bytes disc_information(uint32_t sectors);
std::optional<Bytes> track_information(unsigned address_type, uint32_t number, uint32_t sectors);
Bytes mechanism_status(const MediumState& m);

}  // namespace kemu::ide::mmc
