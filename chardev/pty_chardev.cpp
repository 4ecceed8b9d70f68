#include "chardev/pty_chardev.h"

#include <fcntl.h>
#include <stdlib.h>
#include <termios.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace kemu {

Result<std::unique_ptr<PtyChardev>> PtyChardev::create(std::string id, EventLoop& loop) {
    std::unique_ptr<PtyChardev> chr(new PtyChardev(std::move(id), loop));
    chr->master_.reset(posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC));
    if (!chr->master_.valid() || grantpt(chr->master_.get()) < 0 ||
        unlockpt(chr->master_.get()) < 0)
        return Error(std::string("cannot open a pty: ") + std::strerror(errno));
    char name[128];
    if (ptsname_r(chr->master_.get(), name, sizeof name) != 0)
        return Error(std::string("cannot open a pty: ") + std::strerror(errno));
    chr->slave_path_ = name;
    chr->slave_.reset(open(name, O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (!chr->slave_.valid())
        return Error("cannot open '" + chr->slave_path_ + "': " + std::strerror(errno));
    // A serial line carries bytes: no echo, no line editing, no CR/LF rewriting.
    struct termios tty;
    if (tcgetattr(chr->slave_.get(), &tty) == 0) {
        cfmakeraw(&tty);
        tcsetattr(chr->slave_.get(), TCSANOW, &tty);
    }
    KEMU_TRY_VOID(chr->start_streaming(chr->master_.get(), chr->master_.get(), true));
    std::fprintf(stderr, "char device redirected to %s (label %s)\n", name, chr->id().c_str());
    return chr;
}

PtyChardev::~PtyChardev() {
    stop_streaming();
}

}  // namespace kemu
