#include "system/cmdline.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <optional>

#include "accel/registry.h"
#include "hw/i386/device_models.h"
#include "hw/i386/fw_cfg_pc.h"
#include "system/ide_devices.h"
#include "system/keyval.h"
#include "system/log.h"

namespace kemu {

// Harnesses written for QEMU decide what they may run from the version line:
// kvm-unit-tests greps -h for "QEMU" and reads MAJOR.MINOR.MICRO from the fourth word
// of its first line, libvirt matches "QEMU emulator version X.Y.Z". 7.2.0 is the release
// whose behaviour kemu follows (its -smp rules, its pc machine, Debian 12's QEMU), and
// new enough that those harnesses enable every test kemu can run.
const char* const kQemuCompatVersion = "7.2.0";

namespace {

std::string version_line() {
    return std::string("QEMU emulator version ") + kQemuCompatVersion + " (kemu " KEMU_VERSION ")";
}

// What a handler sees: the config so far and the option's argument.
struct ParseState {
    CmdlineResult& result;
    MachineConfig& config() { return result.config; }
    // -device ide-hd/ide-cd, resolved once every -drive is known.
    std::vector<IdeDeviceArg> ide_devices;
};

using Handler = Result<void> (*)(ParseState&, const std::string& arg);

struct OptionInfo {
    const char* name;
    bool takes_argument;
    Handler handler;
    const char* arg_help;
    const char* help;
};

Result<void> set_accel(MachineConfig& c, const std::string& name) {
    if (name == "help") return ok();
    if (name != "kvm" && name != "tcg" && name != "null")
        return Error("invalid accelerator " + name);
    c.accel = name;
    return ok();
}

Result<void> on_help(ParseState& s, const std::string&) {
    s.result.exit_text = usage_text();
    return ok();
}

Result<void> on_version(ParseState& s, const std::string&) {
    s.result.exit_text = version_line() +
                         "\nCopyright (c) the kemu developers. kemu answers QEMU's command line "
                         "but is not QEMU.";
    return ok();
}

Result<void> on_machine(ParseState& s, const std::string& arg) {
    auto kv = parse_keyvalues(arg, "type");
    if (!kv) return kv.error();
    for (const auto& [key, value] : *kv) {
        if (key == "type") {
            if (value == "help") {
                s.result.exit_text =
                    "Supported machines are:\npc                   Standard PC (i440FX + PIIX, "
                    "1996) (default)";
                return ok();
            }
            if (value != "pc" && value.rfind("pc-i440fx", 0) != 0)
                return Error("unsupported machine type '" + value +
                             "' (use -machine help to list supported machines)");
        } else if (key == "accel") {
            KEMU_TRY_VOID(set_accel(s.config(), value));
        } else if (key == "kernel_irqchip" || key == "kernel-irqchip") {
            KEMU_TRY(on, parse_bool(key, value));
            s.config().kernel_irqchip = on;
        } else {
            return Error("Invalid parameter '" + key + "'");
        }
    }
    return ok();
}

Result<void> on_accel(ParseState& s, const std::string& arg) {
    auto kv = parse_keyvalues(arg, "accel");
    if (!kv) return kv.error();
    for (const auto& [key, value] : *kv) {
        if (key == "accel") {
            if (value == "help") {
                s.result.exit_text = accelerators_help();
                return ok();
            }
            KEMU_TRY_VOID(set_accel(s.config(), value));
        } else if (key == "kernel-irqchip") {
            KEMU_TRY(on, parse_bool(key, value));
            s.config().kernel_irqchip = on;
        } else if (key == "thread") {
            if (value != "single" && value != "multi")
                return Error("Invalid 'thread' setting " + value);
            s.config().tcg_single_thread = value == "single";
        } else if (key == "backend") {
            if (value != "x86" && value != "interp")
                return Error("Invalid 'backend' setting " + value + " (x86 or interp)");
            s.config().tcg_backend = value;
        } else if (key == "tb-size") {
            auto mib = parse_uint(value);
            if (!mib || *mib == 0 || *mib > 65536)
                return Error("tb-size: '" + value + "' is not a size in MiB (1-65536)");
            s.config().tcg_tb_size_mib = unsigned(*mib);
        } else {
            return Error("Invalid parameter '" + key + "'");
        }
    }
    return ok();
}

Result<void> on_enable_kvm(ParseState& s, const std::string&) {
    return set_accel(s.config(), "kvm");
}

Result<void> on_cpu(ParseState& s, const std::string& arg) {
    if (arg == "help" || arg == "?") {
        s.result.exit_text = cpu_models_help();
        return ok();
    }
    auto spec = parse_cpu_spec(arg);
    if (!spec) return spec.error();
    s.config().cpu = arg;
    return ok();
}

// -smp as QEMU 7.2 reads it for pc machines: missing topology values are derived,
// preferring cores over sockets, and the product must equal maxcpus.
Result<void> on_smp(ParseState& s, const std::string& arg) {
    auto kv = parse_keyvalues(arg, "cpus");
    if (!kv) return kv.error();
    uint64_t cpus = 0, maxcpus = 0, sockets = 0, dies = 1, cores = 0, threads = 0;
    for (const auto& [key, value] : *kv) {
        uint64_t* field = key == "cpus"      ? &cpus
                          : key == "maxcpus" ? &maxcpus
                          : key == "sockets" ? &sockets
                          : key == "dies"    ? &dies
                          : key == "cores"   ? &cores
                          : key == "threads" ? &threads
                                             : nullptr;
        if (!field) return Error("Invalid parameter '" + key + "'");
        auto v = parse_uint(value);
        if (!v) return Error("Parameter '" + key + "' expects a number");
        if (*v == 0 || *v > 1024)
            return Error("Invalid " + key + " " + value + ": must be between 1 and 1024");
        *field = *v;
    }
    if (dies != 1) return Error("dies > 1 not supported by this machine's CPU topology");
    if (!threads) threads = 1;
    uint64_t want = maxcpus ? maxcpus : cpus;
    if (!sockets) sockets = 1;
    if (!cores) cores = want ? (want + sockets * threads - 1) / (sockets * threads) : 1;
    uint64_t product = sockets * cores * threads;
    if (!maxcpus) maxcpus = product;
    if (!cpus) cpus = maxcpus;
    if (product != maxcpus)
        return Error(
            "Invalid CPU topology: product of the hierarchy must match maxcpus: sockets (" +
            std::to_string(sockets) + ") * cores (" + std::to_string(cores) + ") * threads (" +
            std::to_string(threads) + ") != maxcpus (" + std::to_string(maxcpus) + ")");
    if (cpus > maxcpus)
        return Error("Invalid CPU topology: maxcpus must be equal to or greater than smp");
    s.config().cpus = unsigned(cpus);
    s.config().topology = {unsigned(sockets), unsigned(cores), unsigned(threads)};
    return ok();
}

Result<void> on_memory(ParseState& s, const std::string& arg) {
    auto kv = parse_keyvalues(arg, "size");
    if (!kv) return kv.error();
    if (kv->empty()) return Error("missing RAM size");
    for (const auto& [key, value] : *kv) {
        if (key != "size") return Error("Invalid parameter '" + key + "'");
        auto size = parse_size(value, 1ull << 20);
        if (!size) return size.error();
        if (*size < (1ull << 20)) return Error("RAM size too small (at least 1M)");
        if (*size > (1ull << 40)) return Error("RAM size too large (at most 1T)");
        s.config().ram_size = *size & ~0xfffull;
    }
    return ok();
}

Result<void> on_kernel(ParseState& s, const std::string& arg) {
    s.config().kernel = arg;
    return ok();
}
Result<void> on_initrd(ParseState& s, const std::string& arg) {
    s.config().initrd = arg;
    return ok();
}
Result<void> on_append(ParseState& s, const std::string& arg) {
    s.config().append = arg;
    return ok();
}
Result<void> on_bios(ParseState& s, const std::string& arg) {
    s.config().bios = arg;
    return ok();
}
Result<void> on_firmware_dir(ParseState& s, const std::string& arg) {
    s.config().firmware_dirs.push_back(arg);
    return ok();
}
Result<void> on_option_rom(ParseState& s, const std::string& arg) {
    auto kv = parse_keyvalues(arg, "romfile");
    if (!kv) return kv.error();
    for (const auto& [key, value] : *kv) {
        if (key != "romfile") return Error("-option-rom: Invalid parameter '" + key + "'");
        s.config().option_roms.push_back(value);
    }
    return ok();
}

Result<void> on_fw_cfg(ParseState& s, const std::string& arg) {
    KEMU_TRY(kv, parse_keyvalues(arg, "name"));
    std::string name, file, text;
    bool has_file = false, has_string = false;
    for (const auto& [key, value] : kv) {
        if (key == "name") {
            name = value;
        } else if (key == "file") {
            file = value;
            has_file = true;
        } else if (key == "string") {
            text = value;
            has_string = true;
        } else {
            return Error("Invalid parameter '" + key + "'");
        }
    }
    if (name.empty()) return Error("-fw_cfg: name is required");
    KEMU_TRY_VOID(check_user_fw_cfg_name(name));
    if (has_file == has_string) return Error("-fw_cfg: give exactly one of file= and string=");
    if (has_file)
        s.config().fw_cfg_files.push_back({name, file});
    else
        s.config().fw_cfg_strings.push_back({name, text});
    return ok();
}

Result<std::string> parse_boot_drives(const std::string& key, const std::string& letters) {
    for (char c : letters)
        if (std::string_view("abcdnop").find(c) == std::string_view::npos)
            return Error(std::string("Invalid boot device for ") + key + ": '" + c + "'");
    return letters;
}

Result<long long> parse_boot_millis(const std::string& key, const std::string& value,
                                    long long min) {
    char* end = nullptr;
    errno = 0;
    long long ms = std::strtoll(value.c_str(), &end, 10);
    if (value.empty() || *end || errno || ms < min || ms > 0xffff)
        return Error("-boot " + key + ": expects a number of milliseconds up to 65535, not '" +
                     value + "'");
    return ms;
}

// A bare "-boot cd" is order=cd, as in QEMU.
Result<void> on_boot(ParseState& s, const std::string& arg) {
    auto kv = parse_keyvalues(arg, "order");
    if (!kv) return kv.error();
    BootSpec& boot = s.config().boot;
    for (const auto& [key, value] : *kv) {
        if (key == "order" || key == "once") {
            auto letters = parse_boot_drives(key, value);
            if (!letters) return letters.error();
            (key == "order" ? boot.order : boot.once) = *letters;
        } else if (key == "menu" || key == "strict") {
            KEMU_TRY(on, parse_bool(key, value));
            (key == "menu" ? boot.menu : boot.strict) = on;
        } else if (key == "splash-time") {
            auto ms = parse_boot_millis(key, value, 0);
            if (!ms) return ms.error();
            boot.splash_time_ms = *ms;
        } else if (key == "reboot-timeout") {
            auto ms = parse_boot_millis(key, value, -1);
            if (!ms) return ms.error();
            boot.reboot_timeout_ms = int(*ms);
        } else if (key != "splash") {
            return Error("-boot: Invalid parameter '" + key + "'");
        }
    }
    return ok();
}

Result<void> on_drive(ParseState& s, const std::string& arg) {
    auto drive = parse_drive(arg);
    if (!drive) return drive.error();
    s.config().drives.push_back(std::move(*drive));
    return ok();
}
Result<void> add_legacy_drive(ParseState& s, const std::string& file, int index, bool cdrom) {
    s.config().drives.push_back(legacy_drive(file, index, cdrom));
    return ok();
}
Result<void> on_hda(ParseState& s, const std::string& arg) {
    return add_legacy_drive(s, arg, 0, false);
}
Result<void> on_hdb(ParseState& s, const std::string& arg) {
    return add_legacy_drive(s, arg, 1, false);
}
Result<void> on_hdc(ParseState& s, const std::string& arg) {
    return add_legacy_drive(s, arg, 2, false);
}
Result<void> on_hdd(ParseState& s, const std::string& arg) {
    return add_legacy_drive(s, arg, 3, false);
}
Result<void> on_cdrom(ParseState& s, const std::string& arg) {
    return add_legacy_drive(s, arg, 2, true);
}
Result<void> on_snapshot(ParseState& s, const std::string&) {
    s.config().snapshot = true;
    return ok();
}

Result<void> on_keyboard_layout(ParseState& s, const std::string& arg) {
    KEMU_TRY(layout, find_keyboard_layout(arg));
    s.config().keyboard_layout = layout;
    return ok();
}

Result<void> on_nographic(ParseState& s, const std::string&) {
    s.config().nographic = true;
    return ok();
}

Result<void> on_display(ParseState& s, const std::string& arg) {
    auto kv = parse_keyvalues(arg, "type");
    if (!kv) return kv.error();
    std::string type = kv->empty() ? "" : kv->front().second;
    if (type == "help") {
        s.result.exit_text = "Available display backend types:\nnone\nsdl";
        return ok();
    }
    if (type == "gtk" || type == "curses" || type == "vnc")
        return Error("display '" + type + "' is not available (kemu has sdl, none and -vnc)");
    if (type != "none" && type != "sdl")
        return Error("Parameter 'type' does not accept value '" + type + "'");
    for (size_t i = 1; i < kv->size(); i++) {
        const auto& [key, value] = (*kv)[i];
        if (type != "sdl" || key != "window-close") return Error("Invalid parameter '" + key + "'");
        KEMU_TRY(on, parse_bool(key, value));
        s.config().sdl_window_close_quits = on;
    }
    s.config().display = type;
    return ok();
}

Result<void> on_vnc(ParseState& s, const std::string& arg) {
    s.config().vnc = arg;
    return ok();
}

Result<void> on_full_screen(ParseState& s, const std::string&) {
    s.config().full_screen = true;
    return ok();
}

Result<void> on_serial(ParseState& s, const std::string& arg) {
    if (s.config().serials.size() >= 4) return Error("too many serial ports (at most 4)");
    s.config().serials.push_back(arg);
    return ok();
}
Result<void> on_monitor(ParseState& s, const std::string& arg) {
    s.config().monitor = arg;
    return ok();
}
Result<void> on_chardev(ParseState& s, const std::string& arg) {
    s.config().chardevs.push_back(arg);
    return ok();
}

bool asks_for_help(const std::string& value) {
    return value == "help" || value == "?";
}

Result<void> on_device(ParseState& s, const std::string& arg) {
    auto kv = parse_keyvalues(arg, "driver");
    if (!kv) return kv.error();
    if (kv->empty() || kv->front().first != "driver") return Error("Parameter 'driver' is missing");
    DeviceSpec spec{kv->front().second, {}};
    if (asks_for_help(spec.driver)) {
        s.result.exit_text = device_models_help();
        return ok();
    }
    for (size_t i = 1; i < kv->size(); i++) {
        const auto& [key, value] = (*kv)[i];
        if (asks_for_help(key)) {
            const DeviceModel* model = find_device_model(spec.driver);
            if (!model) return Error("'" + spec.driver + "' is not a valid device model name");
            s.result.exit_text = device_properties_help(*model);
            return ok();
        }
        spec.props[key] = value;
    }
    if (auto model = check_device_spec(spec); !model) return model.error();
    if (is_ide_drive_device(spec.driver))
        s.ide_devices.push_back({arg, std::move(spec)});
    else
        s.config().devices.push_back(std::move(spec));
    return ok();
}

// "driver.property=value", or "driver=d,property=p,value=v".
Result<GlobalProperty> parse_global(const std::string& arg) {
    size_t dot = arg.find('.'), equals = arg.find('=');
    if (dot != std::string::npos && dot > 0 && equals != std::string::npos && equals > dot + 1)
        return GlobalProperty{arg.substr(0, dot), arg.substr(dot + 1, equals - dot - 1),
                              arg.substr(equals + 1)};
    auto kv = parse_keyvalues(arg, "");
    if (!kv) return kv.error();
    std::optional<std::string> driver, property, value;
    for (const auto& [key, text] : *kv) {
        std::optional<std::string>* field = key == "driver"     ? &driver
                                            : key == "property" ? &property
                                            : key == "value"    ? &value
                                                                : nullptr;
        if (!field) return Error("Invalid parameter '" + key + "'");
        *field = text;
    }
    if (!driver || !property || !value)
        return Error("options 'driver', 'property', and 'value' are required");
    return GlobalProperty{*driver, *property, *value};
}

Result<void> on_global(ParseState& s, const std::string& arg) {
    auto global = parse_global(arg);
    if (!global) return global.error();
    if (const DeviceModel* model = find_device_model(global->driver))
        KEMU_TRY_VOID(check_global_property(*model, *global));
    else
        s.result.warnings.push_back("global " + global->driver + "." + global->property +
                                    " has invalid class name");
    s.config().globals.push_back(std::move(*global));
    return ok();
}

// Globals are defaults: a property given on -device wins, and a later -global wins
// over an earlier one.
void apply_globals(const std::vector<GlobalProperty>& globals, const std::string& driver,
                   std::map<std::string, std::string>& props) {
    std::map<std::string, std::string> defaults;
    for (const GlobalProperty& g : globals)
        if (g.driver == driver) defaults[g.property] = g.value;
    props.merge(defaults);
}

// Every IDE drive is an ide-hd or ide-cd device, -hda and -drive if=ide ones included, so
// -global ide-hd.model=... reaches them all.
void apply_ide_globals(MachineConfig& config) {
    for (DriveSpec& drive : config.drives)
        if (drive.interface == DriveInterface::Ide)
            apply_globals(config.globals, drive.cdrom ? "ide-cd" : "ide-hd",
                          drive.device_properties);
}

Result<void> on_nodefaults(ParseState& s, const std::string&) {
    s.config().nodefaults = true;
    return ok();
}
Result<void> on_name(ParseState& s, const std::string& arg) {
    auto kv = parse_keyvalues(arg, "guest");
    if (!kv) return kv.error();
    for (const auto& [key, value] : *kv)
        if (key == "guest") s.config().name = value;
    return ok();
}
Result<void> on_start_paused(ParseState& s, const std::string&) {
    s.config().start_paused = true;
    return ok();
}
Result<void> on_no_reboot(ParseState& s, const std::string&) {
    s.config().no_reboot = true;
    return ok();
}
Result<void> on_no_shutdown(ParseState& s, const std::string&) {
    s.config().no_shutdown = true;
    return ok();
}
Result<void> on_no_acpi(ParseState& s, const std::string&) {
    s.config().acpi = false;
    return ok();
}

Result<void> on_log_items(ParseState& s, const std::string& arg) {
    if (arg == "help") {
        s.result.exit_text = log_items_help();
        return ok();
    }
    auto mask = parse_log_items(arg);
    if (!mask) return mask.error();
    s.config().log_mask |= *mask;
    return ok();
}
Result<void> on_log_file(ParseState& s, const std::string& arg) {
    s.config().log_file = arg;
    return ok();
}
Result<void> on_log_filter(ParseState& s, const std::string& arg) {
    auto ranges = parse_log_filter(arg);
    if (!ranges) return ranges.error();
    s.config().log_filter = std::move(*ranges);
    return ok();
}
Result<void> on_perfmap(ParseState& s, const std::string&) {
    s.config().perfmap = true;
    return ok();
}
Result<void> on_jitdump(ParseState& s, const std::string&) {
    s.config().jitdump = true;
    return ok();
}

constexpr OptionInfo kOptions[] = {
#define OPTION(name, takes_arg, handler, arg_help, help) \
    {name, takes_arg, on_##handler, arg_help, help},
#include "system/options.def"
#undef OPTION
};

const OptionInfo* find_option(std::string_view name) {
    for (const OptionInfo& o : kOptions)
        if (name == o.name) return &o;
    return nullptr;
}

}  // namespace

std::string usage_text() {
    std::string out = version_line() + "\nusage: kemu-system-x86_64 [options]\n\n";
    for (const OptionInfo& o : kOptions) {
        std::string left =
            std::string("-") + o.name + (o.takes_argument ? std::string(" ") + o.arg_help : "");
        char line[512];
        std::snprintf(line, sizeof line, "%-44s %s\n", left.c_str(), o.help);
        out += line;
    }
    return out + "\nDuring emulation with -nographic, Ctrl-A h shows the console escape keys.";
}

Result<CmdlineResult> parse_cmdline(const std::vector<std::string>& args) {
    CmdlineResult result;
    ParseState state{result};
    for (size_t i = 0; i < args.size() && !result.exit_text; i++) {
        const std::string& arg = args[i];
        if (arg.size() < 2 || arg[0] != '-')
            return Error("'" + arg + "': disk images as bare arguments are not supported yet");
        // QEMU accepts --option as well as -option.
        std::string name = arg.substr(arg[1] == '-' ? 2 : 1);
        const OptionInfo* option = find_option(name);
        if (!option) return Error(arg + ": invalid option");
        std::string value;
        if (option->takes_argument) {
            if (i + 1 >= args.size()) return Error(arg + ": requires an argument");
            value = args[++i];
        }
        auto r = option->handler(state, value);
        if (!r.ok())
            return r.error().with_context(option->takes_argument ? arg + " " + value : arg);
    }
    for (DeviceSpec& spec : result.config.devices)
        apply_globals(result.config.globals, spec.driver, spec.props);
    for (IdeDeviceArg& device : state.ide_devices)
        apply_globals(result.config.globals, device.spec.driver, device.spec.props);
    // As QEMU picks its default display: a window when there is an X server or Wayland
    // compositor to show it on.
    auto set = [](const char* name) { return std::getenv(name) && *std::getenv(name); };
    if (result.config.display == "default" && (set("DISPLAY") || set("WAYLAND_DISPLAY")))
        result.config.display = "sdl";
    for (DriveSpec& d : result.config.drives)
        if (result.config.snapshot) d.options.snapshot = true;
    if (auto r = assign_drive_ids(result.config.drives); !r)
        return r.error().with_context("-drive");
    KEMU_TRY_VOID(attach_ide_devices(state.ide_devices, result.config.drives));
    apply_ide_globals(result.config);
    return result;
}

}  // namespace kemu
