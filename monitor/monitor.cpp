#include "monitor/monitor.h"

#include <optional>

#include "monitor/hmp_registers.h"
#include "monitor/hmp_table.h"

namespace kemu {

Monitor::Monitor(Chardev& chardev, MonitorHost& host) : chardev_(chardev), host_(host) {
    chardev_.attach(this);
}

Monitor::~Monitor() {
    chardev_.detach(this);
}

void Monitor::write_raw(std::string_view text) {
    chardev_.write(std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
}

void Monitor::print(std::string_view text) {
    std::string out;
    out.reserve(text.size() + 16);
    for (char c : text) {
        if (c == '\n') out.push_back('\r');
        out.push_back(c);
    }
    write_raw(out);
}

void Monitor::show_banner() {
    print("KEMU " KEMU_VERSION " monitor - type 'help' for more information\n");
    banner_shown_ = true;
}

void Monitor::show_prompt() {
    write_raw(kPrompt);
}

void Monitor::event(CharEvent event) {
    switch (event) {
        case CharEvent::Opened:
            // Every new client of a socket monitor gets the greeting.
            editor_.reset();
            banner_shown_ = false;
            if (focused_) {
                show_banner();
                show_prompt();
            }
            break;
        case CharEvent::FocusIn:
            focused_ = true;
            if (!banner_shown_) show_banner();
            show_prompt();
            break;
        case CharEvent::FocusOut:
            focused_ = false;
            break;
        case CharEvent::Closed:
            editor_.reset();
            break;
        case CharEvent::Break:
            break;
    }
}

void Monitor::receive(std::span<const uint8_t> data) {
    pending_input_.append(data.begin(), data.end());
    process_input();
}

void Monitor::process_input() {
    size_t used = 0;
    while (used < pending_input_.size() && !suspended_) {
        std::string echo;
        auto line = editor_.feed(static_cast<uint8_t>(pending_input_[used++]), echo);
        if (!echo.empty()) write_raw(echo);
        if (!line) continue;
        in_command_ = true;
        execute(*line);
        in_command_ = false;
        if (!suspended_) show_prompt();
    }
    pending_input_.erase(0, used);
}

void Monitor::resume() {
    if (suspended_ == 0 || --suspended_ != 0 || in_command_) return;
    show_prompt();
    process_input();
}

void Monitor::execute(std::string_view line) {
    size_t start = line.find_first_not_of(" \t");
    if (start == std::string_view::npos) return;
    line.remove_prefix(start);
    // As QEMU, the name ends at a '/' too, so `x/4i $pc` is `x /4i $pc`.
    size_t end = line.find_first_of(" \t/");
    std::string_view name = line.substr(0, end);
    std::string_view rest = end == std::string_view::npos ? std::string_view{} : line.substr(end);
    const HmpCommand* command = find_hmp_command(name);
    if (!command) {
        print_error("unknown command: '" + std::string(name) + "'");
        return;
    }
    // The selected CPU's registers are read once, and only if the line names one.
    std::optional<Result<X86CpuState>> cpu;
    auto registers = [&](std::string_view reg) -> Result<uint64_t> {
        if (!cpu) cpu = host_.cpu_state(cpu_index_);
        if (!*cpu) return cpu->error();
        return cpu_register_value(**cpu, reg);
    };
    auto args = parse_hmp_args(command->args, rest, sticky_format_, registers);
    if (!args) {
        print_error(std::string(command->name) + ": " + args.error().message());
        return;
    }
    command->handler(*this, *args);
}

}  // namespace kemu
