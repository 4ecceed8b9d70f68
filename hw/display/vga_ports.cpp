// Ports 0x3B0-0x3DF. The CRTC, input status 1 and feature control answer at 0x3Bx or
// 0x3Dx as Misc Output bit 0 selects (monochrome or colour emulation); the other
// address is dead, as on the card.
#include <algorithm>
#include <array>
#include <string>

#include "hw/display/vga.h"
#include "system/log.h"

namespace kemu {

using namespace vga;

namespace {

enum Port : uint16_t {
    kMonoCrtcIndex = 0x3b4,
    kMonoCrtcData = 0x3b5,
    kMonoStatus1 = 0x3ba,  // write: feature control
    kAcIndexData = 0x3c0,
    kAcRead = 0x3c1,
    kMiscWriteStatus0 = 0x3c2,  // write: misc output; read: input status 0
    kVgaEnable = 0x3c3,
    kSeqIndex = 0x3c4,
    kSeqData = 0x3c5,
    kDacMask = 0x3c6,
    kDacReadIndex = 0x3c7,  // read: DAC state
    kDacWriteIndex = 0x3c8,
    kDacData = 0x3c9,
    kFeatureRead = 0x3ca,
    kMiscRead = 0x3cc,
    kGcIndex = 0x3ce,
    kGcData = 0x3cf,
    kColorCrtcIndex = 0x3d4,
    kColorCrtcData = 0x3d5,
    kColorStatus1 = 0x3da,
};

// Input status 1: display enable inactive (bit 0) and vertical retrace (bit 3).
constexpr uint8_t kStatus1Retrace = 0x09;

// The data port of an index/data register bank. The card decodes no register past the
// bank: such an index reads as 0 and drops writes.
template <size_t N>
uint8_t read_indexed(const std::array<uint8_t, N>& bank, uint8_t index) {
    return index < N ? bank[index] : 0;
}

template <size_t N>
void write_indexed(std::array<uint8_t, N>& bank, uint8_t index, uint8_t value,
                   const std::string& device, const char* bank_name) {
    if (index < N)
        bank[index] = value;
    else
        log_unimp("%s: %s register 0x%x", device.c_str(), bank_name, index);
}

}  // namespace

bool Vga::port_inactive(uint16_t port) const {
    bool mono_port = port >= 0x3b0 && port <= 0x3bf;
    bool color_port = port >= 0x3d0 && port <= 0x3df;
    return regs_.color_ports() ? mono_port : color_port;
}

uint8_t Vga::port_read(uint16_t port) {
    if (port_inactive(port)) return 0xff;
    VgaRegisters& r = regs_;
    switch (port) {
        case kAcIndexData:
            return r.ac_index;
        case kAcRead: {
            unsigned index = r.ac_index & 0x1f;
            return index < kAcCount ? r.ac[index] : 0;
        }
        case kMiscWriteStatus0:
            return 0;
        case kVgaEnable:
            return r.vga_enable;
        case kSeqIndex:
            return r.seq_index;
        case kSeqData:
            return read_indexed(r.seq, r.seq_index);
        case kDacMask:
            return r.dac.pixel_mask;
        case kDacReadIndex:
            return r.dac.reading ? 0x03 : 0x00;
        case kDacWriteIndex:
            return r.dac.write_index;
        case kDacData:
            return read_dac_data();
        case kFeatureRead:
            return r.feature_control;
        case kMiscRead:
            return r.misc;
        case kGcIndex:
            return r.gc_index;
        case kGcData:
            return read_indexed(r.gc, r.gc_index);
        case kMonoCrtcIndex:
        case kColorCrtcIndex:
            return r.crtc_index;
        case kMonoCrtcData:
        case kColorCrtcData:
            return read_indexed(r.crtc, r.crtc_index);
        case kMonoStatus1:
        case kColorStatus1:
            return read_input_status_1();
    }
    log_guest_error("%s: read of unassigned VGA port 0x%x", name().c_str(), port);
    return 0xff;
}

void Vga::port_write(uint16_t port, uint8_t value) {
    if (port_inactive(port)) return;
    VgaRegisters& r = regs_;
    switch (port) {
        case kAcIndexData:
            return write_attribute(value);
        case kMiscWriteStatus0:
            r.misc = value;
            return;
        case kVgaEnable:
            r.vga_enable = value & 0x01;
            return;
        case kSeqIndex:
            r.seq_index = value & 0x07;
            return;
        case kSeqData:
            return write_indexed(r.seq, r.seq_index, value, name(), "sequencer");
        case kDacMask:
            r.dac.pixel_mask = value;
            return;
        case kDacReadIndex:
            r.dac.read_index = value;
            r.dac.component = 0;
            r.dac.reading = true;
            return;
        case kDacWriteIndex:
            r.dac.write_index = value;
            r.dac.component = 0;
            r.dac.reading = false;
            return;
        case kDacData:
            return write_dac_data(value);
        case kGcIndex:
            r.gc_index = value & 0x0f;
            return;
        case kGcData:
            return write_indexed(r.gc, r.gc_index, value, name(), "graphics controller");
        case kMonoCrtcIndex:
        case kColorCrtcIndex:
            r.crtc_index = value & 0x3f;
            return;
        case kMonoCrtcData:
        case kColorCrtcData:
            return write_crtc(value);
        case kMonoStatus1:
        case kColorStatus1:
            r.feature_control = value;
            return;
    }
    log_guest_error("%s: write 0x%x to unassigned VGA port 0x%x", name().c_str(), value, port);
}

uint8_t Vga::read_input_status_1() {
    // Reading it also resets the attribute flip-flop to "index", which is why every
    // driver reads it before touching 0x3C0. The retrace bits flip on each read so
    // polling loops waiting for either edge finish without a modelled beam.
    regs_.ac_expect_data = false;
    regs_.retrace = !regs_.retrace;
    return regs_.retrace ? kStatus1Retrace : 0;
}

void Vga::write_attribute(uint8_t value) {
    VgaRegisters& r = regs_;
    if (!r.ac_expect_data) {
        r.ac_index = value & 0x3f;
    } else {
        unsigned index = r.ac_index & 0x1f;
        if (index < 0x10)
            r.ac[index] = value & 0x3f;  // palette registers are 6 bits wide
        else if (index < kAcCount)
            r.ac[index] = value;
        else
            log_guest_error("%s: attribute register 0x%x does not exist", name().c_str(), index);
    }
    r.ac_expect_data = !r.ac_expect_data;
}

uint8_t Vga::read_dac_data() {
    VgaDac& dac = regs_.dac;
    uint8_t value = dac.rgb[dac.read_index * 3 + dac.component];
    if (++dac.component == 3) {
        dac.component = 0;
        dac.read_index++;
    }
    return vbe_.dac_8bit() ? value : value & 0x3f;
}

void Vga::write_dac_data(uint8_t value) {
    VgaDac& dac = regs_.dac;
    dac.pending[dac.component] = vbe_.dac_8bit() ? value : value & 0x3f;
    if (++dac.component < 3) return;
    std::copy(dac.pending.begin(), dac.pending.end(), dac.rgb.begin() + dac.write_index * 3);
    dac.component = 0;
    dac.write_index++;
}

void Vga::write_crtc(uint8_t value) {
    VgaRegisters& r = regs_;
    if (r.crtc_index >= kCrtcCount) {
        log_unimp("%s: CRTC register 0x%x", name().c_str(), r.crtc_index);
        return;
    }
    // CR11 bit 7 write-protects the horizontal and vertical timing registers CR0-CR7,
    // except the line compare bit 8 in CR7.
    if ((r.crtc[kCrVertRetraceEnd] & kCr11Protect) && r.crtc_index <= kCrOverflow) {
        if (r.crtc_index == kCrOverflow)
            r.crtc[kCrOverflow] =
                uint8_t((r.crtc[kCrOverflow] & ~kCr07LineCompare8) | (value & kCr07LineCompare8));
        return;
    }
    r.crtc[r.crtc_index] = value;
}

}  // namespace kemu
