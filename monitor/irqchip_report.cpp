#include "monitor/irqchip_report.h"

#include <cstdio>

namespace kemu {

namespace {

std::string pic_line(const char* label, const PicChipInfo& c) {
    char line[160];
    std::snprintf(line, sizeof line,
                  "%s: irr=%02x imr=%02x isr=%02x hprio=%u irq_base=%02x rr_sel=%d elcr=%02x "
                  "fnm=%d aeoi=%d poll=%d smm=%d\n",
                  label, c.irr, c.imr, c.isr, c.highest_priority, c.irq_base, c.read_isr, c.elcr,
                  c.special_fully_nested, c.auto_eoi, c.poll, c.special_mask);
    return line;
}

std::string ioapic_text(const IoapicInfo& io) {
    char line[160];
    std::snprintf(line, sizeof line, "ioapic0: ver=0x%x id=0x%02x sel=0x%02x irr=0x%06x\n",
                  io.version, io.id, io.select, io.irr);
    std::string out = line;
    for (unsigned pin = 0; pin < io.pins.size(); pin++) {
        const IoapicPinInfo& p = io.pins[pin];
        std::snprintf(line, sizeof line,
                      "  pin %-2u 0x%016llx dest=0x%02x vec=%-3u %-6s %s %s%s%s\n", pin,
                      (unsigned long long)p.entry, p.destination, p.vector, p.delivery_mode.c_str(),
                      p.logical ? "logical " : "physical", p.level ? "level" : "edge ",
                      p.masked ? " masked" : "", p.remote_irr ? " remote-irr" : "");
        out += line;
    }
    return out;
}

std::string vector_list(const std::vector<uint8_t>& vectors) {
    std::string s;
    for (uint8_t v : vectors)
        s += (s.empty() ? "" : " ") + std::to_string(v);
    return s.empty() ? std::string("(none)") : s;
}

// Indexed by LapicInfo::Mode.
constexpr const char* kModeNames[] = {"disabled", "xAPIC", "x2APIC"};

}  // namespace

std::string format_info_pic(const InterruptControllersInfo& info) {
    return pic_line("pic0", info.master) + pic_line("pic1", info.slave) + ioapic_text(info.ioapic);
}

std::string format_info_lapic(const LapicInfo& l) {
    std::string out = "dumping local APIC state for CPU " + std::to_string(l.cpu) + "\n\n";
    char line[160];
    std::snprintf(line, sizeof line, "APIC ID %u, base 0x%016llx (%s%s)\n", l.apic_id,
                  (unsigned long long)l.apic_base, kModeNames[unsigned(l.mode)],
                  l.bsp ? ", BSP" : "");
    out += line;
    for (unsigned i = 0; i < LapicInfo::kLvtCount; i++) {
        std::snprintf(line, sizeof line, "%-8s 0x%08x\n", LapicInfo::kLvtNames[i], l.lvt[i]);
        out += line;
    }
    std::snprintf(line, sizeof line,
                  "Timer    DCR=0x%x (divide by %u) initial_count = %u current_count = %u "
                  "tsc_deadline = 0x%llx\n",
                  l.divide_config, l.divide_by, l.initial_count, l.current_count,
                  (unsigned long long)l.tsc_deadline);
    out += line;
    // SVR bit 8 is the APIC software enable; bits 7:0 the spurious vector (SDM 11.9).
    std::snprintf(line, sizeof line, "SPIV     0x%08x APIC %s, spurious vec %u\n", l.svr,
                  (l.svr & 0x100) ? "enabled" : "disabled", l.svr & 0xff);
    out += line;
    std::snprintf(line, sizeof line, "ICR      0x%08x\nICR2     0x%08x\nESR      0x%08x\n", l.icr,
                  l.icr2, l.esr);
    out += line;
    out += "ISR      " + vector_list(l.isr) + "\n";
    out += "IRR      " + vector_list(l.irr) + "\n";
    std::snprintf(line, sizeof line, "TPR 0x%02x DFR 0x%02x LDR 0x%02x PPR 0x%02x\n", l.tpr, l.dfr,
                  l.ldr, l.ppr);
    return out + line;
}

std::string format_info_irq(const IrqStatsInfo& info) {
    std::string out = "IRQ statistics for " + info.controller + ":\n";
    for (unsigned irq = 0; irq < info.counts.size(); irq++) {
        if (!info.counts[irq]) continue;
        char line[48];
        std::snprintf(line, sizeof line, "%2u: %llu\n", irq, (unsigned long long)info.counts[irq]);
        out += line;
    }
    return out;
}

}  // namespace kemu
