#include "hw/char/serial_16550.h"

#include <cstdio>

#include "hw/core/device_state.h"
#include "system/log.h"

namespace kemu {

namespace {

enum Register : unsigned {
    kRbrThr = 0,  // DLL when LCR.DLAB
    kIer = 1,     // DLM when LCR.DLAB
    kIirFcr = 2,
    kLcr = 3,
    kMcr = 4,
    kLsr = 5,
    kMsr = 6,
    kScr = 7,
};

constexpr uint8_t kIerRda = 0x01;
constexpr uint8_t kIerThre = 0x02;
constexpr uint8_t kIerRls = 0x04;
constexpr uint8_t kIerMsr = 0x08;
constexpr uint8_t kIerImplemented = 0x0f;  // bits 4-7 read as zero; Linux probes this

// IIR interrupt identification, bit 0 clear meaning "pending".
constexpr uint8_t kIirNone = 0x01;
constexpr uint8_t kIirMsr = 0x00;
constexpr uint8_t kIirThre = 0x02;
constexpr uint8_t kIirRda = 0x04;
constexpr uint8_t kIirRls = 0x06;
constexpr uint8_t kIirTimeout = 0x0c;
constexpr uint8_t kIirFifosEnabled = 0xc0;

constexpr uint8_t kFcrEnable = 0x01;
constexpr uint8_t kFcrClearRx = 0x02;
constexpr uint8_t kFcrKept = 0xc9;  // enable, DMA mode select, RX trigger
constexpr unsigned kRxTriggerLevels[4] = {1, 4, 8, 14};

constexpr uint8_t kLcrDlab = 0x80;
constexpr uint8_t kMcrImplemented = 0x1f;
constexpr uint8_t kMcrDtr = 0x01;
constexpr uint8_t kMcrRts = 0x02;
constexpr uint8_t kMcrOut1 = 0x04;
constexpr uint8_t kMcrOut2 = 0x08;

constexpr uint8_t kLsrDataReady = 0x01;
constexpr uint8_t kLsrOverrun = 0x02;
constexpr uint8_t kLsrBreak = 0x10;
constexpr uint8_t kLsrErrors = 0x1e;  // OE, PE, FE, BI
constexpr uint8_t kLsrThrEmpty = 0x20;
constexpr uint8_t kLsrTxEmpty = 0x40;

constexpr uint8_t kMsrCts = 0x10;
constexpr uint8_t kMsrDsr = 0x20;
constexpr uint8_t kMsrRi = 0x40;
constexpr uint8_t kMsrDcd = 0x80;
constexpr uint8_t kMsrDeltas = 0x0f;
constexpr uint8_t kMsrTeri = 0x04;

// The divisor divides the 1.8432 MHz crystal by 16: divisor 1 is 115200 baud.
constexpr int64_t kBaudBase = 115200;
constexpr int64_t kTimeoutCharTimes = 4;
constexpr uint16_t kResetDivisor = 12;  // 9600 baud, the BIOS default

}  // namespace

Serial16550::Serial16550(std::string name, Chardev* chardev, TimerQueue& timers, uint16_t iobase,
                         unsigned irq_number)
    : Device(std::move(name)),
      chardev_(chardev),
      iobase_(iobase),
      irq_number_(irq_number),
      io_(MemoryRegion::io(
          this->name(), kRegisterCount,
          IoOps{
              .read = [this](uint64_t offset, unsigned) { return read_register(unsigned(offset)); },
              .write = [this](uint64_t offset, uint64_t value,
                              unsigned) { write_register(unsigned(offset), uint8_t(value)); },
              .valid = {1, 4, true},
              .impl = {1, 1, false},
          })),
      char_timeout_(timers, [this] { char_timeout_expired(); }) {
    if (chardev_) chardev_->attach(this);
    reset();
}

Serial16550::~Serial16550() {
    if (chardev_) chardev_->detach(this);
}

void Serial16550::reset() {
    divisor_ = kResetDivisor;
    ier_ = 0;
    lcr_ = 0;
    mcr_ = 0;
    fcr_ = 0;
    lsr_errors_ = 0;
    scr_ = 0;
    thre_pending_ = false;
    msr_ = modem_inputs();
    clear_rx_fifo();
    update_irq();
}

int64_t Serial16550::char_time_ns() const {
    // Frame length in half bits: start bit, 5-8 data bits, optional parity, and
    // 1 stop bit, or 1.5 (5-bit words) or 2 when LCR bit 2 is set.
    unsigned data_bits = 5 + (lcr_ & 0x03);
    unsigned half_bits = 2 * (1 + data_bits + ((lcr_ & 0x08) ? 1 : 0));
    half_bits += (lcr_ & 0x04) ? (data_bits == 5 ? 3 : 4) : 2;
    // A divisor of 0 is undefined on the chip; time it as the fastest rate.
    int64_t divisor = divisor_ ? divisor_ : 1;
    return int64_t(half_bits) * divisor * 1'000'000'000 / (2 * kBaudBase);
}

unsigned Serial16550::rx_trigger_level() const {
    return kRxTriggerLevels[fcr_ >> 6];
}

uint8_t Serial16550::read_register(unsigned offset) {
    bool dlab = lcr_ & kLcrDlab;
    switch (offset) {
        case kRbrThr:
            return dlab ? uint8_t(divisor_) : read_rbr();
        case kIer:
            return dlab ? uint8_t(divisor_ >> 8) : ier_;
        case kIirFcr:
            return read_iir();
        case kLcr:
            return lcr_;
        case kMcr:
            return mcr_;
        case kLsr:
            return read_lsr();
        case kMsr:
            return read_msr();
        case kScr:
            return scr_;
    }
    return 0xff;
}

void Serial16550::write_register(unsigned offset, uint8_t value) {
    bool dlab = lcr_ & kLcrDlab;
    switch (offset) {
        case kRbrThr:
            if (dlab)
                divisor_ = uint16_t((divisor_ & 0xff00) | value);
            else
                write_thr(value);
            return;
        case kIer:
            if (dlab)
                divisor_ = uint16_t((divisor_ & 0x00ff) | (value << 8));
            else
                write_ier(value);
            return;
        case kIirFcr:
            return write_fcr(value);
        case kLcr:
            lcr_ = value;
            return;
        case kMcr:
            return write_mcr(value);
        case kLsr:
        case kMsr:
            // Factory-test writes on the real part; nothing a driver relies on.
            log_guest_error("%s: write 0x%02x to read-only %s ignored", name().c_str(), value,
                            offset == kLsr ? "LSR" : "MSR");
            return;
        case kScr:
            scr_ = value;
            return;
    }
}

uint8_t Serial16550::read_rbr() {
    if (rx_.empty()) return 0;
    uint8_t byte = rx_.front();
    rx_.pop_front();
    timeout_pending_ = false;
    restart_char_timeout();
    update_irq();
    if (rx_.empty() && chardev_) chardev_->frontend_ready();
    return byte;
}

uint8_t Serial16550::read_iir() {
    uint8_t id = interrupt_id();
    // Reading IIR acknowledges THRE only when THRE is what it reports.
    if (id == kIirThre) {
        thre_pending_ = false;
        update_irq();
    }
    return id | (fifo_enabled() ? kIirFifosEnabled : 0);
}

uint8_t Serial16550::read_lsr() {
    // Transmission is instantaneous, so the holding register and shifter are always empty.
    uint8_t lsr = lsr_errors_ | kLsrThrEmpty | kLsrTxEmpty | (rx_.empty() ? 0 : kLsrDataReady);
    lsr_errors_ = 0;
    update_irq();
    return lsr;
}

uint8_t Serial16550::read_msr() {
    uint8_t msr = msr_;
    msr_ &= uint8_t(~kMsrDeltas);
    update_irq();
    return msr;
}

void Serial16550::write_thr(uint8_t value) {
    thre_pending_ = false;
    update_irq();
    if (loopback()) {
        receive_byte(value);
    } else {
        bytes_transmitted_++;
        if (chardev_) chardev_->write({&value, 1});
    }
    // The byte left the holding register at once: THR is empty again, which
    // re-arms the THRE interrupt (the line drops and rises, an edge for the PIC).
    thre_pending_ = true;
    update_irq();
}

void Serial16550::write_ier(uint8_t value) {
    uint8_t old = ier_;
    ier_ = value & kIerImplemented;
    // THRE is an edge of (THR empty && IER.THRE): enabling it while THR is empty
    // reports THRE at once. Linux's 8250 startup test depends on this.
    if ((ier_ & kIerThre) && !(old & kIerThre)) thre_pending_ = true;
    update_irq();
}

void Serial16550::write_fcr(uint8_t value) {
    bool enable = value & kFcrEnable;
    // Toggling the FIFO enable empties both FIFOs; other bits are only
    // programmed while the enable bit is written as 1.
    if (enable != fifo_enabled()) clear_rx_fifo();
    if (!enable) {
        fcr_ = 0;
    } else {
        if (value & kFcrClearRx) clear_rx_fifo();
        // The TX FIFO is always empty here (bytes leave at once), so clearing it is a no-op.
        fcr_ = value & kFcrKept;
    }
    restart_char_timeout();
    update_irq();
}

void Serial16550::write_mcr(uint8_t value) {
    bool was_loopback = loopback();
    mcr_ = value & kMcrImplemented;
    update_modem_status();
    update_irq();
    if (was_loopback && !loopback() && chardev_) chardev_->frontend_ready();
}

void Serial16550::clear_rx_fifo() {
    bool had_data = !rx_.empty();
    rx_.clear();
    timeout_pending_ = false;
    char_timeout_.cancel();
    if (had_data && chardev_) chardev_->frontend_ready();
}

size_t Serial16550::can_receive() {
    // In loopback the serial input pin is disconnected from the outside.
    if (loopback()) return 0;
    return rx_capacity() - rx_.size();
}

void Serial16550::receive(std::span<const uint8_t> data) {
    if (loopback()) return;
    for (uint8_t byte : data)
        receive_byte(byte);
    update_irq();
}

void Serial16550::event(CharEvent event) {
    if (event != CharEvent::Break || loopback()) return;
    // The receiver takes a break as one all-zero character flagged with BI.
    receive_byte(0);
    lsr_errors_ |= kLsrBreak;
    update_irq();
}

void Serial16550::receive_byte(uint8_t byte) {
    if (rx_.size() >= rx_capacity()) {
        lsr_errors_ |= kLsrOverrun;
        // Without FIFOs the new byte overwrites the unread one; with FIFOs the
        // byte in the shift register is the one lost.
        if (!fifo_enabled()) rx_.back() = byte;
    } else {
        rx_.push_back(byte);
    }
    restart_char_timeout();
}

void Serial16550::restart_char_timeout() {
    if (fifo_enabled() && !rx_.empty())
        char_timeout_.arm_in(kTimeoutCharTimes * char_time_ns());
    else
        char_timeout_.cancel();
}

void Serial16550::char_timeout_expired() {
    if (!fifo_enabled() || rx_.empty()) return;
    timeout_pending_ = true;
    update_irq();
}

uint8_t Serial16550::modem_inputs() const {
    if (loopback()) {
        // Loopback wires each modem output to an input: DTR->DSR, RTS->CTS, OUT1->RI, OUT2->DCD.
        return ((mcr_ & kMcrDtr) ? kMsrDsr : 0) | ((mcr_ & kMcrRts) ? kMsrCts : 0) |
               ((mcr_ & kMcrOut1) ? kMsrRi : 0) | ((mcr_ & kMcrOut2) ? kMsrDcd : 0);
    }
    // The chardev behaves as a peer that is present and ready to take data.
    return kMsrCts | kMsrDsr | kMsrDcd;
}

void Serial16550::update_modem_status() {
    uint8_t inputs = modem_inputs();
    uint8_t old = msr_ & uint8_t(~kMsrDeltas);
    uint8_t changed = inputs ^ old;
    // DCTS, DDSR and DDCD flag any change; TERI only RI's trailing edge.
    uint8_t deltas = (changed >> 4) & 0x0b;
    if ((old & kMsrRi) && !(inputs & kMsrRi)) deltas |= kMsrTeri;
    msr_ = inputs | (msr_ & kMsrDeltas) | deltas;
}

uint8_t Serial16550::interrupt_id() const {
    if ((ier_ & kIerRls) && lsr_errors_) return kIirRls;
    if (ier_ & kIerRda) {
        bool at_trigger = fifo_enabled() ? rx_.size() >= rx_trigger_level() : !rx_.empty();
        if (at_trigger) return kIirRda;
        if (timeout_pending_) return kIirTimeout;
    }
    if ((ier_ & kIerThre) && thre_pending_) return kIirThre;
    if ((ier_ & kIerMsr) && (msr_ & kMsrDeltas)) return kIirMsr;
    return kIirNone;
}

void Serial16550::update_irq() {
    // On a PC the OUT2 bit enables the UART's interrupt onto the ISA IRQ. Loopback forces
    // the OUT2 *pin* inactive, but the PC's UARTs (Super I/O) gate the interrupt with the
    // register bit, and the 16550 keeps its receiver and transmitter interrupts "fully
    // operational" in loopback: interrupt-driven loopback self-tests rely on both.
    bool gate_open = mcr_ & kMcrOut2;
    irq_.set(gate_open && interrupt_id() != kIirNone);
}

void Serial16550::save(StateWriter& out) const {
    bool timer_armed = char_timeout_.pending();
    int64_t deadline = char_timeout_.deadline();
    state_fields(*this, out, timer_armed, deadline);
}

Result<void> Serial16550::load(StateReader& in, uint32_t version) {
    KEMU_TRY_VOID(check_state_version(*this, version));
    bool timer_armed = false;
    int64_t deadline = 0;
    state_fields(*this, in, timer_armed, deadline);
    ier_ &= kIerImplemented;
    mcr_ &= kMcrImplemented;
    fcr_ &= kFcrKept;
    lsr_errors_ &= kLsrErrors;
    KEMU_TRY_VOID(finish_load(*this, in, rx_.size() <= rx_capacity()));
    if (timer_armed)
        char_timeout_.arm(deadline);
    else
        char_timeout_.cancel();
    update_irq();
    return ok();
}

// The port and its wiring, then what a hung console needs looked at: the registers, the
// receive FIFO and the interrupt that should be telling the driver about it.
std::string Serial16550::describe() const {
    char text[256];
    std::snprintf(text, sizeof text,
                  "iobase = 0x%x, irq = %u, chardev = %s\n"
                  "ier = 0x%02x, iir = 0x%02x, lcr = 0x%02x, mcr = 0x%02x, fcr = 0x%02x, "
                  "rx fifo = %zu of %u, char timeout %s, irq line %s",
                  iobase_, irq_number_, chardev_ ? chardev_->id().c_str() : "none", ier_,
                  interrupt_id(), lcr_, mcr_, fcr_, rx_.size(), rx_capacity(),
                  char_timeout_.pending() ? "armed" : "idle", irq_.level() ? "high" : "low");
    return text;
}

}  // namespace kemu
