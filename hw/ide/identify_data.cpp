#include "hw/ide/identify_data.h"

namespace kemu::ide {

void IdentifyData::set_string(unsigned first_word, unsigned word_count, std::string_view text) {
    for (unsigned i = 0; i < word_count; i++) {
        auto at = [&](size_t pos) { return pos < text.size() ? uint8_t(text[pos]) : uint8_t(' '); };
        words_[first_word + i] = uint16_t(at(2 * i) << 8 | at(2 * i + 1));
    }
}

void IdentifyData::set_u32(unsigned first_word, uint32_t value) {
    words_[first_word] = uint16_t(value);
    words_[first_word + 1] = uint16_t(value >> 16);
}

void IdentifyData::set_u64(unsigned first_word, uint64_t value) {
    set_u32(first_word, uint32_t(value));
    set_u32(first_word + 2, uint32_t(value >> 32));
}

IoBuffer IdentifyData::bytes() const {
    auto out = std::make_shared<std::vector<uint8_t>>(512);
    auto& b = *out;
    for (unsigned i = 0; i < 255; i++) {
        b[2 * i] = uint8_t(words_[i]);
        b[2 * i + 1] = uint8_t(words_[i] >> 8);
    }
    b[510] = 0xa5;
    uint8_t sum = 0;
    for (unsigned i = 0; i < 511; i++)
        sum = uint8_t(sum + b[i]);
    b[511] = uint8_t(-sum);
    return out;
}

bool TransferModes::select(uint8_t mode) {
    unsigned kind = mode >> 3, n = mode & 7;
    switch (kind) {
        case 0:  // PIO default mode (with or without IORDY)
            return n <= 1;
        case 1:  // PIO flow control mode n
            return n <= 4;
        case 4:  // multiword DMA
            if (n > kMaxMultiwordDma) return false;
            multiword_dma = int8_t(n);
            ultra_dma = -1;
            return true;
        case 8:  // Ultra DMA
            if (n > kMaxUltraDma) return false;
            ultra_dma = int8_t(n);
            multiword_dma = -1;
            return true;
        default:
            return false;
    }
}

void TransferModes::clamp_loaded_state() {
    if (multiword_dma > int(kMaxMultiwordDma)) multiword_dma = -1;
    if (ultra_dma > int(kMaxUltraDma)) ultra_dma = -1;
}

void TransferModes::fill(IdentifyData& id) const {
    id[63] = uint16_t((1u << (kMaxMultiwordDma + 1)) - 1);
    if (multiword_dma >= 0) id[63] |= uint16_t(0x100 << multiword_dma);
    id[88] = uint16_t((1u << (kMaxUltraDma + 1)) - 1);
    if (ultra_dma >= 0) id[88] |= uint16_t(0x100 << ultra_dma);
}

}  // namespace kemu::ide
