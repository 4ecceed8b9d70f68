// An ATAPI DVD-ROM drive (ATA/ATAPI-6 PACKET feature set, SFF-8020/MMC-5 commands) reading
// 2048-byte sectors from a BlockBackend that may come and go: the monitor's eject/change
// call eject() and insert(). Data phases run over PIO (in blocks no larger than the host's
// byte count limit) or DMA through the channel's bus master.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>

#include "block/block_backend.h"
#include "hw/core/device.h"
#include "hw/ide/drive_identity.h"
#include "hw/ide/drive_io.h"
#include "hw/ide/ide_channel.h"
#include "hw/ide/identify_data.h"
#include "hw/ide/mmc_responses.h"
#include "system/error.h"

namespace kemu::ide {

class AtapiCdrom final : public Device, public IdeDevice {
  public:
    static constexpr unsigned kSectorSize = 2048;
    static constexpr uint32_t kChunkSectors = 32;
    static constexpr const char* kDefaultModel = "KEMU DVD-ROM";

    // Starts with an empty, closed tray.
    AtapiCdrom(std::string name, DriveIdentity identity);

    bool is_packet_device() const override { return true; }
    void execute(uint8_t command) override;
    void soft_reset() override;

    const char* type_name() const override { return "ide-cd"; }
    // Hardware reset: the lock and transfer mode go back to their defaults; the tray and
    // the medium stay as they are.
    void reset() override;
    // Tray, lock, pending unit attention, media event and sense; not a command in flight.
    // The medium itself is the machine's to reattach (insert()) before load().
    void save(StateWriter& out) const override;
    Result<void> load(StateReader& in, uint32_t version) override;
    template <typename Self, typename Io>
    static void state_fields(Self& self, Io& io) {
        io(self.tray_open_, self.locked_, self.unit_attention_, self.media_event_, self.sense_,
           self.modes_);
    }

    // Puts `medium` in and closes the tray; the guest sees UNIT ATTENTION (medium may have
    // changed) and a new-media event. `medium` must outlive its time in the drive.
    void insert(block::BlockBackend* medium);
    // Opens the tray and takes the medium out. With the tray locked by the guest (PREVENT
    // MEDIUM REMOVAL) it fails unless `force`, and the guest is sent an eject request.
    // A request in flight is abandoned; close the old backend only once idle().
    Result<void> eject(bool force);
    block::BlockBackend* medium() const { return medium_; }
    bool locked() const { return locked_; }
    bool tray_open() const { return tray_open_; }
    bool idle() const { return io_.idle(); }

  private:
    enum Flags : uint8_t {
        kNeedsMedium = 1,       // NOT READY without a medium
        kIgnoresAttention = 2,  // runs even with a unit attention pending
    };
    using Cdb = std::span<const uint8_t>;
    struct Entry {
        void (AtapiCdrom::*run)(Cdb) = nullptr;
        uint8_t flags = 0;
    };
    static const std::array<Entry, 256>& command_table();

    // ATA commands.
    void packet();
    void identify_packet_device();
    IdentifyData identify_data() const;
    void set_features();

    // The packet's command and its phases.
    void run_packet();
    void check_condition(mmc::Sense sense);
    void complete_ok();
    // Data-in of a response, cut to the CDB's allocation length.
    void send_response(mmc::Bytes response, size_t allocation_length);
    // Sends `buf`; then `next` (more data) or, when `last`, the completion.
    void send_buffer(IoBuffer buf, bool last, std::function<void()> next);
    void send_pio_block(size_t offset, bool last, std::function<void()> next);
    void read_sectors(uint32_t lba, uint32_t count);
    void next_read_chunk();
    void abandon_read(mmc::Sense sense);
    mmc::MediumState medium_state() const;
    uint32_t medium_sectors() const;

    // SCSI/MMC commands.
    void test_unit_ready(Cdb);
    void request_sense(Cdb cdb);
    void inquiry(Cdb cdb);
    void start_stop_unit(Cdb cdb);
    void prevent_allow_removal(Cdb cdb);
    void read_capacity(Cdb);
    void read10(Cdb cdb);
    void read12(Cdb cdb);
    void read_toc(Cdb cdb);
    void mode_sense10(Cdb cdb);
    void get_configuration(Cdb cdb);
    void get_event_status(Cdb cdb);
    void read_disc_information(Cdb cdb);
    void read_track_information(Cdb cdb);
    void mechanism_status(Cdb cdb);
    void no_data(Cdb) { complete_ok(); }

    DriveIdentity identity_;
    DriveIo io_;
    block::BlockBackend* medium_ = nullptr;
    bool tray_open_ = false;
    bool locked_ = false;
    bool unit_attention_ = false;
    mmc::MediaEvent media_event_ = mmc::MediaEvent::None;
    mmc::Sense sense_;
    TransferModes modes_;

    // The packet in progress.
    std::array<uint8_t, 12> cdb_{};
    bool dma_ = false;
    uint16_t byte_limit_ = 0;
    IoBuffer buf_;
    uint32_t read_lba_ = 0, read_left_ = 0;
};

}  // namespace kemu::ide
