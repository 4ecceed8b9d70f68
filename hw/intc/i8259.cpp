#include "hw/intc/i8259.h"

#include "hw/core/device_state.h"
#include "system/log.h"

namespace kemu {

namespace {

constexpr uint8_t kIcw1 = 0x10, kIcw1NeedsIcw4 = 0x01, kIcw1Single = 0x02, kIcw1Level = 0x08;
constexpr uint8_t kIcw4Mode8086 = 0x01, kIcw4AutoEoi = 0x02, kIcw4SpecialFullyNested = 0x10;
constexpr uint8_t kOcw3 = 0x08, kOcw3Poll = 0x04, kOcw3ReadRegister = 0x02, kOcw3ReadIsr = 0x01,
                  kOcw3SpecialMaskCommand = 0x40, kOcw3SpecialMaskSet = 0x20;
constexpr unsigned kCascadeIr = 2;

// PIIX ELCR: IRQ0, 1, 2, 8 and 13 are always edge-triggered.
constexpr uint8_t kMasterElcrMask = 0xf8, kSlaveElcrMask = 0xde;

// OCW2 commands (R, SL, EOI bits).
enum class Ocw2 : uint8_t {
    RotateInAutoEoiClear = 0,
    NonSpecificEoi = 1,
    NoOperation = 2,
    SpecificEoi = 3,
    RotateInAutoEoiSet = 4,
    RotateOnNonSpecificEoi = 5,
    SetPriority = 6,
    RotateOnSpecificEoi = 7,
};

}  // namespace

void I8259Chip::reset() {
    // What ICW1 does, plus the mode bits; input levels are wires and stay as they are.
    write_icw1(kIcw1);
    init_ = Init::Done;
    irq_base_ = 0;
    elcr_ = 0;
    irr_ = 0;
}

void I8259Chip::write_icw1(uint8_t value) {
    // The edge sense circuit resets: an edge input must rise again before it requests.
    level_triggered_ = value & kIcw1Level;
    irr_ = 0;
    for (unsigned ir = 0; ir < 8; ir++)
        if (level_mode(ir) && (lines_ & (1u << ir))) irr_ |= uint8_t(1u << ir);
    isr_ = 0;
    imr_ = 0;
    lowest_priority_ = 7;
    special_mask_ = false;
    read_isr_ = false;
    poll_ = false;
    auto_eoi_ = false;
    rotate_on_auto_eoi_ = false;
    special_fully_nested_ = false;
    mode_8086_ = false;
    needs_icw4_ = value & kIcw1NeedsIcw4;
    single_ = value & kIcw1Single;
    init_ = Init::Icw2;
}

void I8259Chip::write_init_word(uint8_t value) {
    switch (init_) {
        case Init::Icw2:
            irq_base_ = value & 0xf8;
            init_ = !single_ ? Init::Icw3 : needs_icw4_ ? Init::Icw4 : Init::Done;
            break;
        case Init::Icw3:
            // The cascade wiring is fixed on the PC (slave on IR2, ID 2): nothing to set.
            init_ = needs_icw4_ ? Init::Icw4 : Init::Done;
            break;
        case Init::Icw4:
            mode_8086_ = value & kIcw4Mode8086;
            auto_eoi_ = value & kIcw4AutoEoi;
            special_fully_nested_ = value & kIcw4SpecialFullyNested;
            init_ = Init::Done;
            break;
        case Init::Done:
            break;
    }
    if (init_ == Init::Done && !mode_8086_)
        log_unimp("i8259: MCS-80/85 mode requested; kemu answers INTA with 8086 vectors");
}

void I8259Chip::set_input(unsigned ir, bool level) {
    uint8_t bit = uint8_t(1u << ir);
    bool was = lines_ & bit;
    lines_ = level ? (lines_ | bit) : (lines_ & ~bit);
    // An edge input latches on the rising edge but must stay high until INTA; a request
    // that falls first is gone, in either mode (8259A datasheet, "Edge triggered mode").
    if (!level)
        irr_ &= ~bit;
    else if (level_mode(ir) || !was)
        irr_ |= bit;
}

int I8259Chip::highest_request() const {
    uint8_t pending = irr_ & ~imr_;
    if (!pending) return -1;
    uint8_t blocking = isr_;
    // Special mask mode: a masked level in service does not hold off lower ones.
    if (special_mask_) blocking &= ~imr_;
    // Special fully nested mode: the slave may interrupt while its IR is in service, so
    // higher-priority slave requests nest.
    if (special_fully_nested_ && is_master_) blocking &= uint8_t(~(1u << kCascadeIr));
    for (unsigned p = 0; p < 8; p++) {
        unsigned ir = (lowest_priority_ + 1 + p) & 7;
        if (blocking & (1u << ir)) return -1;
        if (pending & (1u << ir)) return int(ir);
    }
    return -1;
}

int I8259Chip::highest_in_service() const {
    for (unsigned p = 0; p < 8; p++) {
        unsigned ir = (lowest_priority_ + 1 + p) & 7;
        if (isr_ & (1u << ir)) return int(ir);
    }
    return -1;
}

unsigned I8259Chip::acknowledge() {
    int found = highest_request();
    // The request went away before INTA: the 8259A answers with IR7 and sets nothing.
    if (found < 0) return 7;
    unsigned ir = unsigned(found);
    uint8_t bit = uint8_t(1u << ir);
    // A level input keeps requesting while it is high; the ISR bit holds it off.
    if (!level_mode(ir)) irr_ &= ~bit;
    if (auto_eoi_) {
        if (rotate_on_auto_eoi_) lowest_priority_ = uint8_t(ir);
    } else {
        isr_ |= bit;
    }
    return ir;
}

uint8_t I8259Chip::read(unsigned port) {
    if (port == 1) return imr_;
    if (poll_) {
        // A poll is an INTA without the vector: the read returns the level and acknowledges it.
        poll_ = false;
        if (highest_request() < 0) return 0;
        return uint8_t(0x80 | acknowledge());
    }
    return read_isr_ ? isr_ : irr_;
}

void I8259Chip::write(unsigned port, uint8_t value) {
    if (port == 1) {
        if (init_ != Init::Done)
            write_init_word(value);
        else
            imr_ = value;
        return;
    }
    if (value & kIcw1)
        write_icw1(value);
    else if (value & kOcw3)
        write_ocw3(value);
    else
        write_ocw2(value);
}

void I8259Chip::write_ocw2(uint8_t value) {
    unsigned level = value & 7;
    switch (Ocw2(value >> 5)) {
        case Ocw2::RotateInAutoEoiClear:
            rotate_on_auto_eoi_ = false;
            return;
        case Ocw2::RotateInAutoEoiSet:
            rotate_on_auto_eoi_ = true;
            return;
        case Ocw2::NonSpecificEoi:
        case Ocw2::RotateOnNonSpecificEoi: {
            int ir = highest_in_service();
            if (ir < 0) return;
            isr_ &= uint8_t(~(1u << ir));
            if (Ocw2(value >> 5) == Ocw2::RotateOnNonSpecificEoi) lowest_priority_ = uint8_t(ir);
            return;
        }
        case Ocw2::SpecificEoi:
        case Ocw2::RotateOnSpecificEoi:
            isr_ &= uint8_t(~(1u << level));
            if (Ocw2(value >> 5) == Ocw2::RotateOnSpecificEoi) lowest_priority_ = uint8_t(level);
            return;
        case Ocw2::SetPriority:
            lowest_priority_ = uint8_t(level);
            return;
        case Ocw2::NoOperation:
            return;
    }
}

void I8259Chip::write_ocw3(uint8_t value) {
    if (value & kOcw3Poll) poll_ = true;
    if (value & kOcw3ReadRegister) read_isr_ = value & kOcw3ReadIsr;
    if (value & kOcw3SpecialMaskCommand) special_mask_ = value & kOcw3SpecialMaskSet;
}

void I8259Chip::clamp_loaded_state() {
    elcr_ &= elcr_mask_;
    lowest_priority_ &= 7;
    if (init_ > Init::Icw4) init_ = Init::Done;
}

PicChipInfo I8259Chip::info() const {
    return PicChipInfo{
        .irr = irr_,
        .imr = imr_,
        .isr = isr_,
        .highest_priority = (lowest_priority_ + 1u) & 7,
        .irq_base = irq_base_,
        .read_isr = read_isr_,
        .elcr = elcr_,
        .special_fully_nested = special_fully_nested_,
        .auto_eoi = auto_eoi_,
        .poll = poll_,
        .special_mask = special_mask_,
    };
}

I8259Pair::I8259Pair(std::string name)
    : Device(std::move(name)),
      master_(true, kMasterElcrMask),
      slave_(false, kSlaveElcrMask),
      master_io_(MemoryRegion::io(this->name() + "-master", 2, chip_ops(master_))),
      slave_io_(MemoryRegion::io(this->name() + "-slave", 2, chip_ops(slave_))),
      elcr_io_(
          MemoryRegion::io(this->name() + "-elcr", 2,
                           IoOps{
                               .read = [this](uint64_t offset, unsigned) -> uint64_t {
                                   return offset == 0 ? master_.elcr() : slave_.elcr();
                               },
                               .write =
                                   [this](uint64_t offset, uint64_t value, unsigned) {
                                       (offset == 0 ? master_ : slave_).set_elcr(uint8_t(value));
                                       update();
                                   },
                               .valid = {1, 2, false},
                               .impl = {1, 1, false},
                           })) {
    reset();
}

IoOps I8259Pair::chip_ops(I8259Chip& chip) {
    return IoOps{
        .read = [this, &chip](uint64_t offset, unsigned) -> uint64_t {
            uint8_t v = chip.read(unsigned(offset));
            update();
            return v;
        },
        .write =
            [this, &chip](uint64_t offset, uint64_t value, unsigned) {
                chip.write(unsigned(offset), uint8_t(value));
                update();
            },
        .valid = {1, 2, false},
        .impl = {1, 1, false},
    };
}

void I8259Pair::reset() {
    master_.reset();
    slave_.reset();
    update();
}

void I8259Pair::update() {
    master_.set_input(kCascadeIr, slave_.intr());
    intr_.set(master_.intr());
}

void I8259Pair::set_irq(unsigned irq, bool level) {
    if (irq >= 16 || irq == kCascadeIr) return;
    (irq < 8 ? master_ : slave_).set_input(irq & 7, level);
    update();
}

int I8259Pair::acknowledge() {
    unsigned ir = master_.acknowledge();
    int vector;
    if (ir == kCascadeIr && master_.cascaded()) {
        vector = slave_.vector(slave_.acknowledge());
        // The slave's INT falls during INTA; a request still pending there is a new edge.
        master_.set_input(kCascadeIr, false);
    } else {
        vector = master_.vector(ir);
    }
    update();
    return vector;
}

void I8259Pair::save(StateWriter& out) const {
    out(master_, slave_);
}

Result<void> I8259Pair::load(StateReader& in, uint32_t version) {
    KEMU_TRY_VOID(check_state_version(*this, version));
    in(master_, slave_);
    master_.clamp_loaded_state();
    slave_.clamp_loaded_state();
    KEMU_TRY_VOID(finish_load(*this, in));
    update();
    return ok();
}

std::string I8259Pair::describe() const {
    return "iobase = 0x20, 0xa0, elcr = 0x4d0";
}

}  // namespace kemu
