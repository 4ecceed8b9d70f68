// Building the machine from its configuration: the accelerator, RAM, chardevs and monitors,
// drives (machine_block.cpp), the board, firmware or a kernel, and the vCPUs. Running it is
// machine_run.cpp.
#include "system/machine.h"

#include <cstdio>

#include "accel/kvm/guest_silence_hint.h"
#include "accel/registry.h"
#include "hw/i386/firmware_files.h"
#include "hw/i386/linux_boot.h"
#include "hw/i386/linux_boot_firmware.h"
#include "hw/i386/multiboot.h"
#include "hw/i386/pc_layout.h"
#include "monitor/monitor.h"
#include "system/log.h"
#include "system/machine_monitor.h"
#include "system/read_file.h"
#include "ui/console.h"
#include "ui/sdl_display.h"
#include "ui/vnc.h"

namespace kemu {

namespace {

// TCG runs everywhere, so it is the default, as in QEMU.
constexpr const char* kDefaultAccel = "tcg";

Result<std::vector<uint8_t>> read_file(const std::string& path, const std::string& option) {
    auto data = kemu::read_file(path);
    if (!data) return data.error().with_context(option + " " + path);
    return data;
}

// -kernel with -bios: the bzImage, initrd and command line for the firmware's linuxboot ROM.
Result<PcFwCfgKernel> load_firmware_kernel(const MachineConfig& config, const PcRamLayout& ram) {
    KEMU_TRY(kernel, read_file(config.kernel, "-kernel"));
    if (is_multiboot(kernel))
        return Error("-kernel " + config.kernel +
                     ": a Multiboot kernel boots only directly (without -bios)");
    std::vector<uint8_t> initrd;
    if (!config.initrd.empty()) {
        KEMU_TRY(data, read_file(config.initrd, "-initrd"));
        initrd = std::move(data);
    }
    auto k = firmware_linux_kernel(kernel, initrd, config.append, ram);
    if (!k) return k.error().with_context("-kernel " + config.kernel);
    return k;
}

}  // namespace

Machine::Machine(const MachineConfig& config) : config_(config) {}

Machine::~Machine() {
    std::unique_lock<std::mutex> lock(lock_);
    for (auto& v : vcpus_)
        v->request_stop();
    lock.unlock();
    vcpus_.clear();  // joins every vCPU thread
}

Result<std::unique_ptr<Machine>> Machine::create(const MachineConfig& config) {
    std::unique_ptr<Machine> m(new Machine(config));
    std::unique_lock<std::mutex> lock(m->lock_);
    KEMU_TRY_VOID(m->init());
    return m;
}

Result<void> Machine::init() {
    std::string accel_name = config_.accel.empty() ? kDefaultAccel : config_.accel;
    auto accel = create_accelerator(accel_name);
    if (!accel) return accel.error().with_context("-accel " + accel_name);
    accel_ = std::move(*accel);
    auto r = accel_->init({config_.cpus, config_.kernel_irqchip, config_.tcg_single_thread,
                           config_.tcg_tb_size_mib, config_.tcg_backend, config_.perfmap,
                           config_.jitdump});
    if (!r) return r.error().with_context("-accel " + accel_name);

    KEMU_TRY_VOID(loop_.init());
    loop_.set_lock_waiters(&main_loop_waiting_);
    KEMU_TRY_VOID(init_ram());
    KEMU_TRY_VOID(init_chardevs_and_monitor());
    KEMU_TRY_VOID(open_drives());

    PcRamLayout ram{ram_below_4g_->size(), ram_above_4g_ ? ram_above_4g_->size() : 0};
    BoardConfig board_config{config_.cpus, {}, ram, {}, config_.devices, config_.acpi};
    // -kernel boots directly unless the user names a BIOS to boot it (docs/boot.md).
    if (config_.kernel.empty() || !config_.bios.empty()) {
        KEMU_TRY(bios, load_firmware());
        board_config.firmware.bios = std::move(bios);
        board_config.firmware.boot = config_.boot;
        board_config.firmware.serial_console = config_.nographic;
        auto vga_bios = find_firmware_file(kVgaBios, config_.firmware_dirs);
        if (vga_bios) {
            auto image = load_option_rom(*vga_bios);
            if (!image) return image.error().with_context("VGA BIOS");
            board_config.firmware.vga_bios = std::move(*image);
        } else {
            log_host_warning("%s; the VGA has no BIOS", vga_bios.error().message().c_str());
        }
        for (const auto& [name, path] : config_.fw_cfg_files) {
            KEMU_TRY(data, read_file(path, "-fw_cfg"));
            board_config.firmware.user_files.push_back({name, std::move(data)});
        }
        for (const auto& [name, text] : config_.fw_cfg_strings)
            board_config.firmware.user_files.push_back(
                {name, std::vector<uint8_t>(text.begin(), text.end())});
        for (const std::string& rom : config_.option_roms) {
            auto image = load_option_rom(rom);
            if (!image) return image.error().with_context("-option-rom");
            board_config.firmware.option_roms.push_back(
                {rom.substr(rom.find_last_of('/') + 1), std::move(*image)});
        }
        if (!config_.kernel.empty()) {
            KEMU_TRY(kernel, load_firmware_kernel(config_, ram));
            board_config.firmware.kernel = std::move(kernel);
        }
    }
    for (unsigned i = 0; i < config_.cpus; i++)
        board_config.apic_ids.push_back(apic_id_for_cpu(config_.topology, i));
    for (const std::string& id : serial_ids_)
        board_config.serials.push_back(id.empty() ? nullptr : chardevs_->find(id));
    BoardServices services{
        memory_,
        io_,
        timers_,
        [this](unsigned gsi) { return accel_->irqchip_input(gsi); },
        [this](const std::string& id) { return chardevs_->find(id); },
        [this] { raise_request(reset_requested_); },
        [this] { raise_request(poweroff_requested_); },
        [this](int status) {
            exit_status_ = status;
            loop_.request_quit();
        },
        ram_.data(),
    };
    for (const Drive& d : drives_) {
        if (d.spec.interface == DriveInterface::Ide)
            board_config.ide_drives.push_back({d.spec.id, unsigned(d.spec.index), d.spec.cdrom,
                                               d.backend.get(), d.spec.bootindex,
                                               d.spec.device_properties});
    }
    auto board = PcBoard::create(board_config, services);
    if (!board) return board.error().with_context("-device");
    board_ = std::move(*board);
    input_.set_sink(board_->input_sink());
    for (Chardev* chardev : monitor_chardevs_)
        monitors_.push_back(std::make_unique<Monitor>(*chardev, *monitor_host_));

    KEMU_TRY_VOID(start_display());
    KEMU_TRY_VOID(load_boot_state());
    // The accelerator first sees the memory map once it is complete: each change KVM is told
    // about costs it a grace period, and no guest code has run (or been translated) before.
    if (MemoryListener* l = accel_->memory_listener()) memory_.add_listener(l);
    KEMU_TRY_VOID(init_vcpus());
    silence_watch_ = std::make_unique<GuestSilenceWatch>(
        timers_, *accel_, [this] { return board_->guest_output_bytes(); });
    return ok();
}

// RAM below the PCI hole from 0, the rest from 4 GiB: one host mapping, two regions.
Result<void> Machine::init_ram() {
    ram_ = MappedRegion::anonymous(config_.ram_size);
    if (!ram_.valid())
        return Error("-m: cannot allocate " + std::to_string(config_.ram_size >> 20) +
                     " MiB of guest RAM");
    uint64_t below = std::min<uint64_t>(config_.ram_size, pc::kBelow4gRamMax);
    ram_below_4g_.emplace(MemoryRegion::ram("pc.ram", ram_.data(), below));
    KEMU_TRY_VOID(memory_.map(0, &*ram_below_4g_));
    if (config_.ram_size > below) {
        ram_above_4g_.emplace(
            MemoryRegion::ram("pc.ram above 4g", ram_.data() + below, config_.ram_size - below));
        KEMU_TRY_VOID(memory_.map(pc::kAbove4gRamStart, &*ram_above_4g_));
    }
    return ok();
}

// -chardev first (others refer to them by id), then -serial/-monitor with QEMU's
// defaults: -nographic shares stdio; with a window or VNC both are text consoles (`vc`)
// behind Ctrl+Alt+2/3; otherwise they go nowhere; -nodefaults drops both.
Result<void> Machine::init_chardevs_and_monitor() {
    chardevs_ = std::make_unique<ChardevRegistry>(loop_);
    chardevs_->set_quit_handler([this] { quit(); });
    for (const std::string& spec : config_.chardevs) {
        KEMU_TRY_VOID(chardevs_->add_chardev_option(spec));
    }
    monitor_host_ = std::make_unique<MachineMonitorHost>(*this);
    bool vc_defaults = config_.display_on() && !config_.nodefaults;
    std::optional<std::string> monitor = config_.monitor;
    if (vc_defaults && !monitor) monitor = "vc";
    std::vector<std::string> serials = config_.serials;
    if (vc_defaults && serials.empty()) serials.push_back("vc");
    if (config_.nographic && !config_.nodefaults && config_.serials.empty()) {
        auto console = chardevs_->add_nographic_console();
        if (!console) return console.error().with_context("-nographic");
        serial_ids_.push_back((*console)->id());
        if (!monitor) add_monitor(*console);
    }
    for (size_t i = 0; i < serials.size(); i++) {
        KEMU_TRY(legacy,
                 chardevs_->add_legacy("-serial", serials[i], "serial" + std::to_string(i)));
        serial_ids_.push_back(legacy.chardev ? legacy.chardev->id() : "");
        if (legacy.with_monitor && !monitor) add_monitor(legacy.chardev);
    }
    // Without a console the first serial port still exists; its output goes nowhere.
    if (serial_ids_.empty() && !config_.nodefaults) serial_ids_.push_back("");
    if (monitor) {
        KEMU_TRY(legacy, chardevs_->add_legacy("-monitor", *monitor, "compat_monitor0"));
        if (legacy.chardev) add_monitor(legacy.chardev);
    }
    return ok();
}

// Records a chardev that gets a monitor. init() creates the monitors after the board: on a
// shared console (mon:stdio) the serial port must attach first, because the first frontend
// starts with the focus.
void Machine::add_monitor(Chardev* chardev) {
    monitor_chardevs_.push_back(chardev);
}

// Without -kernel, or with -kernel and -bios, the vCPUs start at the reset vector in the BIOS.
Result<std::vector<uint8_t>> Machine::load_firmware() {
    std::string name = config_.bios.empty() ? kDefaultBios : config_.bios;
    auto path = find_firmware_file(name, config_.firmware_dirs);
    if (!path) return path.error().with_context("-bios");
    auto image = load_bios_image(*path);
    if (!image) return image.error().with_context("-bios");
    return image;
}

Result<void> Machine::load_boot_state() {
    if (config_.kernel.empty() || !config_.bios.empty()) return ok();
    auto kernel = read_file(config_.kernel, "-kernel");
    if (!kernel) return kernel.error();
    PcRamLayout ram{ram_below_4g_->size(), ram_above_4g_ ? ram_above_4g_->size() : 0};
    if (is_multiboot(*kernel)) {
        // Each -initrd entry is one module; keep their bytes alive until loaded.
        std::vector<MultibootModuleSpec> specs = parse_multiboot_module_list(config_.initrd);
        std::vector<std::vector<uint8_t>> module_data;
        for (const MultibootModuleSpec& m : specs) {
            KEMU_TRY(data, read_file(m.path, "-initrd"));
            module_data.push_back(std::move(data));
        }
        MultibootConfig mb{*kernel,
                           config_.kernel + (config_.append.empty() ? "" : " " + config_.append),
                           {},
                           ram};
        for (size_t i = 0; i < specs.size(); i++)
            mb.modules.push_back({module_data[i], specs[i].cmdline});
        auto r = load_multiboot(mb, memory_);
        if (!r) return r.error().with_context("-kernel " + config_.kernel);
        boot_state_ = r->cpu;
        return ok();
    }
    std::vector<uint8_t> initrd;
    if (!config_.initrd.empty()) {
        KEMU_TRY(data, read_file(config_.initrd, "-initrd"));
        initrd = std::move(data);
    }
    auto r = load_linux({*kernel, initrd, config_.append, ram}, memory_);
    if (!r) return r.error().with_context("-kernel " + config_.kernel);
    boot_state_ = r->cpu;
    return ok();
}

Result<void> Machine::init_vcpus() {
    auto spec = parse_cpu_spec(config_.cpu);
    if (!spec) return spec.error().with_context("-cpu " + config_.cpu);
    auto cpuid = accel_->cpuid_for(*spec->model, config_.topology, spec->edits);
    if (!cpuid) return cpuid.error().with_context("-cpu " + config_.cpu);
    for (unsigned i = 0; i < config_.cpus; i++) {
        VcpuContext context{memory_, io_, lock_, board_->lapic(i), &main_loop_waiting_};
        CpuidTable table = *cpuid;
        set_cpuid_apic_id(table, apic_id_for_cpu(config_.topology, i));
        auto backend = accel_->create_vcpu(i, table, context);
        if (!backend) return backend.error().with_context("-accel " + std::string(accel_->name()));
        X86CpuState state = i == 0 && boot_state_ ? *boot_state_ : reset_cpu_state(i == 0);
        KEMU_TRY_VOID((*backend)->put_state(state));
        vcpus_.push_back(
            std::make_unique<VcpuThread>(i, std::move(*backend), *this, lock_, state_changed_));
    }
    return ok();
}

}  // namespace kemu
