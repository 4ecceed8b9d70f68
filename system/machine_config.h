// What the command line asks for, as plain data. Only system/cmdline.cpp reads
// argv; everything after it reads this struct.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "system/drive.h"
#include "system/log.h"
#include "target-x86/cpuid.h"
#include "ui/keymap.h"

namespace kemu {

// -device DRIVER,key=value,...
struct DeviceSpec {
    std::string driver;
    std::map<std::string, std::string> props;
};

// -global DRIVER.PROPERTY=VALUE: a default for that property of every DRIVER device.
struct GlobalProperty {
    std::string driver, property, value;
    bool operator==(const GlobalProperty&) const = default;
};

// -boot order=cdn,once=d,menu=on,splash-time=N,strict=on: drive letters as QEMU's (a, b floppy;
// c first disk; d CD-ROM; n network). The firmware reads the result from fw_cfg.
struct BootSpec {
    std::string order = "cad";  // QEMU's pc default
    std::string once;           // empty: none; used for the first boot only
    bool menu = false;
    unsigned splash_time_ms = 0;
    bool strict = false;
    int reboot_timeout_ms = -1;  // -1: the firmware stays at "No bootable device"
};

struct MachineConfig {
    uint64_t ram_size = 128ull << 20;
    CpuTopology topology;
    unsigned cpus = 1;
    std::string cpu = "qemu64";
    std::string accel;  // empty: the default accelerator
    bool kernel_irqchip = true;
    bool tcg_single_thread = false;   // -accel tcg,thread=single: one vCPU executes at a time
    unsigned tcg_tb_size_mib = 256;   // -accel tcg,tb-size=N: translation cache size in MiB
    std::string tcg_backend = "x86";  // -accel tcg,backend=x86|interp

    std::string kernel, initrd, append;
    // Without -kernel the machine boots through firmware: -bios (default SeaBIOS), looked up
    // in the -L directories first; -option-rom images are offered to it as genroms.
    std::string bios;
    std::vector<std::string> firmware_dirs;
    std::vector<std::string> option_roms;
    // -fw_cfg: the guest-visible name and its bytes (a file's contents or the string).
    std::vector<std::pair<std::string, std::string>> fw_cfg_files;    // name, file path
    std::vector<std::pair<std::string, std::string>> fw_cfg_strings;  // name, text
    BootSpec boot;

    bool nographic = false;
    const KeyboardLayout* keyboard_layout = &default_keyboard_layout();  // -k
    std::string display = "default";  // "default", "none" or "sdl"
    std::string vnc = "none";         // -vnc
    bool full_screen = false;
    bool sdl_window_close_quits = true;  // -display sdl,window-close=off: powerdown instead
    // A window or a VNC server shows the screen: the monitor and serial default to `vc`.
    bool display_on() const { return !nographic && (display == "sdl" || vnc != "none"); }
    std::vector<std::string> serials;     // -serial specs, in order (serial0, serial1, ...)
    std::optional<std::string> monitor;   // -monitor spec
    std::vector<std::string> chardevs;    // -chardev specs
    std::vector<DeviceSpec> devices;      // with the -global defaults already filled in
    std::vector<GlobalProperty> globals;  // as given, in order
    std::vector<DriveSpec> drives;
    bool snapshot = false;  // -snapshot: every drive gets snapshot=on
    bool nodefaults = false;

    std::string name;
    bool start_paused = false;  // -S
    bool no_reboot = false;
    bool no_shutdown = false;
    bool acpi = true;

    uint64_t log_mask = 0;
    std::string log_file;
    std::vector<LogAddressRange> log_filter;  // -dfilter; empty: log every address
    // For perf: -perfmap writes /tmp/perf-PID.map, -jitdump jit-PID.dump (the TCG backend does).
    bool perfmap = false;
    bool jitdump = false;
};

}  // namespace kemu
