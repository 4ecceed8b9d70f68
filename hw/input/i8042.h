// The 8042 keyboard controller of a PC/AT with PS/2 keyboard and mouse ports:
// status and command byte, the controller commands firmware and Linux's i8042
// driver use, set-2 to set-1 translation, A20 and reset through the output
// port. It has two 1-byte register windows: data_io() for port 0x60 and
// command_io() for 0x64 (a single window would cover port 0x61, which is not ours).
// It is the machine's InputSink: key and pointer events from the UI reach its
// keyboard and mouse through it.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <span>
#include <string>

#include "hw/core/device.h"
#include "hw/core/irq.h"
#include "hw/input/ps2_keyboard.h"
#include "hw/input/ps2_mouse.h"
#include "system/memory_region.h"
#include "ui/input.h"

namespace kemu {

class I8042 final : public Device, public InputSink {
  public:
    using ResetRequest = std::function<void()>;
    using A20Change = std::function<void(bool enabled)>;

    I8042(std::string name, ResetRequest on_reset, A20Change on_a20);

    MemoryRegion& data_io() { return data_io_; }
    MemoryRegion& command_io() { return command_io_; }
    IrqLine& keyboard_irq() { return keyboard_irq_; }  // IRQ 1
    IrqLine& mouse_irq() { return mouse_irq_; }        // IRQ 12

    // InputSink: keys become scan codes of the keyboard's current set (set 2 unless
    // the guest changed it), which the controller translates to set 1 when told to.
    // Keys wait in the keyboard's queue of UI keys until the guest has read the ones before.
    void key(uint16_t code, bool down) override;
    void relative_motion(const PointerMotion& motion) override;
    void set_led_listener(LedListener listener) override;
    // Scan-code bytes as they are, as if the keyboard had sent them.
    void key_event(std::span<const uint8_t> scancodes);

    bool a20_enabled() const { return output_port_ & 0x02; }
    uint8_t command_byte() const { return ram_[0]; }
    const Ps2Keyboard& keyboard() const { return keyboard_; }
    const Ps2Mouse& mouse() const { return mouse_; }

    const char* type_name() const override { return "i8042"; }
    void reset() override;
    void save(StateWriter& out) const override;
    Result<void> load(StateReader& in, uint32_t version) override;
    std::string describe() const override;

  private:
    // Controller replies waiting ahead of device data; more are dropped.
    static constexpr unsigned kMaxReplies = 4;

    template <typename Self, typename Io>
    static void state_fields(Self& self, Io& io) {
        io(self.ram_, self.status_flags_, self.output_port_, self.output_, self.output_full_,
           self.output_from_mouse_, self.pending_command_, self.translate_break_,
           bounded(self.replies_, kMaxReplies), self.keyboard_, self.mouse_);
    }

    uint8_t read_data();
    uint8_t read_status() const;
    void write_data(uint8_t value);
    void write_command(uint8_t value);
    void write_output_port(uint8_t value);
    void write_command_byte(uint8_t value);
    // Queues a byte the controller itself produces (or D2/D3 hand it).
    void reply(uint8_t byte, bool as_mouse = false);
    void put_output(uint8_t byte, bool from_mouse);
    bool translate(uint8_t byte, uint8_t* out);
    void refill_output();
    void update_irqs();

    ResetRequest on_reset_;
    A20Change on_a20_;
    MemoryRegion data_io_;
    MemoryRegion command_io_;
    IrqLine keyboard_irq_;
    IrqLine mouse_irq_;
    Ps2Keyboard keyboard_;
    Ps2Mouse mouse_;

    // Controller RAM; byte 0 is the command byte.
    std::array<uint8_t, 32> ram_{};
    uint8_t status_flags_ = 0;  // SYS and A2; OBF and AUXB are derived
    uint8_t output_port_ = 0;
    uint8_t output_ = 0;
    bool output_full_ = false;
    bool output_from_mouse_ = false;
    uint8_t pending_command_ = 0;   // command waiting for its data byte on port 0x60, or 0
    bool translate_break_ = false;  // a set-2 0xf0 prefix was swallowed by translation
    struct Reply {
        uint8_t byte;
        bool as_mouse;

        template <typename Self, typename Io>
        static void state_fields(Self& r, Io& io) {
            io(r.byte, r.as_mouse);
        }
    };
    std::deque<Reply> replies_;  // controller output, ahead of device data
};

}  // namespace kemu
