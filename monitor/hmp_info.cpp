// Handlers of hmp_info_commands.def. Wording follows QEMU's so scripts that
// scrape `info status` or `info cpus` work unchanged.
#include <optional>
#include <span>

#include "chardev/registry.h"
#include "monitor/block_report.h"
#include "monitor/hmp_handlers.h"
#include "monitor/irqchip_report.h"
#include "monitor/jit_report.h"
#include "monitor/monitor.h"
#include "monitor/pci_report.h"
#include "monitor/vnc_report.h"
#include "target-x86/cpu_dump.h"
#include "target-x86/page_table_dump.h"

namespace kemu {

void hmp_info_version(Monitor& mon) {
    mon.print(KEMU_VERSION "\n");
}

// "running", "paused", or "paused (<state>)" for the other stopped states.
void hmp_info_status(Monitor& mon) {
    RunState state = mon.host().run_state();
    std::string text = state == RunState::Running ? "running" : "paused";
    if (state != RunState::Running && state != RunState::Paused)
        text += std::string(" (") + run_state_name(state) + ")";
    mon.print("VM status: " + text + "\n");
}

void hmp_info_kvm(Monitor& mon) {
    mon.print(std::string("kvm support: ") + (mon.host().kvm_enabled() ? "enabled" : "disabled") +
              "\n");
}

void hmp_info_cpus(Monitor& mon) {
    for (const MonitorCpuInfo& cpu : mon.host().cpus()) {
        mon.print(std::string(cpu.index == mon.cpu_index() ? "*" : " ") + " CPU #" +
                  std::to_string(cpu.index) + ": thread_id=" + std::to_string(cpu.thread_id) +
                  "\n");
    }
}

void hmp_info_registers(Monitor& mon) {
    auto state = mon.host().cpu_state(mon.cpu_index());
    mon.print(state ? format_cpu_state(*state) : state.error().message() + "\n");
}

// QEMU's `info tlb`: the selected CPU's page tables, walked from its CR3 through the same
// guest-physical debug reads as `xp`.
void hmp_info_tlb(Monitor& mon) {
    MonitorHost& host = mon.host();
    auto state = host.cpu_state(mon.cpu_index());
    if (!state) return mon.print_error(state.error().message());
    PhysRead read_entry = [&host](uint64_t paddr, unsigned size) -> std::optional<uint64_t> {
        uint8_t bytes[8] = {};
        if (size > sizeof bytes || !host.read_physical(paddr, std::span<uint8_t>(bytes, size)))
            return std::nullopt;
        uint64_t value = 0;
        for (unsigned i = 0; i < size; i++)
            value |= uint64_t(bytes[i]) << (8 * i);
        return value;
    };
    dump_page_tables(*state, read_entry, [&mon](std::string_view line) { mon.print(line); });
}

void hmp_info_mtree(Monitor& mon) {
    mon.print(mon.host().mtree_text());
}
void hmp_info_qtree(Monitor& mon) {
    mon.print(mon.host().qtree_text());
}
void hmp_info_chardev(Monitor& mon) {
    mon.print(mon.host().chardevs().info_text());
}

void hmp_info_block(Monitor& mon) {
    mon.print(format_block_info(mon.host().block_info()));
}

void hmp_info_snapshots(Monitor& mon) {
    mon.print(format_snapshots(mon.host().drive_snapshots()));
}

void hmp_info_blockstats(Monitor& mon) {
    mon.print(format_blockstats(mon.host().blockstats()));
}

namespace {

// A report, or the host's one line saying why there is none.
template <typename T, typename Format>
void print_report(Monitor& mon, const Result<T>& report, Format format) {
    mon.print(report ? format(*report) : report.error().message() + "\n");
}

}  // namespace

void hmp_info_pic(Monitor& mon) {
    print_report(mon, mon.host().interrupt_controllers(), format_info_pic);
}
void hmp_info_vnc(Monitor& mon) {
    mon.print(format_info_vnc(mon.host().vnc_info()));
}
void hmp_info_pci(Monitor& mon) {
    print_report(mon, mon.host().pci_devices(), format_info_pci);
}
void hmp_info_lapic(Monitor& mon) {
    print_report(mon, mon.host().lapic(mon.cpu_index()), format_info_lapic);
}
void hmp_info_irq(Monitor& mon) {
    print_report(mon, mon.host().irq_stats(), format_info_irq);
}
void hmp_info_jit(Monitor& mon) {
    print_report(mon, mon.host().jit_info(), format_info_jit);
}

}  // namespace kemu
