// Terminal handling. The saved termios is process-wide state by nature: the
// signal handlers and the atexit hook that restore it have no other way to find
// it. That is also why only one stdio chardev may exist.
#include "chardev/stdio_chardev.h"

#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>

namespace kemu {

namespace {

std::atomic<bool> g_stdio_in_use{false};

// Written before the handlers are installed; the handlers only read it.
struct termios g_saved_termios;
volatile sig_atomic_t g_termios_saved = 0;

// Signals that end the process by default and after which the terminal must come back.
constexpr int kRestoreSignals[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGSEGV,
                                   SIGBUS,  SIGILL, SIGFPE, SIGABRT};
constexpr size_t kSignalCount = sizeof kRestoreSignals / sizeof kRestoreSignals[0];
struct sigaction g_previous[kSignalCount];
bool g_handlers_installed = false;

// Async-signal-safe: tcsetattr() is on the POSIX list.
void restore_terminal() {
    if (g_termios_saved) tcsetattr(STDIN_FILENO, TCSANOW, &g_saved_termios);
}

void restore_on_signal(int sig, siginfo_t* info, void* context) {
    restore_terminal();
    for (size_t i = 0; i < kSignalCount; i++) {
        if (kRestoreSignals[i] != sig) continue;
        const struct sigaction& prev = g_previous[i];
        // Whoever handled the signal before us (the machine's clean shutdown) still does.
        if (prev.sa_flags & SA_SIGINFO) {
            prev.sa_sigaction(sig, info, context);
            return;
        }
        if (prev.sa_handler == SIG_IGN) return;
        if (prev.sa_handler != SIG_DFL) {
            prev.sa_handler(sig);
            return;
        }
    }
    // Default action: re-raise with the default disposition so the exit status
    // (and a core dump for fatal signals) is what it would have been.
    signal(sig, SIG_DFL);
    raise(sig);
}

void install_restore_handlers() {
    if (g_handlers_installed) return;
    g_handlers_installed = true;
    std::atexit(restore_terminal);
    for (size_t i = 0; i < kSignalCount; i++) {
        struct sigaction sa {};
        sa.sa_sigaction = restore_on_signal;
        sa.sa_flags = SA_SIGINFO;
        sigemptyset(&sa.sa_mask);
        // SA_RESETHAND is not used: a chained handler may want to see the signal again.
        sigaction(kRestoreSignals[i], &sa, &g_previous[i]);
    }
}

// Raw input for a guest console: bytes arrive one at a time, unechoed and
// untranslated (CR stays CR, Ctrl-C/Ctrl-Z/Ctrl-\ are data). Output processing
// stays on so a bare LF from the guest still starts a new line.
void enter_raw_mode(bool allow_signals) {
    struct termios tty;
    if (tcgetattr(STDIN_FILENO, &tty) < 0) return;
    g_saved_termios = tty;
    g_termios_saved = 1;
    install_restore_handlers();
    tty.c_iflag &= ~tcflag_t(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
    tty.c_oflag |= OPOST;
    tty.c_lflag &= ~tcflag_t(ECHO | ECHONL | ICANON | IEXTEN);
    if (!allow_signals) tty.c_lflag &= ~tcflag_t(ISIG);
    tty.c_cflag &= ~tcflag_t(CSIZE | PARENB);
    tty.c_cflag |= CS8;
    tty.c_cc[VMIN] = 1;
    tty.c_cc[VTIME] = 0;
    tcsetattr(STDIN_FILENO, TCSANOW, &tty);
}

}  // namespace

Result<std::unique_ptr<StdioChardev>> StdioChardev::create(std::string id, EventLoop& loop,
                                                           bool allow_signals) {
    if (g_stdio_in_use.exchange(true))
        return Error("cannot use stdio by multiple character devices");
    std::unique_ptr<StdioChardev> chr(new StdioChardev(std::move(id), loop));
    if (isatty(STDIN_FILENO)) enter_raw_mode(allow_signals);
    // stdin is read only when epoll says it is readable, so it stays blocking: setting
    // O_NONBLOCK would also change the terminal's stdout and stderr, which share its
    // open file description, and would outlive us in the shell.
    KEMU_TRY_VOID(chr->start_streaming(STDIN_FILENO, STDOUT_FILENO, false));
    return chr;
}

StdioChardev::~StdioChardev() {
    stop_streaming();
    restore_terminal();
    g_termios_saved = 0;
    g_stdio_in_use = false;
}

void StdioChardev::input_closed() {}

}  // namespace kemu
