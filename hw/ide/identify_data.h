// The 256-word IDENTIFY (PACKET) DEVICE block both drive kinds return: ATA strings are
// space-padded with the two characters of each word swapped, and word 255 carries the
// signature A5h and a checksum that makes the 512 bytes sum to zero (ATA/ATAPI-6 8.15).
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "hw/ide/drive_io.h"

namespace kemu::ide {

class IdentifyData {
  public:
    uint16_t& operator[](unsigned word) { return words_[word]; }
    void set_string(unsigned first_word, unsigned word_count, std::string_view text);
    void set_u32(unsigned first_word, uint32_t value);
    void set_u64(unsigned first_word, uint64_t value);
    // The little-endian bytes, integrity word included.
    IoBuffer bytes() const;

  private:
    std::array<uint16_t, 256> words_{};
};

// Words 63 and 88: the supported DMA modes and the one SET FEATURES selected.
struct TransferModes {
    static constexpr unsigned kMaxMultiwordDma = 2;
    static constexpr unsigned kMaxUltraDma = 5;
    // -1: none selected of that kind.
    int8_t multiword_dma = -1;
    int8_t ultra_dma = kMaxUltraDma;

    // SET FEATURES 03h's sector count: false for a mode the drive lacks.
    bool select(uint8_t mode);
    void fill(IdentifyData& id) const;

    // Saved as a byte each (see hw/core/state_io.h).
    template <typename Self, typename Io>
    static void state_fields(Self& self, Io& io) {
        io(self.multiword_dma, self.ultra_dma);
    }
    // A stream from elsewhere must not select what the drive cannot do: such a mode reads
    // as none selected.
    void clamp_loaded_state();
};

}  // namespace kemu::ide
