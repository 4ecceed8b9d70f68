// Bus-master IDE (SFF-8038i, as in the Intel 82371SB PIIX3 function 1): per channel a command
// register (start, direction), a status register (active, error, interrupt, drive DMA
// capable) and a PRD table pointer, at offsets 0/2/4 of an 8-byte block; the primary channel's
// block comes first in the 16-byte I/O BAR4. The engine walks the Physical Region Descriptor
// table in guest memory: 32-bit base, 16-bit byte count (0 means 64 KiB), bit 15 of the last
// word marking the end of the table.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "hw/core/device.h"
#include "hw/ide/ide_channel.h"
#include "system/address_space.h"
#include "system/memory_region.h"

namespace kemu::ide {

class BusMasterChannel final : public IdeDmaEngine {
  public:
    BusMasterChannel(AddressSpace& memory, IdeChannel& channel);

    uint8_t read(unsigned offset) const;
    void write(unsigned offset, uint8_t value);
    void reset();
    // The registers; a transfer in progress is not part of the state.
    template <typename Self, typename Io>
    static void state_fields(Self& self, Io& io) {
        io(self.command_, self.status_, self.prd_table_);
    }
    // After a load: the next transfer walks the table from its start.
    void restart_walk();

    bool running() const override;
    bool transfer(std::span<uint8_t> data, bool to_memory) override;
    void device_interrupt() override;

  private:
    void write_command(uint8_t value);
    // Ends the transfer as failed: error set, active cleared.
    bool fail(const char* why);
    bool next_descriptor();

    AddressSpace& memory_;
    IdeChannel& channel_;
    uint8_t command_ = 0;
    uint8_t status_ = 0;
    uint32_t prd_table_ = 0;
    // Where the walk of the current transfer stands.
    uint32_t next_entry_ = 0;
    unsigned entries_read_ = 0;
    uint32_t segment_address_ = 0;
    uint32_t segment_left_ = 0;
    bool segment_is_last_ = false;
};

class Bmdma final : public Device {
  public:
    static constexpr unsigned kBarSize = 16;

    // DMA goes to and from `memory` (the guest-physical bus); the channels must outlive this.
    Bmdma(std::string name, AddressSpace& memory, IdeChannel& primary, IdeChannel& secondary);
    ~Bmdma() override;

    // What BAR4 maps.
    MemoryRegion& io() { return io_; }

    const char* type_name() const override { return "ide-bmdma"; }
    void reset() override;
    void save(StateWriter& out) const override;
    Result<void> load(StateReader& in, uint32_t version) override;
    template <typename Self, typename Io>
    static void state_fields(Self& self, Io& io) {
        io(self.channels_);
    }

  private:
    std::array<IdeChannel*, 2> ide_;
    std::array<BusMasterChannel, 2> channels_;
    MemoryRegion io_;
};

}  // namespace kemu::ide
