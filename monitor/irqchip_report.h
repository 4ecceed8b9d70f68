// What `info pic`, `info lapic` and `info irq` report, as data: the interrupt controller
// models fill it (hw/intc), the monitor formats it here. QEMU's counterparts
// (x-query-interrupt-controllers, x-query-irq) return text, so the field names follow the
// registers of the 8259A datasheet, the 82093AA and the SDM.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace kemu {

// One 8259A.
struct PicChipInfo {
    uint8_t irr = 0;
    uint8_t imr = 0;
    uint8_t isr = 0;
    unsigned highest_priority = 0;  // the IR that has the highest priority now
    uint8_t irq_base = 0;           // ICW2: the vector of IR0
    bool read_isr = false;          // OCW3 RR/RIS: a read of port 0 returns the ISR
    uint8_t elcr = 0;
    bool special_fully_nested = false;
    bool auto_eoi = false;
    bool poll = false;
    bool special_mask = false;
    bool operator==(const PicChipInfo&) const = default;
};

// One redirection table entry, decoded.
struct IoapicPinInfo {
    uint64_t entry = 0;  // the raw 64-bit entry
    uint8_t destination = 0;
    uint8_t vector = 0;
    std::string delivery_mode;  // "fixed", "lowest", "smi", "nmi", "init", "extint", "rsvdN"
    bool logical = false;       // destination mode
    bool level = false;         // trigger mode
    bool masked = false;
    bool remote_irr = false;
    bool operator==(const IoapicPinInfo&) const = default;
};

struct IoapicInfo {
    uint32_t version = 0;
    uint8_t id = 0;
    uint8_t select = 0;  // IOREGSEL
    uint32_t irr = 0;    // asserted inputs, bit per pin
    std::vector<IoapicPinInfo> pins;
    bool operator==(const IoapicInfo&) const = default;
};

// `info pic`: the 8259A pair and the IOAPIC.
struct InterruptControllersInfo {
    PicChipInfo master;
    PicChipInfo slave;
    IoapicInfo ioapic;
    bool operator==(const InterruptControllersInfo&) const = default;
};

struct LapicInfo {
    enum class Mode { Disabled, XApic, X2Apic };
    // The LVT registers in this order (offsets 0x2f0, 0x320-0x370).
    static constexpr unsigned kLvtCount = 7;
    static constexpr const char* kLvtNames[kLvtCount] = {"LVTCMCI", "LVTT", "LVTTHMR", "LVTPC",
                                                         "LVT0",    "LVT1", "LVTERR"};

    unsigned cpu = 0;  // the vCPU index
    uint32_t apic_id = 0;
    uint64_t apic_base = 0;  // IA32_APIC_BASE
    Mode mode = Mode::Disabled;
    bool bsp = false;
    std::array<uint32_t, kLvtCount> lvt{};
    uint32_t divide_config = 0;  // DCR as written
    unsigned divide_by = 1;      // what DCR means
    uint32_t initial_count = 0;
    uint32_t current_count = 0;
    uint64_t tsc_deadline = 0;
    uint32_t svr = 0;
    uint32_t icr = 0;
    uint32_t icr2 = 0;
    uint32_t esr = 0;
    std::vector<uint8_t> isr;  // the vectors in service, ascending
    std::vector<uint8_t> irr;  // the vectors requested, ascending
    uint32_t tpr = 0;
    uint8_t dfr = 0;   // the model bits (DFR 31:28 and the ones below)
    uint32_t ldr = 0;  // the logical ID: LDR 31:24 in xAPIC mode, all of it in x2APIC mode
    uint8_t ppr = 0;
    bool operator==(const LapicInfo&) const = default;
};

// `info irq`: rising edges counted per input of one controller.
struct IrqStatsInfo {
    std::string controller;  // QEMU's type name, "isa-i8259"
    std::vector<uint64_t> counts;
    bool operator==(const IrqStatsInfo&) const = default;
};

// QEMU's layouts, each line ending in a newline.
std::string format_info_pic(const InterruptControllersInfo& info);
std::string format_info_lapic(const LapicInfo& info);
std::string format_info_irq(const IrqStatsInfo& info);

}  // namespace kemu
