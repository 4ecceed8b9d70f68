// Handlers of hmp_commands.def (the `info` subcommands are in hmp_info.cpp).
#include <climits>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "target-x86/disas.h"

#include "monitor/hmp_handlers.h"
#include "monitor/hmp_memory.h"
#include "monitor/hmp_table.h"
#include "monitor/monitor.h"
#include "system/keyval.h"

namespace kemu {

namespace {

// x/i and xp/i: as many bytes as can be read, then one line per instruction.
void disassemble_memory(Monitor& mon, uint64_t count, uint64_t addr, const MemoryReader& read) {
    constexpr uint64_t kMaxInsnBytes = 15;
    std::vector<uint8_t> code(count * kMaxInsnBytes);
    size_t readable = 0;
    while (readable < code.size() && read(addr + readable, std::span<uint8_t>(&code[readable], 1)))
        readable++;
    auto lines = disassemble(std::span<const uint8_t>(code.data(), readable), addr,
                             mon.host().cpu_code_bits(mon.cpu_index()), count);
    for (const DisasLine& line : lines) {
        char prefix[32];
        std::snprintf(prefix, sizeof prefix, "0x%016llx:  ", (unsigned long long)line.address);
        mon.print(prefix + line.text + "\n");
    }
    if (lines.size() < count) {
        char where[64];
        std::snprintf(
            where, sizeof where, "0x%016llx: Cannot disassemble\n",
            (unsigned long long)(addr + (lines.empty()
                                             ? 0
                                             : lines.back().address + lines.back().length - addr)));
        mon.print(where);
    }
}

void dump(Monitor& mon, const char* command, const HmpArgs& args, const MemoryReader& read) {
    const MemoryFormat& format = args.format("fmt");
    if (format.format == 'i') {
        if (format.count > 1024) {
            mon.print_error(std::string(command) + ": at most 1024 instructions");
            return;
        }
        disassemble_memory(mon, format.count, args.number("addr"), read);
        return;
    }
    if (format.count > kMaxDumpBytes / format.unit) {
        mon.print_error(std::string(command) + ": dump too large (at most " +
                        std::to_string(kMaxDumpBytes) + " bytes)");
        return;
    }
    dump_memory(format, args.number("addr"), read, [&](std::string_view line) { mon.print(line); });
}

void print_info_help(Monitor& mon) {
    for (const HmpInfoCommand& c : hmp_info_commands())
        mon.print(hmp_info_help_line(c));
}

}  // namespace

void hmp_help(Monitor& mon, const HmpArgs& args) {
    if (!args.has("name")) {
        for (const HmpCommand& c : hmp_commands())
            mon.print(hmp_help_line(c));
        return;
    }
    const std::string& name = args.text("name");
    const HmpCommand* command = find_hmp_command(name);
    if (!command) {
        mon.print_error("unknown command: '" + name + "'");
        return;
    }
    if (command->handler == hmp_info) return print_info_help(mon);
    mon.print(hmp_help_line(*command));
}

void hmp_info(Monitor& mon, const HmpArgs& args) {
    if (!args.has("item")) return print_info_help(mon);
    const std::string& item = args.text("item");
    const HmpInfoCommand* info = find_hmp_info_command(item);
    if (!info) {
        mon.print_error("info: unknown subcommand '" + item + "'");
        return;
    }
    info->handler(mon);
}

void hmp_stop(Monitor& mon, const HmpArgs&) {
    mon.report(mon.host().stop());
}
void hmp_cont(Monitor& mon, const HmpArgs&) {
    mon.report(mon.host().cont());
}
void hmp_system_reset(Monitor& mon, const HmpArgs&) {
    mon.report(mon.host().system_reset());
}
void hmp_system_powerdown(Monitor& mon, const HmpArgs&) {
    mon.report(mon.host().system_powerdown());
}
void hmp_quit(Monitor& mon, const HmpArgs&) {
    mon.host().quit();
}

void hmp_x(Monitor& mon, const HmpArgs& args) {
    int cpu = mon.cpu_index();
    dump(mon, "x", args, [&](uint64_t addr, std::span<uint8_t> out) {
        return mon.host().read_virtual(cpu, addr, out);
    });
}

void hmp_xp(Monitor& mon, const HmpArgs& args) {
    dump(mon, "xp", args, [&](uint64_t addr, std::span<uint8_t> out) {
        return mon.host().read_physical(addr, out);
    });
}

void hmp_print(Monitor& mon, const HmpArgs& args) {
    mon.print(format_print_value(args.format("fmt").format, args.number("val")) + "\n");
}

// The port `i` or `o` names, if it and the access width (the format's unit) are valid.
std::optional<uint16_t> io_port(Monitor& mon, const HmpArgs& args, const char* command) {
    uint64_t port = args.number("port");
    if (port <= 0xffff && args.format("fmt").unit <= 4) return uint16_t(port);
    mon.print_error(std::string(command) + ": port above 0xffff or unit wider than w");
    return std::nullopt;
}

// QEMU's layout: "portb[0x0080] = 0x55".
void hmp_ioport_read(Monitor& mon, const HmpArgs& args) {
    auto port = io_port(mon, args, "i");
    if (!port) return;
    unsigned size = args.format("fmt").unit;
    uint64_t value = mon.host().io_read(*port, size);
    char line[64];
    std::snprintf(line, sizeof line, "port%c[0x%04x] = 0x%0*llx\n",
                  size == 1   ? 'b'
                  : size == 2 ? 'w'
                              : 'l',
                  unsigned(*port), int(size * 2), (unsigned long long)value);
    mon.print(line);
}

void hmp_ioport_write(Monitor& mon, const HmpArgs& args) {
    auto port = io_port(mon, args, "o");
    if (!port) return;
    mon.host().io_write(*port, args.format("fmt").unit, args.number("value"));
}

namespace {

// Runs a block operation that completes later: the monitor waits for it, then prints what
// it reports.
void run_block_operation(Monitor& mon,
                         void (MonitorHost::*operation)(const std::string&, MonitorHost::Done),
                         const std::string& arg) {
    mon.suspend();
    (mon.host().*operation)(arg, [&mon](Result<std::string> r) {
        if (r)
            mon.print(*r);
        else
            mon.print_error(r.error().message());
        mon.resume();
    });
}

}  // namespace

void hmp_commit(Monitor& mon, const HmpArgs& args) {
    run_block_operation(mon, &MonitorHost::block_commit, args.text("device"));
}
void hmp_snapshot_blkdev(Monitor& mon, const HmpArgs& args) {
    mon.suspend();
    mon.host().snapshot_blkdev(args.text("device"), args.text("file"), args.text("format"),
                               [&mon](Result<std::string> r) {
                                   if (!r) mon.print_error(r.error().message());
                                   mon.resume();
                               });
}

void hmp_block_resize(Monitor& mon, const HmpArgs& args) {
    auto size = parse_size(args.text("size"), 1);
    if (!size) return mon.print_error("block_resize: invalid size '" + args.text("size") + "'");
    mon.suspend();
    mon.host().block_resize(args.text("device"), *size, [&mon](Result<std::string> r) {
        if (!r) mon.print_error(r.error().message());
        mon.resume();
    });
}
void hmp_savevm(Monitor& mon, const HmpArgs& args) {
    run_block_operation(mon, &MonitorHost::save_snapshot, args.text("name"));
}
void hmp_loadvm(Monitor& mon, const HmpArgs& args) {
    run_block_operation(mon, &MonitorHost::load_snapshot, args.text("name"));
}
void hmp_delvm(Monitor& mon, const HmpArgs& args) {
    run_block_operation(mon, &MonitorHost::delete_snapshot, args.text("name"));
}

void hmp_cpu(Monitor& mon, const HmpArgs& args) {
    uint64_t index = args.number("index");
    for (const MonitorCpuInfo& cpu : mon.host().cpus()) {
        if (index <= uint64_t(INT_MAX) && cpu.index == int(index)) {
            mon.set_cpu_index(cpu.index);
            return;
        }
    }
    mon.print_error("invalid CPU index");
}

}  // namespace kemu
