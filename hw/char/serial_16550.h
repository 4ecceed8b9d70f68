// 16550A UART as wired on a PC COM port, modelled from the National PC16550D
// datasheet: eight 1-byte registers, 16-byte FIFOs, prioritised interrupts and
// the OUT2-gated IRQ of the PC. See docs/devices.md for what is left out.
#pragma once

#include <cstdint>
#include <deque>
#include <span>
#include <string>

#include "chardev/chardev.h"
#include "hw/core/device.h"
#include "hw/core/irq.h"
#include "hw/i386/pc_layout.h"
#include "system/clock.h"
#include "system/memory_region.h"

namespace kemu {

class Serial16550 final : public Device, public CharFrontend {
  public:
    static constexpr unsigned kFifoSize = 16;
    static constexpr unsigned kRegisterCount = 8;

    // `chardev` may be null: output is dropped and no input arrives. `iobase` and
    // `irq_number` only label the device in `info qtree`; the machine maps io()
    // and wires irq().
    Serial16550(std::string name, Chardev* chardev, TimerQueue& timers,
                uint16_t iobase = pc::kPortCom[0], unsigned irq_number = pc::kIrqCom[0]);
    ~Serial16550() override;

    MemoryRegion& io() { return io_; }
    IrqLine& irq() { return irq_; }

    const char* type_name() const override { return "isa-serial"; }
    void reset() override;
    void save(StateWriter& out) const override;
    Result<void> load(StateReader& in, uint32_t version) override;
    std::string describe() const override;

    size_t can_receive() override;
    void receive(std::span<const uint8_t> data) override;
    // A break from the backend (the mux's Ctrl-A b) arrives as a break condition.
    void event(CharEvent event) override;

    // Duration of one character frame at the programmed divisor and line format.
    int64_t char_time_ns() const;
    // Bytes the guest sent out of the port since power-on (loopback excluded), with or
    // without a backend. Not guest state: survives reset, not saved.
    uint64_t bytes_transmitted() const { return bytes_transmitted_; }

  private:
    uint8_t read_register(unsigned offset);
    void write_register(unsigned offset, uint8_t value);

    uint8_t read_rbr();
    uint8_t read_iir();
    uint8_t read_lsr();
    uint8_t read_msr();
    void write_thr(uint8_t value);
    void write_ier(uint8_t value);
    void write_fcr(uint8_t value);
    void write_mcr(uint8_t value);

    // The saved state; the character timeout travels as whether it is armed and its deadline.
    template <typename Self, typename Io>
    static void state_fields(Self& self, Io& io, bool& timer_armed, int64_t& deadline) {
        io(self.divisor_, self.ier_, self.lcr_, self.mcr_, self.fcr_, self.lsr_errors_, self.msr_,
           self.scr_, self.thre_pending_, self.timeout_pending_, timer_armed, deadline,
           bounded(self.rx_, kFifoSize));
    }

    bool fifo_enabled() const { return fcr_ & 0x01; }
    bool loopback() const { return mcr_ & 0x10; }
    unsigned rx_capacity() const { return fifo_enabled() ? kFifoSize : 1; }
    unsigned rx_trigger_level() const;
    void receive_byte(uint8_t byte);
    void clear_rx_fifo();
    void restart_char_timeout();
    void char_timeout_expired();
    uint8_t modem_inputs() const;
    void update_modem_status();
    uint8_t interrupt_id() const;
    void update_irq();

    Chardev* chardev_;
    uint16_t iobase_;
    unsigned irq_number_;
    MemoryRegion io_;
    IrqLine irq_;
    Timer char_timeout_;

    uint16_t divisor_ = 0;
    uint8_t ier_ = 0;
    uint8_t lcr_ = 0;
    uint8_t mcr_ = 0;
    uint8_t fcr_ = 0;         // the bits FCR keeps: FIFO enable, DMA mode, RX trigger
    uint8_t lsr_errors_ = 0;  // OE/PE/FE/BI; DR, THRE and TEMT are derived
    uint8_t msr_ = 0;
    uint8_t scr_ = 0;
    bool thre_pending_ = false;
    bool timeout_pending_ = false;
    std::deque<uint8_t> rx_;  // never longer than kFifoSize
    uint64_t bytes_transmitted_ = 0;
};

}  // namespace kemu
