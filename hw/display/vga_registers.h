// The VGA's register file, laid out as the IBM VGA technical reference numbers it:
// sequencer (SR), graphics controller (GR), attribute controller (AR), CRT controller
// (CR), the DAC and the external registers. Plain data: hw/display/vga_ports.cpp gives
// the port semantics, the memory and render code read the fields.
#pragma once

#include <array>
#include <cstdint>

namespace kemu {

namespace vga {

inline constexpr unsigned kSeqCount = 5;
inline constexpr unsigned kGcCount = 9;
inline constexpr unsigned kAcCount = 0x15;
inline constexpr unsigned kCrtcCount = 0x19;
inline constexpr unsigned kDacEntries = 256;

// Sequencer
inline constexpr unsigned kSrClocking = 1;    // bit 0: 8-dot characters, bit 5: screen off
inline constexpr unsigned kSrMapMask = 2;     // planes a CPU write reaches
inline constexpr unsigned kSrCharMap = 3;     // font selection for attribute bit 3 set/clear
inline constexpr unsigned kSrMemoryMode = 4;  // bit 2: odd/even disable, bit 3: chain-4
inline constexpr uint8_t kSr1EightDot = 0x01;
inline constexpr uint8_t kSr1ScreenOff = 0x20;
inline constexpr uint8_t kSr4SequentialWrites = 0x04;
inline constexpr uint8_t kSr4Chain4 = 0x08;

// Graphics controller
inline constexpr unsigned kGrSetReset = 0;
inline constexpr unsigned kGrEnableSetReset = 1;
inline constexpr unsigned kGrColorCompare = 2;
inline constexpr unsigned kGrRotate = 3;  // bits 0-2 count, bits 3-4 logical op
inline constexpr unsigned kGrReadMap = 4;
inline constexpr unsigned kGrMode = 5;  // bits 0-1 write mode, 3 read mode, 4 odd/even, 5-6 shift
inline constexpr unsigned kGrMisc = 6;  // bit 0 graphics, bits 2-3 memory map
inline constexpr unsigned kGrColorDontCare = 7;
inline constexpr unsigned kGrBitMask = 8;
inline constexpr uint8_t kGr5ReadMode1 = 0x08;
inline constexpr uint8_t kGr5OddEvenReads = 0x10;
inline constexpr uint8_t kGr5ShiftInterleave = 0x20;  // CGA 4-colour
inline constexpr uint8_t kGr5Shift256 = 0x40;
inline constexpr uint8_t kGr6Graphics = 0x01;

// Attribute controller
inline constexpr unsigned kArMode = 0x10;
inline constexpr unsigned kArOverscan = 0x11;
inline constexpr unsigned kArPlaneEnable = 0x12;
inline constexpr unsigned kArPanning = 0x13;
inline constexpr unsigned kArColorSelect = 0x14;
inline constexpr uint8_t kArIndexPaletteSource = 0x20;  // 0: CPU owns the palette, screen blank
inline constexpr uint8_t kAr10Graphics = 0x01;
inline constexpr uint8_t kAr10LineGraphics = 0x04;  // 9th column repeats for 0xC0-0xDF
inline constexpr uint8_t kAr10Blink = 0x08;
inline constexpr uint8_t kAr10P54Select = 0x80;

// CRT controller
inline constexpr unsigned kCrHorizDisplayEnd = 0x01;
inline constexpr unsigned kCrOverflow = 0x07;
inline constexpr unsigned kCrMaxScanLine = 0x09;  // bits 0-4 char height - 1, bit 7 double scan
inline constexpr unsigned kCrCursorStart = 0x0a;  // bit 5 cursor off
inline constexpr unsigned kCrCursorEnd = 0x0b;
inline constexpr unsigned kCrStartHigh = 0x0c;
inline constexpr unsigned kCrStartLow = 0x0d;
inline constexpr unsigned kCrCursorHigh = 0x0e;
inline constexpr unsigned kCrCursorLow = 0x0f;
inline constexpr unsigned kCrVertRetraceEnd = 0x11;  // bit 7 protects CR0-CR7
inline constexpr unsigned kCrVertDisplayEnd = 0x12;
inline constexpr unsigned kCrOffset = 0x13;
inline constexpr unsigned kCrUnderline = 0x14;    // bit 6 doubleword addressing
inline constexpr unsigned kCrModeControl = 0x17;  // bit 6 byte mode, bits 0-1 CGA/Hercules maps
inline constexpr uint8_t kCr11Protect = 0x80;
inline constexpr uint8_t kCr07LineCompare8 = 0x10;  // stays writable under protection
inline constexpr uint8_t kCr14Doubleword = 0x40;
inline constexpr uint8_t kCr17ByteMode = 0x40;

inline constexpr uint8_t kMiscColorPorts = 0x01;  // CRTC at 0x3D4 instead of 0x3B4

}  // namespace vga

// The DAC's 256 colours, as the guest wrote them: 6 bits per component, or 8 when the
// Bochs VBE 8-bit DAC switch is on (see hw/display/vbe.h).
struct VgaDac {
    std::array<uint8_t, vga::kDacEntries * 3> rgb{};
    uint8_t pixel_mask = 0xff;
    uint8_t write_index = 0;
    uint8_t read_index = 0;
    uint8_t component = 0;             // 0-2 within the current entry
    bool reading = false;              // last index written was the read index (0x3C7)
    std::array<uint8_t, 3> pending{};  // a written entry takes effect at its third byte

    // The byte arrays go as length-prefixed blobs (Io::bytes), as the first snapshots had them.
    template <typename Self, typename Io>
    static void state_fields(Self& self, Io& io) {
        io.bytes(self.rgb);
        io(self.pixel_mask, self.write_index, self.read_index, self.component, self.reading);
        io.bytes(self.pending);
    }
};

struct VgaRegisters {
    uint8_t misc = 0;
    uint8_t feature_control = 0;
    uint8_t vga_enable = 0;
    uint8_t seq_index = 0;
    std::array<uint8_t, vga::kSeqCount> seq{};
    uint8_t gc_index = 0;
    std::array<uint8_t, vga::kGcCount> gc{};
    uint8_t ac_index = 0;
    bool ac_expect_data = false;  // the 0x3C0 flip-flop: false means the next write is an index
    std::array<uint8_t, vga::kAcCount> ac{};
    uint8_t crtc_index = 0;
    std::array<uint8_t, vga::kCrtcCount> crtc{};
    VgaDac dac;
    uint32_t latch = 0;    // the four plane latches, plane n in byte n
    bool retrace = false;  // input status 1 toggles on every read

    // Indexes and single registers first, then each indexed file as a blob, then the DAC.
    template <typename Self, typename Io>
    static void state_fields(Self& self, Io& io) {
        io(self.misc, self.feature_control, self.vga_enable, self.seq_index, self.gc_index,
           self.ac_index, self.crtc_index, self.ac_expect_data, self.retrace, self.latch);
        io.bytes(self.seq);
        io.bytes(self.gc);
        io.bytes(self.ac);
        io.bytes(self.crtc);
        io(self.dac);
    }

    bool color_ports() const { return misc & vga::kMiscColorPorts; }
    uint16_t start_address() const {
        return uint16_t((crtc[vga::kCrStartHigh] << 8) | crtc[vga::kCrStartLow]);
    }
    uint16_t cursor_address() const {
        return uint16_t((crtc[vga::kCrCursorHigh] << 8) | crtc[vga::kCrCursorLow]);
    }
    // Scan lines the CRTC displays: Vertical Display End with its overflow bits 8 and 9.
    unsigned display_lines() const {
        uint8_t ov = crtc[vga::kCrOverflow];
        return (crtc[vga::kCrVertDisplayEnd] | ((ov & 0x02) << 7) | ((ov & 0x40) << 3)) + 1;
    }
    unsigned char_clocks() const { return crtc[vga::kCrHorizDisplayEnd] + 1u; }
};

}  // namespace kemu
