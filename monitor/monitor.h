// The human monitor (HMP): a CharFrontend on a chardev (often a mux shared with
// serial0) that reads command lines and runs them from hmp_commands.def against
// a MonitorHost. Nothing typed here can throw or end the process except `quit`.
#pragma once

#include <string>
#include <string_view>

#include "chardev/chardev.h"
#include "monitor/hmp_args.h"
#include "monitor/line_editor.h"
#include "monitor/monitor_host.h"

namespace kemu {

class Monitor final : public CharFrontend {
  public:
    static constexpr const char* kPrompt = "(kemu) ";

    // Attaches to `chardev`, which must outlive the monitor (the destructor detaches).
    Monitor(Chardev& chardev, MonitorHost& host);
    ~Monitor() override;
    Monitor(const Monitor&) = delete;
    Monitor& operator=(const Monitor&) = delete;

    // CharFrontend: the monitor consumes input as fast as it arrives.
    size_t can_receive() override { return 4096; }
    void receive(std::span<const uint8_t> data) override;
    void event(CharEvent event) override;

    // Runs one command line as if typed (no echo, no prompt).
    void execute(std::string_view line);

    // Output for handlers; "\n" goes out as "\r\n" so raw terminals and telnet
    // clients both start new lines at the left margin.
    void print(std::string_view text);
    void print_error(std::string_view text) { print(std::string(text) + "\n"); }
    // An action's outcome: nothing when it worked, its one-line error otherwise.
    void report(const Result<void>& result) {
        if (!result) print_error(result.error().message());
    }

    // For commands that finish later (block jobs run on the I/O threads): input waits and
    // no prompt is shown between suspend() and the matching resume(), which may come before
    // the handler returns.
    void suspend() { ++suspended_; }
    void resume();

    MonitorHost& host() { return host_; }
    int cpu_index() const { return cpu_index_; }
    void set_cpu_index(int index) { cpu_index_ = index; }

  private:
    void show_banner();
    void show_prompt();
    void write_raw(std::string_view text);
    // Feeds pending_input_ to the line editor until it runs out or a command suspends.
    void process_input();

    Chardev& chardev_;
    MonitorHost& host_;
    LineEditor editor_;
    MemoryFormat sticky_format_;
    int cpu_index_ = 0;
    std::string pending_input_;
    unsigned suspended_ = 0;
    bool in_command_ = false;
    bool focused_ = true;
    bool banner_shown_ = false;
};

}  // namespace kemu
