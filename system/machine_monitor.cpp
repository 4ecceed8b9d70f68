#include "system/machine_monitor.h"

#include <cstdio>

#include "system/machine.h"
#include "target-x86/disas.h"
#include "target-x86/mmu.h"

namespace kemu {

namespace {

const char* kind_name(MemoryRegion::Kind kind) {
    switch (kind) {
        case MemoryRegion::Kind::Ram:
            return "ram";
        case MemoryRegion::Kind::Rom:
            return "rom";
        case MemoryRegion::Kind::Io:
            return "i/o";
    }
    return "?";
}

std::string flat_view_text(const AddressSpace& as) {
    std::string out = "address-space: " + as.name() + "\n";
    for (const FlatRange& r : as.flat_view().ranges) {
        char line[256];
        std::snprintf(line, sizeof line, "  %016llx-%016llx (prio 0, %s): %s\n",
                      (unsigned long long)r.start, (unsigned long long)(r.end() - 1),
                      kind_name(r.region->kind()), r.region->name().c_str());
        out += line;
    }
    return out;
}

}  // namespace

RunState MachineMonitorHost::run_state() const {
    return machine_.run_state();
}

bool MachineMonitorHost::kvm_enabled() const {
    return machine_.accelerator().is_kvm();
}

std::vector<MonitorCpuInfo> MachineMonitorHost::cpus() const {
    std::vector<MonitorCpuInfo> out;
    for (unsigned i = 0; i < machine_.cpu_count(); i++)
        out.push_back({int(i), machine_.cpu_thread_id(i)});
    return out;
}

Result<X86CpuState> MachineMonitorHost::cpu_state(int cpu) {
    return machine_.cpu_state(unsigned(cpu));
}

std::string MachineMonitorHost::mtree_text() {
    return flat_view_text(machine_.memory()) + "\n" + flat_view_text(machine_.io());
}

std::string MachineMonitorHost::qtree_text() {
    return machine_.board().qtree_text();
}

Result<JitInfo> MachineMonitorHost::jit_info() {
    auto info = machine_.accelerator().jit_info();
    if (!info) return Error("JIT information is only available with TCG");
    return *info;
}

Result<InterruptControllersInfo> MachineMonitorHost::interrupt_controllers() {
    return machine_.board().interrupt_controllers();
}

std::optional<VncInfo> MachineMonitorHost::vnc_info() {
    return machine_.vnc_info();
}

Result<void> MachineMonitorHost::set_vnc_password(const std::string& password) {
    return machine_.set_vnc_password(password);
}

Result<std::vector<PciDeviceInfo>> MachineMonitorHost::pci_devices() {
    return machine_.board().pci_devices();
}

Result<LapicInfo> MachineMonitorHost::lapic(int cpu) {
    return machine_.board().lapic_info(unsigned(cpu));
}

Result<IrqStatsInfo> MachineMonitorHost::irq_stats() {
    return machine_.board().irq_stats();
}

std::vector<BlockDeviceInfo> MachineMonitorHost::block_info() {
    return machine_.block_info();
}

std::vector<BlockDeviceStats> MachineMonitorHost::blockstats() {
    return machine_.blockstats();
}

Result<std::vector<DriveSnapshots>> MachineMonitorHost::drive_snapshots() {
    return machine_.drive_snapshots();
}

void MachineMonitorHost::block_commit(const std::string& device, Done done) {
    machine_.block_commit(device, std::move(done));
}

void MachineMonitorHost::snapshot_blkdev(const std::string& device, const std::string& file,
                                         const std::string& format, Done done) {
    machine_.snapshot_blkdev(device, file, format, std::move(done));
}

void MachineMonitorHost::block_resize(const std::string& device, uint64_t size, Done done) {
    machine_.block_resize(device, size, std::move(done));
}

void MachineMonitorHost::save_snapshot(const std::string& name, Done done) {
    machine_.save_snapshot(name, std::move(done));
}

void MachineMonitorHost::load_snapshot(const std::string& name, Done done) {
    machine_.load_snapshot(name, std::move(done));
}

void MachineMonitorHost::delete_snapshot(const std::string& name, Done done) {
    machine_.delete_snapshot(name, std::move(done));
}

const ChardevRegistry& MachineMonitorHost::chardevs() const {
    return machine_.chardevs();
}

// Debug reads see RAM and ROM only: reading device registers would have side effects.
bool MachineMonitorHost::read_physical(uint64_t addr, std::span<uint8_t> out) {
    for (size_t done = 0; done < out.size(); done++) {
        uint8_t* p = machine_.memory().host_pointer(addr + done, 1);
        if (!p) return false;
        out[done] = *p;
    }
    return true;
}

bool MachineMonitorHost::read_virtual(int cpu, uint64_t addr, std::span<uint8_t> out) {
    auto state = machine_.cpu_state(unsigned(cpu));
    if (!state) return false;
    auto read_entry = [this](uint64_t pa, unsigned size) -> std::optional<uint64_t> {
        uint8_t bytes[8] = {};
        if (!read_physical(pa, std::span<uint8_t>(bytes, size))) return std::nullopt;
        uint64_t v = 0;
        for (unsigned i = 0; i < size; i++)
            v |= uint64_t(bytes[i]) << (8 * i);
        return v;
    };
    for (size_t done = 0; done < out.size(); done++) {
        auto pa = debug_translate(*state, addr + done, read_entry);
        if (!pa || !read_physical(*pa, out.subspan(done, 1))) return false;
    }
    return true;
}

unsigned MachineMonitorHost::cpu_code_bits(int cpu) {
    auto state = machine_.cpu_state(unsigned(cpu));
    return state ? code_size_bits(*state) : 64;
}

uint64_t MachineMonitorHost::io_read(uint16_t port, unsigned size) {
    uint64_t value = 0;
    (void)machine_.io().read(port, size, &value);
    return value;
}

void MachineMonitorHost::io_write(uint16_t port, unsigned size, uint64_t value) {
    (void)machine_.io().write(port, size, value);
}

Result<void> MachineMonitorHost::stop() {
    machine_.stop();
    return ok();
}

Result<void> MachineMonitorHost::cont() {
    return machine_.cont();
}

Result<void> MachineMonitorHost::system_reset() {
    machine_.system_reset();
    return ok();
}

Result<void> MachineMonitorHost::system_powerdown() {
    machine_.system_powerdown();
    return ok();
}

Result<void> MachineMonitorHost::screendump(const std::string& path, const std::string& format) {
    return machine_.screendump(path, format);
}

Result<void> MachineMonitorHost::send_keys(std::vector<uint16_t> keycodes, unsigned hold_ms) {
    return machine_.send_keys(std::move(keycodes), int64_t(hold_ms) * 1'000'000);
}

Result<void> MachineMonitorHost::eject(const std::string& device, bool force) {
    return machine_.eject(device, force);
}

Result<void> MachineMonitorHost::change_medium(const std::string& device, const std::string& file,
                                               const std::string& format) {
    return machine_.change_medium(device, file, format);
}

void MachineMonitorHost::quit() {
    machine_.quit();
}

}  // namespace kemu
