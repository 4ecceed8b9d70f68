// One IDE channel (ATA/ATAPI-6 "Register transport"): the command block (data, error/features,
// sector count, LBA low/mid/high, device, status/command) and the control block (alternate
// status / device control) shared by a master and a slave. Each device keeps its own copy of
// the task file: both latch every write, the selected one answers reads. The channel runs the
// PIO data phase and hands DMA data phases to a bus-master engine (bmdma.h).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <span>
#include <string>

#include "hw/core/device.h"
#include "hw/core/irq.h"
#include "system/memory_region.h"

namespace kemu::ide {

// Status register bits.
inline constexpr uint8_t kStatusErr = 0x01;
inline constexpr uint8_t kStatusDrq = 0x08;
inline constexpr uint8_t kStatusDsc = 0x10;  // seek complete / service
inline constexpr uint8_t kStatusDrdy = 0x40;
inline constexpr uint8_t kStatusBsy = 0x80;
inline constexpr uint8_t kStatusReady = kStatusDrdy | kStatusDsc;

// Error register bits (ATA); ATAPI puts its sense key in bits 7-4.
inline constexpr uint8_t kErrorAbrt = 0x04;
inline constexpr uint8_t kErrorIdnf = 0x10;
inline constexpr uint8_t kErrorUnc = 0x40;

// Device register: LBA addressing and the device select bit.
inline constexpr uint8_t kDeviceLba = 0x40;
inline constexpr uint8_t kDeviceDev = 0x10;

// One device's view of the command block. `hob_*` hold the previous write of each register,
// the high-order bytes of 48-bit commands.
struct TaskFile {
    uint8_t feature = 0, count = 0, lba_low = 0, lba_mid = 0, lba_high = 0;
    uint8_t hob_feature = 0, hob_count = 0, hob_lba_low = 0, hob_lba_mid = 0, hob_lba_high = 0;
    uint8_t device = 0;
    uint8_t error = 0;
    uint8_t status = 0;

    template <typename Self, typename Io>
    static void state_fields(Self& self, Io& io) {
        io(self.feature, self.count, self.lba_low, self.lba_mid, self.lba_high, self.hob_feature,
           self.hob_count, self.hob_lba_low, self.hob_lba_mid, self.hob_lba_high, self.device,
           self.error, self.status);
    }

    uint32_t lba28() const {
        return uint32_t(device & 0x0f) << 24 | uint32_t(lba_high) << 16 | uint32_t(lba_mid) << 8 |
               lba_low;
    }
    uint64_t lba48() const {
        return uint64_t(hob_lba_high) << 40 | uint64_t(hob_lba_mid) << 32 |
               uint64_t(hob_lba_low) << 24 | uint64_t(lba_high) << 16 | uint64_t(lba_mid) << 8 |
               lba_low;
    }
    void set_lba28(uint32_t lba) {
        lba_low = uint8_t(lba);
        lba_mid = uint8_t(lba >> 8);
        lba_high = uint8_t(lba >> 16);
        device = uint8_t((device & 0xf0) | ((lba >> 24) & 0x0f));
    }
    void set_lba48(uint64_t lba) {
        lba_low = uint8_t(lba);
        lba_mid = uint8_t(lba >> 8);
        lba_high = uint8_t(lba >> 16);
        hob_lba_low = uint8_t(lba >> 24);
        hob_lba_mid = uint8_t(lba >> 32);
        hob_lba_high = uint8_t(lba >> 40);
    }
};

class IdeChannel;

// What a bus-master engine offers a channel (one channel of bmdma.h).
class IdeDmaEngine {
  public:
    virtual ~IdeDmaEngine() = default;
    // The guest has started the engine, so a transfer may run now.
    virtual bool running() const = 0;
    // Moves `data` between guest memory and the device's buffer, continuing the PRD table
    // from where the previous call of this command stopped. False: the transfer failed (the
    // engine has recorded the error) and the device ends its command with an error.
    virtual bool transfer(std::span<uint8_t> data, bool to_memory) = 0;
    // The selected device drove INTRQ.
    virtual void device_interrupt() = 0;
};

// A device on the channel: an ATA disk or an ATAPI CD-ROM.
class IdeDevice {
  public:
    virtual ~IdeDevice() = default;
    virtual bool is_packet_device() const = 0;
    // The command register was written while the device was not busy.
    virtual void execute(uint8_t command) = 0;
    // SRST, DEVICE RESET or EXECUTE DEVICE DIAGNOSTIC (and the tail of a hardware reset): drop
    // the command, stay busy until no request of it is in flight, then load the signature.
    virtual void soft_reset() = 0;

    void attach(IdeChannel* channel, unsigned unit) {
        channel_ = channel;
        unit_ = unit;
    }

  protected:
    TaskFile& tf();
    // Loads the ATA (mid/high 00/00) or ATAPI (14/EB) signature and the post-reset status.
    void load_signature();
    // Ends the command: status, error and an interrupt.
    void finish(uint8_t status, uint8_t error = 0);
    void abort_command() { finish(kStatusReady | kStatusErr, kErrorAbrt); }
    void set_busy();
    // PIO data-in or data-out block: DRQ set; `done` runs once the host moved all of `data`.
    void pio(std::span<uint8_t> data, bool to_host, bool interrupt, std::function<void()> done);
    // DMA data phase through the bus-master engine; `done(ok)` after it ended.
    void dma(std::span<uint8_t> data, bool to_memory, std::function<void(bool ok)> done);
    void interrupt();

    IdeChannel* channel_ = nullptr;
    unsigned unit_ = 0;
};

class IdeChannel final : public Device {
  public:
    // `irq_number` only labels the device in `info qtree`.
    IdeChannel(std::string name, unsigned irq_number);

    // Devices stay owned by the caller and must outlive the channel's use of them.
    void attach(unsigned unit, IdeDevice* device);
    void set_dma_engine(IdeDmaEngine* engine) { dma_engine_ = engine; }

    MemoryRegion& command_block() { return command_block_; }
    MemoryRegion& control_block() { return control_block_; }
    IrqLine& irq() { return irq_; }

    const char* type_name() const override { return "ide-channel"; }
    void reset() override;
    // The registers and pending interrupts; not a data phase in progress.
    void save(StateWriter& out) const override;
    Result<void> load(StateReader& in, uint32_t version) override;
    std::string describe() const override;
    template <typename Self, typename Io>
    static void state_fields(Self& self, Io& io) {
        io(self.tf_, self.irq_pending_, self.device_control_);
    }

    bool has_devices() const { return devices_[0] || devices_[1]; }
    // The bus-master engine was started: run a DMA phase that waits for it.
    void dma_engine_started();

    // Device side (IdeDevice's helpers).
    TaskFile& task_file(unsigned unit) { return tf_[unit]; }
    void device_interrupt(unsigned unit);
    void start_pio(unsigned unit, std::span<uint8_t> data, bool to_host,
                   std::function<void()> done);
    void start_dma(unsigned unit, std::span<uint8_t> data, bool to_memory,
                   std::function<void(bool ok)> done);

  private:
    unsigned selected() const { return (tf_[0].device & kDeviceDev) ? 1 : 0; }
    uint64_t read_command_block(unsigned offset, unsigned size);
    void write_command_block(unsigned offset, uint64_t value, unsigned size);
    uint8_t read_register(unsigned offset);
    void write_register(unsigned offset, uint8_t value);
    uint8_t status_of_selected() const;
    uint32_t read_data(unsigned size);
    void write_data(uint32_t value, unsigned size);
    void pio_advance(unsigned bytes);
    void write_command(uint8_t command);
    void write_device_control(uint8_t value);
    void reset_devices();
    void execute_device_diagnostic();
    void update_irq();
    void cancel_transfers(unsigned unit);
    void run_pending_dma();

    struct PioPhase {
        bool active = false;
        unsigned unit = 0;
        bool to_host = false;
        std::span<uint8_t> data;
        size_t pos = 0;
        std::function<void()> done;
    };
    struct DmaPhase {
        bool active = false;
        unsigned unit = 0;
        bool to_memory = false;
        std::span<uint8_t> data;
        std::function<void(bool)> done;
    };

    unsigned irq_number_;
    MemoryRegion command_block_;
    MemoryRegion control_block_;
    IrqLine irq_;
    IdeDmaEngine* dma_engine_ = nullptr;
    std::array<IdeDevice*, 2> devices_{};
    std::array<TaskFile, 2> tf_{};
    std::array<bool, 2> irq_pending_{};
    uint8_t device_control_ = 0;
    PioPhase pio_;
    DmaPhase dma_;
};

}  // namespace kemu::ide
