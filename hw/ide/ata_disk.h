// An ATA hard disk (ATA/ATAPI-6 general feature set, 48-bit addressing) on a BlockBackend.
// Every sector transfer goes through the backend asynchronously: BSY stays set until the
// completion runs on the main loop, so a slow image never stalls a vCPU. Transfers move in
// chunks of at most kChunkSectors, whatever sector count the guest asks for.
#pragma once

#include <cstdint>
#include <string>

#include "block/block_backend.h"
#include "hw/core/device.h"
#include "hw/ide/drive_identity.h"
#include "hw/ide/drive_io.h"
#include "hw/ide/ide_channel.h"
#include "hw/ide/identify_data.h"

namespace kemu::ide {

class AtaDisk final : public Device, public IdeDevice {
  public:
    static constexpr unsigned kSectorSize = 512;
    static constexpr uint32_t kChunkSectors = 256;
    static constexpr unsigned kMaxMultiple = 16;  // sectors per DRQ block in READ/WRITE MULTIPLE
    static constexpr const char* kDefaultModel = "KEMU HARDDISK";

    // `backend` must outlive the disk and any request it has in flight (see idle()).
    AtaDisk(std::string name, block::BlockBackend& backend, DriveIdentity identity);

    bool is_packet_device() const override { return false; }
    void execute(uint8_t command) override;
    void soft_reset() override;

    const char* type_name() const override { return "ide-hd"; }
    // Hardware reset: the power-on settings, then what a soft reset does.
    void reset() override;
    // Settings only: save while no command runs (a command in flight is not saved).
    void save(StateWriter& out) const override;
    Result<void> load(StateReader& in, uint32_t version) override;
    template <typename Self, typename Io>
    static void state_fields(Self& self, Io& io) {
        io(self.write_cache_, self.modes_, self.multiple_, self.power_mode_, self.cur_cylinders_,
           self.cur_heads_, self.cur_sectors_per_track_);
    }

    uint64_t sectors() const { return backend_.size() / kSectorSize; }
    bool write_cache_enabled() const { return write_cache_; }
    // No backend request in flight (the backend may be closed).
    bool idle() const { return io_.idle(); }

  private:
    enum class Mode { Pio, PioMultiple, Dma, Verify };
    struct Access {
        bool write;
        Mode mode;
        bool lba48;
    };
    struct Entry {
        void (AtaDisk::*run)(Access) = nullptr;
        Access access{};
    };
    static const std::array<Entry, 256>& command_table();

    void read_write(Access access);
    void identify(Access);
    void set_multiple_mode(Access);
    void set_features(Access);
    void initialize_device_parameters(Access);
    void check_power_mode(Access);
    void idle_command(Access);
    void standby_command(Access);
    void flush_cache(Access);
    void read_native_max(Access access);
    void no_operation(Access);
    void abort(Access) { abort_command(); }

    // The start sector of the command, false (IDNF reported) if the CHS address is invalid.
    bool start_sector(bool lba48, uint64_t* lba);
    void next_read_chunk();
    void send_read_block();
    void next_write_chunk(bool interrupt_host);
    void receive_write_block(bool interrupt_host);
    void write_chunk();
    void complete_write();
    void transfer_failed(uint8_t error);
    IdentifyData identify_data() const;

    // The command in progress.
    struct Transfer {
        Mode mode = Mode::Pio;
        bool lba48 = false;
        uint64_t lba = 0;            // first sector of the current chunk
        uint32_t remaining = 0;      // sectors after the current chunk's start
        uint32_t block = 1;          // sectors per DRQ block
        uint32_t chunk_sectors = 0;  // sectors in `buf`
        uint32_t chunk_done = 0;     // of those, moved to or from the host
        IoBuffer buf;
    };

    block::BlockBackend& backend_;
    DriveIo io_;
    DriveIdentity identity_;
    Transfer xfer_;
    TransferModes modes_;
    uint8_t multiple_ = 0;  // 0: READ/WRITE MULTIPLE disabled
    bool write_cache_;
    uint8_t power_mode_ = 0xff;  // CHECK POWER MODE's answer: ffh active/idle, 00h standby
    // Default and current CHS translation (INITIALIZE DEVICE PARAMETERS changes the latter).
    unsigned cylinders_, heads_, sectors_per_track_;
    uint32_t cur_cylinders_, cur_heads_, cur_sectors_per_track_;
};

}  // namespace kemu::ide
