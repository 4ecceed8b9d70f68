// The PC's two cascaded Intel 8259A programmable interrupt controllers (8259A
// datasheet) with the PIIX edge/level control registers (ELCR) at 0x4d0/0x4d1.
// The slave's INT drives the master's IR2; the master's INT is the pair's INTR
// output, which the board wires to the BSP's LAPIC LINT0. The CPU's INTA cycle is
// acknowledge(), which returns the vector.
#pragma once

#include <cstdint>
#include <string>

#include "hw/core/device.h"
#include "hw/core/irq.h"
#include "monitor/irqchip_report.h"
#include "system/memory_region.h"

namespace kemu {

// One 8259A. Priorities are counted from the IR after `lowest_priority_` (IR0 highest
// at reset); rotation moves `lowest_priority_`.
class I8259Chip {
  public:
    I8259Chip(bool is_master, uint8_t elcr_mask) : elcr_mask_(elcr_mask), is_master_(is_master) {}

    void reset();
    void set_input(unsigned ir, bool level);
    bool intr() const { return highest_request() >= 0; }
    // INTA: the IR being serviced, or 7 with nothing set in service (spurious IR7).
    unsigned acknowledge();
    uint8_t vector(unsigned ir) const { return uint8_t(irq_base_ | ir); }
    bool cascaded() const { return !single_; }

    // A0 = `port` (0: ICW1/OCW2/OCW3 and IRR/ISR/poll, 1: ICW2-4/OCW1 and IMR).
    uint8_t read(unsigned port);
    void write(unsigned port, uint8_t value);
    uint8_t elcr() const { return elcr_; }
    void set_elcr(uint8_t value) { elcr_ = value & elcr_mask_; }

    template <typename Self, typename Io>
    static void state_fields(Self& self, Io& io) {
        io(self.elcr_, self.lines_, self.irr_, self.isr_, self.imr_, self.irq_base_,
           self.lowest_priority_, self.init_, self.needs_icw4_, self.single_, self.level_triggered_,
           self.mode_8086_, self.auto_eoi_, self.rotate_on_auto_eoi_, self.special_fully_nested_,
           self.special_mask_, self.read_isr_, self.poll_);
    }
    // Brings fields read from a state stream back into their ranges.
    void clamp_loaded_state();
    // The registers `info pic` shows.
    PicChipInfo info() const;

  private:
    int highest_request() const;
    int highest_in_service() const;
    unsigned priority(unsigned ir) const { return (ir - lowest_priority_ - 1) & 7; }
    bool level_mode(unsigned ir) const { return level_triggered_ || (elcr_ & (1u << ir)); }
    void write_icw1(uint8_t value);
    void write_ocw2(uint8_t value);
    void write_ocw3(uint8_t value);
    void write_init_word(uint8_t value);

    enum class Init : uint8_t { Done, Icw2, Icw3, Icw4 };

    uint8_t elcr_mask_;
    uint8_t elcr_ = 0;
    uint8_t lines_ = 0;  // current input levels
    uint8_t irr_ = 0;
    uint8_t isr_ = 0;
    uint8_t imr_ = 0;
    uint8_t irq_base_ = 0;
    uint8_t lowest_priority_ = 7;
    Init init_ = Init::Done;
    bool needs_icw4_ = false;
    bool single_ = false;
    bool level_triggered_ = false;  // ICW1 LTIM: every input level-sensitive
    bool mode_8086_ = false;
    bool auto_eoi_ = false;
    bool rotate_on_auto_eoi_ = false;
    bool special_fully_nested_ = false;
    bool special_mask_ = false;
    bool read_isr_ = false;
    bool poll_ = false;
    bool is_master_;
};

class I8259Pair final : public Device {
  public:
    explicit I8259Pair(std::string name);

    MemoryRegion& master_io() { return master_io_; }
    MemoryRegion& slave_io() { return slave_io_; }
    MemoryRegion& elcr_io() { return elcr_io_; }
    // ISA IRQ 0-15 (2 is the cascade: an input there is ignored).
    void set_irq(unsigned irq, bool level);
    IrqLine::Sink input(unsigned irq) {
        return [this, irq](bool level) { set_irq(irq, level); };
    }
    IrqLine& intr() { return intr_; }
    // The CPU's INTA cycle: the vector of the highest-priority request.
    int acknowledge();

    const char* type_name() const override { return "i8259"; }
    void reset() override;
    void save(StateWriter& out) const override;
    Result<void> load(StateReader& in, uint32_t version) override;
    std::string describe() const override;
    // `info pic`.
    PicChipInfo master_info() const { return master_.info(); }
    PicChipInfo slave_info() const { return slave_.info(); }

  private:
    void update();
    // The two-port window of one chip; every access re-evaluates the cascade and INTR.
    IoOps chip_ops(I8259Chip& chip);

    I8259Chip master_;
    I8259Chip slave_;
    MemoryRegion master_io_;
    MemoryRegion slave_io_;
    MemoryRegion elcr_io_;
    IrqLine intr_;
};

}  // namespace kemu
