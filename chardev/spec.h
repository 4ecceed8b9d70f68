// Chardev specifications as the command line spells them: the -chardev option
// ("socket,id=mon0,path=/tmp/m,server=on,wait=off") and the legacy strings of
// -serial and -monitor ("mon:stdio", "tcp::4444,server,nowait"). Parsing is
// separate from creation so every spelling can be tested without opening anything.
#pragma once

#include <string>
#include <string_view>

#include "chardev/socket_chardev.h"
#include "system/error.h"

namespace kemu {

enum class ChardevBackend { Null, Stdio, File, Pty, Socket, Vc };

struct ChardevSpec {
    std::string id;
    ChardevBackend backend = ChardevBackend::Null;
    // Wrap the backend in a mux so a monitor can share it (mux=on, "mon:").
    bool mux = false;
    std::string path;     // file
    bool append = false;  // file
    // stdio: let Ctrl-C and friends signal kemu instead of reaching the guest.
    bool signals = false;
    SocketOptions socket;
};

// Parses the argument of -chardev. Errors are bare ("unknown chardev backend 'x'");
// the caller adds the option context.
Result<ChardevSpec> parse_chardev_option(std::string_view text);

struct LegacyChardevSpec {
    enum class Kind {
        None,      // "none": no device at all
        New,       // create `spec`
        Existing,  // "chardev:ID": use an already created chardev
    };
    Kind kind = Kind::None;
    ChardevSpec spec;
    std::string existing_id;
    // "mon:" prefix: a monitor shares the chardev with the device.
    bool with_monitor = false;
};

// Parses a -serial/-monitor/-parallel argument; a created chardev gets `id`.
Result<LegacyChardevSpec> parse_legacy_chardev(std::string_view text, std::string id);

}  // namespace kemu
