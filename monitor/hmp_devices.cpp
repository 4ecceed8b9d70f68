// Monitor commands for the machine's devices: the screen and removable media. Their flags
// come before or among the words, as QEMU's `screendump FILE -f png` and `eject -f DEV`.
#include <sstream>
#include <vector>

#include "monitor/hmp_args.h"
#include "monitor/hmp_handlers.h"
#include "monitor/monitor.h"

namespace kemu {

namespace {

std::vector<std::string> words_of(const std::string& text) {
    std::istringstream in(text);
    std::vector<std::string> words;
    for (std::string w; in >> w;)
        words.push_back(w);
    return words;
}

}  // namespace

void hmp_screendump(Monitor& mon, const HmpArgs& args) {
    std::vector<std::string> words = words_of(args.text("args"));
    std::string path, format = "ppm";
    for (size_t i = 0; i < words.size(); i++) {
        if (words[i] == "-f" && i + 1 < words.size()) {
            format = words[++i];
        } else if (path.empty()) {
            path = words[i];
        } else {
            return mon.print_error("screendump: unexpected argument '" + words[i] + "'");
        }
    }
    if (path.empty()) return mon.print_error("screendump: missing filename");
    mon.report(mon.host().screendump(path, format));
}

void hmp_eject(Monitor& mon, const HmpArgs& args) {
    std::vector<std::string> words = words_of(args.text("args"));
    bool force = !words.empty() && words.front() == "-f";
    if (force) words.erase(words.begin());
    if (words.size() != 1) return mon.print_error("eject: usage: eject [-f] device");
    mon.report(mon.host().eject(words.front(), force));
}

// `change vnc password PW` is QEMU's older spelling of `set_password vnc PW`.
void hmp_change(Monitor& mon, const HmpArgs& args) {
    if (args.text("device") == "vnc" && args.text("file") == "password")
        return mon.report(mon.host().set_vnc_password(args.text("format")));
    mon.report(
        mon.host().change_medium(args.text("device"), args.text("file"), args.text("format")));
}

void hmp_set_password(Monitor& mon, const HmpArgs& args) {
    if (args.text("protocol") != "vnc")
        return mon.print_error("set_password: protocol '" + args.text("protocol") +
                               "' is not supported (kemu has vnc)");
    mon.report(mon.host().set_vnc_password(args.text("password")));
}

}  // namespace kemu
